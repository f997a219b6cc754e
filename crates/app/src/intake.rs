//! Loading a partner's delivery, and the linkage that follows it at the same boundary.

use loep_store::auth::Actie;
use loep_store::deliveries::DeliveryInfo;
use std::path::Path;
use std::time::Instant;

pub use loep_intake::{
    FileProblem, IntakeError, IntakeReport, LinkReport, NoProgress, Outcome, Progress, TableReport,
};

use crate::error::{AppError, Result};
use crate::session::Session;

/// A delivery refused or failed: nothing of it was loaded.
#[derive(Debug)]
pub struct Refusal {
    /// The problems per file, when files were refused.
    pub problems: Vec<FileProblem>,
    pub error: AppError,
}

/// How long the two steps took, for benchmarks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Durations {
    pub intake_s: f64,
    pub linkage_s: f64,
}

/// `loep intake`: loads the delivery in `levering`, then links tenants, police persons and
/// free-text addresses (skipped when the snapshots the linkage reads did not change). This is
/// the one place where the two are chained.
pub fn load(
    session: &mut Session,
    levering: &Path,
    progress: &dyn Progress,
) -> Result<(IntakeReport, Durations), Refusal> {
    may_load(session)?;
    let t = Instant::now();
    let mut report =
        loep_intake::intake(&mut session.project, levering, progress).map_err(refusal)?;
    let intake_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    progress.step("koppelen aan BRP en BAG");
    report.koppeling = Some(link(session).map_err(|error| Refusal {
        problems: Vec::new(),
        error,
    })?);
    Ok((
        report,
        Durations {
            intake_s,
            linkage_s: t.elapsed().as_secs_f64(),
        },
    ))
}

/// Only who may load deliveries loads one, or sees what one would change.
fn may_load(session: &Session) -> Result<(), Refusal> {
    session
        .authorize(Actie::LeveringLaden)
        .map_err(|error| Refusal {
            problems: Vec::new(),
            error,
        })
}

/// An intake's refusal as the front ends report it.
fn refusal(e: IntakeError) -> Refusal {
    match e {
        IntakeError::Refused(problems) => Refusal {
            error: AppError::invalid(IntakeError::Refused(problems.clone()).to_string()),
            problems,
        },
        IntakeError::NotAllowed(e) => {
            // Refused, whatever the layers below called it, with their next step kept.
            let mut error = AppError::from(e);
            error.kind = crate::Kind::Refused;
            Refusal {
                problems: Vec::new(),
                error,
            }
        }
        IntakeError::Failed(e) => Refusal {
            problems: Vec::new(),
            error: e.into(),
        },
    }
}

/// `loep intake --proef`: what the delivery in `levering` would change, per table, against
/// the project's current snapshots; nothing is loaded (see [`loep_intake::intake_proef`]).
pub fn proef(
    session: &mut Session,
    levering: &Path,
    progress: &dyn Progress,
) -> Result<IntakeReport, Refusal> {
    may_load(session)?;
    loep_intake::intake_proef(&mut session.project, levering, progress).map_err(refusal)
}

fn link(session: &mut Session) -> Result<LinkReport> {
    Ok(loep_intake::link_project(&mut session.project)?)
}

/// Rewrites a delivery in the contract's CSV (as `loep synth` writes it) into the forms the
/// sources are published in: CBS buurtkaart and BAG as GeoPackages, the BRP as Haal Centraal
/// answers. A tool for test data; it needs no project and no session.
pub fn write_as_published(levering: &std::path::Path, gemeentenaam: &str) -> anyhow::Result<()> {
    loep_intake::bronnen::echt::as_published(levering, gemeentenaam)
}

/// A delivery uploaded as one zip file, unpacked inside the project (`upload/<id>/`, 0700)
/// until it is loaded or dropped.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: String,
    pub dir: std::path::PathBuf,
    /// The files it holds.
    pub files: Vec<String>,
}

/// Unpacks an uploaded delivery (a zip) for a dry run and, after confirmation, the intake
/// (see [`loep_intake::zipped`] for the limits). Only who may load deliveries may upload.
pub fn unpack_upload(session: &Session, zip: &[u8]) -> Result<Upload> {
    session.authorize(Actie::LeveringLaden)?;
    let root = session.dir().join("upload");
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(&root).map_err(|e| {
        AppError::new(
            crate::Kind::Internal,
            format!("kan {} niet maken: {e}", root.display()),
        )
    })?;
    let id = loep_store::log::new_operation_id();
    let dir = root.join(&id);
    let files = loep_intake::zipped::unpack(zip, &dir).map_err(AppError::invalid)?;
    Ok(Upload { id, dir, files })
}

/// Removes an uploaded delivery's files (after its intake, or when it was not confirmed).
pub fn drop_upload(upload: &Upload) {
    let _ = std::fs::remove_dir_all(&upload.dir);
}

/// Every delivery of the project, newest first, with its report as the intake wrote it
/// (`leveringen/<id>/rapport.json`: tables, rejects by reason, changes, carried-over rows).
pub fn deliveries(session: &Session) -> Result<Vec<(DeliveryInfo, Option<serde_json::Value>)>> {
    delivered(session, usize::MAX)
}

/// The newest delivery with its report, if any (see [`deliveries`]).
pub fn latest_delivery(
    session: &Session,
) -> Result<Option<(DeliveryInfo, Option<serde_json::Value>)>> {
    Ok(delivered(session, 1)?.into_iter().next())
}

/// The newest `n` deliveries, each with its report.
fn delivered(
    session: &Session,
    n: usize,
) -> Result<Vec<(DeliveryInfo, Option<serde_json::Value>)>> {
    session.authorize(Actie::LeveringLaden)?;
    let status = loep_store::deliveries::status(&session.project)?;
    Ok(status
        .leveringen
        .into_iter()
        .rev()
        .take(n)
        .map(|d| {
            let path = session
                .dir()
                .join(session.project.layout.delivery_reports(&d.levering_id))
                .join("rapport.json");
            let report = std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok());
            (d, report)
        })
        .collect())
}

/// `loep bench bag-gpkg`: a national-size BAG GeoPackage written into `work` and converted,
/// streamed (see [`loep_intake::bronnen::echt::bench_bag`]).
pub fn bench_bag_gpkg(
    work: &Path,
    objects: u64,
) -> anyhow::Result<loep_intake::bronnen::echt::BagBench> {
    loep_intake::bronnen::echt::bench_bag(work, objects)
}
