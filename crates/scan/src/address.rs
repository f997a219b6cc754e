//! Addresses written out for people: `Kerkstraat 12A-2, 2011AB` and the buurt's name beside
//! the 16-digit BAG id, from the current `bag_verblijfsobject` and `cbs_buurt` snapshots.
//!
//! One pass over each snapshot, reading only the address columns, keeping only the objects
//! asked for: a list of 100,000 signals costs one read of the BAG, not one per signal. The BAG
//! and the CBS buurten are open data: no personal data is read here.

use anyhow::{Context, Result};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::engine::Sources;

/// One verblijfsobject's address, as the BAG delivers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Address {
    /// Written out: street, number, letter and toevoeging, postcode (`Kerkstraat 12A-2, 2011AB`).
    pub adres: String,
    pub openbare_ruimte: String,
    pub huisnummer: Option<i64>,
    pub huisletter: Option<String>,
    pub huisnummertoevoeging: Option<String>,
    pub postcode: Option<String>,
    pub woonplaats: Option<String>,
    pub buurtcode: Option<String>,
    /// RD coordinates (EPSG:28992, metres) when the BAG delivery has them.
    pub rd_x: Option<f64>,
    pub rd_y: Option<f64>,
}

/// One CBS buurt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Buurt {
    pub buurtcode: String,
    pub buurtnaam: String,
    pub wijkcode: Option<String>,
    pub wijknaam: Option<String>,
    /// POLYGON or MULTIPOLYGON in WKT, EPSG:28992, when delivered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geometrie_wkt: Option<String>,
}

/// The addresses of the objects asked for, and every buurt of the project.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Addresses {
    /// vbo_id → address.
    pub objecten: HashMap<String, Address>,
    /// buurtcode → buurt.
    pub buurten: BTreeMap<String, Buurt>,
    /// buurtcode → number of verblijfsobjecten the BAG holds there (all, not only those asked
    /// for): the denominator of a rate per 1,000 addresses.
    pub objecten_per_buurt: BTreeMap<String, u64>,
}

impl Address {
    /// Written out with its place, as a letter or a visit sheet writes it
    /// (`Kerkstraat 12A-2, 2011AB Haarlem`).
    pub fn met_plaats(&self) -> String {
        match &self.woonplaats {
            Some(w) => format!("{} {w}", self.adres),
            None => self.adres.clone(),
        }
    }
}

/// What the address book is looked up by: a verblijfsobject's id, as the contract's `BagId`
/// or as its 16 digits (a row of a snapshot).
pub trait ObjectKey {
    fn key(&self) -> std::borrow::Cow<'_, str>;
}

impl ObjectKey for str {
    fn key(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(self)
    }
}

impl ObjectKey for String {
    fn key(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(self)
    }
}

impl ObjectKey for loep_contract::BagId {
    fn key(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(self.to_string())
    }
}

impl Addresses {
    pub fn get(&self, vbo_id: &(impl ObjectKey + ?Sized)) -> Option<&Address> {
        self.objecten.get(vbo_id.key().as_ref())
    }

    /// The address written out, or `None` when the BAG does not hold the object.
    pub fn adres(&self, vbo_id: &(impl ObjectKey + ?Sized)) -> Option<&str> {
        self.get(vbo_id).map(|a| a.adres.as_str())
    }

    /// The buurt's name by its code.
    pub fn buurtnaam(&self, buurtcode: Option<&str>) -> Option<&str> {
        buurtcode
            .and_then(|b| self.buurten.get(b))
            .map(|b| b.buurtnaam.as_str())
    }

    /// The buurt of an object: the code the scan recorded, else the BAG's.
    pub fn buurt_of<'a>(
        &'a self,
        vbo_id: &(impl ObjectKey + ?Sized),
        recorded: Option<&'a str>,
    ) -> Option<&'a str> {
        recorded.or_else(|| self.get(vbo_id).and_then(|a| a.buurtcode.as_deref()))
    }
}

