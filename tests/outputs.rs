//! Where documents go: `-o` never replaces a file the command reads (the
//! input, the journal) nor a folder, device or pipe; a document that cannot
//! be written uses up no number; a void that cannot be rendered or written
//! is not recorded.

mod support;
use support::Scratch;

use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn temp(name: &str) -> Scratch {
    Scratch::new(&format!("out-{name}"))
}

fn feebook(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_feebook"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The numbers the journal lists, in order.
fn numbers(dir: &Path) -> Vec<String> {
    let (code, out, err) = feebook(
        dir,
        &["journal", "--journal", "j.sqlite", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let voided = if e["voided"].is_null() { "" } else { " void" };
            format!("{}{voided}", e["number"].as_str().unwrap())
        })
        .collect()
}

#[test]
fn an_output_never_replaces_an_input_or_the_journal_nor_uses_up_a_number() {
    let dir = temp("targets");
    let order = dir.join("order.yaml");
    std::fs::copy(
        format!("{ROOT}/samples/orders/indoor-cleaning-1203.yaml"),
        &order,
    )
    .unwrap();
    let issue_once = |out: &str, again: bool| {
        let mut args = vec![
            "order",
            "order.yaml",
            "--journal",
            "j.sqlite",
            "--format",
            "md",
            "-o",
            out,
        ];
        if again {
            args.push("--again");
        }
        feebook(&dir, &args)
    };
    let (code, _, err) = issue_once("first.md", false);
    assert_eq!(code, 0, "{err}");
    // The same file again (a command run twice) is not a second order.
    let (code, _, err) = issue_once("second.md", false);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the journal already has this work order: TY202611-00001")
            && err.contains("--again"),
        "{err}"
    );
    // From here on, the same order is issued on purpose.
    let issue = |out: &str| issue_once(out, true);
    let journal = std::fs::read(dir.join("j.sqlite")).unwrap();
    let input = std::fs::read(&order).unwrap();

    let (code, _, err) = issue("j.sqlite");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a file this command reads"), "{err}");
    let (code, _, err) = issue("order.yaml");
    assert_eq!(code, 2, "{err}");
    assert_eq!(std::fs::read(&order).unwrap(), input, "the input is intact");

    // A folder that cannot be made, an existing folder given as a file
    // name, a pipe: refused before a number is taken.
    std::fs::write(dir.join("plain"), "a file, not a folder").unwrap();
    let (code, _, err) = issue("plain/x.md");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nothing was recorded in the journal"), "{err}");
    std::fs::create_dir(dir.join("folder")).unwrap();
    let (code, _, err) = issue("folder");
    assert_eq!(code, 0, "an existing folder is written into: {err}");
    #[cfg(unix)]
    {
        assert!(
            Command::new("mkfifo")
                .arg(dir.join("pipe"))
                .status()
                .unwrap()
                .success()
        );
        let (code, _, err) = issue("pipe");
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("is not a file"), "{err}");

        // A link is followed: the file it names is written, the link kept.
        std::os::unix::fs::symlink("real.md", dir.join("link.md")).unwrap();
        let (code, _, err) = issue("link.md");
        assert_eq!(code, 0, "{err}");
        assert!(dir.join("link.md").is_symlink());
        assert!(
            std::fs::read_to_string(dir.join("real.md"))
                .unwrap()
                .contains("TY202611-00003")
        );
    }
    let issued = numbers(&dir);
    assert_eq!(issued.len(), if cfg!(unix) { 3 } else { 2 }, "{issued:?}");
    assert!(std::fs::read(dir.join("j.sqlite")).unwrap().len() >= journal.len());
    assert!(
        std::fs::read_dir(&dir).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp")),
        "no temporary file left"
    );
}

#[test]
fn a_void_that_cannot_be_rendered_or_written_is_not_recorded() {
    let dir = temp("void");
    let (code, _, err) = feebook(
        &dir,
        &[
            "receipt",
            &format!("{ROOT}/samples/payments/immediate-repair-802.yaml"),
            "--journal",
            "j.sqlite",
            "-o",
            "out/",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let void = |reason: &str, out: &str| {
        feebook(
            &dir,
            &[
                "void",
                "SJ2026-000001",
                "--reason",
                reason,
                "--date",
                "2026-11-25",
                "--journal",
                "j.sqlite",
                "-o",
                out,
            ],
        )
    };
    // A character no font has in the reason; the journal as the output.
    let (code, _, err) = void("客户𠮷要求重开", "out/");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("missing-glyph") && err.contains("void_reason"),
        "{err}"
    );
    let (code, _, err) = void("客户要求重开", "j.sqlite");
    assert_eq!(code, 2, "{err}");
    assert_eq!(numbers(&dir), ["SJ2026-000001"]);

    // Tried again, it is voided once, and then only once.
    let (code, out, err) = void("客户要求重开", "out/");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("receipt-SJ2026-000001-作废.pdf"), "{out}");
    assert_eq!(numbers(&dir), ["SJ2026-000001 void"]);
    let (code, _, err) = void("客户要求重开", "out/");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("already voided"), "{err}");
}

/// A numbered document written to standard output whose reader is gone
/// is a failure that says the number is taken and how to get the
/// document again, not the quiet exit 0 of `… | head`.
#[test]
fn an_issued_document_lost_on_a_closed_pipe_is_a_failure() {
    let dir = temp("closed-pipe");
    let mut child = Command::new(env!("CARGO_BIN_EXE_feebook"))
        .args([
            "order",
            &format!("{ROOT}/samples/orders/paid-repair-802.yaml"),
            "--journal",
            "j.sqlite",
            "--format",
            "md",
            "-o",
            "-",
        ])
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before the document is rendered and written.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("standard output was closed")
            && err.contains("feebook reissue TY202611-00001"),
        "{err}"
    );
}
