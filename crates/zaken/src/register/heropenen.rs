//! Reopening a closed case, with a reason (`loep zaak reopen`).

use anyhow::Result;
use loep_store::Project;
use loep_store::auth::{Actie, ActingAccount};
use rusqlite::{OptionalExtension, params};

use super::logboek::log_step;
use super::model::Zaak;
use super::opslag::{detail, load, push_status};
use super::status::{MIN_REDEN, check_transition};
use super::toegang::authorize;
use super::{invalid, invalid_in};

/// `loep zaak reopen`: the projectleider reopens a closed case, with a reason. The resultaat
/// and archive dates are cleared (the history keeps them).
pub fn reopen(project: &mut Project, user: &ActingAccount, id: &str, reden: &str) -> Result<Zaak> {
    let z = load(project.db(), id)?;
    authorize(project.db(), user, Actie::ZaakHeropenen, &z)?;
    check_transition(&z, "heropend")?;
    if reden.trim().chars().count() < MIN_REDEN {
        return Err(invalid_in(
            &["reden"],
            format!("zeg in de reden waarom de zaak wordt heropend (minstens {MIN_REDEN} tekens)"),
        ));
    }
    let d = detail(project.db(), z.clone())?;
    for sig in &d.signalen {
        let other: Option<String> = project
            .db()
            .sql()
            .query_row(
                "SELECT z.identificatie FROM zaak_signaal zs JOIN zaak z ON z.identificatie = zs.zaak
                 WHERE zs.signaal = ?1 AND z.einddatum IS NULL AND z.identificatie <> ?2 LIMIT 1",
                params![sig.signaal, z.identificatie],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(o) = other {
            return Err(invalid(format!(
                "signaal {} zit inmiddels in de open zaak {o}; werk die bij in plaats van deze te heropenen",
                sig.signaal
            )));
        }
    }
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    push_status(&tx, &z.identificatie, "heropend", reden.trim(), user.naam())?;
    tx.sql().execute(
        "UPDATE zaak SET einddatum = NULL, resultaat = NULL, resultaat_toelichting = NULL, archiefnominatie = NULL, archiefactiedatum = NULL WHERE identificatie = ?1",
        params![z.identificatie],
    )?;
    log_step(
        &tx,
        user,
        &activity,
        "zaak.heropenen",
        &z.identificatie,
        &d.personen,
        &[],
    )?;
    tx.commit()?;
    load(project.db(), &z.identificatie)
}
