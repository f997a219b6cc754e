//! A partner's own note on a case and its own dossier number (`loep zaak note`).

use anyhow::Result;
use loep_contract::Partner;
use loep_store::auth::{Actie, ActingAccount};
use loep_store::{Project, clock};
use rusqlite::params;

use super::logboek::log_step;
use super::model::{ZaakDetail, ZaakRol};
use super::opslag::{detail, load, rollen};
use super::toegang::authorize;
use super::{invalid, invalid_in};

/// `loep zaak note`: a partner records its own findings on a case, and optionally its own
/// dossier number (zaakkenmerk) on its role.
pub fn note(
    project: &mut Project,
    user: &ActingAccount,
    id: &str,
    tekst: &str,
    zaakkenmerk: Option<&str>,
) -> Result<ZaakDetail> {
    let z = load(project.db(), id)?;
    authorize(project.db(), user, Actie::BevindingVastleggen, &z)?;
    if tekst.trim().is_empty() && zaakkenmerk.is_none() {
        return Err(invalid_in(
            &["tekst", "zaakkenmerk"],
            "geef een bevinding of een zaakkenmerk",
        ));
    }
    if let Some(k) = zaakkenmerk
        && (k.trim().is_empty() || k.chars().count() > 40)
    {
        return Err(invalid("een zaakkenmerk heeft 1 tot 40 tekens"));
    }
    let org = user.organisatie();
    let eigen: Vec<ZaakRol> = rollen(project.db(), &z.identificatie)?
        .into_iter()
        .filter(|r| {
            r.medewerker.as_deref() == Some(user.naam()) || (org.is_some() && r.organisatie == org)
        })
        .collect();
    let d = detail(project.db(), z.clone())?;
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    if !tekst.trim().is_empty() {
        let n: i64 = tx.sql().query_row(
            "SELECT COALESCE(MAX(volgnr), 0) FROM zaak_notitie WHERE zaak = ?1",
            params![z.identificatie],
            |r| r.get(0),
        )?;
        tx.sql().execute(
            "INSERT INTO zaak_notitie (zaak, volgnr, organisatie, door, tijdstip, tekst) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                z.identificatie,
                n + 1,
                org.map(Partner::as_str),
                user.naam(),
                clock::now(),
                tekst.trim()
            ],
        )?;
    }
    if let Some(k) = zaakkenmerk {
        for r in &eigen {
            tx.sql().execute(
                "UPDATE zaak_rol SET zaakkenmerk = ?2 WHERE id = ?1",
                params![r.id, k.trim()],
            )?;
        }
    }
    log_step(
        &tx,
        user,
        &activity,
        "zaak.bevinding",
        &z.identificatie,
        &d.personen,
        &[],
    )?;
    tx.commit()?;
    detail(project.db(), load(project.db(), &z.identificatie)?)
}
