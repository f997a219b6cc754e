//! Reading the inputs: the dictionary that interns each column's values (or `pack`s short
//! ones), `InputBuilder` that reads records into rows, `Ids` and `Side` that hold an input once
//! read, the `Interner` of name variants and initials, and the values derived from the fields
//! (`Derive`, `Source`) that every row holds beside them.

use hashbrown::HashTable;
use rustc_hash::FxHashMap;
use std::hash::BuildHasher;

use super::settings::Settings;

/// Values of one column, each distinct value once, in one buffer; id 0 is the empty (missing)
/// value. The hash table holds only ids (with each value's hash beside), so that looking up a
/// value costs few cache misses even with millions of distinct values.
#[derive(Default)]
pub(super) struct Dictionary {
    table: HashTable<u32>,
    hashes: Vec<u64>,
    text: String,
    ends: Vec<usize>,
}

fn text_of<'t>(text: &'t str, ends: &[usize], id: u32) -> &'t str {
    let i = id as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &text[start..ends[i]]
}

impl Dictionary {
    fn new() -> Dictionary {
        let mut d = Dictionary::default();
        d.intern("");
        d
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(super) fn get(&self, id: u32) -> &str {
        text_of(&self.text, &self.ends, id)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len() as u32).map(|i| self.get(i))
    }

    pub(super) fn intern(&mut self, s: &str) -> u32 {
        // foldhash, not Fx: Fx hashes runs of similar short strings (numbers, postcodes) into
        // long probe chains.
        let h = foldhash::fast::FixedState::with_seed(0x10e9).hash_one(s);
        let Dictionary {
            table,
            hashes,
            text,
            ends,
        } = self;
        if let Some(&id) = table.find(h, |&id| {
            hashes[id as usize] == h && text_of(text, ends, id) == s
        }) {
            return id;
        }
        let id = ends.len() as u32;
        text.push_str(s);
        ends.push(text.len());
        hashes.push(h);
        table.insert_unique(h, id, |&id| hashes[id as usize]);
        id
    }

    /// Trimmed and lower-cased (in `buf`, so that a value seen before costs no allocation);
    /// empty is missing. With `pack_short`, a short value is encoded in the id itself instead
    /// of being stored (see `pack`).
    fn push_raw(&mut self, raw: &str, buf: &mut String, pack_short: bool) -> Value {
        let t = raw.trim();
        buf.clear();
        if t.is_ascii() {
            buf.push_str(t);
            buf.make_ascii_lowercase();
        } else {
            buf.push_str(&t.to_lowercase());
        }
        if pack_short && let Some(v) = pack(buf) {
            return v;
        }
        Value::from(self.intern(buf))
    }
}

/// A value as the linker holds it: a dictionary id (below 2^32), or, for columns whose text
/// the comparisons never read, the value itself packed (`pack`).
pub(super) type Value = u64;

const PACKED_NUMBER: Value = 1 << 63;
const PACKED_TEXT: Value = 1 << 62;

/// Encodes a normalised value without a dictionary, when it is short: a number without leading
/// zeros (a BSN, a house number) as itself, any other text of at most 7 bytes (a postcode) as
/// its bytes. The encoding is one-to-one and never collides with a dictionary id, so equality
/// stays exact; it spares the hash lookups of columns with millions of distinct values.
fn pack(s: &str) -> Option<Value> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Some(0);
    }
    if b.len() <= 18 && b.iter().all(u8::is_ascii_digit) && (b[0] != b'0' || b.len() == 1) {
        return Some(PACKED_NUMBER | b.iter().fold(0, |n, &d| n * 10 + Value::from(d - b'0')));
    }
    if b.len() <= 7 && !b.contains(&0) {
        return Some(PACKED_TEXT | b.iter().fold(0, |n, &x| n << 8 | Value::from(x)));
    }
    None
}

/// One input being read: ids and the interned values of the settings' fields.
pub struct InputBuilder {
    pub(super) fields: Vec<String>,
    pub(super) ids: Ids,
    pub(super) true_ids: Option<Vec<String>>,
    /// Row-major: record i is `values[i * width..][..width]`, its fields first, then room for
    /// the values the linker derives from them (`Settings::derived`).
    pub(super) values: Vec<Value>,
    pub(super) width: usize,
    pub(super) dicts: Vec<Dictionary>,
    /// Per field: only compared for equality, so short values are packed (`pack`).
    packed: Vec<bool>,
    buf: String,
}

/// Record ids, in one buffer.
#[derive(Default)]
pub struct Ids {
    text: String,
    ends: Vec<usize>,
}

impl Ids {
    fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The id of record `i`.
    pub fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// The record with this id.
    pub fn find(&self, id: &str) -> Option<u32> {
        (0..self.len() as u32).find(|&i| self.get(i) == id)
    }
}

impl InputBuilder {
    pub fn new(settings: &Settings, with_true_ids: bool) -> InputBuilder {
        let fields = settings.fields();
        let packed = fields.iter().map(|f| settings.equality_only(f)).collect();
        InputBuilder {
            packed,
            width: fields.len() + settings.derived().len(),
            values: Vec::new(),
            dicts: fields.iter().map(|_| Dictionary::new()).collect(),
            fields,
            ids: Ids::default(),
            true_ids: with_true_ids.then(Vec::new),
            buf: String::new(),
        }
    }

