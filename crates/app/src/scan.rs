//! Scanning with the published catalogue, and reading what a scan found.

use loep_store::auth::Actie;
use loep_store::scan::{AddressProfile, ScanRun, Signal};
use std::path::Path;

pub use loep_scan::address::{Address, Addresses, Buurt};
pub use loep_scan::catalogue::format_number;
pub use loep_scan::evaluate::{Quality, ThemeQuality};
pub use loep_scan::export::Listing;
pub use loep_scan::fairness::{Fairness, Group, MIN_GROUP};
pub use loep_scan::{
    Catalogue, DEFAULT_MEMORY_LIMIT, NoScanProgress, Place, ScanProgress, ScanReport,
    interested_partners,
};
pub use loep_store::scan::{AddressProfile as Profile, ScanRun as Run, Signal as SignalRow};

use crate::error::{AppError, Result};
use crate::session::Session;

/// The published indicator catalogue (no project, no login: it is public).
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

/// Which signals to list.
#[derive(Debug, Clone, Default)]
pub struct SignalFilter {
    /// The run (default: the newest).
    pub run: Option<String>,
    pub thema: Option<String>,
    pub indicator: Option<String>,
    pub buurt: Option<String>,
    /// Only signals at a verwonderadres.
    pub verwonderadres: bool,
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
    loep_store::scan::run(session.project.conn(), run)?.ok_or_else(|| match run {
        Some(r) => AppError::not_found(format!(
            "there is no scan run '{r}' in this project (`loep status` lists the runs)"
        )),
        None => AppError::not_found("there is no scan yet; run `loep scan DIR` first"),
    })
}

/// `loep signals`: the signals of a run, filtered and paged.
pub fn signals(session: &Session, filter: &SignalFilter, page: Page) -> Result<Signals> {
    session.authorize(Actie::SignalenBekijken)?;
    let run = the_run(session, filter.run.as_deref())?;
    let all = loep_store::scan::signals(session.project.conn(), &run.run_id)?;
    let verwonder: std::collections::HashSet<String> = if filter.verwonderadres {
        loep_store::scan::profiles(session.project.conn(), &run.run_id)?
            .into_iter()
            .filter(|p| p.verwonderadres)
            .map(|p| p.vbo_id)
            .collect()
    } else {
        Default::default()
    };
    let matching: Vec<Signal> = all
        .into_iter()
        .filter(|s| filter.thema.as_ref().is_none_or(|t| &s.thema == t))
        .filter(|s| {
            filter
                .indicator
                .as_ref()
                .is_none_or(|i| s.indicator.eq_ignore_ascii_case(i))
        })
        .filter(|s| filter.buurt.is_none() || s.buurtcode == filter.buurt)
        .filter(|s| !filter.verwonderadres || verwonder.contains(&s.vbo_id))
        .collect();
    let total = matching.len();
    let signals = matching
        .into_iter()
        .skip(page.number.saturating_mul(page.size))
        .take(page.size)
        .collect();
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
    let p = loep_store::scan::profiles(session.project.conn(), &run.run_id)?;
    Ok((run, p))
}

/// `loep evaluate`: precision and recall per theme against a ground truth.
pub fn evaluate(session: &Session, truth: &Path, run: Option<&str>) -> Result<(ScanRun, Quality)> {
    session.authorize(Actie::KwaliteitBekijken)?;
    let run = the_run(session, run)?;
    let signals = loep_store::scan::signals(session.project.conn(), &run.run_id)?;
    let profiles = loep_store::scan::profiles(session.project.conn(), &run.run_id)?;
    let q = loep_scan::evaluate::evaluate(&run.run_id, &signals, &profiles, truth)?;
    Ok((run, q))
}

/// `loep fairness`: who a run flags, per buurt, age band and sex.
pub fn fairness(session: &Session, run: Option<&str>) -> Result<(ScanRun, Fairness)> {
    session.authorize(Actie::KwaliteitBekijken)?;
    let run = the_run(session, run)?;
    let profiles = loep_store::scan::profiles(session.project.conn(), &run.run_id)?;
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
    session.authorize(Actie::SignalenBekijken)?;
    let wanted: std::collections::HashSet<&str> = vbo_ids.into_iter().collect();
    let sources = loep_scan::Sources::of(&session.project)?;
    Ok(loep_scan::address::addresses(&sources, &|v| {
        wanted.contains(v)
    })?)
}

/// A run's signals (filtered as `filter` says), the profiles of their addresses and those
/// addresses written out: what every export of `loep signals` writes.
pub fn listing(session: &Session, filter: &SignalFilter) -> Result<Listing> {
    let Signals { run, signals, .. } = self::signals(session, filter, Page::ALL)?;
    let (_, mut profiles) = profiles(session, Some(&run.run_id))?;
    let flagged: std::collections::HashSet<&str> =
        signals.iter().map(|s| s.vbo_id.as_str()).collect();
    profiles.retain(|p| flagged.contains(p.vbo_id.as_str()));
    let addresses = addresses(session, flagged.iter().copied())?;
    Ok(Listing {
        run,
        signals,
        profiles,
        addresses,
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
