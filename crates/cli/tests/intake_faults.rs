//! Intake under faults, as a careless partner or an attacker would deliver (issue 13): every
//! line accounted for, broken exports refused whole, duplicate keys, future dates, formulas in
//! the rejects report, symlinks, and reports about addresses outside the area.

mod common;
use common::*;
use std::path::{Path, PathBuf};

const BRP_HEADER: &str = "bsn,voornamen,voorvoegsel,geslachtsnaam,geboortedatum,geslacht,overlijdensdatum,status,vbo_id,functie_adres,datum_aanvang_adreshouding,partner_bsn";

/// The `n`-th valid BSN (elfproef) from 100000000 on.
fn bsns(n: usize) -> Vec<String> {
    (100_000_000u32..)
        .map(|v| v.to_string())
        .filter(|s| {
            let d: Vec<i64> = s.bytes().map(|b| i64::from(b - b'0')).collect();
            let sum: i64 = (0..8).map(|i| (9 - i as i64) * d[i]).sum::<i64>() - d[8];
            sum % 11 == 0
        })
        .take(n)
        .collect()
}

/// A BRP row of a resident of an object in the area.
fn resident(bsn: &str, geslacht: &str) -> String {
    format!("{bsn},Jan,,Jansen,1970-01-01,{geslacht},,ingezetene,0392010000000001,W,2015-03-01,")
}

/// A delivery directory `name` holding `levering.toml` for the gemeente and `files`.
fn delivery(root: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let d = root.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("levering.toml"),
        "partner = \"gemeente\"\npeildatum = \"2026-06-30\"\n",
    )
    .unwrap();
    for (file, content) in files {
        std::fs::write(d.join(file), content).unwrap();
    }
    d
}

/// A delivery of `n` residents in which every `every`-th (from the fourth) has an invalid sex.
fn brp_with_bad_sex(root: &Path, n: usize, every: usize) -> PathBuf {
    let rows: Vec<String> = bsns(n)
        .iter()
        .enumerate()
        .map(|(i, bsn)| resident(bsn, if i % every == 3 { "X" } else { "M" }))
        .collect();
    delivery(
        root,
        "l",
        &[(
            "brp_persoon.csv",
            &format!("{BRP_HEADER}\n{}\n", rows.join("\n")),
        )],
    )
}

/// A project with the basis delivery loaded; returns it and brp_persoon's current snapshot.
fn loaded_project(root: &Path) -> (PathBuf, String) {
    let dir = approved_project(root);
    ok(intake(&dir, &fixtures().join("basis")));
    let snap = brp_snapshot(&dir);
    (dir, snap)
}

