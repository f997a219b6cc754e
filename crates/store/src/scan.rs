//! Scan runs, their signals and the address profiles, as the scan stores them.

use crate::db::{Db, TxDb};
use crate::lijst;
use anyhow::Result;
use loep_contract::{BagId, Partner, Thema};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    pub thema: Thema,
    pub vbo_id: BagId,
    pub buurtcode: Option<String>,
    /// The pseudonyms of the persons involved.
    pub pseudoniemen: Vec<String>,
    /// The facts that fired it: fact → value as the explanation shows it.
    pub feiten: BTreeMap<String, String>,
    pub uitleg: String,
    pub sterkte: f64,
    /// The partners whose data the indicator read.
    pub partners: Vec<Partner>,
}

impl Signal {
    /// `RUN/NR`: how a user names one signal, e.g. for a request for identities.
    pub fn id(&self) -> String {
        format!("{}/{}", self.run_id, self.nr)
    }

    /// The pseudonyms of the persons involved.
    pub fn persons(&self) -> impl Iterator<Item = &str> {
        self.pseudoniemen.iter().map(String::as_str)
    }
}

/// An address with all its signals of a run, ranked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AddressProfile {
    pub run_id: String,
    pub rang: i64,
    pub vbo_id: BagId,
    pub buurtcode: Option<String>,
    /// The themes of its signals, in the order of their codes.
    pub themas: Vec<Thema>,
    /// The partners whose data the signals rest on.
    pub partners: Vec<Partner>,
    pub verwonderadres: bool,
    pub signalen: i64,
    pub sterkte: f64,
}

pub fn new_run_id(conn: &Db) -> Result<String> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM scan_run", [], |r| r.get(0))?;
    Ok(format!(
        "S{:04}-{}",
        n + 1,
        &crate::log::new_operation_id()[..8]
    ))
}

