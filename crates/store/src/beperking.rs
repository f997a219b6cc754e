//! Restrictions of residents' access letters (article 41 UAVG): while an investigation runs,
//! the privacy officer may decide that parts of what the project holds about a person are not
//! given in an access letter, with a reason and an end date. A restriction is kept here, per
//! person (pseudonym), and every letter drawn up for that person until its end date applies it,
//! whoever draws the letter up; the privacy officer may lift it earlier. The reason stays here
//! (not in the processing log, which is never destroyed); the log records that a restriction
//! was set or lifted, for whom and until when.
//!
//! The rows decide what a resident is told: they are part of the state bound beside the
//! integrity key ([`crate::toegang`]), so a restriction deleted or moved outside loep is found.

use crate::db::Db;
use anyhow::{Context, Result};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

pub fn create_schema(conn: &Db) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS inzage_beperking (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            pseudoniem TEXT NOT NULL,
            delen TEXT NOT NULL,
            tot TEXT NOT NULL,
            reden TEXT NOT NULL,
            door TEXT NOT NULL,
            vastgelegd TEXT NOT NULL,
            opgeheven TEXT
         );
         CREATE INDEX IF NOT EXISTS inzage_beperking_persoon ON inzage_beperking (pseudoniem);",
    )
    .context("kan de tabel inzage_beperking (beperkingen van inzage) niet aanmaken")?;
    Ok(())
}

/// A restriction as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Beperking {
    pub id: i64,
    #[serde(skip)]
    pub pseudoniem: String,
    /// The parts left out, by code (`zaken`, `signalen`).
    pub delen: Vec<String>,
    /// The last day it applies (JJJJ-MM-DD).
    pub tot: String,
    #[serde(skip)]
    pub reden: String,
    pub door: String,
    pub vastgelegd: String,
    pub opgeheven: Option<String>,
}

const COLUMNS: &str = "id, pseudoniem, delen, tot, reden, door, vastgelegd, opgeheven";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Beperking> {
    Ok(Beperking {
        id: r.get(0)?,
        pseudoniem: r.get(1)?,
        delen: crate::lijst::column(r, 2)?,
        tot: r.get(3)?,
        reden: r.get(4)?,
        door: r.get(5)?,
        vastgelegd: r.get(6)?,
        opgeheven: r.get(7)?,
    })
}

/// Records a restriction (in the caller's transaction of loep); returns its id.
pub fn add(
    tx: &Db,
    pseudoniem: &str,
    delen: &[&str],
    tot: &str,
    reden: &str,
    door: &str,
    now: &str,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO inzage_beperking (pseudoniem, delen, tot, reden, door, vastgelegd)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            pseudoniem,
            crate::lijst::encode(delen),
            tot,
            reden,
            door,
            now
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// The restrictions of `pseudoniem` that apply on `today` (JJJJ-MM-DD): not lifted, not ended.
pub fn active(conn: &Db, pseudoniem: &str, today: &str) -> Result<Vec<Beperking>> {
    if !crate::integrity::table_exists(conn, "inzage_beperking")? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM inzage_beperking
         WHERE pseudoniem = ?1 AND opgeheven IS NULL AND tot >= ?2 ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![pseudoniem, today], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every restriction that applies on `today`, the newest first (for the privacy officer).
pub fn all_active(conn: &Db, today: &str) -> Result<Vec<Beperking>> {
    if !crate::integrity::table_exists(conn, "inzage_beperking")? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM inzage_beperking
         WHERE opgeheven IS NULL AND tot >= ?1 ORDER BY id DESC"
    ))?;
    let rows = stmt.query_map(params![today], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The restriction `id`.
pub fn get(conn: &Db, id: i64) -> Result<Option<Beperking>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM inzage_beperking WHERE id = ?1"),
            params![id],
            from_row,
        )
        .optional()?)
}

/// Lifts restriction `id` (in the caller's transaction); whether it was in force.
pub fn lift(tx: &Db, id: i64, now: &str) -> Result<bool> {
    Ok(tx.execute(
        "UPDATE inzage_beperking SET opgeheven = ?2 WHERE id = ?1 AND opgeheven IS NULL",
        params![id, now],
    )? > 0)
}
