//! The synthetic municipality: what it writes, that intake takes it, and that its ground truth
//! holds together.

mod common;
use common::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

fn synth(out: &Path, persons: &str, seed: &str, dirty: &str) {
    ok(loep(&[
        "synth",
        "--persons",
        persons,
        "--seed",
        seed,
        "--out",
        out.to_str().unwrap(),
        "--dirty",
        dirty,
    ]));
}

fn column(rows: &[HashMap<String, String>], col: &str) -> Vec<String> {
    rows.iter().map(|r| r[col].clone()).collect()
}

#[test]
fn every_table_is_written_with_the_contract_header() {
    let root = tempfile::tempdir().unwrap();
    synth(root.path(), "2000", "1", "0");
    for t in loep_contract::TABLES {
        let path = root.path().join(format!("levering/{}.csv", t.name));
        let mut r = csv::Reader::from_path(&path).unwrap();
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        let contract: Vec<String> = t.columns.iter().map(|c| c.name.to_string()).collect();
        assert_eq!(header, contract, "{}", t.name);
        assert!(r.records().next().is_some(), "{} has no rows", t.name);
    }
    assert!(root.path().join("levering/levering.toml").exists());
    let buurten = csv_rows(&root.path().join("levering/cbs_buurt.csv"));
    assert!((10..=20).contains(&buurten.len()));
    assert!(
        buurten
            .iter()
            .all(|b| b["geometrie_wkt"].starts_with("POLYGON(("))
    );
    let wijken: HashSet<String> = column(&buurten, "wijkcode").into_iter().collect();
    assert!(wijken.len() >= 2, "several wijken");
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let root = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        root.path().join("a"),
        root.path().join("b"),
        root.path().join("c"),
    );
    synth(&a, "3000", "11", "0.01");
    synth(&b, "3000", "11", "0.01");
    synth(&c, "3000", "12", "0.01");
    let mut differs = false;
    for f in files_under(&a) {
        let rel = f.strip_prefix(&a).unwrap();
        let bytes = std::fs::read(&f).unwrap();
        assert_eq!(
            bytes,
            std::fs::read(b.join(rel)).unwrap(),
            "{} differs",
            rel.display()
        );
        differs |= std::fs::read(c.join(rel))
            .map(|x| x != bytes)
            .unwrap_or(true);
    }
    assert!(differs, "another seed gives another municipality");
}

#[test]
fn intake_rejects_exactly_the_dirty_rows_and_loads_the_rest() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("s");
    synth(&out, "6000", "5", "0.01");
    let dir = approved_project(root.path());
    let r = intake_json(&dir, &out.join("levering"));
    let dirty: BTreeSet<(String, u64, String)> = csv_rows(&out.join("truth/dirty.csv"))
        .into_iter()
        .map(|d| {
            (
                d["table"].clone(),
                d["line"].parse().unwrap(),
                d["column"].clone(),
            )
        })
        .collect();
    assert!(
        dirty.len() > 100,
        "the dirty rate plants rows: {}",
        dirty.len()
    );
    let id = r["levering_id"].as_str().unwrap();
    let rejects: BTreeSet<(String, u64, String)> =
        csv_rows(&dir.join(format!("leveringen/{id}/afwijzingen.csv")))
            .into_iter()
            .map(|x| {
                (
                    x["tabel"].clone(),
                    x["regel"].parse().unwrap(),
                    x["kolom"].clone(),
                )
            })
            .collect();
    let missing: Vec<_> = dirty.difference(&rejects).take(5).collect();
    let extra: Vec<_> = rejects.difference(&dirty).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "not rejected: {missing:?}; rejected but clean: {extra:?}"
    );
    for t in r["tabellen"].as_array().unwrap() {
        let name = t["tabel"].as_str().unwrap();
        let planted = dirty.iter().filter(|d| d.0 == name).count() as u64;
        assert_eq!(t["rijen_afgewezen"].as_u64(), Some(planted), "{name}");
        assert_eq!(
            t["rijen_buiten_gebied"], 0,
            "{name}: everything lies in the municipality"
        );
        assert_eq!(
            t["rijen_geladen"].as_u64().unwrap() + planted,
            t["rijen_gelezen"].as_u64().unwrap(),
            "{name}: every other row loads"
        );
    }
}