/// Stores a run with its signals, profiles and certificate; returns the certificate's SHA-256
/// (for the scan's log record).
pub fn insert_run(
    tx: &TxDb,
    run: &ScanRun,
    signals: &[Signal],
    profiles: &[AddressProfile],
    certificaat: &crate::certificaat::Certificaat,
) -> Result<String> {
    if certificaat.run_id != run.run_id
        || certificaat.signalen_sha256 != crate::certificaat::signal_digest(signals)?
    {
        anyhow::bail!(
            "het certificaat van run {} hoort niet bij haar signalen",
            run.run_id
        );
    }
    tx.execute(
        "INSERT INTO scan_run (run_id, tijdstip, indicatoren, bronnen, signalen, adressen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![run.run_id, run.tijdstip, run.indicatoren, run.bronnen, run.signalen, run.adressen],
    )?;
    let mut stmt = tx.prepare(
        "INSERT INTO signaal (run_id, nr, indicator, versie, thema, vbo_id, buurtcode, pseudoniemen, feiten, uitleg, sterkte, partners, mac)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,
                 loep_mac('signaal', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12))",
    )?;
    let mut person = tx.prepare(
        "INSERT OR IGNORE INTO signaal_persoon (run_id, nr, pseudoniem) VALUES (?1, ?2, ?3)",
    )?;
    for s in signals {
        for p in &s.pseudoniemen {
            person.execute(params![s.run_id, s.nr, p])?;
        }
        stmt.execute(params![
            s.run_id,
            s.nr,
            s.indicator,
            s.versie,
            s.thema.code(),
            s.vbo_id.to_string(),
            s.buurtcode,
            lijst::encode(&s.pseudoniemen),
            serde_json::to_string(&s.feiten)?,
            s.uitleg,
            s.sterkte,
            lijst::encode(&Partner::codes(&s.partners))
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
            p.vbo_id.to_string(),
            p.buurtcode,
            lijst::encode(&Thema::codes(&p.themas)),
            lijst::encode(&Partner::codes(&p.partners)),
            p.verwonderadres,
            p.signalen,
            p.sterkte
        ])?;
    }
    crate::certificaat::insert(tx, certificaat)
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
pub fn run(conn: &Db, run_id: Option<&str>) -> Result<Option<ScanRun>> {
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

/// Every run, oldest first (`loep status`).
pub fn runs(conn: &Db) -> Result<Vec<ScanRun>> {
    let mut stmt = conn.prepare(
        "SELECT run_id, tijdstip, indicatoren, bronnen, signalen, adressen FROM scan_run ORDER BY rowid",
    )?;
    let runs = stmt
        .query_map([], run_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(runs)
}

pub(crate) const SIGNAL_COLUMNS: &str = "run_id, nr, indicator, versie, thema, vbo_id, buurtcode, pseudoniemen, feiten, uitleg, sterkte, partners";

fn signal_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Signal> {
    signal_in(r, lijst::Format::Json)
}

/// The partners of a stored list in column `idx`: codes the contract knows (another would be a
/// changed row, read as a value of the wrong type is).
fn partners_in(codes: Vec<String>, idx: usize) -> rusqlite::Result<Vec<Partner>> {
    codes
        .iter()
        .map(|c| {
            Partner::parse(c).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    idx,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
        })
        .collect()
}

/// The themes of a stored list in column `idx`: codes the catalogue knows (another would be a
/// changed row, read as a value of the wrong type is).
fn themas_in(codes: Vec<String>, idx: usize) -> rusqlite::Result<Vec<Thema>> {
    codes
        .iter()
        .map(|c| {
            Thema::parse(c).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    idx,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
        })
        .collect()
}

/// The theme in column `idx` of a row: a code the catalogue knows (another would be a changed
/// row, read as a value of the wrong type is).
fn thema_in(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Thema> {
    let code: String = r.get(idx)?;
    Thema::parse(&code).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// A signal whose lists are stored in `format` (the comma-joined form only while a store of an
/// earlier release is migrated).
fn signal_in(r: &rusqlite::Row<'_>, format: lijst::Format) -> rusqlite::Result<Signal> {
    Ok(Signal {
        run_id: r.get(0)?,
        nr: r.get(1)?,
        indicator: r.get(2)?,
        versie: r.get(3)?,
        thema: thema_in(r, 4)?,
        vbo_id: crate::kolom::vbo(r, 5)?,
        buurtcode: r.get(6)?,
        pseudoniemen: format.column(r, 7)?,
        // Written by `insert_run` from a map; an unreadable value would be a changed file.
        feiten: serde_json::from_str(&r.get::<_, String>(8)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, Box::new(e))
        })?,
        uitleg: r.get(9)?,
        sterkte: r.get(10)?,
        partners: partners_in(format.column(r, 11)?, 11)?,
    })
}

/// Whether `inhoud`, the content a case keeps of signal `id` (`RUN/NR`: its indicator, theme,
/// explanation, facts and persons, as JSON), is the signal's as the store holds it: true when
/// it is, and when the store no longer holds the signal intact (destroyed after its retention
/// period, or itself changed outside loep and reported as such), so there is nothing to
/// compare it with. For the migration that seals the content ([`crate::integrity`]).
pub(crate) fn content_agrees(conn: &Db, id: &str, inhoud: &str) -> Result<bool> {
    let Ok((run_id, nr)) = signal_key(id) else {
        return Ok(true);
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {SIGNAL_COLUMNS}, mac IS loep_mac('signaal', {SIGNAL_COLUMNS}) FROM signaal WHERE run_id = ?1 AND nr = ?2"
    ))?;
    let mut rows = stmt.query(params![run_id, nr])?;
    let Some(r) = rows.next()? else {
        return Ok(true);
    };
    let intact: bool = r.get(12)?;
    let Ok(signal) = signal_from_row(r) else {
        return Ok(true);
    };
    if !intact {
        return Ok(true);
    }
    let Ok(kept) = serde_json::from_str::<serde_json::Value>(inhoud) else {
        return Ok(false);
    };
    let expected = serde_json::json!({
        "signaal": signal.id(),
        "indicator": signal.indicator,
        "thema": signal.thema.code(),
        "uitleg": signal.uitleg,
        "feiten": signal.feiten,
        "pseudoniemen": signal.pseudoniemen,
    });
    Ok(kept == expected)
}

/// Calls `f` with every signal of a run in its order, one at a time (a national run holds
/// hundreds of thousands).
pub fn for_each_signal(
    conn: &Db,
    run_id: &str,
    mut f: impl FnMut(&Signal) -> Result<()>,
) -> Result<()> {
    each_signal_read(conn, run_id, lijst::Format::Json, |s| f(&s?))
}

/// Calls `f` with every signal of a run in its order as stored in `format`, or with `None` for
/// one that cannot be read (a value changed outside loep): for the digest of a run's stored
/// signals ([`crate::certificaat::stored_digest`]), to which such a signal is one that differs.
pub(crate) fn for_each_stored_signal(
    conn: &Db,
    run_id: &str,
    format: lijst::Format,
    mut f: impl FnMut(Option<&Signal>) -> Result<()>,
) -> Result<()> {
    each_signal_read(conn, run_id, format, |s| match s {
        Ok(s) => f(Some(&s)),
        Err(
            rusqlite::Error::FromSqlConversionFailure(..) | rusqlite::Error::InvalidColumnType(..),
        ) => f(None),
        Err(e) => Err(e.into()),
    })
}

/// The loop of [`for_each_signal`] and [`for_each_stored_signal`]: calls `f` with the reading
/// (in `format`) of every signal of a run in its order, one at a time; `f` says what an
/// unreadable one means.
fn each_signal_read(
    conn: &Db,
    run_id: &str,
    format: lijst::Format,
    mut f: impl FnMut(rusqlite::Result<Signal>) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SIGNAL_COLUMNS} FROM signaal WHERE run_id = ?1 ORDER BY nr"
    ))?;
    let mut rows = stmt.query(params![run_id])?;
    while let Some(r) = rows.next()? {
        f(signal_in(r, format))?;
    }
    Ok(())
}

