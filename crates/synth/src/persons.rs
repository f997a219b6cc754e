//! Two files of Dutch-style person records about largely the same people, as two registrations
//! would hold them: for benchmarking and checking the linker at any size.
//!
//! Of `records` rows per file, 80% are persons in both files; the rest are in one file only.
//! File A is a careful registration (few errors, BSN mostly present); file B is typed by hand
//! and out of date: typing errors in names, first names reduced to initials or to the first
//! name only, `ij`/`y` spellings, the voorvoegsel moved into or dropped from the surname, first
//! and last name swapped, birth dates with day and month swapped, one digit off or partly
//! unknown, persons who have moved since, and many BSNs missing. `truth.csv` lists the true
//! pairs.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

use crate::bulk::bsn_for;
use crate::names::{FIRST_M, FIRST_V, SURNAMES, initials, street, typo};
use crate::rng::Rng;

/// The header of both files.
pub const HEADER: [&str; 11] = [
    "id",
    "bsn",
    "voornamen",
    "voorvoegsel",
    "geslachtsnaam",
    "geboortedatum",
    "geslacht",
    "straat",
    "huisnummer",
    "postcode",
    "woonplaats",
];

/// Shares of persons that appear in both files.
pub const SHARED: f64 = 0.8;

const STEMS: &[&str] = &[
    "Berg", "Hof", "Veld", "Dijk", "Broek", "Kamp", "Huis", "Wijk", "Bosch", "Brink", "Horst",
    "Hout", "Meer", "Molen", "Beek", "Laar", "Linde", "Vliet", "Zand", "Heuvel", "Graaf", "Kerk",
    "Akker", "Donk", "Stee", "Haven", "Water", "Weide", "Riet", "Hage", "Mol", "Roos", "Bloem",
    "Steen", "Wal", "Dam", "Sloot", "Heide", "Bol", "Kool", "Smeel", "Hoek", "Ploeg", "Tuin",
    "Kruis", "Spijker", "Wever", "Knol", "Haan", "Bruin", "Zwart", "Wit", "Groen", "Rood", "Vos",
    "Wolf", "Beer", "Haas", "Valk", "Zwaan", "Kraai", "Mees", "Vink", "Eik", "Beuk", "Wilg", "Es",
    "Hul", "Braak", "Gaal", "Kolk", "Poel", "Venn", "Ter", "Brouw", "Schipper", "Timmer", "Kuiper",
    "Smid", "Bakel", "Dekk", "Hulst", "Rijn", "Maas", "Lek", "Vecht", "Ijssel",
];
const SUFFIXES: &[&str] = &[
    "", "man", "s", "er", "ink", "ing", "stra", "ema", "sma", "kamp", "hof", "veld", "huis",
    "beek", "dijk", "horst", "meijer", "mans", "sen", "ers", "werf", "holt", "loo", "broek",
    "wijk", "aar", "enga", "inga", "el", "je",
];
const VOORVOEGSELS: &[&str] = &[
    "van", "van der", "de", "van den", "ter", "ten", "van de", "in 't",
];
const ABROAD: &[&str] = &[
    "Yilmaz",
    "Kaya",
    "Demir",
    "Sahin",
    "Celik",
    "Yildiz",
    "Öztürk",
    "Aydin",
    "El Amrani",
    "Bouzid",
    "Benali",
    "Ouali",
    "El Idrissi",
    "Haddou",
    "Ramdin",
    "Ramsaran",
    "Nguyen",
    "Tran",
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Popescu",
    "Ivanova",
    "Santos",
    "Silva",
    "García",
];
const PLACES: &[&str] = &[
    "Amsterdam",
    "Rotterdam",
    "Den Haag",
    "Utrecht",
    "Eindhoven",
    "Groningen",
    "Tilburg",
    "Almere",
    "Breda",
    "Nijmegen",
    "Apeldoorn",
    "Haarlem",
    "Arnhem",
    "Enschede",
    "Amersfoort",
    "Zaanstad",
    "Den Bosch",
    "Zwolle",
    "Leiden",
    "Maastricht",
    "Dordrecht",
    "Zoetermeer",
];

#[derive(Clone)]
struct Person {
    bsn: String,
    first: String,
    voorvoegsel: String,
    surname: String,
    /// (year, month, day)
    birth: (u32, u32, u32),
    sex: &'static str,
    address: u64,
}