fn brp_snapshot(dir: &Path) -> String {
    let s = status_json(dir);
    s["tabellen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tabel"] == "brp_persoon")
        .unwrap()["snapshot_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Delivers `brp` as brp_persoon.csv to a project with the basis loaded, expects a refusal,
/// checks that the current snapshot stayed, and returns stderr and the JSON problems.
fn refused_brp(brp: &str) -> (String, serde_json::Value) {
    let root = tempfile::tempdir().unwrap();
    let (dir, before) = loaded_project(root.path());
    let lev = delivery(root.path(), "l", &[("brp_persoon.csv", brp)]);
    let err = refused(intake(&dir, &lev));
    let out = loep(&[
        "intake",
        dir.to_str().unwrap(),
        lev.to_str().unwrap(),
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["geweigerd"], true, "{json}");
    // Nothing of it replaced the current snapshot.
    assert_eq!(brp_snapshot(&dir), before);
    assert_eq!(status_json(&dir)["leveringen"].as_array().unwrap().len(), 1);
    (err, json["problemen"].clone())
}

#[test]
fn blank_lines_and_cr_line_ends_are_accounted_for() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let lev = copy_fixture("basis", root.path(), "l");
    // Blank lines between and after the rows, and old Mac (CR-only) line ends in the BAG.
    let brp = std::fs::read_to_string(lev.join("brp_persoon.csv")).unwrap();
    let mut lines: Vec<&str> = brp.lines().collect();
    lines.insert(2, "");
    lines.insert(4, "   ");
    std::fs::write(lev.join("brp_persoon.csv"), lines.join("\n") + "\n\n").unwrap();
    let bag = std::fs::read_to_string(lev.join("bag_verblijfsobject.csv")).unwrap();
    std::fs::write(lev.join("bag_verblijfsobject.csv"), bag.replace('\n', "\r")).unwrap();
    let r = intake_json(&dir, &lev);
    let t = table(&r, "brp_persoon");
    assert_eq!(t["rijen_gelezen"], 5, "{t}");
    assert_eq!(t["lege_regels"], 3, "{t}");
    let t = table(&r, "bag_verblijfsobject");
    assert_eq!(
        (t["rijen_gelezen"].as_u64(), t["rijen_geladen"].as_u64()),
        (Some(4), Some(3)),
        "{t}"
    );
    for t in r["tabellen"].as_array().unwrap() {
        let n = |k: &str| t[k].as_u64().unwrap();
        assert_eq!(
            n("rijen_gelezen"),
            n("rijen_geladen") + n("rijen_afgewezen") + n("rijen_buiten_gebied"),
            "{t}"
        );
    }
}

#[test]
fn a_header_only_table_refuses_the_delivery() {
    let (err, problems) = refused_brp(&format!("{BRP_HEADER}\n"));
    assert!(
        err.contains("brp_persoon.csv") && err.contains("geen enkele rij"),
        "{err}"
    );
    assert_eq!(problems[0]["bestand"], "brp_persoon.csv", "{problems}");
}

#[test]
fn a_table_without_a_valid_row_refuses_the_delivery() {
    // Every BSN fails the elfproef: a valid one with its last digit changed.
    let rows: Vec<String> = bsns(30)
        .iter()
        .map(|b| {
            let (head, last) = b.split_at(8);
            let last = (last.parse::<u8>().unwrap() + 1) % 10;
            resident(&format!("{head}{last}"), "M")
        })
        .collect();
    let (err, problems) = refused_brp(&format!("{BRP_HEADER}\n{}\n", rows.join("\n")));
    assert!(err.contains("geen enkele geldige rij"), "{err}");
    assert!(err.contains(&format!("{} afgewezen", rows.len())), "{err}");
    // The most frequent reason is named, with its column.
    assert!(
        problems
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kolom"] == "bsn" && p["melding"].as_str().unwrap().contains("elfproef")),
        "{problems}"
    );
    // No BSN is echoed.
    assert!(!err.contains(&rows[0][..9]), "{err}");

    // A ';' header over ',' rows: no row has the header's fields.
    let b = bsns(3);
    let brp = format!(
        "{}\n{}\n{}\n",
        BRP_HEADER.replace(',', ";"),
        resident(&b[0], "M"),
        resident(&b[1], "V")
    );
    let (err, _) = refused_brp(&brp);
    assert!(err.contains("geen enkele geldige rij"), "{err}");
}

#[test]
fn more_rejects_than_the_limit_refuse_the_delivery() {
    let b = bsns(200);
    // 20 of 200 (10%) have an invalid sex.
    let rows: Vec<String> = b
        .iter()
        .enumerate()
        .map(|(i, bsn)| resident(bsn, if i % 10 == 3 { "X" } else { "M" }))
        .collect();
    let (err, problems) = refused_brp(&format!("{BRP_HEADER}\n{}\n", rows.join("\n")));
    assert!(
        err.contains("20 van de 200") && err.contains("10,0%") && err.contains("5,0%"),
        "{err}"
    );
    assert!(
        problems
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kolom"] == "geslacht" && p["melding"].as_str().unwrap().starts_with("20 ")),
        "{problems}"
    );

    // 6 of 200 (3%) stay within the limit: they are rejected, the rest loads.
    let root = tempfile::tempdir().unwrap();
    let (dir, before) = loaded_project(root.path());
    let lev = brp_with_bad_sex(root.path(), 200, 33);
    let r = intake_json(&dir, &lev);
    let t = table(&r, "brp_persoon");
    assert_eq!(
        (t["rijen_geladen"].as_u64(), t["rijen_afgewezen"].as_u64()),
        (Some(194), Some(6)),
        "{t}"
    );
    assert_ne!(brp_snapshot(&dir), before);
}

#[test]
fn birth_dates_after_the_peildatum_are_rejected() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let lev = copy_fixture("basis", root.path(), "l");
    // An extract as of 31 January: a birth in May cannot be in it, nor one in 9999.
    std::fs::write(
        lev.join("levering.toml"),
        "partner = \"gemeente\"\npeildatum = \"2026-01-31\"\n",
    )
    .unwrap();
    let brp = std::fs::read_to_string(lev.join("brp_persoon.csv")).unwrap();
    let brp = brp
        .replace("1975-02-28", "2026-05-01")
        .replace("1911-11-11", "9999-12-31");
    std::fs::write(lev.join("brp_persoon.csv"), brp).unwrap();
    let r = intake_json(&dir, &lev);
    let rejected: Vec<(u64, &str)> = r["afwijzingen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["regel"].as_u64().unwrap(), x["kolom"].as_str().unwrap()))
        .collect();
    assert!(rejected.contains(&(2, "geboortedatum")), "{r}");
    assert!(rejected.contains(&(3, "geboortedatum")), "{r}");
    assert_eq!(table(&r, "brp_persoon")["rijen_geladen"], 2, "{r}");
}

#[test]
fn the_rejects_report_cannot_start_a_formula() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let lev = copy_fixture("basis", root.path(), "l");
    let bag = std::fs::read_to_string(lev.join("bag_verblijfsobject.csv")).unwrap();
    let mut bag = bag.trim_end().to_string();
    let values = ["=1+2", "+31", "-5", "@SUM(A1)"];
    for (i, v) in values.iter().enumerate() {
        bag.push_str(&format!(
            "\n03920100000001{i:02},03920200000001{i:02},Kerkstraat,{},,,{v},Haarlem,woonfunctie,70,,,BU03920101,WK039201,,",
            30 + i
        ));
    }
    std::fs::write(lev.join("bag_verblijfsobject.csv"), bag + "\n").unwrap();
    let r = intake_json(&dir, &lev);
    let id = r["levering_id"].as_str().unwrap();
    let report = std::fs::read(dir.join(format!("leveringen/{id}/afwijzingen.csv"))).unwrap();
    let text = String::from_utf8(report).unwrap();
    for (i, v) in values.iter().enumerate() {
        let prefix = format!(
            "bag_verblijfsobject,bag_verblijfsobject.csv,{},postcode,'{v},",
            6 + i
        );
        assert!(
            text.lines()
                .any(|l| l.as_bytes().starts_with(prefix.as_bytes())),
            "no line starts with {prefix}:\n{text}"
        );
    }
    // No cell of the report starts a formula.
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    for rec in rows.records() {
        for cell in rec.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} in\n{text}"
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn symlinks_in_a_delivery_are_refused_unread() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let lev = copy_fixture("basis", root.path(), "l");
    std::fs::remove_file(lev.join("brp_persoon.csv")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", lev.join("brp_persoon.csv")).unwrap();
    let out = intake(&dir, &lev);
    let all = stdout(&out) + &stderr(&out);
    let err = refused(out);
    assert!(
        err.contains("brp_persoon.csv") && err.contains("symbolische koppeling"),
        "{err}"
    );
    assert!(!all.contains("root:"), "{all}");

    // levering.toml too: its content is never read, so never echoed.
    std::fs::remove_file(lev.join("brp_persoon.csv")).unwrap();
    std::fs::copy(
        fixtures().join("basis/brp_persoon.csv"),
        lev.join("brp_persoon.csv"),
    )
    .unwrap();
    std::fs::remove_file(lev.join("levering.toml")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", lev.join("levering.toml")).unwrap();
    let out = intake(&dir, &lev);
    let all = stdout(&out) + &stderr(&out);
    let err = refused(out);
    assert!(
        err.contains("levering.toml") && err.contains("symbolische koppeling"),
        "{err}"
    );
    assert!(!all.contains("root:"), "{all}");
    assert_eq!(status_json(&dir)["leveringen"].as_array().unwrap().len(), 0);
}

/// Red-team row 12 of issue 25: a hard link passed the symlink check, and the error echoed
/// the linked file's content.
#[cfg(unix)]
#[test]
fn hard_links_in_a_delivery_are_refused_unread() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let lev = copy_fixture("basis", root.path(), "l");
    // A file outside the delivery with a secret in it, and a second name for it inside.
    let secret = root.path().join("geheim.txt");
    std::fs::write(&secret, "root:x:0:0:geheim\n").unwrap();
    std::fs::remove_file(lev.join("brp_persoon.csv")).unwrap();
    std::fs::hard_link(&secret, lev.join("brp_persoon.csv")).unwrap();
    let out = intake(&dir, &lev);
    let all = stdout(&out) + &stderr(&out);
    let err = refused(out);
    assert!(
        err.contains("brp_persoon.csv") && err.contains("harde koppeling"),
        "{err}"
    );
    assert!(!all.contains("geheim") && !all.contains("root:"), "{all}");
    // levering.toml as a hard link too.
    std::fs::remove_file(lev.join("brp_persoon.csv")).unwrap();
    std::fs::copy(
        fixtures().join("basis/brp_persoon.csv"),
        lev.join("brp_persoon.csv"),
    )
    .unwrap();
    std::fs::remove_file(lev.join("levering.toml")).unwrap();
    std::fs::hard_link(&secret, lev.join("levering.toml")).unwrap();
    let out = intake(&dir, &lev);
    let all = stdout(&out) + &stderr(&out);
    let err = refused(out);
    assert!(
        err.contains("levering.toml") && err.contains("harde koppeling"),
        "{err}"
    );
    assert!(!all.contains("geheim"), "{all}");
    assert_eq!(status_json(&dir)["leveringen"].as_array().unwrap().len(), 0);
}

#[test]
fn a_second_row_with_the_same_key_is_rejected_and_the_first_stays() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let lev = copy_fixture("basis", root.path(), "l");
    // Wubbo Oeverzicht again, his BSN written with spaces around it (the same BSN as parsed),
    // and the same BAG object twice.
    let brp = std::fs::read_to_string(lev.join("brp_persoon.csv")).unwrap();
    let again =
        "\" 111222333 \",Wubbo,,Oeverzicht,1911-11-11,M,,ingezetene,0392010000000002,W,2016-01-01,";
    std::fs::write(lev.join("brp_persoon.csv"), format!("{brp}{again}\n")).unwrap();
    let bag = std::fs::read_to_string(lev.join("bag_verblijfsobject.csv")).unwrap();
    let first = bag.lines().nth(1).unwrap().to_string();
    std::fs::write(
        lev.join("bag_verblijfsobject.csv"),
        format!("{bag}{first}\n"),
    )
    .unwrap();
    let r = intake_json(&dir, &lev);
    let t = table(&r, "brp_persoon");
    assert_eq!(
        (
            t["rijen_gelezen"].as_u64(),
            t["rijen_geladen"].as_u64(),
            t["rijen_afgewezen"].as_u64()
        ),
        (Some(6), Some(4), Some(1)),
        "{t}"
    );
    let t = table(&r, "bag_verblijfsobject");
    assert_eq!(
        (t["rijen_geladen"].as_u64(), t["rijen_afgewezen"].as_u64()),
        (Some(3), Some(1)),
        "{t}"
    );
    let dup: Vec<&serde_json::Value> = r["afwijzingen"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["reden"].as_str().unwrap().contains("dubbele sleutel"))
        .collect();
    assert_eq!(dup.len(), 2, "{r}");
    assert!(
        dup.iter()
            .any(|x| x["bestand"] == "brp_persoon.csv" && x["regel"] == 7 && x["kolom"] == "bsn"),
        "{dup:?}"
    );
    assert!(
        dup.iter().any(|x| x["bestand"] == "bag_verblijfsobject.csv"
            && x["regel"] == 6
            && x["kolom"] == "vbo_id"),
        "{dup:?}"
    );
    // The BSN is not repeated outside the vault.
    let id = r["levering_id"].as_str().unwrap();
    let report =
        std::fs::read_to_string(dir.join(format!("leveringen/{id}/afwijzingen.csv"))).unwrap();
    assert!(!report.contains("111222333"), "{report}");
    assert!(report.contains("dubbele sleutel"), "{report}");
}

/// The reject limit is the project's own (`[intake] max_afgewezen` in loep.toml, part of what
/// the privacy officer approves): with 20% allowed, a file with 10% bad rows loads.
#[test]
fn the_reject_limit_comes_from_loep_toml() {
    let root = tempfile::tempdir().unwrap();
    let dir = init_project(root.path());
    let toml = std::fs::read_to_string(dir.join("loep.toml")).unwrap();
    std::fs::write(
        dir.join("loep.toml"),
        format!("{toml}\n[intake]\nmax_afgewezen = 0.2\n"),
    )
    .unwrap();
    approve(&dir, "DPIA-GRENS");
    ok(intake(&dir, &fixtures().join("basis")));
    let lev = brp_with_bad_sex(root.path(), 200, 10);
    let r = intake_json(&dir, &lev);
    let t = table(&r, "brp_persoon");
    assert_eq!(
        (t["rijen_geladen"].as_u64(), t["rijen_afgewezen"].as_u64()),
        (Some(180), Some(20)),
        "{r}"
    );
}
