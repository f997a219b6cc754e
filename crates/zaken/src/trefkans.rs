//! Hit rates per indicator: of the closed cases an indicator raised, how often the visit
//! confirmed it — bevestigd / (bevestigd + niet bevestigd), with a Wilson interval, small
//! numbers suppressed. Only visited (or otherwise investigated) addresses are measured: the
//! rate says nothing of the addresses nobody looked at.

use anyhow::Result;
use loep_store::auth::{self, Actie, ActingAccount, Object};
use loep_store::{Db, TxDb};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::collections::BTreeMap;

use crate::register::has_register;

/// Below this many judged cases (bevestigd + niet bevestigd) a rate is not shown.
pub const MIN_N: i64 = 10;

/// What every hit-rate report says beside its figures.
pub const TOELICHTING: &str = "Trefkans = bevestigd / (bevestigd + niet bevestigd) over afgeronde zaken, met een 95%-betrouwbaarheidsinterval (Wilson). Alleen bezochte of onderzochte adressen tellen mee: over adressen waar niemand ging kijken zegt de trefkans niets. Bij minder dan 10 beoordeelde zaken wordt geen trefkans getoond.";

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Trefkans {
    pub indicator: String,
    /// The year of the cases' einddatum, or `totaal`.
    pub periode: String,
    pub bevestigd: i64,
    pub niet_bevestigd: i64,
    pub niet_vast_te_stellen: i64,
    /// bevestigd + niet bevestigd.
    pub beoordeeld: i64,
    /// `None` when suppressed (fewer than [`MIN_N`] judged).
    pub trefkans: Option<f64>,
    pub ondergrens: Option<f64>,
    pub bovengrens: Option<f64>,
    pub onderdrukt: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rapport {
    pub toelichting: String,
    pub minimum: i64,
    pub indicatoren: Vec<Trefkans>,
}

/// The Wilson score interval of `k` successes in `n` at 95%.
pub fn wilson(k: i64, n: i64) -> Option<(f64, f64)> {
    if n <= 0 || k < 0 || k > n {
        return None;
    }
    let z = 1.959_963_984_540_054_f64;
    let n_f = n as f64;
    let p = k as f64 / n_f;
    let denom = 1.0 + z * z / n_f;
    let centre = (p + z * z / (2.0 * n_f)) / denom;
    let half = z * ((p * (1.0 - p) / n_f) + z * z / (4.0 * n_f * n_f)).sqrt() / denom;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

fn row(indicator: &str, periode: &str, b: i64, nb: i64, nv: i64) -> Trefkans {
    let n = b + nb;
    let onderdrukt = n < MIN_N;
    let interval = if onderdrukt { None } else { wilson(b, n) };
    Trefkans {
        indicator: indicator.to_string(),
        periode: periode.to_string(),
        bevestigd: if onderdrukt { 0 } else { b },
        niet_bevestigd: if onderdrukt { 0 } else { nb },
        niet_vast_te_stellen: if onderdrukt { 0 } else { nv },
        beoordeeld: if onderdrukt { 0 } else { n },
        trefkans: (!onderdrukt).then(|| b as f64 / n as f64),
        ondergrens: interval.map(|i| i.0),
        bovengrens: interval.map(|i| i.1),
        onderdrukt,
    }
}

/// Counts per (indicator, year) over closed cases, plus what destroyed cases left in the
/// archive of counts.
fn counts(conn: &Db) -> Result<BTreeMap<(String, String), [i64; 3]>> {
    let mut out: BTreeMap<(String, String), [i64; 3]> = BTreeMap::new();
    if !has_register(conn)? {
        return Ok(out);
    }
    bevindingen_intact(conn, None)?;
    let mut stmt = conn.sql().prepare(
        "SELECT b.indicator, SUBSTR(z.einddatum, 1, 4), b.oordeel, COUNT(*)
         FROM zaak_bevinding b JOIN zaak z ON z.identificatie = b.zaak
         WHERE z.status = 'afgerond' AND z.einddatum IS NOT NULL
         GROUP BY 1, 2, 3",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    for r in rows {
        let (ind, jaar, oordeel, n) = r?;
        let e = out.entry((ind, jaar)).or_default();
        match crate::register::Oordeel::parse(&oordeel) {
            Some(crate::register::Oordeel::Bevestigd) => e[0] += n,
            Some(crate::register::Oordeel::NietBevestigd) => e[1] += n,
            _ => e[2] += n,
        }
    }
    let mut stmt = conn.sql().prepare(
        "SELECT indicator, periode, bevestigd, niet_bevestigd, niet_vast_te_stellen FROM trefkans_archief",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            [
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ],
        ))
    })?;
    for r in rows {
        let (ind, periode, c) = r?;
        let e = out.entry((ind, periode)).or_default();
        for i in 0..3 {
            e[i] += c[i];
        }
    }
    Ok(out)
}

