//! The scan: the published catalogue of explainable indicators, run with DataFusion over a
//! project's pseudonymous snapshots and links, produces signals per address, each with the
//! facts that fired it and a Dutch explanation; per address a profile that combines them and a
//! rank by explainable rules. `evaluate` measures the signals against a ground truth and
//! `fairness` compares who is flagged with who lives in the area.

pub mod address;
pub mod afgeleid;
pub mod catalogue;
pub mod certificaat;
pub mod chart;
pub mod engine;
pub mod evaluate;
pub mod export;
pub mod fairness;
pub mod meldformulier;
pub mod meldingen;
pub mod register;
pub mod rollen;
mod stappen;

use anyhow::{Context, Result};
use loep_contract::{BagId, Partner};
use loep_store::scan::{AddressProfile, ScanRun, Signal};
use loep_store::{LogRecord, Project, clock, log};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub use catalogue::{Catalogue, Indicator, Thema};
pub use engine::{Engine, Sources};

/// How much memory DataFusion's operators may hold before they spill to disk.
pub const DEFAULT_MEMORY_LIMIT: usize = 4 << 30;

/// The stack of a thread that plans and runs a scan's queries: DataFusion's planner and
/// optimiser recurse over an indicator's SQL, which in a debug build needs more than the 2 MiB
/// a spawned thread gets by default (a process's main thread has 8 MiB).
pub const STACK_SIZE: usize = 16 << 20;

/// What one indicator did in a run.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorResult {
    pub code: String,
    pub versie: u32,
    pub thema: String,
    pub parameters: BTreeMap<String, f64>,
    pub signalen: usize,
    /// Why it did not run, when it did not.
    pub niet_gedraaid: Option<String>,
    /// The optional tables it ran without (no partner delivered them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub zonder: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub run_id: String,
    pub indicatoren: Vec<IndicatorResult>,
    pub signalen: usize,
    pub adressen: usize,
    pub verwonderadressen: usize,
    /// The first profiles by rank, with their signals' explanations.
    pub top: Vec<(AddressProfile, Vec<String>)>,
    /// The addresses of those first profiles written out, and their buurt's name.
    pub top_adressen: BTreeMap<BagId, Place>,
}

/// An address written out and its buurt's name, for a list beside the BAG id.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Place {
    pub adres: Option<String>,
    pub buurt: Option<String>,
}

/// Told which indicator runs, for a progress bar.
pub trait ScanProgress: Sync {
    /// Indicator `code` starts; `done` of `total` have run.
    fn indicator(&self, _done: usize, _total: usize, _code: &str) {}
    /// Building block `naam` of the derived layer was computed in `seconds`.
    fn bouwsteen(&self, _naam: &str, _seconds: f64) {}
    /// The last indicator has run; what follows is storing the run.
    fn klaar(&self) {}
}

/// No progress shown.
pub struct NoScanProgress;
impl ScanProgress for NoScanProgress {}

