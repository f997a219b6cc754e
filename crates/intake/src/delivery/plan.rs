//! The plan of a delivery: its files, `levering.toml`, the partner checks, content hashes and
//! the order in which the tables load, all checked before any row is read.

use anyhow::{Context, Result, anyhow};
use loep_contract::{Datum, Partner, TABLES, Table};
use loep_store::Project;
use loep_store::deliveries;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{FileProblem, IntakeError, problem};

/// `levering.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DeliveryMeta {
    pub(super) partner: Option<String>,
    pub(super) peildatum: Option<String>,
}

/// The form a table comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// The contract's own: CSV or Parquet.
    Contract,
    /// The BAG as PDOK publishes it: a GeoPackage with layer `verblijfsobject`.
    BagGpkg,
    /// The CBS wijk- en buurtkaart: a GeoPackage with layers `buurten` and `wijken`.
    CbsGpkg,
    /// The BRP as Haal Centraal BRP Personen answers (JSON).
    HaalCentraal,
}

/// One table file of the delivery.
pub(super) struct PlannedFile {
    pub(super) table: &'static Table,
    pub(super) path: PathBuf,
    pub(super) file_name: String,
    pub(super) sha256: String,
    pub(super) format: Format,
}

/// The table a GeoPackage holds, by its layers: PDOK's BAG (`verblijfsobject`) or CBS's
/// wijk- en buurtkaart (`buurten`).
fn geopackage_table(path: &Path, name: &str) -> Result<(&'static str, Format), FileProblem> {
    let layers = crate::bronnen::gpkg::layers(path).map_err(|e| problem(name, format!("{e:#}")))?;
    let has = |l: &str| layers.iter().any(|x| x == l);
    match (has("verblijfsobject"), has("buurten")) {
        (true, false) => Ok(("bag_verblijfsobject", Format::BagGpkg)),
        (false, true) => Ok(("cbs_buurt", Format::CbsGpkg)),
        (true, true) => Err(problem(
            name,
            "deze GeoPackage heeft zowel de laag verblijfsobject (BAG) als buurten (CBS); lever ze als twee bestanden",
        )),
        (false, false) => Err(problem(
            name,
            format!(
                "deze GeoPackage heeft geen laag verblijfsobject (BAG van PDOK) of buurten (CBS wijk- en buurtkaart), alleen: {}",
                layers.join(", ")
            ),
        )),
    }
}

/// The file at `path` when it is a plain file: a symlink, hard link, directory, device or pipe
/// is refused without being followed or read (its problem says so, in Dutch).
fn regular_file(path: &Path, name: &str) -> Result<std::fs::Metadata, FileProblem> {
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| problem(name, format!("kan niet worden gelezen ({})", e.kind())))?;
    match crate::source::not_a_plain_file(&meta) {
        Some(why) => Err(problem(name, why)),
        None => Ok(meta),
    }
}

