//! A redelivery never loses a row silently.
//!
//! A new snapshot of a table replaces the current one as a whole. Rows are matched across the
//! two by the table's key ([`loep_contract::Table::key`]) in its analysis form: a BSN as its
//! pseudonym, a date near the birth as coarsened for the store, every other part as stored.
//! Against the previous snapshot each row of the new one is then added, changed or unchanged,
//! and each row of the previous one is either still there, carried over, or removed:
//!
//! - **carried over**: its key is the key of a row the new delivery holds but that was
//!   rejected (a wrong value elsewhere in the row). The previous row stays in force, in the
//!   new snapshot, with its identities and BSN map copied in the vault, and is listed per line
//!   of the rejected row (`overgenomen`), so that the analist sees "gegevens uit de vorige
//!   levering" where it applies;
//! - **removed**: the new delivery does not hold its key at all (the partner left it out of a
//!   valid delivery). The report counts the removals and names the first keys.
//!
//! A rejected row whose key itself cannot be read carries nothing over (there is no way to know
//! which row it was); its line is in the rejects report as always, and if its key was in the
//! previous snapshot, that key is among the removals.
//!
//! Keys and rows are compared as 64-bit keyed hashes (SipHash with a key drawn for the
//! process) of arrow's row format, which encodes every type of the analysis schema exactly.
//! Two different keys share a hash with a chance of about 10⁻⁵ for 18 million rows; the
//! cost of such a collision is one row counted as changed or as still present.

use anyhow::{Context, Result, bail};
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray, new_null_array};
use arrow_row::{RowConverter, SortField};
use arrow_schema::{Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// How many keys of removed rows a report names.
pub const NAMED_REMOVALS: usize = 20;

/// The hasher of this process: one key for every comparison it makes.
fn hasher() -> &'static RandomState {
    static HASHER: OnceLock<RandomState> = OnceLock::new();
    HASHER.get_or_init(RandomState::new)
}

/// The schema of a table's key: the key columns of its analysis schema.
pub fn key_schema(schema: &SchemaRef, key: &[usize]) -> SchemaRef {
    let fields: Vec<_> = key.iter().map(|&i| schema.field(i).clone()).collect();
    Arc::new(Schema::new(fields))
}

fn hashes(columns: &[ArrayRef]) -> Result<Vec<u64>> {
    let fields = columns
        .iter()
        .map(|c| SortField::new(c.data_type().clone()))
        .collect();
    let converter = RowConverter::new(fields)?;
    let rows = converter.convert_columns(columns)?;
    let h = hasher();
    Ok(rows.iter().map(|r| h.hash_one(r.as_ref())).collect())
}

/// For each row of an analysis batch: (hash of its key, hash of the whole row).
pub fn row_hashes(batch: &RecordBatch, key: &[usize]) -> Result<Vec<(u64, u64)>> {
    let keys: Vec<ArrayRef> = key.iter().map(|&i| batch.column(i).clone()).collect();
    Ok(hashes(&keys)?
        .into_iter()
        .zip(hashes(batch.columns())?)
        .collect())
}

/// The hash of each row of a batch that holds only key columns (see [`key_schema`]).
pub fn key_hashes(keys: &RecordBatch) -> Result<Vec<u64>> {
    hashes(keys.columns())
}