/// Runs the project's indicators on its current snapshots and stores the run.
pub fn scan(
    project: &mut Project,
    catalogue: &Catalogue,
    memory_limit: usize,
    progress: &dyn ScanProgress,
) -> Result<ScanReport> {
    project.ensure_may_process()?;
    let started = clock::now();
    let mut sources = Sources::of(project)?;
    // The reports filed through the public form, as they stand: one register with the
    // delivered ones.
    let (formulier_id, formulier) = meldformulier::snapshot(project)?;
    sources
        .tables
        .insert(meldformulier::TABLE.to_string(), (formulier_id, formulier));
    let spill = project.layout.dir.join("staging/scan-spill");
    let engine = Engine::new(sources, memory_limit, &spill)?;
    let (run, refused) =
        catalogue.for_project(&project.config.indicatoren, &project.config.partners)?;
    let run_id = loep_store::scan::new_run_id(project.db())?;

    let mut results = Vec::new();
    for (code, why) in refused {
        if let Some(i) = catalogue.get(&code) {
            results.push(IndicatorResult {
                code,
                versie: i.versie,
                thema: i.thema.code().to_string(),
                parameters: i.defaults(),
                signalen: 0,
                niet_gedraaid: Some(why),
                zonder: Vec::new(),
            });
        }
    }
    let to_run: Vec<(&Indicator, BTreeMap<String, f64>)> =
        run.into_iter().map(|i| (i, i.defaults())).collect();
    let (ran, signals) = find(&engine, &to_run, &run_id, progress)?;
    results.extend(ran);
    results.sort_by(|a, b| a.code.cmp(&b.code));
    let profiles = profile(&run_id, &signals, &project.config.partners);

    let now = clock::now();
    let run = ScanRun {
        run_id: run_id.clone(),
        tijdstip: now.clone(),
        indicatoren: serde_json::to_string(&results)?,
        bronnen: serde_json::to_string(&engine.sources.ids())?,
        signalen: signals.len() as i64,
        adressen: profiles.len() as i64,
    };
    let certificaat = certificaat::draw_up(project, &engine.sources, &run, &results, &signals)?;
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    let certificaat_sha256 =
        loep_store::scan::insert_run(&tx, &run, &signals, &profiles, &certificaat)?;
    let parent = LogRecord::new("scan", &started, &now)
        .with_attr("run_id", run_id.clone())
        .with_attr("signalen", signals.len() as u64)
        .with_attr("adressen", profiles.len() as u64)
        .with_attr("certificaat", certificaat_sha256);
    log::append(&tx, &activity, parent.clone())?;
    for (table, id) in engine.sources.ids() {
        let rec = LogRecord::child_of(&parent, "scan.lezen", &started, &now)
            .with_subject(format!("snapshot:{id}"))
            .with_attr("tabel", table);
        log::append(&tx, &activity, rec)?;
    }
    // One line per person a signal involves: what the scan did with their data.
    let mut per_person: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for s in &signals {
        for p in &s.pseudoniemen {
            per_person.entry(p).or_default().insert(&s.indicator);
        }
    }
    for (p, inds) in per_person {
        let rec = LogRecord::child_of(&parent, "scan.signaal", &started, &now)
            .with_subject(p.to_string())
            .with_attr(
                "indicatoren",
                inds.into_iter().collect::<Vec<_>>().join(","),
            );
        log::append(&tx, &activity, rec)?;
    }
    // Test hooks: a power cut with the run written but not committed, and just after.
    loep_store::clock::fault_point("scan-before-commit");
    tx.commit()?;
    loep_store::clock::fault_point("scan-after-commit");

    let top: Vec<(AddressProfile, Vec<String>)> = profiles
        .iter()
        .take(10)
        .map(|p| {
            let why = signals
                .iter()
                .filter(|s| s.vbo_id == p.vbo_id)
                .map(|s| format!("{} ({}): {}", s.indicator, s.thema, s.uitleg))
                .collect();
            (p.clone(), why)
        })
        .collect();
    let wanted: BTreeSet<String> = top.iter().map(|(p, _)| p.vbo_id.to_string()).collect();
    // The run is stored: an unreadable address only leaves the list with ids.
    let found = address::addresses(&engine.sources, &|v| wanted.contains(v)).unwrap_or_else(|e| {
        tracing::warn!("the addresses of the first profiles: {e:#}");
        address::Addresses::default()
    });
    let top_adressen = top
        .iter()
        .map(|(p, _)| {
            let buurt = found.buurt_of(&p.vbo_id, p.buurtcode.as_deref());
            let place = Place {
                adres: found.adres(&p.vbo_id).map(str::to_string),
                buurt: found.buurtnaam(buurt).map(str::to_string),
            };
            (p.vbo_id, place)
        })
        .collect();
    Ok(ScanReport {
        run_id,
        top_adressen,
        signalen: signals.len(),
        adressen: profiles.len(),
        verwonderadressen: profiles.iter().filter(|p| p.verwonderadres).count(),
        indicatoren: results,
        top,
    })
}

