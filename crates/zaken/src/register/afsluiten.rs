//! Closing a case with a resultaat (`loep zaak close`), and the archive fields every closing
//! sets (a cancellation too).

use anyhow::Result;
use loep_contract::Datum;
use loep_store::auth::{Actie, ActingAccount};
use loep_store::{Project, TxDb, clock};
use rusqlite::params;

use super::bevinding::{check_bevindingen, write_bevindingen};
use super::invalid;
use super::logboek::log_step;
use super::model::{Oordeel, Zaak};
use super::opslag::{detail, load, push_status};
use super::status::check_transition;
use super::toegang::authorize;
use crate::case_types::{self, case_types};

/// `loep zaak close`: close a case with a resultaat. Every indicator that raised it needs a
/// bevinding (from the visit, or given here), so that hit rates count every closed case.
pub fn close(
    project: &mut Project,
    user: &ActingAccount,
    id: &str,
    resultaat: &str,
    toelichting: &str,
    bevindingen: &[(String, Oordeel)],
) -> Result<Zaak> {
    let z = load(project.db(), id)?;
    authorize(project.db(), user, Actie::ZaakAfsluiten, &z)?;
    check_transition(&z, "afgerond")?;
    if resultaat.trim() == "ingetrokken" {
        return Err(invalid(
            "een zaak zonder afgerond onderzoek annuleer je door haar status op geannuleerd te zetten",
        ));
    }
    if case_types().resultaattype(resultaat.trim()).is_none() {
        return Err(invalid(format!(
            "onbekend resultaat '{resultaat}'; kies uit: {}",
            case_types::CaseTypes::codes(
                case_types()
                    .resultaattypen
                    .iter()
                    .filter(|r| r.code != "ingetrokken")
                    .map(|r| r.code.as_str())
            )
        )));
    }
    let d = detail(project.db(), z.clone())?;
    check_bevindingen(&d, bevindingen, true)?;
    // The resultaat sets how long the case is kept: it must agree with the bevindingen.
    let bevestigd = bevindingen.iter().any(|(_, o)| *o == Oordeel::Bevestigd)
        || d.bevindingen.iter().any(|b| {
            b.oordeel == Oordeel::Bevestigd && !bevindingen.iter().any(|(i, _)| *i == b.indicator)
        });
    match resultaat.trim() {
        "niets_gevonden" if bevestigd => {
            return Err(invalid(
                "resultaat niets_gevonden gaat niet samen met een bevestigde bevinding; kies onrechtmatigheid_vastgesteld of zorg_geboden",
            ));
        }
        "onrechtmatigheid_vastgesteld" if !bevestigd => {
            return Err(invalid(
                "resultaat onrechtmatigheid_vastgesteld vraagt ten minste één bevestigde bevinding",
            ));
        }
        _ => {}
    }
    let terms = terms(project);
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    write_bevindingen(&tx, &z.identificatie, bevindingen, user.naam())?;
    push_status(
        &tx,
        &z.identificatie,
        "afgerond",
        &format!("resultaat: {}", resultaat.trim()),
        user.naam(),
    )?;
    close_in(&tx, &terms, &z.identificatie, resultaat.trim(), toelichting)?;
    log_step(
        &tx,
        user,
        &activity,
        "zaak.afsluiten",
        &z.identificatie,
        &d.personen,
        &[("resultaat", resultaat.trim().to_string())],
    )?;
    tx.commit()?;
    load(project.db(), &z.identificatie)
}

/// Sets einddatum, resultaat and the archive fields of a closing case.
pub(super) fn close_in(
    tx: &TxDb,
    project: &ProjectTerms,
    zaak: &str,
    resultaat: &str,
    toelichting: &str,
) -> Result<()> {
    let c = case_types();
    let Some(rt) = c.resultaattype(resultaat) else {
        return Err(invalid(format!(
            "onbekend resultaat '{resultaat}'; kies uit: {}",
            case_types::CaseTypes::codes(c.resultaattypen.iter().map(|r| r.code.as_str()))
        )));
    };
    let dagen = case_types::duration_days(&rt.archiefactietermijn)?
        .min(i64::from(project.zaken_jaren) * 365);
    let eind = clock::today();
    let archief = i32::try_from(dagen)
        .ok()
        .and_then(|d| eind.checked_add(d))
        .map(Datum::from_days)
        .ok_or_else(|| anyhow::anyhow!("archiefactietermijn van {dagen} dagen is te lang"))?;
    tx.sql().execute(
        "UPDATE zaak SET einddatum = ?2, resultaat = ?3, resultaat_toelichting = ?4, archiefnominatie = ?5, archiefactiedatum = ?6 WHERE identificatie = ?1",
        params![
            zaak,
            Datum::from_days(eind).to_string(),
            rt.code,
            toelichting.trim(),
            rt.archiefnominatie,
            archief.to_string()
        ],
    )?;
    Ok(())
}

/// What of the project's configuration the register uses.
pub(super) struct ProjectTerms {
    zaken_jaren: u32,
}

pub(super) fn terms(project: &Project) -> ProjectTerms {
    ProjectTerms {
        zaken_jaren: project.config.bewaartermijnen.zaken_jaren.max(1),
    }
}
