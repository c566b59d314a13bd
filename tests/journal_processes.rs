//! The journal across real processes: concurrent issuers get consecutive
//! numbers, and a process killed inside its issuing transaction leaves
//! neither a gap nor a duplicate. The children are `examples/journal_issuer.rs`,
//! which `cargo test` builds alongside this test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use feebook::journal::{DocKind, ErrorKind, Issuing, Journal, JournalError, NewEntry, sha256_hex};
use std::io::Write;

/// A fresh folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("feebook-journal-mp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }

    fn journal(&self) -> PathBuf {
        self.0.join("output").join("journal.sqlite")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The children are this test binary itself, re-run with only the
/// `child_issuer` test and `FEEBOOK_ISSUER` saying what to do, so no
/// separate program has to be built first.
fn issuer_command(journal: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(std::env::current_exe().expect("current exe"));
    c.args([
        "child_issuer",
        "--exact",
        "--nocapture",
        "--test-threads",
        "1",
    ])
    .env(
        "FEEBOOK_ISSUER",
        format!("{}\t{}", journal.display(), args.join("\t")),
    );
    c
}

fn spawn(journal: &Path, args: &[&str]) -> Child {
    issuer_command(journal, args)
        // Where an aborted child's core file (if the system writes one) lands.
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn issuer")
}

/// Reads the child's first stdout line, e.g. `holding 3`, and returns the
/// number in it. The child prints it while inside the transaction.
fn first_line_seq(child: &mut Child, word: &str) -> u64 {
    // The test harness prints its own lines first; skip to ours.
    let mut reader = BufReader::new(child.stdout.as_mut().expect("piped stdout"));
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).expect("read child output") == 0 || line.contains(word) {
            break;
        }
    }
    let seq = after(&line, word);
    seq.unwrap_or_else(|| panic!("child said {line:?}, expected `{word} SEQ`"))
}

/// The number after `word` in a line of the child's output (the test
/// harness may print its own text before it on the same line).
fn after(line: &str, word: &str) -> Option<u64> {
    let word = word.trim_end();
    let rest = &line[line.find(word)? + word.len()..];
    rest.split_whitespace().next()?.parse().ok()
}

fn seqs(journal: &Path) -> Vec<u64> {
    let j = Journal::open(journal).unwrap();
    j.list(None).unwrap().iter().map(|e| e.seq).collect()
}

/// Issues one receipt from this process; returns its sequence number.
fn issue_here(journal: &Path) -> u64 {
    let out = issuer_command(journal, &["commit", "1"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| after(l, "issued "))
        .expect("issued SEQ")
}

#[test]
fn four_processes_issue_200_consecutive_numbers() {
    let t = TempDir::new("four");
    let path = t.journal();
    // The journal does not exist yet: the children also race to create it.
    let children: Vec<Child> = (0..4).map(|_| spawn(&path, &["commit", "50"])).collect();
    let mut issued: Vec<u64> = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let mine: Vec<u64> = text.lines().filter_map(|l| after(l, "issued ")).collect();
        assert_eq!(mine.len(), 50);
        // Each process sees its own numbers increase.
        assert!(mine.windows(2).all(|w| w[0] < w[1]), "{mine:?}");
        issued.extend(mine);
    }
    issued.sort_unstable();
    assert_eq!(
        issued,
        (1..=200).collect::<Vec<_>>(),
        "distinct and consecutive"
    );
    assert_eq!(seqs(&path), (1..=200).collect::<Vec<_>>());
    let j = Journal::open(&path).unwrap();
    let summary = j.summary(None).unwrap();
    assert_eq!(summary.len(), 1);
    assert_eq!((summary[0].count, summary[0].last_seq), (200, 200));
    assert!(summary[0].gaps.is_empty());
}

