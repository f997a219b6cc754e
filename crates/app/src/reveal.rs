//! Four-eyes de-pseudonymisation: an analist asks with a reason, a key holder who is not the
//! requester decides, and only then the requester sees exactly that signal's persons.

use loep_store::auth::Actie;
use loep_store::reveal::{self, Onthulling};
use serde::Serialize;
use std::collections::HashSet;

pub use loep_vault::Identiteit;

use crate::error::Result;
use crate::session::Session;

/// `loep reveal request`: the analist asks for the identities behind signal `signaal` (`RUN/NR`).
/// The request covers only the signal's persons whom the delivered data links to its address
/// (`loep_scan::rollen`: registered, owner, tenant, an agency's address for them).
pub fn request(session: &mut Session, signaal: &str, reden: &str) -> Result<Onthulling> {
    session.authorize(Actie::OnthullingAanvragen)?;
    let sources = loep_scan::Sources::of(&session.project)?;
    let linked = |s: &loep_store::scan::Signal| -> anyhow::Result<HashSet<String>> {
        let persons: HashSet<&str> = s.persons().collect();
        Ok(loep_scan::rollen::at(&sources, &s.vbo_id, &persons)?
            .into_keys()
            .collect())
    };
    Ok(reveal::request(
        &mut session.project,
        &session.user,
        signaal,
        reden,
        &linked,
    )?)
}

/// `loep reveal approve|refuse`: a key holder other than the requester decides.
pub fn decide(
    session: &mut Session,
    id: &str,
    approve: bool,
    toelichting: &str,
) -> Result<Onthulling> {
    let o = reveal::get(session.project.db(), id)?;
    session.authorize_on(Actie::OnthullingBeoordelen, o.object())?;
    Ok(reveal::decide(
        &mut session.project,
        &session.user,
        id,
        approve,
        toelichting,
    )?)
}

/// A revealed person and what links them to the signal's address.
#[derive(Debug, Clone, Serialize)]
pub struct Persoon {
    #[serde(flatten)]
    pub identiteit: Identiteit,
    /// Their roles at the address (registered, owner, tenant, …), each naming its source;
    /// empty when no source links them to it.
    pub rollen: Vec<String>,
}

/// What `loep reveal show` shows: the request, the address of its signal written out, and
/// each person with their roles there.
#[derive(Debug, Clone, Serialize)]
pub struct Onthuld {
    pub onthulling: Onthulling,
    /// The BAG id of the signal's address; `None` when the signal was destroyed meanwhile.
    pub vbo_id: Option<loep_contract::BagId>,
    /// The address written out (`Kerkstraat 12A, 2011AB Haarlem`) and its buurt.
    pub adres: Option<String>,
    pub buurt: Option<String>,
    pub personen: Vec<Persoon>,
}

/// `loep reveal show`: the identities of an approved request, for the requester and the
/// people on an open case that took in its signal only. The view is logged, one record per
/// person. Beside each person: their roles at the signal's address, from the pseudonymous
/// analysis data (which the requester's role may read).
pub fn open(session: &mut Session, id: &str) -> Result<Onthuld> {
    let o = reveal::get(session.project.db(), id)?;
    let op_zaak = loep_zaken::register::on_open_case_with_signal(
        session.project.db(),
        &session.user,
        &o.signaal,
    )?;
    session.authorize_on(Actie::OnthullingInzien, o.object_on_case(op_zaak))?;
    let (o, grant) =
        loep_vault::Grant::for_reveal(&mut session.project, &session.user, id, op_zaak)?;
    let ids = loep_vault::identities(&session.project, &grant)?;

    let vbo_id = loep_store::scan::signal(session.project.db(), &o.signaal)?.map(|s| s.vbo_id);
    let sources = loep_scan::Sources::of(&session.project)?;
    let (mut adres, mut buurt, mut rollen) = (None, None, loep_scan::rollen::Rollen::new());
    if let Some(v) = &vbo_id {
        let text = v.to_string();
        let a = loep_scan::address::addresses(&sources, &|x| x == text)?;
        if let Some(obj) = a.get(v) {
            adres = Some(obj.met_plaats());
            buurt = a.buurtnaam(obj.buurtcode.as_deref()).map(str::to_string);
        }
        let persons: HashSet<&str> = o.pseudoniemen.iter().map(String::as_str).collect();
        rollen = loep_scan::rollen::at(&sources, v, &persons)?;
    }
    let personen = ids
        .into_iter()
        .map(|i| Persoon {
            rollen: rollen
                .remove(&i.pseudoniem)
                .map(|r| r.into_iter().map(|(_, rol)| rol).collect())
                .unwrap_or_default(),
            identiteit: i,
        })
        .collect();
    Ok(Onthuld {
        onthulling: o,
        vbo_id,
        adres,
        buurt,
        personen,
    })
}

/// `loep reveal list`: the requests and their state.
pub fn list(session: &Session) -> Result<Vec<Onthulling>> {
    session.authorize(Actie::OnthullingenBekijken)?;
    Ok(reveal::list(session.project.db(), &session.user)?)
}

/// What a key holder decides on, beside the requester's reason: where the signal is, which
/// indicator fired and why, and how many persons the request would reveal. No person is
/// named.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub vbo_id: loep_contract::BagId,
    pub buurtcode: Option<String>,
    pub indicator: String,
    pub thema: String,
    pub uitleg: String,
    pub personen: usize,
}

/// The context of request `o` for whoever may see the requests; `None` when its signal was
/// destroyed under the retention period. A signal changed outside loep is refused.
pub fn context(session: &Session, o: &Onthulling) -> Result<Option<Context>> {
    session.authorize(Actie::OnthullingenBekijken)?;
    Ok(
        loep_store::scan::signal(session.project.db(), &o.signaal)?.map(|s| Context {
            personen: o.pseudoniemen.len(),
            vbo_id: s.vbo_id,
            buurtcode: s.buurtcode,
            indicator: s.indicator,
            thema: s.thema.code().to_string(),
            uitleg: s.uitleg,
        }),
    )
}
