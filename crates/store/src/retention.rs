//! The store's part of the retention periods: which signals are due, destroying them and the
//! full rejects, the record of every destruction, and compacting the files so that destroyed
//! rows are gone from the disk (the connection runs with `secure_delete`). The intake crate
//! rewrites the vault's Parquet files.

use crate::db::{Db, TxDb};
use anyhow::{Context, Result};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

pub fn create_schema(conn: &Db) -> Result<()> {
    conn.execute_batch(
        r#"
CREATE TABLE IF NOT EXISTS vernietiging (
    id INTEGER PRIMARY KEY,
    tijdstip TEXT NOT NULL,
    soort TEXT NOT NULL,
    aantal INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
"#,
    )?;
    Ok(())
}

/// What one destruction removed: how many rows, and the SHA-256 of their content (proof of
/// what was destroyed, without what it was).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Destroyed {
    pub soort: String,
    pub aantal: u64,
    pub sha256: String,
}

/// Scan runs older than `cutoff` (RFC 3339) that still hold signals.
pub fn expired_runs(conn: &Db, cutoff: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT r.run_id FROM scan_run r WHERE r.tijdstip < ?1
           AND EXISTS (SELECT 1 FROM signaal s WHERE s.run_id = r.run_id) ORDER BY r.tijdstip",
    )?;
    let rows = stmt.query_map(params![cutoff], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Counts and hashes the signals and address profiles of `run_id`; deletes them unless `dry_run`.
pub fn purge_run(tx: &TxDb, run_id: &str, dry_run: bool) -> Result<Destroyed> {
    let mut hash = Sha256::new();
    let mut n = 0u64;
    {
        let mut stmt = tx.prepare(
            "SELECT nr, indicator, vbo_id, pseudoniemen, feiten, uitleg FROM signaal WHERE run_id = ?1 ORDER BY nr",
        )?;
        let mut rows = stmt.query(params![run_id])?;
        while let Some(r) = rows.next()? {
            for i in 0..6 {
                let v: rusqlite::types::Value = r.get(i)?;
                hash.update(format!("{v:?}\u{1f}").as_bytes());
            }
            hash.update(b"\x1e");
            n += 1;
        }
    }
    if !dry_run {
        tx.execute(
            "DELETE FROM adresprofiel WHERE run_id = ?1",
            params![run_id],
        )?;
        tx.execute(
            "DELETE FROM signaal_persoon WHERE run_id = ?1",
            params![run_id],
        )?;
        tx.execute("DELETE FROM signaal WHERE run_id = ?1", params![run_id])?;
        crate::certificaat::destroyed(tx, run_id, &crate::clock::now())?;
    }
    Ok(Destroyed {
        soort: format!("signalen:{run_id}"),
        aantal: n,
        sha256: hex::encode(hash.finalize()),
    })
}

/// The pseudonyms of every person in a signal that stays (of a run not in `expiring`): their
/// identities stay.
pub fn persons_in_signals(conn: &Db, expiring: &[String]) -> Result<HashSet<String>> {
    let expiring: HashSet<&str> = expiring.iter().map(String::as_str).collect();
    // Only persons a (sealed) signal names itself: a row added to the index keeps no one.
    let mut stmt = conn.prepare(&format!(
        "SELECT p.run_id, p.pseudoniem FROM signaal_persoon p
         JOIN signaal s ON s.run_id = p.run_id AND s.nr = p.nr
         WHERE {}",
        crate::lijst::contains_sql("s.pseudoniemen", "p.pseudoniem")
    ))?;
    let mut rows = stmt.query([])?;
    let mut out = HashSet::new();
    while let Some(r) = rows.next()? {
        let run: String = r.get(0)?;
        if !expiring.contains(run.as_str()) {
            out.insert(r.get(1)?);
        }
    }
    Ok(out)
}

pub fn record(tx: &TxDb, tijdstip: &str, d: &Destroyed) -> Result<()> {
    tx.execute(
        "INSERT INTO vernietiging (tijdstip, soort, aantal, sha256) VALUES (?1, ?2, ?3, ?4)",
        params![tijdstip, d.soort, d.aantal as i64, d.sha256],
    )?;
    Ok(())
}

/// Whether the identities must be filtered (again): never done since the project ended, or
/// signals were destroyed after the last time (their persons' identities are then due too).
pub fn identities_due(conn: &Db) -> Result<bool> {
    let last_ids: Option<i64> = conn.query_row(
        "SELECT max(id) FROM vernietiging WHERE soort = 'identiteiten'",
        [],
        |r| r.get(0),
    )?;
    let Some(last_ids) = last_ids else {
        return Ok(true);
    };
    let later_signals: i64 = conn.query_row(
        "SELECT COUNT(*) FROM vernietiging WHERE soort LIKE 'signalen:%' AND id > ?1",
        params![last_ids],
        |r| r.get(0),
    )?;
    Ok(later_signals > 0)
}

/// When the vault's identities were last filtered (the newest `identiteiten` destruction).
pub fn last_identities_destruction(conn: &Db) -> Result<Option<String>> {
    Ok(conn.query_row(
        "SELECT tijdstip FROM vernietiging WHERE soort = 'identiteiten' ORDER BY id DESC LIMIT 1",
        [],
        |r| r.get(0),
    ).optional()?)
}

/// Rewrites the store's database file without the free pages that held destroyed rows.
pub fn compact(conn: &Db) -> Result<()> {
    conn.execute_batch("VACUUM main;")
        .context("kan de opslag na het vernietigen van gegevens niet comprimeren")
}
