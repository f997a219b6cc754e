//! Scanning with the published catalogue, and reading what a scan found.

use loep_contract::BagId;
use loep_store::auth::Actie;
use loep_store::scan::{AddressProfile, ScanRun, Signal};
use std::path::{Path, PathBuf};

pub use loep_scan::address::{Address, Addresses, Buurt};
pub use loep_scan::catalogue::format_number;
pub use loep_scan::evaluate::{
    Quality, TARGET_LOOKALIKES, TARGET_PRECISION, TARGET_RECALL, ThemeQuality,
};
pub use loep_scan::export::Listing;
pub use loep_scan::fairness::{Fairness, Group, MIN_GROUP};
pub use loep_scan::{
    Catalogue, DEFAULT_MEMORY_LIMIT, NoScanProgress, Place, STACK_SIZE, ScanProgress, ScanReport,
    interested_partners,
};
pub use loep_store::scan::{AddressProfile as Profile, ScanRun as Run, Signal as SignalRow};

use crate::error::{AppError, Kind, Result};
use crate::session::Session;
use loep_store::{Overzicht, Vervolg};

/// The published indicator catalogue (no project, no login: it is public).
/// The twelve themes, in the catalogue's order.
pub fn themes() -> &'static [loep_scan::Thema] {
    &loep_scan::Thema::ALL
}

pub fn catalogue() -> Result<Catalogue> {
    Ok(Catalogue::published()?)
}

/// `loep scan`: runs the project's indicators over its current snapshots and links and
/// stores the run.
pub fn run(
    session: &mut Session,
    memory_limit: usize,
    progress: &dyn ScanProgress,
) -> Result<ScanReport> {
    session.authorize(Actie::ScanUitvoeren)?;
    let c = Catalogue::published()?;
    let report = loep_scan::scan(&mut session.project, &c, memory_limit, progress);
    loep_scan::clean_spill(&session.project.layout.dir);
    Ok(report?)
}

pub use loep_scan::certificaat::{Controle, Verificatie};
pub use loep_store::certificaat::Certificaat;

/// A run's certificate with the checks that need no recomputation (its seal, the log's record,
/// the stored signals, the source files): for the privacy officer's page and `loep run
/// certificaat`.
pub fn certificate(session: &Session, run: Option<&str>) -> Result<Verificatie> {
    session.authorize(Actie::LogControleren)?;
    let run = the_run(session, run)?;
    Ok(loep_scan::certificaat::check(
        &session.project,
        &run.run_id,
    )?)
}

/// A run's certificate exactly as stored (its SHA-256 is the one the log names), for an
/// auditor to keep.
pub fn certificate_text(session: &Session, run: Option<&str>) -> Result<String> {
    session.authorize(Actie::LogControleren)?;
    let run = the_run(session, run)?;
    match loep_store::certificaat::get(session.project.db(), &run.run_id)? {
        Some(stored) => Ok(stored.inhoud),
        None => Err(AppError::refused(format!(
            "run {} heeft geen certificaat",
            run.run_id
        ))),
    }
}

/// `loep run verifieer`: the run's certificate checked, and the run computed again from the
/// files it names with the indicators and parameters it names.
pub fn verify_run(
    session: &Session,
    run: Option<&str>,
    memory_limit: usize,
    progress: &dyn ScanProgress,
) -> Result<Verificatie> {
    session.authorize(Actie::LogControleren)?;
    let run = the_run(session, run)?;
    let c = Catalogue::published()?;
    Ok(loep_scan::certificaat::verify(
        &session.project,
        &run.run_id,
        &c,
        memory_limit,
        progress,
    )?)
}

/// Which signals to list.
#[derive(Debug, Clone, Default)]
pub struct SignalFilter {
    /// The run (default: the newest).
    pub run: Option<String>,
    pub thema: Option<loep_contract::Thema>,
    pub indicator: Option<String>,
    pub buurt: Option<String>,
    /// Only signals at a verwonderadres.
    pub verwonderadres: bool,
}

impl SignalFilter {
    /// The filter as the store applies it to one run.
    fn query(&self) -> loep_store::scan::SignalQuery {
        loep_store::scan::SignalQuery {
            thema: self.thema,
            indicator: self.indicator.clone(),
            buurt: self.buurt.clone(),
            verwonderadres: self.verwonderadres,
        }
    }

