//! Projects: init, approval, refusals before approval, status, the processing log.

mod common;
use common::*;

#[test]
fn init_creates_config_stores_vault_and_private_key() {
    let root = tempfile::tempdir().unwrap();
    let dir = init_project(root.path());
    let toml = std::fs::read_to_string(dir.join("loep.toml")).unwrap();
    for field in [
        "naam",
        "gebied",
        "doel",
        "grondslag",
        "partners",
        "periode",
        "bewaartermijnen",
        "verwerkingsactiviteit_id",
    ] {
        assert!(toml.contains(field), "loep.toml lacks {field}:\n{toml}");
    }
    assert!(dir.join("store.sqlite").exists());
    assert!(dir.join("vault/vault.sqlite").exists());
    let key = dir.join("sleutel/pseudonimisering.key");
    assert_eq!(std::fs::read(&key).unwrap().len(), 32);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The key is never printed or logged.
    let key_hex: String = std::fs::read(&key)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    for f in files_under(&dir) {
        if f != key {
            let bytes = std::fs::read(&f).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(&key_hex),
                "key appears in {}",
                f.display()
            );
        }
    }
}

#[test]
fn init_refuses_bad_definitions() {
    let root = tempfile::tempdir().unwrap();
    let base = |gebied: &str, van: &str, tot: &str| {
        let dir = root.path().join(format!("p-{gebied}-{van}-{tot}"));
        loep(&[
            "init",
            dir.to_str().unwrap(),
            "--naam",
            "X",
            "--gebied",
            gebied,
            "--doel",
            "Een doel van voldoende lengte.",
            "--grondslag",
            "Wet SUWI art. 64",
            "--van",
            van,
            "--tot",
            tot,
        ])
    };
    assert!(refused(base("GM392", "2026-01-01", "2026-12-31")).contains("gebied"));
    assert!(refused(base("XX0392", "2026-01-01", "2026-12-31")).contains("GM"));
    assert!(refused(base("GM0392", "2026-12-31", "2026-01-01")).contains("ligt vóór"));
    assert!(refused(base("GM0392", "2026-02-30", "2026-12-31")).contains("periode.van"));
    // An existing project is never overwritten.
    let dir = init_project(root.path());
    let again = loep(&[
        "init",
        dir.to_str().unwrap(),
        "--naam",
        "X",
        "--gebied",
        "GM0392",
        "--doel",
        "Een doel van voldoende lengte.",
        "--grondslag",
        "Wet SUWI",
        "--van",
        "2026-01-01",
        "--tot",
        "2026-12-31",
    ]);
    assert!(refused(again).contains("bevat al een project"));
}

#[test]
fn intake_is_refused_until_approved_and_after_the_config_changes() {
    let root = tempfile::tempdir().unwrap();
    let dir = init_project(root.path());
    let basis = fixtures().join("basis");
    let err = refused(intake(&dir, &basis));
    assert!(err.contains("niet goedgekeurd"), "{err}");
    // The core's message says it in words; the CLI adds its command, once.
    assert_eq!(err.matches("`loep approve`").count(), 1, "{err}");
    assert_eq!(status_json(&dir)["leveringen"].as_array().unwrap().len(), 0);
    // Another project directory: not a project, and how to make one.
    let err = refused(intake(&root.path().join("nergens"), &basis));
    assert!(err.contains("geen loep-project"), "{err}");
    assert_eq!(err.matches("`loep init`").count(), 1, "{err}");

    approve(&dir, "DPIA-1");
    ok(intake(&dir, &basis));

    // Widening the area after approval withdraws the approval.
    let toml = std::fs::read_to_string(dir.join("loep.toml")).unwrap();
    std::fs::write(
        dir.join("loep.toml"),
        toml.replace("\"GM0392\"", "\"GM0392\", \"GM0363\""),
    )
    .unwrap();
    let err = refused(intake(&dir, &fixtures().join("belastingdienst")));
    assert!(err.contains("gewijzigd nadat het op"), "{err}");
    let status = ok(loep(&["status", dir.to_str().unwrap()]));
    assert!(status.contains("INGETROKKEN"), "{status}");
}

