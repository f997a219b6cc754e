//! Free-text Dutch addresses to BAG verblijfsobjecten.
//!
//! A residents' report or a police registration names an address as someone typed it:
//! `Kerkstr. 12-a Haarlem`, `kerkstraat 12 A`, `Kerkstraat 12a, 2011 AB Haarlem`, `2011AB 12a`.
//! The matcher parses street, number, letter, toevoeging, postcode and place, normalises them
//! (case, diacritics, abbreviations such as `str.`), finds candidates through an index on
//! postcode and number and on street and number, and returns one object with a confidence, or
//! no object and why. A wrong match is worse than none: when the text fits more than one object
//! equally well, the answer is "ambiguous".

use std::collections::HashMap;

/// One addressable object of the BAG, as the index needs it.
#[derive(Debug, Clone)]
pub struct BagAddress {
    pub vbo_id: String,
    pub openbare_ruimte: String,
    pub huisnummer: u32,
    pub huisletter: Option<String>,
    pub toevoeging: Option<String>,
    pub postcode: String,
    pub woonplaats: String,
}

/// What was read from a free-text address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedAddress {
    /// Normalised street name (lower case, no diacritics, abbreviations written out).
    pub street: Option<String>,
    pub number: Option<u32>,
    pub letter: Option<String>,
    pub toevoeging: Option<String>,
    pub postcode: Option<String>,
    pub place: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AddressMatch {
    Matched {
        vbo_id: String,
        confidence: f64,
        reason: &'static str,
    },
    Unmatched {
        reason: Unmatched,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmatched {
    /// No house number could be read.
    NoNumber,
    /// Neither a postcode nor a known street.
    StreetUnknown,
    /// The street or postcode is known, but not with this number.
    NumberNotFound,
    /// Several objects fit equally well.
    Ambiguous,
}

impl Unmatched {
    pub fn as_str(self) -> &'static str {
        match self {
            Unmatched::NoNumber => "geen huisnummer",
            Unmatched::StreetUnknown => "straat onbekend",
            Unmatched::NumberNotFound => "huisnummer niet gevonden",
            Unmatched::Ambiguous => "meerdere adressen mogelijk",
        }
    }
}

/// Lower case, diacritics removed, punctuation other than `-` and `.` turned into spaces.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match crate::compare::fold(c) {
            c if c.is_alphanumeric() || c == '-' || c == '.' => c.to_ascii_lowercase(),
            _ => ' ',
        };
        out.push(c);
    }
    out
}

/// Street abbreviations as people type them, written out.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("str.", "straat"),
    ("str", "straat"),
    ("ln.", "laan"),
    ("ln", "laan"),
    ("wg.", "weg"),
    ("pln.", "plein"),
    ("pl.", "plein"),
    ("kd.", "kade"),
    ("sngl.", "singel"),
    ("drf.", "dreef"),
    ("gr.", "gracht"),
];

/// A street name in the index's form: normalised, abbreviations written out, spaces folded.
pub fn street_key(s: &str) -> String {
    let n = normalise(s);
    let mut words: Vec<String> = Vec::new();
    for w in n.split_whitespace() {
        let mut w = w.trim_matches('-').to_string();
        for (abbr, full) in ABBREVIATIONS {
            if let Some(stem) = w.strip_suffix(abbr)
                && !stem.is_empty()
            {
                w = format!("{stem}{full}");
                break;
            }
        }
        let w = w.trim_end_matches('.').to_string();
        if !w.is_empty() {
            words.push(w);
        }
    }
    words.join(" ")
}

fn is_postcode4(w: &str) -> bool {
    w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()) && !w.starts_with('0')
}

fn is_letters2(w: &str) -> bool {
    w.len() == 2 && w.bytes().all(|b| b.is_ascii_lowercase())
}

