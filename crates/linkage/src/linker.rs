//! A Fellegi–Sunter linker configured by settings: comparisons with levels, blocking rules,
//! thresholds. m-probabilities are estimated by expectation–maximisation over the blocked
//! pairs, u-probabilities from random pairs; nothing needs labels. Every score is a sum of
//! per-comparison match weights that can be shown one by one.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;

use crate::compare::{Kind, level};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The column that identifies a record.
    pub id_column: String,
    /// A column whose equal values mark the same entity, for evaluation only.
    pub true_id_column: Option<String>,
    /// Pairs at or above this match probability are links.
    #[serde(default = "default_threshold")]
    pub match_threshold: f64,
    /// Pairs between this and the match threshold go to clerical review.
    pub review_threshold: Option<f64>,
    /// Random pairs drawn to estimate u-probabilities.
    #[serde(default = "default_u_pairs")]
    pub u_pairs: usize,
    /// EM iterations at most.
    #[serde(default = "default_iterations")]
    pub max_iterations: usize,
    #[serde(rename = "blocking")]
    pub blocking_rules: Vec<BlockingRule>,
    #[serde(rename = "comparison")]
    pub comparisons: Vec<ComparisonSettings>,
}

fn default_threshold() -> f64 {
    0.9
}
fn default_u_pairs() -> usize {
    200_000
}
fn default_iterations() -> usize {
    25
}

/// Records are compared when all these columns are equal and present.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockingRule {
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonSettings {
    pub column: String,
    pub kind: Kind,
    /// Adjust the exact level for how common the value is (common names weigh less).
    #[serde(default)]
    pub term_frequency: bool,
}

/// Records as columns of text; an empty value is missing.
pub struct Records {
    pub ids: Vec<String>,
    pub columns: Vec<Vec<String>>,
    pub true_ids: Option<Vec<String>>,
}

/// The estimated model: per comparison and level, m and u.
#[derive(Debug, Clone)]
pub struct Model {
    pub lambda: f64,
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    pub iterations: usize,
}

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

pub struct Linker<'a> {
    pub settings: &'a Settings,
    left: &'a Records,
    right: &'a Records,
    dedupe: bool,
    /// For each comparison, the columns' index in left and right.
    cols: Vec<(usize, usize)>,
    /// Term frequencies per comparison (value → share of records), when asked for.
    tf: Vec<Option<FxHashMap<String, f64>>>,
    right_header: Vec<String>,
}

const MISSING: u8 = u8::MAX;

fn log2(x: f64) -> f64 {
    x.max(1e-12).log2()
}