/// The signals of a run, in their order (by address, then indicator).
pub fn signals(conn: &Db, run_id: &str) -> Result<Vec<Signal>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SIGNAL_COLUMNS} FROM signaal WHERE run_id = ?1 ORDER BY nr"
    ))?;
    let rows = stmt.query_map(params![run_id], signal_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Which signals of a run [`signals_page`] returns; `None` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SignalQuery {
    pub thema: Option<Thema>,
    /// Compared without regard to case (`ovb-01` finds `OVB-01`).
    pub indicator: Option<String>,
    pub buurt: Option<String>,
    /// Only signals at an address that is a verwonderadres in the run.
    pub verwonderadres: bool,
}

/// The filter of [`SignalQuery`] in SQL, with the run as `?1` and the query's values as
/// `?2`–`?5` (thema, indicator, buurt, verwonderadres).
const SIGNAL_FILTER: &str = "run_id = ?1
         AND (?2 IS NULL OR thema = ?2)
         AND (?3 IS NULL OR indicator = ?3 COLLATE NOCASE)
         AND (?4 IS NULL OR buurtcode = ?4)
         AND (?5 = 0 OR vbo_id IN (SELECT vbo_id FROM adresprofiel WHERE run_id = ?1 AND verwonderadres = 1))";

/// Where each page of a run's matching signals starts (the `nr` of its first signal) and how
/// many match in all: one pass over the index that holds the filtered columns. A run's
/// signals never change, so a front end keeps this and reads any page with
/// [`signals_from`] by an index seek, however deep the page.
pub fn page_starts(
    conn: &Db,
    run_id: &str,
    q: &SignalQuery,
    page_size: usize,
) -> Result<(usize, Vec<i64>)> {
    let mut stmt = conn.prepare(&format!(
        "SELECT nr FROM signaal WHERE {SIGNAL_FILTER} ORDER BY nr"
    ))?;
    let rows = stmt.query_map(
        params![
            run_id,
            q.thema.map(Thema::code),
            q.indicator,
            q.buurt,
            i64::from(q.verwonderadres)
        ],
        |r| r.get::<_, i64>(0),
    )?;
    let (mut total, mut starts) = (0usize, Vec::new());
    for nr in rows {
        let nr = nr?;
        if total % page_size.max(1) == 0 {
            starts.push(nr);
        }
        total += 1;
    }
    Ok((total, starts))
}

/// The addresses of a run with at least one signal that matches `q`, in the run's ranking
/// order (`adresprofiel.rang`): the team's queue, one row per address.
pub fn ranked_addresses(conn: &Db, run_id: &str, q: &SignalQuery) -> Result<Vec<BagId>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT vbo_id FROM adresprofiel
         WHERE run_id = ?1 AND vbo_id IN (SELECT vbo_id FROM signaal WHERE {SIGNAL_FILTER})
         ORDER BY rang"
    ))?;
    let rows = stmt.query_map(
        params![
            run_id,
            q.thema.map(Thema::code),
            q.indicator,
            q.buurt,
            i64::from(q.verwonderadres)
        ],
        |r| crate::kolom::vbo(r, 0),
    )?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Up to `limit` of a run's matching signals from the one numbered `from_nr` on, in order.
