//! The scan on a small synthetic municipality: every theme covered, signals explained and
//! reproducible, quality measured against the planted truth, fairness reported.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// A seed the catalogue was never tuned on (tuning used 5, 11 and 23): the quality measured
/// on it is a check, not a fit.
const HELD_OUT_SEED: &str = "37";

/// A world of `persons`, loaded (and linked) into an approved project.
fn loaded(root: &Path, persons: &str) -> (PathBuf, PathBuf) {
    let world = root.join("world");
    ok(loep(&[
        "synth",
        "--persons",
        persons,
        "--seed",
        HELD_OUT_SEED,
        "--out",
        world.to_str().unwrap(),
    ]));
    let project = approved_project(root);
    intake_json(&project, &world.join("levering"));
    (world, project)
}

#[test]
fn the_scan_finds_the_planted_cases_and_explains_them() {
    let root = tempfile::tempdir().unwrap();
    let (world, project) = loaded(root.path(), "40000");
    let dir = project.to_str().unwrap();

    let report = json(ok(loep(&["scan", dir, "--json"])));
    let ran: Vec<&serde_json::Value> = report["indicatoren"].as_array().unwrap().iter().collect();
    assert!(ran.len() >= 12);
    assert!(ran.iter().all(|i| i["niet_gedraaid"].is_null()), "{report}");

    // Quality against the planted truth, per theme.
    let q = json(ok(loep(&[
        "evaluate",
        dir,
        "--truth",
        world.join("truth").to_str().unwrap(),
        "--json",
    ])));
    for t in q["themas"].as_array().unwrap() {
        let name = t["thema"].as_str().unwrap();
        let (p, r) = (
            t["precision"].as_f64().unwrap(),
            t["recall"].as_f64().unwrap(),
        );
        assert!(
            t["gepland"].as_u64().unwrap() > 0,
            "{name}: nothing planted"
        );
        assert!(
            p >= 0.9 && r >= 0.9,
            "{name}: precision {p}, recall {r}\n{q}"
        );
        let (d, dh) = (
            t["lokvogels"].as_u64().unwrap(),
            t["lokvogels_gemarkeerd"].as_u64().unwrap(),
        );
        assert!(d > 0, "{name}: no look-alikes planted");
        assert!(
            dh as f64 <= 0.02 * d as f64,
            "{name}: {dh} of {d} look-alikes flagged"
        );
    }
    // Every variant of every theme is planted, at every strength, and found at least once;
    // the evaluation reports them.
    let variants = q["varianten"].as_array().unwrap();
    for t in q["themas"].as_array().unwrap() {
        let name = t["thema"].as_str().unwrap();
        let mine: Vec<&serde_json::Value> = variants
            .iter()
            .filter(|v| v["thema"] == name && v["variant"] != "bijkomend")
            .collect();
        assert!(
            mine.iter().any(|v| v["lokvogel"] == true),
            "{name}: no look-alike variants"
        );
        for s in ["sterk", "midden", "grens"] {
            assert!(
                mine.iter().any(|v| v["sterkte"] == s),
                "{name}: nothing planted at strength {s}"
            );
        }
    }

    // Every signal is explained with its facts; the CSV has the columns users rely on.
    let csv = ok(loep(&["signals", dir, "--format", "csv"]));
    let header = csv.lines().next().unwrap();
    for col in [
        "run_id",
        "indicator",
        "thema",
        "vbo_id",
        "buurtcode",
        "verwonderadres",
        "uitleg",
    ] {
        assert!(
            header.split(',').any(|h| h == col),
            "{col} missing in {header}"
        );
    }
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|row| !row[7].contains('{') && row[7].len() > 20),
        "explanations are filled"
    );
    assert!(
        rows.iter().any(|row| &row[6] == "ja"),
        "some verwonderadressen"
    );

    // A verwonderadres is an address two or more partners have an interest in (who acts on
    // its themes), not one whose signals read two partners' data: the listing names who
    // should join the visit, and the label is rarer than "two partners' data" was.
    let listing = json(ok(loep(&["signals", dir, "--format", "json"])));
    let adressen = listing["adressen"].as_array().unwrap();
    let mut data_of_two = 0;
    for a in adressen {
        let belang = a["belanghebbenden"].as_array().unwrap();
        assert!(!belang.is_empty(), "{a}");
        assert_eq!(a["verwonderadres"], belang.len() >= 2, "{a}");
        data_of_two += usize::from(a["partners"].as_array().unwrap().len() >= 2);
    }
    let verwonder = adressen
        .iter()
        .filter(|a| a["verwonderadres"] == true)
        .count();
    assert!(
        verwonder > 0 && verwonder < data_of_two,
        "{verwonder} verwonderadressen, {data_of_two} addresses with two partners' data"
    );
    // Explanations write numbers as Dutch readers do: no decimal point before m² or after €.
    // (`1.200 m²` is Dutch for 1200; `5.5 m²` and `€ 12.50` are not.)
    let english = |tok: &str| {
        let tok = tok.trim_end_matches([',', ')', '.', ';', ':']);
        tok.rsplit_once('.').is_some_and(|(a, b)| {
            a.ends_with(|c: char| c.is_ascii_digit())
                && (1..=2).contains(&b.len())
                && b.chars().all(|c| c.is_ascii_digit())
        })
    };
    let mut numbers = 0;
    for s in listing["signalen"].as_array().unwrap() {
        let uitleg = s["uitleg"].as_str().unwrap();
        let words: Vec<&str> = uitleg.split_whitespace().collect();
        for w in words.windows(2) {
            let number = match (w[0].trim_start_matches('('), w[1]) {
                (n, u) if u.starts_with("m²") => n,
                ("€", n) => n,
                _ => continue,
            };
            numbers += 1;
            assert!(!english(number), "{number}: {uitleg}");
        }
        assert!(!uitleg.contains(" euro"), "{uitleg}");
    }
    assert!(numbers > 0, "explanations with m² or € were checked");
    // The text listing shows each signal's id, as `reveal request` and `zaak new` ask for it.
    let run_id = report["run_id"].as_str().unwrap();
    let text = ok(loep(&["signals", dir, "--run", run_id]));
    assert!(text.contains(&format!("[{run_id}/")), "{text}");
    assert!(text.contains("belang: "), "{text}");
    // The status lists the scan run, in Dutch local time without fractions of seconds.
    let status = ok(loep_as("projectleider", &["status", dir]));
    assert!(
        status.contains("Scans (1)") && status.contains(run_id),
        "{status}"
    );
    assert!(status.contains("15-06-2026 12:00:00"), "{status}");

    // The same scan on the same snapshots gives the same signals.
    let again = json(ok(loep(&["scan", dir, "--json"])));
    let signals = |run: &str| {
        let mut v = json(ok(loep(&[
            "signals", dir, "--run", run, "--format", "json",
        ])));
        let mut s = v["signalen"].take();
        for x in s.as_array_mut().unwrap() {
            x.as_object_mut().unwrap().remove("run_id");
        }
        s
    };
    let (a, b) = (
        report["run_id"].as_str().unwrap(),
        again["run_id"].as_str().unwrap(),
    );
    assert_ne!(a, b);
    assert_eq!(signals(a), signals(b));

    // Fairness: residents and flags per buurt, age band and sex.
    let f = json(ok(loep(&["fairness", dir, "--json"])));
    let dims: std::collections::BTreeSet<&str> = f["groepen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["dimensie"].as_str().unwrap())
        .collect();
    assert_eq!(
        dims,
        ["buurt", "geslacht", "leeftijd"].into_iter().collect()
    );
    assert!(f["bewoners_gemarkeerd"].as_u64().unwrap() > 0);

    // The scan is in the processing log, which stays intact.
    let log = ok(loep(&["log", "verify", dir]));
    assert!(log.contains("intact"), "{log}");
}

