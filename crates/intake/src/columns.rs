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

/// The vault's file schemas are the vault's own; intake writes them.
pub use loep_vault::format::{bsn_schema, identity_schema};

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

/// Whether a column of the analysis store may hold nulls: every optional column, and every
/// birth year (a required birth date may be wholly unknown in the BRP, `0000-00-00`, and then
/// has no year).
pub fn analysis_nullable(col: &Column) -> bool {
    !col.required || col.handling == Handling::BirthYear
}

/// The analysis schema: kept columns in contract order (pseudonyms and birth years renamed,
/// vault-only columns left out), then `record_key` for tables whose identities live in the vault.
pub fn analysis_schema(table: &Table) -> SchemaRef {
    let mut fields: Vec<Field> = table
        .columns
        .iter()
        .filter_map(|c| {
            c.analysis_name()
                .map(|n| Field::new(n, analysis_type(c), analysis_nullable(c)))
        })
        .collect();
    if !table.record_key.is_empty() {
        fields.push(Field::new("record_key", DataType::Utf8, false));
    }
    Arc::new(Schema::new(fields))
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

    /// Appends text to column `c` (a Utf8 column).
    pub fn append_str(&mut self, c: usize, s: &str) {
        if let Some(Builder::Str(b)) = self.builders.get_mut(c) {
            b.append_value(s);
        }
    }

    pub fn append_null(&mut self, c: usize) {
        match self.builders.get_mut(c) {
            Some(Builder::Str(b)) => b.append_null(),
            Some(Builder::I64(b)) => b.append_null(),
            Some(Builder::I32(b)) => b.append_null(),
            Some(Builder::Date(b)) => b.append_null(),
            Some(Builder::Dec(b)) => b.append_null(),
            Some(Builder::F64(b)) => b.append_null(),
            Some(Builder::Bool(b)) => b.append_null(),
            None => {}
        }
    }

    /// Appends the analysis form of a validated value to column `c`: a birth date becomes its
    /// year, a partly unknown date its contract text. BSNs never come here: the caller appends
    /// their pseudonym.
    pub fn append_value(&mut self, c: usize, col: &Column, v: &Value) {
        let Some(b) = self.builders.get_mut(c) else {
            return;
        };
        match (b, v) {
            (Builder::I32(b), Value::PartialDate(d)) if col.handling == Handling::BirthYear => {
                b.append_option(d.year_known())
            }
            (Builder::Str(b), Value::Text(s)) if col.handling == Handling::Topics => {
                b.append_value(loep_contract::tables::topics_of(s))
            }
            (Builder::Str(b), Value::Text(s)) => b.append_value(s),
            (Builder::Str(b), Value::Code(c)) => b.append_value(c),
            (Builder::Str(b), Value::PartialDate(d)) => {
                let text = d.text();
                b.append_value(std::str::from_utf8(&text).unwrap_or_default());
            }
            (Builder::I64(b), Value::Int(n)) => b.append_value(*n),
            (Builder::Date(b), Value::Date(d)) => b.append_value(*d),
            (Builder::Dec(b), Value::Amount(c)) => b.append_value(i128::from(*c)),
            (Builder::F64(b), Value::Float(f)) => b.append_value(*f),
            (Builder::Bool(b), Value::Bool(x)) => b.append_value(*x),
            _ => self.append_null(c),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An indicator's view of a table no partner delivered has the types the intake writes.
    #[test]
    fn the_contract_names_the_types_the_intake_writes() {
        for t in loep_contract::TABLES {
            for c in t.columns {
                let sql = match analysis_type(c) {
                    DataType::Int32 => "INT",
                    DataType::Int64 => "BIGINT",
                    DataType::Date32 => "DATE",
                    DataType::Decimal128(18, 2) => "DECIMAL(18, 2)",
                    DataType::Float64 => "DOUBLE",
                    DataType::Boolean => "BOOLEAN",
                    DataType::Utf8 => "VARCHAR",
                    other => panic!("{}.{}: {other:?} has no SQL name", t.name, c.name),
                };
                assert_eq!(c.analysis_sql_type(), sql, "{}.{}", t.name, c.name);
            }
        }
    }
}