pub fn signals_from(
    conn: &Db,
    run_id: &str,
    q: &SignalQuery,
    from_nr: i64,
    limit: usize,
) -> Result<Vec<Signal>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SIGNAL_COLUMNS} FROM signaal WHERE {SIGNAL_FILTER} AND nr >= ?6 ORDER BY nr LIMIT ?7"
    ))?;
    let rows = stmt.query_map(
        params![
            run_id,
            q.thema.map(Thema::code),
            q.indicator,
            q.buurt,
            i64::from(q.verwonderadres),
            from_nr,
            i64::try_from(limit).unwrap_or(-1)
        ],
        signal_from_row,
    )?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// One page of a run's matching signals, in their order, and how many match in all: the
/// filters and the paging run in SQLite on the `(run_id, nr)` index, so that a page of a run
/// with 100,000 signals reads only that page's rows.
pub fn signals_page(
    conn: &Db,
    run_id: &str,
    q: &SignalQuery,
    offset: usize,
    limit: usize,
) -> Result<(usize, Vec<Signal>)> {
    let filter = SIGNAL_FILTER;
    let args = params![
        run_id,
        q.thema.map(Thema::code),
        q.indicator,
        q.buurt,
        i64::from(q.verwonderadres)
    ];
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM signaal WHERE {filter}"),
        args,
        |r| r.get(0),
    )?;
    // SQLite reads a negative LIMIT as no limit.
    let limit = i64::try_from(limit).unwrap_or(-1);
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare(&format!(
        "SELECT {SIGNAL_COLUMNS} FROM signaal WHERE {filter} ORDER BY nr LIMIT ?6 OFFSET ?7"
    ))?;
    let rows = stmt.query_map(
        params![
            run_id,
            q.thema.map(Thema::code),
            q.indicator,
            q.buurt,
            i64::from(q.verwonderadres),
            limit,
            offset
        ],
        signal_from_row,
    )?;
    let signals = rows.collect::<Result<Vec<_>, _>>()?;
    Ok((usize::try_from(total).unwrap_or(0), signals))
}

/// Every signal at one address, of every run still kept, oldest run first: index lookups on
/// `(run_id, vbo_id)`, one per run.
pub fn signals_at(conn: &Db, vbo_id: BagId) -> Result<Vec<Signal>> {
    // Sorted here, not in SQL: with an ORDER BY SQLite walks the run's `(run_id, nr)` index
    // instead, reading every signal of the run to find this address's few.
    let mut stmt = conn.prepare(&format!(
        "SELECT {SIGNAL_COLUMNS} FROM signaal
         WHERE run_id IN (SELECT run_id FROM scan_run) AND vbo_id = ?1"
    ))?;
    let rows = stmt.query_map(params![vbo_id.to_string()], signal_from_row)?;
    let mut signals = rows.collect::<Result<Vec<_>, _>>()?;
    signals.sort_by(|a, b| (&a.run_id, a.nr).cmp(&(&b.run_id, b.nr)));
    Ok(signals)
}

