//! Retention of cases: a closed case's data is destroyed at its archiefactiedatum (set from
//! its resultaattype's term when it closed, never later than the project's `zaken_jaren`),
//! with a record in the processing log of how many cases and a hash of what was destroyed.
//! What the hit rates need survives as counts (`trefkans_archief`).

use anyhow::Result;
use loep_store::Db;
use loep_store::log::LogRecord;
use loep_store::{Tx, clock};
use rusqlite::params;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::register::has_register;

/// What a retention run destroyed (or, dry, would destroy) of the case register.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Vernietigd {
    pub zaken: Vec<String>,
    /// SHA-256 over the destroyed cases as they were (JSON, in order of identificatie).
    pub sha256: String,
}

/// The closed cases whose archiefactiedatum has come, by identificatie.
pub fn due(conn: &Db) -> Result<Vec<String>> {
    if !has_register(conn)? {
        return Ok(Vec::new());
    }
    let today = clock::now_utc().format("%Y-%m-%d").to_string();
    let mut stmt = conn.sql().prepare(
        "SELECT identificatie FROM zaak WHERE einddatum IS NOT NULL AND archiefnominatie = 'vernietigen'
         AND archiefactiedatum <= ?1 ORDER BY identificatie",
    )?;
    let rows = stmt.query_map(params![today], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

const TABLES: [&str; 7] = [
    "zaak_status",
    "zaak_signaal",
    "zaak_rol",
    "huisbezoek",
    "zaak_bevinding",
    "zaak_notitie",
    "terugmelding",
];

/// Destroys the due cases in `tx` and records it (one log record for the run: the number of
/// cases and the hash; the persons they held are named by the records of the cases' steps).
/// Deelzaken of a destroyed hoofdzaak keep their own term and lose the link.
pub fn destroy(tx: &Tx<'_>, activity: &str, dry_run: bool) -> Result<Vernietigd> {
    let ids = due(tx)?;
    let mut hasher = Sha256::new();
    for id in &ids {
        let Some(z) = rusqlite::OptionalExtension::optional(tx.sql().query_row(
            "SELECT identificatie FROM zaak WHERE identificatie = ?1",
            params![id],
            |r| r.get::<_, String>(0),
        ))?
        else {
            continue;
        };
        // What was there, hashed, for the record; read without the seal check (a case under
        // destruction is destroyed however it looks).
        let zaak = tx.sql().query_row(
            "SELECT identificatie, zaaktype, status, resultaat, einddatum, archiefactiedatum, vbo_id FROM zaak WHERE identificatie = ?1",
            params![z],
            |r| {
                Ok(serde_json::json!({
                    "identificatie": r.get::<_, String>(0)?,
                    "zaaktype": r.get::<_, String>(1)?,
                    "status": r.get::<_, String>(2)?,
                    "resultaat": r.get::<_, Option<String>>(3)?,
                    "einddatum": r.get::<_, Option<String>>(4)?,
                    "archiefactiedatum": r.get::<_, Option<String>>(5)?,
                    "vbo_id": r.get::<_, String>(6)?,
                }))
            },
        )?;
        hasher.update(zaak.to_string().as_bytes());
        for table in TABLES {
            let n: i64 = tx.sql().query_row(
                &format!("SELECT COUNT(*) FROM {table} WHERE zaak = ?1"),
                params![z],
                |r| r.get(0),
            )?;
            hasher.update(format!("{table}:{n};").as_bytes());
        }
    }
    let sha256 = hex::encode(hasher.finalize());
    if dry_run || ids.is_empty() {
        return Ok(Vernietigd { zaken: ids, sha256 });
    }
    // The persons of each case, for one record per person (the standard's line per subject).
    let mut subjects: Vec<(String, String)> = Vec::new();
    let lists = crate::register::list_format(tx)?;
    for id in &ids {
        let mut stmt = tx
            .sql()
            .prepare("SELECT pseudoniemen FROM zaak_signaal WHERE zaak = ?1")?;
        let mut persons = std::collections::BTreeSet::new();
        for p in stmt.query_map(params![id], |r| lists.column(r, 0))? {
            persons.extend(p?);
        }
        subjects.extend(persons.into_iter().map(|p| (id.clone(), p)));
    }
    for id in &ids {
        crate::trefkans::archive(tx, id)?;
        for table in TABLES {
            tx.sql()
                .execute(&format!("DELETE FROM {table} WHERE zaak = ?1"), params![id])?;
        }
        tx.sql().execute(
            "UPDATE zaak SET hoofdzaak = NULL WHERE hoofdzaak = ?1",
            params![id],
        )?;
        tx.sql()
            .execute("DELETE FROM zaak WHERE identificatie = ?1", params![id])?;
    }
    let now = clock::now();
    let rec = LogRecord::new("bewaartermijn.zaken", &now, &now)
        .with_attr("aantal", ids.len() as i64)
        .with_attr("sha256", sha256.clone());
    loep_store::log::append(tx, activity, rec.clone())?;
    for (zaak, p) in subjects {
        let child = LogRecord::child_of(&rec, "bewaartermijn.zaak", &now, &now)
            .with_subject(p)
            .with_attr("zaak", zaak);
        loep_store::log::append(tx, activity, child)?;
    }
    Ok(Vernietigd { zaken: ids, sha256 })
}
