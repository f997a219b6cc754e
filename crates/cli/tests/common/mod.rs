//! Helpers for tests that run the `loep` binary as a user would.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The clock every test runs at, inside the fixtures' project period.
pub const NOW: &str = "2026-06-15T10:00:00Z";

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn loep(args: &[&str]) -> Output {
    loep_env(args, &[])
}

/// The password of every test account.
pub const PASSWORD: &str = "wachtwoord-voor-de-tests";

/// The test accounts `init_project` creates: (name, role, organisation).
pub const ACCOUNTS: [(&str, &str, Option<&str>); 9] = [
    ("beheerder", "beheerder", None),
    ("fg", "functionaris-gegevensbescherming", None),
    ("projectleider", "projectleider", None),
    ("analist", "analist", None),
    ("analist2", "analist", None),
    ("sleutelhouder", "sleutelhouder", None),
    ("sleutelhouder2", "sleutelhouder", None),
    ("uwv", "partner-medewerker", Some("uwv")),
    ("handhaver", "handhaver", None),
];

/// The account whose job a command is, when a test does not say otherwise: the beheerder
/// creates, loads and keeps; the privacy officer approves and audits; the analist scans and
/// asks; the key holder decides; the project leader reads the status.
fn account_for(args: &[&str]) -> &'static str {
    match (args.first().copied(), args.get(1).copied()) {
        (Some("approve" | "log" | "inzage" | "register" | "run"), _) => "fg",
        (Some("reveal"), Some("approve" | "refuse")) => "sleutelhouder",
        (Some("scan" | "signals" | "evaluate" | "fairness" | "reveal"), _) => "analist",
        (Some("status"), _) => "projectleider",
        _ => "beheerder",
    }
}

pub fn loep_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loep"));
    cmd.args(args)
        .env("LOEP_NOW", NOW)
        .env_remove("LOEP_FAULT")
        .env("LOEP_GEBRUIKER", account_for(args))
        .env("LOEP_WACHTWOORD", PASSWORD)
        .env("LOEP_NIEUW_WACHTWOORD", PASSWORD);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the loep binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts success and returns stdout.
pub fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "loep failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// Asserts an orderly failure (exit 1, not a panic) and returns stderr.
pub fn refused(o: Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(1),
        "expected exit status 1\nstdout:\n{}\nstderr:\n{}",
        stdout(&o),
        stderr(&o)
    );
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "loep panicked:\n{err}");
    err
}

/// Asserts that the project was busy (exit 3: try again later) and returns stderr.
pub fn busy(o: Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(3),
        "expected exit status 3 (busy)\nstdout:\n{}\nstderr:\n{}",
        stdout(&o),
        stderr(&o)
    );
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "loep panicked:\n{err}");
    err
}

/// A new project in `root/project`, not yet approved.
pub fn init_project(root: &Path) -> PathBuf {
    init_project_with(root, &[])
}

/// A new project in `root/project` with `extra` options for `loep init`, not yet approved.
pub fn init_project_with(root: &Path, extra: &[&str]) -> PathBuf {
    let dir = root.join("project");
    let mut args = vec![
        "init",
        dir.to_str().unwrap(),
        "--naam",
        "Wijkaanpak Oude Stad",
        "--gebied",
        "GM0392",
        "--doel",
        "Adresfraude en onderverhuur in de wijk aanpakken met de partners van het interventieteam.",
        "--grondslag",
        "Wet SUWI art. 64",
        "--van",
        "2026-01-01",
        "--tot",
        "2026-12-31",
        "--organisatienaam",
        "Gemeente Haarlem",
        "--contact",
        "privacy@oudestad.example",
        "--privacyverklaring",
        "https://oudestad.example/privacy",
    ];
    args.extend_from_slice(extra);
    ok(loep(&args));
    add_accounts(&dir);
    dir
}

/// Adds every test account but the beheerder, who created the project.
pub fn add_accounts(dir: &Path) {
    for (naam, rol, org) in &ACCOUNTS[1..] {
        let mut args = vec!["user", "add", dir.to_str().unwrap(), naam, "--rol", rol];
        if let Some(o) = org {
            args.extend(["--organisatie", o]);
        }
        ok(loep(&args));
    }
}

/// `loep` as the test account `user`.
pub fn loep_as(user: &str, args: &[&str]) -> Output {
    loep_env(args, &[("LOEP_GEBRUIKER", user)])
}

/// The privacy officer approves the project (which confirms the fg account) and confirms the
/// key holders' accounts, which can do nothing before.
pub fn approve(dir: &Path, dpia: &str) {
    let d = dir.to_str().unwrap();
    ok(loep(&["approve", d, "--dpia", dpia]));
    for (naam, rol, _) in &ACCOUNTS {
        if *rol == "sleutelhouder" {
            ok(loep_as("fg", &["user", "confirm", d, naam]));
        }
    }
}

/// A new, approved project.
pub fn approved_project(root: &Path) -> PathBuf {
    let dir = init_project(root);
    approve(&dir, "DPIA-2026-01");
    dir
}

/// Copies a fixture delivery to `root/name` so a test can change it.
pub fn copy_fixture(fixture: &str, root: &Path, name: &str) -> PathBuf {
    let to = root.join(name);
    std::fs::create_dir_all(&to).unwrap();
    for e in std::fs::read_dir(fixtures().join(fixture)).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    to
}

pub fn intake(project: &Path, levering: &Path) -> Output {
    loep(&[
        "intake",
        project.to_str().unwrap(),
        levering.to_str().unwrap(),
    ])
}

pub fn intake_json(project: &Path, levering: &Path) -> serde_json::Value {
    let out = loep(&[
        "intake",
        project.to_str().unwrap(),
        levering.to_str().unwrap(),
        "--json",
    ]);
    serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(&out), stderr(&out)))
}

pub fn status_json(project: &Path) -> serde_json::Value {
    let out = ok(loep(&["status", project.to_str().unwrap(), "--json"]));
    serde_json::from_str(&out).unwrap()
}

/// The report row of one table in an intake report.
pub fn table<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["tabellen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tabel"] == name)
        .unwrap_or_else(|| panic!("no table {name} in {report}"))
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// All rows of a Parquet file, every column as text (`None` for null).
#[allow(dead_code)]
pub fn parquet_rows(path: &Path) -> Vec<std::collections::HashMap<String, Option<String>>> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let schema = batch.schema();
        let cols: Vec<(String, arrow_array::ArrayRef)> = schema
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(f, c)| {
                (
                    f.name().clone(),
                    arrow_cast::cast(c, &arrow_schema::DataType::Utf8).unwrap(),
                )
            })
            .collect();
        for i in 0..batch.num_rows() {
            out.push(
                cols.iter()
                    .map(|(name, c)| {
                        let s = c
                            .as_any()
                            .downcast_ref::<arrow_array::StringArray>()
                            .unwrap();
                        (
                            name.clone(),
                            (!arrow_array::Array::is_null(s, i)).then(|| s.value(i).to_string()),
                        )
                    })
                    .collect(),
            );
        }
    }
    out
}

/// The only file under `dir` (a table's directory of snapshots).
#[allow(dead_code)]
pub fn only_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// All rows of a CSV as maps from column to value.
#[allow(dead_code)]
pub fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// A command's output parsed as JSON (the test fails with the output when it is not).
pub fn json(out: String) -> serde_json::Value {
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}