    /// Whether a signal of a listed address matches the theme, indicator and buurt asked
    /// for (the address is a verwonderadres or not as a whole).
    pub fn matches(&self, s: &Signal) -> bool {
        self.thema.is_none_or(|t| t == s.thema)
            && self
                .indicator
                .as_ref()
                .is_none_or(|i| i.eq_ignore_ascii_case(&s.indicator))
            && self
                .buurt
                .as_ref()
                .is_none_or(|b| s.buurtcode.as_deref() == Some(b.as_str()))
    }
}

/// One page of a list.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// 0-based.
    pub number: usize,
    pub size: usize,
}

impl Page {
    pub const ALL: Page = Page {
        number: 0,
        size: usize::MAX,
    };
}

/// The signals of a run, filtered and paged, with the run and the total before paging.
pub struct Signals {
    pub run: ScanRun,
    pub total: usize,
    pub signals: Vec<Signal>,
}

fn the_run(session: &Session, run: Option<&str>) -> Result<ScanRun> {
    loep_store::scan::run(session.project.db(), run)?.ok_or_else(|| match run {
        Some(r) => AppError::with_next(
            Kind::NotFound,
            Vervolg::Overzicht(Overzicht::Scans),
            format!("er is geen scan '{r}' in dit project"),
        ),
        None => AppError::with_next(
            Kind::NotFound,
            Vervolg::Scannen,
            "er is nog geen scan; draai eerst een scan",
        ),
    })
}

/// `loep signals`: the signals of a run, filtered and paged (in SQLite: a page of a large run
/// reads only its own rows).
pub fn signals(session: &Session, filter: &SignalFilter, page: Page) -> Result<Signals> {
    session.authorize(Actie::SignalenBekijken)?;
    let run = the_run(session, filter.run.as_deref())?;
    let query = filter.query();
    let (total, signals) = loep_store::scan::signals_page(
        session.project.db(),
        &run.run_id,
        &query,
        page.number.saturating_mul(page.size),
        page.size,
    )?;
    Ok(Signals {
        run,
        total,
        signals,
    })
}

/// Where the pages of a filtered list of a run's signals start, kept by a long-running front
/// end so that a page is read by an index seek instead of counting and skipping the signals
/// before it (a run's signals never change). Forgets everything when it holds many lists.
#[derive(Default)]
pub struct QueuePages {
    kept: std::sync::Mutex<std::collections::HashMap<QueueList, std::sync::Arc<PageStarts>>>,
    /// Per run and filter: the matching addresses in ranking order.
    ranked: std::sync::Mutex<std::collections::HashMap<RankedList, std::sync::Arc<Vec<BagId>>>>,
}

/// A filtered list of a run's addresses: the run, the filter.
type RankedList = (String, loep_store::scan::SignalQuery);

/// One address of the queue: its profile in the run, the run's signals there, and the
/// partners with an interest in it (who join the visit).
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub profile: AddressProfile,
    pub signals: Vec<Signal>,
    pub belanghebbenden: Vec<&'static str>,
}

/// A page of the queue: addresses in ranking order.
#[derive(Debug, Clone)]
pub struct Queue {
    pub run: ScanRun,
    /// Addresses that match the filter in all.
    pub total: usize,
    /// Signals that match the filter in all.
    pub signalen: usize,
    pub rows: Vec<QueueRow>,
}

