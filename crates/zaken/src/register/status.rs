//! Moving a case through the allowed statuses: the case types' table of transitions, and
//! taking a case into investigation or cancelling it (`loep zaak status`).

use anyhow::Result;
use loep_store::auth::{Actie, ActingAccount};
use loep_store::{Problem, ProblemKind, Project, Vervolg, Zaakstap};

use super::afsluiten::{close_in, terms};
use super::logboek::log_step;
use super::model::Zaak;
use super::opslag::{detail, load, push_status};
use super::toegang::authorize;
use super::{invalid, invalid_in};
use crate::case_types::{self, case_types};

/// The shortest reason a reopening or a cancellation may give.
pub const MIN_REDEN: usize = 20;

/// `loep zaak status`: take a case into investigation (`in_onderzoek`) or cancel it
/// (`geannuleerd`, with a reason). Planning and recording a visit, closing and reopening have
/// commands of their own, because they record more than a status.
pub fn set_status(
    project: &mut Project,
    user: &ActingAccount,
    id: &str,
    naar: &str,
    toelichting: &str,
) -> Result<Zaak> {
    let z = load(project.db(), id)?;
    let naar = naar.trim();
    // Cancelling closes the case: it is for those who may close one.
    let actie = if naar == "geannuleerd" {
        Actie::ZaakAfsluiten
    } else {
        Actie::ZaakBehandelen
    };
    authorize(project.db(), user, actie, &z)?;
    let stap = match naar {
        "huisbezoek_gepland" => Some((Zaakstap::BezoekPlannen, "door een huisbezoek te plannen")),
        "huisbezoek_uitgevoerd" => Some((
            Zaakstap::BezoekVastleggen,
            "door de uitkomst van het huisbezoek vast te leggen",
        )),
        "afgerond" => Some((
            Zaakstap::Afsluiten,
            "door de zaak af te sluiten met een resultaat",
        )),
        "heropend" => Some((
            Zaakstap::Heropenen,
            "door de zaak te heropenen (projectleider, met een reden)",
        )),
        "in_onderzoek" | "geannuleerd" => None,
        other => {
            return Err(invalid(format!(
                "onbekende status '{other}'; kies uit: {}",
                case_types::CaseTypes::codes(
                    case_types().statustypen.iter().map(|s| s.code.as_str())
                )
            )));
        }
    };
    if let Some((stap, hoe)) = stap {
        return Err(Problem::with_next(
            ProblemKind::Invalid,
            Vervolg::Zaakstap(stap),
            format!("status '{naar}' zet je {hoe}"),
        ));
    }
    check_transition(&z, naar)?;
    if naar == "geannuleerd" && toelichting.trim().chars().count() < MIN_REDEN {
        return Err(invalid_in(
            &["toelichting"],
            format!(
                "zeg in de toelichting waarom de zaak wordt geannuleerd (minstens {MIN_REDEN} tekens)"
            ),
        ));
    }
    let d = detail(project.db(), z.clone())?;
    if naar == "geannuleerd" && !d.bevindingen.is_empty() {
        return Err(Problem::with_next(
            ProblemKind::Invalid,
            Vervolg::Zaakstap(Zaakstap::Afsluiten),
            format!(
                "zaak {} heeft al bevindingen; sluit haar af met een resultaat in plaats van te annuleren",
                z.identificatie
            ),
        ));
    }
    let terms = terms(project);
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    push_status(&tx, &z.identificatie, naar, toelichting.trim(), user.naam())?;
    if naar == "geannuleerd" {
        close_in(&tx, &terms, &z.identificatie, "ingetrokken", toelichting)?;
    }
    log_step(
        &tx,
        user,
        &activity,
        "zaak.status",
        &z.identificatie,
        &d.personen,
        &[("status", naar.to_string())],
    )?;
    tx.commit()?;
    load(project.db(), &z.identificatie)
}

/// Refuses unless the case types allow the case to go from its status to `naar`.
pub(super) fn check_transition(z: &Zaak, naar: &str) -> Result<()> {
    let c = case_types();
    if c.mag(&z.status, naar) {
        return Ok(());
    }
    let allowed = c.overgangen.get(&z.status).cloned().unwrap_or_default();
    Err(Problem::error(
        ProblemKind::Refused,
        format!(
            "geweigerd: zaak {} staat op '{}' en kan niet naar '{naar}'; toegestaan vanaf hier: {}",
            z.identificatie,
            z.status,
            if allowed.is_empty() {
                "niets".to_string()
            } else {
                allowed.join(", ")
            }
        ),
    ))
}
