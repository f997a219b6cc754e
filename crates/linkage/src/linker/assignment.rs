//! From scored pairs to links: one-to-one links between two sources, each record to its best
//! candidate, clusters of one source, and precision, recall and F1 against the true pairs.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::Linker;
use super::scoring::ScoredPair;

/// One-to-one links between two sources: the most probable pairs first, each record used once.
pub fn one_to_one(mut pairs: Vec<ScoredPair>, threshold: f64) -> Vec<ScoredPair> {
    pairs.retain(|p| p.probability >= threshold);
    pairs.par_sort_unstable_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then(a.left.cmp(&b.left))
            .then(a.right.cmp(&b.right))
    });
    let mut used_l = FxHashSet::default();
    let mut used_r = FxHashSet::default();
    pairs
        .into_iter()
        .filter(|p| used_l.insert(p.left) && used_r.insert(p.right))
        .collect()
}

/// Each left record to its most probable right record, for linking records to the persons
/// they are about (a person may have several records): a record whose best candidate is not
/// at least `margin` bits of match weight ahead of the next one is left unlinked, since
/// choosing between equally good candidates would be a guess.
pub fn best_per_left(pairs: Vec<ScoredPair>, threshold: f64, margin: f64) -> Vec<ScoredPair> {
    let mut best: FxHashMap<u32, (ScoredPair, f64)> = FxHashMap::default();
    for p in pairs.into_iter().filter(|p| p.probability >= threshold) {
        match best.get_mut(&p.left) {
            None => {
                best.insert(p.left, (p, f64::NEG_INFINITY));
            }
            Some((b, second)) => {
                if p.weight > b.weight || (p.weight == b.weight && p.right < b.right) {
                    *second = second.max(b.weight);
                    *b = p;
                } else {
                    *second = second.max(p.weight);
                }
            }
        }
    }
    let mut out: Vec<ScoredPair> = best
        .into_values()
        .filter(|(b, second)| b.weight - second >= margin)
        .map(|(b, _)| b)
        .collect();
    out.sort_by_key(|p| (p.left, p.right));
    out
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

impl Linker<'_> {
    /// True pairs from the true-id column: every pair of records that share a true id.
    pub fn true_pairs(&self) -> Option<FxHashSet<(u32, u32)>> {
        let dedupe = self.dedupe();
        let (lt, rt) = (
            self.left.true_ids.as_ref()?,
            self.right().true_ids.as_ref()?,
        );
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_with_two_equally_good_persons_is_not_linked() {
        let p = |left, right, weight: f64| ScoredPair {
            left,
            right,
            weight,
            probability: 1.0 / (1.0 + 2f64.powf(-weight)),
        };
        let links = best_per_left(
            vec![
                p(0, 1, 20.0),
                p(0, 2, 20.0),
                p(1, 3, 20.0),
                p(1, 4, 10.0),
                p(2, 3, 15.0),
            ],
            0.9,
            2.0,
        );
        let got: Vec<(u32, u32)> = links.iter().map(|l| (l.left, l.right)).collect();
        // Record 0 is ambiguous; records 1 and 2 may both belong to person 3.
        assert_eq!(got, [(1, 3), (2, 3)]);
    }
}