/// The queue the team works from: one row per address with a signal that matches `filter`, in
/// the run's ranking order (the order of the exports' overview), a page at a time. The order
/// of each run and filter is kept in `pages` (a run never changes).
pub fn queue(
    session: &Session,
    filter: &SignalFilter,
    page: Page,
    pages: &QueuePages,
) -> Result<Queue> {
    // How many signals match, from the page starts kept for this filter (no page is read:
    // the page number lies past the end); it also authorises and finds the run.
    let counted = signals_in(
        session,
        filter,
        Page {
            number: usize::MAX,
            size: 1_000,
        },
        pages,
    )?;
    let run = counted.run;
    let query = filter.query();
    let key = (run.run_id.clone(), query.clone());
    let kept = pages.ranked.lock().ok().and_then(|k| k.get(&key).cloned());
    let ranked = match kept {
        Some(r) => r,
        None => {
            let r = std::sync::Arc::new(loep_store::scan::ranked_addresses(
                session.project.db(),
                &run.run_id,
                &query,
            )?);
            if let Ok(mut k) = pages.ranked.lock() {
                if k.len() >= KEPT_LISTS {
                    k.clear();
                }
                k.insert(key, r.clone());
            }
            r
        }
    };
    let from = page.number.saturating_mul(page.size).min(ranked.len());
    let to = from.saturating_add(page.size).min(ranked.len());
    let team = &session.project.config.partners;
    let mut rows = Vec::with_capacity(to - from);
    for &vbo in &ranked[from..to] {
        let Some(profile) = loep_store::scan::profile_at(session.project.db(), &run.run_id, vbo)?
        else {
            continue;
        };
        let signals: Vec<Signal> = loep_store::scan::signals_at(session.project.db(), vbo)?
            .into_iter()
            .filter(|s| s.run_id == run.run_id)
            .collect();
        let belanghebbenden = interested_partners(signals.iter(), team)
            .into_iter()
            .collect();
        rows.push(QueueRow {
            profile,
            signals,
            belanghebbenden,
        });
    }
    Ok(Queue {
        run,
        total: ranked.len(),
        signalen: counted.total,
        rows,
    })
}

/// A filtered list of a run's signals in pages: the run, the filter, the page size.
type QueueList = (String, loep_store::scan::SignalQuery, usize);

/// How many signals a list has, and the `nr` each of its pages starts at.
type PageStarts = (usize, Vec<i64>);

/// How many filtered lists [`QueuePages`] keeps before it starts again.
const KEPT_LISTS: usize = 256;

/// [`signals`] for a front end that keeps a [`QueuePages`]: the same page, the same
/// authorisation.
pub fn signals_in(
    session: &Session,
    filter: &SignalFilter,
    page: Page,
    pages: &QueuePages,
) -> Result<Signals> {
    session.authorize(Actie::SignalenBekijken)?;
    let run = the_run(session, filter.run.as_deref())?;
    let query = filter.query();
    let key = (run.run_id.clone(), query.clone(), page.size);
    let kept = pages.kept.lock().ok().and_then(|k| k.get(&key).cloned());
    let starts = match kept {
        Some(s) => s,
        None => {
            let s = std::sync::Arc::new(loep_store::scan::page_starts(
                session.project.db(),
                &run.run_id,
                &query,
                page.size,
            )?);
            if let Ok(mut k) = pages.kept.lock() {
                if k.len() >= KEPT_LISTS {
                    k.clear();
                }
                k.insert(key, s.clone());
            }
            s
        }
    };
    let (total, ref starts) = *starts;
    let signals = match starts.get(page.number) {
        Some(from) => loep_store::scan::signals_from(
            session.project.db(),
            &run.run_id,
            &query,
            *from,
            page.size,
        )?,
        None => Vec::new(),
    };
    Ok(Signals {
        run,
        total,
        signals,
    })
}

/// The ranked address profiles of a run.
pub fn profiles(session: &Session, run: Option<&str>) -> Result<(ScanRun, Vec<AddressProfile>)> {
    session.authorize(Actie::SignalenBekijken)?;
    let run = the_run(session, run)?;
    let p = loep_store::scan::profiles(session.project.db(), &run.run_id)?;
    Ok((run, p))
}

/// `loep evaluate`: precision and recall per theme against a ground truth.
pub fn evaluate(session: &Session, truth: &Path, run: Option<&str>) -> Result<(ScanRun, Quality)> {
    session.authorize(Actie::KwaliteitBekijken)?;
    let run = the_run(session, run)?;
    let signals = loep_store::scan::signals(session.project.db(), &run.run_id)?;
    let profiles = loep_store::scan::profiles(session.project.db(), &run.run_id)?;
    let q = loep_scan::evaluate::evaluate(
        &run.run_id,
        &signals,
        &profiles,
        truth,
        &session.project.config.partners,
    )?;
    Ok((run, q))
}