#[test]
fn intake_is_refused_outside_the_project_period() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let out = loep_env(
        &[
            "intake",
            dir.to_str().unwrap(),
            fixtures().join("basis").to_str().unwrap(),
        ],
        &[("LOEP_NOW", "2027-02-01T00:00:00Z")],
    );
    assert!(refused(out).contains("geëindigd op 2026-12-31"));
}

#[test]
fn status_reports_deliveries_snapshots_rows_rejects_and_area() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    ok(intake(&dir, &fixtures().join("belastingdienst")));
    let s = status_json(&dir);
    assert_eq!(s["naam"], "Wijkaanpak Oude Stad");
    assert_eq!(s["goedkeuring"]["geldig"], true);
    assert_eq!(s["leveringen"].as_array().unwrap().len(), 2);
    let t = |name: &str| {
        s["tabellen"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tabel"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(t("bag_verblijfsobject")["rijen"], 3);
    assert_eq!(t("bag_verblijfsobject")["buiten_gebied"], 1);
    assert_eq!(t("bd_inkomen")["afgewezen"], 1);
    let text = ok(loep(&["status", dir.to_str().unwrap()]));
    assert!(
        text.contains("bd_inkomen") && text.contains("Goedkeuring door fg"),
        "{text}"
    );
}

#[test]
fn processing_log_records_intake_and_detects_tampering() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    let out = ok(loep(&["log", "verify", dir.to_str().unwrap()]));
    assert!(out.contains("intact"), "{out}");

    let conn = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    // One bulk line per snapshot, naming it; no user names anywhere in the log.
    let subjects: Vec<String> = conn
        .prepare("SELECT data_subject_id FROM verwerkingslog WHERE name = 'intake.brp_persoon'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(subjects.len(), 1);
    assert!(subjects[0].starts_with("snapshot:"), "{subjects:?}");
    let all: String = conn
        .query_row("SELECT group_concat(name || attributes || coalesce(data_subject_id,''), '|') FROM verwerkingslog", [], |r| r.get(0))
        .unwrap();
    assert!(!all.contains("Privacy"), "a user name is in the log: {all}");
    let parent: (String, String) = conn
        .query_row(
            "SELECT trace_id, operation_id FROM verwerkingslog WHERE name = 'intake.levering'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let children: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM verwerkingslog WHERE trace_id = ?1 AND parent_operation_id = ?2",
            [&parent.0, &parent.1],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(children, 4, "one child record per table of the delivery");

    // The store refuses changes through SQL ...
    assert!(
        conn.execute("UPDATE verwerkingslog SET name = 'x' WHERE seq = 2", [])
            .is_err()
    );
    assert!(
        conn.execute("DELETE FROM verwerkingslog WHERE seq = 2", [])
            .is_err()
    );
    // ... and whoever goes around that is caught by verify.
    conn.execute_batch(
        "DROP TRIGGER verwerkingslog_no_update; DROP TRIGGER verwerkingslog_no_delete;",
    )
    .unwrap();
    conn.execute(
        "UPDATE verwerkingslog SET attributes = '{}' WHERE seq = 3",
        [],
    )
    .unwrap();
    drop(conn);
    let err = refused(loep(&["log", "verify", dir.to_str().unwrap()]));
    assert!(
        err.contains("record 3") && err.contains("gewijzigd"),
        "{err}"
    );
}

#[test]
fn removing_the_newest_log_records_is_detected() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    let conn = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    conn.execute_batch("DROP TRIGGER verwerkingslog_no_delete;")
        .unwrap();
    conn.execute(
        "DELETE FROM verwerkingslog WHERE seq = (SELECT MAX(seq) FROM verwerkingslog)",
        [],
    )
    .unwrap();
    drop(conn);
    let err = refused(loep(&["log", "verify", dir.to_str().unwrap()]));
    assert!(err.contains("kopie van de kop in de kluis"), "{err}");
}

#[test]
fn help_describes_every_command() {
    let out = ok(loep(&["--help"]));
    for cmd in [
        "init",
        "approve",
        "intake",
        "status",
        "log",
        "bench",
        "demo",
        "user",
        "reveal",
        "retention",
        "inzage",
        "register",
    ] {
        assert!(out.contains(cmd), "--help lacks {cmd}:\n{out}");
    }
    let out = ok(loep(&["intake", "--help"]));
    assert!(out.contains("Afsluitstatus 0"), "{out}");
}

#[test]
fn one_writer_at_a_time_while_readers_go_on() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    // Another process holds the project for writing (as a running intake does).
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("loep.lock"))
        .unwrap();
    lock.lock().unwrap();
    std::fs::create_dir_all(dir.join("staging/L9999-inprogress")).unwrap();
    let err = busy(intake(&dir, &fixtures().join("belastingdienst")));
    assert!(
        err.contains("een andere loep-opdracht wijzigt project"),
        "{err}"
    );
    ok(loep(&["status", dir.to_str().unwrap()]));
    ok(loep(&["log", "verify", dir.to_str().unwrap()]));
    assert!(
        dir.join("staging/L9999-inprogress").exists(),
        "a reader must not clean up a running intake"
    );
    lock.unlock().unwrap();
    ok(intake(&dir, &fixtures().join("belastingdienst")));
    assert!(!dir.join("staging").exists());
}

