//! Schema versions of a project's databases. `PRAGMA user_version` holds the version a
//! database has; [`migrate`] brings a project made by an earlier release up to
//! [`CURRENT`], each step in one transaction, and refuses a project made by a later release.
//!
//! Versions:
//! - 0: release 0.1.0 (no version recorded).
//! - 1: accounts with confirmation, lockout and an audit trail (`gebruiker` gains columns,
//!   `gebruiker_audit` is new). The tables themselves are created or upgraded in place by
//!   `auth::create_schema`; this step records the version.
//! - 2: typed signals: `signaal_persoon` (one row per signal and person, indexed by pseudonym)
//!   so that all signals of a person are an index lookup; filled from the signals a project
//!   already holds.
//! - 3: integrity: the rows that grant access (accounts, approvals, requests for identities)
//!   get a `mac` column, sealed with the project's new integrity key, and the log is keyed
//!   from its next record on (see `integrity`).
//! - 4: sealed signals: `signaal` gets a `mac` over every column, so that a signal edited
//!   outside loep (its persons, its address) is refused where identities are asked for or a
//!   case is opened from it ([`crate::scan::signal`]); the signals a project holds are sealed
//!   as they are.
//! - 5: run certificates: `run_certificaat` holds, per scan run, what it read and found,
//!   sealed ([`crate::certificaat`]); each run of an earlier release gets one drawn up from
//!   its sealed signals, marked `achteraf`.
//! - 6: sealed decisions: the findings of visits (`zaak_bevinding`) and the residents' reports
//!   (`burgermelding`, with their state) get a `mac` kept by triggers, and the accounts' audit
//!   trail a keyed chain (`integrity::SEALED`, `audit`); their rows are sealed as they are.
//! - 7: decisions bound: the findings, the residents' reports and the archive of hit-rate
//!   counts join the access state bound beside the integrity key and recorded in the log
//!   (`toegang::DECISIONS_FROM`), so that a row of them deleted or put back from an older copy
//!   is found; `Project::open` moves the anchor with this step.
//! - 8: lists as JSON: every list the store's tables hold (`lijst::STORE_COLUMNS`: a signal's
//!   persons and partners, an address profile's themes and partners, a request's persons, an
//!   API key's scopes, the parts a restriction of access leaves out) was its items joined with
//!   commas and becomes a JSON array (`crate::lijst`), so that an item may hold a comma. Sealed
//!   rows (signals, requests, API keys) are sealed again only where their seal held before the
//!   rewrite: a row changed outside loep keeps its old seal and is still reported
//!   (`lijst::convert_commas`). The digest of the access state and of the rights the log
//!   recorded reads a list column by its items (`toegang`), so it is the same before and after:
//!   the anchor stays, and nothing needs recording in the log (which this step, run at the
//!   open, could not extend).
//! - 9: a case's signal sealed with its content: the seal of `zaak_signaal` (the case
//!   register's copy of a signal) also covers `inhoud`, the explanation, facts and theme the
//!   case shows to those who decide on it, which grants no access and so is not bound in the
//!   access state (`integrity::SEALED_BEYOND`). A row is sealed again only where its seal held
//!   and its content is the signal's as the store still holds it
//!   (`integrity::seal_contents`); any other keeps its old seal and is reported.

use crate::db::{Db, TxDb};
use anyhow::{Result, bail};
use rusqlite::Connection;

/// The schema version this release writes.
pub const CURRENT: i64 = 9;

/// From this version on a project has an integrity key (`integrity`).
pub const KEYED: i64 = 3;

