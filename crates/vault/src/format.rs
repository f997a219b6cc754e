//! The vault's file format: Parquet files of text columns, one per snapshot and kind
//! (`identiteit`: `record_key` and the table's identifying columns; `bsn`: `pseudoniem`, `bsn`).
//! The schemas are defined here, for the intake that writes them, and so is the one reader for
//! every use (reveal, access request, linkage at the boundary, retention).

use anyhow::{Context, Result};
use arrow_array::{Array, ArrayRef, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use loep_contract::{Handling, Table};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// The kind of a vault file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Soort {
    /// Names and full birth dates, keyed by `record_key`.
    Identiteit,
    /// Pseudonym to BSN.
    Bsn,
}

impl Soort {
    pub fn as_str(self) -> &'static str {
        match self {
            Soort::Identiteit => "identiteit",
            Soort::Bsn => "bsn",
        }
    }

    /// The column that says whose a row is.
    pub fn key_column(self) -> &'static str {
        match self {
            Soort::Identiteit => "record_key",
            Soort::Bsn => "pseudoniem",
        }
    }
}

/// The columns of the BRP's identity file that identify a person, after `record_key`: what a
/// reveal shows and what the linkage compares.
pub const BRP_IDENTITY: [&str; 5] = [
    "record_key",
    "voornamen",
    "voorvoegsel",
    "geslachtsnaam",
    "geboortedatum",
];

/// The schema of a table's identity file: `record_key`, then every column the contract keeps
/// only in the vault (names, full dates of birth), as text; `None` when the table has none.
pub fn identity_schema(table: &Table) -> Option<SchemaRef> {
    let cols: Vec<Field> = table
        .columns
        .iter()
        .filter(|c| {
            matches!(
                c.handling,
                Handling::VaultOnly | Handling::BirthYear | Handling::Topics
            )
        })
        .map(|c| Field::new(c.name, DataType::Utf8, true))
        .collect();
    if cols.is_empty() {
        return None;
    }
    let mut fields = vec![Field::new(
        Soort::Identiteit.key_column(),
        DataType::Utf8,
        false,
    )];
    fields.extend(cols);
    Some(Arc::new(Schema::new(fields)))
}

/// The schema of a BSN map: pseudonym to BSN.
pub fn bsn_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(Soort::Bsn.key_column(), DataType::Utf8, false),
        Field::new("bsn", DataType::Utf8, false),
    ]))
}

/// Calls `f` with the values (as text; `None` when null) of `columns` of every row of the
/// Parquet file at `path`.
pub fn for_each_row(
    path: &Path,
    columns: &[&str],
    mut f: impl FnMut(&[Option<&str>]) -> Result<()>,
) -> Result<()> {
    let file = File::open(path).with_context(|| format!("{} ontbreekt", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{} is geen leesbaar Parquet-bestand", path.display()))?;
    let schema = builder.schema().clone();
    let indices: Vec<usize> = columns
        .iter()
        .map(|c| {
            schema
                .fields()
                .iter()
                .position(|f| f.name() == c)
                .with_context(|| format!("{} heeft geen kolom {c}", path.display()))
        })
        .collect::<Result<_>>()?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), indices.iter().copied());
    for batch in builder.with_projection(mask).build()? {
        let batch = batch?;
        let texts: Vec<ArrayRef> = columns
            .iter()
            .map(|c| -> Result<ArrayRef> {
                let col = batch
                    .column_by_name(c)
                    .with_context(|| format!("{} mist kolom {c}", path.display()))?;
                Ok(arrow_cast::cast(col, &DataType::Utf8)?)
            })
            .collect::<Result<_>>()?;
        let texts: Vec<&StringArray> = texts
            .iter()
            .map(|a| {
                a.as_any()
                    .downcast_ref::<StringArray>()
                    .context("een kolom omgezet naar tekst is geen tekst")
            })
            .collect::<Result<_>>()?;
        let mut row: Vec<Option<&str>> = vec![None; columns.len()];
        for i in 0..batch.num_rows() {
            for (slot, col) in row.iter_mut().zip(&texts) {
                *slot = (!col.is_null(i)).then(|| col.value(i));
            }
            f(&row)?;
        }
    }
    Ok(())
}

/// The column names of the Parquet file at `path`.
pub fn columns(path: &Path) -> Result<Vec<String>> {
    let file = File::open(path).with_context(|| format!("{} ontbreekt", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{} is geen leesbaar Parquet-bestand", path.display()))?;
    Ok(builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect())
}