impl<'a> Linker<'a> {
    /// `right` is `left` itself when deduplicating.
    pub fn new(
        settings: &'a Settings,
        left: &'a Records,
        right: &'a Records,
        dedupe: bool,
        header_left: &[String],
        header_right: &[String],
    ) -> Result<Linker<'a>, String> {
        let find = |h: &[String], c: &str| {
            h.iter()
                .position(|x| x == c)
                .ok_or_else(|| format!("column '{c}' is not in the input; the settings name it"))
        };
        let mut cols = Vec::new();
        for c in &settings.comparisons {
            cols.push((
                find(header_left, &c.column)?,
                find(header_right, &c.column)?,
            ));
        }
        for r in &settings.blocking_rules {
            for c in &r.columns {
                find(header_left, c)?;
                find(header_right, c)?;
            }
        }
        let tf = settings
            .comparisons
            .iter()
            .zip(&cols)
            .map(|(c, (li, ri))| {
                c.term_frequency.then(|| {
                    let mut counts: FxHashMap<String, f64> = FxHashMap::default();
                    let mut n: f64 = 0.0;
                    for v in left.columns[*li].iter().chain(if dedupe {
                        [].iter()
                    } else {
                        right.columns[*ri].iter()
                    }) {
                        if !v.is_empty() {
                            *counts.entry(v.clone()).or_insert(0.0) += 1.0;
                            n += 1.0;
                        }
                    }
                    counts.values_mut().for_each(|c| *c /= n.max(1.0));
                    counts
                })
            })
            .collect();
        Ok(Linker {
            settings,
            left,
            right,
            dedupe,
            cols,
            tf,
            right_header: header_right.to_vec(),
        })
    }

    fn levels(&self, l: u32, r: u32) -> Vec<u8> {
        self.settings
            .comparisons
            .iter()
            .zip(&self.cols)
            .map(|(c, (li, ri))| {
                let a = &self.left.columns[*li][l as usize];
                let b = &self.right.columns[*ri][r as usize];
                if a.is_empty() || b.is_empty() {
                    MISSING
                } else {
                    level(c.kind, a, b) as u8
                }
            })
            .collect()
    }

    /// Candidate pairs: equal on every column of at least one blocking rule.
    pub fn candidate_pairs(
        &self,
        header_left: &[String],
        header_right: &[String],
    ) -> Vec<(u32, u32)> {
        let mut seen: FxHashSet<(u32, u32)> = FxHashSet::default();
        for rule in &self.settings.blocking_rules {
            let li: Vec<usize> = rule
                .columns
                .iter()
                .filter_map(|c| header_left.iter().position(|h| h == c))
                .collect();
            let ri: Vec<usize> = rule
                .columns
                .iter()
                .filter_map(|c| header_right.iter().position(|h| h == c))
                .collect();
            let key = |recs: &Records, idx: &[usize], i: usize| -> Option<String> {
                let parts: Vec<&str> = idx.iter().map(|&c| recs.columns[c][i].as_str()).collect();
                (!parts.iter().any(|p| p.is_empty())).then(|| parts.join("\u{1f}"))
            };
            let mut blocks: FxHashMap<String, Vec<u32>> = FxHashMap::default();
            for i in 0..self.right.ids.len() {
                if let Some(k) = key(self.right, &ri, i) {
                    blocks.entry(k).or_default().push(i as u32);
                }
            }
            for i in 0..self.left.ids.len() {
                let Some(k) = key(self.left, &li, i) else {
                    continue;
                };
                let Some(block) = blocks.get(&k) else {
                    continue;
                };
                for &j in block {
                    if self.dedupe && j <= i as u32 {
                        continue;
                    }
                    seen.insert((i as u32, j));
                }
            }
        }
        let mut pairs: Vec<(u32, u32)> = seen.into_iter().collect();
        pairs.sort_unstable();
        pairs
    }

    /// u-probabilities from random pairs (almost all of them non-matches).
    fn estimate_u(&self, seed: u64) -> Vec<Vec<f64>> {
        let nl = self.left.ids.len() as u64;
        let nr = self.right.ids.len() as u64;
        let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let n = self.settings.u_pairs.min((nl * nr) as usize).max(1);
        let sample: Vec<(u32, u32)> = (0..n)
            .map(|_| ((next() % nl.max(1)) as u32, (next() % nr.max(1)) as u32))
            .filter(|(l, r)| !(self.dedupe && l == r))
            .collect();
        let empty = || -> Vec<Vec<f64>> {
            self.settings
                .comparisons
                .iter()
                .map(|c| vec![0.0; c.kind.levels().len()])
                .collect()
        };
        let mut counts = sample
            .par_chunks(4096)
            .map(|chunk| {
                let mut counts = empty();
                for &(l, r) in chunk {
                    for (k, lv) in self.levels(l, r).into_iter().enumerate() {
                        if lv != MISSING {
                            counts[k][lv as usize] += 1.0;
                        }
                    }
                }
                counts
            })
            .reduce(empty, |mut a, b| {
                for (x, y) in a.iter_mut().flatten().zip(b.iter().flatten()) {
                    *x += y;
                }
                a
            });
        // One pseudo-count per level, so that no level has u = 0.
        counts.iter_mut().flatten().for_each(|c| *c += 1.0);
        counts
            .into_iter()
            .map(|c| {
                let total: f64 = c.iter().sum();
                c.into_iter().map(|x| x / total).collect()
            })
            .collect()
    }

    /// Estimates the model: u from random pairs; m by EM, once per blocking rule on the pairs
    /// that rule finds, leaving out the comparisons of the rule's own columns (every pair agrees
    /// on them, so they say nothing there); then λ over all candidate pairs with m and u fixed.
    pub fn train(&self, pairs: &[(u32, u32)], header_left: &[String], seed: u64) -> Model {
        let u = self.estimate_u(seed);
        let levels: Vec<Vec<u8>> = pairs.par_iter().map(|&(l, r)| self.levels(l, r)).collect();
        let initial: Vec<Vec<f64>> = self
            .settings
            .comparisons
            .iter()
            .map(|c| {
                let n = c.kind.levels().len();
                (0..n)
                    .map(|i| {
                        if i == 0 {
                            0.7
                        } else if i == n - 1 {
                            0.05
                        } else {
                            0.25 / (n - 2).max(1) as f64
                        }
                    })
                    .collect()
            })
            .collect();
        let mut sums: Vec<Vec<f64>> = initial.iter().map(|l| vec![0.0; l.len()]).collect();
        let mut estimates = vec![0usize; initial.len()];
        let mut iterations = 0;
        for rule in &self.settings.blocking_rules {
            let rule_cols: Vec<usize> = rule
                .columns
                .iter()
                .filter_map(|c| header_left.iter().position(|h| h == c))
                .collect();
            let excluded: Vec<bool> = self
                .cols
                .iter()
                .map(|(li, _)| rule_cols.contains(li))
                .collect();
            let agree = |&(l, r): &(u32, u32)| {
                rule.columns.iter().all(|c| {
                    let li = header_left.iter().position(|h| h == c);
                    let ri = li.and_then(|_| self.right_header_index(c));
                    match (li, ri) {
                        (Some(li), Some(ri)) => {
                            let a = &self.left.columns[li][l as usize];
                            !a.is_empty() && *a == self.right.columns[ri][r as usize]
                        }
                        _ => false,
                    }
                })
            };
            let mut patterns: FxHashMap<Vec<u8>, f64> = FxHashMap::default();
            for (p, lv) in pairs.iter().zip(&levels) {
                if agree(p) {
                    let masked: Vec<u8> = lv
                        .iter()
                        .zip(&excluded)
                        .map(|(&l, &x)| if x { MISSING } else { l })
                        .collect();
                    *patterns.entry(masked).or_insert(0.0) += 1.0;
                }
            }
            let patterns: Vec<(Vec<u8>, f64)> = patterns.into_iter().collect();
            let (m, _, its) = em(
                &patterns,
                initial.clone(),
                &u,
                0.1,
                self.settings.max_iterations,
                false,
            );
            iterations += its;
            for k in (0..m.len()).filter(|&k| !excluded[k]) {
                for (s, x) in sums[k].iter_mut().zip(&m[k]) {
                    *s += x;
                }
                estimates[k] += 1;
            }
        }
        let m: Vec<Vec<f64>> = sums
            .into_iter()
            .zip(initial)
            .zip(&estimates)
            .map(|((s, init), &n)| {
                if n == 0 {
                    init
                } else {
                    s.into_iter().map(|x| x / n as f64).collect()
                }
            })
            .collect();
        let mut patterns: FxHashMap<Vec<u8>, f64> = FxHashMap::default();
        for lv in levels {
            *patterns.entry(lv).or_insert(0.0) += 1.0;
        }
        let patterns: Vec<(Vec<u8>, f64)> = patterns.into_iter().collect();
        let (m, lambda, its) = em(&patterns, m, &u, 0.01, self.settings.max_iterations, true);
        Model {
            lambda,
            m,
            u,
            iterations: iterations + its,
        }
    }

    fn right_header_index(&self, column: &str) -> Option<usize> {
        self.right_header.iter().position(|h| h == column)
    }

    fn contribution(&self, model: &Model, k: usize, lv: u8, l: u32) -> f64 {
        if lv == MISSING {
            return 0.0;
        }
        let m = model.m[k][lv as usize];
        let mut u = model.u[k][lv as usize];
        if lv == 0
            && let Some(tf) = &self.tf[k]
        {
            let v = &self.left.columns[self.cols[k].0][l as usize];
            if let Some(f) = tf.get(v) {
                u = f.max(1e-9);
            }
        }
        log2(m) - log2(u)
    }

    /// Match weight and probability of every candidate pair.
    pub fn score(&self, model: &Model, pairs: &[(u32, u32)]) -> Vec<ScoredPair> {
        let prior = log2(model.lambda) - log2(1.0 - model.lambda);
        pairs
            .par_iter()
            .map(|&(l, r)| {
                let weight = prior
                    + self
                        .levels(l, r)
                        .iter()
                        .enumerate()
                        .map(|(k, &lv)| self.contribution(model, k, lv, l))
                        .sum::<f64>();
                let p = 2f64.powf(weight);
                ScoredPair {
                    left: l,
                    right: r,
                    weight,
                    probability: p / (1.0 + p),
                }
            })
            .collect()
    }

    /// The waterfall of one pair: the prior, then each comparison's level and weight.
    pub fn explain(&self, model: &Model, l: u32, r: u32) -> Vec<Contribution> {
        let mut out = vec![Contribution {
            comparison: "prior (share of matches among candidate pairs)".into(),
            level: format!("λ = {:.4}", model.lambda),
            weight: log2(model.lambda) - log2(1.0 - model.lambda),
        }];
        for (k, lv) in self.levels(l, r).into_iter().enumerate() {
            let c = &self.settings.comparisons[k];
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

/// One-to-one links between two sources: the most probable pairs first, each record used once.
pub fn one_to_one(mut pairs: Vec<ScoredPair>, threshold: f64) -> Vec<ScoredPair> {
    pairs.retain(|p| p.probability >= threshold);
    pairs.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let mut used_l = FxHashSet::default();
    let mut used_r = FxHashSet::default();
    pairs
        .into_iter()
        .filter(|p| used_l.insert(p.left) && used_r.insert(p.right))
        .collect()
}

/// Clusters of one source: connected components of the pairs at or above the threshold.
pub fn clusters(n: usize, pairs: &[ScoredPair], threshold: f64) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn root(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    for p in pairs.iter().filter(|p| p.probability >= threshold) {
        let (a, b) = (root(&mut parent, p.left), root(&mut parent, p.right));
        if a != b {
            parent[a.max(b) as usize] = a.min(b);
        }
    }
    (0..n as u32).map(|i| root(&mut parent, i)).collect()
}

/// Precision, recall and F1 of predicted pairs against true pairs.
pub fn evaluate(
    predicted: &FxHashSet<(u32, u32)>,
    truth: &FxHashSet<(u32, u32)>,
) -> (f64, f64, f64) {
    let tp = predicted.intersection(truth).count() as f64;
    let precision = tp / (predicted.len() as f64).max(1.0);
    let recall = tp / (truth.len() as f64).max(1.0);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    (precision, recall, f1)
}

/// True pairs from a true-id column: every pair of records that share a true id.
pub fn true_pairs(left: &Records, right: &Records, dedupe: bool) -> Option<FxHashSet<(u32, u32)>> {
    let (lt, rt) = (left.true_ids.as_ref()?, right.true_ids.as_ref()?);
    let mut by_id: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
    for (i, t) in rt.iter().enumerate() {
        if !t.is_empty() {
            by_id.entry(t).or_default().push(i as u32);
        }
    }
    let mut out = FxHashSet::default();
    for (i, t) in lt.iter().enumerate() {
        for &j in by_id.get(t.as_str()).map(Vec::as_slice).unwrap_or(&[]) {
            if !dedupe || j > i as u32 {
                out.insert((i as u32, j));
            }
        }
    }
    Some(out)
}

/// Expectation–maximisation over patterns of levels with their counts. With `lambda_only`,
/// m stays fixed and only the share of matches is estimated.
fn em(
    patterns: &[(Vec<u8>, f64)],
    mut m: Vec<Vec<f64>>,
    u: &[Vec<f64>],
    mut lambda: f64,
    max_iterations: usize,
    lambda_only: bool,
) -> (Vec<Vec<f64>>, f64, usize) {
    let mut iterations = 0;
    for it in 0..max_iterations {
        iterations = it + 1;
        let mut m_new: Vec<Vec<f64>> = m.iter().map(|l| vec![1e-6; l.len()]).collect();
        let mut total_match = 0.0;
        let mut total = 0.0;
        for (lv, count) in patterns {
            let mut pm = lambda;
            let mut pu = 1.0 - lambda;
            for (k, &l) in lv.iter().enumerate() {
                if l != MISSING {
                    pm *= m[k][l as usize];
                    pu *= u[k][l as usize];
                }
            }
            let post = pm / (pm + pu).max(1e-300);
            total_match += post * count;
            total += count;
            for (k, &l) in lv.iter().enumerate() {
                if l != MISSING {
                    m_new[k][l as usize] += post * count;
                }
            }
        }
        let new_lambda = (total_match / total.max(1.0)).clamp(1e-9, 1.0 - 1e-9);
        let mut change = (new_lambda - lambda).abs();
        lambda = new_lambda;
        if !lambda_only {
            for row in &mut m_new {
                let s: f64 = row.iter().sum();
                row.iter_mut().for_each(|x| *x /= s);
            }
            change = change.max(
                m.iter()
                    .flatten()
                    .zip(m_new.iter().flatten())
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max),
            );
            m = m_new;
        }
        if change < 1e-6 {
            break;
        }
    }
    (m, lambda, iterations)
}
