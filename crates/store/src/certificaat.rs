//! Run certificates: what a scan read, which indicators it ran with which parameters, and a
//! digest of everything it found, drawn up by the scan in the transaction that stores the
//! run, sealed with the project's integrity key and named (by its SHA-256) in the scan's
//! record of the keyed processing log. An auditor keeps the certificate; `loep run
//! verifieer` recomputes the run from the snapshots it names and must arrive at the same
//! digest, and a request for identities or a case checks the stored signals of its run
//! against it, so that a signal added, removed or edited after the scan reveals no one.

use crate::db::{Db, TxDb};
use anyhow::{Context, Result};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

use crate::scan::Signal;

/// The certificate format this release writes.
pub const FORMAAT: u32 = 1;

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS run_certificaat (
    run_id TEXT PRIMARY KEY REFERENCES scan_run(run_id),
    inhoud TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    -- When the retention period destroyed the run's signals (the certificate stays).
    vernietigd TEXT,
    mac TEXT
);";

/// Creates the table, or gives the table of the first release with certificates (schema 5)
/// its `vernietigd` column.
pub(crate) fn create_schema(conn: &Db) -> Result<()> {
    conn.execute_batch(SCHEMA)?;
    let has: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('run_certificaat') WHERE name = 'vernietigd')",
        [],
        |r| r.get(0),
    )?;
    if !has {
        conn.execute_batch("ALTER TABLE run_certificaat ADD COLUMN vernietigd TEXT")?;
    }
    Ok(())
}

/// Seals again, over the destruction marker too, the certificates that release sealed without
/// it (those that still match that seal; schema version 6).
pub(crate) fn reseal_first_release(conn: &Db) -> Result<()> {
    if table_exists(conn)? {
        conn.execute_batch(
            "UPDATE run_certificaat
             SET mac = loep_mac('run_certificaat', run_id, inhoud, sha256, vernietigd)
             WHERE vernietigd IS NULL AND mac IS loep_mac('run_certificaat', run_id, inhoud, sha256)",
        )?;
    }
    Ok(())
}

/// What a scan run rests on and found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Certificaat {
    pub formaat: u32,
    pub run_id: String,
    pub tijdstip: String,
    /// The project's processing activity (its register entry).
    pub verwerkingsactiviteit: String,
    /// The release of loep that ran the scan.
    pub loep_versie: String,
    /// SHA-256 over the published catalogue's files (name and text, in name order); `None`
    /// for a certificate drawn up afterwards for a run of an earlier release.
    pub catalogus_sha256: Option<String>,
    /// Every table the run read, with the file it read and that file's SHA-256.
    pub bronnen: Vec<Bron>,
    /// Every indicator of the project, whether it ran or not, with its parameters.
    pub indicatoren: Vec<IndicatorRun>,
    /// The partners of the team (they decide the ranking of the addresses).
    pub partners: Vec<String>,
    pub signalen: u64,
    pub adressen: u64,
    /// SHA-256 over the SHA-256 of every signal in its order (see [`signal_digest`]).
    pub signalen_sha256: String,
    /// Drawn up when the project was upgraded to a release with certificates, from the
    /// sealed signals as they were then: the sources' hashes are not known.
    #[serde(default)]
    pub achteraf: bool,
}

/// One source of a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Bron {
    /// The contract table (or `koppeling_persoon`, `koppeling_adres`, `burgermelding`).
    pub tabel: String,
    /// The snapshot, linkage run or register state the file belongs to.
    pub id: String,
    /// The file, relative to the project directory.
    pub pad: String,
    /// SHA-256 of the file as the run read it.
    pub sha256: Option<String>,
    /// SHA-256 of the file the partner delivered, for a snapshot of a delivery.
    pub geleverd_sha256: Option<String>,
}

