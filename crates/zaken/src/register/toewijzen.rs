//! Routing a case to a partner organisation, a care partner or a handhaver
//! (`loep zaak assign`).

use anyhow::Result;
use loep_contract::Partner;
use loep_store::auth::{Actie, ActingAccount, Rol};
use loep_store::{Problem, ProblemKind, Project};

use super::logboek::log_step;
use super::model::ZaakRol;
use super::opslag::{add_rol, detail, load, rollen};
use super::toegang::{authorize, check_medewerker};
use super::{invalid, invalid_in};
use crate::case_types::case_types;

/// Who `loep zaak assign` routes a case to.
#[derive(Debug, Clone)]
pub struct Toewijzing {
    /// `behandelaar`, `zorgpartner` or `huisbezoeker`.
    pub roltype: String,
    pub organisatie: Option<Partner>,
    /// An account of the project (a partner-medewerker or handhaver).
    pub medewerker: Option<String>,
}

/// `loep zaak assign`: the projectleider routes a case to a partner organisation (behandelaar),
/// a care partner (zorgpartner) or a handhaver (huisbezoeker).
pub fn assign(
    project: &mut Project,
    user: &ActingAccount,
    id: &str,
    t: &Toewijzing,
) -> Result<ZaakRol> {
    let z = load(project.db(), id)?;
    authorize(project.db(), user, Actie::ZaakToewijzen, &z)?;
    if case_types().roltype(&t.roltype).is_none() || t.roltype == "initiator" {
        return Err(invalid(format!(
            "onbekend roltype '{}'; kies uit: behandelaar, zorgpartner, huisbezoeker",
            t.roltype
        )));
    }
    if t.organisatie.is_none() && t.medewerker.is_none() {
        return Err(invalid_in(
            &["organisatie", "medewerker"],
            "geef een organisatie (een partner van het project) of een medewerker (een account), of allebei",
        ));
    }
    if let Some(o) = t.organisatie
        && !project.config.partners.contains(&o)
    {
        return Err(invalid(format!(
            "{} neemt niet deel aan dit project; partners: {}",
            o.as_str(),
            project
                .config
                .partners
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if let Some(m) = &t.medewerker {
        check_medewerker(project.db(), m, &[Rol::PartnerMedewerker, Rol::Handhaver])?;
    }
    let bestaande = rollen(project.db(), &z.identificatie)?;
    if bestaande.iter().any(|r| {
        r.roltype == t.roltype && r.organisatie == t.organisatie && r.medewerker == t.medewerker
    }) {
        return Err(Problem::error(
            ProblemKind::Invalid,
            format!("zaak {} heeft deze rol al", z.identificatie),
        ));
    }
    let d = detail(project.db(), z.clone())?;
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    let rid = add_rol(
        &tx,
        &z.identificatie,
        &t.roltype,
        t.organisatie.map(Partner::as_str),
        t.medewerker.as_deref(),
        user.naam(),
    )?;
    let mut attrs = vec![("roltype", t.roltype.clone())];
    if let Some(o) = t.organisatie {
        attrs.push(("organisatie", o.as_str().to_string()));
    }
    log_step(
        &tx,
        user,
        &activity,
        "zaak.toewijzen",
        &z.identificatie,
        &d.personen,
        &attrs,
    )?;
    tx.commit()?;
    rollen(project.db(), &z.identificatie)?
        .into_iter()
        .find(|r| r.id == rid)
        .ok_or_else(|| anyhow::anyhow!("rol {rid} is niet vastgelegd"))
}
