//! `rondom deadline` as an auditor uses it.

use std::process::Command;

const RONDOM: &str = env!("CARGO_BIN_EXE_rondom");

fn deadline(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(RONDOM)
        .arg("deadline")
        .args(args)
        .output()
        .expect("run rondom deadline");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn prints_the_due_date_and_each_skipped_day() {
    let (ok, stdout, stderr) = deadline(&["--rule", "SHV-CRISIS", "--start", "2026-12-23"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.lines().any(|line| line == "due: 2026-12-29"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2026-12-25 skipped: eerste Kerstdag"),
        "{stdout}"
    );
    assert!(stdout.contains("Wgs art. 4 lid 2"), "{stdout}");

    let (ok, stdout, _) = deadline(&[
        "--rule",
        "WMO-ONDERZOEK",
        "--start",
        "2026-02-20",
        "--suspended-days",
        "0",
    ]);
    assert!(ok);
    assert!(
        stdout.lines().any(|line| line == "due: 2026-04-07"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(Goede Vrijdag)") && stdout.contains("Atw art. 1"),
        "{stdout}"
    );
}

#[test]
fn refuses_an_unknown_rule_and_a_bad_date() {
    let (ok, _, stderr) = deadline(&["--rule", "WGS-X", "--start", "2026-01-01"]);
    assert!(!ok);
    assert!(
        stderr.contains("unknown rule") && stderr.contains("SHV-CRISIS"),
        "{stderr}"
    );
    let (ok, _, stderr) = deadline(&["--rule", "SHV-CRISIS", "--start", "23-12-2026"]);
    assert!(!ok);
    assert!(stderr.contains("--start"), "{stderr}");
}

#[test]
fn lists_every_rule_of_the_catalogue() {
    let (ok, stdout, _) = deadline(&["--list"]);
    assert!(ok);
    for code in [
        "WMO-ONDERZOEK",
        "WMO-PLAN",
        "WMO-BESCHIKKING",
        "JW-BESCHIKKING",
        "PW-VOORSCHOT",
        "PW-BESLUIT",
        "SHV-EERSTE-GESPREK",
        "SHV-CRISIS",
        "SHV-BESCHIKKING",
        "BEZWAAR",
        "IJW-STOP",
        "AVG-VERZOEK",
    ] {
        assert!(stdout.contains(code), "{code} missing");
    }
}

#[test]
fn a_gemeente_bylaw_term_applies_and_a_wrong_file_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bylaws = dir.path().join("bylaws.toml");
    std::fs::write(&bylaws, "[gemeente.0363]\nSHV-BESCHIKKING = \"6 weeks\"\n").expect("write");
    let path = bylaws.to_str().expect("utf-8 path");
    // Wgs 4a lid 3: Amsterdam's six weeks from Tuesday 24 March 2026 end on Bevrijdingsdag,
    // Tuesday 5 May, so Wednesday 6 May (Atw art. 1).
    let (ok, stdout, stderr) = deadline(&[
        "--rule",
        "SHV-BESCHIKKING",
        "--start",
        "2026-03-24",
        "--gemeente",
        "0363",
        "--bylaws",
        path,
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("its own term of 6 weeks"), "{stdout}");
    assert!(
        stdout.lines().any(|line| line == "due: 2026-05-06"),
        "{stdout}"
    );
    // Another gemeente keeps the default of eight weeks: Tuesday 19 May.
    let (ok, stdout, _) = deadline(&[
        "--rule",
        "SHV-BESCHIKKING",
        "--start",
        "2026-03-24",
        "--gemeente",
        "0344",
        "--bylaws",
        path,
    ]);
    assert!(ok);
    assert!(
        stdout.lines().any(|line| line == "due: 2026-05-19"),
        "{stdout}"
    );

    std::fs::write(&bylaws, "[gemeente.0363]\nSHV-BESCHIKKING = \"10 weeks\"\n").expect("write");
    let (ok, _, stderr) = deadline(&[
        "--rule",
        "SHV-BESCHIKKING",
        "--start",
        "2026-03-24",
        "--gemeente",
        "0363",
        "--bylaws",
        path,
    ]);
    assert!(!ok);
    assert!(stderr.contains("exceeds the statutory maximum"), "{stderr}");
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    // As `rondom deadline --list | head -0`: the pipe is closed before anything is written.
    let mut child = Command::new(RONDOM)
        .args(["deadline", "--list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run rondom deadline");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
