//! Sources as their publishers ship them: the CBS wijk- en buurtkaart and PDOK's BAG as
//! GeoPackages, the BRP as Haal Centraal BRP Personen answers. The same municipality in these
//! forms and in the contract's CSV must load and scan alike.

mod common;
use common::*;
use std::path::Path;

fn synth(out: &Path, formaat: &str) {
    ok(loep(&[
        "synth",
        "--persons",
        "2500",
        "--seed",
        "23",
        "--out",
        out.to_str().unwrap(),
        "--formaat",
        formaat,
    ]));
}

/// (indicator, vbo_id, number of persons) of every signal of the project's only run.
fn signals(dir: &Path) -> Vec<(String, String, usize)> {
    let db = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    let mut stmt = db
        .prepare("SELECT indicator, vbo_id, pseudoniemen FROM signaal")
        .unwrap();
    let mut out: Vec<(String, String, usize)> = stmt
        .query_map([], |r| {
            // A JSON array of pseudonyms (`loep_store::lijst`).
            let persons: String = r.get(2)?;
            Ok((
                r.get(0)?,
                r.get(1)?,
                serde_json::from_str::<Vec<String>>(&persons).unwrap().len(),
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    out.sort();
    out
}

#[test]
fn published_forms_load_and_scan_to_the_same_signals_as_the_contract_csv() {
    let root = tempfile::tempdir().unwrap();
    let (csv, echt) = (root.path().join("csv"), root.path().join("echt"));
    synth(&csv, "contract");
    synth(&echt, "echt");
    let lev = echt.join("levering");
    for f in ["wijkenbuurten.gpkg", "bag-light.gpkg", "brp-personen.json"] {
        assert!(lev.join(f).exists(), "{f}");
    }
    for t in ["cbs_buurt", "bag_verblijfsobject", "brp_persoon"] {
        assert!(!lev.join(format!("{t}.csv")).exists(), "{t}");
    }

    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (pa, pb) = (approved_project(a.path()), approved_project(b.path()));
    let ra = intake_json(&pa, &csv.join("levering"));
    let out = ok(intake(&pb, &lev));
    assert!(
        out.contains("Omgezet uit de vorm waarin de bron publiceert"),
        "{out}"
    );
    assert!(out.contains("bag-light.gpkg / BAG van PDOK"), "{out}");
    assert!(out.contains("brp-personen.json / "), "{out}");
    let rb = status_json(&pb);
    // Every table holds as many rows either way.
    let rows = |s: &serde_json::Value| -> Vec<(String, i64)> {
        let mut v: Vec<(String, i64)> = s["tabellen"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["tabel"].as_str().unwrap().to_string(),
                    t["rijen"].as_i64().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(rows(&status_json(&pa)), rows(&rb));
    assert_eq!(ra["afwijzingen_totaal"], 0, "{ra}");

    ok(loep(&["scan", pa.to_str().unwrap()]));
    ok(loep(&["scan", pb.to_str().unwrap()]));
    let (sa, sb) = (signals(&pa), signals(&pb));
    assert!(sa.len() > 50, "{}", sa.len());
    assert_eq!(sa, sb);
}

#[test]
fn a_geopackage_that_is_neither_bag_nor_cbs_or_a_bag_without_buurten_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let echt = root.path().join("echt");
    synth(&echt, "echt");
    let dir = approved_project(root.path());
    // The BAG alone: no buurten to place its objects in, neither here nor in the project.
    let lev = root.path().join("alleen-bag");
    std::fs::create_dir_all(&lev).unwrap();
    std::fs::copy(
        echt.join("levering/bag-light.gpkg"),
        lev.join("bag-light.gpkg"),
    )
    .unwrap();
    std::fs::write(lev.join("levering.toml"), "partner = \"gemeente\"\n").unwrap();
    let err = refused(intake(&dir, &lev));
    assert!(err.contains("bag-light.gpkg"), "{err}");
    assert!(err.contains("buurtgrenzen nodig"), "{err}");
    // Any other SQLite file named .gpkg.
    std::fs::remove_file(lev.join("bag-light.gpkg")).unwrap();
    std::fs::copy(dir.join("store.sqlite"), lev.join("kaart.gpkg")).unwrap();
    let err = refused(intake(&dir, &lev));
    assert!(err.contains("kaart.gpkg"), "{err}");
    assert_eq!(status_json(&dir)["leveringen"].as_array().unwrap().len(), 0);
}
