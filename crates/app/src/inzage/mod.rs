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
    /// The BRP data of the project hold no address to post the letter to (not registered as
    /// living in the municipality): hand it over, or send it to the address of the request.
    pub zonder_adres: bool,
    /// The restriction the letter applies (article 41 UAVG), if any.
    pub beperking: Option<Beperking>,
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
        .map_err(|e| AppError::invalid(format!("kan het inzageoverzicht niet opmaken: {e}")))
}

/// A part of an access letter the privacy officer can leave out for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Deel {
    /// The signals the person is part of, and the log's lines of them.
    Signalen,
    /// The cases, visits and requests for identities about the person: the log's lines of
    /// them (e.g. "Er is een huisbezoek gepland. Datum: …").
    Zaken,
}

impl Deel {
    pub const ALL: [Deel; 2] = [Deel::Signalen, Deel::Zaken];

    pub fn code(self) -> &'static str {
        match self {
            Deel::Signalen => "signalen",
            Deel::Zaken => "zaken",
        }
    }

    pub fn parse(s: &str) -> Result<Deel> {
        Deel::ALL
            .into_iter()
            .find(|d| d.code() == s.trim().to_lowercase())
            .ok_or_else(|| {
                AppError::invalid(format!(
                    "'{s}' is geen deel van een inzage dat beperkt kan worden; kies uit: signalen, zaken"
                ))
            })
    }

    /// What the letter says is left out.
    pub fn omschrijving(self) -> &'static str {
        match self {
            Deel::Signalen => "de signalen waarbij u betrokken bent en hoe die tot stand kwamen",
            Deel::Zaken => {
                "de onderzoeken (zaken), huisbezoeken en verzoeken om uw identiteit die over u gaan"
            }
        }
    }

    /// Whether a line of the processing log belongs to this part: by its name, or by what
    /// its attributes name (a case, a request for identities, a signal), so that a line of
    /// another kind about a case (a partner system reading it) goes too.
    fn covers(self, handeling: &str, kenmerken: &serde_json::Value) -> bool {
        let names = |k: &str| kenmerken.get(k).is_some();
        match self {
            Deel::Signalen => handeling == "scan.signaal" || names("signaal"),
            Deel::Zaken => {
                handeling.starts_with("zaak.")
                    || handeling.starts_with("onthulling.")
                    || handeling.starts_with("bewaartermijn.zaak")
                    || handeling.starts_with("api.zaak")
                    || names("zaak")
                    || names("onthulling")
            }
        }
    }
}

/// A restriction of a resident's access letter while an investigation runs (article 41 UAVG):
/// the parts left out, why (recorded in the processing log, not in the letter) and until
/// when. Only the privacy officer decides it ([`Actie::InzageBeperken`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Beperking {
    pub delen: Vec<Deel>,
    #[serde(skip)]
    pub reden: String,
    /// The last day it applies (JJJJ-MM-DD).
    pub tot: String,
}

/// The longest a restriction may be set at once, in days; a new letter may restrict again.
pub const MAX_BEPERKING_DAGEN: i64 = 365;

/// The latest end a restriction given on `today` (JJJJ-MM-DD) may have.
pub fn latest_end(today: &str) -> String {
    latest_end_from(today, MAX_BEPERKING_DAGEN as u64)
}

/// The day `days` after `today` (JJJJ-MM-DD).
pub fn latest_end_from(today: &str, days: u64) -> String {
    chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.checked_add_days(chrono::Days::new(days)))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The shortest reason a restriction gives.
pub const MIN_REDEN: usize = 20;

/// The longest.
pub const MAX_REDEN: usize = 1000;

