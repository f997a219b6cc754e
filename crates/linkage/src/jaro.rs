//! Jaro–Winkler similarity without allocation for the short ASCII strings that names and
//! streets are; anything longer than 64 bytes or not ASCII goes to `strsim`, which this must
//! agree with (property test below).

/// Jaro–Winkler similarity in `[0, 1]`, as `strsim::jaro_winkler`.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len() > 64 || y.len() > 64 || !a.is_ascii() || !b.is_ascii() {
        return strsim::jaro_winkler(a, b);
    }
    let j = jaro(x, y);
    let prefix = x.iter().zip(y).take_while(|(p, q)| p == q).count().min(4);
    if j > 0.7 {
        j + 0.1 * prefix as f64 * (1.0 - j)
    } else {
        j
    }
}

/// A string's letter counts in sixteen classes of four bits each: enough to bound its
/// Jaro–Winkler similarity with another string without reading either (`bound`).
/// `UNKNOWN` for strings the bound cannot cover (not ASCII, or fifteen letters of one class).
pub fn signature(s: &str) -> u64 {
    if !s.is_ascii() {
        return UNKNOWN;
    }
    let mut sig = 0u64;
    for b in s.bytes() {
        let shift = 4 * u32::from(b % 16);
        if (sig >> shift) & 15 == 14 {
            return UNKNOWN;
        }
        sig += 1 << shift;
    }
    sig
}

/// The signature of strings the bound knows nothing about.
pub const UNKNOWN: u64 = u64::MAX;

/// An upper bound of the Jaro–Winkler similarity of two non-empty strings from their
/// signatures: matching characters are at most, per class, the smaller count of the two.
pub fn bound(a: u64, b: u64) -> f64 {
    if a == UNKNOWN || b == UNKNOWN {
        return 1.0;
    }
    let (mut m, mut la, mut lb) = (0u64, 0u64, 0u64);
    for i in 0..16 {
        let (x, y) = ((a >> (4 * i)) & 15, (b >> (4 * i)) & 15);
        m += x.min(y);
        la += x;
        lb += y;
    }
    if la == 0 || lb == 0 {
        return 1.0;
    }
    let m = m as f64;
    let j = ((m / la as f64 + m / lb as f64 + 1.0) / 3.0).min(1.0);
    j + 0.4 * (1.0 - j)
}

fn jaro(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_flags: u64 = 0;
    let mut b_flags: u64 = 0;
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for (j, &cb) in b.iter().enumerate().take(hi).skip(lo) {
            if b_flags & (1 << j) == 0 && ca == cb {
                a_flags |= 1 << i;
                b_flags |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        if a_flags & (1 << i) != 0 {
            while b_flags & (1 << j) == 0 {
                j += 1;
            }
            if ca != b[j] {
                transpositions += 1;
            }
            j += 1;
        }
    }
    let m = matches as f64;
    let t = (transpositions / 2) as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_bound_rules_out_unrelated_names() {
        assert!(bound(signature("jansen"), signature("bakker")) < 0.88);
        assert_eq!(bound(signature("jansen"), signature("jansen")), 1.0);
        assert_eq!(bound(signature("müller"), signature("muller")), 1.0);
        assert_eq!(signature("aaaaaaaaaaaaaaaaaaaa"), UNKNOWN);
    }

    #[test]
    fn known_values() {
        assert!(
            (jaro_winkler("martha", "marhta") - strsim::jaro_winkler("martha", "marhta")).abs()
                < 1e-12
        );
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro_winkler("abc", ""), 0.0);
        assert_eq!(jaro_winkler("jansen", "jansen"), 1.0);
    }

    proptest! {
        #[test]
        fn the_bound_is_never_below_the_similarity(a in "[a-fq-v0-9 .]{1,20}", b in "[a-fq-v0-9 .]{1,20}") {
            let bound = bound(signature(&a), signature(&b));
            prop_assert!(bound + 1e-12 >= jaro_winkler(&a, &b), "{} < {}", bound, jaro_winkler(&a, &b));
        }

        #[test]
        fn agrees_with_strsim(a in "[a-e ]{0,12}", b in "[a-e ]{0,12}") {
            prop_assert!((jaro_winkler(&a, &b) - strsim::jaro_winkler(&a, &b)).abs() < 1e-9);
        }

        #[test]
        fn agrees_with_strsim_on_any_text(a in "\\PC{0,70}", b in "\\PC{0,70}") {
            prop_assert!((jaro_winkler(&a, &b) - strsim::jaro_winkler(&a, &b)).abs() < 1e-9);
        }
    }
}
