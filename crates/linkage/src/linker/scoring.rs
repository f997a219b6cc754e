//! Comparing and scoring pairs: the comparisons with the row slots they read, the level of
//! each comparison for a pair (`address_level` for addresses), the match weight and probability
//! of the candidates, and the waterfall that explains one pair's score.

use rayon::prelude::*;

use super::blocking::Candidates;
use super::input::{Value, unpack_date};
use super::training::Model;
use super::{Linker, MISSING, level_of, log2};
use crate::compare::{Kind, NamePair, date_level, name_level, text_level};
use crate::jaro::{bound, jaro_winkler};

#[derive(Debug, Clone)]
pub struct ScoredPair {
    pub left: u32,
    pub right: u32,
    pub weight: f64,
    pub probability: f64,
}

/// The contribution of one comparison to a pair's match weight.
#[derive(Debug, Clone)]
pub struct Contribution {
    pub comparison: String,
    pub level: String,
    pub weight: f64,
}

/// A comparison, with the row slots of what it reads. Everything a comparison needs of a
/// record (spelling variant, initials, letter signature, date parts) is computed once per
/// distinct value and kept in the record's row, so that comparing a pair reads two rows and
/// little else.
pub(super) struct Comparison {
    pub(super) kind: Kind,
    pub(super) field: usize,
    /// Share of records with each value (term-frequency adjustment), per dictionary id.
    pub(super) tf: Option<Vec<f64>>,
    /// Names: slots of the spelling variant (id into `variants`), of the initials
    /// (`id << 1 | written as initials`) and of the signature (`jaro::signature`) of the
    /// variant. Texts: the signature slot of the value.
    pub(super) variant: usize,
    pub(super) initials: usize,
    pub(super) signature: usize,
    /// Names with a voorvoegsel column: the slot of the variant of voorvoegsel and name
    /// together.
    pub(super) with_voorvoegsel: Option<usize>,
    /// Names with a swap column: that column's field and the slot of its variant.
    pub(super) swap: Option<(usize, usize)>,
    /// Dates: the slot of the packed date (`pack_date`).
    pub(super) date: usize,
    /// Addresses: the fields of house number, street and place.
    pub(super) address: [Option<usize>; 3],
}