impl Beperking {
    /// Checks a restriction as the privacy officer gives it on `today` (JJJJ-MM-DD).
    pub fn new(delen: &[String], reden: &str, tot: &str, today: &str) -> Result<Beperking> {
        let mut parts: Vec<Deel> = Vec::new();
        for d in delen.iter().filter(|d| !d.trim().is_empty()) {
            let d = Deel::parse(d)?;
            if !parts.contains(&d) {
                parts.push(d);
            }
        }
        if parts.is_empty() {
            return Err(AppError::invalid(
                "noem welk deel van de inzage beperkt wordt: zaken, of zaken en signalen",
            ));
        }
        // The lines about cases and requests name the signals they came from: signals left
        // out means cases left out too.
        if parts.contains(&Deel::Signalen) && !parts.contains(&Deel::Zaken) {
            parts.push(Deel::Zaken);
        }
        let reden = reden.trim().to_string();
        if reden.chars().count() < MIN_REDEN {
            return Err(AppError::invalid(format!(
                "geef de reden van de beperking in ten minste {MIN_REDEN} tekens: welk onderzoek het tonen zou schaden"
            )));
        }
        if reden.chars().count() > MAX_REDEN || reden.chars().any(char::is_control) {
            return Err(AppError::invalid(format!(
                "geef de reden van de beperking op één regel van ten hoogste {MAX_REDEN} tekens"
            )));
        }
        let parse = |d: &str| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok();
        let (Some(einde), Some(vandaag)) = (parse(tot), parse(today)) else {
            return Err(AppError::invalid(format!(
                "'{tot}' is geen datum: geef de laatste dag van de beperking als JJJJ-MM-DD"
            )));
        };
        let dagen = (einde - vandaag).num_days();
        if dagen < 1 {
            return Err(AppError::invalid(format!(
                "de beperking moet na vandaag eindigen ({tot} ligt niet na {today})"
            )));
        }
        if dagen > MAX_BEPERKING_DAGEN {
            return Err(AppError::invalid(format!(
                "een beperking geldt ten hoogste {MAX_BEPERKING_DAGEN} dagen per keer; kies een einddatum tot en met {}",
                vandaag + chrono::Days::new(MAX_BEPERKING_DAGEN as u64)
            )));
        }
        Ok(Beperking {
            delen: parts,
            reden,
            tot: einde.format("%Y-%m-%d").to_string(),
        })
    }

    /// Leaves the restricted parts out of `r`, and of the lines of the log that stay every
    /// attribute the letter does not show (counts and ids of other lines, which could tell
    /// what was left out).
    fn apply(&self, r: &mut Inzage) {
        if self.delen.contains(&Deel::Signalen) {
            r.signalen.clear();
        }
        r.verwerkingen.retain(|v| {
            !self
                .delen
                .iter()
                .any(|d| d.covers(&v.handeling, &v.kenmerken))
        });
        for v in &mut r.verwerkingen {
            if let Some(o) = v.kenmerken.as_object_mut() {
                o.retain(|k, _| {
                    labels::action_detail(k).is_some() || k == loep_store::log::DOOR_ORGANISATIE
                });
            }
        }
    }

    /// The restriction that applies: every one in force for the person together (their parts,
    /// the latest end).
    fn in_force(kept: &[loep_store::beperking::Beperking]) -> Option<Beperking> {
        let mut delen: Vec<Deel> = Vec::new();
        for d in kept
            .iter()
            .flat_map(|b| b.delen.iter())
            .filter_map(|d| Deel::parse(d).ok())
        {
            if !delen.contains(&d) {
                delen.push(d);
            }
        }
        let tot = kept.iter().map(|b| b.tot.clone()).max()?;
        Some(Beperking {
            delen,
            reden: String::new(),
            tot,
        })
    }
}

/// The restrictions in force on `today`, the newest first (privacy officer).
pub fn restrictions(session: &Session) -> Result<Vec<loep_store::beperking::Beperking>> {
    session.authorize(Actie::InzageBeperken)?;
    Ok(loep_store::beperking::all_active(
        session.project.db(),
        &crate::today(),
    )?)
}

/// Lifts restriction `id` before its end (privacy officer); logged.
pub fn lift_restriction(session: &mut Session, id: i64) -> Result<()> {
    session.authorize(Actie::InzageBeperken)?;
    let Some(b) = loep_store::beperking::get(session.project.db(), id)? else {
        return Err(AppError::not_found(format!("er is geen beperking {id}")));
    };
    let now = loep_store::clock::now();
    let activity = session.project.config.verwerkingsactiviteit_id.clone();
    let tx = session.project.begin()?;
    if !loep_store::beperking::lift(&tx, id, &now)? {
        return Err(AppError::invalid(format!("beperking {id} is al opgeheven")));
    }
    loep_store::log::append(
        &tx,
        &activity,
        loep_store::log::LogRecord::new("inzage.beperking_opgeheven", &now, &now)
            .with_subject(&b.pseudoniem)
            .with_attr("beperking", id)
            .by(&session.user),
    )?;
    tx.commit()?;
    Ok(())
}

