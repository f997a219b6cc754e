//! A resident's access request: everything the project holds about one person.

use loep_store::auth::Actie;
use std::path::{Path, PathBuf};

pub use loep_intake::inzage::Inzage;

use crate::error::{AppError, Result};
use crate::session::Session;

/// What `report` wrote.
pub struct Written {
    pub report: Inzage,
    pub html: PathBuf,
    pub json: PathBuf,
}

/// `loep inzage`: the report for the person with `bsn`, as HTML and JSON in `out` (default:
/// `vault/inzage/` inside the identity vault, where retention removes it after
/// `signalen_dagen`). The lookup is logged.
pub fn report(session: &mut Session, bsn: &str, out: Option<&Path>) -> Result<Written> {
    session.authorize(Actie::InzageOpstellen)?;
    let catalogue = loep_scan::Catalogue::published()?;
    let (run, _) = catalogue.for_project(
        &session.project.config.indicatoren,
        &session.project.config.partners,
    )?;
    let indicatoren = run
        .iter()
        .map(|i| loep_intake::inzage::IndicatorUitleg {
            code: i.code.clone(),
            versie: i.versie,
            thema: i.thema.clone(),
            titel: i.titel.clone(),
            beschrijving: i.beschrijving.clone(),
        })
        .collect();
    let grant = loep_vault::Grant::for_access_request(&session.project, &session.user, bsn)?;
    let r = loep_intake::inzage::report(&mut session.project, &grant, indicatoren)?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| loep_vault::inzage_dir(&session.project.layout));
    std::fs::create_dir_all(&out)
        .map_err(|e| AppError::invalid(format!("cannot create {}: {e}", out.display())))?;
    let stem = format!("inzage-{}", r.pseudoniem.get(..12).unwrap_or(&r.pseudoniem));
    let json = out.join(format!("{stem}.json"));
    let html = out.join(format!("{stem}.html"));
    std::fs::write(&json, serde_json::to_string_pretty(&r)?)
        .map_err(|e| AppError::invalid(format!("cannot write {}: {e}", json.display())))?;
    std::fs::write(&html, loep_intake::inzage::to_html(&r))
        .map_err(|e| AppError::invalid(format!("cannot write {}: {e}", html.display())))?;
    Ok(Written {
        report: r,
        html,
        json,
    })
}