/// Splits `12a`, `12-a`, `12a-2`, `12-2` into number, letter and toevoeging.
fn split_number(token: &str) -> Option<(u32, Option<String>, Option<String>)> {
    let digits: String = token.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 5 {
        return None;
    }
    let number: u32 = digits.parse().ok()?;
    if number == 0 {
        return None;
    }
    let rest = token[digits.len()..].trim_start_matches('-');
    let (letter, toevoeging) = match rest.split_once('-') {
        Some((l, t)) => (l, t),
        None => (rest, ""),
    };
    let mut letter = (!letter.is_empty()).then(|| letter.to_string());
    let mut toevoeging = (!toevoeging.is_empty()).then(|| toevoeging.to_string());
    // `12-2`: what follows the dash is a toevoeging, not a letter.
    if letter
        .as_deref()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        toevoeging = letter.take();
    }
    if letter
        .as_deref()
        .is_some_and(|l| l.len() != 1 || !l.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        // `12hs`, `12bis`: a toevoeging written against the number.
        toevoeging = letter.take();
    }
    Some((
        number,
        letter.map(|l| l.to_uppercase()),
        toevoeging.map(|t| t.to_uppercase()),
    ))
}

/// Reads street, number, letter, toevoeging, postcode and place from free text.
pub fn parse(text: &str) -> ParsedAddress {
    let n = normalise(text);
    let words: Vec<&str> = n.split_whitespace().collect();
    let mut out = ParsedAddress::default();
    let mut used = vec![false; words.len()];
    // The postcode: `2011ab`, or `2011 ab` when another token holds the house number.
    let has_digits = |skip: usize| {
        words
            .iter()
            .enumerate()
            .any(|(j, w)| j != skip && w.starts_with(|c: char| c.is_ascii_digit()))
    };
    for i in 0..words.len() {
        let w = words[i];
        if let (Some(digits), Some(letters)) = (w.get(..4), w.get(4..))
            && is_postcode4(digits)
            && is_letters2(letters)
        {
            out.postcode = Some(w.to_uppercase());
            used[i] = true;
            break;
        }
        if is_postcode4(w) && words.get(i + 1).is_some_and(|l| is_letters2(l)) && has_digits(i) {
            out.postcode = Some(format!("{w}{}", words[i + 1]).to_uppercase());
            used[i] = true;
            used[i + 1] = true;
            break;
        }
    }
    // The house number: the first remaining token that starts with a digit.
    let Some(ni) =
        (0..words.len()).find(|&i| !used[i] && words[i].starts_with(|c: char| c.is_ascii_digit()))
    else {
        out.street = street_of(&words, &used, words.len());
        return out;
    };
    if let Some((number, letter, toevoeging)) = split_number(words[ni].trim_end_matches([',', '.']))
    {
        out.number = Some(number);
        out.letter = letter;
        out.toevoeging = toevoeging;
    }
    used[ni] = true;
    // A letter or toevoeging written apart: `12 a`, `12 hs`, `12 bis`, `12 - 2`.
    let mut j = ni + 1;
    while j < words.len() && !used[j] {
        let w = words[j].trim_matches(['-', ',', '.']);
        if w.is_empty() {
            used[j] = true;
            j += 1;
            continue;
        }
        if out.letter.is_none()
            && out.toevoeging.is_none()
            && w.len() == 1
            && w.bytes().all(|b| b.is_ascii_alphabetic())
        {
            out.letter = Some(w.to_uppercase());
        } else if out.toevoeging.is_none()
            && (matches!(w, "hs" | "bis" | "huis" | "boven" | "bg")
                || (w.len() <= 4 && w.bytes().all(|b| b.is_ascii_digit())))
        {
            out.toevoeging = Some(w.to_uppercase());
        } else {
            break;
        }
        used[j] = true;
        j += 1;
    }
    out.street = street_of(&words, &used, ni);
    let place: Vec<&str> = (0..words.len())
        .filter(|&i| !used[i] && i > ni)
        .map(|i| words[i].trim_matches(','))
        .filter(|w| !w.is_empty())
        .collect();
    if !place.is_empty() {
        out.place = Some(place.join(" "));
    }
    out
}

fn street_of(words: &[&str], used: &[bool], end: usize) -> Option<String> {
    let parts: Vec<&str> = (0..end)
        .filter(|&i| !used[i])
        .map(|i| words[i].trim_matches(','))
        .filter(|w| !w.is_empty())
        .collect();
    (!parts.is_empty()).then(|| street_key(&parts.join(" ")))
}

/// An index of BAG addresses for matching.
pub struct AddressIndex {
    objects: Vec<BagAddress>,
    by_postcode: HashMap<(String, u32), Vec<usize>>,
    by_street: HashMap<(String, u32), Vec<usize>>,
    /// Street keys with how they are spelled in the BAG, for fuzzy lookups.
    streets: Vec<String>,
}

