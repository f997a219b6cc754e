//! Dutch names, streets and the typing errors people make with them.

use crate::rng::Rng;

pub const FIRST_M: &[&str] = &[
    "Jan", "Pieter", "Johannes", "Hendrik", "Cornelis", "Willem", "Gerrit", "Jacob", "Dirk",
    "Daan", "Sem", "Lucas", "Levi", "Finn", "Noah", "Bram", "Thijs", "Ruben", "Jesse", "Stijn",
    "Mohamed", "Ahmed", "Youssef", "Mehmet", "Kevin", "Dennis", "Mark", "Peter", "Erik", "Hans",
    "Kees", "Wim", "Joost", "Tim", "Niels", "Wouter", "Bas", "Sander", "Jeroen", "Martijn", "Rik",
    "Tom", "Lars", "Milan", "Julian", "Sven",
];
pub const FIRST_V: &[&str] = &[
    "Maria",
    "Anna",
    "Johanna",
    "Cornelia",
    "Elisabeth",
    "Wilhelmina",
    "Emma",
    "Julia",
    "Sophie",
    "Tess",
    "Sara",
    "Fleur",
    "Lisa",
    "Iris",
    "Anouk",
    "Sanne",
    "Lotte",
    "Eva",
    "Noor",
    "Fenna",
    "Fatima",
    "Khadija",
    "Aisha",
    "Elif",
    "Ingrid",
    "Marieke",
    "Petra",
    "Monique",
    "Linda",
    "Sandra",
    "Esther",
    "Anja",
    "Ellen",
    "Karin",
    "Mirjam",
    "Annemarie",
    "Femke",
    "Roos",
    "Yara",
    "Lieke",
    "Marloes",
    "Hanneke",
    "Ilse",
    "Nienke",
    "Zoë",
];
/// Less common first names: a register of millions holds thousands of first names, and the
/// common ones above alone would give it far more namesakes than a real one has.
pub const FIRST_M_TAIL: &[&str] = &[
    "Adriaan",
    "Alexander",
    "Anton",
    "Arend",
    "Arjen",
    "Arnoud",
    "Bart",
    "Benjamin",
    "Boaz",
    "Boris",
    "Casper",
    "Christiaan",
    "Coen",
    "David",
    "Dylan",
    "Eelco",
    "Emre",
    "Evert",
    "Fabian",
    "Floris",
    "Frank",
    "Frederik",
    "Gijs",
    "Govert",
    "Hamza",
    "Harm",
    "Hidde",
    "Hugo",
    "Ibrahim",
    "Idris",
    "Jasper",
    "Jelle",
    "Jeroen",
    "Job",
    "Joep",
    "Jonas",
    "Jorrit",
    "Jurre",
    "Karel",
    "Koen",
    "Laurens",
    "Leon",
    "Luuk",
    "Maarten",
    "Marius",
    "Mats",
    "Matthijs",
    "Maurits",
    "Max",
    "Mees",
    "Menno",
    "Merijn",
    "Michiel",
    "Mustafa",
    "Olivier",
    "Otto",
    "Pim",
    "Quinten",
    "Ravi",
    "Reinier",
    "Remco",
    "Robin",
    "Roel",
    "Rutger",
    "Sebastiaan",
    "Siebe",
    "Siem",
    "Stefan",
    "Teun",
    "Thomas",
    "Tijmen",
    "Valentijn",
    "Victor",
    "Vincent",
    "Wessel",
    "Wiebe",
    "Yusuf",
    "Zakaria",
    "Ids",
    "Auke",
    "Folkert",
    "Gerben",
    "Hylke",
    "Jildert",
    "Oene",
    "Sjoerd",
];
pub const FIRST_V_TAIL: &[&str] = &[
    "Aaltje",
    "Agnes",
    "Amber",
    "Amira",
    "Annelies",
    "Astrid",
    "Bente",
    "Bianca",
    "Carlijn",
    "Charlotte",
    "Chantal",
    "Claudia",
    "Daphne",
    "Demi",
    "Dewi",
    "Dieuwke",
    "Elise",
    "Esmee",
    "Evelien",
    "Floor",
    "Froukje",
    "Geertje",
    "Gerda",
    "Hanna",
    "Heleen",
    "Hester",
    "Ilona",
    "Imane",
    "Inge",
    "Isa",
    "Jacoba",
    "Janneke",
    "Jasmijn",
    "Jolien",
    "Josien",
    "Judith",
    "Kim",
    "Laura",
    "Lieve",
    "Lina",
    "Liselotte",
    "Loes",
    "Madelief",
    "Manon",
    "Margriet",
    "Maud",
    "Meryem",
    "Mila",
    "Miriam",
    "Myrthe",
    "Naima",
    "Nadia",
    "Nina",
    "Olga",
    "Pien",
    "Quirine",
    "Renske",
    "Rianne",
    "Rosa",
    "Saskia",
    "Selma",
    "Sietske",
    "Silvia",
    "Sophia",
    "Stella",
    "Suzanne",
    "Tamara",
    "Tineke",
    "Trijntje",
    "Valerie",
    "Vera",
    "Willemijn",
    "Wendy",
    "Yasmina",
    "Yvonne",
    "Zeynep",
    "Aukje",
    "Baukje",
    "Hiske",
    "Jeltje",
    "Tjitske",
];