/// `Kerkstraat 12A-2, 2011AB`: the number with its letter attached, a toevoeging after a
/// hyphen (as PostNL writes it when letter and toevoeging meet), then the postcode.
pub fn format_address(
    straat: &str,
    huisnummer: Option<i64>,
    huisletter: Option<&str>,
    toevoeging: Option<&str>,
    postcode: Option<&str>,
) -> String {
    let mut s = straat.trim().to_string();
    if let Some(n) = huisnummer {
        s.push(' ');
        s.push_str(&n.to_string());
        if let Some(l) = huisletter.filter(|l| !l.is_empty()) {
            s.push_str(&l.to_uppercase());
        }
        if let Some(t) = toevoeging.filter(|t| !t.is_empty()) {
            s.push('-');
            s.push_str(&t.to_uppercase());
        }
    }
    if let Some(pc) = postcode.filter(|p| !p.is_empty()) {
        s.push_str(", ");
        s.push_str(pc);
    }
    s
}

/// What the BAG says of an object besides its address: what it is for, its floor area, when
/// it was built and the building it is in (the address page).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BagFeiten {
    /// `woonfunctie`, `winkelfunctie`, …: every use the BAG registers, in its order.
    pub gebruiksdoelen: Vec<String>,
    /// Square metres.
    pub oppervlakte: Option<i64>,
    pub bouwjaar: Option<i64>,
    pub pand_id: Option<String>,
}

