//! Linkage inside a project: after intake, tenants and persons in police registrations are
//! linked to BRP pseudonyms and free-text addresses to BAG objects, at the boundary, with only
//! pseudonymous results in the analysis store.

mod common;
use common::*;
use std::collections::{HashMap, HashSet};

fn precision_recall(
    predicted: &HashSet<(String, String)>,
    truth: &HashSet<(String, String)>,
) -> (f64, f64) {
    let tp = predicted.intersection(truth).count() as f64;
    (
        tp / predicted.len().max(1) as f64,
        tp / truth.len().max(1) as f64,
    )
}

#[test]
fn intake_links_persons_and_addresses_pseudonymously() {
    let root = tempfile::tempdir().unwrap();
    let world = root.path().join("world");
    ok(loep(&[
        "synth",
        "--persons",
        "12000",
        "--seed",
        "8",
        "--out",
        world.to_str().unwrap(),
    ]));
    let project = approved_project(root.path());
    let report = intake_json(&project, &world.join("levering"));
    let k = &report["koppeling"];
    assert_eq!(k["ongewijzigd"], false, "{k}");
    let sources: Vec<&str> = k["personen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["bron"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["wc_huurcontract", "pol_betrokkene"]);

    // Person links, through the vault's pseudonym → BSN map, against the truth.
    let bsn_of: HashMap<String, String> =
        parquet_rows(&only_file(&project.join("vault/bsn/brp_persoon")))
            .into_iter()
            .map(|r| (r["pseudoniem"].clone().unwrap(), r["bsn"].clone().unwrap()))
            .collect();
    let links = parquet_rows(&only_file(&project.join("koppeling/personen")));
    assert!(!links.is_empty());
    let columns: HashSet<&str> = links[0].keys().map(String::as_str).collect();
    assert_eq!(
        columns,
        HashSet::from([
            "bron",
            "record_key",
            "pseudoniem",
            "kans",
            "methode",
            "status",
            "uitleg",
            "vbo_id"
        ])
    );
    // The waterfall names comparisons, levels and weights: never a value of a record.
    for l in &links {
        if let Some(u) = l["uitleg"].as_deref() {
            for line in u.lines() {
                let fields: Vec<&str> = line.split('\t').collect();
                assert_eq!(fields.len(), 3, "{line}");
                assert!(fields[2].parse::<f64>().is_ok(), "{line}");
                let level = fields[1];
                assert!(
                    level.starts_with("λ = ")
                        || level == "missing"
                        || level == "different"
                        || level == "exact"
                        || level == "variant"
                        || level == "initials"
                        || level.starts_with("jaro-winkler >= ")
                        || level.starts_with("same ")
                        || level.contains("swapped")
                        || level.contains("partly unknown")
                        || level == "one digit off",
                    "a level of the linker, not a value: {line}"
                );
            }
        }
    }
    let truth = csv_rows(&world.join("truth/links.csv"));
    for source in ["wc_huurcontract", "pol_betrokkene"] {
        let predicted: HashSet<(String, String)> = links
            .iter()
            .filter(|l| {
                l["bron"].as_deref() == Some(source) && l["status"].as_deref() == Some("gekoppeld")
            })
            .map(|l| {
                let ps = l["pseudoniem"].clone().unwrap();
                (
                    l["record_key"].clone().unwrap(),
                    bsn_of.get(&ps).cloned().unwrap_or(ps),
                )
            })
            .collect();
        let expected: HashSet<(String, String)> = truth
            .iter()
            .filter(|t| t["source"] == source)
            .map(|t| (t["record_key"].clone(), t["bsn"].clone()))
            .collect();
        let (p, r) = precision_recall(&predicted, &expected);
        println!(
            "{source}: precision {p}, recall {r}, {} links",
            predicted.len()
        );
        assert!(
            p >= 0.995 && r >= 0.97,
            "{source}: precision {p}, recall {r}"
        );
    }
    assert!(links.iter().any(|l| l["methode"].as_deref() == Some("bsn")));
    assert!(links.iter().all(|l| {
        let kans: f64 = l["kans"].as_deref().unwrap().parse().unwrap();
        kans >= 0.5 && (l["status"].as_deref() == Some("beoordelen")) == (kans < 0.9)
    }));

    // Address links against the truth: a wrong object is worse than none.
    let addresses = parquet_rows(&only_file(&project.join("koppeling/adressen")));
    let predicted: HashSet<(String, String)> = addresses
        .iter()
        .filter_map(|a| {
            Some((
                format!("{}/{}", a["bron"].clone()?, a["record_key"].clone()?),
                a["vbo_id"].clone()?,
            ))
        })
        .collect();
    let expected: HashSet<(String, String)> = csv_rows(&world.join("truth/adres_links.csv"))
        .into_iter()
        .map(|t| {
            (
                format!("{}/{}", t["source"], t["record_key"]),
                t["vbo_id"].clone(),
            )
        })
        .collect();
    let (p, r) = precision_recall(&predicted, &expected);
    println!(
        "addresses: precision {p}, recall {r}, {} matched",
        predicted.len()
    );
    assert!(
        p >= 0.995 && r >= 0.95,
        "addresses: precision {p}, recall {r}"
    );
    assert!(
        addresses
            .iter()
            .filter(|a| a["vbo_id"].is_none())
            .all(|a| !a["reden"].as_deref().unwrap().is_empty())
    );

    // No name reached the analysis side: the person links hold keys and pseudonyms only.
    let names: HashSet<String> = csv_rows(&world.join("levering/brp_persoon.csv"))
        .into_iter()
        .map(|p| p["geslachtsnaam"].to_lowercase())
        .filter(|n| n.len() > 4)
        .collect();
    assert!(links.iter().all(|l| {
        l.values()
            .flatten()
            .all(|v| !names.contains(&v.to_lowercase()))
    }));

    // The run is in the processing log, which stays intact.
    let log = ok(loep(&["log", "verify", project.to_str().unwrap()]));
    assert!(log.contains("intact"), "{log}");
    let status = status_json(&project);
    assert!(status.to_string().len() > 10);

    // The same delivery again: nothing to link anew.
    let again = intake_json(&project, &world.join("levering"));
    assert_eq!(again["koppeling"]["ongewijzigd"], true, "{again}");
    assert_eq!(
        std::fs::read_dir(project.join("koppeling/personen"))
            .unwrap()
            .count(),
        1
    );
}
