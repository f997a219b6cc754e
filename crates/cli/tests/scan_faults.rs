//! A scan interrupted as a power cut would (kill -9 at many moments, and abort at the two
//! moments around its commit) leaves either no run or the whole run, an intact processing
//! log, and a project the next scan works on.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn loaded(root: &Path) -> PathBuf {
    let world = root.join("world");
    ok(loep(&[
        "synth",
        "--persons",
        "6000",
        "--seed",
        "21",
        "--out",
        world.to_str().unwrap(),
    ]));
    let dir = approved_project(root);
    ok(intake(&dir, &world.join("levering")));
    dir
}

/// The runs a project holds and, per run, whether its stored signals are as many as it says.
fn runs(dir: &Path) -> Vec<(String, bool)> {
    let conn = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT r.run_id, r.signalen = (SELECT COUNT(*) FROM signaal s WHERE s.run_id = r.run_id) FROM scan_run r ORDER BY r.run_id",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn scan_child(dir: &Path, fault: Option<&str>) -> std::process::Child {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_loep"));
    cmd.args(["scan", dir.to_str().unwrap()])
        .env("LOEP_NOW", NOW)
        .env("LOEP_GEBRUIKER", "analist")
        .env("LOEP_WACHTWOORD", PASSWORD)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if let Some(f) = fault {
        cmd.env("LOEP_FAULT", f);
    }
    cmd.spawn().unwrap()
}

fn consistent(dir: &Path) -> Vec<(String, bool)> {
    ok(loep(&["log", "verify", dir.to_str().unwrap()]));
    let r = runs(dir);
    for (run, whole) in &r {
        assert!(
            whole,
            "run {run} holds another number of signals than it says"
        );
    }
    r
}

#[test]
fn a_scan_aborted_around_its_commit_leaves_nothing_or_everything() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    let status = scan_child(&dir, Some("scan-before-commit")).wait().unwrap();
    assert!(!status.success(), "the fault point did not fire");
    assert!(
        consistent(&dir).is_empty(),
        "a run survived before its commit"
    );
    let status = scan_child(&dir, Some("scan-after-commit")).wait().unwrap();
    assert!(!status.success(), "the fault point did not fire");
    assert_eq!(consistent(&dir).len(), 1, "the committed run was lost");
    // The next scan works and adds a run.
    ok(loep(&["scan", dir.to_str().unwrap()]));
    assert_eq!(consistent(&dir).len(), 2);
}

/// The processing log's records as the store holds them.
fn log_records(dir: &Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    conn.query_row("SELECT COUNT(*) FROM verwerkingslog", [], |r| r.get(0))
        .unwrap()
}

/// The store and the vault commit one after the other: a process killed after the store
/// committed new log records and before the vault copied their head, or after the head was
/// announced and before the store committed, leaves a log the check accepts (no alarm about
/// records added or removed outside loep), and the next writer goes on.
#[test]
fn a_process_killed_between_the_store_and_the_vault_raises_no_false_alarm() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    let before = log_records(&dir);
    let status = scan_child(&dir, Some("log-head-unrecorded"))
        .wait()
        .unwrap();
    assert!(!status.success(), "the fault point did not fire");
    let after = log_records(&dir);
    assert!(after > before, "the store's commit did not go through");
    consistent(&dir);
    let status = scan_child(&dir, Some("log-head-announced")).wait().unwrap();
    assert!(!status.success(), "the fault point did not fire");
    // Login records written by the check above count, the interrupted commit does not.
    let announced = log_records(&dir);
    consistent(&dir);
    ok(loep(&["scan", dir.to_str().unwrap()]));
    assert!(log_records(&dir) > announced);
    consistent(&dir);
    // The next writer recorded that a write was interrupted before it committed.
    let conn = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    let interrupted: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM verwerkingslog WHERE name = 'log.schrijven_onderbroken'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(interrupted, 1);
    // Records removed outside loep are still found.
    conn.execute_batch(
        "DROP TRIGGER verwerkingslog_no_delete;
         DELETE FROM verwerkingslog WHERE seq = (SELECT MAX(seq) FROM verwerkingslog);",
    )
    .unwrap();
    drop(conn);
    let out = loep(&["log", "verify", dir.to_str().unwrap()]);
    assert!(!out.status.success(), "a removed record went unnoticed");
}

#[test]
fn a_scan_killed_at_many_moments_never_leaves_half_a_run() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    // How long a whole scan takes here, to spread the kills over it: the fastest of two (the
    // first reads cold files, and another test may share the cores), lowered again whenever a
    // scan below finishes sooner, so that the kills stay inside a scan in a fast release build.
    let mut whole = Duration::MAX;
    for _ in 0..2 {
        let t = Instant::now();
        ok(loep(&["scan", dir.to_str().unwrap()]));
        whole = whole.min(t.elapsed());
    }
    let mut expected = consistent(&dir).len();
    let mut killed = 0;
    for i in 1..=8u32 {
        let at = whole.mul_f64(f64::from(i) / 9.0);
        let mut child = scan_child(&dir, None);
        let start = Instant::now();
        while start.elapsed() < at && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(5));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        let status = child.wait().unwrap();
        if status.success() {
            whole = whole.min(start.elapsed());
        }
        let r = consistent(&dir);
        // Killed before its commit: no new run; finished: one more.
        if status.success() {
            expected += 1;
        }
        assert!(
            r.len() == expected || r.len() == expected + 1,
            "kill {i} at {at:?}: {} runs, expected {expected}",
            r.len()
        );
        expected = r.len();
        // Nothing of the interrupted scan is left in its spill directory or staging.
        assert!(!dir.join("staging").exists());
    }
    assert!(killed >= 4, "only {killed} of 8 scans were killed mid-way");
    ok(loep(&["scan", dir.to_str().unwrap()]));
    assert_eq!(consistent(&dir).len(), expected + 1);
}
