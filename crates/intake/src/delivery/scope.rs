//! The project area: the scope keys the current snapshots define (which objects, persons,
//! owners and police registrations belong to the area), and the scope files a new snapshot
//! leaves beside it so that later deliveries see the same scope.

use anyhow::{Context, Result};
use arrow_array::{Array, RecordBatch, StringArray};
use loep_contract::Datum;
use loep_store::deliveries;
use loep_store::{Project, Pseudonym};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rustc_hash::{FxHashMap, FxHashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::sinks::{close_writer, parquet_writer};
use crate::validate::{Scope, pseudonym_hex};

/// The column of a scope file.
const SCOPE_COLUMN: &str = "sleutel";

/// Calls `f` for every value of one text column of a Parquet file, batch by batch, so that no
/// copy of the whole column is held.
fn for_each_value(path: &Path, column: &str, mut f: impl FnMut(&str)) -> Result<()> {
    let file = File::open(path).with_context(|| format!("{} ontbreekt", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
    let Some(idx) = builder
        .schema()
        .fields()
        .iter()
        .position(|f| f.name() == column)
    else {
        return Ok(());
    };
    let mask = ProjectionMask::roots(builder.parquet_schema(), [idx]);
    for batch in builder.with_projection(mask).build()? {
        let batch = batch?;
        let col = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .with_context(|| format!("{column} in {} is geen tekst", path.display()))?;
        col.iter().flatten().for_each(&mut f);
    }
    Ok(())
}

fn pseudonym_from_hex(s: &str) -> Option<Pseudonym> {
    let v = hex::decode(s).ok()?;
    v.try_into().ok()
}

/// Calls `f` for every key in the scope file of a table's current snapshot.
fn for_each_scope_key(project: &Project, table: &str, f: impl FnMut(&str)) -> Result<()> {
    match deliveries::current_snapshot(project.db(), table)?.and_then(|s| s.scope_pad) {
        Some(rel) => for_each_value(&project.layout.dir.join(rel), SCOPE_COLUMN, f),
        None => Ok(()),
    }
}

/// The scope of the project as its current snapshots define it.
pub(super) fn load_scope(project: &Project) -> Result<Scope> {
    let mut scope = Scope {
        area: project.config.area()?,
        ..Scope::default()
    };
    for_each_scope_key(project, "bag_verblijfsobject", |s| {
        scope.objects.extend(s.parse::<u64>().ok());
    })?;
    for_each_scope_key(project, "pol_registratie", |s| {
        scope.registrations.insert(s.to_string());
    })?;
    let set = |t: &str| -> Result<FxHashSet<Pseudonym>> {
        let mut set = FxHashSet::default();
        for_each_scope_key(project, t, |s| set.extend(pseudonym_from_hex(s)))?;
        Ok(set)
    };
    scope.brp = set("brp_persoon")?;
    scope.owners_kad = set("kad_eigendom")?;
    scope.owners_kvk = set("kvk_vestiging")?;
    Ok(scope)
}

/// The birth date of every person in a BRP identity file (staged or in the vault), by
/// pseudonym.
pub(super) fn birth_dates(identity: &Path) -> Result<FxHashMap<Pseudonym, Datum>> {
    let mut births = FxHashMap::default();
    loep_vault::format::for_each_row(identity, &["record_key", "geboortedatum"], |r| {
        if let (Some(p), Some(Ok(d))) = (
            r[0].and_then(pseudonym_from_hex),
            r[1].map(Datum::parse_partial),
        ) {
            births.insert(p, d);
        }
        Ok(())
    })?;
    Ok(births)
}

/// Writes the scope keys a table defines, one per row of a single text column.
fn write_scope_file(path: &Path, keys: impl Iterator<Item = String>) -> Result<()> {
    let schema = Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
        SCOPE_COLUMN,
        arrow_schema::DataType::Utf8,
        false,
    )]));
    let mut w = parquet_writer(path, schema.clone())?;
    // In batches, so that the keys are never all held as text at once.
    let mut keys = keys.peekable();
    while keys.peek().is_some() {
        let col = StringArray::from_iter_values(keys.by_ref().take(1 << 16));
        w.write(&RecordBatch::try_new(schema.clone(), vec![Arc::new(col)])?)?;
    }
    close_writer(w)
}

