//! The demo's reports: the files a project team sends around and opens in Excel, QGIS, Power
//! BI or a browser, written by the same use cases as `loep signals --format …`,
//! `loep fairness --out` and `loep evaluate --out`.

use anyhow::Result;
use loep_app::Session;
use loep_app::scan::SignalFilter;
use std::path::{Path, PathBuf};

use crate::scan_cmd::Format;

/// The demo directory's folder of reports.
pub const DIR: &str = "rapporten";

/// Writes every report of scan `run_id` into `dir/rapporten/` and returns the files written.
pub fn run(dir: &Path, truth: &Path, run_id: &str, session: &Session) -> Result<Vec<PathBuf>> {
    let out = dir.join(DIR);
    std::fs::create_dir_all(&out)?;
    let listing = loep_app::scan::listing(
        session,
        &SignalFilter {
            run: Some(run_id.to_string()),
            ..SignalFilter::default()
        },
    )?;
    let mut files = Vec::new();
    for (name, format) in [
        ("signalen.xlsx", Format::Xlsx),
        ("signalen.csv", Format::CsvNl),
        ("adressen.geojson", Format::Geojson),
        ("buurten.geojson", Format::GeojsonBuurten),
        ("signalen.parquet", Format::Parquet),
        ("adressen.parquet", Format::ParquetAdressen),
        ("kaart.svg", Format::Kaart),
    ] {
        let path = out.join(name);
        crate::scan_cmd::write_export_file(&listing, format, &path)?;
        files.push(path);
    }
    files.extend(loep_app::scan::fairness_report(session, Some(run_id), &out)?.files);
    files.extend(loep_app::scan::quality_report(session, truth, Some(run_id), &out)?.files);
    Ok(files)
}
