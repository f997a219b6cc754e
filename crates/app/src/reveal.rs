//! Four-eyes de-pseudonymisation: an analist asks with a reason, a key holder who is not the
//! requester decides, and only then the requester sees exactly that signal's persons.

use loep_store::auth::Actie;
use loep_store::reveal::{self, Onthulling};

pub use loep_vault::Identiteit;

use crate::error::Result;
use crate::session::Session;

/// `loep reveal request`: the analist asks for the identities behind signal `signaal` (`RUN/NR`).
pub fn request(session: &mut Session, signaal: &str, reden: &str) -> Result<Onthulling> {
    session.authorize(Actie::OnthullingAanvragen)?;
    Ok(reveal::request(
        &mut session.project,
        &session.user,
        signaal,
        reden,
    )?)
}

/// `loep reveal approve|refuse`: a key holder other than the requester decides.
pub fn decide(
    session: &mut Session,
    id: &str,
    approve: bool,
    toelichting: &str,
) -> Result<Onthulling> {
    let o = reveal::get(session.project.conn(), id)?;
    session.authorize_on(Actie::OnthullingBeoordelen, o.object())?;
    Ok(reveal::decide(
        &mut session.project,
        &session.user,
        id,
        approve,
        toelichting,
    )?)
}

/// `loep reveal show`: the identities of an approved request, for the requester and the
/// people on an open case that took in its signal only. The view is logged, one record per person.
pub fn open(session: &mut Session, id: &str) -> Result<(Onthulling, Vec<Identiteit>)> {
    let o = reveal::get(session.project.conn(), id)?;
    let op_zaak = loep_zaken::register::on_open_case_with_signal(
        session.project.conn(),
        &session.user,
        &o.signaal,
    )?;
    session.authorize_on(Actie::OnthullingInzien, o.object_on_case(op_zaak))?;
    let (o, grant) =
        loep_vault::Grant::for_reveal(&mut session.project, &session.user, id, op_zaak)?;
    let ids = loep_vault::identities(&session.project, &grant)?;
    Ok((o, ids))
}

/// `loep reveal list`: the requests and their state.
pub fn list(session: &Session) -> Result<Vec<Onthulling>> {
    session.authorize(Actie::OnthullingenBekijken)?;
    Ok(reveal::list(session.project.conn(), &session.user)?)
}
