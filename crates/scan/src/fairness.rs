//! Fairness monitoring: per buurt, per age band and per sex, the share of residents (and of
//! addresses) a run flags against their share of the population, with a disparity ratio. Sex,
//! age and neighbourhood are read here only; no indicator may use them (`catalogue`).

use anyhow::Result;
use loep_store::scan::AddressProfile;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{Engine, text_column};

/// Groups smaller than this are reported but their ratio is not computed (small numbers);
/// nor is it for a group of which 1 to `MIN_GROUP - 1` residents are flagged, because the
/// ratio, the share and the totals would give that small count away.
pub const MIN_GROUP: u64 = 10;

/// Why a group's figures about flagged residents are left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Onderdrukt {
    /// Fewer than [`MIN_GROUP`] residents: nothing about the group is shown but that.
    WeinigBewoners,
    /// 1 to `MIN_GROUP - 1` of its residents flagged.
    WeinigGemarkeerd,
    /// Left out as well because exactly one other group of its dimension was: the total
    /// minus the groups shown would otherwise give the hidden count (secondary suppression).
    Aanvullend,
}

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
    /// often than its size explains. `None` when `onderdrukt` says why.
    pub dispariteit: Option<f64>,
    /// For buurten: addresses, and flagged addresses.
    pub adressen: Option<u64>,
    pub adressen_gemarkeerd: Option<u64>,
    /// Set when the flagged figures of this group are not to be shown (then `dispariteit` is
    /// `None`).
    pub onderdrukt: Option<Onderdrukt>,
}

/// Marks the groups whose flagged figures must not be shown: too few residents, too few
/// flagged, and per dimension one more when exactly one was hidden (the smallest flagged
/// count shown), so that no hidden count follows from the total by subtraction.
fn suppress(groups: &mut [Group]) {
    for g in groups.iter_mut() {
        g.onderdrukt = if g.bewoners < MIN_GROUP {
            Some(Onderdrukt::WeinigBewoners)
        } else if (1..MIN_GROUP).contains(&g.bewoners_gemarkeerd) {
            Some(Onderdrukt::WeinigGemarkeerd)
        } else {
            None
        };
    }
    let dims: BTreeSet<String> = groups.iter().map(|g| g.dimensie.clone()).collect();
    for dim in dims {
        let of_dim = || groups.iter().enumerate().filter(|(_, g)| g.dimensie == dim);
        if of_dim().filter(|(_, g)| g.onderdrukt.is_some()).count() != 1 {
            continue;
        }
        let next = of_dim()
            .filter(|(_, g)| g.onderdrukt.is_none())
            .min_by_key(|(_, g)| (g.bewoners_gemarkeerd, g.bewoners))
            .map(|(i, _)| i);
        if let Some(i) = next {
            groups[i].onderdrukt = Some(Onderdrukt::Aanvullend);
        }
    }
    for g in groups.iter_mut() {
        if g.onderdrukt.is_some() {
            g.dispariteit = None;
        }
    }
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
    let flagged: BTreeSet<String> = profiles.iter().map(|p| p.vbo_id.to_string()).collect();
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
    let mut groepen: Vec<Group> = counts
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
                onderdrukt: None,
            }
        })
        .collect();
    suppress(&mut groepen);
    Ok(Fairness {
        run_id: run_id.to_string(),
        bewoners: total,
        bewoners_gemarkeerd: total_flagged,
        groepen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(dim: &str, g: &str, n: u64, flagged: u64) -> Group {
        Group {
            dimensie: dim.into(),
            groep: g.into(),
            bewoners: n,
            bewoners_gemarkeerd: flagged,
            aandeel_bevolking: 0.0,
            aandeel_gemarkeerd: 0.0,
            dispariteit: Some(1.0),
            adressen: None,
            adressen_gemarkeerd: None,
            onderdrukt: None,
        }
    }

    fn hidden(gs: &[Group]) -> Vec<(&str, Option<Onderdrukt>)> {
        gs.iter()
            .map(|g| (g.groep.as_str(), g.onderdrukt))
            .collect()
    }

    #[test]
    fn small_counts_are_hidden_and_cannot_be_had_by_subtraction() {
        use Onderdrukt::*;
        let mut gs = vec![
            group("geslacht", "M", 5000, 400),
            group("geslacht", "V", 5000, 3),
            group("geslacht", "O", 20, 0),
            group("leeftijd", "0-17", 900, 0),
            group("leeftijd", "18-29", 8, 2),
            group("leeftijd", "30-44", 4000, 200),
            group("leeftijd", "45-64", 3000, 150),
            group("buurt", "BU01", 6000, 300),
            group("buurt", "BU02", 4020, 103),
        ];
        suppress(&mut gs);
        assert_eq!(
            hidden(&gs),
            [
                ("M", None),
                // 3 flagged of 5000: the ratio would give the 3 away.
                ("V", Some(WeinigGemarkeerd)),
                // The only other hidden group of its dimension would follow from the total.
                ("O", Some(Aanvullend)),
                ("0-17", Some(Aanvullend)),
                ("18-29", Some(WeinigBewoners)),
                ("30-44", None),
                ("45-64", None),
                ("BU01", None),
                ("BU02", None),
            ]
        );
        for g in &gs {
            assert_eq!(
                g.dispariteit.is_none(),
                g.onderdrukt.is_some(),
                "{}",
                g.groep
            );
        }
    }

    #[test]
    fn two_hidden_groups_need_no_third_and_none_flagged_is_shown() {
        let mut gs = vec![
            group("geslacht", "M", 5000, 0),
            group("geslacht", "V", 5000, 4),
            group("geslacht", "O", 9, 1),
        ];
        suppress(&mut gs);
        assert_eq!(
            hidden(&gs),
            [
                ("M", None),
                ("V", Some(Onderdrukt::WeinigGemarkeerd)),
                ("O", Some(Onderdrukt::WeinigBewoners)),
            ]
        );
    }
}
