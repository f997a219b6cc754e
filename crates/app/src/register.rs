//! Publication: the project's Algoritmeregister entry and its indicator catalogue.

use loep_store::ProjectConfig;
use loep_store::auth::Actie;
use loep_zaken::trefkans::Rapport;
use std::path::{Path, PathBuf};

use crate::error::{AppError, Result};
use crate::session::Session;

/// What `export` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Published {
    pub indicatoren: usize,
    pub status: &'static str,
    pub json: PathBuf,
    pub markdown: PathBuf,
    /// What the entry lacks before the register accepts it (in Dutch), e.g. the contact.
    pub ontbreekt: Vec<String>,
}

/// The register's status: "In gebruik" only while the current `loep.toml` is approved.
fn status(approved: bool) -> &'static str {
    if approved {
        "In gebruik"
    } else {
        "In ontwikkeling"
    }
}

/// The Algoritmeregister entry and the catalogue (Markdown) for `config`, with its status and
/// what it still lacks before the register accepts it.
pub struct Entry {
    pub entry: serde_json::Value,
    pub markdown: String,
    pub status: &'static str,
    pub indicatoren: usize,
    pub ontbreekt: Vec<String>,
}

fn build(config: &ProjectConfig, dpia: Option<&str>, trefkans: Option<&Rapport>) -> Result<Entry> {
    let catalogue = loep_scan::Catalogue::published()?;
    let (run, _) = catalogue.for_project(&config.indicatoren, &config.partners)?;
    let status = status(dpia.is_some());
    let mut entry = loep_scan::register::entry(config, &run, dpia, status);
    let rates = trefkans.map(hit_rate_summary).unwrap_or_default();
    if !rates.is_empty()
        && let Some(p) = entry.get_mut("proportionality")
        && let Some(text) = p.as_str()
    {
        // The field holds at most 2,500 characters; the full table is in the catalogue.
        let full = format!(
            "{text} Gemeten trefkans per indicator (bevestigd na huisbezoek of onderzoek, afgeronde zaken): {rates}."
        );
        let short =
            format!("{text} De gemeten trefkans per indicator staat in indicatorcatalogus.md.");
        *p = serde_json::Value::String(if full.chars().count() <= 2500 {
            full
        } else {
            short
        });
    }
    let mut ontbreekt = Vec::new();
    if config.publicatie.contact.is_none() {
        ontbreekt.push("contactgegevens: zet [publicatie] contact = \"…\" (e-mailadres of https://-pagina) in loep.toml".to_string());
    }
    if config.publicatie.organisatie.is_none() {
        ontbreekt.push("organisatie: zet [publicatie] organisatie = \"Gemeente …\" (de volledige naam) in loep.toml".to_string());
    }
    let mut markdown = loep_scan::register::catalogue_markdown(&run);
    if let Some(r) = trefkans {
        markdown.push_str(&hit_rate_markdown(r));
    }
    Ok(Entry {
        entry,
        markdown,
        status,
        indicatoren: run.len(),
        ontbreekt,
    })
}

/// Writes `algoritmeregister.json` and `indicatorcatalogus.md` for `config` into `out`.
pub(crate) fn write(
    config: &ProjectConfig,
    dpia: Option<&str>,
    trefkans: Option<&Rapport>,
    out: &Path,
) -> Result<Published> {
    let Entry {
        entry,
        markdown: md,
        status,
        indicatoren,
        ontbreekt,
    } = build(config, dpia, trefkans)?;
    std::fs::create_dir_all(out)
        .map_err(|e| AppError::invalid(format!("kan {} niet aanmaken: {e}", out.display())))?;
    let json = out.join("algoritmeregister.json");
    let markdown = out.join("indicatorcatalogus.md");
    std::fs::write(&json, serde_json::to_string_pretty(&entry)? + "\n")
        .map_err(|e| AppError::invalid(format!("kan {} niet schrijven: {e}", json.display())))?;
    std::fs::write(&markdown, md).map_err(|e| {
        AppError::invalid(format!("kan {} niet schrijven: {e}", markdown.display()))
    })?;
    Ok(Published {
        indicatoren,
        status,
        json,
        markdown,
        ontbreekt,
    })
}

/// The entry as `loep register export` would write it, for a page to show.
pub fn entry(session: &Session) -> Result<Entry> {
    session.authorize(Actie::RegisterExporteren)?;
    let rates = loep_zaken::trefkans::rapport(session.project.db())?;
    build(
        &session.project.config,
        dpia(session)?.as_deref(),
        Some(&rates),
    )
}

/// The DPIA reference of the approval of the current `loep.toml`, if it is approved.
fn dpia(session: &Session) -> Result<Option<String>> {
    Ok(session
        .project
        .approval()?
        .filter(|a| a.geldig)
        .map(|a| a.dpia))
}

/// `loep register export`: into `out` (default: the project's `publicatie/`).
pub fn export(session: &Session, out: Option<&Path>) -> Result<Published> {
    session.authorize(Actie::RegisterExporteren)?;
    let dpia = dpia(session)?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| session.project.layout.dir.join("publicatie"));
    let rates = loep_zaken::trefkans::rapport(session.project.db())?;
    write(&session.project.config, dpia.as_deref(), Some(&rates), &out)
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// `ADR-01 75% (12 beoordeeld, 95%-interval 47%–91%); …` over all periods.
fn hit_rate_summary(r: &Rapport) -> String {
    r.indicatoren
        .iter()
        .filter(|t| t.periode == "totaal")
        .filter_map(|t| {
            Some(format!(
                "{} {} ({} beoordeeld, 95%-interval {}–{})",
                t.indicator,
                pct(t.trefkans?),
                t.beoordeeld,
                pct(t.ondergrens?),
                pct(t.bovengrens?)
            ))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The hit rates as a Markdown section of the published catalogue.
fn hit_rate_markdown(r: &Rapport) -> String {
    let mut md = String::from("\n## Trefkans per indicator\n\n");
    md.push_str(&r.toelichting);
    md.push_str("\n\n| indicator | periode | bevestigd | niet bevestigd | niet vast te stellen | trefkans | 95%-interval |\n|---|---|---:|---:|---:|---:|---|\n");
    for t in &r.indicatoren {
        match (t.trefkans, t.ondergrens, t.bovengrens) {
            (Some(k), Some(lo), Some(hi)) => md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {}–{} |\n",
                t.indicator,
                t.periode,
                t.bevestigd,
                t.niet_bevestigd,
                t.niet_vast_te_stellen,
                pct(k),
                pct(lo),
                pct(hi)
            )),
            _ => md.push_str(&format!(
                "| {} | {} | < 10 beoordeeld | | | – | |\n",
                loep_scan::register::md_cell(&t.indicator),
                t.periode
            )),
        }
    }
    if r.indicatoren.is_empty() {
        md.push_str("| (nog geen afgeronde zaken) | | | | | | |\n");
    }
    md
}
