//! A resident's access request: everything the project holds about one person, as the letter
//! they receive (HTML and PDF, in plain Dutch, without pseudonyms or BAG ids) and as JSON for
//! machines (which keeps the pseudonyms and ids).

use askama::Template;
use loep_store::auth::Actie;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub use brief::Brief;
pub use loep_intake::inzage::Inzage;

use crate::error::{AppError, Result};
use crate::session::Session;

pub mod brief;
pub mod labels;
pub mod pdf;

/// What `report` wrote.
pub struct Written {
    pub report: Inzage,
    pub html: PathBuf,
    pub pdf: PathBuf,
    pub json: PathBuf,
    /// `[publicatie] contact` is missing from `loep.toml`: the letter cannot say where to
    /// send an objection.
    pub zonder_contact: bool,
}

/// The letter as an HTML page, from `templates/inzage.html` (escaped by askama).
#[derive(Template)]
#[template(path = "inzage.html")]
struct Html<'a> {
    b: &'a Brief,
}

/// The letter as a standalone HTML page.
pub fn to_html(b: &Brief) -> Result<String> {
    Html { b }
        .render()
        .map_err(|e| AppError::invalid(format!("cannot render the access report: {e}")))
}

/// `loep inzage`: the report for the person with `bsn`, as HTML, PDF and JSON in `out`
/// (default: `vault/inzage/` inside the identity vault, where retention removes it after
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

    // The addresses the letter names, written out (the BAG is open data).
    let mut wanted: HashSet<&str> = r.signalen.iter().map(|s| s.vbo_id.as_str()).collect();
    for b in &r.bronnen {
        for row in &b.rijen {
            if let Some(v) = row.get("vbo_id") {
                wanted.insert(v);
            }
        }
    }
    let sources = loep_scan::Sources::of(&session.project)?;
    let adressen = loep_scan::address::addresses(&sources, &|v| wanted.contains(v))?;
    let letter = brief::brief(
        &r,
        &brief::Context {
            config: &session.project.config,
            adressen: &adressen,
        },
    );
    let html_text = to_html(&letter)?;
    let pdf_bytes = pdf::render(&letter)?;

    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| loep_vault::inzage_dir(&session.project.layout));
    std::fs::create_dir_all(&out)
        .map_err(|e| AppError::invalid(format!("cannot create {}: {e}", out.display())))?;
    // The file names carry the date and a sequence number, never (part of) the pseudonym: a
    // directory listing must not link a letter to the analysis data.
    let day: String = r.opgesteld.chars().take(10).collect();
    let stem = (1u32..)
        .map(|n| format!("inzage-{day}-{n}"))
        .find(|stem| {
            ["json", "html", "pdf"]
                .iter()
                .all(|ext| !out.join(format!("{stem}.{ext}")).exists())
        })
        .unwrap_or_else(|| format!("inzage-{day}"));
    let json = out.join(format!("{stem}.json"));
    let html = out.join(format!("{stem}.html"));
    let pdf = out.join(format!("{stem}.pdf"));
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::write(path, bytes)
            .map_err(|e| AppError::invalid(format!("cannot write {}: {e}", path.display())))
    };
    write(&json, serde_json::to_string_pretty(&r)?.as_bytes())?;
    write(&html, html_text.as_bytes())?;
    write(&pdf, &pdf_bytes)?;
    Ok(Written {
        zonder_contact: session.project.config.publicatie.contact.is_none(),
        report: r,
        html,
        pdf,
        json,
    })
}

/// An access report kept in the vault: its name (`inzage-<date>-<n>`), the day it was
/// drawn up and which forms of it are there.
#[derive(Debug, Clone, PartialEq)]
pub struct Letter {
    pub naam: String,
    pub datum: String,
    pub html: bool,
    pub pdf: bool,
}

/// The access reports kept in the vault, the newest first (the names say nothing about the
/// person; the reports themselves are opened with [`open_letter`]).
pub fn letters(session: &Session) -> Result<Vec<Letter>> {
    session.authorize(Actie::InzageOpstellen)?;
    let dir = loep_vault::inzage_dir(&session.project.layout);
    let mut by: std::collections::BTreeMap<String, Letter> = std::collections::BTreeMap::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(AppError::invalid(format!(
                "cannot read {}: {e}; is the vault's storage mounted?",
                dir.display()
            )));
        }
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some((stem, ext)) = file.rsplit_once('.') else {
            continue;
        };
        if !letter_name(stem) {
            continue;
        }
        let l = by.entry(stem.to_string()).or_insert_with(|| Letter {
            naam: stem.to_string(),
            datum: stem["inzage-".len().."inzage-".len() + 10].to_string(),
            html: false,
            pdf: false,
        });
        match ext {
            "html" => l.html = true,
            "pdf" => l.pdf = true,
            _ => {}
        }
    }
    let mut out: Vec<Letter> = by.into_values().collect();
    // Newest first: by day, then by the day's number.
    out.sort_by_key(|l| {
        std::cmp::Reverse((
            l.datum.clone(),
            l.naam
                .rsplit('-')
                .next()
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(0),
        ))
    });
    Ok(out)
}