/// `loep fairness`: who a run flags, per buurt, age band and sex.
pub fn fairness(session: &Session, run: Option<&str>) -> Result<(ScanRun, Fairness)> {
    session.authorize(Actie::KwaliteitBekijken)?;
    let run = the_run(session, run)?;
    let profiles = loep_store::scan::profiles(session.project.db(), &run.run_id)?;
    let spill = tempfile::tempdir()?;
    let engine = loep_scan::Engine::new(
        loep_scan::Sources::of(&session.project)?,
        DEFAULT_MEMORY_LIMIT,
        spill.path(),
    )?;
    let year = i64::from(chrono::Datelike::year(&loep_store::clock::now_utc()));
    let f = loep_scan::fairness::fairness(&engine, &run.run_id, &profiles, year)?;
    Ok((run, f))
}

/// The addresses (written out, postcode, buurt and its name, RD coordinates) of these BAG
/// objects from the current snapshots, and every buurt of the project: for lists beside the
/// 16-digit id. One pass over the BAG however many objects are asked for.
pub fn addresses<'a>(
    session: &Session,
    vbo_ids: impl IntoIterator<Item = &'a str>,
) -> Result<Addresses> {
    may_see_addresses(session)?;
    let wanted: std::collections::HashSet<&str> = vbo_ids.into_iter().collect();
    let sources = loep_scan::Sources::of(&session.project)?;
    Ok(loep_scan::address::addresses(&sources, &|v| {
        wanted.contains(v)
    })?)
}

/// Who may read addresses from the BAG: who works signals, who works cases (a partner, the
/// handhaver: they must know where to go), and who sees the requests for identities (the key
/// holder decides on one with its address in view, the privacy officer oversees them). The
/// BAG's addresses are public; no person is named.
fn may_see_addresses(session: &Session) -> Result<()> {
    if session.may(Actie::SignalenBekijken) || session.may(Actie::ZakenBekijken) {
        return Ok(());
    }
    session.authorize(Actie::OnthullingenBekijken)
}

/// The id of the current BAG snapshot (cheap): an address book made from another is out of
/// date.
pub fn bag_snapshot(session: &Session) -> Result<Option<String>> {
    crate::melden::bag_snapshot_of(&session.project)
}

/// Every BAG object of the current snapshot written out, with the buurten: for a long-running
/// front end to keep while the snapshot stays, so that a page of signals is answered without
/// reading the BAG again. About 150 bytes per object (1.2 GB for the whole country's 8
/// million). Returned with the snapshot it was made from.
pub fn address_book(session: &Session) -> Result<(Option<String>, Addresses)> {
    may_see_addresses(session)?;
    let snapshot = bag_snapshot(session)?;
    let sources = loep_scan::Sources::of(&session.project)?;
    Ok((
        snapshot,
        loep_scan::address::addresses(&sources, &|_| true)?,
    ))
}

/// One address as the address page shows it: the object written out, every signal of every
/// kept run there (newest run first), its profile in the newest run, and its cases.
pub struct AddressView {
    pub vbo_id: BagId,
    pub address: Option<loep_scan::address::Address>,
    /// What the BAG says of the object besides its address.
    pub bag: Option<loep_scan::address::BagFeiten>,
    /// How records of other sources were linked by name to the persons here, each with the
    /// waterfall of match weights that explains the link.
    pub links: Vec<loep_scan::rollen::Koppeling>,
    pub buurtnaam: Option<String>,
    pub signals: Vec<Signal>,
    pub profile: Option<AddressProfile>,
    pub runs: Vec<ScanRun>,
    pub cases: Vec<loep_zaken::register::Zaak>,
    /// The signals' persons (pseudonyms) with their roles at the address in plain Dutch
    /// (registered, owner, tenant, …), each naming its source; no role: not linked to it.
    pub persons: Vec<(String, Vec<String>)>,
    /// Residents' reports about the address filed through the form, the newest first.
    pub reports: Vec<loep_store::burgermelding::Burgermelding>,
    /// The delivered reports the linkage put at the address, the newest first.
    pub delivered_reports: Vec<loep_scan::meldingen::GeleverdeMelding>,
    /// Rows of the current snapshots about this object or its signals' persons that were
    /// carried over from an earlier delivery because their new row was rejected.
    pub carried: Vec<loep_store::deliveries::CarriedRow>,
}

