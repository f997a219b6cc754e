//! Free-text addresses of a synthetic municipality against its ground truth
//! (`truth/adres_links.csv`): precision at least 0.995, recall at least 0.95.

use loep_linkage::{AddressIndex, AddressMatch, BagAddress};
use std::collections::HashMap;
use std::path::Path;

fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

#[test]
fn synthetic_addresses_match_precisely() {
    let dir = tempfile::tempdir().unwrap();
    let options = loep_synth::Options {
        persons: 40_000,
        seed: 17,
        peildatum: loep_contract::Datum::parse("2026-06-30").unwrap(),
        gemeentecode: 392,
        dirty: 0.0,
        clean_registers: false,
    };
    loep_synth::write_municipality(dir.path(), &options).unwrap();
    let lev = dir.path().join("levering");
    let bag: Vec<BagAddress> = rows(&lev.join("bag_verblijfsobject.csv"))
        .into_iter()
        .map(|r| BagAddress {
            vbo_id: r["vbo_id"].clone(),
            openbare_ruimte: r["openbare_ruimte"].clone(),
            huisnummer: r["huisnummer"].parse().unwrap(),
            huisletter: opt(&r["huisletter"]),
            toevoeging: opt(&r["huisnummertoevoeging"]),
            postcode: r["postcode"].clone(),
            woonplaats: r["woonplaats"].clone(),
        })
        .collect();
    let index = AddressIndex::new(bag);
    let truth: HashMap<(String, String), String> = rows(&dir.path().join("truth/adres_links.csv"))
        .into_iter()
        .map(|r| {
            (
                (r["source"].clone(), r["record_key"].clone()),
                r["vbo_id"].clone(),
            )
        })
        .collect();
    let mut texts = Vec::new();
    for r in rows(&lev.join("melding.csv")) {
        texts.push((
            ("melding".to_string(), r["melding_id"].clone()),
            r["adres"].clone(),
        ));
    }
    for r in rows(&lev.join("pol_registratie.csv")) {
        texts.push((
            ("pol_registratie".to_string(), r["registratie_id"].clone()),
            r["adres"].clone(),
        ));
    }
    assert!(texts.len() > 100, "{} addresses", texts.len());
    let (mut right, mut wrong, mut none) = (0, 0, 0);
    let mut misses = Vec::new();
    for (key, text) in &texts {
        match index.find(text) {
            AddressMatch::Matched { vbo_id, .. } if vbo_id == truth[key] => right += 1,
            AddressMatch::Matched { vbo_id, .. } => {
                wrong += 1;
                misses.push(format!("WRONG {text} -> {vbo_id}"));
            }
            AddressMatch::Unmatched { reason } => {
                none += 1;
                misses.push(format!("none {text}: {}", reason.as_str()));
            }
        }
    }
    let precision = right as f64 / (right + wrong).max(1) as f64;
    let recall = right as f64 / texts.len() as f64;
    eprintln!(
        "addresses: {} right, {wrong} wrong, {none} unmatched; precision {precision:.4}, recall {recall:.4}",
        right
    );
    assert!(
        precision >= 0.995,
        "precision {precision:.4}: {:?}",
        &misses[..misses.len().min(10)]
    );
    assert!(
        recall >= 0.95,
        "recall {recall:.4}: {:?}",
        &misses[..misses.len().min(10)]
    );
}
