//! Residents' reports and police registrations name their address as free text. A row whose
//! address is no object of the project area is outside the area: counted, never stored, like
//! any other row outside the area.

mod common;
use common::{BAG_HEADER, BRP_HEADER, approved_project, bsn, set, stored, table};
use loep_intake::{NoProgress, intake};
use std::path::Path;

/// A BAG row; buurt 01 of wijk 01 is the project area, buurt 02 of wijk 02 is not.
fn bag_row(n: u32, street: &str, number: u32, toevoeging: &str, pc: &str, buurt: u32) -> String {
    format!(
        "0392010000{n:06},0392200000{n:06},{street},{number},,{toevoeging},{pc},Haarlem,woonfunctie,70,BU039201{buurt:02},WK039201"
    )
}

fn write_delivery(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut bag = vec![
        // In the area.
        bag_row(1, "Kerkstraat", 12, "", "2011AB", 1),
        bag_row(2, "Kerkstraat", 14, "1", "2011AB", 1),
        bag_row(3, "Kerkstraat", 14, "2", "2011AB", 1),
        // The same street goes on outside the area, and another street lies wholly outside.
        bag_row(4, "Kerkstraat", 80, "", "2011AD", 2),
        bag_row(5, "Molenweg", 3, "", "2012CD", 2),
        // In the area, rejected for its surface (0 m²): still an address of the area.
        bag_row(6, "Kerkstraat", 16, "", "2011AB", 1).replace(",70,", ",0,"),
    ];
    // Enough valid rows that one rejected row stays under the limit.
    bag.extend((1..=20).map(|n| bag_row(100 + n, "Dorpsweg", n, "", "2011CA", 1)));
    std::fs::write(
        dir.join("bag_verblijfsobject.csv"),
        format!("{BAG_HEADER}\n{}\n", bag.join("\n")),
    )
    .unwrap();
    std::fs::write(
        dir.join("brp_persoon.csv"),
        format!(
            "{BRP_HEADER}\n{},Jan,,Jansen,1970-01-01,M,,ingezetene,0392010000000001,W,2001-05-01,\n",
            bsn(1)
        ),
    )
    .unwrap();
    let meldingen = [
        // In the area, as residents write it.
        ("M1", "Kerkstraat 12"),
        ("M2", "kerkstr. 14-2hoog, Haarlem"),
        ("M3", "t.h.v. Kerkstraat 12"),
        // Kerkstraat 14 without a floor: one of two objects, both in the area.
        ("M4", "Kerkstraat 14"),
        // The object whose BAG row was rejected.
        ("M9", "Kerkstraat 16 hs"),
        // Outside the area: a number of the street outside it, a street outside it, a street
        // the BAG of the area does not know, and no number at all.
        ("M5", "Kerkstraat 80"),
        ("M6", "Molenweg 3, 2012 CD Haarlem"),
        ("M7", "Stationsplein 1 Amsterdam"),
        ("M8", "bij de kerk"),
    ];
    let rows: Vec<String> = meldingen
        .iter()
        .map(|(id, adres)| format!("{id},2026-01-15,\"{adres}\",woonoverlast,,nee"))
        .collect();
    std::fs::write(
        dir.join("melding.csv"),
        format!(
            "melding_id,datum,adres,categorie,omschrijving,anoniem\n{}\n",
            rows.join("\n")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("pol_registratie.csv"),
        "registratie_id,datum,categorie,adres,vbo_id,omschrijving\n\
         P1,2026-01-10,woonoverlast,Kerkstraat 12 hs,,\n\
         P2,2026-01-11,woonoverlast,Molenweg 3,,\n\
         P3,2026-01-12,woonoverlast,Molenweg 3,0392010000000001,\n\
         P4,2026-01-13,woonoverlast,Kerkstraat 12,0392010000000005,\n",
    )
    .unwrap();
}

#[test]
fn reports_and_registrations_about_addresses_outside_the_area_are_counted_not_stored() {
    let root = tempfile::tempdir().unwrap();
    let mut project = approved_project(root.path());
    let delivery = root.path().join("levering");
    write_delivery(&delivery);
    let report = intake(&mut project, &delivery, &NoProgress).unwrap();

    let melding = table(&report, "melding");
    assert_eq!(
        (
            melding.rijen_gelezen,
            melding.rijen_geladen,
            melding.rijen_afgewezen,
            melding.rijen_buiten_gebied
        ),
        (9, 5, 0, 4),
        "{melding:?}"
    );
    assert_eq!(
        stored(&project, "melding", "record_key"),
        set(&["M1", "M2", "M3", "M4", "M9"])
    );
    let adressen = stored(&project, "melding", "adres");
    for outside in ["Kerkstraat 80", "Molenweg", "Stationsplein", "bij de kerk"] {
        assert!(
            adressen.iter().all(|a| !a.contains(outside)),
            "{outside} was stored: {adressen:?}"
        );
    }

    // A police registration without a vbo_id is placed by its address; a coded one by its
    // vbo_id, whatever its text says.
    let pol = table(&report, "pol_registratie");
    assert_eq!(
        (pol.rijen_geladen, pol.rijen_buiten_gebied),
        (2, 2),
        "{pol:?}"
    );
    assert_eq!(
        stored(&project, "pol_registratie", "record_key"),
        set(&["P1", "P3"])
    );
}

#[test]
fn reports_are_placed_by_the_bag_already_loaded() {
    let root = tempfile::tempdir().unwrap();
    let mut project = approved_project(root.path());
    let first = root.path().join("levering-1");
    write_delivery(&first);
    let second = root.path().join("levering-2");
    std::fs::create_dir_all(&second).unwrap();
    std::fs::rename(first.join("melding.csv"), second.join("melding.csv")).unwrap();
    std::fs::remove_file(first.join("pol_registratie.csv")).unwrap();
    intake(&mut project, &first, &NoProgress).unwrap();

    let report = intake(&mut project, &second, &NoProgress).unwrap();
    let melding = table(&report, "melding");
    assert_eq!(
        (melding.rijen_geladen, melding.rijen_buiten_gebied),
        (4, 5),
        "{melding:?}"
    );
    // Known limit: the address of an object whose BAG row an earlier delivery rejected is
    // stored nowhere, so a later report about it (M9) counts as outside the area.
    assert_eq!(
        stored(&project, "melding", "record_key"),
        set(&["M1", "M2", "M3", "M4"])
    );
}