#[test]
fn the_demo_runs_twice_and_leaves_other_directories_alone() {
    let root = tempfile::tempdir().unwrap();
    let demo = root.path().join("demo");
    for _ in 0..2 {
        let out = ok(loep(&[
            "demo",
            "--dir",
            demo.to_str().unwrap(),
            "--persons",
            "3000",
            "--no-serve",
        ]));
        assert!(out.contains("Samenvatting ("), "{out}");
        assert!(out.contains("niets twee keer geladen"), "{out}");
    }
    assert!(demo.join("truth/adressen.csv").exists());
    // A resident of the first address received the access letter, as HTML and PDF.
    let letters = files_under(&demo.join("project/vault/inzage"));
    for ext in ["html", "pdf", "json"] {
        assert!(
            letters
                .iter()
                .any(|f| f.extension().is_some_and(|e| e == ext)),
            "no .{ext} access report in {letters:?}"
        );
    }
    // The demo made an account for every role, with the password it printed.
    let project = demo.join("project");
    let as_demo = |user: &str, args: &[&str]| {
        loep_env(
            args,
            &[
                ("LOEP_GEBRUIKER", user),
                ("LOEP_WACHTWOORD", "demo-wachtwoord-2026"),
            ],
        )
    };
    ok(as_demo("fg", &["log", "verify", project.to_str().unwrap()]));
    let users: serde_json::Value = serde_json::from_str(&ok(as_demo(
        "beheerder",
        &["user", "list", project.to_str().unwrap(), "--json"],
    )))
    .unwrap();
    let mut roles: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["rol"].as_str().unwrap())
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        [
            "analist",
            "beheerder",
            "functionaris-gegevensbescherming",
            "handhaver",
            "partner-medewerker",
            "projectleider",
            "sleutelhouder"
        ]
    );
    // Its four-eyes request was approved by the key holder, not by the analist who asked.
    let reveals: serde_json::Value = serde_json::from_str(&ok(as_demo(
        "sleutelhouder",
        &["reveal", "list", project.to_str().unwrap(), "--json"],
    )))
    .unwrap();
    assert_eq!(reveals[0]["status"], "goedgekeurd", "{reveals}");
    assert_eq!(reveals[0]["aanvrager"], "analist");
    assert_eq!(reveals[0]["beoordelaar"], "sleutelhouder");
    // A directory that is not an earlier demo is never removed.
    let other = root.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    let err = refused(loep(&[
        "demo",
        "--dir",
        other.to_str().unwrap(),
        "--persons",
        "3000",
        "--no-serve",
    ]));
    assert!(err.contains("bevat geen eerdere loep-demo"), "{err}");
    assert!(other.join("notes.txt").exists());
}