/// Every address with a signal in a kept run, with each of its signals' persons
/// (pseudonyms), once; an address whose signals name nobody (a building's energy use, say)
/// once without a person: what the address page's index is made for.
pub fn signal_persons(conn: &Db) -> Result<Vec<(BagId, Option<String>)>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT s.vbo_id, p.pseudoniem
         FROM signaal s LEFT JOIN signaal_persoon p ON p.run_id = s.run_id AND p.nr = s.nr
         WHERE s.run_id IN (SELECT run_id FROM scan_run)",
    )?;
    let rows = stmt.query_map([], |r| Ok((crate::kolom::vbo(r, 0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Adds the seal to the signals of a project of an earlier release and seals them as they are
/// (schema version 4).
pub fn seal_existing_signals(conn: &Db) -> Result<()> {
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'signaal')",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(());
    }
    if !sealed(conn)? {
        conn.execute_batch("ALTER TABLE signaal ADD COLUMN mac TEXT")?;
    }
    conn.execute_batch(&format!(
        "UPDATE signaal SET mac = loep_mac('signaal', {SIGNAL_COLUMNS}) WHERE mac IS NULL"
    ))?;
    Ok(())
}

/// Whether the signals have seals (a project of an earlier release, opened read-only, has
/// none yet).
fn sealed(conn: &Db) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('signaal') WHERE name = 'mac')",
        [],
        |r| r.get(0),
    )?)
}

/// One signal by its id `RUN/NR`, checked against its seal: identities are asked for, shown
/// and taken into cases by this signal's persons and address, so a signal changed outside
/// loep is refused (and the privacy officer's `loep log verify` names it).
pub fn signal(conn: &Db, id: &str) -> Result<Option<Signal>> {
    let (run_id, nr) = signal_key(id)?;
    // The seal first: a signal changed outside loep is refused as such, whatever it now holds
    // (a list that no longer reads, say).
    if sealed(conn)? {
        let intact: Option<bool> = conn
            .query_row(
                &format!(
                    "SELECT mac IS loep_mac('signaal', {SIGNAL_COLUMNS}) FROM signaal WHERE run_id = ?1 AND nr = ?2"
                ),
                params![run_id, nr],
                |r| r.get(0),
            )
            .optional()?;
        if intact == Some(false) {
            return Err(crate::integrity::tampered(&format!("signaal {id}")));
        }
    }
    signal_unchecked(conn, id)
}

/// [`signal`], and its run still holds the signals its certificate names
/// ([`crate::certificaat::check_run`]): where identities are asked for or shown, and where a
/// case is opened from a signal.
pub fn certified_signal(conn: &Db, id: &str) -> Result<Option<Signal>> {
    let found = signal(conn, id)?;
    if let Some(s) = &found {
        crate::certificaat::check_run(conn, &s.run_id)?;
    }
    Ok(found)
}

/// The signals that no longer match their seal, as problems (for `loep log verify`).
pub fn tampered_signals(conn: &Db) -> Result<Vec<String>> {
    if !sealed(conn)? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT run_id || '/' || nr FROM signaal WHERE mac IS NOT loep_mac('signaal', {SIGNAL_COLUMNS})"
    ))?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|id| {
        Ok(format!(
            "signaal {} is buiten loep om gewijzigd (klopt niet meer met het zegel)",
            id?
        ))
    })
    .collect()
}

/// The run and number of the signal `RUN/NR`.
fn signal_key(id: &str) -> Result<(&str, i64)> {
    let Some((run_id, nr)) = id.rsplit_once('/') else {
        return Err(crate::Problem::with_next(
            crate::ProblemKind::Invalid,
            crate::Vervolg::Overzicht(crate::Overzicht::Signalen),
            format!("'{id}' is geen kenmerk van een signaal; die zien eruit als S0001-1a2b3c4d/17"),
        ));
    };
    let Ok(nr) = nr.parse::<i64>() else {
        crate::invalid!("'{id}' is geen kenmerk van een signaal: '{nr}' is geen getal");
    };
    Ok((run_id, nr))
}

fn signal_unchecked(conn: &Db, id: &str) -> Result<Option<Signal>> {
    let (run_id, nr) = signal_key(id)?;
    Ok(conn
        .query_row(
            &format!("SELECT {SIGNAL_COLUMNS} FROM signaal WHERE run_id = ?1 AND nr = ?2"),
            params![run_id, nr],
            signal_from_row,
        )
        .optional()?)
}

