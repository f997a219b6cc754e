//! Scan runs, their signals and the address profiles, as the scan stores them.

use anyhow::Result;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

/// One run of the indicator catalogue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanRun {
    pub run_id: String,
    pub tijdstip: String,
    /// JSON: per indicator its code, version and parameter values.
    pub indicatoren: String,
    /// JSON: table → snapshot id, and the linkage run.
    pub bronnen: String,
    pub signalen: i64,
    pub adressen: i64,
}

/// One address found by one indicator, with the facts and the filled explanation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Signal {
    pub run_id: String,
    /// The signal's number within its run (1, 2, …); `RUN/NR` names it (see [`Signal::id`]).
    pub nr: i64,
    pub indicator: String,
    pub versie: i64,
    pub thema: String,
    pub vbo_id: String,
    pub buurtcode: Option<String>,
    /// Comma-separated pseudonyms of the persons involved.
    pub pseudoniemen: String,
    /// JSON object of fact → value.
    pub feiten: String,
    pub uitleg: String,
    pub sterkte: f64,
    /// Comma-separated partners whose data the indicator read.
    pub partners: String,
}

impl Signal {
    /// `RUN/NR`: how a user names one signal, e.g. for a request for identities.
    pub fn id(&self) -> String {
        format!("{}/{}", self.run_id, self.nr)
    }

    /// The pseudonyms of the persons involved.
    pub fn persons(&self) -> impl Iterator<Item = &str> {
        self.pseudoniemen.split(',').filter(|p| !p.is_empty())
    }
}

/// An address with all its signals of a run, ranked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AddressProfile {
    pub run_id: String,
    pub rang: i64,
    pub vbo_id: String,
    pub buurtcode: Option<String>,
    /// Comma-separated themes.
    pub themas: String,
    /// Comma-separated partners whose data the signals rest on.
    pub partners: String,
    pub verwonderadres: bool,
    pub signalen: i64,
    pub sterkte: f64,
}

pub fn new_run_id(conn: &Connection) -> Result<String> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM scan_run", [], |r| r.get(0))?;
    Ok(format!(
        "S{:04}-{}",
        n + 1,
        &crate::log::new_operation_id()[..8]
    ))
}

pub fn insert_run(
    tx: &Transaction<'_>,
    run: &ScanRun,
    signals: &[Signal],
    profiles: &[AddressProfile],
) -> Result<()> {
    tx.execute(
        "INSERT INTO scan_run (run_id, tijdstip, indicatoren, bronnen, signalen, adressen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![run.run_id, run.tijdstip, run.indicatoren, run.bronnen, run.signalen, run.adressen],
    )?;
    let mut stmt = tx.prepare(
        "INSERT INTO signaal (run_id, nr, indicator, versie, thema, vbo_id, buurtcode, pseudoniemen, feiten, uitleg, sterkte, partners)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for s in signals {
        stmt.execute(params![
            s.run_id,
            s.nr,
            s.indicator,
            s.versie,
            s.thema,
            s.vbo_id,
            s.buurtcode,
            s.pseudoniemen,
            s.feiten,
            s.uitleg,
            s.sterkte,
            s.partners
        ])?;
    }
    let mut stmt = tx.prepare(
        "INSERT INTO adresprofiel (run_id, rang, vbo_id, buurtcode, themas, partners, verwonderadres, signalen, sterkte)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for p in profiles {
        stmt.execute(params![
            p.run_id,
            p.rang,
            p.vbo_id,
            p.buurtcode,
            p.themas,
            p.partners,
            p.verwonderadres,
            p.signalen,
            p.sterkte
        ])?;
    }
    Ok(())
}

fn run_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ScanRun> {
    Ok(ScanRun {
        run_id: r.get(0)?,
        tijdstip: r.get(1)?,
        indicatoren: r.get(2)?,
        bronnen: r.get(3)?,
        signalen: r.get(4)?,
        adressen: r.get(5)?,
    })
}

/// A run by id, or the newest when `run_id` is `None`.
pub fn run(conn: &Connection, run_id: Option<&str>) -> Result<Option<ScanRun>> {
    let cols = "run_id, tijdstip, indicatoren, bronnen, signalen, adressen";
    Ok(match run_id {
        Some(id) => conn
            .query_row(
                &format!("SELECT {cols} FROM scan_run WHERE run_id = ?1"),
                params![id],
                run_from_row,
            )
            .optional()?,
        None => conn
            .query_row(
                &format!("SELECT {cols} FROM scan_run ORDER BY rowid DESC LIMIT 1"),
                [],
                run_from_row,
            )
            .optional()?,
    })
}

const SIGNAL_COLUMNS: &str = "run_id, nr, indicator, versie, thema, vbo_id, buurtcode, pseudoniemen, feiten, uitleg, sterkte, partners";

fn signal_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Signal> {
    Ok(Signal {
        run_id: r.get(0)?,
        nr: r.get(1)?,
        indicator: r.get(2)?,
        versie: r.get(3)?,
        thema: r.get(4)?,
        vbo_id: r.get(5)?,
        buurtcode: r.get(6)?,
        pseudoniemen: r.get(7)?,
        feiten: r.get(8)?,
        uitleg: r.get(9)?,
        sterkte: r.get(10)?,
        partners: r.get(11)?,
    })
}

/// The signals of a run, in their order (by address, then indicator).
pub fn signals(conn: &Connection, run_id: &str) -> Result<Vec<Signal>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SIGNAL_COLUMNS} FROM signaal WHERE run_id = ?1 ORDER BY nr"
    ))?;
    let rows = stmt.query_map(params![run_id], signal_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// One signal by its id `RUN/NR`.
pub fn signal(conn: &Connection, id: &str) -> Result<Option<Signal>> {
    let Some((run_id, nr)) = id.rsplit_once('/') else {
        anyhow::bail!(
            "'{id}' is not a signal id; signal ids look like S0001-1a2b3c4d/17 (`loep signals` lists them)"
        );
    };
    let Ok(nr) = nr.parse::<i64>() else {
        anyhow::bail!("'{id}' is not a signal id: '{nr}' is not a number");
    };
    Ok(conn
        .query_row(
            &format!("SELECT {SIGNAL_COLUMNS} FROM signaal WHERE run_id = ?1 AND nr = ?2"),
            params![run_id, nr],
            signal_from_row,
        )
        .optional()?)
}

/// Every signal (of any run) that involves the person with this pseudonym.
pub fn signals_of_person(conn: &Connection, pseudoniem: &str) -> Result<Vec<Signal>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SIGNAL_COLUMNS} FROM signaal WHERE instr(pseudoniemen, ?1) > 0 ORDER BY run_id, nr"
    ))?;
    let rows = stmt.query_map(params![pseudoniem], signal_from_row)?;
    Ok(rows
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|s| s.persons().any(|p| p == pseudoniem))
        .collect())
}

pub fn profiles(conn: &Connection, run_id: &str) -> Result<Vec<AddressProfile>> {
    let mut stmt = conn.prepare(
        "SELECT run_id, rang, vbo_id, buurtcode, themas, partners, verwonderadres, signalen, sterkte
         FROM adresprofiel WHERE run_id = ?1 ORDER BY rang",
    )?;
    let rows = stmt.query_map(params![run_id], |r| {
        Ok(AddressProfile {
            run_id: r.get(0)?,
            rang: r.get(1)?,
            vbo_id: r.get(2)?,
            buurtcode: r.get(3)?,
            themas: r.get(4)?,
            partners: r.get(5)?,
            verwonderadres: r.get(6)?,
            signalen: r.get(7)?,
            sterkte: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
