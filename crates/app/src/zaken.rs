//! The case register's use cases: from signal to visit to outcome (`loep zaak …`,
//! `loep trefkans`, `loep terugmelding export`). Each authorises itself here and again in the
//! register, on the case itself (a partner sees only the cases its organisation holds a role on).

use loep_contract::Datum;
use loep_store::auth::Actie;
use loep_zaken::register::{
    self, Huisbezoek, Nieuw, Oordeel, Toewijzing, Uitkomst, Zaak, ZaakDetail, ZaakFilter, ZaakRol,
};
use loep_zaken::terugmelding::{self, Terugmelding};
use loep_zaken::trefkans::{self, Rapport};
use std::path::{Path, PathBuf};

pub use loep_zaken::case_types::{CaseTypes, case_types};
pub use loep_zaken::register::{BrpOnjuist, Zaakobject};

use crate::error::{AppError, Result};
use crate::session::Session;

/// `loep zaak new`.
pub fn new(session: &mut Session, nieuw: &Nieuw) -> Result<Zaak> {
    session.authorize(Actie::ZaakAanmaken)?;
    Ok(register::new(&mut session.project, &session.user, nieuw)?)
}

/// A case's address as the people who go there need it: written out from the current BAG
/// (street, number, letter, addition, postcode, place) with its buurt by name.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseAddress {
    /// `Kerkstraat 12A-2, 2011AB Haarlem`; `None` when the current BAG does not hold it.
    pub adres: Option<String>,
    pub buurtcode: Option<String>,
    pub buurtnaam: Option<String>,
}

/// The addresses of `cases` (which the session was allowed to see), by BAG id.
pub fn addresses_of(
    session: &Session,
    cases: &[&Zaak],
) -> Result<std::collections::HashMap<loep_contract::BagId, CaseAddress>> {
    session.authorize(Actie::ZakenBekijken)?;
    let ids: Vec<String> = cases
        .iter()
        .map(|z| z.zaakobject.identificatie.to_string())
        .collect();
    let book = crate::scan::addresses(session, ids.iter().map(String::as_str))?;
    Ok(cases
        .iter()
        .map(|z| {
            let o = &z.zaakobject;
            let code = book
                .buurt_of(&o.identificatie, o.buurtcode.as_deref())
                .map(str::to_string);
            let adres = book.get(&o.identificatie).map(|a| a.met_plaats());
            (
                o.identificatie,
                CaseAddress {
                    adres,
                    buurtnaam: book.buurtnaam(code.as_deref()).map(str::to_string),
                    buurtcode: code,
                },
            )
        })
        .collect())
}

/// A person of a case as the people who work on it need them: numbered in the order of the
/// case's signals, with their birth year and what the delivered data say links them to the
/// case's address, and the approved request that shows this account their identity, when
/// there is one it may open. Pseudonymous otherwise, like the signals.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CasePerson {
    /// 1, 2, …: "persoon 1" on the page, the visit sheet and in `loep zaak show`.
    pub nummer: usize,
    pub pseudoniem: String,
    /// From the BRP (the analysis data keep the year only); `None` when not registered.
    pub geboortejaar: Option<i64>,
    /// Their roles at the case's address (registered since, owner, tenant, an agency's
    /// address for them), each naming its source; empty when no source links them to it.
    pub rollen: Vec<String>,
    /// The approved request for identities (`O0003`) that shows this account who they are.
    pub onthulling: Option<String>,
    /// Some of their links to the address are not shown to this account (what other agencies
    /// hold, links by name still under review).
    pub verborgen: bool,
}

impl CasePerson {
    /// "persoon 1, geboren in 1984 (41 of 42 jaar)" on `today` (JJJJ-MM-DD).
    pub fn label(&self, today: &str) -> String {
        let mut label = format!("persoon {}", self.nummer);
        if let Some(jaar) = self.geboortejaar {
            label.push_str(&format!(", geboren in {jaar}"));
            if let Some(nu) = today.get(..4).and_then(|y| y.parse::<i64>().ok())
                && nu > jaar
            {
                label.push_str(&format!(" ({} of {} jaar)", nu - jaar - 1, nu - jaar));
            }
        }
        label
    }
}

/// What the case pages need from the project's Parquet files, read once for every case so
/// that a case page is answered without reading them again: the roles of each case's
/// persons at its address and their birth years. A front end keeps it while
/// [`CaseIndex::key`] stays [`case_index_key`]; it shows a case's part only after the case
/// itself was authorised ([`show`]).
pub struct CaseIndex {
    key: String,
    roles: std::collections::HashMap<String, loep_scan::rollen::Rollen>,
    years: std::collections::HashMap<String, i64>,
}

