//! The tamper suite: someone with a shell and a SQLite client on the project's files, but not
//! the key in `sleutel/`, edits what loep relies on. Each edit is detected or refused, the
//! detection is sticky (the project refuses further processing until the privacy officer has
//! looked), and a head kept earlier proves that the log still holds it.

mod common;
use common::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("store.sqlite")).unwrap()
}

fn loaded(root: &Path) -> PathBuf {
    let dir = approved_project(root);
    ok(intake(&dir, &fixtures().join("basis")));
    dir
}

fn d(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

/// What an insider with the sqlite3 shell must do before changing a row that grants access:
/// the triggers that count such changes call a function only loep's connections have.
const DROP_ACCESS_TRIGGERS: &str = "
    DROP TRIGGER IF EXISTS gebruiker_toegang_insert; DROP TRIGGER IF EXISTS gebruiker_toegang_delete;
    DROP TRIGGER IF EXISTS gebruiker_toegang_update;
    DROP TRIGGER IF EXISTS goedkeuring_toegang_insert; DROP TRIGGER IF EXISTS goedkeuring_toegang_delete;
    DROP TRIGGER IF EXISTS goedkeuring_toegang_update;
    DROP TRIGGER IF EXISTS onthulling_toegang_insert; DROP TRIGGER IF EXISTS onthulling_toegang_delete;
    DROP TRIGGER IF EXISTS onthulling_toegang_update;
    DROP TRIGGER IF EXISTS api_sleutel_toegang_insert; DROP TRIGGER IF EXISTS api_sleutel_toegang_delete;
    DROP TRIGGER IF EXISTS api_sleutel_toegang_update;
    DROP TRIGGER IF EXISTS websessie_toegang_insert; DROP TRIGGER IF EXISTS websessie_toegang_delete;
    DROP TRIGGER IF EXISTS websessie_toegang_update;
    DROP TRIGGER IF EXISTS zaak_toegang_insert; DROP TRIGGER IF EXISTS zaak_toegang_delete;
    DROP TRIGGER IF EXISTS zaak_toegang_update;
    DROP TRIGGER IF EXISTS zaak_rol_toegang_insert; DROP TRIGGER IF EXISTS zaak_rol_toegang_delete;
    DROP TRIGGER IF EXISTS zaak_rol_toegang_update;
    DROP TRIGGER IF EXISTS zaak_signaal_toegang_insert; DROP TRIGGER IF EXISTS zaak_signaal_toegang_delete;
    DROP TRIGGER IF EXISTS zaak_signaal_toegang_update;";

/// The refusal of a login when the access state is not what loep last wrote, and the
/// privacy officer's check that names it.
fn access_state_changed(dir: &Path) {
    let err = refused(loep_as("analist", &["status", d(dir)]));
    assert!(err.contains("oudere kopie"), "{err}");
    assert!(err.contains("functionaris gegevensbescherming"), "{err}");
    // The alarm stands: a writer is refused too, and the fg's check names the cause.
    frozen(dir);
    let verify = loep_as("fg", &["log", "verify", d(dir)]);
    let report = format!("{}{}", stdout(&verify), stderr(&verify));
    assert!(!verify.status.success(), "{report}");
    assert!(report.contains("toegang geven"), "{report}");
}

/// A write command after tampering is refused as busy/conflicting (exit 3) with the reason.
fn frozen(dir: &Path) -> String {
    let err = busy(intake(dir, &fixtures().join("belastingdienst")));
    assert!(
        err.contains("weigert dit project verdere verwerking"),
        "{err}"
    );
    err
}

#[test]
fn deleting_the_newest_records_is_detected_and_stays_detected() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    let conn = db(&dir);
    conn.execute_batch(
        "DROP TRIGGER verwerkingslog_no_delete;
         DELETE FROM verwerkingslog WHERE seq > (SELECT MAX(seq) - 5 FROM verwerkingslog);",
    )
    .unwrap();
    drop(conn);
    // The vault's copy of the head is overwritten too, as the attacker would.
    let vault = rusqlite::Connection::open(dir.join("vault/vault.sqlite")).unwrap();
    let (seq, hash): (i64, String) = db(&dir)
        .query_row(
            "SELECT seq, hash FROM verwerkingslog ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    vault
        .execute(
            "UPDATE log_head SET seq = ?1, hash = ?2",
            rusqlite::params![seq, hash],
        )
        .unwrap();
    drop(vault);
    // The head a writer verified last is gone from the chain.
    let err = refused(loep(&["log", "verify", d(&dir)]));
    assert!(err.contains("records verwijderd"), "{err}");
    // Sticky: the next commands refuse to process, and verify keeps saying so.
    frozen(&dir);
    frozen(&dir);
    let err = refused(loep(&["log", "verify", d(&dir)]));
    assert!(err.contains("alarm"), "{err}");
    // The privacy officer handles it; the handling is in the log; processing resumes.
    refused(loep_as(
        "beheerder",
        &[
            "log",
            "herstel",
            d(&dir),
            "--reden",
            "Onderzocht: vijf records verwijderd door een test.",
        ],
    ));
    ok(loep_as(
        "fg",
        &[
            "log",
            "herstel",
            d(&dir),
            "--reden",
            "Onderzocht: vijf records verwijderd door een test.",
        ],
    ));
    ok(intake(&dir, &fixtures().join("belastingdienst")));
    let export = ok(loep(&["log", "export", d(&dir)]));
    assert!(export.contains("log.alarm_afgehandeld"));
}

#[test]
fn deleting_the_whole_log_is_detected() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    db(&dir)
        .execute_batch("DROP TRIGGER verwerkingslog_no_delete; DELETE FROM verwerkingslog;")
        .unwrap();
    rusqlite::Connection::open(dir.join("vault/vault.sqlite"))
        .unwrap()
        .execute_batch("DELETE FROM log_head;")
        .unwrap();
    let err = refused(loep(&["log", "verify", d(&dir)]));
    assert!(err.contains("is verdwenen"), "{err}");
    frozen(&dir);
}

