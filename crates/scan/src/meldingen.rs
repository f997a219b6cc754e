//! The residents' reports the municipality delivered (`melding`), as the team's pages show them
//! beside the reports filed through the public form: one register, each report with its
//! source. Read from the pseudonymous analysis data: the day, the category, the address as
//! typed, whether it was anonymous, the published topics of the description (the description
//! itself stays in the vault), and the BAG object the linkage found for the address.

use anyhow::Result;
use loep_contract::{BagId, Datum};
use std::collections::HashMap;

use crate::address::{read, text};
use crate::engine::Sources;

/// A delivered report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GeleverdeMelding {
    /// The report's key in the analysis data (pseudonymous).
    pub record_key: String,
    /// The day of the report.
    pub datum: Datum,
    pub categorie: String,
    /// The address as the resident gave it.
    pub adres: String,
    pub anoniem: bool,
    /// The published topics of its description (`verbouwing`), comma-separated.
    pub onderwerpen: Option<String>,
    /// The BAG object the linkage found for the address; `None`: not linked with certainty.
    pub vbo_id: Option<BagId>,
}

/// The delivered reports, the newest first; with `at`, only those linked to that BAG object.
pub fn delivered(sources: &Sources, at: Option<BagId>) -> Result<Vec<GeleverdeMelding>> {
    let Some((_, path)) = sources.tables.get("melding") else {
        return Ok(Vec::new());
    };
    let mut linked: HashMap<String, BagId> = HashMap::new();
    if let Some((_, links)) = sources.tables.get("koppeling_adres") {
        read(links, &["bron", "record_key", "vbo_id"], |batch| {
            let bron = text(batch, "bron")?;
            let key = text(batch, "record_key")?;
            let vbo = text(batch, "vbo_id")?;
            for i in 0..batch.num_rows() {
                if bron.get(i) != Some("melding") {
                    continue;
                }
                if let (Some(k), Some(v)) = (key.get(i), vbo.get(i).filter(|v| !v.is_empty())) {
                    // The linkage writes the BAG's ids: another value is a changed file.
                    let v = BagId::vbo(v).map_err(|e| {
                        anyhow::anyhow!("de adreskoppeling van melding {k} is onleesbaar: {e}")
                    })?;
                    linked.insert(k.to_string(), v);
                }
            }
            Ok(())
        })?;
    }
    let mut out = Vec::new();
    read(
        path,
        &[
            "record_key",
            "datum",
            "categorie",
            "adres",
            "anoniem",
            "omschrijving_onderwerpen",
        ],
        |batch| {
            let key = text(batch, "record_key")?;
            let datum = text(batch, "datum")?;
            let categorie = text(batch, "categorie")?;
            let adres = text(batch, "adres")?;
            let anoniem = text(batch, "anoniem")?;
            let onderwerpen = text(batch, "omschrijving_onderwerpen")?;
            for i in 0..batch.num_rows() {
                let Some(k) = key.get(i) else { continue };
                let vbo_id = linked.get(k).cloned();
                if at.is_some_and(|a| vbo_id != Some(a)) {
                    continue;
                }
                // The intake writes the contract's dates: another value is a changed file.
                let datum = Datum::parse(datum.get(i).unwrap_or_default())
                    .map_err(|e| anyhow::anyhow!("de datum van melding {k} is onleesbaar: {e}"))?;
                out.push(GeleverdeMelding {
                    record_key: k.to_string(),
                    datum,
                    categorie: categorie.get(i).unwrap_or_default().to_string(),
                    adres: adres.get(i).unwrap_or_default().to_string(),
                    anoniem: matches!(anoniem.get(i), Some("true" | "ja" | "1")),
                    onderwerpen: onderwerpen
                        .get(i)
                        .filter(|o| !o.is_empty())
                        .map(str::to_string),
                    vbo_id,
                });
            }
            Ok(())
        },
    )?;
    out.sort_by(|a, b| {
        b.datum
            .cmp(&a.datum)
            .then_with(|| a.record_key.cmp(&b.record_key))
    });
    Ok(out)
}