struct Address {
    street: String,
    number: u32,
    postcode: String,
    place: &'static str,
}

fn address(k: u64) -> Address {
    let mut rng = Rng::new(k.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xADD2);
    let pc = 1000 + (k / 40) % 9000;
    let letters = k % 40;
    Address {
        street: street((k / 60) as usize).0,
        number: 1 + rng.below(250) as u32,
        postcode: format!(
            "{pc}{}{}",
            (b'A' + (letters / 20) as u8 + (k / 360_000 % 12) as u8 * 2) as char,
            (b'A' + (letters % 20) as u8) as char
        ),
        place: PLACES[((k / 9000) as usize) % PLACES.len()],
    }
}

fn surname(rng: &mut Rng) -> (String, String) {
    let roll = rng.unit();
    if roll < 0.15 {
        // The common names: each about 0.1% of persons, as the most common Dutch names are.
        let (v, s) = rng.pick(SURNAMES);
        (v.to_string(), s.to_string())
    } else if roll < 0.20 {
        (String::new(), rng.pick(ABROAD).to_string())
    } else {
        let stem = rng.pick(STEMS);
        let suffix = rng.pick(SUFFIXES);
        let mut name = format!("{stem}{suffix}");
        if rng.chance(0.3) {
            name = format!("{name}{}", rng.pick(SUFFIXES));
        }
        let v = if rng.chance(0.3) {
            rng.pick(VOORVOEGSELS).to_string()
        } else {
            String::new()
        };
        (v, name)
    }
}

fn person(i: u64, addresses: u64, seed: u64) -> Person {
    let mut rng = Rng::new(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let sex = if rng.chance(0.5) { "M" } else { "V" };
    let names = if sex == "M" { FIRST_M } else { FIRST_V };
    let given = 1 + usize::from(rng.chance(0.5)) + usize::from(rng.chance(0.2));
    let first = (0..given)
        .map(|_| *rng.pick(names))
        .collect::<Vec<_>>()
        .join(" ");
    let (voorvoegsel, surname) = surname(&mut rng);
    let year = rng.range(1930, 2008) as u32;
    let month = rng.range(1, 12) as u32;
    let day = rng.range(1, 28) as u32;
    Person {
        bsn: bsn_for(i).to_string(),
        first,
        voorvoegsel,
        surname,
        birth: (year, month, day),
        sex,
        address: rng.below(addresses),
    }
}

fn date(d: (u32, u32, u32)) -> String {
    format!("{:04}-{:02}-{:02}", d.0, d.1, d.2)
}

/// The row as a careful registration holds it.
fn clean_row(id: &str, p: &Person, rng: &mut Rng, bsn_missing: f64) -> [String; 11] {
    let a = address(p.address);
    [
        id.to_string(),
        if rng.chance(bsn_missing) {
            String::new()
        } else {
            p.bsn.clone()
        },
        p.first.clone(),
        p.voorvoegsel.clone(),
        p.surname.clone(),
        date(p.birth),
        p.sex.to_string(),
        a.street,
        a.number.to_string(),
        a.postcode,
        a.place.to_string(),
    ]
}

/// The row as a hand-typed, out-of-date registration holds it.
fn dirty_row(id: &str, p: &Person, rng: &mut Rng, addresses: u64) -> [String; 11] {
    let mut p = p.clone();
    if rng.chance(0.15) {
        p.address = rng.below(addresses);
    }
    let mut row = clean_row(id, &p, rng, 0.4);
    let [_, _, first, voorvoegsel, surname, birth, ..] = &mut row;
    if rng.chance(0.08) {
        *surname = typo(rng, surname);
    }
    if rng.chance(0.05) {
        *first = typo(rng, first);
    }
    let roll = rng.unit();
    if roll < 0.08 {
        *first = initials(first);
    } else if roll < 0.18 {
        *first = first.split(' ').next().unwrap_or_default().to_string();
    }
    if !voorvoegsel.is_empty() {
        let roll = rng.unit();
        if roll < 0.3 {
            *surname = format!("{voorvoegsel} {surname}");
            voorvoegsel.clear();
        } else if roll < 0.35 {
            voorvoegsel.clear();
        }
    }
    if rng.chance(0.01) {
        std::mem::swap(first, surname);
    }
    let (y, m, d) = p.birth;
    let roll = rng.unit();
    *birth = if roll < 0.01 && d <= 12 {
        date((y, d, m))
    } else if roll < 0.03 {
        let pos = rng.below(8) as usize;
        let mut digits: Vec<u8> = format!("{y:04}{m:02}{d:02}").into_bytes();
        digits[pos] = b'0' + ((digits[pos] - b'0' + 1 + rng.below(8) as u8) % 10);
        let s = String::from_utf8_lossy(&digits).into_owned();
        format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..])
    } else if roll < 0.04 {
        date((y, m, 0))
    } else if roll < 0.05 {
        String::new()
    } else {
        birth.clone()
    };
    if rng.chance(0.03) {
        row[9].clear();
    }
    row
}