/// The report, unauthorised (for the register export, which its caller authorised).
pub fn rapport(conn: &Db) -> Result<Rapport> {
    let counts = counts(conn)?;
    let mut totals: BTreeMap<String, [i64; 3]> = BTreeMap::new();
    let mut rows = Vec::new();
    for ((ind, periode), c) in &counts {
        let t = totals.entry(ind.clone()).or_default();
        for i in 0..3 {
            t[i] += c[i];
        }
        rows.push(row(ind, periode, c[0], c[1], c[2]));
    }
    for (ind, c) in &totals {
        rows.push(row(ind, "totaal", c[0], c[1], c[2]));
    }
    rows.sort_by(|a, b| {
        a.indicator
            .cmp(&b.indicator)
            .then(a.periode.cmp(&b.periode))
    });
    Ok(Rapport {
        toelichting: TOELICHTING.to_string(),
        minimum: MIN_N,
        indicatoren: rows,
    })
}

/// `loep trefkans`: hit rates per indicator and period.
pub fn trefkansen(conn: &Db, user: &ActingAccount) -> Result<Rapport> {
    auth::authorize(user, Actie::TrefkansBekijken, Object::Project)?;
    rapport(conn)
}

/// Adds a destroyed case's bevindingen to the archive of counts (in retention's transaction),
/// so that hit rates outlive the cases they were computed from.
pub(crate) fn archive(tx: &TxDb, zaak: &str) -> Result<()> {
    bevindingen_intact(tx, Some(zaak))?;
    tx.sql().execute(
        "INSERT INTO trefkans_archief (indicator, periode, bevestigd, niet_bevestigd, niet_vast_te_stellen)
         SELECT b.indicator, SUBSTR(z.einddatum, 1, 4),
                SUM(b.oordeel = 'bevestigd'), SUM(b.oordeel = 'niet_bevestigd'), SUM(b.oordeel = 'niet_vast_te_stellen')
         FROM zaak_bevinding b JOIN zaak z ON z.identificatie = b.zaak
         WHERE b.zaak = ?1 AND z.status = 'afgerond' AND z.einddatum IS NOT NULL
         GROUP BY 1, 2
         ON CONFLICT (indicator, periode) DO UPDATE SET
            bevestigd = bevestigd + excluded.bevestigd,
            niet_bevestigd = niet_bevestigd + excluded.niet_bevestigd,
            niet_vast_te_stellen = niet_vast_te_stellen + excluded.niet_vast_te_stellen",
        params![zaak],
    )?;
    Ok(())
}

/// Refuses when a bevinding (of case `zaak`, or of any case) no longer matches its seal: the
/// published hit rates are computed from them, so a changed one stops the computation rather
/// than move a figure.
pub(crate) fn bevindingen_intact(conn: &Db, zaak: Option<&str>) -> Result<()> {
    let intact = loep_store::integrity::intact_sql(conn, "zaak_bevinding")?;
    // One case by its key (a case page), or all of them (the hit rates).
    let (filter, key) = match zaak {
        Some(z) => ("zaak = ?1 AND", z),
        None => ("?1 = ?1 AND", ""),
    };
    let changed: Option<String> = conn
        .sql()
        .query_row(
            &format!(
                "SELECT zaak || '/' || indicator FROM zaak_bevinding
                 WHERE {filter} NOT {intact} LIMIT 1"
            ),
            params![key],
            |r| r.get(0),
        )
        .optional()?;
    match changed {
        Some(which) => Err(loep_store::integrity::tampered(&format!(
            "bevinding {which}"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_known_values() {
        // 8 of 10: Wilson 95% is about [0.490, 0.943].
        let (lo, hi) = wilson(8, 10).unwrap();
        assert!((lo - 0.4902).abs() < 0.001, "{lo}");
        assert!((hi - 0.9433).abs() < 0.001, "{hi}");
        let (lo, hi) = wilson(0, 20).unwrap();
        assert_eq!(lo, 0.0);
        assert!(hi > 0.1 && hi < 0.2, "{hi}");
        assert!(wilson(1, 0).is_none());
        assert!(wilson(3, 2).is_none());
    }

    #[test]
    fn small_numbers_are_suppressed() {
        let r = row("ADR-01", "2026", 5, 4, 3);
        assert!(r.onderdrukt);
        assert_eq!(r.trefkans, None);
        assert_eq!(r.bevestigd, 0);
        let r = row("ADR-01", "2026", 6, 4, 3);
        assert!(!r.onderdrukt);
        assert_eq!(r.trefkans, Some(0.6));
        assert_eq!(r.beoordeeld, 10);
    }
}