/// Without the key, recomputing the hashes after an edit (SHA-256, as release 0.1.0 chained
/// them) does not make the chain verify.
#[test]
fn rewriting_with_recomputed_hashes_is_detected() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    let conn = db(&dir);
    conn.execute_batch(
        "DROP TRIGGER verwerkingslog_no_update; DROP TRIGGER verwerkingslog_no_delete;",
    )
    .unwrap();
    type Row = (
        i64,
        String,
        String,
        Option<String>,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        String,
    );
    let rows: Vec<Row> = {
        let mut stmt = conn
            .prepare("SELECT seq, trace_id, operation_id, parent_operation_id, name, start_time, end_time, status_code, resource, processing_activity_id, data_subject_id, attributes FROM verwerkingslog ORDER BY seq")
            .unwrap();
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let mut prev = "0".repeat(64);
    for mut r in rows {
        if r.0 == 2 {
            r.11 = "{\"vervalst\":true}".to_string();
        }
        let canonical = serde_json::json!([
            r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11, prev
        ]);
        let hash = hex::encode(Sha256::digest(canonical.to_string().as_bytes()));
        conn.execute(
            "UPDATE verwerkingslog SET attributes = ?2, prev_hash = ?3, hash = ?4 WHERE seq = ?1",
            rusqlite::params![r.0, r.11, prev, hash],
        )
        .unwrap();
        prev = hash;
    }
    drop(conn);
    let err = refused(loep(&["log", "verify", d(&dir)]));
    assert!(err.contains("zonder de sleutel van het project"), "{err}");
    frozen(&dir);
}