/// What `write_person_files` wrote.
pub struct PersonFiles {
    pub records: u64,
    pub true_pairs: u64,
}

/// Writes `a.csv` and `b.csv` of `records` rows each, and `truth.csv` (`left_id,right_id`),
/// into `dir`. Deterministic per seed.
pub fn write_person_files(dir: &Path, records: u64, seed: u64) -> Result<PersonFiles> {
    std::fs::create_dir_all(dir).with_context(|| format!("kan {} niet aanmaken", dir.display()))?;
    let shared = (records as f64 * SHARED) as u64;
    let only = records - shared;
    let total = shared + 2 * only;
    let addresses = (total * 10 / 22).max(1);
    // Persons 0..shared are in both files; then A's own; then B's own.
    let mut b_order: Vec<u64> = (0..shared).chain(shared + only..total).collect();
    let mut rng = Rng::new(seed ^ 0xB0B);
    for i in (1..b_order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        b_order.swap(i, j);
    }
    let open = |name: &str| -> Result<std::io::BufWriter<std::fs::File>> {
        let p = dir.join(name);
        let f = std::fs::File::create(&p)
            .with_context(|| format!("kan {} niet schrijven", p.display()))?;
        Ok(std::io::BufWriter::with_capacity(1 << 20, f))
    };
    let line = |w: &mut dyn Write, fields: &[String]| -> std::io::Result<()> {
        writeln!(w, "{}", fields.join(","))
    };
    let mut a = open("a.csv")?;
    let mut b = open("b.csv")?;
    let mut truth = open("truth.csv")?;
    writeln!(a, "{}", HEADER.join(","))?;
    writeln!(b, "{}", HEADER.join(","))?;
    writeln!(truth, "left_id,right_id")?;
    for i in 0..shared + only {
        let p = person(i, addresses, seed);
        let mut r = Rng::new(seed ^ 0xA ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let mut row = clean_row(&format!("A{i}"), &p, &mut r, 0.05);
        if r.chance(0.02) {
            row[4] = typo(&mut r, &row[4]);
        }
        line(&mut a, &row)?;
    }
    for (n, &i) in b_order.iter().enumerate() {
        let p = person(i, addresses, seed);
        let mut r = Rng::new(seed ^ 0xB ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let id = format!("B{n}");
        line(&mut b, &dirty_row(&id, &p, &mut r, addresses))?;
        if i < shared {
            writeln!(truth, "A{i},{id}")?;
        }
    }
    for w in [&mut a, &mut b, &mut truth] {
        w.flush()?;
    }
    Ok(PersonFiles {
        records,
        true_pairs: shared,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_have_the_rows_and_the_shared_persons() {
        let dir = tempfile::tempdir().unwrap();
        let f = write_person_files(dir.path(), 1000, 3).unwrap();
        assert_eq!(f.true_pairs, 800);
        for name in ["a.csv", "b.csv"] {
            let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
            assert_eq!(text.lines().count(), 1001);
            assert!(text.lines().all(|l| l.split(',').count() == 11), "{name}");
        }
        let truth = std::fs::read_to_string(dir.path().join("truth.csv")).unwrap();
        assert_eq!(truth.lines().count(), 801);
        let b = std::fs::read_to_string(dir.path().join("b.csv")).unwrap();
        let missing_bsn = b
            .lines()
            .skip(1)
            .filter(|l| l.split(',').nth(1) == Some(""))
            .count();
        assert!((300..500).contains(&missing_bsn), "{missing_bsn}");
        let again = tempfile::tempdir().unwrap();
        write_person_files(again.path(), 1000, 3).unwrap();
        assert_eq!(
            b,
            std::fs::read_to_string(again.path().join("b.csv")).unwrap()
        );
    }
}
