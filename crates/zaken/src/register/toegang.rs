//! Who may do what on a case: the store's table decides, given whether the user's account or
//! organisation holds a role on the case and whether it is closed; and who may get a role.

use anyhow::Result;
use loep_store::Db;
use loep_store::auth::{self, Actie, ActingAccount, Object, Rol};

use super::invalid;
use super::model::{Zaak, ZaakRol};
use super::opslag::rollen;

/// Whether `user` holds a role on the case: their account by name, or (a partner-medewerker
/// or handhaver) their organisation.
pub(super) fn is_on(user: &ActingAccount, rollen: &[ZaakRol]) -> bool {
    let org = match user.rol() {
        Rol::PartnerMedewerker | Rol::Handhaver => user.organisatie(),
        _ => None,
    };
    rollen.iter().any(|r| {
        r.medewerker.as_deref() == Some(user.naam()) || (org.is_some() && r.organisatie == org)
    })
}

/// The authorisation object for `user` on case `z`.
pub(super) fn object(conn: &Db, user: &ActingAccount, z: &Zaak) -> Result<(bool, bool)> {
    let on = is_on(user, &rollen(conn, &z.identificatie)?);
    Ok((on, z.gesloten()))
}

pub(super) fn authorize(conn: &Db, user: &ActingAccount, actie: Actie, z: &Zaak) -> Result<()> {
    let (op_zaak, gesloten) = object(conn, user, z)?;
    auth::authorize(user, actie, Object::Zaak { op_zaak, gesloten })
}

/// Refuses unless `naam` is an account with one of `roles` that is not disabled.
pub(super) fn check_medewerker(conn: &Db, naam: &str, roles: &[Rol]) -> Result<()> {
    let accounts = auth::accounts(conn)?;
    let allowed = roles
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(" of ");
    match accounts.iter().find(|a| a.naam == naam) {
        Some(a) if a.status == auth::AccountStatus::Uitgeschakeld => Err(invalid(format!(
            "account '{naam}' is uitgeschakeld en kan geen rol op een zaak krijgen"
        ))),
        Some(a) if roles.contains(&a.rol) => Ok(()),
        Some(a) => Err(invalid(format!(
            "account '{naam}' is een {}; hier kan alleen een {allowed}",
            a.rol.name()
        ))),
        None => Err(invalid(format!(
            "er is geen account '{naam}' in dit project"
        ))),
    }
}