impl AddressIndex {
    pub fn new(objects: Vec<BagAddress>) -> AddressIndex {
        let mut by_postcode: HashMap<(String, u32), Vec<usize>> = HashMap::new();
        let mut by_street: HashMap<(String, u32), Vec<usize>> = HashMap::new();
        let mut streets: Vec<String> = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            by_postcode
                .entry((o.postcode.clone(), o.huisnummer))
                .or_default()
                .push(i);
            let key = street_key(&o.openbare_ruimte);
            by_street
                .entry((key.clone(), o.huisnummer))
                .or_default()
                .push(i);
            streets.push(key);
        }
        streets.sort();
        streets.dedup();
        AddressIndex {
            objects,
            by_postcode,
            by_street,
            streets,
        }
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The known street closest to `street`, if it is close enough and clearly the closest.
    fn fuzzy_street(&self, street: &str) -> Option<&str> {
        let mut best: Option<(&str, f64)> = None;
        let mut second = 0.0;
        for s in &self.streets {
            let score = strsim::jaro_winkler(street, s);
            match best {
                Some((_, b)) if score <= b => second = f64::max(second, score),
                _ => {
                    if let Some((_, b)) = best {
                        second = f64::max(second, b);
                    }
                    best = Some((s, score));
                }
            }
        }
        best.filter(|(_, score)| *score >= 0.93 && score - second >= 0.02)
            .map(|(s, _)| s)
    }