/// A signed head kept by the privacy officer proves later that the log still holds it, even
/// after new records were added; a forged head is refused.
#[test]
fn a_kept_head_proves_the_log_still_holds_it() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    let out = ok(loep(&["log", "verify", d(&dir), "--json"]));
    let kept = serde_json::from_str::<serde_json::Value>(&out).unwrap()["signed_head"]
        .as_str()
        .unwrap()
        .to_string();
    ok(intake(&dir, &fixtures().join("belastingdienst")));
    ok(loep(&["log", "verify", d(&dir), "--sinds", &kept]));
    let forged = kept.replacen(':', ":0", 1);
    let err = refused(loep(&["log", "verify", d(&dir), "--sinds", &forged]));
    assert!(err.contains("--sinds"), "{err}");
}

#[test]
fn approving_a_reveal_by_sql_is_refused_or_detected() {
    let root = tempfile::tempdir().unwrap();
    let world = root.path().join("world");
    ok(loep(&[
        "synth",
        "--persons",
        "2500",
        "--seed",
        "11",
        "--out",
        d(&world),
    ]));
    let dir = approved_project(root.path());
    ok(intake(&dir, &world.join("levering")));
    ok(loep(&["scan", d(&dir)]));
    let signals: serde_json::Value =
        serde_json::from_str(&ok(loep(&["signals", d(&dir), "--format", "json"]))).unwrap();
    let signal = signals["signalen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| !s["pseudoniemen"].as_array().unwrap().is_empty())
        .expect("a signal with persons");
    let id = format!("{}/{}", signal["run_id"].as_str().unwrap(), signal["nr"]);
    ok(loep(&[
        "reveal",
        "request",
        d(&dir),
        &id,
        "--reden",
        "Huisbezoek voorbereiden voor de test van de verzegeling.",
    ]));
    // A plain SQLite client cannot change the request: the seal's function is loep's.
    let conn = db(&dir);
    assert!(
        conn.execute("UPDATE onthulling SET status = 'goedgekeurd', beoordelaar = 'sleutelhouder' WHERE id = 'O0001'", [])
            .is_err()
    );
    // With the triggers dropped the change goes in, and is refused on use.
    conn.execute_batch(
        "DROP TRIGGER onthulling_mac_check; DROP TRIGGER onthulling_mac_update;
         DROP TRIGGER onthulling_toegang_update;
         UPDATE onthulling SET status = 'goedgekeurd', beoordelaar = 'sleutelhouder' WHERE id = 'O0001';",
    )
    .unwrap();
    drop(conn);
    let err = busy(loep(&["reveal", "show", d(&dir), "O0001"]));
    assert!(err.contains("buiten loep om gewijzigd"), "{err}");
    assert!(!err.contains("BSN"), "{err}");
    // The core's message names no command; the CLI adds its own next step, once.
    assert_eq!(err.matches("loep log herstel --reden").count(), 1, "{err}");
}

#[test]
fn editing_an_approval_or_an_account_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    // Make the analist a key holder behind loep's back.
    db(&dir)
        .execute_batch(
            "DROP TRIGGER gebruiker_mac_check; DROP TRIGGER gebruiker_mac_update;
             DROP TRIGGER gebruiker_toegang_update;
             UPDATE gebruiker SET rol = 'sleutelhouder' WHERE naam = 'analist';",
        )
        .unwrap();
    let err = refused(loep_as("analist", &["status", d(&dir)]));
    assert!(err.contains("buiten loep om gewijzigd"), "{err}");
    assert_eq!(err.matches("loep log verify").count(), 1, "{err}");

    // Widen the area and re-bind the approval to the new loep.toml by SQL.
    let root2 = tempfile::tempdir().unwrap();
    let dir2 = loaded(root2.path());
    let toml = std::fs::read_to_string(dir2.join("loep.toml")).unwrap();
    std::fs::write(dir2.join("loep.toml"), toml.replace("GM0392", "GM0363")).unwrap();
    let sha = hex::encode(Sha256::digest(
        std::fs::read(dir2.join("loep.toml")).unwrap(),
    ));
    db(&dir2)
        .execute_batch(&format!(
            "DROP TRIGGER goedkeuring_mac_check; DROP TRIGGER goedkeuring_mac_update;
             DROP TRIGGER goedkeuring_toegang_update;
             UPDATE goedkeuring SET config_sha256 = '{sha}';"
        ))
        .unwrap();
    let err = busy(intake(&dir2, &fixtures().join("belastingdienst")));
    assert!(err.contains("buiten loep om gewijzigd"), "{err}");
}

