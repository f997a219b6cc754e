//! Free-text Dutch addresses to BAG verblijfsobjecten.
//!
//! A residents' report or a police registration names an address as someone typed it:
//! `Kerkstr. 12-a Haarlem`, `kerkstraat 12 A`, `Kerkstraat 12a, 2011 AB Haarlem`, `2011AB 12a`.
//! The matcher parses street, number, letter, toevoeging, postcode and place, normalises them
//! (case, diacritics, abbreviations such as `str.`), finds candidates through an index on
//! postcode and number and on street and number, and returns one object with a confidence, or
//! no object and why. A wrong match is worse than none: when the text fits more than one object
//! equally well, the answer is "ambiguous".
//!
//! Floor and position notations (`12-2hoog`, `12 2e etage`, `12hs`, `12/H`, `12-II`,
//! `t.h.v. 12`, `bij 12`) never change the house number and are never read as the street or a
//! letter. A floor picks the object whose toevoeging writes it (`2` or `II`, `H` or `HS`);
//! without one, the number without a toevoeging, when that is one object (for an upper floor
//! only when the number has no other object: where the BAG numbers the floors, the bare number
//! is one of them).

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
    /// A floor or position (`2hoog`, `hs`, `12-II`, and a numeric toevoeging such as `12-2`):
    /// matched against the BAG's toevoeging, never taken for the street or a letter.
    pub floor: Option<Floor>,
    /// `12-H`, `12-I`: `letter` may be the floor's notation instead (huis, first floor).
    pub letter_may_be_floor: bool,
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

/// A street name in the index's form: normalised, abbreviations written out, spaces folded,
/// and `ij` written `y` (Dutch writes and types the two alike: `Lysterstraat` is
/// `Lijsterstraat`).
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
    words.join(" ").replace("ij", "y")
}

fn is_postcode4(w: &str) -> bool {
    w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()) && !w.starts_with('0')
}

fn is_letters2(w: &str) -> bool {
    w.len() == 2 && w.bytes().all(|b| b.is_ascii_lowercase())
}

/// A floor or position inside a building, as free text writes it after the house number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Floor {
    /// The ground floor: `hs`, `huis`, `12/H`, `12-H`, `bg`, `begane grond`, `12-0`.
    Ground,
    /// A numbered floor: `2hoog`, `2hg`, `2e etage`, `1e verd.`, `12-II`, `12 III`, and a
    /// numeric toevoeging (`12-2`), which in the BAG usually numbers the floor.
    Level(u16),
    /// `boven`: upstairs, no level said.
    Upstairs,
}

impl Floor {
    /// Whether a BAG huisnummertoevoeging writes this floor (`2` or `II` for the second,
    /// `H`, `HS`, `BG` or `0` for the ground floor).
    fn written_as(self, toevoeging: &str) -> bool {
        let t = toevoeging;
        match self {
            Floor::Ground => ["H", "HS", "HUIS", "BG", "0"]
                .iter()
                .any(|f| t.eq_ignore_ascii_case(f)),
            Floor::Level(n) => t.parse::<u16>().ok() == Some(n) || roman(t) == Some(n),
            Floor::Upstairs => ["BOVEN", "BOV"].iter().any(|f| t.eq_ignore_ascii_case(f)),
        }
    }
}

const ROMAN: [&str; 10] = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"];

/// `i` to `x` (any case) as 1 to 10.
fn roman(s: &str) -> Option<u16> {
    let i = ROMAN.iter().position(|r| s.eq_ignore_ascii_case(r))?;
    u16::try_from(i + 1).ok()
}

/// Words that say the number before them is a floor: `2 hoog`, `2e etage`, `1e verd.`.
const FLOOR_WORDS: &[&str] = &[
    "hoog",
    "hg",
    "etage",
    "et",
    "verd",
    "verdieping",
    "vd",
    "woonlaag",
];

const ORDINALS: &[&str] = &[
    "eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste", "negende",
    "tiende",
];

