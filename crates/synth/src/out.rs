//! Writing the tables of a generated delivery: one CSV per contract table, in contract column
//! order, with optional planted invalid values that are listed in `truth/dirty.csv`.

use anyhow::{Context, Result};
use loep_contract::{TABLES, Table};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use crate::bulk::Rng;

/// An invalid value that can be planted in a column, and why intake must refuse it.
pub struct Corruption {
    pub column: &'static str,
    pub value: &'static str,
    pub reason: &'static str,
}

macro_rules! bad {
    ($column:expr, $value:expr, $reason:expr) => {
        Corruption {
            column: $column,
            value: $value,
            reason: $reason,
        }
    };
}

/// Columns that may be corrupted per table. Keys that decide the project scope (BSNs,
/// `vbo_id`, buurtcode, registratie_id) are never corrupted, so that a dirty row is rejected
/// by itself and never takes other rows out of the area.
fn corruptions(table: &str) -> &'static [Corruption] {
    match table {
        "bag_verblijfsobject" => &[
            bad!("postcode", "0123AB", "postcode begint met 0"),
            bad!("oppervlakte", "-40", "negatieve oppervlakte"),
            bad!("huisnummer", "0", "huisnummer 0"),
        ],
        "kad_eigendom" => &[
            bad!("datum_verkrijging", "2023-02-30", "onmogelijke datum"),
            bad!(
                "koopsom",
                "250.000,00",
                "bedrag met scheidingsteken voor duizendtallen"
            ),
        ],
        "kvk_vestiging" => &[bad!("rechtsvorm", "holding", "onbekende rechtsvorm")],
        "brp_persoon" => &[
            bad!("geslacht", "X", "onbekend geslacht"),
            bad!("geboortedatum", "1980-02-30", "onmogelijke datum"),
        ],
        "brp_verblijf_historie" => &[bad!("functie_adres", "Z", "onbekende functie_adres")],
        "bd_inkomen" => &[bad!("verzamelinkomen", "ca. 30000", "geen bedrag")],
        "bd_toeslag" => &[bad!("regeling", "huursubsidie", "onbekende regeling")],
        "svb_uitkering" => &[bad!("leefvorm", "gehuwd", "onbekende leefvorm")],
        "uwv_uitkering" => &[bad!("regeling", "bijstand", "onbekende regeling")],
        "uwv_dienstverband" => &[
            bad!(
                "loonheffingennummer",
                "12345L01",
                "loonheffingennummer te kort"
            ),
            bad!("periode", "2025-13", "maand 13"),
        ],
        "gem_bijstand" => &[bad!("norm", "samenwonend", "onbekende norm")],
        "wc_huurcontract" => &[bad!("sociale_huur", "misschien", "niet ja of nee")],
        "nuts_verbruik" => &[bad!("elektriciteit_kwh", "-5", "negatief verbruik")],
        "pol_registratie" => &[bad!("categorie", "diefstal", "onbekende categorie")],
        "pol_betrokkene" => &[bad!("rol", "dader", "onbekende rol")],
        "melding" => &[bad!("anoniem", "onbekend", "niet ja of nee")],
        _ => &[],
    }
}

/// The tables that come from national registers as published (BAG, CBS buurten, BRP).
const REGISTERS: [&str; 3] = ["bag_verblijfsobject", "cbs_buurt", "brp_persoon"];

/// One table being written.
pub struct TableOut {
    pub table: &'static Table,
    w: csv::Writer<BufWriter<File>>,
    /// The line the next row goes to (the header is line 1).
    line: u64,
    pub rows: u64,
}

/// All tables of a delivery, the dirty list, and the dirty rate.
pub struct Delivery {
    pub tables: Vec<TableOut>,
    dirty: csv::Writer<BufWriter<File>>,
    rate: f64,
    /// Tables that get no dirt (see `Options::clean_registers`).
    clean: &'static [&'static str],
    /// Dirt has its own random stream: the clean data is the same at every rate.
    rng: Rng,
    pub dirty_rows: u64,
}

fn writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>> {
    let f = File::create(path).with_context(|| format!("kan {} niet aanmaken", path.display()))?;
    Ok(csv::Writer::from_writer(BufWriter::with_capacity(
        1 << 20,
        f,
    )))
}

impl Delivery {
    pub fn create(
        levering: &Path,
        truth: &Path,
        rate: f64,
        seed: u64,
        clean_registers: bool,
    ) -> Result<Delivery> {
        let mut tables = Vec::new();
        for t in TABLES {
            let mut w = writer(&levering.join(format!("{}.csv", t.name)))?;
            w.write_record(t.columns.iter().map(|c| c.name))?;
            tables.push(TableOut {
                table: t,
                w,
                line: 2,
                rows: 0,
            });
        }
        let mut dirty = writer(&truth.join("dirty.csv"))?;
        dirty.write_record(["table", "line", "column", "reason"])?;
        Ok(Delivery {
            tables,
            dirty,
            rate,
            clean: if clean_registers { &REGISTERS } else { &[] },
            rng: Rng::new(seed ^ 0xD1A7),
            dirty_rows: 0,
        })
    }

    fn index(name: &str) -> usize {
        TABLES.iter().position(|t| t.name == name).unwrap_or(0)
    }

    /// Writes one row; `fields` are in contract column order. Returns the row's line number.
    pub fn row(&mut self, table: &str, fields: &mut [String]) -> Result<u64> {
        let t = &mut self.tables[Self::index(table)];
        let line = t.line;
        let options = if self.clean.contains(&table) {
            &[]
        } else {
            corruptions(table)
        };
        if self.rate > 0.0 && !options.is_empty() && self.rng.unit() < self.rate {
            let c = &options[self.rng.below(options.len() as u64) as usize];
            if let Some(i) = t.table.columns.iter().position(|col| col.name == c.column) {
                fields[i] = c.value.to_string();
                self.dirty
                    .write_record([table, &line.to_string(), c.column, c.reason])?;
                self.dirty_rows += 1;
            }
        }
        t.w.write_record(fields.iter())?;
        t.line += 1;
        t.rows += 1;
        Ok(line)
    }

    pub fn finish(self) -> Result<Vec<(&'static str, u64)>> {
        let mut counts = Vec::new();
        for mut t in self.tables {
            t.w.flush()?;
            counts.push((t.table.name, t.rows));
        }
        let mut d = self.dirty;
        d.flush()?;
        Ok(counts)
    }
}

/// A truth file of `truth/`.
pub struct Truth {
    w: csv::Writer<BufWriter<File>>,
}

impl Truth {
    pub fn create(dir: &Path, name: &str, header: &[&str]) -> Result<Truth> {
        let mut w = writer(&dir.join(name))?;
        w.write_record(header)?;
        Ok(Truth { w })
    }
    pub fn write(&mut self, fields: &[&str]) -> Result<()> {
        self.w.write_record(fields)?;
        Ok(())
    }
    pub fn finish(mut self) -> Result<()> {
        self.w.flush()?;
        Ok(())
    }
}
