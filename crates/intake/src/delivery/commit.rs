//! Committing a delivery: the staged files move into place, the delivery, its snapshots and
//! the vault's files are registered with the log records, and the vault's transaction commits
//! before the store's.

use anyhow::{Context, Result};
use loep_contract::Table;
use loep_store::deliveries::{self, NewDelivery, Snapshot};
use loep_store::{Layout, LogRecord, Tx, clock, log};
use loep_vault::VaultTx;
use loep_vault::format::Soort;
use std::path::{Path, PathBuf};

use super::sinks::RejectSummary;
use super::{IntakeError, IntakeReport, TableReport};

/// Where one table's files go while it loads, and where they end up.
pub(super) struct Staged {
    /// (staged path, final path relative to the project directory)
    pub(super) data: (PathBuf, String),
    pub(super) identity: Option<(PathBuf, String)>,
    pub(super) bsn: Option<(PathBuf, String)>,
    pub(super) scope: Option<(PathBuf, String)>,
}

/// A table loaded into staging, waiting for the commit.
pub(super) struct TableOutput {
    pub(super) report: TableReport,
    pub(super) staged: Staged,
    pub(super) sha256: String,
    pub(super) started: String,
    pub(super) ended: String,
}

/// What the delivery is, for its registration.
pub(super) struct Delivery<'a> {
    /// The delivered directory.
    pub(super) dir: &'a Path,
    pub(super) levering_id: &'a str,
    /// When the intake started.
    pub(super) started: &'a str,
    pub(super) partner: Option<&'a str>,
    pub(super) peildatum: Option<&'a str>,
    /// The processing activity of the log records.
    pub(super) activity: &'a str,
    /// Where the rejects report was staged.
    pub(super) staging: &'a Path,
}

/// The report of a delivery loaded (`levering_id`) or only tried (`None`: a dry run): the
/// tables in load order, the loaded ones and those that did not change.
pub(super) fn report_of(
    levering_id: Option<&str>,
    partner: Option<&str>,
    peildatum: Option<&str>,
    outputs: Vec<TableOutput>,
    reports: Vec<TableReport>,
    rejects: RejectSummary,
    afwijzingen_rapport: Option<String>,
) -> IntakeReport {
    let mut tabellen: Vec<TableReport> = outputs.into_iter().map(|o| o.report).collect();
    tabellen.extend(reports);
    tabellen.sort_by_key(|t| Table::by_name(&t.tabel).map_or(u8::MAX, |t| t.order));
    IntakeReport {
        levering_id: levering_id.map(str::to_string),
        proef: levering_id.is_none(),
        partner: partner.map(str::to_string),
        peildatum: peildatum.map(str::to_string),
        tabellen,
        afwijzingen_totaal: rejects.total,
        afwijzingen_per_reden: rejects.per_reason,
        afwijzingen: rejects.shown,
        afwijzingen_rapport,
        koppeling: None,
    }
}

