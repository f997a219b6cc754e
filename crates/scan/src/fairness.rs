//! Fairness monitoring: per buurt, per age band and per sex, the share of residents (and of
//! addresses) a run flags against their share of the population, with a disparity ratio. Sex,
//! age and neighbourhood are read here only; no indicator may use them (`catalogue`).

use anyhow::Result;
use loep_store::scan::AddressProfile;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{Engine, text_column};

/// Groups smaller than this are reported but their ratio is not computed (small numbers).
pub const MIN_GROUP: u64 = 10;

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub dimensie: String,
    pub groep: String,
    pub bewoners: u64,
    pub bewoners_gemarkeerd: u64,
    /// Share of all residents, and of all flagged residents.
    pub aandeel_bevolking: f64,
    pub aandeel_gemarkeerd: f64,
    /// `aandeel_gemarkeerd / aandeel_bevolking`: 1 is even; above 1 the group is flagged more
    /// often than its size explains. `None` below `MIN_GROUP` residents.
    pub dispariteit: Option<f64>,
    /// For buurten: addresses, and flagged addresses.
    pub adressen: Option<u64>,
    pub adressen_gemarkeerd: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Fairness {
    pub run_id: String,
    pub bewoners: u64,
    pub bewoners_gemarkeerd: u64,
    pub groepen: Vec<Group>,
}

fn age_band(age: i64) -> &'static str {
    match age {
        i64::MIN..=17 => "0-17",
        18..=29 => "18-29",
        30..=44 => "30-44",
        45..=64 => "45-64",
        _ => "65+",
    }
}

pub fn fairness(
    engine: &Engine,
    run_id: &str,
    profiles: &[AddressProfile],
    year: i64,
) -> Result<Fairness> {
    let flagged: BTreeSet<&str> = profiles.iter().map(|p| p.vbo_id.as_str()).collect();
    let batches = engine.query(
        &[
            (
                "brp_persoon",
                &["vbo_id", "geboortejaar", "geslacht", "status"],
            ),
            ("bag_verblijfsobject", &["vbo_id", "buurtcode"]),
        ],
        "SELECT p.vbo_id, p.geboortejaar, p.geslacht, b.buurtcode
         FROM brp_persoon p JOIN bag_verblijfsobject b ON p.vbo_id = b.vbo_id
         WHERE p.status = 'ingezetene'",
    )?;
    // (dimension, group) → (residents, flagged)
    let mut counts: BTreeMap<(&str, String), (u64, u64)> = BTreeMap::new();
    let (mut total, mut total_flagged) = (0u64, 0u64);
    for b in &batches {
        let vbo = text_column(b, "vbo_id")?;
        let year_of_birth = text_column(b, "geboortejaar")?;
        let sex = text_column(b, "geslacht")?;
        let buurt = text_column(b, "buurtcode")?;
        for i in 0..b.num_rows() {
            let is_flagged = vbo[i].as_deref().is_some_and(|v| flagged.contains(v));
            total += 1;
            total_flagged += u64::from(is_flagged);
            let age = year_of_birth[i]
                .as_deref()
                .and_then(|y| y.parse::<i64>().ok())
                .map_or("onbekend", |y| age_band(year - y));
            for (dim, g) in [
                (
                    "buurt",
                    buurt[i].clone().unwrap_or_else(|| "onbekend".into()),
                ),
                ("leeftijd", age.to_string()),
                (
                    "geslacht",
                    sex[i].clone().unwrap_or_else(|| "onbekend".into()),
                ),
            ] {
                let c = counts.entry((dim, g)).or_default();
                c.0 += 1;
                c.1 += u64::from(is_flagged);
            }
        }
    }
    // Addresses per buurt.
    let batches = engine.query(
        &[("bag_verblijfsobject", &["vbo_id", "buurtcode"])],
        "SELECT vbo_id, buurtcode FROM bag_verblijfsobject",
    )?;
    let mut addresses: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for b in &batches {
        let vbo = text_column(b, "vbo_id")?;
        let buurt = text_column(b, "buurtcode")?;
        for i in 0..b.num_rows() {
            let c = addresses
                .entry(buurt[i].clone().unwrap_or_else(|| "onbekend".into()))
                .or_default();
            c.0 += 1;
            c.1 += u64::from(vbo[i].as_deref().is_some_and(|v| flagged.contains(v)));
        }
    }
    let groepen = counts
        .into_iter()
        .map(|((dim, g), (n, f))| {
            let aandeel_bevolking = n as f64 / total.max(1) as f64;
            let aandeel_gemarkeerd = f as f64 / total_flagged.max(1) as f64;
            let a = (dim == "buurt").then(|| addresses.get(&g).copied().unwrap_or_default());
            Group {
                dimensie: dim.to_string(),
                dispariteit: (n >= MIN_GROUP && total_flagged > 0)
                    .then(|| ((aandeel_gemarkeerd / aandeel_bevolking) * 100.0).round() / 100.0),
                groep: g,
                bewoners: n,
                bewoners_gemarkeerd: f,
                aandeel_bevolking,
                aandeel_gemarkeerd,
                adressen: a.map(|a| a.0),
                adressen_gemarkeerd: a.map(|a| a.1),
            }
        })
        .collect();
    Ok(Fairness {
        run_id: run_id.to_string(),
        bewoners: total,
        bewoners_gemarkeerd: total_flagged,
        groepen,
    })
}
