//! Bevindingen: a verdict per indicator that raised a case, checked against the case's
//! indicators and recorded at the visit or at closing.

use anyhow::Result;
use loep_store::{TxDb, clock};
use rusqlite::params;
use std::collections::HashSet;

use super::model::{Oordeel, ZaakDetail};
use super::{invalid, invalid_in};

/// Checks bevindingen against the case's indicators: each known, each verdict valid, none
/// twice, and (with `all`) every indicator covered, counting those recorded before.
pub(super) fn check_bevindingen(
    d: &ZaakDetail,
    given: &[(String, String)],
    all: bool,
) -> Result<()> {
    let inds = d.indicatoren();
    let mut seen = HashSet::new();
    for (ind, oordeel) in given {
        if !inds.contains(ind) {
            return Err(invalid(format!(
                "indicator {ind} heeft deze zaak niet doen ontstaan; bevindingen gaan over: {}",
                inds.iter().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        if Oordeel::parse(oordeel).is_none() {
            return Err(invalid(format!(
                "bevinding {ind}={oordeel}: kies {} of {}",
                Oordeel::ALL[..2]
                    .iter()
                    .map(|o| o.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                Oordeel::NietVastTeStellen.as_str()
            )));
        }
        if !seen.insert(ind.clone()) {
            return Err(invalid(format!(
                "indicator {ind} staat twee keer in de bevindingen"
            )));
        }
    }
    if all {
        let missing: Vec<&String> = inds
            .iter()
            .filter(|i| !seen.contains(*i) && !d.bevindingen.iter().any(|b| &b.indicator == *i))
            .collect();
        if !missing.is_empty() {
            return Err(invalid_in(
                &["bevinding"],
                format!(
                    "geef een bevinding voor elke indicator die de zaak deed ontstaan (bevestigd, niet_bevestigd of niet_vast_te_stellen); ontbreekt: {}",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    Ok(())
}

pub(super) fn write_bevindingen(
    tx: &TxDb,
    zaak: &str,
    given: &[(String, String)],
    door: &str,
) -> Result<()> {
    for (ind, oordeel) in given {
        tx.sql().execute(
            "INSERT INTO zaak_bevinding (zaak, indicator, oordeel, tijdstip, door) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (zaak, indicator) DO UPDATE SET oordeel = excluded.oordeel, tijdstip = excluded.tijdstip, door = excluded.door",
            params![zaak, ind, oordeel, clock::now(), door],
        )?;
    }
    Ok(())
}
