//! Loading a partner's delivery, and the linkage that follows it at the same boundary.

use loep_store::auth::Actie;
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
    session
        .authorize(Actie::LeveringLaden)
        .map_err(|error| Refusal {
            problems: Vec::new(),
            error,
        })?;
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

/// An intake's refusal as the front ends report it.
fn refusal(e: IntakeError) -> Refusal {
    match e {
        IntakeError::Refused(problems) => Refusal {
            error: AppError::invalid(IntakeError::Refused(problems.clone()).to_string()),
            problems,
        },
        IntakeError::NotAllowed(e) => Refusal {
            problems: Vec::new(),
            error: AppError::refused(format!("{e:#}")),
        },
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
    session
        .authorize(Actie::LeveringLaden)
        .map_err(|error| Refusal {
            problems: Vec::new(),
            error,
        })?;
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
