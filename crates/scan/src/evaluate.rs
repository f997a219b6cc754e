//! Measured quality: a run's addresses per theme against a ground truth in the format of
//! `loep synth`'s `truth/adressen.csv` (`thema, vbo_id, scenario_id, decoy`, and optionally
//! `variant, sterkte`: then also per variant and strength).

use anyhow::Result;
use loep_store::scan::{AddressProfile, Signal};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::catalogue::Thema;

/// The quality the catalogue is held to per theme (BENCHMARKS.md, the catalogue of issue 12):
/// precision and recall at least 0.9, and at most 2% of the honest look-alikes flagged.
pub const TARGET_PRECISION: f64 = 0.9;
pub const TARGET_RECALL: f64 = 0.9;
pub const TARGET_LOOKALIKES: f64 = 0.02;

#[derive(Debug, Clone, Serialize)]
pub struct ThemeQuality {
    pub thema: String,
    /// Planted cases (addresses).
    pub gepland: usize,
    /// Addresses the run flagged for this theme.
    pub gemarkeerd: usize,
    /// Flagged and planted.
    pub juist: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Honest look-alikes planted, and how many of them were flagged.
    pub lokvogels: usize,
    pub lokvogels_gemarkeerd: usize,
}

/// Recall of one variant at one strength of a theme (or, for look-alikes, how many were
/// flagged).
#[derive(Debug, Clone, Serialize)]
pub struct VariantQuality {
    pub thema: String,
    pub variant: String,
    /// `sterk`, `midden`, `grens`; empty for look-alikes.
    pub sterkte: String,
    pub lokvogel: bool,
    /// Addresses planted.
    pub gepland: usize,
    /// Of those, flagged for this theme.
    pub gemarkeerd: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Quality {
    pub run_id: String,
    pub themas: Vec<ThemeQuality>,
    /// Per theme, variant and strength (when the truth names them).
    pub varianten: Vec<VariantQuality>,
    /// Verwonderadressen: precision against every planted case address, recall against the
    /// addresses with cases of two or more themes.
    pub verwonderadressen: ThemeQuality,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

fn quality(
    thema: &str,
    planted: &BTreeSet<String>,
    flagged: &BTreeSet<String>,
    decoys: &BTreeSet<String>,
    precision_against: &BTreeSet<String>,
) -> ThemeQuality {
    let juist = flagged.intersection(planted).count();
    let precision = ratio(
        flagged.intersection(precision_against).count(),
        flagged.len(),
    );
    let recall = ratio(juist, planted.len());
    ThemeQuality {
        thema: thema.to_string(),
        gepland: planted.len(),
        gemarkeerd: flagged.len(),
        juist,
        precision,
        recall,
        f1: if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        },
        lokvogels: decoys.len(),
        lokvogels_gemarkeerd: flagged.intersection(decoys).count(),
    }
}

pub fn evaluate(
    run_id: &str,
    signals: &[Signal],
    profiles: &[AddressProfile],
    truth_dir: &Path,
    team: &[loep_contract::Partner],
) -> Result<Quality> {
    let path = truth_dir.join("adressen.csv");
    // The truth directory is what the user named: a wrong one is theirs to change.
    let mut r = match csv::Reader::from_path(&path) {
        Ok(r) => r,
        Err(e) => loep_store::invalid!(
            "kan {} niet lezen ({e}); geef de map truth van `loep synth`",
            path.display()
        ),
    };
    let mut planted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut decoys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // (thema, variant, sterkte, decoy) → addresses.
    let mut variants: BTreeMap<(String, String, String, bool), BTreeSet<String>> = BTreeMap::new();
    for (n, rec) in r.records().enumerate() {
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => loep_store::invalid!("{} regel {}: {e}", path.display(), n + 2),
        };
        let (Some(thema), Some(vbo), Some(decoy)) = (rec.get(0), rec.get(1), rec.get(3)) else {
            loep_store::invalid!(
                "{} regel {}: verwacht thema, vbo_id, scenario_id, decoy",
                path.display(),
                n + 2
            );
        };
        if let Some(variant) = rec.get(4).filter(|v| !v.is_empty()) {
            variants
                .entry((
                    thema.to_string(),
                    variant.to_string(),
                    rec.get(5).unwrap_or_default().to_string(),
                    decoy == "ja",
                ))
                .or_default()
                .insert(vbo.to_string());
        }
        let target = if decoy == "ja" {
            &mut decoys
        } else {
            &mut planted
        };
        target
            .entry(thema.to_string())
            .or_default()
            .insert(vbo.to_string());
    }
    let mut flagged: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for s in signals {
        flagged
            .entry(s.thema.code())
            .or_default()
            .insert(s.vbo_id.to_string());
    }
    let empty = BTreeSet::new();
    let themas = Thema::ALL
        .map(Thema::code)
        .iter()
        .map(|t| {
            let p = planted.get(*t).unwrap_or(&empty);
            quality(
                t,
                p,
                flagged.get(t).unwrap_or(&empty),
                decoys.get(*t).unwrap_or(&empty),
                p,
            )
        })
        .collect();
    let varianten = variants
        .into_iter()
        .map(|((thema, variant, sterkte, lokvogel), set)| {
            let gemarkeerd = flagged
                .get(thema.as_str())
                .map_or(0, |f| f.intersection(&set).count());
            VariantQuality {
                thema,
                variant,
                sterkte,
                lokvogel,
                gepland: set.len(),
                gemarkeerd,
            }
        })
        .collect();
    let any_case: BTreeSet<String> = planted.values().flatten().cloned().collect();
    // A planted verwonderadres is one whose planted themes interest two or more partners,
    // the rule the profiles follow (`interested_partners`). The truth names no regeling, so a
    // benefit theme counts its default partner here, where a signal may name another payer.
    // Only the project's partners count, as in the profiles.
    let mut interest_per_address: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (theme, set) in &planted {
        for v in set {
            interest_per_address.entry(v).or_default().extend(
                loep_contract::theme_interest(theme)
                    .iter()
                    .filter(|p| team.contains(p))
                    .map(|p| p.as_str()),
            );
        }
    }
    let multi: BTreeSet<String> = interest_per_address
        .into_iter()
        .filter(|(_, partners)| partners.len() >= 2)
        .map(|(v, _)| v.to_string())
        .collect();
    let verwonder: BTreeSet<String> = profiles
        .iter()
        .filter(|p| p.verwonderadres)
        .map(|p| p.vbo_id.to_string())
        .collect();
    let all_decoys: BTreeSet<String> = decoys.values().flatten().cloned().collect();
    let verwonderadressen = quality("verwonderadres", &multi, &verwonder, &all_decoys, &any_case);
    Ok(Quality {
        run_id: run_id.to_string(),
        themas,
        varianten,
        verwonderadressen,
    })
}