/// What the address page needs from the project's Parquet files, read once for every address
/// with signals so that a page is answered without reading them again: each address written
/// out (the address book) and, per address, the roles there of the persons of its signals in
/// every kept run. A front end keeps it while [`AddressIndex::key`] stays the same.
pub struct AddressIndex {
    key: String,
    pub addresses: std::sync::Arc<Addresses>,
    roles: std::collections::HashMap<String, loep_scan::rollen::Rollen>,
    /// The links by name that gave a person of a signal a role at its address.
    links: std::collections::HashMap<String, Vec<loep_scan::rollen::Koppeling>>,
    /// The BAG facts of every address with signals that the BAG holds.
    bag: std::collections::HashMap<String, loep_scan::address::BagFeiten>,
}

impl AddressIndex {
    /// The state it was made from.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// The state an [`AddressIndex`] is made from (cheap): the snapshots and linkage the sources
/// are, and the kept runs. Another value means the index is out of date.
pub fn address_index_key(session: &Session) -> Result<String> {
    session.authorize(Actie::SignalenBekijken)?;
    let sources = loep_scan::Sources::of(&session.project)?;
    let mut key = sources.key_parts();
    key.extend(
        loep_store::scan::runs(session.project.db())?
            .into_iter()
            .map(|r| r.run_id),
    );
    Ok(key.join(";"))
}

/// Makes the [`AddressIndex`] (one pass over the BAG and over each table that gives a role),
/// with `addresses` the address book when the caller has it already.
pub fn address_index(
    session: &Session,
    addresses: std::sync::Arc<Addresses>,
) -> Result<AddressIndex> {
    let key = address_index_key(session)?;
    let mut wanted = loep_scan::rollen::Wanted::new();
    for (vbo, pseudoniem) in loep_store::scan::signal_persons(session.project.db())? {
        let persons = wanted.entry(vbo.to_string()).or_default();
        if let Some(p) = pseudoniem {
            persons.insert(p);
        }
    }
    let sources = loep_scan::Sources::of(&session.project)?;
    let found = loep_scan::rollen::of(&sources, &wanted)?;
    let bag = loep_scan::address::bag_facts(&sources, &|v| wanted.contains_key(v))?;
    Ok(AddressIndex {
        key,
        addresses,
        roles: found.rollen,
        links: found.koppelingen,
        bag,
    })
}

/// The address page: pseudonymous, like the signals. Reads the object and the persons' roles
/// from the Parquet files; [`address_in`] answers from an index.
pub fn address(session: &Session, vbo_id: &str) -> Result<AddressView> {
    let vbo = check_vbo_id(session, vbo_id)?;
    let sources = loep_scan::Sources::of(&session.project)?;
    let found = loep_scan::address::addresses(&sources, &|v| v == vbo_id)?;
    let bag = loep_scan::address::bag_facts(&sources, &|v| v == vbo_id)?.remove(vbo_id);
    address_view(session, vbo, &found, bag, |pseudonyms| {
        let wanted = loep_scan::rollen::Wanted::from([(
            vbo_id.to_string(),
            pseudonyms.iter().map(|p| p.to_string()).collect(),
        )]);
        let mut f = loep_scan::rollen::of(&sources, &wanted)?;
        Ok((
            f.rollen.remove(vbo_id).unwrap_or_default(),
            f.koppelingen.remove(vbo_id).unwrap_or_default(),
        ))
    })
}

/// The address page from an [`AddressIndex`]. An address the index does not hold (no
/// signals, or not in the BAG), or an index made before the project changed (its key
/// differs), is read from the files as [`address`] does.
pub fn address_in(session: &Session, vbo_id: &str, index: &AddressIndex) -> Result<AddressView> {
    let vbo = check_vbo_id(session, vbo_id)?;
    let Some(bag) = index.bag.get(vbo_id) else {
        return address(session, vbo_id);
    };
    if address_index_key(session)? != index.key {
        return address(session, vbo_id);
    }
    address_view(
        session,
        vbo,
        &index.addresses,
        Some(bag.clone()),
        |pseudonyms| {
            let mut r = index.roles.get(vbo_id).cloned().unwrap_or_default();
            r.retain(|p, _| pseudonyms.contains(p.as_str()));
            let mut l = index.links.get(vbo_id).cloned().unwrap_or_default();
            l.retain(|k| pseudonyms.contains(k.pseudoniem.as_str()));
            Ok((r, l))
        },
    )
}

/// The address asked for (a path or an argument), parsed: the object's id.
fn check_vbo_id(session: &Session, vbo_id: &str) -> Result<BagId> {
    session.authorize(Actie::SignalenBekijken)?;
    BagId::vbo(vbo_id).map_err(|e| {
        AppError::invalid(if e.code == "bag_id" {
            format!("'{vbo_id}' is geen BAG-verblijfsobject: dat zijn 16 cijfers")
        } else {
            format!("'{vbo_id}' is geen BAG-verblijfsobject: {e}")
        })
    })
}

fn address_view(
    session: &Session,
    vbo_id: BagId,
    found: &Addresses,
    bag: Option<loep_scan::address::BagFeiten>,
    roles: impl FnOnce(
        &std::collections::HashSet<&str>,
    ) -> Result<(loep_scan::rollen::Rollen, Vec<loep_scan::rollen::Koppeling>)>,
) -> Result<AddressView> {
    let conn = session.project.db();
    let mut signals = loep_store::scan::signals_at(conn, vbo_id)?;
    let runs = loep_store::scan::runs(conn)?;
    let order: std::collections::HashMap<&str, usize> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.run_id.as_str(), i))
        .collect();
    signals.sort_by_key(|s| {
        (
            std::cmp::Reverse(order.get(s.run_id.as_str()).copied()),
            s.nr,
        )
    });
    let profile = match runs.last() {
        Some(r) => loep_store::scan::profile_at(conn, &r.run_id, vbo_id)?,
        None => None,
    };
    let address = found.get(&vbo_id).cloned();
    let pseudonyms: std::collections::BTreeSet<&str> = signals
        .iter()
        .flat_map(|s| s.pseudoniemen.iter().map(String::as_str))
        .collect();
    let (mut rollen, links) = roles(&pseudonyms.iter().copied().collect())?;
    let persons = pseudonyms
        .iter()
        .map(|p| {
            let r = rollen
                .remove(*p)
                .map(|r| r.into_iter().map(|(_, rol)| rol).collect())
                .unwrap_or_default();
            (p.to_string(), r)
        })
        .collect();
    let buurtnaam = found
        .buurtnaam(address.as_ref().and_then(|a| a.buurtcode.as_deref()))
        .map(str::to_string);
    if address.is_none() && signals.is_empty() {
        return Err(AppError::not_found(format!(
            "verblijfsobject {vbo_id} staat niet in de BAG-levering van dit project en heeft geen signalen"
        )));
    }
    let carried = loep_store::deliveries::carried_for(
        conn,
        vbo_id,
        &pseudonyms.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
    )?;
    let cases = if session.may(Actie::ZakenBekijken) {
        loep_zaken::register::list(
            conn,
            &session.user,
            &loep_zaken::register::ZaakFilter {
                vbo_id: Some(vbo_id),
                ..Default::default()
            },
        )?
    } else {
        vec![]
    };
    Ok(AddressView {
        vbo_id,
        address,
        bag,
        links,
        buurtnaam,
        signals,
        profile,
        runs,
        cases,
        persons,
        reports: loep_store::burgermelding::at(conn, vbo_id)?,
        delivered_reports: loep_scan::meldingen::delivered(
            &loep_scan::Sources::of(&session.project)?,
            Some(vbo_id),
        )?,
        carried,
    })
}

