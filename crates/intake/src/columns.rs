//! The analysis-store form of each table: its Arrow schema, and builders that turn validated
//! rows into record batches.

use anyhow::Result;
use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder, Int32Builder,
    Int64Builder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use loep_contract::{Column, ColumnType, Handling, Table, Value};
use std::sync::Arc;

/// The Arrow type a column has in the analysis store.
pub fn analysis_type(col: &Column) -> DataType {
    match (col.handling, col.ty) {
        (Handling::BirthYear, _) => DataType::Int32,
        (Handling::Pseudonym, _) => DataType::Utf8,
        (_, ColumnType::Huisnummer | ColumnType::Int(..)) => DataType::Int64,
        (_, ColumnType::Datum) => DataType::Date32,
        (_, ColumnType::Bedrag | ColumnType::BedragSigned) => DataType::Decimal128(18, 2),
        (_, ColumnType::Quantity(_)) => DataType::Float64,
        (_, ColumnType::JaNee) => DataType::Boolean,
        _ => DataType::Utf8,
    }
}

/// The analysis schema: kept columns in contract order (pseudonyms and birth years renamed,
/// vault-only columns left out), then `record_key` for tables whose identities live in the vault.
pub fn analysis_schema(table: &Table) -> SchemaRef {
    let mut fields: Vec<Field> = table
        .columns
        .iter()
        .filter_map(|c| {
            c.analysis_name()
                .map(|n| Field::new(n, analysis_type(c), !c.required))
        })
        .collect();
    if !table.record_key.is_empty() {
        fields.push(Field::new("record_key", DataType::Utf8, false));
    }
    Arc::new(Schema::new(fields))
}

/// The vault schema of a table's identities: `record_key`, then every vault-only column and the
/// full birth dates, as delivered (normalised) text. `None` when the table holds none.
pub fn identity_schema(table: &Table) -> Option<SchemaRef> {
    let cols: Vec<Field> = table
        .columns
        .iter()
        .filter(|c| matches!(c.handling, Handling::VaultOnly | Handling::BirthYear))
        .map(|c| Field::new(c.name, DataType::Utf8, true))
        .collect();
    if cols.is_empty() {
        return None;
    }
    let mut fields = vec![Field::new("record_key", DataType::Utf8, false)];
    fields.extend(cols);
    Some(Arc::new(Schema::new(fields)))
}

/// The vault schema of the BSN ↔ pseudonym map.
pub fn bsn_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("pseudoniem", DataType::Utf8, false),
        Field::new("bsn", DataType::Utf8, false),
    ]))
}

enum Builder {
    Str(StringBuilder),
    I64(Int64Builder),
    I32(Int32Builder),
    Date(Date32Builder),
    Dec(Decimal128Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(dt: &DataType, cap: usize) -> Builder {
        match dt {
            DataType::Int64 => Builder::I64(Int64Builder::with_capacity(cap)),
            DataType::Int32 => Builder::I32(Int32Builder::with_capacity(cap)),
            DataType::Date32 => Builder::Date(Date32Builder::with_capacity(cap)),
            DataType::Decimal128(p, s) => Builder::Dec(
                Decimal128Builder::with_capacity(cap).with_data_type(DataType::Decimal128(*p, *s)),
            ),
            DataType::Float64 => Builder::F64(Float64Builder::with_capacity(cap)),
            DataType::Boolean => Builder::Bool(BooleanBuilder::with_capacity(cap)),
            _ => Builder::Str(StringBuilder::with_capacity(cap, cap * 16)),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Str(b) => Arc::new(b.finish()),
            Builder::I64(b) => Arc::new(b.finish()),
            Builder::I32(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::Dec(b) => Arc::new(b.finish()),
            Builder::F64(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Builder::Str(b) => b.len(),
            Builder::I64(b) => b.len(),
            Builder::I32(b) => b.len(),
            Builder::Date(b) => b.len(),
            Builder::Dec(b) => b.len(),
            Builder::F64(b) => b.len(),
            Builder::Bool(b) => b.len(),
        }
    }
}

/// The value of one analysis column of one row, already pseudonymised.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Str(String),
    Int(i64),
    Year(i32),
    Date(i32),
    Cents(i64),
    Float(f64),
    Bool(bool),
}

impl Cell {
    /// The analysis form of a validated value (pseudonyms are made by the caller).
    pub fn from_value(col: &Column, v: Value) -> Cell {
        match (col.handling, v) {
            (_, Value::Null) => Cell::Null,
            (Handling::BirthYear, Value::PartialDate(d)) => {
                d.year_known().map_or(Cell::Null, Cell::Year)
            }
            (_, Value::Text(s)) => Cell::Str(s),
            (_, Value::Int(n)) => Cell::Int(n),
            (_, Value::Float(f)) => Cell::Float(f),
            (_, Value::Date(d)) => Cell::Date(d),
            (_, Value::PartialDate(d)) => Cell::Str(d.to_string()),
            (_, Value::Amount(c)) => Cell::Cents(c),
            (_, Value::Bool(b)) => Cell::Bool(b),
            // A BSN never reaches the analysis store; the caller replaces it by its pseudonym.
            (_, Value::Bsn(_)) => Cell::Null,
        }
    }
}

/// Accumulates rows of one table into a record batch.
pub struct BatchBuilder {
    schema: SchemaRef,
    builders: Vec<Builder>,
}

impl BatchBuilder {
    pub fn new(schema: SchemaRef, cap: usize) -> BatchBuilder {
        let builders = schema
            .fields()
            .iter()
            .map(|f| Builder::new(f.data_type(), cap))
            .collect();
        BatchBuilder { schema, builders }
    }

    /// Appends one row; `cells` are in schema order.
    pub fn push(&mut self, cells: &[Cell]) {
        for (b, cell) in self.builders.iter_mut().zip(cells) {
            match (b, cell) {
                (Builder::Str(b), Cell::Str(s)) => b.append_value(s),
                (Builder::Str(b), _) => b.append_null(),
                (Builder::I64(b), Cell::Int(n)) => b.append_value(*n),
                (Builder::I64(b), _) => b.append_null(),
                (Builder::I32(b), Cell::Year(n)) => b.append_value(*n),
                (Builder::I32(b), _) => b.append_null(),
                (Builder::Date(b), Cell::Date(d)) => b.append_value(*d),
                (Builder::Date(b), _) => b.append_null(),
                (Builder::Dec(b), Cell::Cents(c)) => b.append_value(i128::from(*c)),
                (Builder::Dec(b), _) => b.append_null(),
                (Builder::F64(b), Cell::Float(f)) => b.append_value(*f),
                (Builder::F64(b), _) => b.append_null(),
                (Builder::Bool(b), Cell::Bool(v)) => b.append_value(*v),
                (Builder::Bool(b), _) => b.append_null(),
            }
        }
    }

    pub fn len(&self) -> usize {
        self.builders.first().map_or(0, Builder::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn finish(&mut self) -> Result<RecordBatch> {
        let arrays = self.builders.iter_mut().map(Builder::finish).collect();
        Ok(RecordBatch::try_new(self.schema.clone(), arrays)?)
    }
}
