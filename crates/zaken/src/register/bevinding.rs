//! Bevindingen: a verdict per indicator that raised a case, checked against the case's
//! indicators and recorded at the visit or at closing.

use anyhow::Result;
use loep_store::{TxDb, clock};
use rusqlite::params;
use std::collections::HashSet;

use super::model::{Oordeel, ZaakDetail};
use super::{invalid, invalid_in};

/// The verdict `oordeel` a person gave on indicator `indicator`, in its stored form; refused
/// with the verdicts there are. For the front ends, which parse the bevindingen they are given
/// before they call the register.
pub fn parse_oordeel(indicator: &str, oordeel: &str) -> Result<Oordeel> {
    Oordeel::parse(oordeel).ok_or_else(|| {
        invalid(format!(
            "bevinding {indicator}={oordeel}: kies {} of {}",
            Oordeel::ALL[..2]
                .iter()
                .map(|o| o.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            Oordeel::NietVastTeStellen.as_str()
        ))
    })
}

/// Checks bevindingen against the case's indicators: each known, none twice, and (with `all`)
/// every indicator covered, counting those recorded before.
pub(super) fn check_bevindingen(
    d: &ZaakDetail,
    given: &[(String, Oordeel)],
    all: bool,
) -> Result<()> {
    let inds = d.indicatoren();
    let mut seen = HashSet::new();
    for (ind, _) in given {
        if !inds.contains(ind) {
            return Err(invalid(format!(
                "indicator {ind} heeft deze zaak niet doen ontstaan; bevindingen gaan over: {}",
                inds.iter().cloned().collect::<Vec<_>>().join(", ")
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
    given: &[(String, Oordeel)],
    door: &str,
) -> Result<()> {
    for (ind, oordeel) in given {
        tx.sql().execute(
            "INSERT INTO zaak_bevinding (zaak, indicator, oordeel, tijdstip, door) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (zaak, indicator) DO UPDATE SET oordeel = excluded.oordeel, tijdstip = excluded.tijdstip, door = excluded.door",
            params![zaak, ind, oordeel.as_str(), clock::now(), door],
        )?;
    }
    Ok(())
}
