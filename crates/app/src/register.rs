//! Publication: the project's Algoritmeregister entry and its indicator catalogue.

use loep_store::ProjectConfig;
use loep_store::auth::Actie;
use std::path::{Path, PathBuf};

use crate::error::{AppError, Result};
use crate::session::Session;

/// What `export` wrote.
pub struct Published {
    pub indicatoren: usize,
    pub status: &'static str,
    pub json: PathBuf,
    pub markdown: PathBuf,
}

/// The register's status: "in gebruik" only while the current `loep.toml` is approved.
fn status(approved: bool) -> &'static str {
    if approved {
        "in gebruik"
    } else {
        "in ontwikkeling"
    }
}

/// Writes `algoritmeregister.json` and `indicatorcatalogus.md` for `config` into `out`.
pub(crate) fn write(config: &ProjectConfig, dpia: Option<&str>, out: &Path) -> Result<Published> {
    let catalogue = loep_scan::Catalogue::published()?;
    let (run, _) = catalogue.for_project(&config.indicatoren, &config.partners)?;
    let status = status(dpia.is_some());
    let entry = loep_scan::register::entry(config, &run, dpia, status);
    std::fs::create_dir_all(out)
        .map_err(|e| AppError::invalid(format!("cannot create {}: {e}", out.display())))?;
    let json = out.join("algoritmeregister.json");
    let markdown = out.join("indicatorcatalogus.md");
    std::fs::write(&json, serde_json::to_string_pretty(&entry)? + "\n")
        .map_err(|e| AppError::invalid(format!("cannot write {}: {e}", json.display())))?;
    std::fs::write(&markdown, loep_scan::register::catalogue_markdown(&run))
        .map_err(|e| AppError::invalid(format!("cannot write {}: {e}", markdown.display())))?;
    Ok(Published {
        indicatoren: run.len(),
        status,
        json,
        markdown,
    })
}

/// `loep register export`: into `out` (default: the project's `publicatie/`).
pub fn export(session: &Session, out: Option<&Path>) -> Result<Published> {
    session.authorize(Actie::RegisterExporteren)?;
    let approval = session.project.approval()?;
    let dpia = approval
        .as_ref()
        .filter(|a| a.geldig)
        .map(|a| a.dpia.clone());
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| session.project.layout.dir.join("publicatie"));
    write(&session.project.config, dpia.as_deref(), &out)
}
