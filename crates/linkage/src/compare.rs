//! Comparisons: how two values of a field agree, as a level from best to worst.
//!
//! Every comparison has an ordered list of levels; level 0 is "exact", the last level is
//! "different", and a missing value on either side gives no level at all (no evidence either
//! way). The vocabulary follows Splink: comparison, level, match weight.

use serde::Deserialize;
use strsim::jaro_winkler;

/// The kinds of comparison a settings file can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Person names: exact, Dutch spelling variants (ij/y, diacritics, voorvoegsel), Jaro-Winkler
    /// bands, initials.
    Name,
    /// Dates (`YYYYMMDD` or `YYYY-MM-DD`, BRP `00` parts unknown): exact, partly unknown but
    /// compatible, day and month swapped, one digit off, same year.
    Date,
    /// Free text such as a street or a place: exact, Jaro-Winkler bands.
    Text,
    /// Codes and numbers: equal or not.
    Exact,
}

impl Kind {
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Kind::Name => &[
                "exact",
                "variant",
                "jaro-winkler >= 0.94",
                "jaro-winkler >= 0.88",
                "initials",
                "different",
            ],
            Kind::Date => &[
                "exact",
                "compatible (partly unknown)",
                "day and month swapped",
                "one digit off",
                "same year",
                "different",
            ],
            Kind::Text => &[
                "exact",
                "jaro-winkler >= 0.94",
                "jaro-winkler >= 0.85",
                "different",
            ],
            Kind::Exact => &["exact", "different"],
        }
    }
}

/// A letter without its diacritic (`ë` → `e`); other characters as they are.
pub fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'ä' | 'â' | 'Á' | 'À' | 'Ä' | 'Â' => 'a',
        'é' | 'è' | 'ë' | 'ê' | 'É' | 'È' | 'Ë' | 'Ê' => 'e',
        'í' | 'ì' | 'ï' | 'î' | 'Í' | 'Ì' | 'Ï' | 'Î' => 'i',
        'ó' | 'ò' | 'ö' | 'ô' | 'Ó' | 'Ò' | 'Ö' | 'Ô' => 'o',
        'ú' | 'ù' | 'ü' | 'û' | 'Ú' | 'Ù' | 'Ü' | 'Û' => 'u',
        'ç' | 'Ç' => 'c',
        'ñ' | 'Ñ' => 'n',
        c => c,
    }
}

/// Lower case, diacritics removed, `ij` written `y`, spaces and dashes folded.
pub fn name_variant(s: &str) -> String {
    let folded: String = s
        .chars()
        .map(fold)
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    folded.replace("ij", "y")
}

fn initials_of(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '.')
        .filter_map(|w| w.chars().next())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn looks_like_initials(s: &str) -> bool {
    s.contains('.') || (s.len() <= 3 && s.chars().all(|c| c.is_alphabetic()))
}

/// The level of a comparison of two present values.
pub fn level(kind: Kind, a: &str, b: &str) -> usize {
    match kind {
        Kind::Exact => usize::from(a != b),
        Kind::Text => {
            if a == b {
                0
            } else {
                let s = jaro_winkler(a, b);
                if s >= 0.94 {
                    1
                } else if s >= 0.85 {
                    2
                } else {
                    3
                }
            }
        }
        Kind::Name => {
            if a == b {
                return 0;
            }
            let (va, vb) = (name_variant(a), name_variant(b));
            if va == vb {
                return 1;
            }
            let s = jaro_winkler(&va, &vb);
            if s >= 0.94 {
                return 2;
            }
            if s >= 0.88 {
                return 3;
            }
            if (looks_like_initials(a) || looks_like_initials(b))
                && !initials_of(a).is_empty()
                && initials_of(a) == initials_of(b)
            {
                return 4;
            }
            5
        }
        Kind::Date => date_level(a, b),
    }
}

/// `(year, month, day)` with 0 for unknown parts; `None` when the text is not a date.
fn date_parts(s: &str) -> Option<(u32, u32, u32)> {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 8 {
        return None;
    }
    Some((
        digits[..4].parse().ok()?,
        digits[4..6].parse().ok()?,
        digits[6..].parse().ok()?,
    ))
}

fn date_level(a: &str, b: &str) -> usize {
    let (Some(x), Some(y)) = (date_parts(a), date_parts(b)) else {
        return usize::from(a != b) * 5;
    };
    if x == y {
        return 0;
    }
    let part = |p: u32, q: u32| p == q || p == 0 || q == 0;
    if x.0 == y.0
        && part(x.1, y.1)
        && part(x.2, y.2)
        && (x.1 == 0 || y.1 == 0 || x.2 == 0 || y.2 == 0)
    {
        return 1;
    }
    if x.0 == y.0 && x.1 == y.2 && x.2 == y.1 {
        return 2;
    }
    let (da, db) = (
        format!("{:04}{:02}{:02}", x.0, x.1, x.2),
        format!("{:04}{:02}{:02}", y.0, y.1, y.2),
    );
    if da.bytes().zip(db.bytes()).filter(|(p, q)| p != q).count() == 1 {
        return 3;
    }
    if x.0 == y.0 {
        return 4;
    }
    5
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn name_levels() {
        assert_eq!(level(Kind::Name, "Jansen", "Jansen"), 0);
        assert_eq!(level(Kind::Name, "Wijnberg", "Wynberg"), 1);
        assert_eq!(level(Kind::Name, "Müller", "muller"), 1);
        assert_eq!(level(Kind::Name, "Jansen", "Jansens"), 2);
        assert_eq!(level(Kind::Name, "J.P.", "Jan Pieter"), 4);
        assert_eq!(level(Kind::Name, "Jansen", "Bakker"), 5);
    }

    #[test]
    fn date_levels() {
        assert_eq!(level(Kind::Date, "1970-05-12", "19700512"), 0);
        assert_eq!(level(Kind::Date, "1970-05-00", "1970-05-12"), 1);
        assert_eq!(level(Kind::Date, "1970-05-12", "1970-12-05"), 2);
        assert_eq!(level(Kind::Date, "1970-05-12", "1970-05-13"), 3);
        assert_eq!(level(Kind::Date, "1970-05-12", "1970-08-21"), 4);
        assert_eq!(level(Kind::Date, "1970-05-12", "1971-08-21"), 5);
    }

    proptest! {
        #[test]
        fn levels_are_in_range_and_symmetric(a in "\\PC{0,20}", b in "\\PC{0,20}") {
            for kind in [Kind::Name, Kind::Date, Kind::Text, Kind::Exact] {
                let l = level(kind, &a, &b);
                prop_assert!(l < kind.levels().len());
                prop_assert_eq!(level(kind, &a, &a), 0);
                if kind != Kind::Name {
                    prop_assert_eq!(l, level(kind, &b, &a));
                }
            }
        }
    }
}
