//! The house visit: planned with a team (`loep zaak visit plan`), then recorded with its
//! outcomes, who went and a bevinding per indicator (`loep zaak visit record`).

use anyhow::Result;
use loep_contract::Datum;
use loep_store::auth::{Actie, ActingAccount, Rol};
use loep_store::{Problem, ProblemKind, Project};
use rusqlite::params;

use super::bevinding::{check_bevindingen, write_bevindingen};
use super::logboek::log_step;
use super::model::{Huisbezoek, Oordeel, ZaakDetail};
use super::opslag::{add_rol, detail, load, push_status, rollen};
use super::status::check_transition;
use super::toegang::{authorize, check_medewerker};
use super::{invalid, invalid_in, today};
use crate::case_types::{self, case_types};

/// `loep zaak visit plan`: plan a house visit with a team of handhavers (and care workers);
/// each gets the role huisbezoeker, so that they see the case.
pub fn plan_visit(
    project: &mut Project,
    user: &ActingAccount,
    id: &str,
    datum: Datum,
    team: &[String],
) -> Result<Huisbezoek> {
    let z = load(project.db(), id)?;
    authorize(project.db(), user, Actie::ZaakBehandelen, &z)?;
    check_transition(&z, "huisbezoek_gepland")?;
    if datum < today() {
        return Err(invalid_in(
            &["datum"],
            format!("de datum {datum} ligt in het verleden"),
        ));
    }
    if team.is_empty() {
        return Err(invalid_in(
            &["team"],
            "geef het team (accounts van handhavers of zorgverleners)",
        ));
    }
    // Only handhavers (and care workers, who have that role) visit; a partner organisation
    // joins a case through the projectleider's routing (`loep zaak assign`), never here.
    for m in team {
        check_medewerker(project.db(), m, &[Rol::Handhaver])?;
    }
    let bestaande = rollen(project.db(), &z.identificatie)?;
    let d = detail(project.db(), z.clone())?;
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    let n: i64 = tx.sql().query_row(
        "SELECT COALESCE(MAX(volgnr), 0) FROM huisbezoek WHERE zaak = ?1",
        params![z.identificatie],
        |r| r.get(0),
    )?;
    tx.sql().execute(
        "INSERT INTO huisbezoek (zaak, volgnr, gepland, team) VALUES (?1, ?2, ?3, ?4)",
        params![
            z.identificatie,
            n + 1,
            datum.to_string(),
            loep_store::lijst::encode(team)
        ],
    )?;
    for m in team {
        if !bestaande
            .iter()
            .any(|r| r.roltype == "huisbezoeker" && r.medewerker.as_deref() == Some(m))
        {
            add_rol(
                &tx,
                &z.identificatie,
                "huisbezoeker",
                None,
                Some(m),
                user.naam(),
            )?;
        }
    }
    push_status(
        &tx,
        &z.identificatie,
        "huisbezoek_gepland",
        &format!("huisbezoek gepland op {datum}"),
        user.naam(),
    )?;
    log_step(
        &tx,
        user,
        &activity,
        "zaak.huisbezoek_gepland",
        &z.identificatie,
        &d.personen,
        &[("datum", datum.to_string())],
    )?;
    tx.commit()?;
    Ok(Huisbezoek {
        volgnr: n + 1,
        gepland: datum,
        team: team.to_vec(),
        uitgevoerd: None,
        aanwezig: Vec::new(),
        uitkomsten: Vec::new(),
        toelichting: None,
    })
}

/// A date as a person types it, in the field `veld` (named as in the forms): a complete date
/// as the contract reads one, or why not in the contract's words. For the front ends, which
/// parse the dates they are given before they call the register.
pub fn parse_datum(s: &str, veld: &'static str) -> Result<Datum> {
    Datum::parse(s.trim()).map_err(|e| {
        invalid_in(
            &[veld],
            format!(
                "de {veld} '{}' is geen datum: {e}",
                loep_contract::shorten(s, 40)
            ),
        )
    })
}

/// A person whose BRP registration the visit found wrong: a terugmelding is drawn up.
#[derive(Debug, Clone)]
pub struct BrpOnjuist {
    pub pseudoniem: String,
    /// What the BRP should say instead (default: `onbekend`).
    pub voorgesteld: Option<String>,
}