#[test]
fn references_and_truth_files_point_at_existing_rows() {
    let root = tempfile::tempdir().unwrap();
    synth(root.path(), "8000", "3", "0");
    let lev = |t: &str| csv_rows(&root.path().join(format!("levering/{t}.csv")));
    let truth = |t: &str| csv_rows(&root.path().join(format!("truth/{t}.csv")));
    let vbos: HashSet<String> = column(&lev("bag_verblijfsobject"), "vbo_id")
        .into_iter()
        .collect();
    for t in loep_contract::TABLES
        .iter()
        .filter(|t| t.column("vbo_id").is_some() && t.name != "bag_verblijfsobject")
    {
        for v in column(&lev(t.name), "vbo_id")
            .into_iter()
            .filter(|v| !v.is_empty())
        {
            assert!(
                vbos.contains(&v),
                "{}: vbo_id {v} is not in the BAG",
                t.name
            );
        }
    }
    let bsns: HashSet<String> = column(&lev("brp_persoon"), "bsn").into_iter().collect();
    for (t, cols) in [
        ("brp_verblijf_historie", vec!["bsn"]),
        ("bd_inkomen", vec!["bsn", "fiscaal_partner_bsn"]),
        ("bd_toeslag", vec!["bsn", "toeslagpartner_bsn"]),
        ("kad_eigendom", vec!["eigenaar_bsn"]),
        ("kvk_vestiging", vec!["eigenaar_bsn"]),
        ("brp_persoon", vec!["partner_bsn"]),
        ("pol_betrokkene", vec!["bsn"]),
    ] {
        for c in cols {
            for b in column(&lev(t), c).into_iter().filter(|b| !b.is_empty()) {
                assert!(bsns.contains(&b), "{t}.{c}: {b} is not in the BRP");
            }
        }
    }
    // Ground truth.
    let adressen = truth("adressen");
    let themes: HashSet<String> = column(&adressen, "thema").into_iter().collect();
    assert_eq!(themes.len(), 12, "every theme is planted: {themes:?}");
    for a in &adressen {
        assert!(vbos.contains(&a["vbo_id"]), "adressen: {}", a["vbo_id"]);
        assert!(a["decoy"] == "ja" || a["decoy"] == "nee");
    }
    let decoy_themes: HashSet<String> = adressen
        .iter()
        .filter(|a| a["decoy"] == "ja")
        .map(|a| a["thema"].clone())
        .collect();
    assert!(
        decoy_themes.len() >= 10,
        "look-alikes for most themes: {decoy_themes:?}"
    );
    for p in truth("personen") {
        assert!(bsns.contains(&p["bsn"]), "personen: {}", p["bsn"]);
    }
    let contracts: HashSet<String> = lev("wc_huurcontract")
        .iter()
        .map(|c| format!("{}:{}", c["corporatie"], c["contract_id"]))
        .collect();
    let mut betrokkenen = HashSet::new();
    let mut per_reg: HashMap<String, u32> = HashMap::new();
    for b in lev("pol_betrokkene") {
        let n = per_reg.entry(b["registratie_id"].clone()).or_insert(0);
        *n += 1;
        betrokkenen.insert(format!("{}#{n}", b["registratie_id"]));
    }
    let links = truth("links");
    for l in &links {
        assert!(bsns.contains(&l["bsn"]), "links: {}", l["bsn"]);
        let known = match l["source"].as_str() {
            "wc_huurcontract" => contracts.contains(&l["record_key"]),
            "pol_betrokkene" => betrokkenen.contains(&l["record_key"]),
            other => panic!("links: unknown source {other}"),
        };
        assert!(known, "links: {} {}", l["source"], l["record_key"]);
    }
    assert_eq!(
        links.len(),
        contracts.len() + betrokkenen.len(),
        "every tenant and person involved has a true person"
    );
    let reports: HashSet<String> = column(&lev("melding"), "melding_id").into_iter().collect();
    let registrations: HashSet<String> = column(&lev("pol_registratie"), "registratie_id")
        .into_iter()
        .collect();
    let adres_links = truth("adres_links");
    for l in &adres_links {
        assert!(vbos.contains(&l["vbo_id"]));
        let known = match l["source"].as_str() {
            "melding" => reports.contains(&l["record_key"]),
            "pol_registratie" => registrations.contains(&l["record_key"]),
            other => panic!("adres_links: unknown source {other}"),
        };
        assert!(known, "adres_links: {} {}", l["source"], l["record_key"]);
    }
    assert_eq!(adres_links.len(), reports.len() + registrations.len());
}