/// A run's signals (filtered as `filter` says), the profiles of their addresses and those
/// addresses written out: what every export of `loep signals` writes.
pub fn listing(session: &Session, filter: &SignalFilter) -> Result<Listing> {
    let Signals { run, signals, .. } = self::signals(session, filter, Page::ALL)?;
    let (_, mut profiles) = profiles(session, Some(&run.run_id))?;
    let flagged: std::collections::HashSet<BagId> = signals.iter().map(|s| s.vbo_id).collect();
    profiles.retain(|p| flagged.contains(&p.vbo_id));
    let flagged: Vec<String> = flagged.iter().map(BagId::to_string).collect();
    let addresses = addresses(session, flagged.iter().map(String::as_str))?;
    Ok(Listing {
        run,
        signals,
        profiles,
        addresses,
        team: session.project.config.partners.clone(),
    })
}

/// Writes a listing's signals as CSV (with `adres` and `buurt`).
pub fn write_signals_csv(out: impl std::io::Write, l: &Listing) -> Result<()> {
    Ok(loep_scan::write_signals_csv(
        out,
        &l.signals,
        &l.profiles,
        &l.addresses,
    )?)
}

/// CSV for Excel NL: `;`, decimal comma, BOM, CRLF, ids kept whole, Dutch headers.
pub fn write_signals_csv_nl(out: impl std::io::Write, l: &Listing) -> Result<()> {
    Ok(loep_scan::export::write_csv_nl(out, l)?)
}