impl CaseIndex {
    /// The state it was made from.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// The state a [`CaseIndex`] is made from (cheap): the snapshots and linkage, and the cases'
/// signals.
pub fn case_index_key(session: &Session) -> Result<String> {
    session.authorize(Actie::ZakenBekijken)?;
    let sources = loep_scan::Sources::of(&session.project)?;
    let mut key = sources.key_parts();
    key.push(register::case_persons_key(session.project.db())?);
    Ok(key.join(";"))
}

/// Makes the [`CaseIndex`]: one pass over each table that gives a role, and over the BRP.
pub fn case_index(session: &Session) -> Result<CaseIndex> {
    let key = case_index_key(session)?;
    let (_, all) = register::case_persons(session.project.db())?;
    let mut wanted = loep_scan::rollen::Wanted::new();
    for (vbo, p) in &all {
        wanted.entry(vbo.clone()).or_default().insert(p.clone());
    }
    let sources = loep_scan::Sources::of(&session.project)?;
    let roles = loep_scan::rollen::of(&sources, &wanted)?.rollen;
    let persons: std::collections::HashSet<&str> = all.iter().map(|(_, p)| p.as_str()).collect();
    let years = loep_scan::rollen::birth_years(&sources, &persons)?;
    Ok(CaseIndex { key, roles, years })
}

/// The persons of the case `detail` (which the session was allowed to see), as
/// [`CasePerson`]s, read from the files.
pub fn persons_of(session: &Session, detail: &ZaakDetail) -> Result<Vec<CasePerson>> {
    persons_in(session, detail, None)
}

/// [`persons_of`] from a [`CaseIndex`] when it is of the project as it is now (else from the
/// files).
pub fn persons_in(
    session: &Session,
    detail: &ZaakDetail,
    index: Option<&CaseIndex>,
) -> Result<Vec<CasePerson>> {
    session.authorize(Actie::ZakenBekijken)?;
    let mut order: Vec<&str> = Vec::new();
    for s in &detail.signalen {
        for p in &s.pseudoniemen {
            if !order.contains(&p.as_str()) {
                order.push(p);
            }
        }
    }
    for p in &detail.personen {
        if !order.contains(&p.as_str()) {
            order.push(p);
        }
    }
    if order.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: std::collections::HashSet<&str> = order.iter().copied().collect();
    let vbo = &detail.zaak.zaakobject.identificatie;
    let current = match index {
        Some(i) if i.key == case_index_key(session)? => Some(i),
        _ => None,
    };
    let (mut rollen, years) = match current {
        Some(i) => {
            let mut r = i.roles.get(&vbo.to_string()).cloned().unwrap_or_default();
            r.retain(|p, _| wanted.contains(p.as_str()));
            let y: std::collections::HashMap<String, i64> = wanted
                .iter()
                .filter_map(|p| i.years.get(*p).map(|y| (p.to_string(), *y)))
                .collect();
            (r, y)
        }
        None => {
            let sources = loep_scan::Sources::of(&session.project)?;
            (
                loep_scan::rollen::at(&sources, vbo, &wanted)?,
                loep_scan::rollen::birth_years(&sources, &wanted)?,
            )
        }
    };
    // The approved requests of the case's signals that this account may open.
    let conn = session.project.db();
    let signals: std::collections::HashSet<&str> =
        detail.signalen.iter().map(|s| s.signaal.as_str()).collect();
    let mut shown: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    let requests = loep_store::reveal::all(conn)?;
    for o in requests
        .iter()
        .filter(|o| o.goedgekeurd() && signals.contains(o.signaal.as_str()))
    {
        let op_zaak =
            loep_zaken::register::on_open_case_with_signal(conn, &session.user, &o.signaal)?;
        if session
            .authorize_on(Actie::OnthullingInzien, o.object_on_case(op_zaak))
            .is_err()
        {
            continue;
        }
        for p in &o.pseudoniemen {
            shown.entry(p.as_str()).or_insert_with(|| o.id.clone());
        }
    }
    // Who may read the signals (analist, projectleider) sees every source's link, as on the
    // address page; a partner or handhaver on the case sees who lives there, owns it, rents
    // it or runs a business there, never what other agencies hold about a person (an
    // allowance, a benefit, a tax partner) nor a link by name still under review.
    let everything = session.may(Actie::SignalenBekijken);
    Ok(order
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let all = rollen.remove(*p).unwrap_or_default();
            let n = all.len();
            let rollen: Vec<String> = all
                .into_iter()
                .filter(|(source, rol)| everything || at_the_door(*source, rol))
                .map(|(_, rol)| rol)
                .collect();
            let verborgen = rollen.len() < n;
            CasePerson {
                nummer: i + 1,
                pseudoniem: p.to_string(),
                // A person no source shown links to the address is only a number.
                geboortejaar: years.get(*p).copied().filter(|_| !rollen.is_empty()),
                rollen,
                onthulling: shown.get(p).cloned(),
                verborgen,
            }
        })
        .collect())
}