/// The theme's logo as a `data:` URI, read as the web application reads it (inside the
/// project's `thema/` directory, no links, at most 256 KB); none when absent or unreadable.
fn logo_uri(project: &loep_store::Project) -> Option<String> {
    use base64::Engine;
    let logo = project.config.thema.logo.as_deref()?;
    let kind = loep_store::Thema::logo_type(logo)?;
    let bytes = crate::session::read_logo(&project.layout.dir, logo)?;
    Some(format!(
        "data:{kind};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// `loep inzage`: the report for the person with `bsn`, as HTML, PDF and JSON in `out`
/// (default: `vault/inzage/` inside the identity vault, where retention removes it after
/// `signalen_dagen`). The lookup is logged; a restriction too, with its reason.
pub fn report(
    session: &mut Session,
    bsn: &str,
    out: Option<&Path>,
    beperking: Option<&Beperking>,
) -> Result<Written> {
    session.authorize(Actie::InzageOpstellen)?;
    if beperking.is_some() {
        session.authorize(Actie::InzageBeperken)?;
    }
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
            thema: i.thema,
            titel: i.titel.clone(),
            beschrijving: i.beschrijving.clone(),
        })
        .collect();
    let grant = loep_vault::Grant::for_access_request(&session.project, &session.user, bsn)?;
    let mut r = loep_intake::inzage::report(&mut session.project, &grant, indicatoren)?;
    // A new restriction is kept for the person, with its reason (the log records that it was
    // set, for whom and until when; the log is never destroyed, the reason goes with the
    // restriction).
    if let Some(b) = beperking {
        let now = loep_store::clock::now();
        let activity = session.project.config.verwerkingsactiviteit_id.clone();
        let codes: Vec<&str> = b.delen.iter().map(|d| d.code()).collect();
        let door = session.user.naam().to_string();
        let tx = session.project.begin()?;
        let id =
            loep_store::beperking::add(&tx, &r.pseudoniem, &codes, &b.tot, &b.reden, &door, &now)?;
        loep_store::log::append(
            &tx,
            &activity,
            loep_store::log::LogRecord::new("inzage.beperkt", &now, &now)
                .with_subject(&r.pseudoniem)
                .with_attr("beperking", id)
                .with_attr("delen", codes.join(","))
                .with_attr("tot", b.tot.clone())
                .by(&session.user),
        )?;
        tx.commit()?;
    }
    // Every restriction in force for the person applies, whoever draws the letter up.
    let kept = loep_store::beperking::active(session.project.db(), &r.pseudoniem, &crate::today())?;
    let in_force = Beperking::in_force(&kept);
    if let Some(b) = &in_force {
        b.apply(&mut r);
    }
    let beperking = in_force.as_ref();

    // The addresses the letter names, written out (the BAG is open data).
    let mut wanted: HashSet<String> = r.signalen.iter().map(|s| s.vbo_id.to_string()).collect();
    for b in &r.bronnen {
        for row in &b.rijen {
            if let Some(v) = row.get("vbo_id") {
                wanted.insert(v.clone());
            }
        }
    }
    let sources = loep_scan::Sources::of(&session.project)?;
    let adressen = loep_scan::address::addresses(&sources, &|v| wanted.contains(v))?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| loep_vault::inzage_dir(&session.project.layout));
    std::fs::create_dir_all(&out)
        .map_err(|e| AppError::invalid(format!("kan {} niet aanmaken: {e}", out.display())))?;
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
    // "Ons kenmerk" is unique in the organisation, wherever the files are written: the
    // project (from its processing activity) and the number of this access report's record
    // among the project's access reports in the log (another report drawn up meanwhile
    // comes after it).
    let number = loep_store::log::number_of_newest(session.project.db(), "inzage", &r.pseudoniem)?;
    let kenmerk = kenmerk(
        &session.project.config.verwerkingsactiviteit_id,
        &day,
        number,
    );
    // The organisation's look only while the configuration that names it is approved.
    let approved = matches!(session.project.approval()?, Some(a) if a.geldig);
    let thema = if approved {
        session.project.config.thema.clone()
    } else {
        loep_store::Thema::default()
    };
    let letter = brief::brief(
        &r,
        &brief::Context {
            config: &session.project.config,
            adressen: &adressen,
            kenmerk,
            beperking,
            thema: &thema,
            logo: if approved {
                logo_uri(&session.project)
            } else {
                None
            },
        },
    );
    let html_text = to_html(&letter)?;
    let pdf_bytes = pdf::render(&letter)?;
    let json = out.join(format!("{stem}.json"));
    let html = out.join(format!("{stem}.html"));
    let pdf = out.join(format!("{stem}.pdf"));
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::write(path, bytes)
            .map_err(|e| AppError::invalid(format!("kan {} niet schrijven: {e}", path.display())))
    };
    let mut machine = serde_json::to_value(&r)?;
    if let Some(o) = machine.as_object_mut() {
        // The letter's reference, so that a reply quoting it finds this report.
        o.insert("kenmerk".into(), letter.kenmerk.clone().into());
        if let Some(b) = beperking {
            o.insert("beperking".into(), serde_json::to_value(b)?);
        }
    }
    write(&json, serde_json::to_string_pretty(&machine)?.as_bytes())?;
    write(&html, html_text.as_bytes())?;
    write(&pdf, &pdf_bytes)?;
    Ok(Written {
        zonder_adres: letter.zonder_adres,
        beperking: in_force,
        zonder_contact: session.project.config.publicatie.contact.is_none(),
        report: r,
        html,
        pdf,
        json,
    })
}