pub const SURNAMES: &[(&str, &str)] = &[
    ("", "Jansen"),
    ("de", "Jong"),
    ("de", "Vries"),
    ("van den", "Berg"),
    ("van", "Dijk"),
    ("", "Bakker"),
    ("", "Janssen"),
    ("", "Visser"),
    ("", "Smit"),
    ("", "Meijer"),
    ("de", "Boer"),
    ("", "Mulder"),
    ("de", "Groot"),
    ("", "Bos"),
    ("", "Vos"),
    ("", "Peters"),
    ("", "Hendriks"),
    ("van", "Leeuwen"),
    ("", "Dekker"),
    ("", "Brouwer"),
    ("de", "Wit"),
    ("", "Dijkstra"),
    ("", "Smits"),
    ("de", "Graaf"),
    ("van der", "Meer"),
    ("van der", "Linden"),
    ("", "Kok"),
    ("", "Jacobs"),
    ("de", "Haan"),
    ("", "Vermeulen"),
    ("van den", "Heuvel"),
    ("van der", "Veen"),
    ("van den", "Broek"),
    ("de", "Bruijn"),
    ("de", "Bruin"),
    ("van der", "Heijden"),
    ("", "Schouten"),
    ("van", "Beek"),
    ("", "Willems"),
    ("van", "Vliet"),
    ("", "Hoekstra"),
    ("", "Maas"),
    ("", "Verhoeven"),
    ("", "Koster"),
    ("van", "Dam"),
    ("", "Prins"),
    ("", "Blom"),
    ("", "Huisman"),
    ("", "Peeters"),
    ("de", "Lange"),
    ("", "Kuipers"),
    ("van", "Wijk"),
    ("", "Yilmaz"),
    ("", "El Amrani"),
    ("", "Kaya"),
    ("", "Bouzid"),
    ("", "Nguyen"),
    ("", "Pinas"),
    ("", "Wijnberg"),
    ("", "Rijkaart"),
    ("van", "Rijn"),
    ("", "Kluijver"),
    ("", "Heijmans"),
    ("", "Zijlstra"),
];

/// Stems and endings of the long tail of Dutch surnames (Bergsma, Hoekman, Veldkamp, …).
const SURNAME_STEM: &[&str] = &[
    "Berg", "Hoek", "Veld", "Brink", "Dijk", "Bosch", "Kamp", "Hof", "Horst", "Molen", "Kerk",
    "Wal", "Zand", "Meer", "Beek", "Broek", "Haar", "Holt", "Laar", "Loo", "Hul", "Rooij", "Weer",
    "Bree", "Hamer", "Smeet", "Klein", "Groen", "Wit", "Zwart", "Rood", "Blauw", "Lang", "Kort",
    "Vos", "Wolf", "Haan", "Valk", "Kraai", "Duif", "Gans", "Zwaan", "Snoek", "Baars", "Post",
    "Boom", "Eik", "Linde", "Esch", "Heul", "Grift", "Vliet", "Gracht", "Sloot", "Akker", "Hage",
    "Ter", "Schol", "Kool", "Riet", "Dorp", "Stad", "Burg", "Wijn", "Brouw", "Bakk", "Kuip",
    "Smed", "Weev", "Schip", "Visch", "Jager", "Herder", "Boer", "Mol", "Muis", "Stier", "Ram",
    "Bok", "Koe", "Paard", "Ree", "Hert", "Mees", "Lijs", "Spreeuw", "Reiger", "Wouw", "Haas",
];
const SURNAME_END: &[&str] = &[
    "", "s", "sma", "stra", "man", "mans", "ink", "ing", "huis", "veld", "kamp", "hof", "er",
    "ers", "en", "ema", "inga", "werf", "stein", "beek", "horst", "meijer", "boom", "land",
];
const TAIL_PREFIX: &[&str] = &[
    "", "", "", "", "", "van", "van de", "van der", "de", "ter", "te",
];

