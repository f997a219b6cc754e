//! The register of deliveries: each delivery, the snapshots it made of each table, the rows
//! carried over and the rejects; the linkage runs over those snapshots; and the project's
//! status drawn from them. (Not the indicator catalogue: that is `loep_scan::catalogue`.)

use crate::db::{Db, TxDb};
use anyhow::Result;
use loep_contract::BagId;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::project::{Approval, Project};

#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub snapshot_id: String,
    pub levering_id: String,
    pub tabel: String,
    pub bestand: String,
    pub inhoud_sha256: String,
    pub rijen_gelezen: i64,
    pub rijen_geladen: i64,
    pub rijen_afgewezen: i64,
    pub rijen_buiten_gebied: i64,
    /// Relative to the project directory.
    pub pad: String,
    /// The keys this snapshot adds to the project's scope (objects, persons, owners,
    /// registrations), also those of rows that were rejected for another value; relative to
    /// the project directory. Only for tables that define scope.
    pub scope_pad: Option<String>,
    pub tijdstip: String,
}

const SNAPSHOT_COLUMNS: &str =
    "snapshot_id, levering_id, tabel, bestand, inhoud_sha256, rijen_gelezen, rijen_geladen,
    rijen_afgewezen, rijen_buiten_gebied, pad, tijdstip, scope_pad";

fn snapshot_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Snapshot> {
    Ok(Snapshot {
        snapshot_id: r.get(0)?,
        levering_id: r.get(1)?,
        tabel: r.get(2)?,
        bestand: r.get(3)?,
        inhoud_sha256: r.get(4)?,
        rijen_gelezen: r.get(5)?,
        rijen_geladen: r.get(6)?,
        rijen_afgewezen: r.get(7)?,
        rijen_buiten_gebied: r.get(8)?,
        pad: r.get(9)?,
        tijdstip: r.get(10)?,
        scope_pad: r.get(11)?,
    })
}

/// The current snapshot of a table: the newest one. Older snapshots stay addressable by id.
pub fn current_snapshot(conn: &Db, table: &str) -> Result<Option<Snapshot>> {
    Ok(conn
        .query_row(
            &format!("SELECT {SNAPSHOT_COLUMNS} FROM snapshot WHERE tabel = ?1 ORDER BY rowid DESC LIMIT 1"),
            params![table],
            snapshot_from_row,
        )
        .optional()?)
}

pub fn all_snapshots(conn: &Db) -> Result<Vec<Snapshot>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SNAPSHOT_COLUMNS} FROM snapshot ORDER BY rowid"
    ))?;
    let rows = stmt.query_map([], snapshot_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// A new delivery id: `L0001-1a2b3c4d`, numbered in order of arrival.
pub fn new_delivery_id(conn: &Db) -> Result<String> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM levering", [], |r| r.get(0))?;
    Ok(format!(
        "L{:04}-{}",
        n + 1,
        &crate::log::new_operation_id()[..8]
    ))
}

pub struct NewDelivery<'a> {
    pub levering_id: &'a str,
    pub partner: Option<&'a str>,
    pub peildatum: Option<&'a str>,
    pub map: &'a str,
    pub tijdstip: &'a str,
    pub tabellen_nieuw: i64,
    pub tabellen_ongewijzigd: i64,
}

pub fn insert_delivery(tx: &TxDb, d: &NewDelivery<'_>) -> Result<()> {
    tx.execute(
        "INSERT INTO levering (levering_id, partner, peildatum, map, tijdstip, tabellen_nieuw, tabellen_ongewijzigd)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![d.levering_id, d.partner, d.peildatum, d.map, d.tijdstip, d.tabellen_nieuw, d.tabellen_ongewijzigd],
    )?;
    Ok(())
}