/// An ordinal written in digits: `2e`, `3de`, `1ste`.
fn is_numeric_ordinal(w: &str) -> bool {
    let digits = w.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && matches!(&w[digits..], "e" | "de" | "ste")
}

/// A floor notation at the start of `p` (lower-case pieces without punctuation), with the
/// number of pieces it takes. `after_number`: the pieces follow the house number, where a bare
/// `2`, `2e`, `III`, `hs` or `boven` is a floor; elsewhere only what says so itself (`2hoog`,
/// `2e etage`, `tweede verdieping`) is.
fn floor_at(p: [&str; 2], after_number: bool) -> Option<(Floor, usize)> {
    let [first, next] = p;
    let floor_word = FLOOR_WORDS.contains(&next);
    let with_word = |f: Floor| Some((f, if floor_word { 2 } else { 1 }));
    let digits = first.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        if digits > 4 {
            return None;
        }
        let n: u16 = first[..digits].parse().ok()?;
        let level = if n == 0 {
            Floor::Ground
        } else {
            Floor::Level(n)
        };
        return match &first[digits..] {
            "hoog" | "hg" => with_word(level),
            "e" | "de" | "ste" if after_number || floor_word => with_word(level),
            "" if floor_word => Some((level, 2)),
            "" if after_number => Some((level, 1)),
            _ => None,
        };
    }
    if floor_word && let Some(i) = ORDINALS.iter().position(|o| *o == first) {
        return Some((Floor::Level(u16::try_from(i + 1).ok()?), 2));
    }
    if !after_number {
        return None;
    }
    // A single `i` may be a letter: the caller reads it as both.
    if first.len() >= 2
        && let Some(n) = roman(first)
    {
        return with_word(Floor::Level(n));
    }
    match first {
        "hs" | "huis" | "bg" | "parterre" => Some((Floor::Ground, 1)),
        "beg" | "begane" if matches!(next, "gr" | "grond") => Some((Floor::Ground, 2)),
        "boven" | "bov" => Some((Floor::Upstairs, 1)),
        _ => None,
    }
}

/// A word without the punctuation people put around it.
fn clean(w: &str) -> &str {
    w.trim_matches([',', '.', '-'])
}

fn starts_with_digit(w: &str) -> bool {
    w.starts_with(|c: char| c.is_ascii_digit())
}

/// Marks the words that say where near a number something is, not which address:
/// `t.h.v.` and `ter hoogte van` anywhere; `bij` and `nabij` first or right before the number
/// (not in `Bij de Put`, a street).
fn mark_position_words(words: &[&str], used: &mut [bool]) {
    let mut i = 0;
    while i < words.len() {
        let w = words[i].trim_matches(',');
        let next = words.get(i + 1).map_or("", |w| w.trim_matches(','));
        let n = match w {
            "t.h.v." | "t.h.v" | "thv" | "thv." | "th.v." => 1,
            "ter" if next == "hoogte" && words.get(i + 2).is_some_and(|w| *w == "van") => 3,
            "bij" | "nabij"
                if starts_with_digit(next)
                    || (i == 0
                        && !next.is_empty()
                        && !matches!(next, "de" | "het" | "t" | "den")) =>
            {
                1
            }
            _ => 0,
        };
        for u in used.iter_mut().skip(i).take(n) {
            *u = true;
        }
        i += n.max(1);
    }
}