/// Every signal (of any run) that involves the person with this pseudonym: an index lookup
/// in `signaal_persoon`.
pub fn signals_of_person(conn: &Db, pseudoniem: &str) -> Result<Vec<Signal>> {
    let cols = SIGNAL_COLUMNS
        .split(", ")
        .map(|c| format!("s.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    // The index is a copy: only a signal that names the person itself counts (the signal is
    // sealed, the index is not).
    let names = lijst::contains_sql("s.pseudoniemen", "p.pseudoniem");
    let mut stmt = conn.prepare(&format!(
        "SELECT {cols} FROM signaal_persoon p JOIN signaal s ON s.run_id = p.run_id AND s.nr = p.nr
         WHERE p.pseudoniem = ?1 AND {names}
         ORDER BY s.run_id, s.nr"
    ))?;
    let rows = stmt.query_map(params![pseudoniem], signal_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

const PROFILE_COLUMNS: &str =
    "run_id, rang, vbo_id, buurtcode, themas, partners, verwonderadres, signalen, sterkte";

pub fn profiles(conn: &Db, run_id: &str) -> Result<Vec<AddressProfile>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {PROFILE_COLUMNS} FROM adresprofiel WHERE run_id = ?1 ORDER BY rang"
    ))?;
    let rows = stmt.query_map(params![run_id], profile_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The profile of one address in a run: an index lookup on `(run_id, vbo_id)`.
pub fn profile_at(conn: &Db, run_id: &str, vbo_id: BagId) -> Result<Option<AddressProfile>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {PROFILE_COLUMNS} FROM adresprofiel WHERE run_id = ?1 AND vbo_id = ?2"
            ),
            params![run_id, vbo_id.to_string()],
            profile_from_row,
        )
        .optional()?)
}