/// The scope keys a table defines, gathered as its chunks come in.
#[derive(Default)]
pub(super) struct NewKeys {
    pub(super) objects: FxHashSet<u64>,
    pub(super) rejected_addresses: Vec<loep_linkage::BagAddress>,
    pub(super) persons: FxHashSet<Pseudonym>,
    pub(super) owners: FxHashSet<Pseudonym>,
    pub(super) registrations: std::collections::HashSet<String>,
}

/// A pseudonym from its 32 hex digits.
fn pseudonym_of(hex: &str) -> Option<Pseudonym> {
    let bytes = hex::decode(hex).ok()?;
    bytes.try_into().ok()
}

impl NewKeys {
    /// Adds the keys a chunk of rows defines.
    pub(super) fn add(&mut self, keys: crate::validate::ScopeKeys) {
        self.objects.extend(keys.objects);
        self.rejected_addresses.extend(keys.rejected_addresses);
        self.persons.extend(keys.persons);
        self.owners.extend(keys.owners);
        self.registrations.extend(keys.registrations);
    }

    /// What rows carried over from the previous snapshot define for the project's scope: the
    /// same as their rejected rows would have, had they been valid.
    pub(super) fn carried(&mut self, table: &loep_contract::Table, rows: &[crate::carry::Carried]) {
        for r in rows {
            match table.scope {
                loep_contract::ScopeRule::Object => self
                    .objects
                    .extend(r.vbo_id.map(loep_contract::BagId::value)),
                loep_contract::ScopeRule::Brp => self
                    .persons
                    .extend(r.persoon.as_deref().and_then(pseudonym_of)),
                loep_contract::ScopeRule::Registration => {
                    self.registrations.extend(r.registratie.clone())
                }
                _ => {}
            }
            self.owners
                .extend(r.eigenaar.as_deref().and_then(pseudonym_of));
        }
    }
}

/// Keeps what table `name` defines for the tables after it: writes its scope file into
/// `staging` (returned as the staged path and `rel`, its final path in the project), and makes
/// its keys the scope for the rest of this delivery.
pub(super) fn keep(
    name: &str,
    keys: NewKeys,
    staging: &Path,
    rel: String,
    scope: &mut Scope,
) -> Result<Option<(PathBuf, String)>> {
    // Kept beside the snapshot so that later deliveries see the same scope.
    let path = staging.join(format!("{name}.scope.parquet"));
    let written = match name {
        "bag_verblijfsobject" => {
            write_scope_file(&path, keys.objects.iter().map(|o| format!("{o:016}")))?;
            true
        }
        "pol_registratie" => {
            write_scope_file(&path, keys.registrations.iter().cloned())?;
            true
        }
        "brp_persoon" => {
            write_scope_file(&path, keys.persons.iter().map(pseudonym_hex))?;
            true
        }
        "kad_eigendom" | "kvk_vestiging" => {
            write_scope_file(&path, keys.owners.iter().map(pseudonym_hex))?;
            true
        }
        _ => false,
    };
    match name {
        "bag_verblijfsobject" => {
            scope.objects = keys.objects;
            scope.rejected_addresses = keys.rejected_addresses;
        }
        "pol_registratie" => scope.registrations = keys.registrations,
        "brp_persoon" => scope.brp = keys.persons,
        "kad_eigendom" => scope.owners_kad = keys.owners,
        "kvk_vestiging" => scope.owners_kvk = keys.owners,
        _ => {}
    }
    Ok(written.then_some((path, rel)))
}
