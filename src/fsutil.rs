//! Writing files safely.

use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// flushed to disk, then renamed over the target. A crash leaves either the
/// old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Like [`write_atomic`], for a file written piece by piece (through a
/// buffer) without holding it whole in memory. When `write` fails, the
/// temporary file is removed and the target is left as it was.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    stage_with(path, write)?.publish()
}

/// A file written in full, flushed to disk, under a temporary name beside
/// its target: [`Staged::publish`] gives it the target's name. Dropped
/// unpublished, it is removed. For a run that writes several files and
/// must name them all at once, after the step that makes them valid (the
/// journal's commit).
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    /// The file renamed over: the one a symbolic link names.
    target: PathBuf,
    /// The name as given.
    given: PathBuf,
    published: bool,
}

impl Staged {
    /// The name the file gets when published, as given (a symbolic link's
    /// name, not the file it names).
    pub fn name(&self) -> &Path {
        &self.given
    }

    /// Where the file is until published.
    pub fn tmp(&self) -> &Path {
        &self.tmp
    }

    /// Renames the file over its target.
    pub fn publish(mut self) -> std::io::Result<()> {
        std::fs::rename(&self.tmp, &self.target)?;
        self.published = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes a file as [`write_atomic_with`] does, but leaves it under its
/// temporary name: see [`Staged`].
pub fn stage_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<Staged> {
    let given = path.to_path_buf();
    // A symbolic link keeps pointing at the file, which is what is replaced.
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    };
    // A file replaced keeps its permissions (a job file readable by its
    // group stays so).
    let permissions = std::fs::metadata(&path).ok().map(|m| m.permissions());
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staged = Staged {
        tmp: temp_path(dir, &name),
        target: path.clone(),
        given,
        published: false,
    };
    // On an error, `staged` is dropped and the temporary file removed.
    let mut f = std::io::BufWriter::new(std::fs::File::create(&staged.tmp)?);
    write(&mut f)?;
    let f = f.into_inner().map_err(|e| e.into_error())?;
    if let Some(p) = permissions {
        f.set_permissions(p)?;
    }
    f.sync_all()?;
    Ok(staged)
}

/// A hidden name in `dir` to write `name`'s bytes under before they are
/// renamed to it, unique to this machine, process and call. Stale ones
/// (see [`sweep_stale`]) are removed first.
pub fn temp_path(dir: &Path, name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    sweep_stale(dir);
    dir.join(format!(
        ".{name}.{}.{}.{}.tmp",
        this_host(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Removes the temporary files a killed run left in `dir` (`kill -9`, a
/// power cut: [`Staged`]'s `Drop` never ran). A temporary file names the
/// machine and the process that wrote it, `.{name}.{host}.{pid}.{n}.tmp`;
/// it is stale when it was written on this machine by a process that is
/// gone. Another machine's files are never touched: shards of a month may
/// share one folder over the network, and a process there cannot be
/// looked up from here. Each folder is swept once per process, so a
/// month's ten thousand notices do not list their folder ten thousand
/// times. Only where a process can be looked up (`/proc`): elsewhere the
/// files stay, hidden, as before.
fn sweep_stale(dir: &Path) {
    static SWEPT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    if !Path::new("/proc/self").exists() {
        return;
    }
    {
        let mut swept = SWEPT.lock().unwrap_or_else(|e| e.into_inner());
        if swept.iter().any(|d| d == dir) {
            return;
        }
        swept.push(dir.to_path_buf());
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((host, pid)) = name.to_str().and_then(temp_owner) else {
            continue;
        };
        if host == this_host() && pid != me && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// This machine's name as temporary files carry it: letters, digits and
/// `-` only, so that it cannot be mistaken for the name's other parts.
fn this_host() -> &'static str {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        let host: String = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(63)
            .collect();
        if host.is_empty() { "host".into() } else { host }
    })
}

/// The machine and process named in a temporary file's name
/// `.{name}.{host}.{pid}.{n}.tmp`.
fn temp_owner(file: &str) -> Option<(&str, u32)> {
    let rest = file.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, n) = rest.rsplit_once('.')?;
    let (rest, pid) = rest.rsplit_once('.')?;
    let (name, host) = rest.rsplit_once('.')?;
    if name.is_empty() || n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((host, pid.parse().ok()?))
}

/// A folder made for a run's output, removed again (with the parents made
/// for it) when the run ends without writing anything in it: a failed run
/// leaves no empty folder behind. A folder that holds anything is kept.
pub struct MadeDir {
    /// The folders made, deepest first.
    made: Vec<PathBuf>,
}

impl MadeDir {
    pub fn create(path: &Path) -> std::io::Result<MadeDir> {
        let mut made = Vec::new();
        let mut p = Some(path);
        while let Some(dir) = p.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            made.push(dir.to_path_buf());
            p = dir.parent();
        }
        std::fs::create_dir_all(path)?;
        Ok(MadeDir { made })
    }
}

impl Drop for MadeDir {
    fn drop(&mut self) {
        for dir in &self.made {
            // Fails, harmlessly, on a folder with anything in it.
            if std::fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}

/// Turns text from customer data (a name, a document number) into a safe
/// file-name component: no path separators, no `..`, no control characters,
/// no leading dot, bounded length. Chinese is kept.
pub fn sanitize_file_name(text: &str) -> String {
    const MAX_NAME_CHARS: usize = 80;
    let mut out: String = text
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c if c.is_whitespace() => '_',
            c => c,
        })
        .collect();
    while out.starts_with('.') {
        out.remove(0);
    }
    // At most 80 characters (240 bytes of Chinese, inside every file
    // system's 255), cut in the name and never in the extension: a long
    // customer name must not leave `….p` for `….pdf`.
    let out: String = match out.rsplit_once('.') {
        Some((stem, ext))
            if !ext.is_empty()
                && ext.len() <= 5
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
                && out.chars().count() > MAX_NAME_CHARS =>
        {
            let keep = MAX_NAME_CHARS - 1 - ext.len();
            format!("{}.{ext}", stem.chars().take(keep).collect::<String>())
        }
        _ => out.chars().take(MAX_NAME_CHARS).collect(),
    };
    if out.is_empty() || out.chars().all(|c| c == '_') {
        "document".to_string()
    } else {
        out
    }
}

/// Joins a sanitised file name to an output folder; the result is always
/// inside the folder.
pub fn output_path(dir: &Path, name: &str) -> PathBuf {
    let safe = sanitize_file_name(name);
    let p = dir.join(&safe);
    debug_assert!(
        p.components()
            .filter(|c| matches!(c, Component::ParentDir))
            .count()
            == dir
                .components()
                .filter(|c| matches!(c, Component::ParentDir))
                .count()
    );
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replacing a file keeps its permissions, and through a link replaces
    /// the file the link names, keeping the link.
    #[cfg(unix)]
    #[test]
    fn a_file_replaced_keeps_its_mode_and_its_links() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("feebook-fsutil-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("job.yaml");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        std::os::unix::fs::symlink("job.yaml", dir.join("link.yaml")).unwrap();
        write_atomic(&dir.join("link.yaml"), b"new").unwrap();
        assert!(dir.join("link.yaml").is_symlink());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// What a killed run left is removed by the next write to its folder;
    /// a file of a running process, or one not named as feebook names its
    /// temporary files, is kept.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_killed_runs_temporary_files_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let host = this_host();
        let dead = dir
            .path()
            .join(format!(".notice.pdf.{host}.4294967294.3.tmp"));
        let alive = dir
            .path()
            .join(format!(".notice.pdf.{host}.{}.9.tmp", std::process::id()));
        let init = dir.path().join(format!(".notice.pdf.{host}.1.0.tmp"));
        let elsewhere = dir
            .path()
            .join(".notice.pdf.other-machine.4294967294.3.tmp");
        let other = dir.path().join(".notes.tmp");
        for f in [&dead, &alive, &init, &elsewhere, &other] {
            std::fs::write(f, "half").unwrap();
        }
        write_atomic(&dir.path().join("x.pdf"), b"x").unwrap();
        assert!(!dead.exists());
        assert!(alive.exists() && init.exists() && elsewhere.exists() && other.exists());
        assert_eq!(temp_owner(".a.b.h.12.0.tmp"), Some(("h", 12)));
        assert_eq!(temp_owner(".h.12.0.tmp"), None);
        assert_eq!(temp_owner(".a.h.12..tmp"), None);
    }

    #[test]
    fn sanitized_names_stay_inside_the_folder() {
        for evil in [
            "../../etc/passwd",
            "..",
            "/abs",
            "a\\b",
            "x\0y",
            ".hidden",
            "",
            "   ",
        ] {
            let s = sanitize_file_name(evil);
            assert!(
                !s.contains('/') && !s.contains('\\') && !s.starts_with('.') && !s.is_empty(),
                "{evil:?} → {s:?}"
            );
        }
        assert_eq!(sanitize_file_name("华庭大厦 1201 室"), "华庭大厦_1201_室");
    }

    #[test]
    fn a_long_name_is_cut_before_its_extension() {
        let customer = "滨江云帆科技有限公司".repeat(8);
        let name = format!("billing-notice-TZ202612-0003-{customer}.pdf");
        let safe = sanitize_file_name(&name);
        assert_eq!(safe.chars().count(), 80);
        assert!(
            safe.starts_with("billing-notice-TZ202612-0003-滨江云帆"),
            "{safe}"
        );
        assert!(safe.ends_with(".pdf"), "{safe}");
        // A short name, or one without an extension, is cut as it was.
        assert_eq!(sanitize_file_name("a.pdf"), "a.pdf");
        assert_eq!(sanitize_file_name(&"字".repeat(90)).chars().count(), 80);
    }
}