#[test]
fn tenant_names_carry_typing_errors_and_partial_dates() {
    let root = tempfile::tempdir().unwrap();
    synth(root.path(), "8000", "9", "0");
    let brp: HashMap<String, HashMap<String, String>> =
        csv_rows(&root.path().join("levering/brp_persoon.csv"))
            .into_iter()
            .map(|p| (p["bsn"].clone(), p))
            .collect();
    let contracts: HashMap<String, HashMap<String, String>> =
        csv_rows(&root.path().join("levering/wc_huurcontract.csv"))
            .into_iter()
            .map(|c| (format!("{}:{}", c["corporatie"], c["contract_id"]), c))
            .collect();
    let (mut exact, mut varied, mut partial) = (0, 0, 0);
    for l in csv_rows(&root.path().join("truth/links.csv"))
        .iter()
        .filter(|l| l["source"] == "wc_huurcontract")
    {
        let c = &contracts[&l["record_key"]];
        let p = &brp[&l["bsn"]];
        if c["huurder_geslachtsnaam"] == p["geslachtsnaam"]
            && c["huurder_voornamen"] == p["voornamen"]
            && c["huurder_geboortedatum"] == p["geboortedatum"]
        {
            exact += 1;
        } else {
            varied += 1;
        }
        partial += usize::from(c["huurder_geboortedatum"].ends_with("-00"));
    }
    assert!(
        exact > 0 && varied > 0 && partial > 0,
        "exact {exact}, varied {varied}, partial dates {partial}"
    );
    assert!(
        varied * 5 > exact,
        "a good share of names is typed with variation: {varied} of {}",
        exact + varied
    );
    // Free-text addresses come in several spellings.
    let addresses = column(
        &csv_rows(&root.path().join("levering/melding.csv")),
        "adres",
    );
    let styles = addresses
        .iter()
        .filter(|a| {
            a.contains("str.")
                || a.contains(',')
                || a.chars().next().is_some_and(|c| c.is_ascii_digit())
                || a.chars().next().is_some_and(|c| c.is_lowercase())
        })
        .count();
    assert!(styles > 0, "{addresses:?}");
}