/// A surname and its voorvoegsel: half the time one of the common names (whose counts dominate
/// a Dutch register), otherwise one of some 2,000 names of the long tail, so that a register of
/// millions has the name variety a real one has.
pub fn surname(rng: &mut Rng) -> (&'static str, String) {
    if rng.chance(0.5) {
        let (v, l) = rng.pick(SURNAMES);
        return (v, l.to_string());
    }
    let stem = rng.pick(SURNAME_STEM);
    let end = rng.pick(SURNAME_END);
    let prefix = if end.is_empty() {
        rng.pick(TAIL_PREFIX)
    } else {
        &""
    };
    (prefix, format!("{stem}{end}"))
}

const STREET_STEM: &[&str] = &[
    "Eiken",
    "Linden",
    "Beuken",
    "Kastanje",
    "Populieren",
    "Wilgen",
    "Berken",
    "Iepen",
    "Merel",
    "Lijster",
    "Spreeuw",
    "Vinken",
    "Zwaluw",
    "Meeuwen",
    "Reiger",
    "Tulp",
    "Rozen",
    "Lelie",
    "Anjer",
    "Narcis",
    "Klaver",
    "Molen",
    "Kerk",
    "School",
    "Dorps",
    "Haven",
    "Markt",
    "Brug",
    "Dijk",
    "Sluis",
    "Veld",
    "Bos",
    "Park",
    "Stations",
    "Juliana",
    "Beatrix",
    "Wilhelmina",
    "Oranje",
    "Nassau",
    "Rembrandt",
    "Vermeer",
    "Frans Hals",
    "Jan Steen",
    "Zuider",
    "Noorder",
    "Ooster",
    "Wester",
    "Spaarne",
    "Kennemer",
];
const STREET_KIND: &[(&str, &str)] = &[
    ("straat", "str."),
    ("laan", "ln."),
    ("weg", "wg."),
    ("plein", "pln."),
    ("hof", "hof"),
    ("kade", "kd."),
    ("singel", "sngl."),
    ("dreef", "drf."),
];

/// The name of street `k`, and the abbreviation people type for it.
pub fn street(k: usize) -> (String, String) {
    let stem = STREET_STEM[k % STREET_STEM.len()];
    let (kind, abbr) = STREET_KIND[(k / STREET_STEM.len()) % STREET_KIND.len()];
    let round = k / (STREET_STEM.len() * STREET_KIND.len());
    let suffix = if round == 0 {
        String::new()
    } else {
        format!(" {}", roman(round + 1))
    };
    (
        format!("{stem}{kind}{suffix}"),
        format!("{stem}{abbr}{suffix}"),
    )
}

fn roman(n: usize) -> String {
    let table = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut n = n;
    let mut out = String::new();
    for (v, s) in table {
        while n >= v {
            out.push_str(s);
            n -= v;
        }
    }
    out
}

/// A typing error of the kind clerks make: a swapped pair, a dropped or doubled letter, `ij`/`y`.
pub fn typo(rng: &mut Rng, s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 4 {
        return s.to_string();
    }
    if s.contains("ij") && rng.chance(0.5) {
        return s.replacen("ij", "y", 1);
    }
    if s.contains('y') && rng.chance(0.5) {
        return s.replacen('y', "ij", 1);
    }
    let i = 1 + rng.below(chars.len() as u64 - 2) as usize;
    let mut out = chars.clone();
    match rng.below(3) {
        0 => out.swap(i, i + 1),
        1 => {
            out.remove(i);
        }
        _ => out.insert(i, chars[i]),
    }
    out.into_iter().collect()
}

/// First names reduced to initials: `Jan Pieter` → `J.P.`
pub fn initials(first: &str) -> String {
    first
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{c}."))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streets_are_distinct_and_abbreviated() {
        let mut seen = std::collections::HashSet::new();
        for k in 0..2000 {
            let (name, abbr) = street(k);
            assert!(seen.insert(name.clone()), "{name} repeats");
            assert!(!abbr.is_empty());
        }
        assert_eq!(street(0).0, "Eikenstraat");
        assert_eq!(street(0).1, "Eikenstr.");
        assert_eq!(initials("Jan Pieter"), "J.P.");
    }
}