fn profile_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AddressProfile> {
    Ok(AddressProfile {
        run_id: r.get(0)?,
        rang: r.get(1)?,
        vbo_id: crate::kolom::vbo(r, 2)?,
        buurtcode: r.get(3)?,
        themas: themas_in(lijst::column(r, 4)?, 4)?,
        partners: partners_in(lijst::column(r, 5)?, 5)?,
        verwonderadres: r.get(6)?,
        signalen: r.get(7)?,
        sterkte: r.get(8)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `n`th made-up verblijfsobject id.
    fn vbo(n: i64) -> String {
        format!("039201{n:010}")
    }

    fn signal(nr: i64, indicator: &str, thema: &str, vbo: &str, buurt: &str) -> Signal {
        Signal {
            run_id: "S0001-x".into(),
            nr,
            indicator: indicator.into(),
            versie: 1,
            thema: Thema::parse(thema).unwrap(),
            vbo_id: BagId::vbo(vbo).unwrap(),
            buurtcode: Some(buurt.into()),
            pseudoniemen: vec![format!("p{nr}")],
            feiten: BTreeMap::new(),
            uitleg: format!("uitleg {nr}"),
            sterkte: 1.0,
            partners: vec![Partner::Gemeente],
        }
    }

    #[test]
    fn a_page_of_signals_is_filtered_and_counted_in_sqlite() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
        conn.execute_batch(crate::project::SCHEMA).unwrap();
        conn.execute_batch(crate::certificaat::SCHEMA).unwrap();
        let signals: Vec<Signal> = (1..=250)
            .map(|nr| {
                let (ind, thema) = if nr % 5 == 0 {
                    ("OVB-01", "overbewoning")
                } else {
                    ("ADF-01", "adresfraude")
                };
                let vbo = vbo(nr / 2);
                signal(
                    nr,
                    ind,
                    thema,
                    &vbo,
                    if nr % 2 == 0 { "BU1" } else { "BU2" },
                )
            })
            .collect();
        let run = ScanRun {
            run_id: "S0001-x".into(),
            tijdstip: "2026-06-15T10:00:00Z".into(),
            indicatoren: "[]".into(),
            bronnen: "{}".into(),
            signalen: 250,
            adressen: 126,
        };
        let profiles = vec![AddressProfile {
            run_id: "S0001-x".into(),
            rang: 1,
            vbo_id: BagId::vbo(&vbo(5)).unwrap(),
            buurtcode: Some("BU1".into()),
            themas: vec![],
            partners: vec![],
            verwonderadres: true,
            signalen: 2,
            sterkte: 1.0,
        }];
        let tx = conn.transaction().unwrap();
        let c = crate::certificaat::Certificaat::new(&run, &signals).unwrap();
        insert_run(TxDb::of(&tx), &run, &signals, &profiles, &c).unwrap();
        tx.commit().unwrap();

        // A signal is sealed: changed outside loep (another person added, its persons in a
        // form loep does not write, another address), it is refused where identities or cases
        // are taken from it, and listed.
        assert!(super::signal(Db::of(&conn), "S0001-x/7").unwrap().is_some());
        assert_eq!(
            super::signal(Db::of(&conn), "S0001-x/7")
                .unwrap()
                .unwrap()
                .pseudoniemen,
            ["p7"]
        );
        assert!(tampered_signals(Db::of(&conn)).unwrap().is_empty());
        for edit in [
            "UPDATE signaal SET pseudoniemen = json_insert(pseudoniemen, '$[#]', 'doelwit') WHERE nr = 7",
            "UPDATE signaal SET pseudoniemen = 'p6,doelwit' WHERE nr = 6",
            "UPDATE signaal SET vbo_id = '0392010000009999' WHERE nr = 8",
            "UPDATE signaal SET vbo_id = '0392100000000004' WHERE nr = 9",
        ] {
            conn.execute_batch(edit).unwrap();
        }
        for id in ["S0001-x/7", "S0001-x/6", "S0001-x/8", "S0001-x/9"] {
            let e = super::signal(Db::of(&conn), id).unwrap_err();
            assert!(e.to_string().contains("buiten loep om gewijzigd"), "{e}");
        }
        assert_eq!(tampered_signals(Db::of(&conn)).unwrap().len(), 4);
        // A pand's id where a verblijfsobject's belongs does not read as a signal.
        assert!(signal_unchecked(Db::of(&conn), "S0001-x/9").is_err());
        // The run's stored signals are no longer the certified ones (the unreadable one
        // among them), rather than unreadable.
        let (n, digest) = crate::certificaat::stored_digest(Db::of(&conn), "S0001-x").unwrap();
        assert_eq!(n, 250);
        assert_ne!(digest, c.signalen_sha256);
        assert!(
            super::signal(Db::of(&conn), "S0001-x/11")
                .unwrap()
                .is_some()
        );
        conn.execute_batch(
            r#"UPDATE signaal SET pseudoniemen = '["p7"]', vbo_id = '0392010000000003' WHERE nr IN (7, 8);
             UPDATE signaal SET pseudoniemen = '["p8"]' WHERE nr = 8;
             UPDATE signaal SET pseudoniemen = '["p6"]' WHERE nr = 6;
             UPDATE signaal SET vbo_id = '0392010000000004' WHERE nr IN (8, 9);"#,
        )
        .unwrap();
        assert!(
            tampered_signals(Db::of(&conn)).unwrap().is_empty(),
            "restored"
        );
        assert_eq!(
            crate::certificaat::stored_digest(Db::of(&conn), "S0001-x").unwrap(),
            (250, c.signalen_sha256.clone())
        );

        let all = SignalQuery::default();
        let (total, page) = signals_page(Db::of(&conn), "S0001-x", &all, 100, 50).unwrap();
        assert_eq!(total, 250);
        assert_eq!(
            page.iter().map(|s| s.nr).collect::<Vec<_>>(),
            (101..=150).collect::<Vec<_>>()
        );
        let (_, rest) = signals_page(Db::of(&conn), "S0001-x", &all, 0, usize::MAX).unwrap();
        assert_eq!(rest.len(), 250);

        let ovb = SignalQuery {
            indicator: Some("ovb-01".into()),
            ..Default::default()
        };
        let (total, page) = signals_page(Db::of(&conn), "S0001-x", &ovb, 0, 10).unwrap();
        assert_eq!(total, 50);
        assert!(page.iter().all(|s| s.indicator == "OVB-01"));
        assert_eq!(page[0].nr, 5);

        let buurt = SignalQuery {
            thema: Some(Thema::Adresfraude),
            buurt: Some("BU2".into()),
            ..Default::default()
        };
        let (total, _) = signals_page(Db::of(&conn), "S0001-x", &buurt, 0, 10).unwrap();
        assert_eq!(total, 100, "odd and not a multiple of 5");

        let verwonder = SignalQuery {
            verwonderadres: true,
            ..Default::default()
        };
        let (total, page) = signals_page(Db::of(&conn), "S0001-x", &verwonder, 0, 10).unwrap();
        assert_eq!(total, 2);
        assert_eq!(page.iter().map(|s| s.nr).collect::<Vec<_>>(), [10, 11]);
        let id = |n| BagId::vbo(&vbo(n)).unwrap();
        let p = profile_at(Db::of(&conn), "S0001-x", id(5)).unwrap();
        assert_eq!(p.map(|p| p.rang), Some(1));
        assert_eq!(profile_at(Db::of(&conn), "S0001-x", id(6)).unwrap(), None);
        // Another run's signals never show.
        let (total, _) = signals_page(Db::of(&conn), "S0002-y", &all, 0, 10).unwrap();
        assert_eq!(total, 0);
    }

    #[test]
    fn the_queue_lists_each_matching_address_once_in_rank_order() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
        conn.execute_batch(crate::project::SCHEMA).unwrap();
        conn.execute_batch(crate::certificaat::SCHEMA).unwrap();
        // Three addresses; the one ranked first has two signals, one of them overcrowding.
        let (a, b, c) = ("0392010000000001", "0392010000000002", "0392010000000003");
        let signals = vec![
            signal(1, "ADF-01", "adresfraude", a, "BU1"),
            signal(2, "HJM-01", "huisjesmelkerij", b, "BU1"),
            signal(3, "OVB-01", "overbewoning", b, "BU1"),
            signal(4, "OVB-01", "overbewoning", c, "BU2"),
        ];
        let profile = |vbo: &str, rang: i64| AddressProfile {
            run_id: "S0001-x".into(),
            rang,
            vbo_id: BagId::vbo(vbo).unwrap(),
            buurtcode: None,
            themas: vec![],
            partners: vec![],
            verwonderadres: rang == 1,
            signalen: 1,
            sterkte: 1.0,
        };
        let run = ScanRun {
            run_id: "S0001-x".into(),
            tijdstip: "2026-06-15T10:00:00Z".into(),
            indicatoren: "[]".into(),
            bronnen: "{}".into(),
            signalen: 4,
            adressen: 3,
        };
        let tx = conn.transaction().unwrap();
        let cert = crate::certificaat::Certificaat::new(&run, &signals).unwrap();
        insert_run(
            TxDb::of(&tx),
            &run,
            &signals,
            &[profile(b, 1), profile(c, 2), profile(a, 3)],
            &cert,
        )
        .unwrap();
        tx.commit().unwrap();
        let q = |thema: Option<&str>, buurt: Option<&str>, verwonderadres: bool| SignalQuery {
            thema: thema.map(|t| Thema::parse(t).unwrap()),
            buurt: buurt.map(str::to_string),
            verwonderadres,
            ..Default::default()
        };
        let ranked = |query| -> Vec<String> {
            ranked_addresses(Db::of(&conn), "S0001-x", &query)
                .unwrap()
                .iter()
                .map(BagId::to_string)
                .collect()
        };
        assert_eq!(ranked(q(None, None, false)), [b, c, a]);
        assert_eq!(ranked(q(Some("overbewoning"), None, false)), [b, c]);
        assert_eq!(ranked(q(Some("overbewoning"), Some("BU2"), false)), [c]);
        assert_eq!(ranked(q(None, None, true)), [b]);
        assert!(
            ranked_addresses(Db::of(&conn), "S0002-y", &SignalQuery::default())
                .unwrap()
                .is_empty()
        );
    }
}