impl Linker<'_> {
    pub(super) fn level(&self, k: usize, l: u32, r: u32) -> u8 {
        self.level_of_rows(k, self.left.row(l), self.right().row(r))
    }

    fn level_of_rows(&self, k: usize, lrow: &[Value], rrow: &[Value]) -> u8 {
        let c = &self.comparisons[k];
        let (a, b) = (lrow[c.field], rrow[c.field]);
        if c.kind == Kind::Address {
            return address_level(c, lrow, rrow);
        }
        if a == 0 || b == 0 {
            return MISSING;
        }
        if a == b {
            return 0;
        }
        match c.kind {
            Kind::Exact | Kind::Address => 1,
            Kind::Text => text_level(bound(lrow[c.signature], rrow[c.signature]), || {
                jaro_winkler(
                    self.dicts[c.field].get(a as u32),
                    self.dicts[c.field].get(b as u32),
                )
            }),
            Kind::Date => date_level(unpack_date(lrow[c.date]), unpack_date(rrow[c.date])),
            Kind::Name => {
                let (va, vb) = (lrow[c.variant], rrow[c.variant]);
                let same_with_voorvoegsel = c.with_voorvoegsel.is_some_and(|s| lrow[s] == rrow[s]);
                let swapped = c.swap.is_some_and(|(sf, sv)| {
                    lrow[sf] != 0 && rrow[sf] != 0 && va == rrow[sv] && lrow[sv] == vb
                });
                let (ia, ib) = (lrow[c.initials], rrow[c.initials]);
                name_level(
                    &NamePair {
                        bound: bound(lrow[c.signature], rrow[c.signature]),
                        same_variant: va == vb,
                        same_with_voorvoegsel,
                        swapped,
                        same_initials: (ia | ib) & 1 == 1 && ia >> 1 != 0 && ia >> 1 == ib >> 1,
                    },
                    || jaro_winkler(&self.variants[va as usize], &self.variants[vb as usize]),
                )
            }
        }
    }

    pub(super) fn pattern(&self, l: u32, r: u32) -> u64 {
        let (lrow, rrow) = (self.left.row(l), self.right().row(r));
        (0..self.comparisons.len()).fold(0u64, |p, k| {
            p | (u64::from(self.level_of_rows(k, lrow, rrow)) << (4 * k))
        })
    }

    /// The weight of level `lv` of comparison `k` for a pair whose left record is `l`.
    fn contribution(&self, model: &Model, k: usize, lv: u8, l: u32) -> f64 {
        if lv == MISSING {
            return 0.0;
        }
        let m = model.m[k][lv as usize];
        let mut u = model.u[k][lv as usize];
        let c = &self.comparisons[k];
        if lv == 0
            && let Some(tf) = &c.tf
        {
            let v = self.left.row(l)[c.field];
            u = tf[v as usize].max(1e-9);
        }
        log2(m) - log2(u)
    }

    /// Match weight and probability of the candidate pairs at or above `min_probability`.
    pub fn score(
        &self,
        model: &Model,
        candidates: &Candidates,
        min_probability: f64,
    ) -> Vec<ScoredPair> {
        let prior = log2(model.lambda) - log2(1.0 - model.lambda);
        let table: Vec<Vec<f64>> = (0..self.comparisons.len())
            .map(|k| {
                (0..model.m[k].len())
                    .map(|lv| log2(model.m[k][lv]) - log2(model.u[k][lv]))
                    .collect()
            })
            .collect();
        let min_weight = log2(min_probability) - log2(1.0 - min_probability);
        candidates
            .pairs
            .par_iter()
            .flat_map_iter(|chunk| chunk.iter())
            .filter_map(|c| {
                let mut weight = prior;
                for (k, row) in table.iter().enumerate() {
                    let lv = level_of(c.pattern, k);
                    if lv == MISSING {
                        continue;
                    }
                    weight += if lv == 0 && self.comparisons[k].tf.is_some() {
                        self.contribution(model, k, 0, c.left)
                    } else {
                        row[lv as usize]
                    };
                }
                (weight >= min_weight).then(|| ScoredPair {
                    left: c.left,
                    right: c.right,
                    weight,
                    probability: 1.0 / (1.0 + 2f64.powf(-weight)),
                })
            })
            .collect()
    }

    /// The waterfall of one pair: the prior, then each comparison's level and weight.
    pub fn explain(&self, model: &Model, l: u32, r: u32) -> Vec<Contribution> {
        let mut out = vec![Contribution {
            comparison: "prior (two random records match)".into(),
            level: format!("λ = {:.3e}", model.lambda),
            weight: log2(model.lambda) - log2(1.0 - model.lambda),
        }];
        for (k, c) in self.settings.comparisons.iter().enumerate() {
            let lv = self.level(k, l, r);
            out.push(Contribution {
                comparison: c.column.clone(),
                level: if lv == MISSING {
                    "missing".into()
                } else {
                    c.kind.levels()[lv as usize].to_string()
                },
                weight: self.contribution(model, k, lv, l),
            });
        }
        out
    }
}

/// Same address (postcode or street and place, with the number), same postcode, same street
/// and place, same place, different; missing when neither postcode nor place can be compared.
fn address_level(c: &Comparison, lrow: &[Value], rrow: &[Value]) -> u8 {
    let same = |f: Option<usize>| -> Option<bool> {
        let f = f?;
        let (a, b) = (lrow[f], rrow[f]);
        (a != 0 && b != 0).then_some(a == b)
    };
    let [number, street, place] = c.address;
    let postcode = same(Some(c.field));
    let (number, street, place) = (same(number), same(street), same(place));
    if postcode.is_none() && place.is_none() && street.is_none() {
        return MISSING;
    }
    let street_and_place = street == Some(true) && place != Some(false);
    if number == Some(true) && (postcode == Some(true) || street_and_place) {
        0
    } else if postcode == Some(true) {
        1
    } else if street_and_place {
        2
    } else if place == Some(true) {
        3
    } else {
        4
    }
}
