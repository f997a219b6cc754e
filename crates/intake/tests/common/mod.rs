//! What the intake tests share: an approved project and readers of what it stored.
#![allow(dead_code)]

use loep_contract::{Bsn, Partner};
use loep_intake::{IntakeReport, TableReport};
use loep_store::deliveries;
use loep_store::{Bewaartermijnen, Periode, Project, ProjectConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub const BAG_HEADER: &str = "vbo_id,nummeraanduiding_id,openbare_ruimte,huisnummer,huisletter,huisnummertoevoeging,postcode,woonplaats,gebruiksdoelen,oppervlakte,buurtcode,wijkcode";

pub const BRP_HEADER: &str = "bsn,voornamen,voorvoegsel,geslachtsnaam,geboortedatum,geslacht,overlijdensdatum,status,vbo_id,functie_adres,datum_aanvang_adreshouding,partner_bsn";

/// An approved project for buurt BU03920101, running from 30 days ago for a year.
pub fn approved_project(dir: &Path) -> Project {
    let today = chrono::Utc::now().date_naive();
    let day = |offset: i64| (today + chrono::Duration::days(offset)).to_string();
    let naam = "Wijkaanpak test";
    let doel = "Adreskwaliteit in de buurt toetsen (test).";
    let config = ProjectConfig {
        verwerkingsactiviteit_id: ProjectConfig::derive_activity_id(naam, doel),
        naam: naam.into(),
        gebied: vec!["BU03920101".into()],
        doel: doel.into(),
        grondslag: "Wet SUWI art. 64".into(),
        partners: Partner::ALL.to_vec(),
        periode: Periode {
            van: day(-30),
            tot: day(335),
        },
        bewaartermijnen: Bewaartermijnen::default(),
        indicatoren: Vec::new(),
        intake: Default::default(),
        publicatie: Default::default(),
        thema: Default::default(),
    };
    let mut project = Project::init(&dir.join("project"), config).unwrap();
    project.approve("FG", "DPIA-1").unwrap();
    project
}

pub fn bsn(n: u32) -> Bsn {
    (10_000_000 + n * 7..)
        .find_map(Bsn::from_prefix)
        .expect("a valid BSN exists near every prefix")
}

pub fn table<'a>(report: &'a IntakeReport, name: &str) -> &'a TableReport {
    report
        .tabellen
        .iter()
        .find(|t| t.tabel == name)
        .unwrap_or_else(|| panic!("no report of {name}"))
}

/// The values of one column of a table's current snapshot.
pub fn stored(project: &Project, table: &str, column: &str) -> BTreeSet<String> {
    let snapshot = deliveries::current_snapshot(project.db(), table)
        .unwrap()
        .unwrap_or_else(|| panic!("no snapshot of {table}"));
    let mut values = BTreeSet::new();
    loep_vault::format::for_each_row(&project.layout.dir.join(&snapshot.pad), &[column], |r| {
        values.extend(r[0].map(str::to_string));
        Ok(())
    })
    .unwrap();
    values
}

pub fn set(values: &[&str]) -> BTreeSet<String> {
    values.iter().map(|s| s.to_string()).collect()
}

/// Every row of a table's current snapshot, as column name to text.
pub fn rows(project: &Project, table: &str) -> Vec<BTreeMap<String, Option<String>>> {
    let snapshot = deliveries::current_snapshot(project.db(), table)
        .unwrap()
        .unwrap_or_else(|| panic!("no snapshot of {table}"));
    let path = project.layout.dir.join(&snapshot.pad);
    let columns = loep_vault::format::columns(&path).unwrap();
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    loep_vault::format::for_each_row(&path, &names, |r| {
        out.push(
            names
                .iter()
                .zip(r)
                .map(|(n, v)| (n.to_string(), v.map(str::to_string)))
                .collect(),
        );
        Ok(())
    })
    .unwrap();
    out
}
