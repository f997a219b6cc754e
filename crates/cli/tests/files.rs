//! What loep leaves on disk and on the terminal: every file of a project private to its
//! account, and a closed pipe ending a command quietly.

mod common;
use common::*;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

#[test]
fn every_file_and_directory_of_a_project_is_private() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    let mut seen = 0;
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(
                mode & 0o077,
                0,
                "{} is readable by others (mode {mode:o})",
                p.display()
            );
            seen += 1;
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    assert!(seen > 20, "only {seen} entries");
}

#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    let mut child = Command::new(env!("CARGO_BIN_EXE_loep"))
        .args(["log", "export", dir.to_str().unwrap()])
        .env("LOEP_NOW", NOW)
        .env("LOEP_GEBRUIKER", "fg")
        .env("LOEP_WACHTWOORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before loep writes (it is still logging in), as `| head -c0`
    // would: its first write meets a closed pipe.
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(status.code(), Some(101), "{err}");
}