/// A batch of an earlier snapshot in the form of `schema`: columns matched by name and cast
/// where the type changed; a column the earlier snapshot did not have is empty where that is
/// allowed. Refused when a required column is missing or a value cannot be cast.
pub fn align(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    if batch.schema().fields() == schema.fields() {
        return Ok(batch.clone());
    }
    let mut columns = Vec::with_capacity(schema.fields().len());
    for f in schema.fields() {
        let col = match batch.column_by_name(f.name()) {
            Some(c) if c.data_type() == f.data_type() => c.clone(),
            Some(c) => arrow_cast::cast(c, f.data_type())
                .with_context(|| format!("kolom {} heeft een ander type", f.name()))?,
            None if f.is_nullable() => new_null_array(f.data_type(), batch.num_rows()),
            None => bail!("kolom {} ontbreekt in de vorige levering", f.name()),
        };
        if !f.is_nullable() && col.null_count() > 0 {
            bail!("kolom {} is leeg in de vorige levering", f.name());
        }
        columns.push(col);
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// The previous snapshot of a table: its analysis file and its files in the vault.
pub struct Previous {
    pub snapshot_id: String,
    pub data: PathBuf,
    pub identity: Option<PathBuf>,
    pub bsn: Option<PathBuf>,
}

/// One previous row kept in force because its row in the new delivery was rejected.
#[derive(Debug, Clone, Serialize)]
pub struct Carried {
    /// The line of the rejected row in the delivered file.
    pub regel: u64,
    /// The key, as the analysis store holds it (a person as the start of their pseudonym).
    pub sleutel: String,
    /// The object the row concerns, when the table has a `vbo_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vbo_id: Option<loep_contract::BagId>,
    /// The person the row concerns (the pseudonym of its `bsn`), when it has one.
    #[serde(skip)]
    pub persoon: Option<String>,
    /// The owner of the row (the pseudonym of its `eigenaar_bsn`), for the project's scope.
    #[serde(skip)]
    pub eigenaar: Option<String>,
    /// The registration the row is (police), for the project's scope.
    #[serde(skip)]
    pub registratie: Option<String>,
}

/// What a new snapshot changes against the previous one.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Changes {
    /// The snapshot compared against.
    pub vorige_snapshot: String,
    pub rijen_toegevoegd: u64,
    pub rijen_gewijzigd: u64,
    pub rijen_ongewijzigd: u64,
    /// Rows of the previous snapshot whose key the new delivery does not hold.
    pub rijen_verwijderd: u64,
    /// The first keys of removed rows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub verwijderd: Vec<String>,
    /// Rows kept in force, one per rejected line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overgenomen: Vec<Carried>,
}

/// Rows and vault records to add to the new snapshot.
pub struct Carry {
    pub data: Option<RecordBatch>,
    pub identities: Option<RecordBatch>,
    pub bsns: Option<RecordBatch>,
}

/// Where a table's columns are in its analysis schema, for [`compare`].
pub struct Columns<'a> {
    pub schema: &'a SchemaRef,
    pub key: &'a [usize],
    pub identity_schema: Option<&'a SchemaRef>,
}

fn read_batches(path: &Path, mut f: impl FnMut(RecordBatch) -> Result<()>) -> Result<()> {
    let file = File::open(path).with_context(|| format!("kan {} niet openen", path.display()))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{} is geen leesbaar Parquet-bestand", path.display()))?
        .with_batch_size(1 << 14)
        .build()?;
    for batch in reader {
        f(batch?)?;
    }
    Ok(())
}

fn text_column(batch: &RecordBatch, name: &str) -> Option<StringArray> {
    let col = batch.column_by_name(name)?;
    let cast = arrow_cast::cast(col, &arrow_schema::DataType::Utf8).ok()?;
    cast.as_any().downcast_ref::<StringArray>().cloned()
}

fn value(col: &Option<StringArray>, i: usize) -> Option<String> {
    col.as_ref()
        .filter(|c| c.is_valid(i))
        .map(|c| c.value(i).to_string())
}

