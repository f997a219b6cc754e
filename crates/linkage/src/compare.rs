//! Comparisons: how two values of a field agree, as a level from best to worst.
//!
//! Every comparison has an ordered list of levels; level 0 is "exact", the last level is
//! "different", and a missing value on either side gives no level at all (no evidence either
//! way). The vocabulary follows Splink: comparison, level, match weight.

use serde::Deserialize;

/// The kinds of comparison a settings file can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Person names: exact, Dutch spelling variants (ij/y, diacritics, voorvoegsel moved into
    /// the name), Jaro-Winkler bands, first and last name swapped, initials.
    Name,
    /// Dates (`YYYYMMDD` or `YYYY-MM-DD`, BRP `00` parts unknown): exact, partly unknown but
    /// compatible, day and month swapped, one digit off, same year.
    Date,
    /// Free text such as a street or a place: exact, Jaro-Winkler bands.
    Text,
    /// Codes and numbers: equal or not.
    Exact,
    /// An address from several columns (the comparison's column is the postcode; the house
    /// number, street and place columns are named beside it): same address, same postcode,
    /// same street and place, same place. One comparison, because the parts of an address
    /// change together when someone moves.
    Address,
}

impl Kind {
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Kind::Name => &[
                "exact",
                "variant",
                "jaro-winkler >= 0.94",
                "jaro-winkler >= 0.88",
                "first and last name swapped",
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
            Kind::Address => &[
                "same address",
                "same postcode",
                "same street and place",
                "same place",
                "different",
            ],
        }
    }
}

/// The Dutch words shown to users for a level of [`Kind::levels`], for `missing` and for the
/// prior of a waterfall. The English names stay what the linker writes (in waterfalls that
/// are stored), so only what is printed or shown goes through here; other text as it is.
pub fn in_dutch(level: &str) -> &str {
    match level {
        "prior (two random records match)" => "vooraf: twee willekeurige records horen bij elkaar",
        "exact" => "gelijk",
        "variant" => "spellingsvariant",
        "jaro-winkler >= 0.94" => "bijna gelijk (Jaro-Winkler ten minste 0,94)",
        "jaro-winkler >= 0.88" => "lijkt sterk (Jaro-Winkler ten minste 0,88)",
        "jaro-winkler >= 0.85" => "lijkt sterk (Jaro-Winkler ten minste 0,85)",
        "first and last name swapped" => "voor- en achternaam verwisseld",
        "initials" => "alleen de voorletters gelijk",
        "different" => "verschillend",
        "compatible (partly unknown)" => "past (deels onbekend)",
        "day and month swapped" => "dag en maand verwisseld",
        "one digit off" => "één cijfer anders",
        "same year" => "zelfde jaar",
        "same address" => "zelfde adres",
        "same postcode" => "zelfde postcode",
        "same street and place" => "zelfde straat en plaats",
        "same place" => "zelfde plaats",
        "missing" => "ontbreekt",
        other => other,
    }
}

/// A letter without its diacritic (`ë` → `e`, the ligature `ĳ` → `y`); other characters as
/// they are.
pub fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'ä' | 'â' | 'Á' | 'À' | 'Ä' | 'Â' => 'a',
        'é' | 'è' | 'ë' | 'ê' | 'É' | 'È' | 'Ë' | 'Ê' => 'e',
        'í' | 'ì' | 'ï' | 'î' | 'Í' | 'Ì' | 'Ï' | 'Î' => 'i',
        'ó' | 'ò' | 'ö' | 'ô' | 'Ó' | 'Ò' | 'Ö' | 'Ô' => 'o',
        'ú' | 'ù' | 'ü' | 'û' | 'Ú' | 'Ù' | 'Ü' | 'Û' => 'u',
        'ç' | 'Ç' => 'c',
        'ñ' | 'Ñ' => 'n',
        // The IJ ligature, written as Y as `ij` is.
        'ĳ' | 'Ĳ' => 'y',
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

/// The initials of a name: `Jan Pieter` and `J.P.` both give `jp`.
pub fn initials_of(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '.')
        .filter_map(|w| w.chars().next())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether a name is written as initials (`J.P.`, `JP`).
pub fn looks_like_initials(s: &str) -> bool {
    s.contains('.') || (s.len() <= 3 && s.chars().all(|c| c.is_alphabetic()))
}