    /// Matches one free-text address.
    pub fn find(&self, text: &str) -> AddressMatch {
        let p = parse(text);
        let Some(number) = p.number else {
            return AddressMatch::Unmatched {
                reason: Unmatched::NoNumber,
            };
        };
        let mut reason = "postcode en huisnummer";
        let mut confidence = 1.0;
        let mut candidates: Vec<usize> = Vec::new();
        if let Some(pc) = &p.postcode {
            candidates = self
                .by_postcode
                .get(&(pc.clone(), number))
                .cloned()
                .unwrap_or_default();
            // A postcode that contradicts a stated street is not trusted on its own.
            if let (Some(street), false) = (&p.street, candidates.is_empty()) {
                let agrees = candidates.iter().any(|&i| {
                    let s = street_key(&self.objects[i].openbare_ruimte);
                    &s == street || strsim::jaro_winkler(street, &s) >= 0.9
                });
                if !agrees {
                    candidates.clear();
                }
            }
        }
        if candidates.is_empty() {
            let Some(street) = &p.street else {
                return AddressMatch::Unmatched {
                    reason: if p.postcode.is_some() {
                        Unmatched::NumberNotFound
                    } else {
                        Unmatched::StreetUnknown
                    },
                };
            };
            reason = "straat en huisnummer";
            let key = if self.streets.binary_search(street).is_ok() {
                street.clone()
            } else if let Some(s) = self.fuzzy_street(street) {
                confidence = 0.9;
                reason = "straat (gelijkend) en huisnummer";
                s.to_string()
            } else {
                return AddressMatch::Unmatched {
                    reason: Unmatched::StreetUnknown,
                };
            };
            candidates = self
                .by_street
                .get(&(key, number))
                .cloned()
                .unwrap_or_default();
            if candidates.is_empty() {
                return AddressMatch::Unmatched {
                    reason: Unmatched::NumberNotFound,
                };
            }
        }
        // Letter and toevoeging decide between objects with the same number.
        let fits = |i: &usize| {
            let o = &self.objects[*i];
            o.huisletter.as_deref() == p.letter.as_deref()
                && o.toevoeging.as_deref() == p.toevoeging.as_deref()
        };
        let exact: Vec<usize> = candidates.iter().copied().filter(fits).collect();
        let chosen = match exact.len() {
            1 => exact[0],
            0 if candidates.len() == 1 => {
                // The only object with this number: the text left out or garbled the letter.
                confidence *= 0.8;
                candidates[0]
            }
            _ => {
                return AddressMatch::Unmatched {
                    reason: Unmatched::Ambiguous,
                };
            }
        };
        // A stated place that is a different municipality's lowers confidence.
        if let Some(place) = &p.place
            && !normalise(&self.objects[chosen].woonplaats)
                .split_whitespace()
                .any(|w| place.contains(w))
        {
            confidence *= 0.9;
        }
        AddressMatch::Matched {
            vbo_id: self.objects[chosen].vbo_id.clone(),
            confidence,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn obj(
        id: &str,
        street: &str,
        n: u32,
        letter: Option<&str>,
        t: Option<&str>,
        pc: &str,
    ) -> BagAddress {
        BagAddress {
            vbo_id: id.into(),
            openbare_ruimte: street.into(),
            huisnummer: n,
            huisletter: letter.map(str::to_string),
            toevoeging: t.map(str::to_string),
            postcode: pc.into(),
            woonplaats: "Haarlem".into(),
        }
    }

    fn index() -> AddressIndex {
        AddressIndex::new(vec![
            obj("A12", "Kerkstraat", 12, None, None, "2011AB"),
            obj("A12a", "Kerkstraat", 12, Some("A"), None, "2011AB"),
            obj("A14", "Kerkstraat", 14, None, Some("2"), "2011AB"),
            obj("A14h", "Kerkstraat", 14, None, Some("HS"), "2011AB"),
            obj("M3", "Molenweg", 3, None, None, "2012CD"),
            obj("B1", "Burgemeester Sandbergstraat", 1, None, None, "2013EF"),
            obj("Z7", "Zuiderstraat", 7, None, None, "2014GH"),
            obj("Z7n", "Noorderstraat", 7, None, None, "2015GH"),
        ])
    }

    fn matched(i: &AddressIndex, s: &str) -> Option<String> {
        match i.find(s) {
            AddressMatch::Matched { vbo_id, .. } => Some(vbo_id),
            AddressMatch::Unmatched { .. } => None,
        }
    }

    #[test]
    fn the_forms_people_type() {
        let i = index();
        for (text, id) in [
            ("Kerkstr. 12-a Haarlem", "A12a"),
            ("kerkstraat 12 A", "A12a"),
            ("Kerkstraat 12a, 2011 AB Haarlem", "A12a"),
            ("2011AB 12a", "A12a"),
            ("Kerkstraat 12", "A12"),
            ("KERKSTRAAT 12", "A12"),
            ("Kerkstraat 14-2", "A14"),
            ("Kerkstraat 14 hs", "A14h"),
            ("Kerkstraat 14hs", "A14h"),
            ("molenweg 3 haarlem", "M3"),
            ("Mölenweg 3", "M3"),
            ("Burgemeester Sandbergstr. 1", "B1"),
            ("Kerkstraaat 12", "A12"),
            ("Kerkstraat 12 2011AB", "A12"),
        ] {
            assert_eq!(matched(&i, text).as_deref(), Some(id), "{text}");
        }
    }

    #[test]
    fn no_guess_when_unsure() {
        let i = index();
        assert_eq!(
            i.find("Kerkstraat 14"),
            AddressMatch::Unmatched {
                reason: Unmatched::Ambiguous
            }
        );
        assert_eq!(
            i.find("Stationsweg 1"),
            AddressMatch::Unmatched {
                reason: Unmatched::StreetUnknown
            }
        );
        assert_eq!(
            i.find("Kerkstraat 99"),
            AddressMatch::Unmatched {
                reason: Unmatched::NumberNotFound
            }
        );
        assert_eq!(
            i.find("bij de kerk"),
            AddressMatch::Unmatched {
                reason: Unmatched::NoNumber
            }
        );
        // A postcode that contradicts the street is not followed blindly.
        assert_eq!(matched(&i, "Molenweg 12, 2011 AB"), None);
    }

    #[test]
    fn parses_parts() {
        let p = parse("Kerkstr. 12-a, 2011 ab Haarlem");
        assert_eq!(p.street.as_deref(), Some("kerkstraat"));
        assert_eq!(
            (p.number, p.letter.as_deref(), p.postcode.as_deref()),
            (Some(12), Some("A"), Some("2011AB"))
        );
        assert_eq!(p.place.as_deref(), Some("haarlem"));
        let p = parse("Eikenlaan 12a-2");
        assert_eq!(
            (p.number, p.letter.as_deref(), p.toevoeging.as_deref()),
            (Some(12), Some("A"), Some("2"))
        );
        let p = parse("Eikenlaan 12 bis");
        assert_eq!(p.toevoeging.as_deref(), Some("BIS"));
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "\\PC{0,80}") {
            let _ = parse(&s);
            let _ = index().find(&s);
        }
    }
}