/// Runs `indicators` (each with its parameters) over `engine`'s sources: what each did, and
/// the signals in the order a run stores them, numbered. The scan and the verification of a
/// run both find signals here, so that the same sources give the same signals.
fn find(
    engine: &Engine,
    indicators: &[(&Indicator, BTreeMap<String, f64>)],
    run_id: &str,
    progress: &dyn ScanProgress,
) -> Result<(Vec<IndicatorResult>, Vec<Signal>)> {
    let buurten = engine.buurten()?;
    // The derived layer first: each block the indicators that can run read, once.
    for (ind, _) in indicators {
        if !engine.missing_tables(ind).is_empty() {
            continue;
        }
        for b in &ind.bouwstenen {
            let t = std::time::Instant::now();
            if engine.bereken(b)? {
                progress.bouwsteen(&b.naam, t.elapsed().as_secs_f64());
            }
        }
    }
    let mut results = Vec::new();
    let mut signals: Vec<Signal> = Vec::new();
    let total = indicators.len();
    for (done, (ind, params)) in indicators.iter().enumerate() {
        progress.indicator(done, total, &ind.code);
        tracing::info!(indicator = %ind.code, "indicator starts");
        let missing = engine.missing_tables(ind);
        if !missing.is_empty() {
            results.push(IndicatorResult {
                code: ind.code.clone(),
                versie: ind.versie,
                thema: ind.thema.code().to_string(),
                parameters: params.clone(),
                signalen: 0,
                niet_gedraaid: Some(format!("geen gegevens van {}", missing.join(", "))),
                zonder: Vec::new(),
            });
            continue;
        }
        let zonder = engine.absent_optional(ind);
        let rows = engine.run(ind, params)?;
        let partners: Vec<Partner> = ind.partners_without(&zonder).to_vec();
        for r in &rows {
            // The indicators read the contract's vbo_id columns, checked at the intake: an id
            // that is none is a fault of the indicator's SQL, not a signal.
            let vbo_id = BagId::vbo(&r.vbo_id).map_err(|e| {
                anyhow::anyhow!(
                    "indicator {}: '{}' in de kolom vbo_id is geen verblijfsobject: {e}",
                    ind.code,
                    loep_contract::shorten(&r.vbo_id, 40)
                )
            })?;
            signals.push(Signal {
                run_id: run_id.to_string(),
                nr: 0,
                indicator: ind.code.clone(),
                versie: i64::from(ind.versie),
                thema: ind.thema,
                vbo_id,
                buurtcode: buurten.get(&r.vbo_id).cloned(),
                pseudoniemen: r.pseudoniemen.clone(),
                feiten: r.facts.clone(),
                uitleg: ind.explain(&r.facts, params),
                sterkte: r.sterkte,
                partners: partners.clone(),
            });
        }
        results.push(IndicatorResult {
            code: ind.code.clone(),
            versie: ind.versie,
            thema: ind.thema.code().to_string(),
            parameters: params.clone(),
            signalen: rows.len(),
            niet_gedraaid: None,
            zonder,
        });
    }
    progress.klaar();
    // A total order (an indicator may find one address twice), so that the numbering and
    // the run's digest do not depend on the order in which the engine returned rows.
    signals.sort_by(|a, b| {
        (&a.vbo_id, &a.indicator, &a.pseudoniemen, &a.feiten)
            .cmp(&(&b.vbo_id, &b.indicator, &b.pseudoniemen, &b.feiten))
            .then(a.sterkte.total_cmp(&b.sterkte))
    });
    for (i, s) in signals.iter_mut().enumerate() {
        s.nr = i as i64 + 1;
    }
    Ok((results, signals))
}