/// Reads street, number, letter, toevoeging, floor, postcode and place from free text.
pub fn parse(text: &str) -> ParsedAddress {
    // `12/H` is written `12-H` as well.
    let n = if text.contains('/') {
        normalise(&text.replace('/', "-"))
    } else {
        normalise(text)
    };
    let words: Vec<&str> = n.split_whitespace().collect();
    let mut out = ParsedAddress::default();
    let mut used = vec![false; words.len()];
    // The postcode: `2011ab`, or `2011 ab` when another token holds the house number.
    let has_digits = |skip: usize| {
        words
            .iter()
            .enumerate()
            .any(|(j, w)| j != skip && starts_with_digit(w))
    };
    // `1000hs` and `1000 hs` may be house number 1000, huis: a postcode only when nothing
    // else is one and another token holds the number.
    let mut house_or_postcode = None;
    for i in 0..words.len() {
        let w = words[i];
        if let (Some(digits), Some(letters)) = (w.get(..4), w.get(4..))
            && is_postcode4(digits)
            && is_letters2(letters)
        {
            if matches!(letters, "hs" | "bg") {
                house_or_postcode.get_or_insert((i, 1));
                continue;
            }
            out.postcode = Some(w.to_uppercase());
            used[i] = true;
            break;
        }
        if is_postcode4(w) && words.get(i + 1).is_some_and(|l| is_letters2(l)) && has_digits(i) {
            if words.get(i + 1).is_some_and(|l| matches!(*l, "hs" | "bg")) {
                house_or_postcode.get_or_insert((i, 2));
                continue;
            }
            out.postcode = Some(format!("{w}{}", words[i + 1]).to_uppercase());
            used[i] = true;
            used[i + 1] = true;
            break;
        }
    }
    if let Some((i, k)) = house_or_postcode
        && out.postcode.is_none()
        && has_digits(i)
    {
        out.postcode = Some(words[i..i + k].concat().to_uppercase());
        for u in &mut used[i..i + k] {
            *u = true;
        }
    }
    mark_position_words(&words, &mut used);
    // A floor that says so itself (`2hoog`, `2e etage`), wherever it stands, as long as a
    // house number remains: it is neither the number nor part of the street.
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        // Cheap first: such a floor starts with a digit or is an ordinal word (`-de`, `-ste`).
        let found = (!used[i] && (starts_with_digit(w) || w.ends_with("de") || w.ends_with("ste")))
            .then(|| {
                let next = words
                    .get(i + 1)
                    .filter(|_| !used[i + 1])
                    .map_or("", |w| clean(w));
                floor_at([clean(w), next], false)
            })
            .flatten()
            .filter(|&(_, k)| {
                (0..words.len())
                    .any(|j| !used[j] && (j < i || j >= i + k) && starts_with_digit(words[j]))
            });
        match found {
            Some((floor, k)) => {
                out.floor.get_or_insert(floor);
                for u in &mut used[i..i + k] {
                    *u = true;
                }
                i += k;
            }
            None => i += 1,
        }
    }
    // The house number: the first remaining token that starts with a digit, except an
    // ordinal before another number (`2e Jan Steenstraat 12`: part of the street).
    let is_number = |i: usize| !used[i] && starts_with_digit(words[i]);
    let Some(ni) = (0..words.len())
        .filter(|&i| is_number(i))
        .find(|&i| !is_numeric_ordinal(clean(words[i])) || !(i + 1..words.len()).any(is_number))
    else {
        out.street = street_of(&words, &used, words.len());
        return out;
    };
    let token = words[ni].trim_end_matches([',', '.']);
    let digits = token.bytes().take_while(u8::is_ascii_digit).count();
    used[ni] = true;
    if let Some(number) = (digits <= 5)
        .then(|| token[..digits].parse::<u32>().ok())
        .flatten()
        .filter(|&n| n > 0)
    {
        out.number = Some(number);
        read_suffix(&token[digits..], ni, &words, &mut used, &mut out);
    }
    out.street = street_of(&words, &used, ni);
    let place: Vec<&str> = (0..words.len())
        .filter(|&i| !used[i] && i > ni)
        .map(|i| clean(words[i]))
        .filter(|w| !w.is_empty())
        .collect();
    if !place.is_empty() {
        out.place = Some(place.join(" "));
    }
    out
}

