//! Blocking: the rules' keys per record, and the candidate pairs (records equal on every
//! column of at least one rule), compared as they are found, with the counts of their level
//! patterns that training needs.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;

use super::Linker;
use super::input::{Side, Value};

/// A candidate pair with its levels, packed.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub left: u32,
    pub right: u32,
    pub(super) pattern: u64,
}

/// The candidate pairs of a run, and the counts of their level patterns per set of blocking
/// rules they agree on (what training needs).
pub struct Candidates {
    /// In chunks, as the parallel comparison produced them.
    pub pairs: Vec<Vec<Candidate>>,
    /// Pairs each blocking rule added (not found by an earlier rule).
    pub per_rule: Vec<usize>,
    pub(super) counts: PatternCounts,
}

/// Pairs per (level pattern, blocking rules agreed on).
pub(super) type PatternCounts = FxHashMap<(u64, u32), f64>;

impl Candidates {
    /// The number of candidate pairs.
    pub fn len(&self) -> usize {
        self.per_rule.iter().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub(super) struct Rule {
    /// The row slot of each part of the rule: a field, or the prefix of one.
    pub(super) parts: Vec<usize>,
    /// The same for the right input: differs from `parts` only for `a~b` parts.
    pub(super) right_parts: Vec<usize>,
    /// The field each part is of.
    pub(super) fields: Vec<usize>,
}

impl Linker<'_> {
    /// The rule's key part `i` of a record, 0 when missing.
    fn key_part(&self, rule: &Rule, i: usize, side: &Side, rec: u32, right: bool) -> Value {
        let parts = if right {
            &rule.right_parts
        } else {
            &rule.parts
        };
        side.row(rec)[parts[i]]
    }

    fn agrees(&self, rule: usize, l: u32, r: u32) -> bool {
        let rule = &self.rules[rule];
        (0..rule.parts.len()).all(|i| {
            let a = self.key_part(rule, i, &self.left, l, false);
            a != 0 && a == self.key_part(rule, i, self.right(), r, true)
        })
    }

    fn keys(&self, rule: usize, side: &Side, right: bool) -> Vec<(u64, u32)> {
        let rule = &self.rules[rule];
        let mut keys: Vec<(u64, u32)> = (0..side.len() as u32)
            .into_par_iter()
            .filter_map(|rec| {
                let mut h = FxHasher::default();
                for i in 0..rule.parts.len() {
                    let v = self.key_part(rule, i, side, rec, right);
                    if v == 0 {
                        return None;
                    }
                    h.write_u64(v);
                }
                Some((h.finish(), rec))
            })
            .collect();
        keys.par_sort_unstable();
        keys
    }

    /// Candidate pairs: equal on every column of at least one blocking rule, each pair once
    /// (under the first rule that finds it), with its levels compared.
    pub fn candidates(&self) -> Candidates {
        let mut pairs = Vec::new();
        let mut counts = PatternCounts::default();
        let mut per_rule = Vec::new();
        for k in 0..self.rules.len() {
            let lk = self.keys(k, &self.left, false);
            let rk = match &self.right {
                Some(r) => self.keys(k, r, true),
                None => Vec::new(),
            };
            let rk = if self.dedupe() { &lk } else { &rk };
            // Blocks: runs of equal keys, split into tasks of at most 64 left records.
            let mut tasks: Vec<(usize, usize, usize, usize)> = Vec::new();
            let (mut i, mut j) = (0, 0);
            while i < lk.len() && j < rk.len() {
                let (a, b) = (lk[i].0, rk[j].0);
                if a < b {
                    i += 1;
                } else if b < a {
                    j += 1;
                } else {
                    let i_end = i + lk[i..].iter().take_while(|x| x.0 == a).count();
                    let j_end = j + rk[j..].iter().take_while(|x| x.0 == a).count();
                    let mut s = i;
                    while s < i_end {
                        let e = (s + 64).min(i_end);
                        tasks.push((s, e, j, j_end));
                        s = e;
                    }
                    (i, j) = (i_end, j_end);
                }
            }
            // Tasks grouped into chunks of about 64k pairs: each chunk fills its own vector,
            // and the chunks are kept as they are (no copying into one large vector).
            let mut chunks: Vec<&[(usize, usize, usize, usize)]> = Vec::new();
            let (mut from, mut size) = (0, 0);
            for (i, t) in tasks.iter().enumerate() {
                size += (t.1 - t.0) * (t.3 - t.2);
                if size >= 1 << 16 || i + 1 == tasks.len() {
                    chunks.push(&tasks[from..=i]);
                    (from, size) = (i + 1, 0);
                }
            }
            let dedupe = self.dedupe();
            let found: Vec<(Vec<Candidate>, PatternCounts)> = chunks
                .par_iter()
                .map(|chunk| {
                    let mut out = Vec::new();
                    let mut counts = PatternCounts::default();
                    for &(s, e, js, je) in chunk.iter() {
                        for (a, &(_, l)) in lk.iter().enumerate().take(e).skip(s) {
                            let from = if dedupe { (a + 1).max(js) } else { js };
                            for &(_, r) in &rk[from.min(je)..je] {
                                if !self.agrees(k, l, r) || (0..k).any(|p| self.agrees(p, l, r)) {
                                    continue;
                                }
                                let mask = (k..self.rules.len())
                                    .filter(|&q| q == k || self.agrees(q, l, r))
                                    .fold(0u32, |m, q| m | 1 << q);
                                let (l, r) = if dedupe && r < l { (r, l) } else { (l, r) };
                                let pattern = self.pattern(l, r);
                                *counts.entry((pattern, mask)).or_insert(0.0) += 1.0;
                                out.push(Candidate {
                                    left: l,
                                    right: r,
                                    pattern,
                                });
                            }
                        }
                    }
                    (out, counts)
                })
                .collect();
            per_rule.push(found.iter().map(|(c, _)| c.len()).sum());
            for (chunk, local) in found {
                if !chunk.is_empty() {
                    pairs.push(chunk);
                }
                for (key, n) in local {
                    *counts.entry(key).or_insert(0.0) += n;
                }
            }
        }
        Candidates {
            pairs,
            per_rule,
            counts,
        }
    }
}