#[test]
fn the_catalogue_is_listed_and_shown() {
    let list = ok(loep(&["catalogue"]));
    for code in ["OVB-01", "HNP-01", "MLC-01"] {
        assert!(list.contains(code), "{list}");
    }
    let one = ok(loep(&["catalogue", "show", "OVB-01"]));
    for part in [
        "Grondslag",
        "Onderbouwing",
        "Niet bedoeld",
        "max_m2_per_persoon",
        "SELECT",
    ] {
        assert!(one.contains(part), "{part}: {one}");
    }
    let all =
        serde_json::from_str::<serde_json::Value>(&ok(loep(&["catalogue", "--json"]))).unwrap();
    assert!(all.as_array().unwrap().len() >= 15);
    let o = loep(&["catalogue", "show", "NOPE-1"]);
    assert!(!o.status.success());
    // Case does not matter.
    assert_eq!(ok(loep(&["catalogue", "show", "ovb-01"])), one);
}

#[test]
fn scanning_needs_an_approved_project_and_signals_need_a_scan() {
    let root = tempfile::tempdir().unwrap();
    let project = init_project(root.path());
    let dir = project.to_str().unwrap();
    let o = loep(&["scan", dir]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not approved"), "{}", stderr(&o));
    let o = loep(&["signals", dir]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no scan yet"), "{}", stderr(&o));
}