/// A figure `loep link` printed, e.g. `precisie 0.9962`.
fn figure(text: &str, name: &str) -> f64 {
    text.split(&format!("{name} "))
        .nth(1)
        .and_then(|r| r.split([',', ' ', '\n']).next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

fn write_csv(path: &Path, header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

fn settings_file(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../docs/linkage/{name}"))
}

/// The BRP of a synthetic world as linkage input, with `columns` taken from brp_persoon.
fn brp_input(world: &Path, path: &Path, header: &[&str], columns: &[&str]) {
    let rows = csv_rows(&world.join("levering/brp_persoon.csv"))
        .into_iter()
        .map(|p| columns.iter().map(|c| p[*c].clone()).collect());
    write_csv(path, header, rows);
}

/// Links `left` to `right` with the settings and the true links of `source`; returns what
/// `loep link` printed.
fn link_against_truth(
    world: &Path,
    source: &str,
    settings: &str,
    left: &Path,
    right: &Path,
) -> String {
    let dir = left.parent().unwrap();
    let truth = dir.join("truth.csv");
    let links = csv_rows(&world.join("truth/links.csv"));
    write_csv(
        &truth,
        &["left_id", "right_id"],
        links
            .iter()
            .filter(|l| l["source"] == source)
            .map(|l| vec![l["record_key"].clone(), l["bsn"].clone()]),
    );
    let out = dir.join("pairs.csv");
    ok(loep(&[
        "link",
        "--settings",
        settings_file(settings).to_str().unwrap(),
        "--left",
        left.to_str().unwrap(),
        "--right",
        right.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--truth",
        truth.to_str().unwrap(),
    ]))
}

/// The FEBRL deduplication sets (public, with truth), linked without `soc_sec_id`.
#[test]
fn febrl_sets_deduplicate_with_f1_of_at_least_0_99() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/febrl");
    let root = tempfile::tempdir().unwrap();
    for set in ["febrl1", "febrl2", "febrl3"] {
        let out = root.path().join(format!("{set}.csv"));
        let text = ok(loep(&[
            "link",
            "--settings",
            settings_file("febrl.toml").to_str().unwrap(),
            "--left",
            data.join(format!("{set}.csv")).to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]));
        let f1 = figure(&text, "F1");
        assert!(f1 >= 0.99, "{set}: F1 {f1}\n{text}");
        let pairs = csv_rows(&out);
        assert!(!pairs.is_empty());
        assert!(
            pairs
                .iter()
                .all(|p| p["match_probability"].parse::<f64>().unwrap() >= 0.9)
        );
    }
}

const PERSON: [&str; 6] = [
    "id",
    "voornamen",
    "geslachtsnaam",
    "voorvoegsel",
    "geboortedatum",
    "vbo_id",
];

/// Tenants of the synthetic municipality, typed by hand at the corporation, linked to the BRP
/// by name, birth date and address: precision at least 0.995, recall at least 0.97.
#[test]
fn synth_tenants_link_to_persons() {
    let root = tempfile::tempdir().unwrap();
    let world = root.path().join("world");
    synth(&world, "10000", "21", "0");
    let brp = root.path().join("brp.csv");
    brp_input(
        &world,
        &brp,
        &PERSON,
        &[
            "bsn",
            "voornamen",
            "geslachtsnaam",
            "voorvoegsel",
            "geboortedatum",
            "vbo_id",
        ],
    );
    let wc = root.path().join("wc.csv");
    write_csv(
        &wc,
        &PERSON,
        csv_rows(&world.join("levering/wc_huurcontract.csv"))
            .into_iter()
            .map(|c| {
                vec![
                    format!("{}:{}", c["corporatie"], c["contract_id"]),
                    c["huurder_voornamen"].clone(),
                    c["huurder_geslachtsnaam"].clone(),
                    c["huurder_voorvoegsel"].clone(),
                    c["huurder_geboortedatum"].clone(),
                    c["vbo_id"].clone(),
                ]
            }),
    );
    let text = link_against_truth(&world, "wc_huurcontract", "huurcontract.toml", &wc, &brp);
    assert!(figure(&text, "precisie") >= 0.995, "{text}");
    assert!(figure(&text, "recall") >= 0.97, "{text}");
}

/// Persons involved in police registrations, linked to the BRP by BSN where recorded, else by
/// name, birth date and the registration's address: precision ≥ 0.995, recall ≥ 0.97.
#[test]
fn synth_police_persons_link_to_persons() {
    let root = tempfile::tempdir().unwrap();
    let world = root.path().join("world");
    synth(&world, "40000", "4", "0");
    let header = [
        "id",
        "voornamen",
        "geslachtsnaam",
        "voorvoegsel",
        "geboortedatum",
        "vbo_id",
        "bsn",
    ];
    let brp = root.path().join("brp.csv");
    brp_input(
        &world,
        &brp,
        &header,
        &[
            "bsn",
            "voornamen",
            "geslachtsnaam",
            "voorvoegsel",
            "geboortedatum",
            "vbo_id",
            "bsn",
        ],
    );
    let registrations: HashMap<String, String> =
        csv_rows(&world.join("levering/pol_registratie.csv"))
            .into_iter()
            .map(|r| (r["registratie_id"].clone(), r["vbo_id"].clone()))
            .collect();
    let mut per_reg: HashMap<String, u32> = HashMap::new();
    let pol = root.path().join("pol.csv");
    write_csv(
        &pol,
        &header,
        csv_rows(&world.join("levering/pol_betrokkene.csv"))
            .into_iter()
            .map(|b| {
                let n = per_reg.entry(b["registratie_id"].clone()).or_insert(0);
                *n += 1;
                vec![
                    format!("{}#{n}", b["registratie_id"]),
                    b["voornamen"].clone(),
                    b["geslachtsnaam"].clone(),
                    b["voorvoegsel"].clone(),
                    b["geboortedatum"].clone(),
                    registrations[&b["registratie_id"]].clone(),
                    b["bsn"].clone(),
                ]
            }),
    );
    let text = link_against_truth(&world, "pol_betrokkene", "betrokkene.toml", &pol, &brp);
    assert!(figure(&text, "precisie") >= 0.995, "{text}");
    assert!(figure(&text, "recall") >= 0.97, "{text}");
    // The prior is the chance that two random records match: about one in the BRP's size
    // for each person in a registration, however few those are.
    let persons = csv_rows(&brp).len() as f64;
    let lambda = figure(&text, "λ =");
    assert!(
        lambda > 0.5 / persons && lambda < 2.0 / persons,
        "λ {lambda} against {}\n{text}",
        1.0 / persons
    );
}

/// Two registrations of the same 80% of people, one hand-typed and out of date (typing
/// errors, initials, moved voorvoegsels, swapped names, wrong birth dates, moves, missing
/// BSNs), linked with docs/linkage/personen.toml: F1 at least 0.98, and every pair the
/// truth has in the files.
#[test]
fn two_registrations_of_the_same_people_link_with_f1_of_at_least_0_98() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("personen");
    let text = ok(loep(&[
        "bench",
        "link",
        "--records",
        "20000",
        "--dir",
        dir.to_str().unwrap(),
    ]));
    assert!(figure(&text, "F1") >= 0.98, "{text}");
    assert!(figure(&text, "precisie") >= 0.995, "{text}");
    let truth = csv_rows(&dir.join("truth.csv"));
    assert_eq!(truth.len(), 16_000);
    let a: HashSet<String> = column(&csv_rows(&dir.join("a.csv")), "id")
        .into_iter()
        .collect();
    let b: HashSet<String> = column(&csv_rows(&dir.join("b.csv")), "id")
        .into_iter()
        .collect();
    assert!(
        truth
            .iter()
            .all(|t| a.contains(&t["left_id"]) && b.contains(&t["right_id"]))
    );
    // The settings the bench used are the published ones.
    assert_eq!(
        std::fs::read_to_string(dir.join("personen.toml")).unwrap(),
        std::fs::read_to_string(settings_file("personen.toml")).unwrap()
    );
}