/// Whether `stem` is a name [`report`] gives: `inzage-YYYY-MM-DD-N`.
fn letter_name(stem: &str) -> bool {
    let Some(rest) = stem.strip_prefix("inzage-") else {
        return false;
    };
    let (day, n) = (rest.get(..10), rest.get(10..));
    matches!((day, n), (Some(d), Some(n))
        if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()
            && n.len() > 1
            && n.starts_with('-')
            && n[1..].bytes().all(|b| b.is_ascii_digit()))
}

/// One kept access report as HTML or PDF (`file` is `<name>.html` or `<name>.pdf`), for the
/// privacy officer or key holder who answers the request; the opening is logged.
pub fn open_letter(session: &mut Session, file: &str) -> Result<(Vec<u8>, &'static str)> {
    session.authorize(Actie::InzageOpstellen)?;
    let (stem, kind) = match file.rsplit_once('.') {
        Some((stem, "pdf")) => (stem, "application/pdf"),
        Some((stem, "html")) => (stem, "text/html; charset=utf-8"),
        _ => return Err(AppError::not_found(format!("geen inzagebrief '{file}'"))),
    };
    if !letter_name(stem) {
        return Err(AppError::not_found(format!("geen inzagebrief '{file}'")));
    }
    let path = loep_vault::inzage_dir(&session.project.layout).join(file);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(AppError::not_found(format!("geen inzagebrief '{file}'")));
        }
        Err(e) => {
            return Err(AppError::invalid(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    let now = loep_store::clock::now();
    session.project.log(
        loep_store::LogRecord::new("inzage.geopend", &now, &now)
            .with_attr("brief", stem.to_string())
            .with_attr("door", session.user.naam().to_string()),
    )?;
    Ok((bytes, kind))
}

#[cfg(test)]
mod tests {
    use super::brief::{Brief, BronBlok, Handeling, Regel, SignaalBlok};
    use super::*;

    #[test]
    fn only_the_names_the_report_gives_are_letters() {
        for ok in ["inzage-2026-06-15-1", "inzage-2026-12-31-12"] {
            assert!(letter_name(ok), "{ok}");
        }
        for bad in [
            "inzage-2026-06-15",
            "inzage-2026-06-15-",
            "inzage-2026-13-01-1",
            "inzage-2026-06-15-1/../x",
            "../inzage-2026-06-15-1",
            "inzage-2026-06-15-1a",
            "brief-2026-06-15-1",
        ] {
            assert!(!letter_name(bad), "{bad}");
        }
    }

    fn regel(label: &str, waarde: &str) -> Regel {
        Regel {
            label: label.to_string(),
            waarde: waarde.to_string(),
        }
    }

    fn sample() -> Brief {
        let rijen: Vec<Vec<Regel>> = (0..40)
            .map(|i| {
                vec![
                    regel("Jaar", &format!("{}", 1990 + i)),
                    regel("Bedrag", "€ 1.234,56"),
                ]
            })
            .collect();
        Brief {
            organisatie: "Gemeente Haarlem".into(),
            titel: "Inzage in uw persoonsgegevens".into(),
            opgesteld: "15 juni 2026, 12:00".into(),
            persoon: vec![regel("Naam", "Zoë <b>van</b> Eijk & Beëlen")],
            inleiding: vec!["Één alinea met een heel lang woord: Arbeidsongeschiktheidsverzekeringswetgevingsbepalingenoverzichtsdocument.".into()],
            project: vec![regel("Doel", "Adresfraude aanpakken")],
            bronnen_uitleg: vec![],
            bronnen: vec![BronBlok {
                titel: "Inkomen (Belastingdienst)".into(),
                herkomst: vec![regel("Geleverd door", "Belastingdienst")],
                rijen,
            }],
            vermeldingen: vec![],
            signalen_uitleg: vec![],
            signalen: vec![SignaalBlok {
                titel: "Overbewoning (OVB-01, versie 1)".into(),
                regels: vec![regel("Uitleg", "6 personen op 40 m²")],
            }],
            verwerkingen_uitleg: vec![],
            verwerkingen: vec![Handeling {
                tijdstip: "15 juni 2026, 12:00".into(),
                wat: "Er is een overzicht opgesteld.".into(),
                details: String::new(),
            }],
            indicatoren_uitleg: vec![],
            indicatoren: vec![],
            bewaren: vec!["Na 28 dagen.".into()],
            rechten: vec![regel("Bezwaar maken", "artikel 21 AVG")],
            contact: vec![regel("Functionaris gegevensbescherming", "privacy@haarlem.example")],
        }
    }

    #[test]
    fn the_html_escapes_what_it_shows() {
        let html = to_html(&sample()).expect("renders");
        assert!(
            html.contains("Zoë &#60;b&#62;van&#60;/b&#62; Eijk &#38; Beëlen"),
            "{html}"
        );
        assert!(!html.contains("<b>van</b>"));
        assert!(html.starts_with("<!doctype html>") && html.contains("lang=\"nl\""));
    }

    #[test]
    fn the_pdf_is_a_pdf_of_several_pages() {
        let pdf = pdf::render(&sample()).expect("renders");
        assert!(pdf.starts_with(b"%PDF"));
        let text = String::from_utf8_lossy(&pdf);
        let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
        assert!(pages >= 2, "a long letter runs over pages: {pages}");
        // The fonts are subsetted: far smaller than the two fonts themselves (1.4 MB).
        assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
    }
}