/// What one indicator did in a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IndicatorRun {
    pub code: String,
    pub versie: u32,
    pub thema: String,
    /// SHA-256 of the indicator's definition in the catalogue.
    pub definitie_sha256: Option<String>,
    pub parameters: BTreeMap<String, f64>,
    pub signalen: u64,
    /// Why it did not run, when it did not.
    pub niet_gedraaid: Option<String>,
    /// The optional tables it ran without (no partner delivered them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zonder: Vec<String>,
}

impl Certificaat {
    /// The least a certificate says: the run, its signals' number and digest, this release.
    /// The scan adds what it read and ran ([`Certificaat::bronnen`], [`Certificaat::indicatoren`]).
    pub fn new(run: &crate::scan::ScanRun, signals: &[Signal]) -> Result<Certificaat> {
        Ok(Certificaat {
            formaat: FORMAAT,
            run_id: run.run_id.clone(),
            tijdstip: run.tijdstip.clone(),
            verwerkingsactiviteit: String::new(),
            loep_versie: env!("CARGO_PKG_VERSION").to_string(),
            catalogus_sha256: None,
            bronnen: Vec::new(),
            indicatoren: Vec::new(),
            partners: Vec::new(),
            signalen: signals.len() as u64,
            adressen: run.adressen.max(0) as u64,
            signalen_sha256: signal_digest(signals)?,
            achteraf: false,
        })
    }

    /// The certificate as stored and as its SHA-256 is taken: compact JSON, fields in order.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string(self)?)
    }
}

/// SHA-256 of one signal: of its JSON (every field, in order; the facts in name order).
pub fn signal_hash(s: &Signal) -> Result<[u8; 32]> {
    Ok(Sha256::digest(serde_json::to_vec(s)?).into())
}

/// The digest of a run's signals in their order: SHA-256 over each signal's SHA-256.
pub fn signal_digest<'a>(signals: impl IntoIterator<Item = &'a Signal>) -> Result<String> {
    let mut h = Sha256::new();
    for s in signals {
        h.update(signal_hash(s)?);
    }
    Ok(hex::encode(h.finalize()))
}

/// The digest of a run's signals as the store holds them now, and their number. A signal that
/// cannot be read (a list or its facts changed outside loep into something loep does not
/// write) counts with a hash no signal has: the run then differs from its certificate.
pub fn stored_digest(conn: &Db, run_id: &str) -> Result<(u64, String)> {
    stored_digest_in(conn, run_id, crate::lijst::Format::Json)
}

/// [`stored_digest`] over signals whose lists are stored in `format` (the comma-joined form
/// while a store of an earlier release is migrated: [`certify_existing`]).
fn stored_digest_in(
    conn: &Db,
    run_id: &str,
    format: crate::lijst::Format,
) -> Result<(u64, String)> {
    let mut h = Sha256::new();
    let mut n = 0u64;
    crate::scan::for_each_stored_signal(conn, run_id, format, |s| {
        match s {
            Some(s) => h.update(signal_hash(s)?),
            None => h.update([0u8; 32]),
        }
        n += 1;
        Ok(())
    })?;
    Ok((n, hex::encode(h.finalize())))
}

/// Stores a run's certificate, sealed; returns its SHA-256 (for the scan's log record).
pub(crate) fn insert(tx: &TxDb, c: &Certificaat) -> Result<String> {
    let inhoud = c.to_json()?;
    let sha = hex::encode(Sha256::digest(inhoud.as_bytes()));
    tx.execute(
        "INSERT INTO run_certificaat (run_id, inhoud, sha256, mac)
         VALUES (?1, ?2, ?3, loep_mac('run_certificaat', ?1, ?2, ?3, NULL))",
        params![c.run_id, inhoud, sha],
    )?;
    Ok(sha)
}

fn table_exists(conn: &Db) -> Result<bool> {
    crate::integrity::table_exists(conn, "run_certificaat")
}

/// A run's certificate as stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub certificaat: Certificaat,
    /// The certificate's text exactly as stored (its SHA-256 is [`Stored::sha256`]).
    pub inhoud: String,
    pub sha256: String,
    /// When the retention period destroyed the run's signals.
    pub vernietigd: Option<String>,
}