/// An Excel workbook: an overview, a sheet per theme, ids as text.
pub fn write_signals_xlsx(out: impl std::io::Write + Send, l: &Listing) -> Result<()> {
    Ok(loep_scan::export::write_xlsx(out, l)?)
}

/// Parquet for Power BI: one typed row per signal with address and buurt.
pub fn write_signals_parquet(out: impl std::io::Write + Send, l: &Listing) -> Result<()> {
    Ok(loep_scan::export::write_parquet(out, l)?)
}

/// Parquet of the address profiles (one row per flagged address) for Power BI.
pub fn write_profiles_parquet(out: impl std::io::Write + Send, l: &Listing) -> Result<()> {
    Ok(loep_scan::export::write_profiles_parquet(out, l)?)
}

/// GeoJSON of the flagged addresses in RD (EPSG:28992), and how many it leaves out for want
/// of coordinates in the BAG.
pub fn signals_geojson(l: &Listing) -> (serde_json::Value, usize) {
    loep_scan::export::geojson_addresses(l)
}

/// GeoJSON of the buurten with their polygons and flagged addresses, counts below 10
/// suppressed.
pub fn buurten_geojson(l: &Listing) -> serde_json::Value {
    loep_scan::export::geojson_buurten(l)
}

/// The map (`--format kaart`): flagged addresses per 1,000 addresses per buurt as SVG, drawn
/// from the `cbs_buurt` polygons, small counts hatched.
pub fn map_svg(l: &Listing) -> Result<String> {
    Ok(loep_scan::chart::map::map_svg(l)?)
}

/// What a report use case measured and the files it wrote.
pub struct Report<T> {
    pub run: ScanRun,
    pub result: T,
    pub files: Vec<PathBuf>,
}

/// Writes `bytes` to `path` through a file beside it, so that an interrupted write never
/// leaves half a file under the name.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let cannot = |e: &dyn std::fmt::Display| {
        AppError::invalid(format!("kan {} niet schrijven: {e}", path.display()))
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| cannot(&e))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(|e| cannot(&e))?;
    tmp.persist(path).map_err(|e| cannot(&e.error))?;
    Ok(())
}

fn create_dir(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)
        .map_err(|e| AppError::invalid(format!("kan {} niet aanmaken: {e}", out.display())))
}

/// buurtcode → buurt name, from the current `cbs_buurt` snapshot.
/// The names of the project's buurten (open data: no address, no person), for the callers
/// that authorised their own action (the fairness figures).
fn buurtnamen(session: &Session) -> Result<std::collections::BTreeMap<String, String>> {
    let sources = loep_scan::Sources::of(&session.project)?;
    Ok(loep_scan::address::addresses(&sources, &|_| false)?
        .buurten
        .into_values()
        .map(|b| (b.buurtcode, b.buurtnaam))
        .collect())
}

/// The fairness figures of a run with their chart (SVG), for a page to show.
pub fn fairness_chart(session: &Session, run: Option<&str>) -> Result<(ScanRun, Fairness, String)> {
    let (run, f) = fairness(session, run)?;
    let names = buurtnamen(session)?;
    let svg = loep_scan::chart::fairness::fairness_svg(&f, &run, &names)?;
    Ok((run, f, svg))
}

