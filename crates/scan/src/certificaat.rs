//! A scan run's certificate: drawn up by the scan (what it read, ran and found), and checked
//! afterwards by recomputing the run from the files it names.

use anyhow::{Context, Result};
use loep_store::Project;
use loep_store::certificaat::{Bron, Certificaat, IndicatorRun};
use loep_store::scan::{ScanRun, Signal};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::catalogue::{definition_digest, published_digest};
use crate::engine::{Engine, Sources};
use crate::{Catalogue, Indicator, IndicatorResult, ScanProgress};

/// The SHA-256 of each file, read side by side (a national run reads gigabytes).
fn hash_files(paths: &[PathBuf]) -> Vec<Result<String>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = paths
            .iter()
            .map(|p| scope.spawn(move || loep_store::log::file_sha256(p)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(anyhow::anyhow!(
                        "het berekenen van de hash van een bronbestand is mislukt"
                    ))
                })
            })
            .collect()
    })
}

fn relative(project: &Project, path: &Path) -> String {
    path.strip_prefix(&project.layout.dir)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// The certificate of a run the scan is about to store.
pub(crate) fn draw_up(
    project: &Project,
    sources: &Sources,
    run: &ScanRun,
    results: &[IndicatorResult],
    signals: &[Signal],
) -> Result<Certificaat> {
    let delivered: BTreeMap<String, String> = loep_store::deliveries::all_snapshots(project.db())?
        .into_iter()
        .map(|s| (s.snapshot_id, s.inhoud_sha256))
        .collect();
    let paths: Vec<PathBuf> = sources.tables.values().map(|(_, p)| p.clone()).collect();
    let hashes = hash_files(&paths);
    let recorded = loep_store::log::recorded_files(project.db())?;
    // A project whose log names no file at all is of a release before the log did.
    let legacy = recorded.is_empty();
    let mut bronnen = Vec::new();
    let mut changed = Vec::new();
    for ((tabel, (id, path)), sha) in sources.tables.iter().zip(hashes) {
        let sha = sha?;
        // The file as the intake or the linkage wrote it (the keyed log says what that was).
        let (key, naam) = match tabel.as_str() {
            "koppeling_persoon" => (format!("{id}/personen"), "koppeling".to_string()),
            "koppeling_adres" => (format!("{id}/adressen"), "koppeling".to_string()),
            _ => (id.clone(), format!("intake.{tabel}")),
        };
        let pad = relative(project, path);
        // The register of the form's reports is written by the scan itself, every time.
        let own = tabel == crate::meldformulier::TABLE;
        match recorded.get(&key) {
            Some(r) if r.naam != naam => changed.push(format!(
                "het analysebestand van {tabel} ({pad}) is volgens het verwerkingslog van een andere tabel"
            )),
            Some(r) if r.sha256.as_ref().is_some_and(|want| *want != sha) => changed.push(
                format!("het analysebestand van {tabel} ({pad}) is veranderd sinds het werd geschreven"),
            ),
            Some(_) => {}
            None if !legacy && !own => changed.push(format!(
                "het analysebestand van {tabel} ({pad}) hoort bij geen inlezing of koppeling die het verwerkingslog kent"
            )),
            None => {}
        }
        bronnen.push(Bron {
            tabel: tabel.clone(),
            id: id.clone(),
            pad: relative(project, path),
            sha256: Some(sha),
            geleverd_sha256: delivered.get(id).cloned(),
        });
    }
    if !changed.is_empty() {
        loep_store::integrity::raise_alarm(&project.layout, &changed)?;
        return Err(loep_store::Problem::alarm(format!(
            "geweigerd: {}. De scan is niet opgeslagen; er wordt niets verwerkt tot de functionaris gegevensbescherming heeft gekeken en vastgelegd dat het is afgehandeld",
            changed.join("; ")
        )));
    }
    Ok(Certificaat {
        verwerkingsactiviteit: project.config.verwerkingsactiviteit_id.clone(),
        catalogus_sha256: Some(published_digest()),
        bronnen,
        indicatoren: results
            .iter()
            .map(|r| IndicatorRun {
                code: r.code.clone(),
                versie: r.versie,
                thema: r.thema.clone(),
                definitie_sha256: definition_digest(&r.code),
                parameters: r.parameters.clone(),
                signalen: r.signalen as u64,
                niet_gedraaid: r.niet_gedraaid.clone(),
                zonder: r.zonder.clone(),
            })
            .collect(),
        partners: project
            .config
            .partners
            .iter()
            .map(|p| p.as_str().to_string())
            .collect(),
        ..Certificaat::new(run, signals)?
    })
}

/// One check of a run against its certificate.
#[derive(Debug, Clone, Serialize)]
pub struct Controle {
    /// What was checked, in words.
    pub onderdeel: String,
    /// `Some(true)`: it holds; `Some(false)`: it does not; `None`: it could not be checked.
    pub klopt: Option<bool>,
    pub toelichting: String,
}

impl Controle {
    fn new(onderdeel: impl Into<String>, klopt: Option<bool>, toelichting: String) -> Controle {
        Controle {
            onderdeel: onderdeel.into(),
            klopt,
            toelichting,
        }
    }
}

/// A run's certificate with what was checked against it.
#[derive(Debug, Clone, Serialize)]
pub struct Verificatie {
    pub certificaat: Certificaat,
    /// The certificate's text exactly as stored (its SHA-256 is `certificaat_sha256`).
    pub inhoud: String,
    pub certificaat_sha256: String,
    pub controles: Vec<Controle>,
    /// Whether the run was computed again from its sources and gave the certified signals.
    pub herberekend: bool,
}

impl Verificatie {
    /// Nothing found that does not hold.
    pub fn intact(&self) -> bool {
        self.controles.iter().all(|c| c.klopt != Some(false))
    }

    /// Confirmed: intact and computed again with the same outcome.
    pub fn bevestigd(&self) -> bool {
        self.intact() && self.herberekend
    }
}

/// The checks that need no recomputation: the certificate's seal, the log record that names
/// it, the stored signals against its digest, and each source file against its hash. For the
/// privacy officer's page, and the first part of [`verify`].
pub fn check(project: &Project, run_id: &str) -> Result<Verificatie> {
    let conn = project.db();
    if loep_store::scan::run(conn, Some(run_id))?.is_none() {
        return Err(loep_store::Problem::with_next(
            loep_store::ProblemKind::NotFound,
            loep_store::Vervolg::Overzicht(loep_store::Overzicht::Scans),
            format!("er is geen scan '{run_id}' in dit project"),
        ));
    }
    let Some(stored) = loep_store::certificaat::get(conn, run_id)? else {
        return Err(loep_store::Problem::alarm(format!(
            "run {run_id} heeft geen certificaat: het is buiten loep om verwijderd. De functionaris gegevensbescherming moet dit onderzoeken"
        )));
    };
    let differs = stored.differs(conn)?;
    let logged = loep_store::certificaat::logged(conn, run_id)?;
    let disagrees = loep_store::certificaat::against_log(&stored, &logged);
    let loep_store::certificaat::Stored {
        certificaat,
        inhoud,
        sha256: sha,
        vernietigd,
    } = stored;
    let mut controles = vec![Controle::new(
        "certificaat",
        Some(true),
        format!("zegel en inhoud kloppen (SHA-256 {sha})"),
    )];
    controles.push(match (disagrees, &logged.certificaat) {
        (Some(why), _) => Controle::new("verwerkingslog", Some(false), why),
        (None, Some(_)) => Controle::new(
            "verwerkingslog",
            Some(true),
            "het verslag van de scan in het verwerkingslog noemt dit certificaat".into(),
        ),
        (None, None) => Controle::new(
            "verwerkingslog",
            None,
            "de run is van een eerdere versie van loep; het certificaat is bij de upgrade opgesteld uit de verzegelde signalen".into(),
        ),
    });
    controles.push(match (differs, &vernietigd) {
        (None, Some(when)) => Controle::new(
            "opgeslagen signalen",
            Some(true),
            format!("vernietigd op {when} volgens de bewaartermijn; het certificaat blijft"),
        ),
        (None, None) => Controle::new(
            "opgeslagen signalen",
            Some(true),
            format!(
                "{} signalen, dezelfde als bij de scan",
                certificaat.signalen
            ),
        ),
        (Some(how), _) => Controle::new("opgeslagen signalen", Some(false), how),
    });
    let paths: Vec<PathBuf> = certificaat
        .bronnen
        .iter()
        .map(|b| project.layout.dir.join(&b.pad))
        .collect();
    let hashes = hash_files(&paths);
    for (b, found) in certificaat.bronnen.iter().zip(hashes) {
        let onderdeel = format!("bron {} ({})", b.tabel, b.id);
        controles.push(match (found, &b.sha256) {
            _ if b.pad.is_empty() => Controle::new(
                onderdeel,
                None,
                "het bestand is niet in het certificaat genoemd (run van een eerdere versie)"
                    .into(),
            ),
            (Err(_), _) => Controle::new(
                onderdeel,
                None,
                format!(
                    "het bestand {} is er niet meer (vernietigd volgens de bewaartermijn, of verwijderd)",
                    b.pad
                ),
            ),
            (Ok(sha), Some(want)) if sha == *want => {
                Controle::new(onderdeel, Some(true), format!("{} ongewijzigd", b.pad))
            }
            (Ok(_), Some(_)) => Controle::new(
                onderdeel,
                Some(false),
                format!("{} is na de scan gewijzigd", b.pad),
            ),
            (Ok(_), None) => Controle::new(
                onderdeel,
                None,
                format!("{} is er, maar het certificaat kent zijn hash niet", b.pad),
            ),
        });
    }
    Ok(Verificatie {
        certificaat,
        inhoud,
        certificaat_sha256: sha,
        controles,
        herberekend: false,
    })
}

/// A new directory of this process only, for spilling the verification's operators: inside
/// the project (whose directories are 0700), named at random, made 0700 and never reused.
fn private_dir(project: &Path) -> Result<PathBuf> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("geen willekeurige bytes: {e}"))?;
    let dir = project.join(format!("verifieer-{}", hex::encode(bytes)));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(&dir)
        .with_context(|| format!("kan {} niet aanmaken", dir.display()))?;
    Ok(dir)
}