    /// Room for `records` more records, so that the values are not copied as they grow.
    pub fn reserve(&mut self, records: usize) {
        self.values.reserve(records * self.width);
        self.ids.ends.reserve(records);
    }

    /// The columns `push` expects, in order.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Adds a record: its id, its true id (when evaluating), and one value per field.
    pub fn push(&mut self, id: &str, true_id: Option<&str>, values: &[&str]) {
        self.push_batch(
            1,
            |_| id,
            |_| true_id,
            |_, f| values.get(f).copied().unwrap_or_default(),
        );
    }

    /// Adds `rows` records at once, interning column by column so that one column's
    /// dictionary stays in the cache while its values go in: `id(i)`, `true_id(i)` and
    /// `value(i, field)` (fields in `fields()` order) give record `i`'s texts.
    pub fn push_batch<'r>(
        &mut self,
        rows: usize,
        id: impl Fn(usize) -> &'r str,
        true_id: impl Fn(usize) -> Option<&'r str>,
        value: impl Fn(usize, usize) -> &'r str,
    ) {
        let width = self.width;
        let base = self.values.len();
        self.values.resize(base + rows * width, 0);
        for i in 0..rows {
            self.ids.push(id(i));
            if let Some(t) = &mut self.true_ids {
                t.push(true_id(i).unwrap_or_default().trim().to_string());
            }
        }
        for (f, dict) in self.dicts.iter_mut().enumerate() {
            let packed = self.packed[f];
            for (i, slot) in self.values[base..]
                .iter_mut()
                .skip(f)
                .step_by(width)
                .enumerate()
            {
                *slot = dict.push_raw(value(i, f), &mut self.buf, packed);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// One input, read: ids and the values of each field as dictionary ids, record by record
/// (a pair's comparisons then read two short rows, not one cache line per field).
pub struct Side {
    pub ids: Ids,
    pub true_ids: Option<Vec<String>>,
    pub(super) width: usize,
    pub(super) values: Vec<Value>,
}

impl Side {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub(super) fn row(&self, rec: u32) -> &[Value] {
        &self.values[rec as usize * self.width..][..self.width]
    }

    pub(super) fn column(&self, slot: usize) -> impl Iterator<Item = Value> + '_ {
        self.values.chunks_exact(self.width).map(move |r| r[slot])
    }
}

/// Strings interned into ids, for the variants and initials of names.
#[derive(Default)]
pub(super) struct Interner {
    ids: FxHashMap<String, u32>,
    pub(super) values: Vec<Box<str>>,
}

impl Interner {
    pub(super) fn intern(&mut self, s: String) -> u32 {
        if let Some(&id) = self.ids.get(&s) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(s.as_str().into());
        self.ids.insert(s, id);
        id
    }
}

/// What a derived slot holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Derive {
    Variant(usize),
    Initials(usize),
    NameSignature(usize),
    TextSignature(usize),
    Date(usize),
    Prefix(usize, usize),
    WithVoorvoegsel(usize, usize),
}

/// How a derived slot is computed from a row.
pub(super) enum Source {
    /// From one field's dictionary id, through a table.
    Table(usize, Vec<Value>),
    /// Voorvoegsel and name together: the name's variant when there is no voorvoegsel, else
    /// the variant of both (looked up).
    Combined {
        voorvoegsel: usize,
        name: usize,
        variant: Vec<Value>,
        both: FxHashMap<(Value, Value), Value>,
    },
}

impl Source {
    pub(super) fn value(&self, row: &[Value]) -> Value {
        match self {
            Source::Table(f, table) => table[row[*f] as usize],
            Source::Combined {
                voorvoegsel,
                name,
                variant,
                both,
            } => {
                let (p, n) = (row[*voorvoegsel], row[*name]);
                if n == 0 {
                    0
                } else if p == 0 {
                    variant[n as usize]
                } else {
                    both.get(&(p, n)).copied().unwrap_or_default()
                }
            }
        }
    }
}

const NO_DATE: Value = Value::MAX;

pub(super) fn pack_date(d: Option<(u16, u8, u8)>) -> Value {
    d.map_or(NO_DATE, |(y, m, d)| {
        Value::from(y) << 16 | Value::from(m) << 8 | Value::from(d)
    })
}

pub(super) fn unpack_date(v: Value) -> Option<(u16, u8, u8)> {
    (v != NO_DATE).then_some(((v >> 16) as u16, (v >> 8) as u8, v as u8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn packing_is_one_to_one_and_apart_from_dictionary_ids(a in "[0-9a-z ]{0,9}", b in "[0-9a-z ]{0,9}") {
            if let (Some(x), Some(y)) = (pack(&a), pack(&b)) {
                prop_assert_eq!(x == y, a == b);
                prop_assert!(a.is_empty() || x >= 1 << 32);
            }
        }
    }
}