/// The partners of the team (`team`, the project's partners) with an interest in an address:
/// those whose competence the themes of its signals touch (`loep_contract::theme_interest`);
/// for a benefit theme, the payer of the regeling the signal names. These are who should join
/// the visit; two or more make a verwonderadres. A partner outside the project is never named:
/// it cannot join a visit of this team.
pub fn interested_partners<'a>(
    signals: impl IntoIterator<Item = &'a Signal>,
    team: &[loep_contract::Partner],
) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    for s in signals {
        let payer = s
            .feiten
            .get("regeling")
            .and_then(|r| loep_contract::payer_of(r))
            .filter(|_| {
                matches!(
                    s.thema,
                    Thema::Samenwoonfraude | Thema::UitkeringEnLoon | Thema::VermogenInkomen
                )
            });
        match payer {
            Some(p) => {
                out.insert(p.as_str());
            }
            None => out.extend(s.thema.interest().iter().map(|p| p.as_str())),
        }
    }
    out.retain(|p| team.iter().any(|t| t.as_str() == *p));
    out
}

/// Per address: its themes and the partners whose data the signals rest on; a
/// verwonderadres when two or more partners have an interest in it ([`interested_partners`]),
/// not merely when two partners' data were read. Ranked by the number of partners with an
/// interest (so the verwonderadressen, the addresses the team visits together, come first),
/// then by number of themes, then of partners whose data the signals read, then by strength
/// (the sum of how far each signal lies beyond its threshold), then by id: rules anyone can
/// follow, no opaque score.
pub fn profile(
    run_id: &str,
    signals: &[Signal],
    team: &[loep_contract::Partner],
) -> Vec<AddressProfile> {
    let mut by_address: BTreeMap<BagId, Vec<&Signal>> = BTreeMap::new();
    for s in signals {
        by_address.entry(s.vbo_id).or_default().push(s);
    }
    let mut out: Vec<(usize, AddressProfile)> = by_address
        .into_iter()
        .map(|(vbo, ss)| {
            let belang = interested_partners(ss.iter().copied(), team).len();
            // In the order of their codes, as the profile always listed them.
            let mut themas: Vec<Thema> = ss.iter().map(|s| s.thema).collect();
            themas.sort_by_key(|t| t.code());
            themas.dedup();
            // In the order of their codes, as the profile always listed them.
            let mut partners: Vec<Partner> =
                ss.iter().flat_map(|s| s.partners.iter().copied()).collect();
            partners.sort_by_key(|p| p.as_str());
            partners.dedup();
            (
                belang,
                AddressProfile {
                    run_id: run_id.to_string(),
                    rang: 0,
                    vbo_id: vbo,
                    buurtcode: ss[0].buurtcode.clone(),
                    themas,
                    verwonderadres: belang >= 2,
                    partners,
                    signalen: ss.len() as i64,
                    sterkte: (ss.iter().map(|s| s.sterkte).sum::<f64>() * 1000.0).round() / 1000.0,
                },
            )
        })
        .collect();
    out.sort_by(|(belang_a, a), (belang_b, b)| {
        belang_b
            .cmp(belang_a)
            .then(b.themas.len().cmp(&a.themas.len()))
            .then(b.partners.len().cmp(&a.partners.len()))
            .then(b.sterkte.total_cmp(&a.sterkte))
            .then(a.vbo_id.cmp(&b.vbo_id))
    });
    out.into_iter()
        .enumerate()
        .map(|(i, (_, mut p))| {
            p.rang = i as i64 + 1;
            p
        })
        .collect()
}