impl Stored {
    /// Whether the signals stored now are those the certificate names (none, after their
    /// destruction); `None` when they are, else how they differ, in words.
    pub fn differs(&self, conn: &Db) -> Result<Option<String>> {
        let (n, digest) = stored_digest(conn, &self.certificaat.run_id)?;
        Ok(match &self.vernietigd {
            Some(_) if n == 0 => None,
            Some(when) => Some(format!(
                "de signalen zijn op {when} vernietigd volgens de bewaartermijn, maar er zijn er nu {n}"
            )),
            None if n == self.certificaat.signalen
                && digest == self.certificaat.signalen_sha256 =>
            {
                None
            }
            None => Some(difference(n, self.certificaat.signalen)),
        })
    }
}

/// A run's certificate, checked against its seal and its content's hash; `None` when the run
/// has none.
pub fn get(conn: &Db, run_id: &str) -> Result<Option<Stored>> {
    if !table_exists(conn)? {
        return Ok(None);
    }
    let row: Option<(String, String, Option<String>, bool)> = conn
        .query_row(
            "SELECT inhoud, sha256, vernietigd,
                    mac IS loep_mac('run_certificaat', run_id, inhoud, sha256, vernietigd)
             FROM run_certificaat WHERE run_id = ?1",
            params![run_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((inhoud, sha, vernietigd, sealed)) = row else {
        return Ok(None);
    };
    if !sealed || hex::encode(Sha256::digest(inhoud.as_bytes())) != sha {
        return Err(crate::integrity::tampered(&format!(
            "het certificaat van run {run_id}"
        )));
    }
    let c: Certificaat = serde_json::from_str(&inhoud)
        .with_context(|| format!("het certificaat van run {run_id} is onleesbaar"))?;
    if c.run_id != run_id {
        return Err(crate::integrity::tampered(&format!(
            "het certificaat van run {run_id}"
        )));
    }
    Ok(Some(Stored {
        certificaat: c,
        inhoud,
        sha256: sha,
        vernietigd,
    }))
}

/// Records in the certificate that the retention period destroyed the run's signals (in the
/// transaction that destroys them): from then on the run holds no signals, rightly.
pub(crate) fn destroyed(tx: &TxDb, run_id: &str, when: &str) -> Result<()> {
    if table_exists(tx)? {
        // Only over an intact row: the new seal must not bless a row changed outside loep.
        tx.execute(
            "UPDATE run_certificaat SET vernietigd = ?2,
                    mac = loep_mac('run_certificaat', run_id, inhoud, sha256, ?2)
             WHERE run_id = ?1
               AND mac IS loep_mac('run_certificaat', run_id, inhoud, sha256, vernietigd)",
            params![run_id, when],
        )?;
    }
    Ok(())
}

/// Checks that the signals of `run_id` are still those its certificate names: every request
/// for identities and every case from a signal passes here. A run without a certificate is
/// refused (every run has one: the scan draws it up, and the upgrade to certificates drew one
/// up for each earlier run).
pub fn check_run(conn: &Db, run_id: &str) -> Result<()> {
    if !table_exists(conn)? {
        // A project of an earlier release opened to read: it has no certificates yet (a
        // version set back by hand is refused when the project opens).
        return Ok(());
    }
    let refuse = |why: String| {
        Err(crate::Problem::alarm(format!(
            "geweigerd: {why}; er wordt niets met de signalen van run {run_id} gedaan. De functionaris gegevensbescherming moet dit onderzoeken"
        )))
    };
    let Some(stored) = get(conn, run_id)? else {
        return refuse(format!(
            "run {run_id} heeft geen certificaat meer (het is buiten loep om verwijderd)"
        ));
    };
    let logged = logged(conn, run_id)?;
    if let Some(why) = against_log(&stored, &logged) {
        return refuse(why);
    }
    if let Some(how) = stored.differs(conn)? {
        return refuse(format!(
            "de signalen van run {run_id} zijn niet meer die van haar certificaat ({how})"
        ));
    }
    Ok(())
}

/// What the keyed processing log says about a run: the SHA-256 of the certificate its scan
/// named, and whether retention destroyed its signals.
pub struct Logged {
    pub certificaat: Option<String>,
    pub vernietigd: bool,
}

/// [`Logged`] for one run (two lookups by the log's index on the record's name).
pub fn logged(conn: &Db, run_id: &str) -> Result<Logged> {
    let certificaat: Option<String> = conn
        .query_row(
            "SELECT json_extract(attributes, '$.certificaat') FROM verwerkingslog
             WHERE name = 'scan' AND json_valid(attributes)
               AND json_extract(attributes, '$.run_id') = ?1
             ORDER BY seq DESC LIMIT 1",
            params![run_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let vernietigd: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM verwerkingslog
                        WHERE name = 'bewaartermijn.vernietiging' AND json_valid(attributes)
                          AND json_extract(attributes, '$.soort') = 'signalen:' || ?1)",
        params![run_id],
        |r| r.get(0),
    )?;
    Ok(Logged {
        certificaat,
        vernietigd,
    })
}

/// How a stored certificate disagrees with the log, in words; `None` when it agrees. An older
/// copy of a certificate row (before its run's destruction) or one certified again after the
/// schema version was set back passes its seal, but not the log.
pub fn against_log(stored: &Stored, logged: &Logged) -> Option<String> {
    let run = &stored.certificaat.run_id;
    match &logged.certificaat {
        Some(sha) if *sha != stored.sha256 => {
            return Some(format!(
                "het certificaat van run {run} is niet het certificaat dat het verwerkingslog noemt"
            ));
        }
        None if !stored.certificaat.achteraf => {
            return Some(format!(
                "het verwerkingslog noemt geen certificaat voor run {run}"
            ));
        }
        _ => {}
    }
    if logged.vernietigd && stored.vernietigd.is_none() {
        return Some(format!(
            "de signalen van run {run} zijn volgens het verwerkingslog vernietigd, maar haar certificaat zegt van niet"
        ));
    }
    None
}

/// How the stored signals differ from the certified ones, in words.
pub fn difference(now: u64, certified: u64) -> String {
    if now == certified {
        format!("de {now} signalen zijn er, maar ten minste één is na de scan gewijzigd")
    } else {
        format!(
            "{now} signalen nu, {certified} volgens het certificaat: er zijn signalen toegevoegd of verwijderd"
        )
    }
}

/// Problems with the certificates: a certificate whose seal or hash does not hold, a run
/// without one, a certificate the log does not name as its scan's or whose run the log says
/// was destroyed; with `signals`, also stored signals that differ from their certificate (for
/// `loep log verify`; a writer's check leaves that to the uses of a signal).
pub fn problems(conn: &Db, signals: bool) -> Result<Vec<String>> {
    if !table_exists(conn)? {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    // The log first: a scan that commits meanwhile is then in the store too.
    let logged_runs = crate::log::scan_certificates(conn)?;
    let runs: Vec<String> = {
        let mut stmt = conn.prepare("SELECT run_id FROM scan_run ORDER BY run_id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for run in &runs {
        match get(conn, run) {
            Ok(Some(stored)) => {
                if let Some(why) = against_log(&stored, &logged(conn, run)?) {
                    out.push(why);
                }
                if signals && let Some(how) = stored.differs(conn)? {
                    out.push(format!(
                        "de signalen van run {run} zijn niet meer die van haar certificaat: {how}"
                    ));
                }
            }
            Ok(None) => out.push(format!("run {run} heeft geen certificaat")),
            Err(e) => out.push(format!("{e:#}")),
        }
    }
    for run in logged_runs.keys() {
        if !runs.contains(run) {
            out.push(format!(
                "run {run} staat in het verwerkingslog maar is niet meer in de opslag"
            ));
        }
    }
    Ok(out)
}

/// Draws up a certificate for every run of an earlier release (schema version 5): from its
/// stored signals and what the run recorded, marked `achteraf`.
pub(crate) fn certify_existing(tx: &TxDb) -> Result<()> {
    let runs: Vec<(String, String, String, String, i64)> = {
        let mut stmt = tx.prepare(
            "SELECT run_id, tijdstip, indicatoren, bronnen, adressen FROM scan_run
             WHERE run_id NOT IN (SELECT run_id FROM run_certificaat)",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    for (run_id, tijdstip, indicatoren, bronnen, adressen) in runs {
        // A run whose scan named a certificate had one: it was removed, and is not made again
        // (the run stays refused until the privacy officer has looked).
        if logged(tx, &run_id)?.certificaat.is_some() {
            continue;
        }
        // Schema version 5: the signals' lists are still joined with commas (version 8 makes
        // them JSON), and read as that release read them, so that the digest is the one its
        // signals had.
        let (n, digest) = stored_digest_in(tx, &run_id, crate::lijst::Format::Commas)?;
        let bronnen: BTreeMap<String, String> = serde_json::from_str(&bronnen).unwrap_or_default();
        let indicatoren: Vec<serde_json::Value> =
            serde_json::from_str(&indicatoren).unwrap_or_default();
        let c = Certificaat {
            formaat: FORMAAT,
            run_id: run_id.clone(),
            tijdstip,
            verwerkingsactiviteit: String::new(),
            loep_versie: String::new(),
            catalogus_sha256: None,
            bronnen: bronnen
                .into_iter()
                .map(|(tabel, id)| {
                    let (pad, geleverd_sha256) = file_of(tx, &tabel, &id);
                    Bron {
                        tabel,
                        id,
                        pad,
                        sha256: None,
                        geleverd_sha256,
                    }
                })
                .collect(),
            indicatoren: indicatoren
                .iter()
                .map(|i| IndicatorRun {
                    code: i["code"].as_str().unwrap_or_default().to_string(),
                    versie: i["versie"].as_u64().unwrap_or_default() as u32,
                    thema: i["thema"].as_str().unwrap_or_default().to_string(),
                    definitie_sha256: None,
                    parameters: serde_json::from_value(i["parameters"].clone()).unwrap_or_default(),
                    signalen: i["signalen"].as_u64().unwrap_or_default(),
                    niet_gedraaid: i["niet_gedraaid"].as_str().map(str::to_string),
                    zonder: serde_json::from_value(i["zonder"].clone()).unwrap_or_default(),
                })
                .collect(),
            partners: Vec::new(),
            signalen: n,
            adressen: adressen as u64,
            signalen_sha256: digest,
            achteraf: true,
        };
        insert(tx, &c)?;
        let when: Option<String> = tx
            .query_row(
                "SELECT MAX(tijdstip) FROM vernietiging WHERE soort = 'signalen:' || ?1",
                params![run_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        if let Some(when) = when {
            destroyed(tx, &run_id, &when)?;
        }
    }
    Ok(())
}

/// The file a run of an earlier release read for `tabel` (a snapshot's or the linkage's), and
/// the delivered file's hash: empty when the store no longer knows it.
fn file_of(conn: &Db, tabel: &str, id: &str) -> (String, Option<String>) {
    let column = match tabel {
        "koppeling_persoon" => "pad_personen",
        "koppeling_adres" => "pad_adressen",
        _ => {
            return conn
                .query_row(
                    "SELECT pad, inhoud_sha256 FROM snapshot WHERE snapshot_id = ?1",
                    params![id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap_or_default();
        }
    };
    let pad = conn
        .query_row(
            &format!("SELECT {column} FROM koppeling WHERE koppeling_id = ?1"),
            params![id],
            |r| r.get(0),
        )
        .unwrap_or_default();
    (pad, None)
}