/// What `loep zaak visit record` records.
#[derive(Debug, Clone, Default)]
pub struct Uitkomst {
    /// The day the visit took place; `None`: today. Never in the future, never before the case
    /// was registered; when it differs from the planned day, the case's history says so.
    pub datum: Option<Datum>,
    pub uitkomsten: Vec<String>,
    /// (indicator, oordeel) for every indicator that raised the case.
    pub bevindingen: Vec<(String, Oordeel)>,
    pub toelichting: String,
    pub brp_onjuist: Vec<BrpOnjuist>,
    /// Who went (accounts or names, as the team of the plan); empty: the one who records it.
    pub aanwezig: Vec<String>,
}

/// The most people recorded as having gone on one visit.
pub const MAX_AANWEZIG: usize = 12;

/// `loep zaak visit record`: the handhaver records the planned visit's outcomes and a
/// bevinding for every indicator that raised the case. An outcome `brp_klopt_niet` draws up a
/// terugmelding per person named.
pub fn record_visit(
    project: &mut Project,
    user: &ActingAccount,
    id: &str,
    u: &Uitkomst,
) -> Result<ZaakDetail> {
    let z = load(project.db(), id)?;
    authorize(project.db(), user, Actie::HuisbezoekVastleggen, &z)?;
    check_transition(&z, "huisbezoek_uitgevoerd")?;
    let c = case_types();
    if u.uitkomsten.is_empty() {
        return Err(invalid_in(
            &["uitkomst"],
            format!(
                "geef de uitkomst van het bezoek (meer dan één mag); kies uit: {}",
                case_types::CaseTypes::codes(c.uitkomsten.iter().map(|x| x.code.as_str()))
            ),
        ));
    }
    for x in &u.uitkomsten {
        if c.uitkomst(x).is_none() {
            return Err(invalid(format!(
                "onbekende uitkomst '{x}'; kies uit: {}",
                case_types::CaseTypes::codes(c.uitkomsten.iter().map(|x| x.code.as_str()))
            )));
        }
    }
    if u.uitkomsten.iter().any(|x| x == "niets_gevonden") && u.uitkomsten.len() > 1 {
        return Err(invalid(
            "uitkomst niets_gevonden gaat niet samen met een andere uitkomst",
        ));
    }
    let d = detail(project.db(), z.clone())?;
    check_bevindingen(&d, &u.bevindingen, true)?;
    let brp = u.uitkomsten.iter().any(|x| x == "brp_klopt_niet");
    if brp && u.brp_onjuist.is_empty() {
        return Err(invalid_in(
            &["brp_onjuist"],
            "bij uitkomst brp_klopt_niet hoort de persoon van wie de inschrijving niet klopt (een van de personen van de zaak)",
        ));
    }
    if !brp && !u.brp_onjuist.is_empty() {
        return Err(invalid_in(
            &["brp_onjuist", "uitkomst"],
            "een persoon met een onjuiste inschrijving hoort bij uitkomst brp_klopt_niet; voeg die uitkomst toe",
        ));
    }
    for b in &u.brp_onjuist {
        if !d.personen.contains(&b.pseudoniem) {
            return Err(Problem::with_next(
                ProblemKind::Invalid,
                loep_store::Vervolg::Overzicht(loep_store::Overzicht::Zaak),
                format!(
                    "persoon {} hoort niet bij zaak {}; de zaak toont haar personen",
                    b.pseudoniem, z.identificatie
                ),
            ));
        }
    }
    let (volgnr, gepland) = d
        .huisbezoeken
        .iter()
        .rev()
        .find(|h| h.uitgevoerd.is_none())
        .map(|h| (h.volgnr, h.gepland))
        .ok_or_else(|| {
            Problem::with_next(
                ProblemKind::Invalid,
                loep_store::Vervolg::Zaakstap(loep_store::Zaakstap::BezoekPlannen),
                "er is geen gepland huisbezoek; plan het eerst",
            )
        })?;
    let datum = u.datum.unwrap_or_else(today);
    if datum > today() {
        return Err(invalid(format!(
            "de datum van het huisbezoek ({datum}) ligt in de toekomst; leg een huisbezoek vast nadat het is uitgevoerd"
        )));
    }
    if datum < z.registratiedatum {
        return Err(invalid(format!(
            "de datum van het huisbezoek ({datum}) ligt voor de registratie van de zaak ({}); controleer de datum",
            z.registratiedatum
        )));
    }
    let afwijking = if datum != gepland {
        format!("; uitgevoerd op {datum}, gepland op {gepland}")
    } else {
        String::new()
    };
    let aanwezig = aanwezig(&u.aanwezig, user.naam())?;
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    tx.sql().execute(
        "UPDATE huisbezoek SET uitgevoerd = ?3, uitkomsten = ?4, toelichting = ?5, aanwezig = ?6 WHERE zaak = ?1 AND volgnr = ?2",
        params![
            z.identificatie,
            volgnr,
            datum.to_string(),
            loep_store::lijst::encode(&u.uitkomsten),
            u.toelichting.trim(),
            loep_store::lijst::encode(&aanwezig)
        ],
    )?;
    write_bevindingen(&tx, &z.identificatie, &u.bevindingen, user.naam())?;
    for b in &u.brp_onjuist {
        crate::terugmelding::draw_up(
            &tx,
            &z,
            &b.pseudoniem,
            b.voorgesteld.as_deref().unwrap_or("onbekend"),
            u.toelichting.trim(),
        )?;
    }
    push_status(
        &tx,
        &z.identificatie,
        "huisbezoek_uitgevoerd",
        &format!(
            "uitkomst: {}{afwijking}; aanwezig: {}",
            u.uitkomsten
                .iter()
                .map(|k| crate::case_types::case_types()
                    .uitkomst(k)
                    .map_or_else(|| k.clone(), |t| t.omschrijving.clone()))
                .collect::<Vec<_>>()
                .join(", "),
            aanwezig.join(", ")
        ),
        user.naam(),
    )?;
    log_step(
        &tx,
        user,
        &activity,
        "zaak.huisbezoek_uitgevoerd",
        &z.identificatie,
        &d.personen,
        &[
            // Not a stored list: a log record's attribute, hash-chained as records always were.
            ("uitkomsten", u.uitkomsten.join(",")),
            ("uitgevoerd", datum.to_string()),
        ],
    )?;
    tx.commit()?;
    detail(project.db(), load(project.db(), &z.identificatie)?)
}