/// The key of row `i` as the report shows it: `kolom=waarde`, a pseudonym shortened.
fn shown_key(keys: &[(String, Option<StringArray>)], i: usize) -> String {
    keys.iter()
        .map(|(name, col)| {
            let v = value(col, i).unwrap_or_default();
            if name.ends_with("pseudoniem") {
                let short: String = v.chars().take(8).collect();
                format!("{name}={short}…")
            } else {
                format!("{name}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compares the previous snapshot with the new rows (`accepted`: key hash to row hash of every
/// kept row) and carries over the previous rows whose key is the key of a rejected row
/// (`rejected`: key hash to line). The carried rows and their vault records go to `send`.
pub fn compare(
    prev: &Previous,
    cols: &Columns<'_>,
    accepted: &FxHashMap<u64, u64>,
    rejected: &FxHashMap<u64, u64>,
    send: &mut dyn FnMut(Carry) -> Result<()>,
) -> Result<Changes> {
    let mut changes = Changes {
        vorige_snapshot: prev.snapshot_id.clone(),
        ..Changes::default()
    };
    let schema = cols.schema;
    let pseudonym_cols: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| n.ends_with("pseudoniem"))
        .collect();
    let has_record_key = schema.fields().iter().any(|f| f.name() == "record_key");
    let mut record_keys: FxHashSet<String> = FxHashSet::default();
    let mut pseudonyms: FxHashSet<String> = FxHashSet::default();
    let mut matched = 0u64;
    read_batches(&prev.data, |batch| {
        let batch = align(&batch, schema).context(
            "de vorige levering van deze tabel heeft een ander formaat en kan niet worden vergeleken",
        )?;
        let hashes = row_hashes(&batch, cols.key)?;
        let mut carry = vec![false; batch.num_rows()];
        let mut removed = Vec::new();
        for (i, (k, row)) in hashes.iter().enumerate() {
            match accepted.get(k) {
                Some(h) => {
                    matched += 1;
                    if h == row {
                        changes.rijen_ongewijzigd += 1;
                    } else {
                        changes.rijen_gewijzigd += 1;
                    }
                }
                None if rejected.contains_key(k) => carry[i] = true,
                None => {
                    changes.rijen_verwijderd += 1;
                    if changes.verwijderd.len() + removed.len() < NAMED_REMOVALS {
                        removed.push(i);
                    }
                }
            }
        }
        if removed.is_empty() && !carry.contains(&true) {
            return Ok(());
        }
        let keys: Vec<(String, Option<StringArray>)> = cols
            .key
            .iter()
            .map(|&c| {
                let name = schema.field(c).name().clone();
                let col = text_column(&batch, &name);
                (name, col)
            })
            .collect();
        for i in removed {
            changes.verwijderd.push(shown_key(&keys, i));
        }
        if !carry.contains(&true) {
            return Ok(());
        }
        let vbo = text_column(&batch, "vbo_id");
        let person = text_column(&batch, "pseudoniem");
        let registration = text_column(&batch, "registratie_id");
        let record_key = text_column(&batch, "record_key");
        let owner = text_column(&batch, "eigenaar_pseudoniem");
        let all_pseudonyms: Vec<Option<StringArray>> = pseudonym_cols
            .iter()
            .map(|n| text_column(&batch, n))
            .collect();
        for (i, _) in carry.iter().enumerate().filter(|(_, c)| **c) {
            let line = rejected.get(&hashes[i].0).copied().unwrap_or_default();
            pseudonyms.extend(all_pseudonyms.iter().filter_map(|c| value(c, i)));
            if has_record_key && let Some(k) = value(&record_key, i) {
                record_keys.insert(k);
            }
            // The snapshot holds the contract's ids, checked when it was loaded.
            let vbo_id = value(&vbo, i)
                .map(|v| loep_contract::BagId::vbo(&v))
                .transpose()
                .map_err(|e| {
                    anyhow::anyhow!("de vorige levering van deze tabel is onleesbaar: vbo_id: {e}")
                })?;
            changes.overgenomen.push(Carried {
                regel: line,
                sleutel: shown_key(&keys, i),
                vbo_id,
                persoon: value(&person, i),
                eigenaar: value(&owner, i),
                registratie: value(&registration, i),
            });
        }
        let mask = BooleanArray::from(carry);
        let rows = arrow_select::filter::filter_record_batch(&batch, &mask)?;
        send(Carry {
            data: Some(rows),
            identities: None,
            bsns: None,
        })
    })?;
    changes.rijen_toegevoegd = (accepted.len() as u64).saturating_sub(matched);
    changes.overgenomen.sort_by_key(|c| c.regel);

    // The carried rows' identities and BSNs, from the previous snapshot's vault files.
    if let (Some(path), Some(id_schema)) = (&prev.identity, cols.identity_schema)
        && !record_keys.is_empty()
    {
        read_batches(path, |batch| {
            let batch = align(&batch, id_schema)?;
            let keys = text_column(&batch, id_schema.field(0).name());
            let mask: BooleanArray = (0..batch.num_rows())
                .map(|i| Some(value(&keys, i).is_some_and(|k| record_keys.contains(&k))))
                .collect();
            if mask.true_count() == 0 {
                return Ok(());
            }
            send(Carry {
                data: None,
                identities: Some(arrow_select::filter::filter_record_batch(&batch, &mask)?),
                bsns: None,
            })
        })?;
    }
    if let Some(path) = &prev.bsn
        && !pseudonyms.is_empty()
    {
        let bsn_schema = loep_vault::format::bsn_schema();
        read_batches(path, |batch| {
            let batch = align(&batch, &bsn_schema)?;
            let keys = text_column(&batch, bsn_schema.field(0).name());
            // Each pair once: the map may hold a pair more than once.
            let mask: BooleanArray = (0..batch.num_rows())
                .map(|i| Some(value(&keys, i).is_some_and(|k| pseudonyms.remove(&k))))
                .collect();
            if mask.true_count() == 0 {
                return Ok(());
            }
            send(Carry {
                data: None,
                identities: None,
                bsns: Some(arrow_select::filter::filter_record_batch(&batch, &mask)?),
            })
        })?;
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Date32Array, Int64Array};
    use arrow_schema::{DataType, Field};

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("pseudoniem", DataType::Utf8, false),
            Field::new("jaar", DataType::Int64, false),
            Field::new("ingang", DataType::Date32, true),
            Field::new("bedrag", DataType::Int64, true),
        ]))
    }

    fn batch(rows: &[(&str, i64, Option<i32>, Option<i64>)]) -> RecordBatch {
        RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
                Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.1))),
                Arc::new(Date32Array::from_iter(rows.iter().map(|r| r.2))),
                Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.3))),
            ],
        )
        .unwrap()
    }

    #[test]
    fn a_key_hashes_alike_alone_and_in_its_row_and_rows_tell_changes_apart() {
        let b = batch(&[
            ("aa", 2024, Some(1), Some(5)),
            ("aa", 2024, Some(1), Some(6)),
            ("aa", 2025, Some(1), Some(5)),
            ("aa", 2024, None, Some(5)),
        ]);
        let key = [0, 1, 2];
        let rows = row_hashes(&b, &key).unwrap();
        // Same key, another amount: one key, two rows.
        assert_eq!(rows[0].0, rows[1].0);
        assert_ne!(rows[0].1, rows[1].1);
        // Another year, or an unknown date: another key.
        assert_ne!(rows[0].0, rows[2].0);
        assert_ne!(rows[0].0, rows[3].0);
        let keys_only = b.project(&key).unwrap();
        let alone = key_hashes(&keys_only).unwrap();
        assert_eq!(
            alone,
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "a rejected row's key must hash as the same key in a kept row"
        );
    }

    #[test]
    fn an_older_snapshot_is_read_in_the_new_form_or_refused() {
        let old = RecordBatch::try_new(
            Arc::new(Schema::new(vec![
                Field::new("jaar", DataType::Int32, false),
                Field::new("pseudoniem", DataType::Utf8, false),
            ])),
            vec![
                Arc::new(arrow_array::Int32Array::from(vec![2024])),
                Arc::new(StringArray::from(vec!["aa"])),
            ],
        )
        .unwrap();
        let aligned = align(&old, &schema()).unwrap();
        assert_eq!(aligned.schema(), schema());
        assert_eq!(
            aligned.column(2).null_count(),
            1,
            "a new optional column is empty"
        );
        let strict = Arc::new(Schema::new(vec![Field::new(
            "nieuw",
            DataType::Utf8,
            false,
        )]));
        let e = align(&old, &strict).unwrap_err().to_string();
        assert!(e.contains("nieuw") && e.contains("ontbreekt"), "{e}");
    }
}