/// `loep run verifieer`: [`check`], then computes the run again from the files its
/// certificate names, with the indicators and parameters it names, and compares the signals
/// found with the certified digest (and per indicator their number).
pub fn verify(
    project: &Project,
    run_id: &str,
    catalogue: &Catalogue,
    memory_limit: usize,
    progress: &dyn ScanProgress,
) -> Result<Verificatie> {
    let mut v = check(project, run_id)?;
    let c = v.certificaat.clone();
    let not_possible = |v: &mut Verificatie, why: String| {
        v.controles.push(Controle::new("herberekening", None, why));
    };
    // Every source file must be there and unchanged.
    if let Some(bad) = v
        .controles
        .iter()
        .find(|k| k.onderdeel.starts_with("bron ") && k.klopt != Some(true))
    {
        let why = format!("niet mogelijk: {}: {}", bad.onderdeel, bad.toelichting);
        not_possible(&mut v, why);
        return Ok(v);
    }
    // The same definitions of the indicators that ran.
    let mut to_run: Vec<(&Indicator, BTreeMap<String, f64>)> = Vec::new();
    for i in c.indicatoren.iter().filter(|i| i.niet_gedraaid.is_none()) {
        let here = catalogue.get(&i.code);
        let same = here.is_some_and(|h| h.versie == i.versie)
            && i.definitie_sha256.is_some()
            && definition_digest(&i.code) == i.definitie_sha256;
        match here {
            Some(ind) if same => to_run.push((ind, i.parameters.clone())),
            _ => {
                let why = format!(
                    "niet mogelijk met deze loep ({}): indicator {} versie {} heeft hier een andere of geen definitie; verifieer met loep {}",
                    env!("CARGO_PKG_VERSION"),
                    i.code,
                    i.versie,
                    if c.loep_versie.is_empty() {
                        "van de run"
                    } else {
                        &c.loep_versie
                    }
                );
                not_possible(&mut v, why);
                return Ok(v);
            }
        }
    }
    let sources = Sources {
        tables: c
            .bronnen
            .iter()
            .map(|b| {
                (
                    b.tabel.clone(),
                    (b.id.clone(), project.layout.dir.join(&b.pad)),
                )
            })
            .collect(),
    };
    let spill = private_dir(&project.layout.dir)?;
    let engine = Engine::new(sources, memory_limit, &spill)?;
    let found = crate::find(&engine, &to_run, run_id, progress);
    let _ = std::fs::remove_dir_all(&spill);
    let (results, signals) = found?;
    let digest = loep_store::certificaat::signal_digest(&signals)?;
    let mut differ = Vec::new();
    for r in &results {
        let want = c
            .indicatoren
            .iter()
            .find(|i| i.code == r.code)
            .map_or(0, |i| i.signalen);
        if r.signalen as u64 != want {
            differ.push(format!(
                "{}: {} nu, {} gecertificeerd",
                r.code, r.signalen, want
            ));
        }
    }
    v.herberekend = true;
    v.controles.push(if digest == c.signalen_sha256 {
        Controle::new(
            "herberekening",
            Some(true),
            format!(
                "opnieuw berekend uit de bronnen: dezelfde {} signalen van {} indicatoren",
                signals.len(),
                results.len()
            ),
        )
    } else {
        Controle::new(
            "herberekening",
            Some(false),
            if differ.is_empty() {
                format!(
                    "opnieuw berekend uit de bronnen: {} signalen, maar niet dezelfde als gecertificeerd",
                    signals.len()
                )
            } else {
                format!(
                    "opnieuw berekend uit de bronnen geeft andere signalen: {}",
                    differ.join("; ")
                )
            },
        )
    });
    Ok(v)
}