/// A date as `(year, month, day)` with 0 for unknown parts (BRP writes `00`); `None` when the
/// text has not exactly eight digits.
pub fn date_parts(s: &str) -> Option<(u16, u8, u8)> {
    let mut d = [0u8; 8];
    let mut n = 0;
    for b in s.bytes().filter(u8::is_ascii_digit) {
        if n == 8 {
            return None;
        }
        d[n] = b - b'0';
        n += 1;
    }
    if n != 8 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| d[r].iter().fold(0u16, |a, &x| a * 10 + u16::from(x));
    Some((num(0..4), num(4..6) as u8, num(6..8) as u8))
}

fn digits((y, m, d): (u16, u8, u8)) -> [u8; 8] {
    [
        (y / 1000 % 10) as u8,
        (y / 100 % 10) as u8,
        (y / 10 % 10) as u8,
        (y % 10) as u8,
        m / 10,
        m % 10,
        d / 10,
        d % 10,
    ]
}

/// The level of two dates that are present and not textually equal.
pub fn date_level(x: Option<(u16, u8, u8)>, y: Option<(u16, u8, u8)>) -> u8 {
    let (Some(x), Some(y)) = (x, y) else {
        return 5;
    };
    if x == y {
        return 0;
    }
    let part = |p: u8, q: u8| p == q || p == 0 || q == 0;
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
    let (a, b) = (digits(x), digits(y));
    if a.iter().zip(&b).filter(|(p, q)| p != q).count() == 1 {
        return 3;
    }
    if x.0 == y.0 {
        return 4;
    }
    5
}

/// The level of two texts that are present and not equal: `bound` is an upper bound of their
/// similarity (`jaro::bound`), `similarity` computes it (only when the bound leaves room).
pub fn text_level(bound: f64, similarity: impl FnOnce() -> f64) -> u8 {
    if bound < 0.85 {
        return 3;
    }
    let s = similarity();
    if s >= 0.94 {
        1
    } else if s >= 0.85 {
        2
    } else {
        3
    }
}

/// What the name level needs to know about one pair beyond the two values.
pub struct NamePair {
    /// An upper bound of the similarity of the two spelling variants (`jaro::bound`).
    pub bound: f64,
    pub same_variant: bool,
    /// Voorvoegsel and name together agree (`van` + `Dijk` against `Van Dijk`).
    pub same_with_voorvoegsel: bool,
    /// This name on one side is the other name field on the other side, and the reverse.
    pub swapped: bool,
    /// Either value is written as initials, and the initials agree.
    pub same_initials: bool,
}

/// The level of two names that are present and not equal; `similarity` computes the
/// Jaro–Winkler similarity of their spelling variants (only when the bound leaves room).
pub fn name_level(p: &NamePair, similarity: impl FnOnce() -> f64) -> u8 {
    if p.same_variant || p.same_with_voorvoegsel {
        return 1;
    }
    let s = if p.bound < 0.88 { 0.0 } else { similarity() };
    if s >= 0.94 {
        2
    } else if s >= 0.88 {
        3
    } else if p.swapped {
        4
    } else if p.same_initials {
        5
    } else {
        6
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every level a user can see has Dutch words.
    #[test]
    fn every_level_is_shown_in_dutch() {
        for kind in [
            Kind::Name,
            Kind::Date,
            Kind::Text,
            Kind::Exact,
            Kind::Address,
        ] {
            for level in kind.levels() {
                assert_ne!(in_dutch(level), *level, "{level}");
            }
        }
        assert_eq!(in_dutch("missing"), "ontbreekt");
    }

    #[test]
    fn date_levels() {
        let l = |a: &str, b: &str| date_level(date_parts(a), date_parts(b));
        assert_eq!(l("1970-05-12", "19700512"), 0);
        assert_eq!(l("1970-05-00", "1970-05-12"), 1);
        assert_eq!(l("1970-00-00", "1970-05-12"), 1);
        assert_eq!(l("1970-05-12", "1970-12-05"), 2);
        assert_eq!(l("1970-05-12", "1970-05-13"), 3);
        assert_eq!(l("1970-05-12", "1970-08-21"), 4);
        assert_eq!(l("1970-05-12", "1971-08-21"), 5);
        assert_eq!(l("onbekend", "1971-08-21"), 5);
        assert_eq!(date_parts("1970-05-12-1"), None);
    }

    #[test]
    fn spelling_variants_fold_together() {
        assert_eq!(name_variant("Wijnberg"), name_variant("wynberg"));
        assert_eq!(name_variant("Müller"), name_variant("muller"));
        assert_eq!(name_variant("van Dijk"), name_variant("VanDijk"));
        assert_eq!(initials_of("J.P."), initials_of("Jan Pieter"));
        assert!(looks_like_initials("j.p."));
        assert!(!looks_like_initials("jansen"));
    }
}