#[test]
fn an_api_key_inserted_or_widened_by_sql_is_detected() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    let out = ok(loep(&[
        "api-sleutel",
        "new",
        d(&dir),
        "uwv",
        "--scope",
        "zaken.lezen",
        "--omschrijving",
        "zaaksysteem UWV",
    ]));
    assert!(out.contains("loep_"), "{out}");
    // Widen the key's scopes behind loep's back: the trigger refuses a plain UPDATE ...
    let plain = db(&dir)
        .execute_batch(r#"UPDATE api_sleutel SET scopes = '["zaken.bijwerken","zaken.lezen"]'"#);
    assert!(plain.is_err());
    // ... and with the triggers dropped, the row no longer matches its seal.
    let secret = "0".repeat(64);
    let hash = hex::encode(Sha256::digest(secret.as_bytes()));
    db(&dir)
        .execute_batch(&format!(
            r#"DROP TRIGGER api_sleutel_mac_insert; DROP TRIGGER api_sleutel_mac_check;
             DROP TRIGGER api_sleutel_mac_update; {DROP_ACCESS_TRIGGERS}
             UPDATE api_sleutel SET scopes = '["zaken.bijwerken","zaken.lezen"]';
             INSERT INTO api_sleutel (id, hash, gebruiker, scopes, omschrijving, aangemaakt, door)
             VALUES ('00112233aabbccdd', '{hash}', 'uwv', '["zaken.lezen"]', 'vervalst', '2026-06-15T10:00:00Z', 'beheerder');"#
        ))
        .unwrap();
    let verify = loep_as("fg", &["log", "verify", d(&dir)]);
    let report = format!("{}{}", stdout(&verify), stderr(&verify));
    assert!(!verify.status.success(), "{report}");
    assert!(
        report.contains("api_sleutel '00112233aabbccdd'")
            && report.matches("api_sleutel").count() >= 2,
        "{report}"
    );
    frozen(&dir);
}

#[test]
fn a_record_deleted_or_rewritten_in_the_middle_of_the_log_stops_the_next_writer() {
    for edit in [
        "DROP TRIGGER verwerkingslog_no_delete; DELETE FROM verwerkingslog WHERE seq = 3;",
        "DROP TRIGGER verwerkingslog_no_update; UPDATE verwerkingslog SET attributes = '{}' WHERE seq = 3;",
    ] {
        let root = tempfile::tempdir().unwrap();
        let dir = loaded(root.path());
        // A writer verified the head since: record 3 lies well before it.
        ok(intake(&dir, &fixtures().join("belastingdienst")));
        let n: i64 = db(&dir)
            .query_row("SELECT MAX(seq) FROM verwerkingslog", [], |r| r.get(0))
            .unwrap();
        assert!(n > 10, "{n}");
        db(&dir).execute_batch(edit).unwrap();
        let err = busy(loep(&["scan", d(&dir)]));
        assert!(
            err.contains("weigert dit project verdere verwerking"),
            "{edit}: {err}"
        );
        assert!(
            err.contains("record 3") || err.contains("record 4"),
            "{edit}: {err}"
        );
        frozen(&dir);
    }
}

/// The analist's account row as it is now, every column.
fn account_row(dir: &Path) -> Vec<rusqlite::types::Value> {
    db(dir)
        .query_row("SELECT * FROM gebruiker WHERE naam = 'analist'", [], |r| {
            (0..r.as_ref().column_count()).map(|i| r.get(i)).collect()
        })
        .unwrap()
}