/// `loep fairness --out`: the fairness figures of a run written into `out` as
/// `eerlijkheid.svg` (the chart), `eerlijkheid.json` (the figures, as `--json` prints them,
/// with `min_groep`) and `eerlijkheid.html` (the chart with a reading guide in Dutch).
pub fn fairness_report(
    session: &Session,
    run: Option<&str>,
    out: &Path,
) -> Result<Report<Fairness>> {
    let (run, f) = fairness(session, run)?;
    let names = buurtnamen(session)?;
    let svg = loep_scan::chart::fairness::fairness_svg(&f, &run, &names)?;
    let html = loep_scan::chart::fairness::fairness_guide_html(&f, &run, &names, &svg)?;
    let mut json = serde_json::to_value(&f)?;
    if let Some(o) = json.as_object_mut() {
        o.insert("min_groep".into(), MIN_GROUP.into());
        // The file is sent around with the chart: what the chart leaves out (`onderdrukt`)
        // stays out of the file as well. A group with fewer than MIN_GROUP residents keeps
        // none of its counts; another hidden group keeps its residents but not how many of
        // them were flagged.
        if let Some(groepen) = o.get_mut("groepen").and_then(|g| g.as_array_mut()) {
            for g in groepen {
                let Some(g) = g.as_object_mut() else { continue };
                let hidden: &[&str] = match g.get("onderdrukt").and_then(serde_json::Value::as_str)
                {
                    Some("weinig_bewoners") => &[
                        "bewoners",
                        "bewoners_gemarkeerd",
                        "aandeel_bevolking",
                        "aandeel_gemarkeerd",
                        "adressen",
                        "adressen_gemarkeerd",
                    ],
                    Some(_) => &[
                        "bewoners_gemarkeerd",
                        "aandeel_gemarkeerd",
                        "adressen_gemarkeerd",
                    ],
                    None => &[],
                };
                for k in hidden {
                    g.insert((*k).into(), serde_json::Value::Null);
                }
                // Flagged addresses of a buurt: fewer than ten are not given, as on the map.
                let few_addresses = g
                    .get("adressen_gemarkeerd")
                    .and_then(serde_json::Value::as_u64)
                    .is_some_and(|n| (1..MIN_GROUP).contains(&n));
                if few_addresses {
                    g.insert("adressen_gemarkeerd".into(), serde_json::Value::Null);
                }
            }
        }
    }
    create_dir(out)?;
    let files = vec![
        out.join("eerlijkheid.svg"),
        out.join("eerlijkheid.json"),
        out.join("eerlijkheid.html"),
    ];
    write_file(&files[0], svg.as_bytes())?;
    write_file(
        &files[1],
        (serde_json::to_string_pretty(&json)? + "\n").as_bytes(),
    )?;
    write_file(&files[2], html.as_bytes())?;
    Ok(Report {
        run,
        result: f,
        files,
    })
}

/// `loep evaluate --out`: the quality of a run against a ground truth written into `out` as
/// `kwaliteit.svg` (precision and recall per theme with the targets) and `kwaliteit.json`
/// (the figures as `--json` prints them, with the targets under `doelen`).
pub fn quality_report(
    session: &Session,
    truth: &Path,
    run: Option<&str>,
    out: &Path,
) -> Result<Report<Quality>> {
    let (run, q) = evaluate(session, truth, run)?;
    // The file's name, not where it lies on the server.
    let truth_name = truth
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "de grondwaarheid".to_string());
    let svg = loep_scan::chart::quality::quality_svg(&q, &run, &truth_name)?;
    let mut json = serde_json::to_value(&q)?;
    if let Some(o) = json.as_object_mut() {
        o.insert(
            "doelen".into(),
            serde_json::json!({
                "precision": TARGET_PRECISION,
                "recall": TARGET_RECALL,
                "lokvogels_gemarkeerd_hoogstens": TARGET_LOOKALIKES,
            }),
        );
    }
    create_dir(out)?;
    let files = vec![out.join("kwaliteit.svg"), out.join("kwaliteit.json")];
    write_file(&files[0], svg.as_bytes())?;
    write_file(
        &files[1],
        (serde_json::to_string_pretty(&json)? + "\n").as_bytes(),
    )?;
    Ok(Report {
        run,
        result: q,
        files,
    })
}