/// The version `conn`'s main database has.
pub fn version(conn: &Db) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Migrates the store to [`CURRENT`]. Runs after the tables were created (or upgraded in
/// place) by the modules that own them.
pub fn migrate(conn: &mut Connection) -> Result<i64> {
    migrate_to(conn, CURRENT)
}

/// Migrates the store up to version `target` (at most [`CURRENT`]), each step in one
/// transaction; returns the version it had.
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<i64> {
    let from = version(Db::of(conn))?;
    if from > CURRENT {
        bail!(
            "dit project is gemaakt met een nieuwere versie van loep (schema {from}, deze versie kent er tot en met {CURRENT}); gebruik die versie of een nieuwere"
        );
    }
    for v in from..target.min(CURRENT) {
        let tx = conn.transaction()?;
        step_in(TxDb::of(&tx), v + 1)?;
        tx.commit()?;
    }
    Ok(from)
}

/// The step to version `to` inside `tx` (which the caller commits), the version recorded.
pub(crate) fn step_in(tx: &TxDb, to: i64) -> Result<()> {
    step(tx, to)?;
    tx.sql().pragma_update(None, "user_version", to)?;
    Ok(())
}

/// The highest schema version a project had, kept beside the integrity key (where a writer of
/// the store cannot change it): `PRAGMA user_version` is an unprotected number in the store,
/// and setting it back would run a migration again over rows changed meanwhile (sealing or
/// certifying them as they are).
fn floor_path(layout: &crate::Layout) -> std::path::PathBuf {
    layout.key_dir().join("schema-versie")
}

/// Refuses a store whose schema version is below the highest the project had.
pub fn check_floor(layout: &crate::Layout, version: i64) -> Result<()> {
    let path = floor_path(layout);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(anyhow::anyhow!(e).context(format!("kan {} niet lezen", path.display())));
        }
    };
    let floor: i64 = text.trim().parse().unwrap_or(i64::MAX);
    if version < floor {
        bail!(
            "de opslag zegt schemaversie {version}, maar dit project had al versie {floor} ({}): de versie is buiten loep om teruggezet. Er wordt niets opnieuw gemigreerd; de functionaris gegevensbescherming moet dit onderzoeken",
            path.display()
        );
    }
    Ok(())
}

/// Records the store's schema version as the project's highest, after a migration.
pub fn raise_floor(layout: &crate::Layout, conn: &Db) -> Result<()> {
    let v = version(conn)?;
    let path = floor_path(layout);
    let known: i64 = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0);
    if v > known && layout.key_dir().exists() {
        crate::integrity::write_private(&path, v.to_string().as_bytes())?;
    }
    Ok(())
}

