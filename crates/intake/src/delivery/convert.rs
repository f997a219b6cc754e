//! Sources in the form their publisher ships them, converted into the contract's CSV before
//! the intake reads them: PDOK's BAG and CBS's wijk- en buurtkaart as GeoPackages, the BRP as
//! Haal Centraal BRP Personen answers (see [`crate::bronnen`]). The converted file is then read,
//! validated, scoped and pseudonymised like any delivered CSV; its line numbers count the rows
//! the conversion wrote (header = line 1), and what the conversion itself left out (objects
//! outside every buurt, objects that no longer exist) is in the table's report under `bron`.
//!
//! The BAG has no buurt: each object is placed in its buurt by its point, against the buurten
//! of the CBS map in this delivery (as GeoPackage or as `cbs_buurt` with `geometrie_wkt`), or
//! else of the project's current `cbs_buurt` snapshot.

use anyhow::{Context, Result, anyhow};
use arrow_array::{Array, StringArray};
use loep_contract::CbsCode;
use loep_store::{Project, deliveries};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::plan::{Format, PlannedFile};
use super::{FileProblem, problem};
use crate::bronnen::gpkg::{self, BuurtIndex};
use crate::bronnen::haal_centraal;
use crate::source::TableSource;

/// A converted file: the contract CSV, and what the conversion says of the source.
pub(super) struct Converted {
    pub(super) csv: PathBuf,
    pub(super) bron: Vec<String>,
}

/// A conversion's refusal as a problem of the delivered file.
fn refusal(f: &PlannedFile, e: &anyhow::Error) -> FileProblem {
    if let Some(g) = e.chain().find_map(|c| c.downcast_ref::<gpkg::GpkgFout>()) {
        return problem(&f.file_name, g.to_string());
    }
    super::source_problem(&f.file_name, e)
}

fn write_csv(
    path: &Path,
    f: impl FnOnce(&mut dyn Write) -> Result<Vec<String>>,
) -> Result<Vec<String>> {
    let file =
        File::create(path).with_context(|| format!("kan {} niet aanmaken", path.display()))?;
    let mut out = BufWriter::new(file);
    let bron = f(&mut out)?;
    out.flush()?;
    Ok(bron)
}

/// The gemeente of the project's area, for the CBS map: one gemeente (4 digits).
fn gemeente(project: &Project) -> std::result::Result<String, String> {
    let mut codes: Vec<String> = project
        .config
        .gebied
        .iter()
        .filter_map(|g| CbsCode::parse(g).ok())
        .map(|c| c.digits.chars().take(4).collect::<String>())
        .collect();
    codes.sort();
    codes.dedup();
    match codes.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err("het projectgebied noemt geen gemeente".into()),
        _ => Err(format!(
            "het projectgebied ligt in meer gemeenten ({}); de CBS-buurtkaart als GeoPackage wordt per gemeente gelezen: lever cbs_buurt.csv",
            codes.join(", ")
        )),
    }
}

/// The buurten of a `cbs_buurt` table file of this delivery (CSV or Parquet), when it has
/// their geometry.
fn buurten_of_file(path: &Path) -> Result<Option<BuurtIndex>> {
    let mut src = TableSource::open(path)?;
    let pos = |name: &str| {
        src.header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(b), Some(w), Some(g)) = (pos("buurtcode"), pos("wijkcode"), pos("geometrie_wkt"))
    else {
        return Ok(None);
    };
    let mut rows = Vec::new();
    loop {
        let chunk = src.next_chunk(1 << 12)?;
        if chunk.is_empty() {
            break;
        }
        for r in chunk {
            let get = |i| {
                r.fields
                    .get(i)
                    .and_then(|v| v.ok())
                    .map(|v| v.trim().to_string())
                    .unwrap_or_default()
            };
            let wkt = get(g);
            if !wkt.is_empty() {
                rows.push((get(b), get(w), wkt));
            }
        }
    }
    if rows.is_empty() {
        return Ok(None);
    }
    BuurtIndex::from_wkt(rows).map(Some)
}

