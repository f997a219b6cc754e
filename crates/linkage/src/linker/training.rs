//! Training without labels: u-probabilities from random pairs, m-probabilities by
//! expectation–maximisation per blocking rule, and the prior λ as a share of all pairs.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::blocking::Candidates;
use super::{Linker, MISSING, level_of, log2};

/// The estimated model: per comparison and level, m and u, and the prior.
#[derive(Debug, Clone)]
pub struct Model {
    /// The probability that two records drawn at random are a match.
    pub lambda: f64,
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    pub iterations: usize,
}

impl Linker<'_> {
    /// u-probabilities from random pairs (almost all of them non-matches).
    fn estimate_u(&self, seed: u64) -> Vec<Vec<f64>> {
        let nl = self.left.len() as u64;
        let nr = self.right().len() as u64;
        let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let n = (self.settings.u_pairs as u64).min(nl * nr).max(1) as usize;
        let sample: Vec<(u32, u32)> = (0..n)
            .map(|_| ((next() % nl.max(1)) as u32, (next() % nr.max(1)) as u32))
            .filter(|(l, r)| !(self.dedupe() && l == r))
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
                    for (k, c) in counts.iter_mut().enumerate() {
                        let lv = self.level(k, l, r);
                        if lv != MISSING {
                            c[lv as usize] += 1.0;
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
    /// that agree on that rule, leaving out the comparisons of the rule's own columns and those
    /// that 99% of its pairs agree on (they say nothing there); then λ, the probability that two
    /// random records match, as the expected number of matches among the candidates (with m
    /// and u fixed) over all pairs of records, by fixed-point iteration. λ is a share of all
    /// pairs because u is measured on random pairs: prior and Bayes factors then refer to the
    /// same population, so probabilities stay honest however large one side is.
    pub fn train(&self, candidates: &Candidates, seed: u64) -> Model {
        let u = self.estimate_u(seed);
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
        for (q, rule) in self.rules.iter().enumerate() {
            // Comparisons that (almost) every pair of this rule agrees on say nothing about
            // these pairs: the rule's own columns, and columns that follow from them (the
            // street of a postcode and house number).
            let mut exact = vec![0.0f64; self.comparisons.len()];
            let mut present = vec![0.0f64; self.comparisons.len()];
            for (&(p, mask), &n) in &candidates.counts {
                if mask & (1 << q) != 0 {
                    for k in 0..self.comparisons.len() {
                        match level_of(p, k) {
                            MISSING => {}
                            0 => {
                                exact[k] += n;
                                present[k] += n;
                            }
                            _ => present[k] += n,
                        }
                    }
                }
            }
            let excluded: Vec<bool> = self
                .comparisons
                .iter()
                .enumerate()
                .map(|(k, c)| rule.fields.contains(&c.field) || exact[k] >= 0.99 * present[k])
                .collect();
            let clear = excluded
                .iter()
                .enumerate()
                .filter(|(_, x)| **x)
                .fold(0u64, |m, (k, _)| m | 15 << (4 * k));
            let mut patterns: FxHashMap<u64, f64> = FxHashMap::default();
            for (&(p, mask), &n) in &candidates.counts {
                if mask & (1 << q) != 0 {
                    *patterns.entry(p | clear).or_insert(0.0) += n;
                }
            }
            let patterns: Vec<(u64, f64)> = patterns.into_iter().collect();
            let (m, its) = em(&patterns, initial.clone(), &u, self.settings.max_iterations);
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
        let mut patterns: FxHashMap<u64, f64> = FxHashMap::default();
        for (&(p, _), &n) in &candidates.counts {
            *patterns.entry(p).or_insert(0.0) += n;
        }
        let bayes: Vec<(f64, f64)> = patterns
            .iter()
            .map(|(&p, &n)| {
                let b = (0..m.len())
                    .map(|k| level_of(p, k))
                    .enumerate()
                    .filter(|(_, l)| *l != MISSING)
                    .map(|(k, l)| log2(m[k][l as usize]) - log2(u[k][l as usize]))
                    .sum::<f64>();
                (b, n)
            })
            .collect();
        let all = self.all_pairs().max(1.0);
        let smaller = self.left.len().min(self.right().len()) as f64;
        let mut lambda = (smaller / all).clamp(1e-12, 0.5);
        for it in 0..self.settings.max_iterations.max(100) {
            iterations += 1;
            let prior = log2(lambda) - log2(1.0 - lambda);
            let expected: f64 = bayes
                .iter()
                .map(|&(b, n)| {
                    let w = prior + b;
                    n / (1.0 + 2f64.powf(-w))
                })
                .sum();
            let next = (expected / all).clamp(1e-12, 1.0 - 1e-9);
            let change = (next - lambda).abs() / lambda;
            lambda = next;
            if change < 1e-7 || it > 1000 {
                break;
            }
        }
        Model {
            lambda,
            m,
            u,
            iterations,
        }
    }
}

/// Expectation–maximisation of m (and the share of matches) over patterns of levels with
/// their counts, u fixed.
fn em(
    patterns: &[(u64, f64)],
    mut m: Vec<Vec<f64>>,
    u: &[Vec<f64>],
    max_iterations: usize,
) -> (Vec<Vec<f64>>, usize) {
    let mut lambda: f64 = 0.1;
    let mut iterations = 0;
    let n = m.len();
    for it in 0..max_iterations {
        iterations = it + 1;
        let mut m_new: Vec<Vec<f64>> = m.iter().map(|l| vec![1e-6; l.len()]).collect();
        let mut total_match = 0.0;
        let mut total = 0.0;
        for &(p, count) in patterns {
            let mut pm = lambda;
            let mut pu = 1.0 - lambda;
            for k in 0..n {
                let l = level_of(p, k);
                if l != MISSING {
                    pm *= m[k][l as usize];
                    pu *= u[k][l as usize];
                }
            }
            let post = pm / (pm + pu).max(1e-300);
            total_match += post * count;
            total += count;
            for (k, row) in m_new.iter_mut().enumerate() {
                let l = level_of(p, k);
                if l != MISSING {
                    row[l as usize] += post * count;
                }
            }
        }
        let new_lambda = (total_match / f64::max(total, 1.0)).clamp(1e-9, 1.0 - 1e-9);
        let mut change = (new_lambda - lambda).abs();
        lambda = new_lambda;
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
        if change < 1e-6 {
            break;
        }
    }
    (m, iterations)
}