/// The BAG facts of the objects for which `wanted` holds, from the current snapshot: one
/// pass, reading only these columns.
pub fn bag_facts(
    sources: &Sources,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<HashMap<String, BagFeiten>> {
    let mut out = HashMap::new();
    let Some((_, path)) = sources.tables.get("bag_verblijfsobject") else {
        return Ok(out);
    };
    read(
        path,
        &[
            "vbo_id",
            "gebruiksdoelen",
            "oppervlakte",
            "bouwjaar",
            "pand_id",
        ],
        |batch| {
            let vbo = text(batch, "vbo_id")?;
            let doelen = text(batch, "gebruiksdoelen")?;
            let opp = int(batch, "oppervlakte")?;
            let jaar = int(batch, "bouwjaar")?;
            let pand = text(batch, "pand_id")?;
            for i in 0..batch.num_rows() {
                let Some(id) = vbo.get(i).filter(|v| wanted(v)) else {
                    continue;
                };
                out.insert(
                    id.to_string(),
                    BagFeiten {
                        gebruiksdoelen: doelen
                            .get(i)
                            .unwrap_or_default()
                            .split('|')
                            .map(str::trim)
                            .filter(|d| !d.is_empty())
                            .map(str::to_string)
                            .collect(),
                        oppervlakte: opp(i),
                        bouwjaar: jaar(i),
                        pand_id: pand.owned(i),
                    },
                );
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// The addresses of the objects for which `wanted` holds, and all buurten, from the current
/// snapshots. A project without a BAG (or without `cbs_buurt`) gives empty maps: lists then
/// show the id alone.
pub fn addresses(sources: &Sources, wanted: &dyn Fn(&str) -> bool) -> Result<Addresses> {
    let mut out = Addresses::default();
    if let Some((_, path)) = sources.tables.get("bag_verblijfsobject") {
        read(
            path,
            &[
                "vbo_id",
                "openbare_ruimte",
                "huisnummer",
                "huisletter",
                "huisnummertoevoeging",
                "postcode",
                "woonplaats",
                "buurtcode",
                "rd_x",
                "rd_y",
            ],
            |batch| {
                let vbo = text(batch, "vbo_id")?;
                let straat = text(batch, "openbare_ruimte")?;
                let nr = int(batch, "huisnummer")?;
                let letter = text(batch, "huisletter")?;
                let toev = text(batch, "huisnummertoevoeging")?;
                let pc = text(batch, "postcode")?;
                let wp = text(batch, "woonplaats")?;
                let bu = text(batch, "buurtcode")?;
                let x = float(batch, "rd_x")?;
                let y = float(batch, "rd_y")?;
                for i in 0..batch.num_rows() {
                    let Some(id) = vbo.get(i) else { continue };
                    if let Some(b) = bu.get(i) {
                        *out.objecten_per_buurt.entry(b.to_string()).or_default() += 1;
                    }
                    if !wanted(id) {
                        continue;
                    }
                    let street = straat.get(i).unwrap_or_default();
                    let a = Address {
                        adres: format_address(street, nr(i), letter.get(i), toev.get(i), pc.get(i)),
                        openbare_ruimte: street.to_string(),
                        huisnummer: nr(i),
                        huisletter: letter.owned(i),
                        huisnummertoevoeging: toev.owned(i),
                        postcode: pc.owned(i),
                        woonplaats: wp.owned(i),
                        buurtcode: bu.owned(i),
                        rd_x: x(i),
                        rd_y: y(i),
                    };
                    out.objecten.insert(id.to_string(), a);
                }
                Ok(())
            },
        )?;
    }
    if let Some((_, path)) = sources.tables.get("cbs_buurt") {
        read(
            path,
            &[
                "buurtcode",
                "buurtnaam",
                "wijkcode",
                "wijknaam",
                "geometrie_wkt",
            ],
            |batch| {
                let code = text(batch, "buurtcode")?;
                let naam = text(batch, "buurtnaam")?;
                let wk = text(batch, "wijkcode")?;
                let wn = text(batch, "wijknaam")?;
                let geo = text(batch, "geometrie_wkt")?;
                for i in 0..batch.num_rows() {
                    let Some(c) = code.get(i) else { continue };
                    out.buurten.insert(
                        c.to_string(),
                        Buurt {
                            buurtcode: c.to_string(),
                            buurtnaam: naam.get(i).unwrap_or(c).to_string(),
                            wijkcode: wk.owned(i),
                            wijknaam: wn.owned(i),
                            geometrie_wkt: geo.owned(i),
                        },
                    );
                }
                Ok(())
            },
        )?;
    }
    Ok(out)
}

/// Reads the `columns` of a Parquet snapshot that it has (an optional column may be absent in
/// an older file), batch by batch.
pub(crate) fn read(
    path: &Path,
    columns: &[&str],
    mut each: impl FnMut(&RecordBatch) -> Result<()>,
) -> Result<()> {
    let file =
        std::fs::File::open(path).with_context(|| format!("kan {} niet openen", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("kan {} niet lezen", path.display()))?;
    let schema = builder.schema().clone();
    let indices: Vec<usize> = columns
        .iter()
        .filter_map(|c| schema.index_of(c).ok())
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), indices);
    let reader = builder
        .with_projection(mask)
        .build()
        .with_context(|| format!("kan {} niet lezen", path.display()))?;
    for batch in reader {
        let batch = batch.with_context(|| format!("kan {} niet lezen", path.display()))?;
        each(&batch)?;
    }
    Ok(())
}

/// A text column (any type cast to text); all nulls when the file lacks it.
pub(crate) struct Text(Option<ArrayRef>);

impl Text {
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let a = self.0.as_ref()?;
        let s = a.as_string::<i32>();
        (!s.is_null(i)).then(|| s.value(i))
    }

    fn owned(&self, i: usize) -> Option<String> {
        self.get(i).filter(|s| !s.is_empty()).map(str::to_string)
    }
}

fn column(batch: &RecordBatch, name: &str, ty: &DataType) -> Result<Option<ArrayRef>> {
    batch
        .column_by_name(name)
        .map(|c| datafusion::arrow::compute::cast(c, ty).with_context(|| format!("kolom {name}")))
        .transpose()
}

pub(crate) fn text(batch: &RecordBatch, name: &str) -> Result<Text> {
    Ok(Text(column(batch, name, &DataType::Utf8)?))
}

pub(crate) fn int(batch: &RecordBatch, name: &str) -> Result<impl Fn(usize) -> Option<i64>> {
    let c = column(batch, name, &DataType::Int64)?;
    Ok(move |i: usize| {
        let a = c
            .as_ref()?
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        (!a.is_null(i)).then(|| a.value(i))
    })
}

fn float(batch: &RecordBatch, name: &str) -> Result<impl Fn(usize) -> Option<f64>> {
    let c = column(batch, name, &DataType::Float64)?;
    Ok(move |i: usize| {
        let a = c.as_ref()?.as_primitive::<Float64Type>();
        (!a.is_null(i)).then(|| a.value(i))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_written_as_the_post_writes_it() {
        assert_eq!(
            format_address("Kerkstraat", Some(12), Some("a"), None, Some("2011AB")),
            "Kerkstraat 12A, 2011AB"
        );
        assert_eq!(
            format_address("Kerkstraat", Some(14), None, Some("2"), Some("2011AB")),
            "Kerkstraat 14-2, 2011AB"
        );
        assert_eq!(
            format_address("Molenweg", Some(3), Some("B"), Some("bis"), None),
            "Molenweg 3B-BIS"
        );
    }
}