/// "Ons kenmerk" of a letter: `INZ-` with six characters of the project's processing
/// activity (`loep-<name>-<digest>`), the day, and the report's number in the project.
fn kenmerk(activiteit: &str, day: &str, number: i64) -> String {
    let project: String = activiteit
        .rsplit('-')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(6)
        .collect::<String>()
        .to_uppercase();
    format!("INZ-{project}-{day}-{number}")
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
                "kan {} niet lezen: {e}; is de opslag van de kluis aangekoppeld?",
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
                "kan {} niet lezen: {e}",
                path.display()
            )));
        }
    };
    let now = loep_store::clock::now();
    // Which account opened it, by its keyed fingerprint (the privacy officer's log browser
    // names it; the exported log holds no names).
    let account = loep_store::log::account_fingerprint(session.project.db(), session.user.naam())?;
    session.project.log(
        loep_store::LogRecord::new("inzage.geopend", &now, &now)
            .with_attr("brief", stem.to_string())
            .with_attr("account", account)
            .by(&session.user),
    )?;
    Ok((bytes, kind))
}

#[cfg(test)]
mod tests {
    use super::brief::{Brief, BronBlok, Handeling, Regel, SignaalBlok};
    use super::*;

    #[test]
    fn the_reference_names_the_project_and_the_reports_number() {
        assert_eq!(
            kenmerk("loep-haarlem-noord-3f9a21b7c0de", "2026-12-07", 12),
            "INZ-3F9A21-2026-12-07-12"
        );
        assert_ne!(
            kenmerk("loep-haarlem-noord-3f9a21b7c0de", "2026-12-07", 1),
            kenmerk("loep-zaanstad-0badc0ffee11", "2026-12-07", 1)
        );
    }

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
            huisstijl: Default::default(),
            afzender: "Gemeente Haarlem, Postbus 511, 2003 PB Haarlem".into(),
            adresblok: vec![
                "Zoë van Eijk".into(),
                "Kerkstraat 12A-2".into(),
                "2011 AB  HAARLEM".into(),
            ],
            kenmerk: "INZ-2026-06-15-1".into(),
            zonder_adres: false,
            datum: "15 juni 2026".into(),
            beperking: vec!["Een deel staat tijdelijk niet in dit overzicht.".into()],
            ondertekening: vec![
                "Met vriendelijke groet,".into(),
                "Functionaris gegevensbescherming".into(),
            ],
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
                door: "Gemeente Haarlem".into(),
                details: String::new(),
            }],
            indicatoren_uitleg: vec![],
            indicatoren: vec![],
            bewaren: vec!["Na 28 dagen.".into()],
            rechten: vec![regel("Bezwaar maken", "artikel 21 AVG")],
            contact: vec![regel("Functionaris gegevensbescherming", "privacy@haarlem.example")],
        }
    }

    /// The organisation's theme reaches the letter: its tokens (only those that compute on
    /// their own), its logo, and its accent colour in the PDF.
    #[test]
    fn the_letter_wears_the_organisations_look() {
        let mut thema = loep_store::Thema::default();
        thema.tokens.insert(
            "basis-color-action-1-color-default".into(),
            "#b40000".into(),
        );
        thema.tokens.insert(
            "basis-text-font-family-default".into(),
            "'Fira Sans', sans-serif".into(),
        );
        thema
            .tokens
            .insert("basis-heading-color".into(), "var(--elders)".into());
        let mut b = sample();
        b.huisstijl =
            super::brief::Huisstijl::of(&thema, Some("data:image/svg+xml;base64,PHN2Zy8+".into()));
        let html = to_html(&b).expect("renders");
        assert!(
            html.contains("--basis-color-action-1-color-default: #b40000;"),
            "{html}"
        );
        assert!(html.contains("--basis-text-font-family-default: 'Fira Sans', sans-serif;"));
        assert!(
            !html.contains("--elders"),
            "a token that needs others stays out"
        );
        assert!(html.contains("<img class=\"logo\" src=\"data:image/svg+xml;base64,PHN2Zy8+\""));
        assert_eq!(b.huisstijl.kleur, Some([180.0 / 255.0, 0.0, 0.0]));
        let plain = to_html(&sample()).expect("renders");
        assert!(!plain.contains("class=\"logo\"") && plain.contains("#154273"));
        // An SVG logo cannot go into the PDF; a PNG one goes on the first page, with its
        // transparency as a soft mask.
        let pdf = super::pdf::render(&b).expect("a PDF");
        assert!(!String::from_utf8_lossy(&pdf).contains("/Logo"));
        let mut png_bytes = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut png_bytes, 2, 1);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            let mut w = enc.write_header().unwrap();
            w.write_image_data(&[180, 0, 0, 255, 255, 255, 255, 0])
                .unwrap();
        }
        use base64::Engine;
        let uri = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&png_bytes)
        );
        b.huisstijl = super::brief::Huisstijl::of(&thema, Some(uri));
        let pdf = super::pdf::render(&b).expect("a PDF");
        let text = String::from_utf8_lossy(&pdf).to_string();
        assert!(
            text.contains("/Logo") && text.contains("/SMask") && text.contains("/Width 2"),
            "the logo in the PDF"
        );
        // A broken PNG leaves the PDF without a logo, never without a letter.
        b.huisstijl.logo_png = Some(b"\x89PNG kapot".to_vec());
        let pdf = super::pdf::render(&b).expect("a PDF");
        assert!(!String::from_utf8_lossy(&pdf).contains("/Logo"));
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

    /// A restriction is checked as the privacy officer gives it: known parts, a reason, an
    /// end after today and within a year.
    #[test]
    fn a_restriction_is_checked() {
        let today = "2026-12-07";
        let reden = "Lopend onderzoek naar uitkeringsfraude, huisbezoek gepland.";
        let b = Beperking::new(
            &["zaken".into(), "Signalen".into()],
            reden,
            "2027-03-01",
            today,
        )
        .unwrap();
        assert_eq!(b.delen, vec![Deel::Zaken, Deel::Signalen]);
        // Signals left out means the cases too (their lines name the signals).
        let b = Beperking::new(&["signalen".into()], reden, "2027-03-01", today).unwrap();
        assert_eq!(b.delen, vec![Deel::Signalen, Deel::Zaken]);
        assert!(Beperking::new(&["zaken".into()], &"x".repeat(1001), "2027-03-01", today).is_err());
        assert!(Beperking::new(&[], reden, "2027-03-01", today).is_err());
        assert!(Beperking::new(&["bronnen".into()], reden, "2027-03-01", today).is_err());
        assert!(Beperking::new(&["zaken".into()], "kort", "2027-03-01", today).is_err());
        assert!(Beperking::new(&["zaken".into()], reden, "2026-12-07", today).is_err());
        assert!(Beperking::new(&["zaken".into()], reden, "2028-01-01", today).is_err());
        assert!(Beperking::new(&["zaken".into()], reden, "1 maart", today).is_err());
    }

    /// The restricted parts leave the report: the cases' and the signals' lines of the log,
    /// the signals; the rest stays.
    #[test]
    fn a_restriction_leaves_its_parts_out() {
        let b = Beperking {
            delen: vec![Deel::Zaken],
            reden: String::new(),
            tot: "2027-03-01".into(),
        };
        for (name, kept) in [
            ("zaak.huisbezoek_gepland", false),
            ("onthulling.aanvraag", false),
            ("scan.signaal", true),
            ("inzage", true),
            ("intake.levering", true),
        ] {
            let none = serde_json::json!({});
            assert_eq!(
                !b.delen.iter().any(|d| d.covers(name, &none)),
                kept,
                "{name}"
            );
        }
        assert!(Deel::Signalen.covers("scan.signaal", &serde_json::json!({})));
        // A line of another kind that names a case (a partner system reading it) goes too.
        assert!(Deel::Zaken.covers("api.zaak.lezen", &serde_json::json!({})));
        assert!(Deel::Zaken.covers("iets.anders", &serde_json::json!({"zaak": "Z1"})));
    }

    #[test]
    fn the_html_shows_the_letter_head_the_restriction_and_the_signature() {
        let html = to_html(&sample()).expect("renders");
        for part in [
            "Postbus 511",
            "2011 AB  HAARLEM",
            "Ons kenmerk",
            "INZ-2026-06-15-1",
            "Tijdelijke beperking van dit overzicht",
            "Met vriendelijke groet,",
        ] {
            assert!(html.contains(part), "{part}");
        }
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