/// What an insider with the sqlite3 shell does to put back an older copy of the analist's
/// account row: drop the triggers, delete the row, insert the copy with its old seal.
fn put_back_account_row(dir: &Path, old: &[rusqlite::types::Value]) {
    let conn = db(dir);
    conn.execute_batch(&format!(
        "{DROP_ACCESS_TRIGGERS}
         DROP TRIGGER gebruiker_mac_insert; DROP TRIGGER gebruiker_mac_check; DROP TRIGGER gebruiker_mac_update;
         DELETE FROM gebruiker WHERE naam = 'analist';"
    ))
    .unwrap();
    let marks = vec!["?"; old.len()].join(", ");
    conn.execute(
        &format!("INSERT INTO gebruiker VALUES ({marks})"),
        rusqlite::params_from_iter(old.iter()),
    )
    .unwrap();
}

/// Red-team row 2: an older copy of a sealed row passes its own seal. A disabled account's
/// row before it was disabled, put back with every trigger dropped, lets no one in.
#[test]
fn an_older_copy_of_an_account_row_is_found() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    let old = account_row(&dir);
    ok(loep(&["user", "disable", d(&dir), "analist"]));
    let err = refused(loep_as("analist", &["status", d(&dir)]));
    assert!(err.contains("uitgeschakeld"), "{err}");
    put_back_account_row(&dir, &old);
    access_state_changed(&dir);
}

/// Red-team row 3: the whole store put back from a copy taken before an account was disabled
/// (only access changed, so the processing log's head did not move).
#[test]
fn a_store_put_back_from_before_an_access_change_is_found() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    let copy = root.path().join("kopie.sqlite");
    std::fs::copy(dir.join("store.sqlite"), &copy).unwrap();
    ok(loep(&["user", "disable", d(&dir), "analist"]));
    std::fs::copy(&copy, dir.join("store.sqlite")).unwrap();
    access_state_changed(&dir);
    // The privacy officer looks, records it, and the state as it is becomes the accepted one.
    ok(loep_as(
        "fg",
        &[
            "log",
            "herstel",
            d(&dir),
            "--reden",
            "Opslag teruggezet door de beheerder; account analist opnieuw uitgeschakeld.",
        ],
    ));
    ok(loep_as("analist", &["status", d(&dir)]));
}

/// The accounts' audit trail is a keyed chain: a line removed, changed or inserted with the
/// append-only triggers dropped is found by the privacy officer's check, from that line on.
#[test]
fn an_audit_line_removed_or_changed_is_found() {
    for edit in [
        "DELETE FROM gebruiker_audit WHERE id = 3",
        "UPDATE gebruiker_audit SET toelichting = 'niets aan de hand' WHERE id = 3",
        "UPDATE gebruiker_audit SET account = 'iemand-anders' WHERE id = 3",
    ] {
        let root = tempfile::tempdir().unwrap();
        let dir = loaded(root.path());
        let lines: i64 = db(&dir)
            .query_row("SELECT COUNT(*) FROM gebruiker_audit", [], |r| r.get(0))
            .unwrap();
        assert!(lines > 3, "{lines}");
        let clean = loep(&["log", "verify", d(&dir)]);
        assert!(clean.status.success(), "{}", stderr(&clean));
        db(&dir)
            .execute_batch(&format!(
                "DROP TRIGGER gebruiker_audit_no_update; DROP TRIGGER gebruiker_audit_no_delete; {edit};"
            ))
            .unwrap();
        let v = loep(&["log", "verify", d(&dir)]);
        assert!(!v.status.success(), "{edit}");
        assert!(
            stderr(&v)
                .contains("audittrail van de accounts is buiten loep om gewijzigd vanaf regel"),
            "{edit}: {}",
            stderr(&v)
        );
    }
}

/// Setting the store's schema version back (to have a migration seal or certify again rows
/// changed meanwhile) is refused: the project's highest version is kept beside the key.
#[test]
fn a_schema_version_set_back_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    db(&dir).execute_batch("PRAGMA user_version = 4").unwrap();
    for cmd in [&["status", d(&dir)][..], &["log", "verify", d(&dir)][..]] {
        let out = loep(cmd);
        assert!(!out.status.success(), "{cmd:?}");
        assert!(
            stderr(&out).contains("buiten loep om teruggezet"),
            "{}",
            stderr(&out)
        );
    }
    let version: i64 = db(&dir)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 4, "nothing was migrated again");
}