/// Whether a role (by the order of its source in `loep_scan::rollen`) is one the people at
/// the door need: registered there (BRP, now or before), owner (Kadaster), a business there
/// (KvK), tenant (a corporation's contract, its link by name confirmed).
fn at_the_door(source: u8, rol: &str) -> bool {
    source <= loep_scan::rollen::ORDER_TENANT && !rol.contains("nog te beoordelen")
}

/// `loep zaak list`.
pub fn list(session: &Session, filter: &ZaakFilter) -> Result<Vec<Zaak>> {
    session.authorize(Actie::ZakenBekijken)?;
    Ok(register::list(session.project.db(), &session.user, filter)?)
}

/// Per status code, the cases and their addresses the account may see (the dashboard).
pub fn per_status(session: &Session) -> Result<Vec<(String, usize, usize)>> {
    session.authorize(Actie::ZakenBekijken)?;
    Ok(register::per_status(session.project.db(), &session.user)?)
}

/// A value that changes whenever the case register does (for counts a front end keeps).
pub fn version(session: &Session) -> Result<String> {
    session.authorize(Actie::ZakenBekijken)?;
    Ok(register::version(session.project.db())?)
}

/// `loep zaak show`.
pub fn show(session: &Session, id: &str) -> Result<ZaakDetail> {
    session.authorize(Actie::ZakenBekijken)?;
    Ok(register::show(session.project.db(), &session.user, id)?)
}

/// `loep zaak status`.
pub fn set_status(session: &mut Session, id: &str, naar: &str, toelichting: &str) -> Result<Zaak> {
    session.authorize(Actie::ZaakBehandelen)?;
    Ok(register::set_status(
        &mut session.project,
        &session.user,
        id,
        naar,
        toelichting,
    )?)
}

/// `loep zaak assign`.
pub fn assign(session: &mut Session, id: &str, t: &Toewijzing) -> Result<ZaakRol> {
    session.authorize(Actie::ZaakToewijzen)?;
    Ok(register::assign(
        &mut session.project,
        &session.user,
        id,
        t,
    )?)
}

/// A date a person gave in the field `veld` (named as in the forms: `datum`), as the contract
/// reads a complete date; refused in the contract's words. Each front end parses the dates it
/// is given with this before it calls a use case.
pub fn parse_datum(s: &str, veld: &'static str) -> Result<Datum> {
    Ok(register::parse_datum(s, veld)?)
}

/// The verdict `oordeel` a person gave on `indicator` (a bevinding), in its stored form
/// (`bevestigd`, `niet_bevestigd`, `niet_vast_te_stellen`); refused with the verdicts there
/// are. Each front end parses the bevindingen it is given with this before it calls a use case.
pub fn parse_oordeel(indicator: &str, oordeel: &str) -> Result<Oordeel> {
    Ok(register::parse_oordeel(indicator, oordeel)?)
}

/// `loep zaak visit plan`.
pub fn plan_visit(
    session: &mut Session,
    id: &str,
    datum: Datum,
    team: &[String],
) -> Result<Huisbezoek> {
    session.authorize(Actie::ZaakBehandelen)?;
    Ok(register::plan_visit(
        &mut session.project,
        &session.user,
        id,
        datum,
        team,
    )?)
}

/// `loep zaak visit record`.
pub fn record_visit(session: &mut Session, id: &str, u: &Uitkomst) -> Result<ZaakDetail> {
    session.authorize(Actie::HuisbezoekVastleggen)?;
    Ok(register::record_visit(
        &mut session.project,
        &session.user,
        id,
        u,
    )?)
}

/// `loep zaak note`.
pub fn note(
    session: &mut Session,
    id: &str,
    tekst: &str,
    zaakkenmerk: Option<&str>,
) -> Result<ZaakDetail> {
    session.authorize(Actie::BevindingVastleggen)?;
    Ok(register::note(
        &mut session.project,
        &session.user,
        id,
        tekst,
        zaakkenmerk,
    )?)
}

