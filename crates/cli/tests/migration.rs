//! A project made by release 0.1.0 (checked in under tests/fixtures/project-0.1.0: 2,500
//! generated persons, loaded, scanned, one approved request for identities) opens in this
//! release: its schema is migrated, its log still verifies, its signals and the identities
//! its analist was granted are still there, and its accounts still log in.

mod common;
use common::*;

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_project_of_release_0_1_0_opens_and_migrates() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("project");
    copy_dir(&fixtures().join("project-0.1.0"), &dir);
    let d = dir.to_str().unwrap();
    let version = |dir: &std::path::Path| -> i64 {
        let conn = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(version(&dir), 0, "the fixture is a 0.1.0 project");

    let status = ok(loep_as("projectleider", &["status", d, "--json"]));
    assert!(status.contains("Migratie fixture"), "{status}");
    assert_eq!(version(&dir), 9, "opening migrated the schema");
    assert!(
        dir.join("sleutel/integriteit.key").exists(),
        "the first writer gave the project its integrity key"
    );
    // Version 2 indexed every signal's persons from the signals the project held (joined with
    // commas then; version 8 made every list a JSON array).
    let conn = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    let indexed: i64 = conn
        .query_row("SELECT COUNT(*) FROM signaal_persoon", [], |r| r.get(0))
        .unwrap();
    let listed: i64 = conn
        .query_row(
            "SELECT COALESCE(SUM(json_array_length(pseudoniemen)), 0) FROM signaal",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(indexed > 0);
    assert_eq!(indexed, listed);
    drop(conn);

    let verified = ok(loep_as("fg", &["log", "verify", d]));
    assert!(verified.contains("intact"), "{verified}");

    let signals: serde_json::Value =
        serde_json::from_str(&ok(loep_as("analist", &["signals", d, "--format", "json"]))).unwrap();
    let signals = signals["signalen"].as_array().unwrap();
    assert_eq!(signals.len(), 96);
    // Typed: persons and partners are lists, facts an object.
    assert!(signals[0]["pseudoniemen"].is_array());
    assert!(signals[0]["partners"].is_array());
    assert!(signals[0]["feiten"].is_object());

    // The request approved under 0.1.0 still shows its persons to the analist who asked.
    let shown = ok(loep_as(
        "analist",
        &["reveal", "show", d, "O0001", "--json"],
    ));
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    let persons = shown["personen"].as_array().unwrap();
    assert_eq!(persons.len(), 6);
    assert!(persons.iter().all(|p| p["bsn"].is_string()), "{shown}");

    // Version 5 drew up a certificate for the run of 0.1.0 from its sealed signals: it holds
    // against the stored signals, names the snapshots read, and cannot be recomputed with this
    // release's catalogue (the definitions of 0.1.0 are not known by their hash).
    let cert: serde_json::Value =
        serde_json::from_str(&ok(loep_as("fg", &["run", "certificaat", d, "--json"]))).unwrap();
    assert_eq!(cert["certificaat"]["achteraf"], true, "{cert}");
    assert_eq!(cert["certificaat"]["signalen"], 96, "{cert}");
    assert_eq!(cert["intact"], true, "{cert}");
    assert!(
        cert["certificaat"]["bronnen"]
            .as_array()
            .unwrap()
            .iter()
            .any(
                |b| b["tabel"] == "brp_persoon" && b["pad"].as_str().unwrap().ends_with(".parquet")
            ),
        "{cert}"
    );
    let again = loep_as("fg", &["run", "verifieer", d]);
    assert_eq!(again.status.code(), Some(1), "{}", stdout(&again));
    assert!(
        stdout(&again).contains("herberekening: niet te controleren"),
        "{}",
        stdout(&again)
    );

    // Accounts of 0.1.0 count as confirmed: the key holder still decides.
    let users = ok(loep_as("fg", &["user", "list", d, "--json"]));
    assert!(users.contains("\"sleutelhouder\""), "{users}");
    assert!(!users.contains("wacht-op-bevestiging"), "{users}");

    // Opening again changes nothing more.
    ok(loep_as("projectleider", &["status", d]));
    assert_eq!(version(&dir), 9);
    // The log of 0.1.0 (SHA-256) and the records since (keyed) verify as one chain.
    let verified = ok(loep_as("fg", &["log", "verify", d]));
    assert!(verified.contains("intact"), "{verified}");
}