/// An account row put back from before it was disabled, together with the anchor of the
/// access state beside the key (whoever can write the key's directory can do that): the
/// anchor is satisfied, but every change of access is a record of the keyed log with the
/// digest of the state after it, and the store no longer matches the last one.
#[test]
fn access_rows_put_back_with_their_anchor_are_found_by_the_log() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    let old = account_row(&dir);
    let anchor_file = dir.join("sleutel/toegang-staat");
    let anchor = std::fs::read(&anchor_file).unwrap();
    ok(loep(&["user", "disable", d(&dir), "analist"]));
    let export = ok(loep(&["log", "export", d(&dir)]));
    assert!(
        export.contains("toegang.staat"),
        "the change of access is in the log"
    );
    put_back_account_row(&dir, &old);
    std::fs::write(&anchor_file, anchor).unwrap();
    let verify = loep_as("fg", &["log", "verify", d(&dir)]);
    assert!(!verify.status.success());
    assert!(
        stderr(&verify).contains("zoals het verwerkingslog ze het laatst vastlegde"),
        "{}",
        stderr(&verify)
    );
    frozen(&dir);
}

/// Taking a table's seal column away (after dropping its triggers) does not make its rows
/// pass: from the schema version that seals it on, a missing seal column is itself found.
#[test]
fn a_removed_seal_column_is_found() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    db(&dir)
        .execute_batch(
            "DROP TRIGGER IF EXISTS gebruiker_audit_no_update;
             ALTER TABLE gebruiker_audit DROP COLUMN mac;",
        )
        .unwrap();
    let v = loep_as("fg", &["log", "verify", d(&dir)]);
    assert!(!v.status.success());
    assert!(
        stderr(&v).contains("audittrail van de accounts heeft geen zegelkolom meer"),
        "{}",
        stderr(&v)
    );
}

/// Lines cut from the end of the accounts' audit trail leave its chain whole; but every
/// change of rights is a record of the keyed log that names the trail's newest line then, so
/// a trail that no longer holds that line is found.
#[test]
fn an_audit_trail_cut_short_is_found() {
    let root = tempfile::tempdir().unwrap();
    let dir = loaded(root.path());
    ok(loep(&["user", "disable", d(&dir), "analist"]));
    let clean = loep_as("fg", &["log", "verify", d(&dir)]);
    assert!(clean.status.success(), "{}", stderr(&clean));
    db(&dir)
        .execute_batch(
            "DROP TRIGGER gebruiker_audit_no_delete;
             DELETE FROM gebruiker_audit WHERE id = (SELECT MAX(id) FROM gebruiker_audit);",
        )
        .unwrap();
    let v = loep_as("fg", &["log", "verify", d(&dir)]);
    assert!(!v.status.success());
    assert!(
        stderr(&v).contains("het audittrail van de accounts bevat regel"),
        "{}",
        stderr(&v)
    );
    // The whole trail removed: found too; once the privacy officer has looked, the state as
    // it is (an empty trail) is the accepted one, and the project works again.
    db(&dir)
        .execute_batch(
            "DROP TRIGGER IF EXISTS gebruiker_audit_no_delete; DELETE FROM gebruiker_audit;",
        )
        .unwrap();
    let v = loep_as("fg", &["log", "verify", d(&dir)]);
    assert!(!v.status.success());
    ok(loep_as(
        "fg",
        &[
            "log",
            "herstel",
            d(&dir),
            "--reden",
            "Audittrail gewist door een beheerder; teruggezet uit de back-up volgt.",
        ],
    ));
    let v = loep_as("fg", &["log", "verify", d(&dir)]);
    assert!(v.status.success(), "{}", stderr(&v));
    ok(intake(&dir, &fixtures().join("belastingdienst")));
}