/// `loep zaak close`.
pub fn close(
    session: &mut Session,
    id: &str,
    resultaat: &str,
    toelichting: &str,
    bevindingen: &[(String, Oordeel)],
) -> Result<Zaak> {
    session.authorize(Actie::ZaakAfsluiten)?;
    Ok(register::close(
        &mut session.project,
        &session.user,
        id,
        resultaat,
        toelichting,
        bevindingen,
    )?)
}

/// `loep zaak reopen`.
pub fn reopen(session: &mut Session, id: &str, reden: &str) -> Result<Zaak> {
    session.authorize(Actie::ZaakHeropenen)?;
    Ok(register::reopen(
        &mut session.project,
        &session.user,
        id,
        reden,
    )?)
}

/// `loep trefkans`: hit rates per indicator from the outcomes of closed cases.
pub fn trefkans(session: &Session) -> Result<Rapport> {
    session.authorize(Actie::TrefkansBekijken)?;
    Ok(trefkans::trefkansen(session.project.db(), &session.user)?)
}

/// Where exported terugmeldingen go by default: inside the vault (they hold a BSN).
pub fn terugmelding_dir(session: &Session) -> PathBuf {
    loep_vault::terugmelding_dir(&session.project.layout)
}

/// `loep terugmelding export`: the terugmelding `id` as the standard's message, with the
/// person's BSN from the vault under an approved request for identities on the case's
/// signals. Written to `out` (default: the vault's `terugmelding/`, where retention removes it
/// after `signalen_dagen`); logged.
pub fn terugmelding_export(
    session: &mut Session,
    id: &str,
    out: Option<&Path>,
) -> Result<(Terugmelding, PathBuf)> {
    session.authorize(Actie::TerugmeldingExporteren)?;
    let export = terugmelding::prepare(session.project.db(), &session.user, id)?;
    // An approved request on one of the case's signals that holds the person.
    let requests = loep_store::reveal::all(session.project.db())?;
    let request = requests.iter().find(|o| {
        o.goedgekeurd()
            && export.signalen.contains(&o.signaal)
            && o.pseudoniemen.contains(&export.terugmelding.pseudoniem)
    });
    let Some(request) = request else {
        return Err(AppError::with_next(
            crate::Kind::Refused,
            loep_store::Vervolg::IdentiteitenVragen,
            format!(
                "geweigerd: voor terugmelding {} is de BSN nodig, en daarvoor een goedgekeurd verzoek om identiteiten op een signaal van zaak {} (goed te keuren door een sleutelhouder)",
                export.terugmelding.id, export.zaak.identificatie
            ),
        ));
    };
    // Identities only while the case is open (the register's rule, asked, not assumed).
    let op_zaak =
        register::on_open_case_with_signal(session.project.db(), &session.user, &request.signaal)?;
    if !op_zaak {
        return Err(AppError::refused(format!(
            "geweigerd: zaak {} is afgesloten; een terugmelding met een BSN kan alleen op een open zaak worden geëxporteerd (de projectleider kan haar heropenen met een reden)",
            export.zaak.identificatie
        )));
    }
    let (_, grant) =
        loep_vault::Grant::for_reveal(&mut session.project, &session.user, &request.id, op_zaak)?;
    let ids = loep_vault::identities(&session.project, &grant)?;
    let Some(bsn) = ids
        .iter()
        .find(|i| i.pseudoniem == export.terugmelding.pseudoniem)
        .and_then(|i| i.bsn.clone())
    else {
        return Err(AppError::not_found(format!(
            "de identiteit van de persoon van terugmelding {} staat niet (meer) in de kluis",
            export.terugmelding.id
        )));
    };
    let melder = format!(
        "{} ({})",
        session.project.config.naam,
        session.project.config.gebied.join(", ")
    );
    let datum = loep_store::clock::now_utc().format("%Y-%m-%d").to_string();
    let doc = terugmelding::document(&export, &bsn, &melder, &datum);
    let path = match out {
        Some(p) => p.to_path_buf(),
        None => {
            let dir = terugmelding_dir(session);
            std::fs::create_dir_all(&dir)?;
            dir.join(format!("{}.json", export.terugmelding.referentiekenmerk))
        }
    };
    std::fs::write(&path, serde_json::to_vec_pretty(&doc)?)?;
    let t = terugmelding::mark_exported(&mut session.project, &session.user, &export)?;
    Ok((t, path))
}
