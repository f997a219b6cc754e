//! The analysis store holds birth years, not birth dates. A newborn is registered at its
//! address from its birth date, so a date of moving in (or out) at the birth would give the
//! full birth date back: such dates are stored as the birth year alone (`YYYY-00-00`).

mod common;
use common::{BAG_HEADER, BRP_HEADER, approved_project, bsn, rows};
use loep_intake::{NoProgress, intake};
use loep_store::Project;
use std::collections::BTreeMap;
use std::path::Path;

const VBO_1: &str = "0392010000000001";
const VBO_2: &str = "0392010000000002";

/// Born 2010-03-14, moved after six days; born 1980-06-02, moved in 2015; born 1990-07-07,
/// living at the address of its birth.
const PERSONS: [(u32, &str, &str, &str); 3] = [
    (1, "2010-03-14", VBO_2, "2010-03-20"),
    (2, "1980-06-02", VBO_1, "2015-09-01"),
    (3, "1990-07-07", VBO_1, "1990-07-07"),
];

const HISTORY_HEADER: &str = "bsn,vbo_id,functie_adres,datum_aanvang,datum_einde";

fn history_rows() -> Vec<String> {
    vec![
        format!("{},{VBO_1},W,2010-03-14,2010-03-20", bsn(1)),
        format!("{},{VBO_2},W,2010-03-20,", bsn(1)),
        format!("{},{VBO_1},W,2015-09-01,", bsn(2)),
        format!("{},{VBO_1},W,1990-07-07,", bsn(3)),
    ]
}

fn write_delivery(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let bag: Vec<String> = [VBO_1, VBO_2]
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{v},03922000000000{:02},Kerkstraat,{},,,2011AB,Haarlem,woonfunctie,70,BU03920101,WK039201",
                i + 1,
                i + 10
            )
        })
        .collect();
    std::fs::write(
        dir.join("bag_verblijfsobject.csv"),
        format!("{BAG_HEADER}\n{}\n", bag.join("\n")),
    )
    .unwrap();
    let brp: Vec<String> = PERSONS
        .iter()
        .map(|(n, born, vbo, since)| {
            format!(
                "{},Jan,,Jansen,{born},M,,ingezetene,{vbo},W,{since},",
                bsn(*n)
            )
        })
        .collect();
    std::fs::write(
        dir.join("brp_persoon.csv"),
        format!("{BRP_HEADER}\n{}\n", brp.join("\n")),
    )
    .unwrap();
    std::fs::write(
        dir.join("brp_verblijf_historie.csv"),
        format!("{HISTORY_HEADER}\n{}\n", history_rows().join("\n")),
    )
    .unwrap();
}

/// Every person's pseudonym with their birth year, from the stored BRP.
fn birth_years(project: &Project) -> BTreeMap<String, String> {
    rows(project, "brp_persoon")
        .into_iter()
        .map(|r| {
            (
                r["pseudoniem"].clone().unwrap(),
                r["geboortejaar"].clone().unwrap(),
            )
        })
        .collect()
}

/// (birth year, vbo_id, datum_aanvang, datum_einde) of every stored history row.
fn history(project: &Project) -> Vec<(String, String, String, Option<String>)> {
    let years = birth_years(project);
    let mut out: Vec<_> = rows(project, "brp_verblijf_historie")
        .into_iter()
        .map(|r| {
            (
                years[r["pseudoniem"].as_deref().unwrap()].clone(),
                r["vbo_id"].clone().unwrap(),
                r["datum_aanvang"].clone().unwrap(),
                r["datum_einde"].clone(),
            )
        })
        .collect();
    out.sort();
    out
}

/// No stored value of the BRP tables tells more than the year of a birth date.
fn assert_no_birth_date_stored(project: &Project) {
    for table in ["brp_persoon", "brp_verblijf_historie"] {
        for row in rows(project, table) {
            for (column, value) in row {
                let value = value.unwrap_or_default();
                for (_, born, _, _) in PERSONS {
                    // The year and month of a birth date (`2010-03`) are already too much.
                    assert!(
                        !value.starts_with(&born[..7]),
                        "{table}.{column} = {value} gives away the birth date {born}"
                    );
                }
            }
        }
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

fn expected_history() -> Vec<(String, String, String, Option<String>)> {
    vec![
        (s("1980"), s(VBO_1), s("2015-09-01"), None),
        (s("1990"), s(VBO_1), s("1990-00-00"), None),
        (s("2010"), s(VBO_1), s("2010-00-00"), Some(s("2010-00-00"))),
        (s("2010"), s(VBO_2), s("2010-00-00"), None),
    ]
}

#[test]
fn dates_at_the_birth_are_stored_as_the_birth_year() {
    let root = tempfile::tempdir().unwrap();
    let mut project = approved_project(root.path());
    let delivery = root.path().join("levering");
    write_delivery(&delivery);
    intake(&mut project, &delivery, &NoProgress).unwrap();

    let since: BTreeMap<String, String> = rows(&project, "brp_persoon")
        .into_iter()
        .map(|r| {
            (
                r["geboortejaar"].clone().unwrap(),
                r["datum_aanvang_adreshouding"].clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        since,
        BTreeMap::from([
            (s("1980"), s("2015-09-01")),
            (s("1990"), s("1990-00-00")),
            (s("2010"), s("2010-00-00")),
        ])
    );
    assert_eq!(history(&project), expected_history());
    assert_no_birth_date_stored(&project);
}

#[test]
fn a_later_history_is_checked_against_the_birth_dates_in_the_vault() {
    let root = tempfile::tempdir().unwrap();
    let mut project = approved_project(root.path());
    let first = root.path().join("levering-1");
    write_delivery(&first);
    std::fs::remove_file(first.join("brp_verblijf_historie.csv")).unwrap();
    intake(&mut project, &first, &NoProgress).unwrap();

    let second = root.path().join("levering-2");
    std::fs::create_dir_all(&second).unwrap();
    std::fs::write(
        second.join("brp_verblijf_historie.csv"),
        format!("{HISTORY_HEADER}\n{}\n", history_rows().join("\n")),
    )
    .unwrap();
    intake(&mut project, &second, &NoProgress).unwrap();
    assert_eq!(history(&project), expected_history());
    assert_no_birth_date_stored(&project);
}