#[test]
fn a_killed_process_leaves_no_gap_and_no_duplicate() {
    let t = TempDir::new("kill");
    let path = t.journal();
    assert_eq!(issue_here(&path), 1);
    assert_eq!(issue_here(&path), 2);

    let mut child = spawn(&path, &["hold"]);
    assert_eq!(first_line_seq(&mut child, "holding"), 3);

    // The child really holds the write lock: another writer times out…
    let mut other = Journal::open(&path).unwrap();
    other.set_busy_timeout(Duration::from_millis(300)).unwrap();
    let e = other.begin().unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Locked { .. }), "{e}");
    // …while readers do not see its uncommitted entry.
    assert!(other.find("SJ2026-000003").unwrap().is_none());

    child.kill().unwrap();
    child.wait().unwrap();

    // The lock died with the process: the next issue does not wait, and
    // gets the number the killed process would have had.
    other.set_busy_timeout(Duration::from_secs(60)).unwrap();
    let start = Instant::now();
    let issuing = other.begin().unwrap();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(issuing.next_seq("SJ2026-#").unwrap(), 3);
    drop(issuing);
    assert_eq!(issue_here(&path), 3);
    assert_eq!(seqs(&path), vec![1, 2, 3]);
    let entry = other.find("SJ2026-000003").unwrap().unwrap();
    assert!(entry.snapshot.contains("\"seq\":3"));
}

#[test]
fn an_aborted_process_leaves_no_gap_and_no_duplicate() {
    let t = TempDir::new("abort");
    let path = t.journal();
    assert_eq!(issue_here(&path), 1);
    let mut child = spawn(&path, &["abort"]);
    assert_eq!(first_line_seq(&mut child, "aborting"), 2);
    let status = child.wait().unwrap();
    assert!(!status.success(), "abort() must end the child abnormally");
    assert_eq!(seqs(&path), vec![1]);
    assert_eq!(issue_here(&path), 2);
    assert_eq!(seqs(&path), vec![1, 2]);
}

#[test]
fn processes_racing_to_create_a_journal_all_succeed() {
    // Found a real bug once: a process reading the schema while another
    // created it took the half-seen journal for a foreign database.
    let t = TempDir::new("create");
    for round in 0..10 {
        let path = t.0.join(format!("round{round}")).join("journal.sqlite");
        let children: Vec<Child> = (0..6).map(|_| spawn(&path, &["commit", "1"])).collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert_eq!(seqs(&path), (1..=6).collect::<Vec<_>>(), "round {round}");
    }
}

// ------------------------------------------------------------ the child

const SERIES: &str = "SJ2026-#";

/// Takes the next number and records a receipt with it, as `feebook` does
/// after rendering the document in memory.
fn record_next(issuing: &mut Issuing<'_>) -> Result<u64, JournalError> {
    let seq = issuing.next_seq(SERIES)?;
    let snapshot = format!(
        r#"{{"payer":"华庭大厦 1201 室","pid":{},"seq":{seq}}}"#,
        std::process::id()
    );
    issuing.record(&NewEntry {
        kind: DocKind::Receipt,
        series: SERIES.into(),
        seq,
        number: format!("SJ2026-{seq:06}"),
        date: chrono::NaiveDate::from_ymd_opt(2026, 3, 5).expect("valid date"),
        party: "华庭大厦 1201 室".into(),
        amount: Some(rust_decimal::Decimal::new(12050, 2)),
        content_hash: sha256_hex(snapshot.as_bytes()),
        snapshot,
    })?;
    Ok(seq)
}

/// Prints a line and flushes it at once, so the parent sees it while this
/// process is still inside the transaction.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn run(path: PathBuf, mode: &str, count: Option<u64>) -> Result<(), JournalError> {
    let mut journal = Journal::open(&path)?;
    match mode {
        "commit" => {
            for _ in 0..count.unwrap_or(1) {
                let mut issuing = journal.begin()?;
                let seq = record_next(&mut issuing)?;
                issuing.commit()?;
                say(&format!("issued {seq}"));
            }
        }
        "hold" => {
            let mut issuing = journal.begin()?;
            let seq = record_next(&mut issuing)?;
            say(&format!("holding {seq}"));
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
        "abort" => {
            let mut issuing = journal.begin()?;
            let seq = record_next(&mut issuing)?;
            say(&format!("aborting {seq}"));
            std::process::abort();
        }
        _ => {}
    }
    Ok(())
}

/// Runs only in a child process (see `issuer_command`); a no-op otherwise.
#[test]
fn child_issuer() {
    let Ok(spec) = std::env::var("FEEBOOK_ISSUER") else {
        return;
    };
    let parts: Vec<&str> = spec.split('\t').collect();
    let (path, mode) = (PathBuf::from(parts[0]), parts[1]);
    let count = parts.get(2).and_then(|n| n.parse().ok());
    match run(path, mode, count) {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("issuer: {e}");
            std::process::exit(1)
        }
    }
}