pub fn insert_snapshot(tx: &TxDb, s: &Snapshot) -> Result<()> {
    tx.execute(
        &format!("INSERT INTO snapshot ({SNAPSHOT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
        params![
            s.snapshot_id,
            s.levering_id,
            s.tabel,
            s.bestand,
            s.inhoud_sha256,
            s.rijen_gelezen,
            s.rijen_geladen,
            s.rijen_afgewezen,
            s.rijen_buiten_gebied,
            s.pad,
            s.tijdstip,
            s.scope_pad
        ],
    )?;
    Ok(())
}

/// One run of the linkage over the project's current snapshots: which source records belong
/// to which person pseudonym (`pad_personen`) and which free-text addresses to which object
/// (`pad_adressen`); both pseudonymous, relative to the project directory.
#[derive(Debug, Clone, Serialize)]
pub struct Koppeling {
    pub koppeling_id: String,
    pub tijdstip: String,
    /// The snapshots it linked, as JSON: table → snapshot id.
    pub bronnen: String,
    pub pad_personen: String,
    pub pad_adressen: String,
    /// Counts per source, as JSON.
    pub samenvatting: String,
}

pub fn insert_koppeling(tx: &TxDb, k: &Koppeling) -> Result<()> {
    tx.execute(
        "INSERT INTO koppeling (koppeling_id, tijdstip, bronnen, pad_personen, pad_adressen, samenvatting)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![k.koppeling_id, k.tijdstip, k.bronnen, k.pad_personen, k.pad_adressen, k.samenvatting],
    )?;
    Ok(())
}

/// The newest linkage run.
pub fn current_koppeling(conn: &Db) -> Result<Option<Koppeling>> {
    Ok(conn
        .query_row(
            "SELECT koppeling_id, tijdstip, bronnen, pad_personen, pad_adressen, samenvatting
             FROM koppeling ORDER BY rowid DESC LIMIT 1",
            [],
            |r| {
                Ok(Koppeling {
                    koppeling_id: r.get(0)?,
                    tijdstip: r.get(1)?,
                    bronnen: r.get(2)?,
                    pad_personen: r.get(3)?,
                    pad_adressen: r.get(4)?,
                    samenvatting: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// A new linkage run id: `K0001-1a2b3c4d`.
pub fn new_koppeling_id(conn: &Db) -> Result<String> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM koppeling", [], |r| r.get(0))?;
    Ok(format!(
        "K{:04}-{}",
        n + 1,
        &crate::log::new_operation_id()[..8]
    ))
}

/// A row of a snapshot carried over from the previous one: its new row (at `regel` of the
/// delivered file) was rejected, so the previous row stays in force.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CarriedRow {
    pub snapshot_id: String,
    pub tabel: String,
    pub regel: i64,
    /// The snapshot the row was taken from.
    pub uit_snapshot_id: String,
    /// The key as the analysis store holds it (a pseudonym shortened).
    pub sleutel: String,
    pub vbo_id: Option<BagId>,
    /// The person the row concerns, by pseudonym.
    pub pseudoniem: Option<String>,
}

pub fn insert_carried(tx: &TxDb, r: &CarriedRow) -> Result<()> {
    tx.execute(
        "INSERT INTO overgenomen_rij (snapshot_id, tabel, regel, uit_snapshot_id, sleutel, vbo_id, pseudoniem)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            r.snapshot_id,
            r.tabel,
            r.regel,
            r.uit_snapshot_id,
            r.sleutel,
            r.vbo_id.map(|v| v.to_string()),
            r.pseudoniem
        ],
    )?;
    Ok(())
}

/// The carried rows of the current snapshots that concern object `vbo_id` or one of
/// `persons` (pseudonyms), by table and line.
pub fn carried_for(conn: &Db, vbo_id: BagId, persons: &[String]) -> Result<Vec<CarriedRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.snapshot_id, o.tabel, o.regel, o.uit_snapshot_id, o.sleutel, o.vbo_id, o.pseudoniem
         FROM overgenomen_rij o
         WHERE o.snapshot_id = (SELECT s.snapshot_id FROM snapshot s WHERE s.tabel = o.tabel
                                ORDER BY s.rowid DESC LIMIT 1)
           AND (o.vbo_id = ?1 OR o.pseudoniem IN (SELECT value FROM json_each(?2)))
         ORDER BY o.tabel, o.regel",
    )?;
    let persons = serde_json::to_string(persons)?;
    let rows = stmt.query_map(params![vbo_id.to_string(), persons], |r| {
        Ok(CarriedRow {
            snapshot_id: r.get(0)?,
            tabel: r.get(1)?,
            regel: r.get(2)?,
            uit_snapshot_id: r.get(3)?,
            sleutel: r.get(4)?,
            vbo_id: crate::kolom::vbo_opt(r, 5)?,
            pseudoniem: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A rejected value. `waarde` here is already masked where the column identifies a person;
/// the full value goes to the vault (`vault.afwijzing`).
#[derive(Debug, Clone, Serialize)]
pub struct Reject {
    pub tabel: String,
    pub bestand: String,
    pub regel: u64,
    pub kolom: String,
    pub waarde: String,
    /// The stable machine code of the reason (e.g. `bsn_elfproef`); `reden` says it in Dutch.
    pub code: String,
    pub reden: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeliveryInfo {
    pub levering_id: String,
    pub partner: Option<String>,
    pub peildatum: Option<String>,
    pub map: String,
    pub tijdstip: String,
    pub snapshots: Vec<Snapshot>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableStatus {
    pub tabel: String,
    pub snapshot_id: String,
    /// Rows in force: those loaded from the delivered file and those carried over.
    pub rijen: i64,
    /// Of which carried over from the previous delivery (their new row was rejected).
    pub overgenomen: i64,
    pub afgewezen: i64,
    pub buiten_gebied: i64,
    pub oudere_snapshots: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectStatus {
    pub naam: String,
    pub gebied: Vec<String>,
    pub doel: String,
    pub grondslag: String,
    pub periode: (String, String),
    pub partners: Vec<String>,
    pub goedkeuring: Option<Approval>,
    pub leveringen: Vec<DeliveryInfo>,
    pub tabellen: Vec<TableStatus>,
    /// The current linkage run.
    pub koppeling: Option<Koppeling>,
    /// The scan runs, oldest first (their signals may have gone by retention).
    pub scans: Vec<crate::scan::ScanRun>,
    pub logregels: i64,
}

pub fn status(project: &Project) -> Result<ProjectStatus> {
    let conn = project.db();
    let snapshots = all_snapshots(conn)?;
    let mut stmt = conn.prepare(
        "SELECT levering_id, partner, peildatum, map, tijdstip FROM levering ORDER BY rowid",
    )?;
    let leveringen = stmt
        .query_map([], |r| {
            Ok(DeliveryInfo {
                levering_id: r.get(0)?,
                partner: r.get(1)?,
                peildatum: r.get(2)?,
                map: r.get(3)?,
                tijdstip: r.get(4)?,
                snapshots: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|mut d| {
            d.snapshots = snapshots
                .iter()
                .filter(|s| s.levering_id == d.levering_id)
                .cloned()
                .collect();
            d
        })
        .collect();
    let mut tabellen = Vec::new();
    for t in loep_contract::TABLES {
        let of_table: Vec<&Snapshot> = snapshots.iter().filter(|s| s.tabel == t.name).collect();
        if let Some(cur) = of_table.last() {
            let overgenomen: i64 = conn.query_row(
                "SELECT COUNT(*) FROM overgenomen_rij WHERE snapshot_id = ?1",
                params![cur.snapshot_id],
                |r| r.get(0),
            )?;
            tabellen.push(TableStatus {
                tabel: t.name.to_string(),
                snapshot_id: cur.snapshot_id.clone(),
                rijen: cur.rijen_geladen + overgenomen,
                overgenomen,
                afgewezen: cur.rijen_afgewezen,
                buiten_gebied: cur.rijen_buiten_gebied,
                oudere_snapshots: of_table.len() as i64 - 1,
            });
        }
    }
    let logregels = conn.query_row("SELECT COUNT(*) FROM verwerkingslog", [], |r| r.get(0))?;
    let koppeling = current_koppeling(conn)?;
    let c = &project.config;
    Ok(ProjectStatus {
        koppeling,
        naam: c.naam.clone(),
        gebied: c.gebied.clone(),
        doel: c.doel.clone(),
        grondslag: c.grondslag.clone(),
        periode: (c.periode.van.clone(), c.periode.tot.clone()),
        partners: c.partners.iter().map(|p| p.as_str().to_string()).collect(),
        goedkeuring: project.approval()?,
        leveringen,
        tabellen,
        scans: crate::scan::runs(conn)?,
        logregels,
    })
}

/// Where a delivery's rejected rows go in the analysis store: masked, inside the delivery's
/// transaction (in full, they go to the identity vault).
pub struct RejectRows<'a> {
    masked: rusqlite::Statement<'a>,
}

/// One rejected row as the analysis store keeps it: where it was, what was wrong, and what may
/// be shown of it.
pub struct RejectRow<'a> {
    pub levering_id: &'a str,
    pub tabel: &'a str,
    pub bestand: &'a str,
    pub regel: i64,
    pub kolom: &'a str,
    /// The value as the analysis store may show it (identifying values masked).
    pub getoond: &'a str,
    pub reden: &'a str,
}

impl<'a> RejectRows<'a> {
    pub fn new(tx: &'a TxDb) -> Result<RejectRows<'a>> {
        Ok(RejectRows {
            masked: tx.prepare(
                "INSERT INTO afwijzing (levering_id, tabel, bestand, regel, kolom, waarde, reden)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
        })
    }

    pub fn insert(&mut self, r: &RejectRow<'_>) -> Result<()> {
        self.masked.execute(params![
            r.levering_id,
            r.tabel,
            r.bestand,
            r.regel,
            r.kolom,
            r.getoond,
            r.reden
        ])?;
        Ok(())
    }
}