/// The changes from version `to - 1` to `to` that the modules' own `create_schema` cannot
/// make in place.
fn step(tx: &TxDb, to: i64) -> Result<()> {
    match to {
        // Made in place by auth::create_schema and audit::create_schema.
        1 => Ok(()),
        2 => {
            // The table itself is in the store's schema; fill it from the signals so far.
            let has_signals: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'signaal')",
                [],
                |r| r.get(0),
            )?;
            if !has_signals {
                return Ok(());
            }
            let rows: Vec<(String, i64, String)> = {
                let mut stmt = tx.prepare("SELECT run_id, nr, pseudoniemen FROM signaal")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<Result<_, _>>()?
            };
            let mut insert = tx.prepare(
                "INSERT OR IGNORE INTO signaal_persoon (run_id, nr, pseudoniem) VALUES (?1, ?2, ?3)",
            )?;
            // Until version 8 a signal's persons are joined with commas.
            for (run, nr, persons) in rows {
                for p in crate::lijst::from_commas(&persons) {
                    insert.execute(rusqlite::params![run, nr, p])?;
                }
            }
            Ok(())
        }
        3 => crate::integrity::seal_existing(tx),
        4 => crate::scan::seal_existing_signals(tx),
        5 => crate::certificaat::certify_existing(tx),
        6 => crate::integrity::seal_decisions(tx),
        7 => Ok(()),
        8 => {
            for (table, columns) in crate::lijst::STORE_COLUMNS {
                crate::lijst::convert_commas(tx, table, columns)?;
            }
            Ok(())
        }
        9 => crate::integrity::seal_contents(tx).map(drop),
        other => bail!("er is geen migratie naar schemaversie {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_newer() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
        conn.execute_batch(crate::project::SCHEMA).unwrap();
        conn.execute_batch(crate::certificaat::SCHEMA).unwrap();
        assert_eq!(version(Db::of(&conn)).unwrap(), 0);
        assert_eq!(migrate(&mut conn).unwrap(), 0);
        assert_eq!(version(Db::of(&conn)).unwrap(), CURRENT);
        assert_eq!(migrate(&mut conn).unwrap(), CURRENT);
        conn.pragma_update(None, "user_version", CURRENT + 1)
            .unwrap();
        let e = migrate(&mut conn).unwrap_err();
        assert!(e.to_string().contains("nieuwere versie"), "{e}");
    }

    use crate::scan::{AddressProfile, ScanRun, Signal};

    fn signal(run: &str, nr: i64, persons: &[&str]) -> Signal {
        Signal {
            run_id: run.into(),
            nr,
            indicator: "OVB-01".into(),
            versie: 1,
            thema: loep_contract::Thema::Overbewoning,
            vbo_id: loep_contract::BagId::vbo(&format!("039201{nr:010}")).unwrap(),
            buurtcode: None,
            pseudoniemen: persons.iter().map(|p| p.to_string()).collect(),
            feiten: Default::default(),
            uitleg: format!("uitleg {nr}"),
            sterkte: 1.0,
            partners: vec![
                loep_contract::Partner::Gemeente,
                loep_contract::Partner::Politie,
            ],
        }
    }

    /// Stores a run as the scan does (its certificate named in the log).
    fn scanned(p: &mut crate::Project, run_id: &str, signals: &[Signal]) {
        let run = ScanRun {
            run_id: run_id.into(),
            tijdstip: crate::clock::now(),
            indicatoren: "[]".into(),
            bronnen: "{}".into(),
            signalen: signals.len() as i64,
            adressen: signals.len() as i64,
        };
        let profiles: Vec<AddressProfile> = signals
            .iter()
            .map(|s| AddressProfile {
                run_id: run_id.into(),
                rang: s.nr,
                vbo_id: s.vbo_id,
                buurtcode: None,
                themas: vec![
                    loep_contract::Thema::Overbewoning,
                    loep_contract::Thema::Adresfraude,
                ],
                partners: s.partners.clone(),
                verwonderadres: false,
                signalen: 1,
                sterkte: 1.0,
            })
            .collect();
        let c = crate::certificaat::Certificaat::new(&run, signals).unwrap();
        let tx = p.begin().unwrap();
        let sha = crate::scan::insert_run(&tx, &run, signals, &profiles, &c).unwrap();
        let now = crate::clock::now();
        crate::log::append(
            &tx,
            "test",
            crate::LogRecord::new("scan", &now, &now)
                .with_attr("run_id", run_id.to_string())
                .with_attr("certificaat", sha),
        )
        .unwrap();
        tx.commit().unwrap();
    }

    /// What a writer's check and `loep log verify` report about seals and the access state.
    fn problems(p: &crate::Project) -> Vec<String> {
        let mut out = crate::integrity::tampered_rows(p.db()).unwrap();
        out.extend(crate::scan::tampered_signals(p.db()).unwrap());
        out.extend(p.access_problems().unwrap());
        out.extend(p.logged_access_problems().unwrap());
        out
    }

    /// Every list column of the store: (table, row, column, value).
    fn lists(p: &crate::Project) -> Vec<(String, String, String, String)> {
        let mut out = Vec::new();
        for (table, columns) in crate::lijst::STORE_COLUMNS {
            for c in columns {
                let mut stmt = p
                    .db()
                    .prepare(&format!(
                        "SELECT CAST(rowid AS TEXT), {c} FROM {table} ORDER BY rowid"
                    ))
                    .unwrap();
                let rows = stmt
                    .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                    .unwrap();
                for row in rows {
                    let (id, v) = row.unwrap();
                    out.push((table.to_string(), id, c.to_string(), v));
                }
            }
        }
        out
    }

    /// A store of version 7 (lists joined with commas, sealed as that release sealed them, the
    /// access state bound and recorded in the log over them) with a list in every list column,
    /// a request and a signal changed outside loep: version 8 makes every list JSON, the rows
    /// whose seal held hold it, the changed ones are still reported, and the access state, the
    /// rights in the log and the run certificates raise no alarm.
    #[test]
    fn version_8_makes_the_lists_json_without_blessing_a_changed_row() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        let mut p = crate::project::test_project(&root);
        let layout = p.layout.clone();
        let key = crate::integrity::IntegrityKey::load(&layout)
            .unwrap()
            .unwrap();
        // Run A is left alone; run B gets a signal changed outside loep.
        let run_a = vec![
            signal("A", 1, &["P1", "P2"]),
            signal("A", 2, &["P3"]),
            signal("A", 3, &[]),
        ];
        let run_b = vec![signal("B", 1, &["P4", "P5"]), signal("B", 2, &["P6"])];
        scanned(&mut p, "A", &run_a);
        scanned(&mut p, "B", &run_b);
        // Written as the release before wrote them: the rows that grant or decide something
        // through loep's transaction (its triggers seal them and keep the anchor in step).
        let tx = p.begin().unwrap();
        tx.execute_batch(
            "INSERT INTO onthulling (id, signaal, pseudoniemen, aanvrager, reden, aangevraagd, status)
             VALUES ('O0001', 'A/1', 'P1,P2', 'analist', 'een reden van twintig tekens', 't', 'aangevraagd'),
                    ('O0002', 'B/1', 'P4', 'analist', 'een reden van twintig tekens', 't', 'aangevraagd');
             INSERT INTO api_sleutel (id, hash, gebruiker, scopes, omschrijving, aangemaakt, door)
             VALUES ('00112233aabbccdd', 'h1', 'uwv', 'zaken.bijwerken,zaken.lezen', 'systeem', '2026-01-01T00:00:00Z', 'beheerder'),
                    ('99887766aabbccdd', 'h2', 'uwv', 'zaken.lezen', 'ander', '2026-01-02T00:00:00Z', 'beheerder');
             INSERT INTO inzage_beperking (pseudoniem, delen, tot, reden, door, vastgelegd)
             VALUES ('P1', 'zaken,signalen', '2099-12-31', 'onderzoek', 'fg', 't'),
                    ('P2', '', '2099-12-31', 'onderzoek', 'fg', 't');",
        )
        .unwrap();
        tx.commit().unwrap();
        // The signals and profiles (no triggers: the scan seals a signal as it stores it).
        // Not a stored list: the old form this test migrates from.
        let commas = |v: &str| crate::lijst::decode(v).unwrap().join(",");
        for (table, columns) in crate::lijst::STORE_COLUMNS {
            if !matches!(table, "signaal" | "adresprofiel") {
                continue;
            }
            for c in columns {
                let rows: Vec<(i64, String)> = {
                    let mut stmt = p
                        .db()
                        .prepare(&format!("SELECT rowid, {c} FROM {table}"))
                        .unwrap();
                    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                        .unwrap()
                        .map(Result::unwrap)
                        .collect()
                };
                for (rowid, v) in rows {
                    p.db()
                        .execute(
                            &format!("UPDATE {table} SET {c} = ?2 WHERE rowid = ?1"),
                            rusqlite::params![rowid, commas(&v)],
                        )
                        .unwrap();
                }
            }
        }
        p.db()
            .execute_batch(&format!(
                "UPDATE signaal SET mac = loep_mac('signaal', {})",
                crate::scan::SIGNAL_COLUMNS
            ))
            .unwrap();
        // Someone adds a person to a request and to a signal, with the triggers dropped.
        p.db()
            .execute_batch(
                "DROP TRIGGER onthulling_mac_check; DROP TRIGGER onthulling_mac_update;
                 DROP TRIGGER onthulling_toegang_update;
                 UPDATE onthulling SET pseudoniemen = 'P4,P9' WHERE id = 'O0002';
                 UPDATE signaal SET pseudoniemen = 'P6,P9' WHERE run_id = 'B' AND nr = 2;",
            )
            .unwrap();
        crate::integrity::create_triggers(p.db()).unwrap();
        // The version the release before left (the access state counts comma text as stored
        // in a store before version 8).
        p.db().execute_batch("PRAGMA user_version = 7").unwrap();
        crate::integrity::write_private(&floor_path(&layout), b"7").unwrap();
        // The privacy officer looked (`loep log herstel`): the access state as it is is the one
        // accepted, in the anchor and the log; the changed rows stay refused by their seals.
        p.acknowledge_alarm("test: de toestand aanvaard").unwrap();
        let before = problems(&p);
        assert_eq!(before.len(), 2, "{before:?}");
        assert!(before[0].contains("onthulling 'O0002'"), "{before:?}");
        assert!(before[1].contains("signaal B/2"), "{before:?}");
        let digest = crate::toegang::digest(p.db(), &key).unwrap();
        let rights = crate::toegang::rights_digest(p.db(), &key).unwrap();
        let old = lists(&p);
        assert_eq!(old.len(), 5 * 2 + 5 * 2 + 2 + 2 + 2);
        assert!(
            old.iter().all(|(.., v)| crate::lijst::decode(v).is_err()),
            "{old:?}"
        );
        drop(p);

        let p = crate::Project::open(&root).unwrap();
        assert_eq!(version(p.db()).unwrap(), CURRENT);
        assert_eq!(
            std::fs::read_to_string(floor_path(&layout)).unwrap().trim(),
            CURRENT.to_string()
        );
        // Every list is JSON, with the items the release before read.
        let new = lists(&p);
        assert_eq!(new.len(), old.len());
        for ((t, id, c, o), (t2, id2, c2, n)) in old.iter().zip(&new) {
            assert_eq!((t, id, c), (t2, id2, c2));
            assert_eq!(
                crate::lijst::decode(n).unwrap(),
                crate::lijst::from_commas(o),
                "{t} {id} {c}"
            );
        }
        // Read as they were written.
        assert_eq!(crate::scan::signals(p.db(), "A").unwrap(), run_a);
        let b = crate::scan::signals(p.db(), "B").unwrap();
        assert_eq!(b[0], run_b[0]);
        assert_eq!(b[1].pseudoniemen, ["P6", "P9"]);
        let profiles = crate::scan::profiles(p.db(), "A").unwrap();
        assert_eq!(
            loep_contract::Thema::codes(&profiles[0].themas),
            ["overbewoning", "adresfraude"]
        );
        assert_eq!(
            profiles[0].partners,
            [
                loep_contract::Partner::Gemeente,
                loep_contract::Partner::Politie
            ]
        );
        assert_eq!(
            crate::reveal::get(p.db(), "O0001").unwrap().pseudoniemen,
            ["P1", "P2"]
        );
        let keys = crate::apisleutel::list(p.db()).unwrap();
        assert_eq!(
            keys.iter().map(|k| k.scopes.clone()).collect::<Vec<_>>(),
            [
                vec![crate::apisleutel::Scope::ZakenLezen],
                vec![
                    crate::apisleutel::Scope::ZakenBijwerken,
                    crate::apisleutel::Scope::ZakenLezen
                ],
            ]
        );
        let beperkingen = crate::beperking::all_active(p.db(), "2026-01-01").unwrap();
        assert_eq!(beperkingen[0].delen, Vec::<String>::new());
        assert_eq!(beperkingen[1].delen, ["zaken", "signalen"]);
        assert_eq!(
            crate::scan::signals_of_person(p.db(), "P1").unwrap()[0].id(),
            "A/1"
        );
        let kept = crate::retention::persons_in_signals(p.db(), &[]).unwrap();
        assert!(
            ["P1", "P2", "P3", "P4", "P5", "P6"]
                .iter()
                .all(|x| kept.contains(*x))
        );
        // The rows that held their seal hold it; the changed ones are still reported, and
        // nothing else is: the access state and the rights the log recorded read the lists by
        // their items.
        assert!(crate::integrity::row_intact(p.db(), "onthulling", "O0001").unwrap());
        assert!(!crate::integrity::row_intact(p.db(), "onthulling", "O0002").unwrap());
        assert!(crate::scan::signal(p.db(), "A/1").unwrap().is_some());
        assert!(crate::scan::signal(p.db(), "B/1").unwrap().is_some());
        let e = crate::scan::signal(p.db(), "B/2").unwrap_err();
        assert!(e.to_string().contains("buiten loep om gewijzigd"), "{e}");
        let e = crate::reveal::get(p.db(), "O0002").unwrap_err();
        assert!(e.to_string().contains("buiten loep om gewijzigd"), "{e}");
        assert_eq!(problems(&p), before);
        assert_eq!(crate::toegang::digest(p.db(), &key).unwrap(), digest);
        assert_eq!(crate::toegang::rights_digest(p.db(), &key).unwrap(), rights);
        // Run A's signals are still the certified ones; run B's are not (its changed signal).
        crate::certificaat::check_run(p.db(), "A").unwrap();
        let certs = crate::certificaat::problems(p.db(), true).unwrap();
        assert_eq!(certs.len(), 1, "{certs:?}");
        assert!(certs[0].contains("run B"), "{certs:?}");
        drop(p);

        // Opened again: nothing more changes.
        let p = crate::Project::open(&root).unwrap();
        assert_eq!(lists(&p), new);
        assert_eq!(problems(&p), before);

        // After the migration, a list put back as comma text outside loep (the triggers
        // stood aside) no longer counts as the JSON list it reads as: the access state moved.
        p.db()
            .execute_batch(
                "DROP TRIGGER IF EXISTS inzage_beperking_toegang_update;
                 UPDATE inzage_beperking SET delen = 'zaken,signalen' WHERE delen = '[\"zaken\",\"signalen\"]';",
            )
            .unwrap();
        assert_eq!(p.db().sql().changes(), 1);
        assert_ne!(crate::toegang::digest(p.db(), &key).unwrap(), digest);
    }

    /// A project of release 0.1.0 (the CLI's fixture: its lists joined with commas, no seals,
    /// no certificates) migrates through every version: the persons indexed at version 2 and
    /// the run certified at version 5 read the comma-joined lists, version 8 makes them JSON,
    /// and nothing is reported.
    #[test]
    fn a_project_of_release_0_1_0_migrates_to_json_lists() {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../cli/tests/fixtures/project-0.1.0");
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        std::fs::create_dir_all(root.join("vault")).unwrap();
        for f in ["loep.toml", "store.sqlite"] {
            std::fs::copy(fixture.join(f), root.join(f)).unwrap();
        }
        let raw = rusqlite::Connection::open(root.join("store.sqlite")).unwrap();
        let persons: usize = {
            let mut stmt = raw.prepare("SELECT pseudoniemen FROM signaal").unwrap();
            stmt.query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .map(|t| crate::lijst::from_commas(&t.unwrap()).len())
                .sum()
        };
        assert!(persons > 0);
        drop(raw);
        let p = crate::Project::open(&root).unwrap();
        assert_eq!(version(p.db()).unwrap(), CURRENT);
        let indexed: i64 = p
            .db()
            .query_row("SELECT COUNT(*) FROM signaal_persoon", [], |r| r.get(0))
            .unwrap();
        assert_eq!(indexed as usize, persons);
        let run: String = p
            .db()
            .query_row("SELECT run_id FROM scan_run", [], |r| r.get(0))
            .unwrap();
        let signals = crate::scan::signals(p.db(), &run).unwrap();
        assert_eq!(
            signals.iter().map(|s| s.pseudoniemen.len()).sum::<usize>(),
            persons
        );
        assert!(signals.iter().all(|s| !s.partners.is_empty()));
        // The certificate drawn up at version 5 over the comma-joined lists holds for the
        // JSON ones.
        crate::certificaat::check_run(p.db(), &run).unwrap();
        assert!(
            crate::certificaat::problems(p.db(), true)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            crate::reveal::get(p.db(), "O0001")
                .unwrap()
                .pseudoniemen
                .len(),
            6
        );
        assert!(crate::integrity::tampered_rows(p.db()).unwrap().is_empty());
        assert!(crate::scan::tampered_signals(p.db()).unwrap().is_empty());
    }

    /// A list column of a table bound with the access state is read there by its items.
    #[test]
    fn every_bound_list_column_is_known_to_the_access_state() {
        for (table, columns) in crate::lijst::STORE_COLUMNS {
            let Some((_, bound)) = crate::toegang::tables().find(|(t, _)| *t == table) else {
                continue;
            };
            for c in columns {
                if bound.split(", ").any(|b| b == *c) {
                    assert!(
                        crate::toegang::BOUND_LISTS.contains(&(table, *c)),
                        "{table}.{c}"
                    );
                }
            }
        }
    }
}