/// Writes signals as CSV (`run_id, indicator, versie, thema, vbo_id, buurtcode, verwonderadres,
/// uitleg, sterkte, partners, pseudoniemen, feiten`, then the address written out and the
/// buurt's name: `adres, buurt`).
pub fn write_signals_csv(
    out: impl std::io::Write,
    signals: &[Signal],
    profiles: &[AddressProfile],
    addresses: &address::Addresses,
) -> Result<()> {
    let verwonder: BTreeSet<BagId> = profiles
        .iter()
        .filter(|p| p.verwonderadres)
        .map(|p| p.vbo_id)
        .collect();
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "run_id",
        "indicator",
        "versie",
        "thema",
        "vbo_id",
        "buurtcode",
        "verwonderadres",
        "uitleg",
        "sterkte",
        "partners",
        "pseudoniemen",
        "feiten",
        "adres",
        "buurt",
    ])?;
    for s in signals {
        let vbo = s.vbo_id.to_string();
        let buurt = addresses.buurt_of(&vbo, s.buurtcode.as_deref());
        // The addresses and names come from partners' files: no cell may start a formula.
        let cells = [
            s.run_id.as_str(),
            &s.indicator,
            &s.versie.to_string(),
            s.thema.code(),
            &vbo,
            s.buurtcode.as_deref().unwrap_or_default(),
            if verwonder.contains(&s.vbo_id) {
                "ja"
            } else {
                "nee"
            },
            &s.uitleg,
            &format!("{:.3}", s.sterkte),
            &Partner::codes(&s.partners).join(","),
            &s.pseudoniemen.join(","),
            &serde_json::to_string(&s.feiten)?,
            addresses.adres(&vbo).unwrap_or_default(),
            addresses.buurtnaam(buurt).unwrap_or_default(),
        ];
        let safe: Vec<_> = cells
            .iter()
            .map(|c| loep_contract::spreadsheet::formula_safe(c))
            .collect();
        w.write_record(safe.iter().map(|c| c.as_bytes()))?;
    }
    w.flush().context("kan de signalen niet schrijven")?;
    Ok(())
}

/// The spill directory is removed after a scan; a crash leaves it for the next open.
pub fn clean_spill(project_dir: &Path) {
    let _ = std::fs::remove_dir_all(project_dir.join("staging/scan-spill"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use loep_contract::Partner;

    fn signal(thema: &str, vbo: &str, regeling: Option<&str>) -> Signal {
        Signal {
            run_id: "S0001".into(),
            nr: 1,
            indicator: "X-01".into(),
            versie: 1,
            thema: Thema::parse(thema).unwrap(),
            vbo_id: BagId::vbo(vbo).unwrap(),
            buurtcode: None,
            pseudoniemen: Vec::new(),
            feiten: regeling
                .map(|r| BTreeMap::from([("regeling".to_string(), r.to_string())]))
                .unwrap_or_default(),
            uitleg: String::new(),
            sterkte: 1.0,
            partners: vec![Partner::Gemeente],
        }
    }

    #[test]
    fn only_the_projects_partners_are_named_as_interested() {
        let hennep = signal("hennepteelt", "0363010000000001", None);
        let all = interested_partners([&hennep], &Partner::ALL);
        assert_eq!(
            all.into_iter().collect::<Vec<_>>(),
            ["gemeente", "netbeheerder", "politie"]
        );
        // A team without a grid operator: the signal still interests police and municipality.
        let team = [
            Partner::Gemeente,
            Partner::Politie,
            Partner::Belastingdienst,
        ];
        let named = interested_partners([&hennep], &team);
        assert_eq!(
            named.into_iter().collect::<Vec<_>>(),
            ["gemeente", "politie"]
        );
        // A team of the municipality alone: one partner, so no verwonderadres.
        let alone = profile("S0001", std::slice::from_ref(&hennep), &[Partner::Gemeente]);
        assert!(!alone[0].verwonderadres);
        let together = profile("S0001", &[hennep], &team);
        assert!(together[0].verwonderadres);
    }

    #[test]
    fn a_benefit_theme_names_the_payer_of_its_regeling() {
        let ww = signal("uitkering_en_loon", "0363010000000002", Some("ww"));
        let named = interested_partners([&ww], &Partner::ALL);
        assert_eq!(named.into_iter().collect::<Vec<_>>(), ["uwv"]);
        assert!(interested_partners([&ww], &[Partner::Gemeente]).is_empty());
    }
}