/// The buurten of the project's current `cbs_buurt` snapshot, when it has their geometry.
fn buurten_of_project(project: &Project) -> Result<Option<BuurtIndex>> {
    let Some(s) = deliveries::current_snapshot(project.db(), "cbs_buurt")? else {
        return Ok(None);
    };
    let path = project.layout.dir.join(&s.pad);
    let file = File::open(&path).with_context(|| format!("kan {} niet openen", path.display()))?;
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)?.build()?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch?;
        let col = |name: &str| -> Option<StringArray> {
            let c = batch.column_by_name(name)?;
            let c = arrow_cast::cast(c, &arrow_schema::DataType::Utf8).ok()?;
            c.as_any().downcast_ref::<StringArray>().cloned()
        };
        let (Some(b), Some(w), Some(g)) = (col("buurtcode"), col("wijkcode"), col("geometrie_wkt"))
        else {
            return Ok(None);
        };
        for i in 0..batch.num_rows() {
            if g.is_valid(i) && b.is_valid(i) && w.is_valid(i) {
                rows.push((
                    b.value(i).to_string(),
                    w.value(i).to_string(),
                    g.value(i).to_string(),
                ));
            }
        }
    }
    if rows.is_empty() {
        return Ok(None);
    }
    BuurtIndex::from_wkt(rows).map(Some)
}

/// Converts every file of the delivery that is not in the contract's own form into a contract
/// CSV in `staging`, CBS map first (the BAG needs its buurten). Returns them by table name, or
/// every problem.
pub(super) fn convert_all(
    project: &Project,
    files: &[PlannedFile],
    staging: &Path,
) -> std::result::Result<BTreeMap<&'static str, Converted>, Vec<FileProblem>> {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    if files.iter().all(|f| f.format == Format::Contract) {
        return Ok(out);
    }
    if let Err(e) = std::fs::create_dir_all(staging) {
        return Err(vec![problem(
            &staging.display().to_string(),
            format!("kan de werkmap niet maken ({e})"),
        )]);
    }
    let mut index: Option<BuurtIndex> = None;
    let mut ordered: Vec<&PlannedFile> = files.iter().collect();
    ordered.sort_by_key(|f| f.table.order);
    for f in ordered {
        let csv = staging.join(format!("{}.csv", f.table.name));
        let result = match f.format {
            Format::Contract => continue,
            Format::CbsGpkg => match gemeente(project) {
                Err(why) => Err(anyhow!(why)),
                Ok(gm) => write_csv(&csv, |w| {
                    let (idx, counts) = gpkg::cbs_buurten_csv(&f.path, &gm, w)?;
                    index = Some(idx);
                    Ok(vec![format!(
                        "CBS wijk- en buurtkaart (GeoPackage), gemeente {gm}: {counts}"
                    )])
                }),
            },
            Format::BagGpkg => {
                let buurten = match index.take() {
                    Some(i) => Ok(Some(i)),
                    None => match files
                        .iter()
                        .find(|c| c.table.name == "cbs_buurt" && c.format == Format::Contract)
                    {
                        Some(c) => buurten_of_file(&c.path),
                        None => buurten_of_project(project),
                    },
                };
                match buurten {
                    Err(e) => Err(e.context("de buurten om de BAG in te delen zijn onbruikbaar")),
                    Ok(None) => Err(anyhow!(
                        "om de BAG uit een GeoPackage in buurten in te delen zijn de buurtgrenzen nodig: lever de CBS wijk- en buurtkaart (GeoPackage) of cbs_buurt met geometrie_wkt in dezelfde levering, of eerder"
                    )),
                    Ok(Some(idx)) => {
                        let r = write_csv(&csv, |w| {
                            let counts = gpkg::bag_csv(&f.path, &idx, w)?;
                            Ok(vec![format!(
                                "BAG van PDOK (GeoPackage, laag verblijfsobject), ingedeeld in {} buurten: {counts}; regelnummers tellen de geschreven objecten (kopregel = 1)",
                                idx.len()
                            )])
                        });
                        index = Some(idx);
                        r
                    }
                }
            }
            Format::HaalCentraal => write_csv(&csv, |w| {
                let counts = haal_centraal::brp_persoon_csv(&f.path, w)?;
                let mut lines = counts.report_lines();
                lines
                    .push("regelnummers tellen de personen in de antwoorden (kopregel = 1)".into());
                Ok(lines)
            }),
        };
        match result {
            Ok(bron) => {
                out.insert(f.table.name, Converted { csv, bron });
            }
            Err(e) => problems.push(refusal(f, &e)),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}
