//! Duplicate keys within one file: the contract names each table's key ([`loep_contract::Table::key`]), and a second row
//! with a key seen before in the file is rejected (`dubbele_sleutel`); the first stays. Keys
//! are compared on their parsed, normalised values (a BSN as parsed, a postcode without its
//! space), and only as 64-bit keyed hashes, so that 18 million persons cost about 300 MB
//! and no key is held as text. Two different keys share a hash with a chance of about one
//! in 10⁵ for a file of 18 million rows; such a row is rejected and listed, never lost.

use loep_contract::{Value, parse_value_with};
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use std::hash::{BuildHasher, Hasher, RandomState};

use crate::source::RawRecord;
use crate::validate::{RejectOut, TablePlan, display_value};

/// The keys of one file seen so far.
pub(super) struct DuplicateKeys {
    /// For each key column: its index in the table's columns and its position in the file.
    parts: Vec<(usize, Option<usize>)>,
    /// The key columns, for messages.
    names: String,
    seen: FxHashSet<u64>,
    hasher: RandomState,
}

impl DuplicateKeys {
    /// `None` for a table without a key.
    pub(super) fn new(plan: &TablePlan) -> Option<DuplicateKeys> {
        let cols = plan.table.key;
        if cols.is_empty() {
            return None;
        }
        let parts = cols
            .iter()
            .map(|c| {
                let i = plan.table.columns.iter().position(|col| col.name == *c)?;
                Some((i, plan.positions[i]))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(DuplicateKeys {
            parts,
            names: cols.join(", "),
            seen: FxHashSet::default(),
            hasher: RandomState::new(),
        })
    }

    /// The hash of a record's key; `None` when a part is invalid, or missing where it is
    /// required (the row is rejected for that anyway).
    fn key(&self, plan: &TablePlan, rec: &RawRecord) -> Option<u64> {
        if rec.fault.is_some() || rec.fields.len() != plan.header_len {
            return None;
        }
        let mut h = self.hasher.build_hasher();
        for &(i, pos) in &self.parts {
            let col = &plan.table.columns[i];
            let text = match pos {
                Some(p) => rec.fields.get(p)?.ok()?.trim(),
                None => "",
            };
            let v = if text.is_empty() {
                Value::Null
            } else {
                parse_value_with(col.ty, text, plan.parse).ok()?
            };
            if matches!(v, Value::Null) && col.required {
                return None;
            }
            // A part's length first, so that parts cannot run into each other.
            let s = display_value(&v);
            h.write_usize(s.len());
            h.write(s.as_bytes());
            h.write_u8(u8::from(matches!(v, Value::Null)));
        }
        Some(h.finish())
    }

    /// For each record: whether its key occurred in an earlier record of the file.
    pub(super) fn mark(&mut self, plan: &TablePlan, records: &[RawRecord]) -> Vec<bool> {
        let keys: Vec<Option<u64>> = records
            .par_iter()
            .with_min_len(1 << 10)
            .map(|r| self.key(plan, r))
            .collect();
        keys.into_iter()
            .map(|k| k.is_some_and(|k| !self.seen.insert(k)))
            .collect()
    }

    /// The reject of a row whose key occurred before. The key itself is not repeated (it may
    /// be a BSN); the line says where.
    pub(super) fn reject(&self, rec: &RawRecord, plan: &TablePlan) -> RejectOut {
        RejectOut {
            line: rec.line,
            column: self.names.clone(),
            code: "dubbele_sleutel",
            value: String::new(),
            identifying: false,
            reason: format!(
                "dubbele sleutel: een eerdere rij in dit bestand heeft dezelfde {} ({}); alleen de eerste rij met deze sleutel is geladen. Lever elke sleutel één keer",
                if self.parts.len() == 1 {
                    "sleutel"
                } else {
                    "sleutelwaarden"
                },
                self.names
            ),
            raw: rec.fields.joined(plan.delimiter),
        }
    }
}