/// Who went on a visit, checked: at most [`MAX_AANWEZIG`] names of at most 64 characters,
/// none twice, no comma (the web form takes the names separated by commas, and the case's
/// history shows them joined with them; the stored list could hold one); none given: the one
/// who records it.
fn aanwezig(given: &[String], recorder: &str) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for n in given.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        if n.chars().count() > 64 || n.contains(',') || n.chars().any(char::is_control) {
            let shown: String = n.chars().take(70).collect();
            return Err(invalid(format!(
                "'{shown}' is geen geldige naam bij wie er bij het huisbezoek waren: ten hoogste 64 tekens, zonder komma"
            )));
        }
        if !out.iter().any(|x| x == n) {
            out.push(n.to_string());
        }
    }
    if out.len() > MAX_AANWEZIG {
        return Err(invalid(format!(
            "noem ten hoogste {MAX_AANWEZIG} mensen die er gingen"
        )));
    }
    if out.is_empty() {
        out.push(recorder.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Who went: the one who records it when nobody is named, each name once, no comma (the
    /// form separates names by commas), and a bounded list.
    #[test]
    fn who_went_is_checked() {
        assert_eq!(aanwezig(&[], "hh").unwrap(), vec!["hh"]);
        assert_eq!(aanwezig(&[" ".into()], "hh").unwrap(), vec!["hh"]);
        assert_eq!(
            aanwezig(&["a".into(), " b ".into(), "a".into()], "hh").unwrap(),
            vec!["a", "b"]
        );
        assert!(aanwezig(&["a,b".into()], "hh").is_err());
        assert!(aanwezig(&["x".repeat(65)], "hh").is_err());
        let many: Vec<String> = (0..=MAX_AANWEZIG).map(|i| format!("p{i}")).collect();
        assert!(aanwezig(&many, "hh").is_err());
    }
}