/// Reads letter, toevoeging and floor after the house number: from the rest of its token
/// (`12a-2`, `12hs`, `12-2hoog`) and from the words after it (`12 A 2hg`, `12 2e etage`).
fn read_suffix(rest: &str, ni: usize, words: &[&str], used: &mut [bool], out: &mut ParsedAddress) {
    // Pieces with the word they come from (a floor notation takes at most two), on the stack:
    // this runs for every address.
    const MAX: usize = 8;
    let mut pieces: [(&str, usize); MAX] = [("", 0); MAX];
    let mut count = 0;
    let from_token = rest.split(['-', '.']).map(|p| (p, ni));
    let from_words = words
        .iter()
        .enumerate()
        .skip(ni + 1)
        .take(4)
        .take_while(|&(j, _)| !used[j])
        .flat_map(|(j, w)| w.split(['-', '.']).map(move |p| (p, j)));
    for piece in from_token.chain(from_words).filter(|(p, _)| !p.is_empty()) {
        if count == MAX {
            break;
        }
        pieces[count] = piece;
        count += 1;
    }
    let pieces = &pieces[..count];
    // `12-H` and `12-I`: a letter, or the ground and first floor; the BAG decides.
    let mut letter_or_floor = false;
    // A floor read here; a floor read before (`2e etage` anywhere) leaves room for a letter.
    let mut floor_read = false;
    let mut last = ni;
    let mut k = 0;
    while k < pieces.len() {
        let (p, w) = pieces[k];
        let next = pieces.get(k + 1).map_or("", |x| x.0);
        if (out.floor.is_none() || letter_or_floor)
            && let Some((floor, n)) = floor_at([p, next], true)
        {
            out.floor = Some(floor);
            out.letter_may_be_floor = false;
            letter_or_floor = false;
            floor_read = true;
            last = pieces[k + n - 1].1;
            k += n;
            continue;
        }
        if p.len() == 1
            && p.bytes().all(|b| b.is_ascii_alphabetic())
            && out.letter.is_none()
            && out.toevoeging.is_none()
            && !floor_read
        {
            out.letter = Some(p.to_uppercase());
            if out.floor.is_none() {
                out.floor = match p {
                    "h" => Some(Floor::Ground),
                    "i" => Some(Floor::Level(1)),
                    _ => None,
                };
                letter_or_floor = out.floor.is_some();
                out.letter_may_be_floor = letter_or_floor;
            }
        } else if out.toevoeging.is_none() && (p == "bis" || w == ni) {
            // `12bis`, `12abc`: a toevoeging written against the number.
            out.toevoeging = Some(p.to_uppercase());
        } else {
            break;
        }
        last = w;
        k += 1;
    }
    // Words between the number and the last piece read (a lone `-`) are read too.
    for u in &mut used[ni..=last] {
        *u = true;
    }
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

    /// Decides between the objects with the stated number by letter, toevoeging and floor;
    /// `None` when that would be a guess.
    fn choose(
        &self,
        candidates: &[usize],
        p: &ParsedAddress,
        confidence: &mut f64,
    ) -> Option<usize> {
        let Some(floor) = p.floor else {
            let fits = |o: &BagAddress| {
                o.huisletter.as_deref() == p.letter.as_deref()
                    && o.toevoeging.as_deref() == p.toevoeging.as_deref()
            };
            return match fitting(candidates, |i| fits(&self.objects[i])) {
                Fit::One(i) => Some(i),
                Fit::Several => None,
                Fit::None if candidates.len() == 1 => {
                    // The only object with this number: the text left out or garbled the letter.
                    *confidence *= 0.8;
                    Some(candidates[0])
                }
                Fit::None => None,
            };
        };
        // The letter the floor belongs to: none when the letter was the floor's notation.
        let letter = if p.letter_may_be_floor {
            None
        } else {
            p.letter.as_deref()
        };
        // The BAG's own toevoeging for this floor (`2`, `II`, `H`), or the letter as written.
        let fits = |o: &BagAddress| {
            let floor_fits = o.huisletter.as_deref() == letter
                && o.toevoeging
                    .as_deref()
                    .is_some_and(|t| floor.written_as(t) || p.toevoeging.as_deref() == Some(t));
            let letter_fits = p.letter_may_be_floor
                && o.huisletter.as_deref() == p.letter.as_deref()
                && o.toevoeging.is_none();
            floor_fits || letter_fits
        };
        match fitting(candidates, |i| fits(&self.objects[i])) {
            Fit::One(i) => return Some(i),
            Fit::Several => return None,
            Fit::None => {}
        }
        // No object for this floor: the number without it, when that is one object. An upper
        // floor only when the number has no other object with this letter: where the BAG
        // divides the number into floors, the bare number is one of them (usually the ground
        // floor), and taking it would be a guess.
        let same_letter = |i: usize| self.objects[i].huisletter.as_deref() == letter;
        let bare = fitting(candidates, |i| {
            same_letter(i) && self.objects[i].toevoeging.is_none()
        });
        if let Fit::One(b) = bare
            && (floor == Floor::Ground
                || candidates.iter().filter(|&&i| same_letter(i)).count() == 1)
        {
            *confidence *= 0.9;
            return Some(b);
        }
        if candidates.len() == 1 {
            *confidence *= 0.8;
            return Some(candidates[0]);
        }
        None
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
        let Some(chosen) = self.choose(&candidates, &p, &mut confidence) else {
            return AddressMatch::Unmatched {
                reason: Unmatched::Ambiguous,
            };
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

/// How many candidates fit.
enum Fit {
    None,
    One(usize),
    Several,
}

fn fitting(candidates: &[usize], fits: impl Fn(usize) -> bool) -> Fit {
    let mut found = Fit::None;
    for &i in candidates {
        if fits(i) {
            if let Fit::One(_) = found {
                return Fit::Several;
            }
            found = Fit::One(i);
        }
    }
    found
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
            obj("L120a", "Lijsterstraat", 120, Some("A"), None, "2016AB"),
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
            // IJ typed as Y, as Dutch writers do.
            ("Lysterstraat 120A", "L120a"),
            ("LIJSTERSTR. 120-a", "L120a"),
            ("Lĳsterstraat 120 A", "L120a"),
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
            (p.number, p.letter.as_deref(), p.floor),
            (Some(12), Some("A"), Some(Floor::Level(2)))
        );
        let p = parse("Eikenlaan 12 bis");
        assert_eq!(p.toevoeging.as_deref(), Some("BIS"));
    }

    /// Floor and position notations after (or around) house number `{n}`; `true` when the
    /// notation carries the letter A.
    const FLOOR_NOTATIONS: &[(&str, bool)] = &[
        ("Dorpsstraat {n}-2hoog", false),
        ("Dorpsstraat {n}-2-hoog", false),
        ("Dorpsstraat {n} 2 hoog", false),
        ("Dorpsstraat {n} 2e etage", false),
        ("Dorpsstraat {n}, 3de etage", false),
        ("Dorpsstraat {n} tweede verdieping", false),
        ("2e etage, Dorpsstraat {n}", false),
        ("Dorpsstraat {n}hs", false),
        ("Dorpsstraat {n} hs", false),
        ("Dorpsstraat {n} huis", false),
        ("Dorpsstraat {n}/H", false),
        ("Dorpsstraat {n}-H", false),
        ("Dorpsstraat {n}-I", false),
        ("Dorpsstraat {n}-II", false),
        ("Dorpsstraat {n} III", false),
        ("Dorpsstraat {n} bg", false),
        ("Dorpsstraat {n} begane grond", false),
        ("Dorpsstraat {n}-1", false),
        ("Dorpsstraat {n} 1e verd.", false),
        ("Dorpsstraat {n} boven", false),
        ("Dorpsstraat t.h.v. {n}", false),
        ("t.h.v. Dorpsstraat {n}", false),
        ("Dorpsstraat ter hoogte van {n}", false),
        ("Dorpsstraat bij {n}", false),
        ("bij Dorpsstraat {n}", false),
        ("Dorpsstraat {n}A-2", true),
        ("Dorpsstraat {n} A 2hg", true),
        ("Dorpsstraat {n}a 1e etage", true),
        ("Dorpsstraat {n}-a-II", true),
    ];

    /// Dorpsstraat with `n`, `nA`, and the numbers floors are written with (1, 2, 3).
    fn floor_index(n: u32) -> AddressIndex {
        let mut numbers = std::collections::BTreeSet::from([1, 2, 3, n, n + 1, 10 * n + 2]);
        if n > 1 {
            numbers.insert(n - 1);
        }
        let mut objects: Vec<BagAddress> = numbers
            .into_iter()
            .filter(|&x| x <= 99_999)
            .map(|x| obj(&format!("D{x}"), "Dorpsstraat", x, None, None, "3011AA"))
            .collect();
        objects.push(obj(
            &format!("D{n}a"),
            "Dorpsstraat",
            n,
            Some("A"),
            None,
            "3011AA",
        ));
        AddressIndex::new(objects)
    }

    #[test]
    fn floor_notations_are_neither_street_nor_letter() {
        for &(notation, with_letter) in FLOOR_NOTATIONS {
            let text = notation.replace("{n}", "12");
            let p = parse(&text);
            assert_eq!(p.number, Some(12), "{text}");
            assert_eq!(p.street.as_deref(), Some("dorpsstraat"), "{text}");
            if with_letter {
                assert_eq!(p.letter.as_deref(), Some("A"), "{text}");
            } else if !p.letter_may_be_floor {
                assert_eq!(p.letter, None, "{text}");
            }
            assert_eq!(p.toevoeging, None, "{text}");
            let position = ["t.h.v", "hoogte", "bij"].iter().any(|w| text.contains(w));
            assert_eq!(p.floor.is_some(), !position, "{text}: {:?}", p.floor);
        }
        let p = parse("Dorpsstraat 12-2hoog");
        assert_eq!(p.floor, Some(Floor::Level(2)));
        let p = parse("Dorpsstraat 12 III");
        assert_eq!(p.floor, Some(Floor::Level(3)));
        let p = parse("Dorpsstraat 12/H");
        assert_eq!(
            (p.letter.as_deref(), p.floor, p.letter_may_be_floor),
            (Some("H"), Some(Floor::Ground), true)
        );
        let p = parse("Dorpsstraat 12 1e verd. Haarlem");
        assert_eq!(
            (p.floor, p.place.as_deref()),
            (Some(Floor::Level(1)), Some("haarlem"))
        );
        // An ordinal before the street is the street's (`2e Jan Steenstraat`).
        let p = parse("2e Jan Steenstraat 12 3hoog");
        assert_eq!(
            (p.street.as_deref(), p.number, p.floor),
            (Some("2e jan steenstraat"), Some(12), Some(Floor::Level(3)))
        );
        // `1000hs` is a house number with huis unless a number stands elsewhere.
        assert_eq!(
            (
                parse("Dorpsstraat 1000hs").number,
                parse("Dorpsstraat 1000 hs").number
            ),
            (Some(1000), Some(1000))
        );
        let p = parse("Dorpsstraat 12, 1000 HS Amsterdam");
        assert_eq!(
            (p.number, p.postcode.as_deref(), p.floor),
            (Some(12), Some("1000HS"), None)
        );
        // `Bij de Put` is a street (in the index's key form, `ij` written `y`).
        assert_eq!(parse("Bij de Put 4").street.as_deref(), Some("by de put"));
    }

    #[test]
    fn floor_notations_match_the_number_without_a_floor_in_the_bag() {
        let i = floor_index(12);
        for &(notation, with_letter) in FLOOR_NOTATIONS {
            let text = notation.replace("{n}", "12");
            let want = if with_letter { "D12a" } else { "D12" };
            assert_eq!(matched(&i, &text).as_deref(), Some(want), "{text}");
        }
        let i = AddressIndex::new(vec![
            obj("J12", "2e Jan Steenstraat", 12, None, None, "1073AA"),
            obj("J2", "2e Jan Steenstraat", 2, None, None, "1073AA"),
        ]);
        assert_eq!(
            matched(&i, "2e Jan Steenstraat 12 3hoog").as_deref(),
            Some("J12")
        );
    }

    #[test]
    fn floor_notations_prefer_the_bags_toevoeging() {
        let i = AddressIndex::new(vec![
            // Numbers and H, as in Amsterdam.
            obj("G8h", "Gracht", 8, None, Some("H"), "1015AA"),
            obj("G8-1", "Gracht", 8, None, Some("1"), "1015AA"),
            obj("G8-2", "Gracht", 8, None, Some("2"), "1015AA"),
            obj("G8-3", "Gracht", 8, None, Some("3"), "1015AA"),
            // Roman numerals.
            obj("S5h", "Singel", 5, None, Some("H"), "1016AA"),
            obj("S5-I", "Singel", 5, None, Some("I"), "1016AA"),
            obj("S5-II", "Singel", 5, None, Some("II"), "1016AA"),
            // The bare number with floors beside it.
            obj("L20", "Laan", 20, None, None, "1017AA"),
            obj("L20-1", "Laan", 20, None, Some("1"), "1017AA"),
            obj("L20-2", "Laan", 20, None, Some("2"), "1017AA"),
            // A real letter H.
            obj("H7", "Hofje", 7, None, None, "1018AA"),
            obj("H7h", "Hofje", 7, Some("H"), None, "1018AA"),
        ]);
        for (text, want) in [
            ("Gracht 8-2hoog", Some("G8-2")),
            ("Gracht 8 2e etage", Some("G8-2")),
            ("Gracht 8-II", Some("G8-2")),
            ("Gracht 8 III", Some("G8-3")),
            ("Gracht 8-I", Some("G8-1")),
            ("Gracht 8 1e verd.", Some("G8-1")),
            ("Gracht 8-1", Some("G8-1")),
            ("Gracht 8/H", Some("G8h")),
            ("Gracht 8hs", Some("G8h")),
            ("Gracht 8 bg", Some("G8h")),
            ("t.h.v. Gracht 8-3", Some("G8-3")),
            // No fourth floor, no bare number: no guess.
            ("Gracht 8 4hoog", None),
            ("Gracht 8", None),
            ("Singel 5-2hoog", Some("S5-II")),
            ("Singel 5 1e etage", Some("S5-I")),
            ("Singel 5-I", Some("S5-I")),
            ("Singel 5hs", Some("S5h")),
            ("Laan 20", Some("L20")),
            ("Laan 20 2e etage", Some("L20-2")),
            ("Laan 20hs", Some("L20")),
            ("Laan 20 bg", Some("L20")),
            // The bare number is one of the floors (the ground floor): not the third.
            ("Laan 20 3hoog", None),
            ("Laan 20 boven", None),
            ("Hofje 7-H", Some("H7h")),
            ("Hofje 7h", Some("H7h")),
            ("Hofje 7 hs", Some("H7")),
            ("Hofje 7 huis", Some("H7")),
        ] {
            assert_eq!(matched(&i, text).as_deref(), want, "{text}");
        }
    }

    proptest! {
        /// No floor or position notation changes the house number that is read or matched.
        #[test]
        fn floor_notations_keep_the_number(
            n in 1u32..=99_999,
            k in 0..FLOOR_NOTATIONS.len(),
            tail in prop::sample::select(vec!["", " Haarlem", ", 3011 AA Haarlem", " 3011AA"]),
        ) {
            let (notation, with_letter) = FLOOR_NOTATIONS[k];
            let text = format!("{}{tail}", notation.replace("{n}", &n.to_string()));
            prop_assert_eq!(parse(&text).number, Some(n), "{}", text);
            let want = if with_letter { format!("D{n}a") } else { format!("D{n}") };
            prop_assert_eq!(matched(&floor_index(n), &text), Some(want), "{}", text);
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "\\PC{0,80}") {
            let _ = parse(&s);
            let _ = index().find(&s);
        }
    }
}
