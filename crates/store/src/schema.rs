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

use crate::db::{Db, TxDb};
use anyhow::{Result, bail};
use rusqlite::Connection;

/// The schema version this release writes.
pub const CURRENT: i64 = 7;

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
            for (run, nr, persons) in rows {
                for p in persons.split(',').filter(|p| !p.is_empty()) {
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
}