/// Registers the delivery: files into place, the delivery, snapshots and vault files with the
/// log records, then the vault's commit and the store's. `unchanged` are the reports of the
/// tables that did not change.
pub(super) fn register(
    layout: &Layout,
    tx: Tx<'_>,
    vtx: VaultTx<'_>,
    d: &Delivery<'_>,
    outputs: Vec<TableOutput>,
    reports: Vec<TableReport>,
    rejects: RejectSummary,
) -> Result<IntakeReport, IntakeError> {
    let Delivery {
        dir,
        levering_id,
        started,
        partner,
        peildatum,
        activity,
        staging,
    } = *d;
    // Register the delivery. Files move into place first; a crash before the commit leaves them
    // unreferenced, and the next open of the project removes them.
    let now = clock::now();
    let delivery_rel = layout.delivery_reports(levering_id);
    std::fs::create_dir_all(layout.dir.join(&delivery_rel)).map_err(anyhow::Error::from)?;
    let parent = LogRecord::new("intake.levering", started, &now)
        .with_attr("levering_id", levering_id.to_string())
        .with_attr("partner", partner.unwrap_or("onbekend"))
        .with_attr("tabellen", outputs.len() as u64);
    deliveries::insert_delivery(
        &tx,
        &NewDelivery {
            levering_id,
            partner,
            peildatum,
            map: &dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            tijdstip: &now,
            tabellen_nieuw: outputs.len() as i64,
            tabellen_ongewijzigd: reports.len() as i64,
        },
    )?;
    log::append(&tx, activity, parent.clone())?;
    let mut data_sha256: std::collections::HashMap<String, String> =
        std::collections::HashMap::new();
    for o in &outputs {
        let snapshot_id = &o.report.snapshot_id;
        for (kind, file) in [
            ("data", Some(&o.staged.data)),
            ("identiteit", o.staged.identity.as_ref()),
            ("bsn", o.staged.bsn.as_ref()),
            ("scope", o.staged.scope.as_ref()),
        ] {
            let Some((from, rel)) = file else { continue };
            let target = layout.dir.join(rel);
            if let Some(p) = target.parent() {
                std::fs::create_dir_all(p).map_err(anyhow::Error::from)?;
            }
            std::fs::rename(from, &target)
                .with_context(|| format!("kan {} niet op zijn plaats zetten", from.display()))?;
            // The analysis file as written, in the keyed log: a scan refuses a file that
            // changed since (the vault's files carry seals of their own).
            if kind == "data" {
                data_sha256.insert(snapshot_id.clone(), loep_store::log::file_sha256(&target)?);
            }
            match kind {
                "identiteit" => vtx.insert_file(snapshot_id, Soort::Identiteit, rel)?,
                "bsn" => vtx.insert_file(snapshot_id, Soort::Bsn, rel)?,
                _ => {}
            }
        }
        deliveries::insert_snapshot(
            &tx,
            &Snapshot {
                snapshot_id: snapshot_id.clone(),
                levering_id: levering_id.to_string(),
                tabel: o.report.tabel.clone(),
                bestand: o.report.bestand.clone(),
                inhoud_sha256: o.sha256.clone(),
                rijen_gelezen: o.report.rijen_gelezen as i64,
                rijen_geladen: o.report.rijen_geladen as i64,
                rijen_afgewezen: o.report.rijen_afgewezen as i64,
                rijen_buiten_gebied: o.report.rijen_buiten_gebied as i64,
                pad: o.staged.data.1.clone(),
                scope_pad: o.staged.scope.as_ref().map(|s| s.1.clone()),
                tijdstip: now.clone(),
            },
        )?;
        if let Some(changes) = &o.report.wijzigingen {
            for c in &changes.overgenomen {
                deliveries::insert_carried(
                    &tx,
                    &deliveries::CarriedRow {
                        snapshot_id: snapshot_id.clone(),
                        tabel: o.report.tabel.clone(),
                        regel: c.regel as i64,
                        uit_snapshot_id: changes.vorige_snapshot.clone(),
                        sleutel: c.sleutel.clone(),
                        vbo_id: c.vbo_id,
                        pseudoniem: c.persoon.clone(),
                    },
                )?;
            }
        }
        let mut rec = LogRecord::child_of(
            &parent,
            &format!("intake.{}", o.report.tabel),
            &o.started,
            &o.ended,
        )
        .with_subject(format!("snapshot:{snapshot_id}"))
        .with_attr("rijen_geladen", o.report.rijen_geladen)
        .with_attr("rijen_afgewezen", o.report.rijen_afgewezen)
        .with_attr("rijen_buiten_gebied", o.report.rijen_buiten_gebied)
        .with_attr("gepseudonimiseerd", true);
        if let Some(sha) = data_sha256.get(snapshot_id) {
            rec = rec.with_attr("bestand_sha256", sha.clone());
        }
        if let Some(c) = &o.report.wijzigingen {
            rec = rec
                .with_attr("vorige_snapshot", c.vorige_snapshot.clone())
                .with_attr("rijen_overgenomen", o.report.rijen_overgenomen)
                .with_attr("rijen_verwijderd", c.rijen_verwijderd);
        }
        log::append(&tx, activity, rec)?;
    }
    std::fs::rename(
        staging.join("afwijzingen.csv"),
        layout.dir.join(&delivery_rel).join("afwijzingen.csv"),
    )
    .map_err(anyhow::Error::from)?;
    loep_store::clock::fault_point("before-commit");
    vtx.commit()?;
    loep_store::clock::fault_point("between-commits");
    tx.commit()?;

    let report = report_of(
        Some(levering_id),
        partner,
        peildatum,
        outputs,
        reports,
        rejects,
        Some(format!("{delivery_rel}/afwijzingen.csv")),
    );
    if let Ok(json) = serde_json::to_string_pretty(&report) {
        let _ = std::fs::write(layout.dir.join(&delivery_rel).join("rapport.json"), json);
    }
    Ok(report)
}