/// Opens the regular file `meta` describes, refusing one that was replaced in between (by a
/// symlink or another file).
fn open_regular(path: &Path, meta: &std::fs::Metadata) -> Result<File> {
    let f = File::open(path).with_context(|| format!("kan {} niet lezen", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let opened = f.metadata()?;
        if (opened.dev(), opened.ino()) != (meta.dev(), meta.ino()) || !opened.is_file() {
            loep_store::invalid!(
                "{} is vervangen terwijl de levering werd gelezen; lever haar opnieuw",
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(f)
}

/// Whether a planned file still holds the bytes it was planned (and hashed) with: read again
/// after its rows were read, so that a file truncated, appended to or rewritten while the
/// intake read it is refused instead of being stored, partly, under the hash of the whole.
pub(super) fn changed_since_plan(f: &PlannedFile) -> Option<FileProblem> {
    let changed = || {
        problem(
            &f.file_name,
            "veranderde terwijl loep het las (het werd ingekort, aangevuld of overschreven); er is niets van geladen. Lever het bestand opnieuw als het af is",
        )
    };
    let Ok(meta) = std::fs::symlink_metadata(&f.path) else {
        return Some(changed());
    };
    match hash_file(&f.path, &meta) {
        Ok(h) if h == f.sha256 => None,
        _ => Some(changed()),
    }
}

fn hash_file(path: &Path, meta: &std::fs::Metadata) -> Result<String> {
    let mut f = open_regular(path, meta)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// `levering.toml` is small; anything longer is not one.
const MAX_META: u64 = 64 << 10;

/// Reads `levering.toml`: `None` when there is none; a symlink or other special file is
/// refused without being read.
fn read_meta(path: &Path) -> Result<Option<String>, FileProblem> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        _ => {}
    }
    let meta = regular_file(path, "levering.toml")?;
    if meta.len() > MAX_META {
        return Err(problem(
            "levering.toml",
            format!(
                "is groter dan {} KiB; het bevat alleen partner en peildatum",
                MAX_META >> 10
            ),
        ));
    }
    let mut text = String::new();
    open_regular(path, &meta)
        .and_then(|f| Ok(f.take(MAX_META).read_to_string(&mut text)?))
        .map_err(|_| {
            problem(
                "levering.toml",
                "kan niet worden gelezen; sla het op als UTF-8 tekst met alleen partner en peildatum",
            )
        })?;
    Ok(Some(text))
}

/// Lists the delivery's files and checks everything that can be checked without reading rows.
pub(super) fn plan(
    project: &Project,
    dir: &Path,
) -> Result<(Option<DeliveryMeta>, Vec<PlannedFile>), IntakeError> {
    let mut problems = Vec::new();
    if !dir.is_dir() {
        return Err(IntakeError::Refused(vec![problem(
            &dir.display().to_string(),
            "is geen map; een levering is een map met <tabel>.csv- of <tabel>.parquet-bestanden (of de bronnen zoals ze gepubliceerd worden) en levering.toml",
        )]));
    }
    let (meta, partner) = delivery_meta(project, dir, &mut problems);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            IntakeError::Failed(anyhow!(
                "kan de inhoud van {} niet lezen: {e}",
                dir.display()
            ))
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let mut files: Vec<PlannedFile> = Vec::new();
    for path in entries {
        if let Some(f) = planned_file(project, path, partner, &files, &mut problems)? {
            files.push(f);
        }
    }
    if files.is_empty() && problems.is_empty() {
        problems.push(problem(&dir.display().to_string(), "bevat geen tabelbestanden; een levering is een map met <tabel>.csv- of <tabel>.parquet-bestanden (of de bronnen zoals ze gepubliceerd worden) en levering.toml"));
    }
    files.sort_by_key(|f| f.table.order);
    scope_first(project, &files, &mut problems)?;
    if problems.is_empty() {
        Ok((meta, files))
    } else {
        Err(IntakeError::Refused(problems))
    }
}

/// `levering.toml`, when there is one, and the partner it names; what is wrong with it goes to
/// `problems`.
fn delivery_meta(
    project: &Project,
    dir: &Path,
    problems: &mut Vec<FileProblem>,
) -> (Option<DeliveryMeta>, Option<Partner>) {
    let meta = match read_meta(&dir.join("levering.toml")) {
        Ok(Some(text)) => match toml::from_str::<DeliveryMeta>(&text) {
            Ok(m) => Some(m),
            Err(e) => {
                problems.push(problem(
                    "levering.toml",
                    format!("is ongeldig: {e}; het bevat alleen partner en peildatum"),
                ));
                None
            }
        },
        Ok(None) => None,
        Err(p) => {
            problems.push(p);
            None
        }
    };
    let mut partner = None;
    if let Some(m) = &meta {
        if let Some(p) = &m.partner {
            match Partner::parse(p) {
                Ok(p) => {
                    if !project.config.partners.contains(&p) {
                        problems.push(problem(
                            "levering.toml",
                            format!("partner {p} doet niet mee aan dit project (partners: {}); de projectleider moet hem toevoegen en het project opnieuw laten goedkeuren", project.config.partners.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")),
                        ));
                    }
                    partner = Some(p);
                }
                Err(e) => problems.push(problem("levering.toml", format!("partner: {e}"))),
            }
        }
        if let Some(d) = &m.peildatum
            && let Err(e) = Datum::parse(d)
        {
            problems.push(problem("levering.toml", format!("peildatum '{d}': {e}")));
        }
    }
    (meta, partner)
}

/// The planned file at `path`: a table of the contract (or a source in its publisher's form),
/// not yet in `files`, of a partner in the project and the one `levering.toml` names. `None`
/// for a file that is skipped or refused (why goes to `problems`).
fn planned_file(
    project: &Project,
    path: PathBuf,
    partner: Option<Partner>,
    files: &[PlannedFile],
    problems: &mut Vec<FileProblem>,
) -> Result<Option<PlannedFile>, IntakeError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.starts_with('.') || name == "levering.toml" {
        return Ok(None);
    }
    // Never followed, never read: a symlink could point anywhere outside the delivery.
    let file_meta = match regular_file(&path, &name) {
        Ok(m) => m,
        Err(p) => {
            problems.push(p);
            return Ok(None);
        }
    };
    let (stem, format) = match name.rsplit_once('.') {
        Some((s, e)) if e == "csv" || e == "parquet" => (s.to_string(), Format::Contract),
        Some((_, "gpkg")) => match geopackage_table(&path, &name) {
            Ok((t, f)) => (t.to_string(), f),
            Err(p) => {
                problems.push(p);
                return Ok(None);
            }
        },
        Some((_, "json")) => ("brp_persoon".to_string(), Format::HaalCentraal),
        _ => {
            problems.push(problem(&name, "is geen tabelbestand; een levering bevat alleen <tabel>.csv- of <tabel>.parquet-bestanden, GeoPackages van de BAG (PDOK) of de CBS-buurtkaart, JSON-antwoorden van de BRP API (Haal Centraal) en levering.toml"));
            return Ok(None);
        }
    };
    let Some(table) = Table::by_name(&stem) else {
        let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        problems.push(problem(
            &name,
            format!(
                "'{stem}' is geen tabel van het contract ({})",
                names.join(", ")
            ),
        ));
        return Ok(None);
    };
    if files.iter().any(|f| f.table.name == table.name) {
        problems.push(problem(
            &name,
            format!(
                "{} zit twee keer in de levering (in twee vormen); lever één bestand per tabel",
                table.name
            ),
        ));
        return Ok(None);
    }
    if let Some(p) = partner
        && p != table.partner
    {
        problems.push(problem(
            &name,
            format!(
                "{} wordt geleverd door {}, maar levering.toml zegt dat de partner {p} is",
                table.name, table.partner
            ),
        ));
    }
    if !project.config.partners.contains(&table.partner) {
        problems.push(problem(
            &name,
            format!(
                "{} komt van {}, en die doet niet mee aan dit project",
                table.name, table.partner
            ),
        ));
    }
    let sha256 = hash_file(&path, &file_meta)?;
    Ok(Some(PlannedFile {
        table,
        path,
        file_name: name,
        sha256,
        format,
    }))
}

/// BAG and BRP define the scope: a delivery of other tables needs them first (loaded before,
/// or in the same delivery).
fn scope_first(
    project: &Project,
    files: &[PlannedFile],
    problems: &mut Vec<FileProblem>,
) -> Result<(), IntakeError> {
    let has = |name: &str| -> Result<bool> {
        Ok(files.iter().any(|f| f.table.name == name)
            || deliveries::current_snapshot(project.db(), name)?.is_some())
    };
    if files.iter().any(|f| !f.table.defines_scope()) {
        for needed in ["bag_verblijfsobject", "brp_persoon"] {
            if !has(needed)? {
                problems.push(problem(
                    needed,
                    format!("er is nog geen {needed} geladen: BAG en BRP bepalen welke objecten en personen bij het projectgebied horen, dus die komen eerst (of in dezelfde levering)"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(dir: &Path, content: &[u8]) -> PlannedFile {
        let path = dir.join("brp_persoon.csv");
        std::fs::write(&path, content).unwrap();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        PlannedFile {
            table: Table::by_name("brp_persoon").unwrap(),
            sha256: hash_file(&path, &meta).unwrap(),
            path,
            file_name: "brp_persoon.csv".into(),
            format: Format::Contract,
        }
    }

    #[test]
    fn a_file_truncated_rewritten_or_removed_after_planning_is_found() {
        let t = tempfile::tempdir().unwrap();
        let f = planned(t.path(), b"bsn\n111222333\n111222345\n");
        assert!(changed_since_plan(&f).is_none());
        for later in [
            &b"bsn\n111222333\n"[..],
            b"bsn\n111222333\n111222346\n",
            b"bsn\n111222333\n111222345\n111\n",
        ] {
            std::fs::write(&f.path, later).unwrap();
            let p = changed_since_plan(&f).expect("the change is found");
            assert!(
                p.melding.contains("veranderde terwijl loep het las"),
                "{}",
                p.melding
            );
        }
        std::fs::remove_file(&f.path).unwrap();
        assert!(changed_since_plan(&f).is_some());
    }
}
