//! Validation of raw records against the contract, the area scope, and pseudonymisation:
//! the trusted boundary. What leaves this module for the analysis store holds no BSN and no
//! name; identities leave only towards the vault.

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use loep_contract::{
    Bsn, CbsCode, Column, ColumnType, Datum, Handling, ParseOptions, RowRules, ScopeRule, Table,
    Value, check_not_future, parse_value_with,
};
use loep_linkage::{AddressIndex, AddressMatch, BagAddress, Unmatched};
use loep_store::{Pseudonym, Pseudonymiser};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, HashSet};

use crate::columns::{BatchBuilder, analysis_schema, identity_schema};
use crate::source::{RawRecord, RecordFault, shown_name};

/// How many names a header problem lists before it only counts the rest.
const NAMED: usize = 20;

/// Days after the reference date (the peildatum, or today if that is earlier) that a date
/// which may not lie in the future is still accepted: extracts are not always made on the
/// peildatum itself.
pub const FUTURE_MARGIN_DAYS: i32 = 31;

/// How a file's columns map onto its table.
pub struct TablePlan {
    pub table: &'static Table,
    /// For each contract column, its position in the file (if delivered).
    pub positions: Vec<Option<usize>>,
    pub header_len: usize,
    /// The analysis-store schema.
    pub schema: SchemaRef,
    /// The vault schema for names and birth dates (`None` when the table has none).
    pub identity_schema: Option<SchemaRef>,
    pub delimiter: u8,
    /// How values are written in this file (a decimal comma in a `;` file).
    pub parse: ParseOptions,
    /// The last day (days since 1970-01-01) a date that may not lie in the future may have.
    pub latest_date: i32,
    /// Header names read without regard to case (`BSN` as `bsn`), for the delivery report.
    pub header_readings: Vec<String>,
    /// Whether rows are hashed for the comparison with a previous snapshot ([`crate::carry`]):
    /// only when there is one.
    pub compare: bool,
    layout: Layout,
    rules: RowRules,
}

/// A value read in another notation than the contract's own, counted per file and column in
/// the delivery report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reading {
    /// A date in the GBA notation `JJJJMMDD`.
    GbaDate,
    /// A gemeentecode with CBS's prefix, `GM0392`.
    GmPrefix,
}

impl Reading {
    /// What the report says of it, in Dutch.
    pub fn label(self) -> &'static str {
        match self {
            Reading::GbaDate => "datum in GBA-notatie JJJJMMDD gelezen als JJJJ-MM-DD",
            Reading::GmPrefix => "gemeentecode met voorvoegsel GM gelezen als 4 cijfers",
        }
    }

    /// The other notation `raw` is in, for a value of type `ty` that parsed.
    fn of(ty: ColumnType, raw: &str) -> Option<Reading> {
        match ty {
            ColumnType::Datum | ColumnType::BrpDatum if loep_contract::types::is_gba_date(raw) => {
                Some(Reading::GbaDate)
            }
            ColumnType::Gemeentecode if loep_contract::types::is_gm_code(raw) => {
                Some(Reading::GmPrefix)
            }
            _ => None,
        }
    }
}

/// Column indices (into `table.columns`) that every row needs, computed once per file.
struct Layout {
    /// Analysis columns in schema order.
    kept: Vec<usize>,
    /// Vault-only, birth-date and topic columns in identity-schema order.
    identity: Vec<usize>,
    /// Record key parts: a column, or `None` for the ordinal.
    key: Vec<Option<usize>>,
    vbo: Option<usize>,
    bsn: Option<usize>,
    buurt: Option<usize>,
    registratie: Option<usize>,
    adres: Option<usize>,
    owners: Vec<usize>,
    /// The person's birth date in the same row (brp_persoon).
    birth: Option<usize>,
    /// Dates of moving in or out that may lie at the birth (see [`since_birth`]).
    near_birth: Vec<usize>,
    /// The table's key ([`Table::key`]) as positions in the analysis schema; empty when the
    /// table has no key or a part of it is not kept for analysis.
    carry: Vec<usize>,
}

impl Layout {
    fn new(table: &Table) -> Layout {
        let idx = |name: &str| table.columns.iter().position(|c| c.name == name);
        let cols = |f: &dyn Fn(&Column) -> bool| -> Vec<usize> {
            table
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| f(c))
                .map(|(i, _)| i)
                .collect()
        };
        Layout {
            kept: cols(&|c| c.handling != Handling::VaultOnly),
            identity: cols(&|c| {
                matches!(
                    c.handling,
                    Handling::VaultOnly | Handling::BirthYear | Handling::Topics
                )
            }),
            key: table
                .record_key
                .iter()
                .map(|k| if *k == "#" { None } else { idx(k) })
                .collect(),
            vbo: idx("vbo_id"),
            bsn: idx("bsn"),
            buurt: idx("buurtcode"),
            registratie: idx("registratie_id"),
            adres: idx("adres"),
            owners: cols(&|c| c.name == "eigenaar_bsn"),
            birth: idx("geboortedatum"),
            near_birth: match table.name {
                "brp_persoon" => cols(&|c| c.name == "datum_aanvang_adreshouding"),
                "brp_verblijf_historie" => {
                    cols(&|c| matches!(c.name, "datum_aanvang" | "datum_einde"))
                }
                _ => Vec::new(),
            },
            carry: {
                let kept = cols(&|c| c.handling != Handling::VaultOnly);
                table
                    .key
                    .iter()
                    .map(|k| idx(k).and_then(|i| kept.iter().position(|&c| c == i)))
                    .collect::<Option<Vec<usize>>>()
                    .unwrap_or_default()
            },
        }
    }
}

impl TablePlan {
    /// The table's key as positions in the analysis schema (see [`crate::carry`]); empty when
    /// rows of this table cannot be matched to the previous snapshot's.
    /// Row hashes are made only when [`TablePlan::compare`] is set.
    pub fn carry_columns(&self) -> &[usize] {
        &self.layout.carry
    }

    /// Checks the header against the contract. Returns every problem at once, in Dutch; each
    /// kind of problem is one message, naming at most the first 20 columns and counting the
    /// rest, so that a header of any size gives a short answer. A message about a column names
    /// it first, between single quotes.
    ///
    /// Dates that may not lie in the future are checked against today until
    /// [`TablePlan::with_peildatum`] gives the delivery's peildatum.
    pub fn new(
        table: &'static Table,
        header: &[String],
        delimiter: Option<u8>,
    ) -> Result<TablePlan, Vec<String>> {
        // Header names are matched without regard to case or surrounding spaces: `BSN` and
        // ` Bsn ` are the contract's `bsn`. Each such reading goes into the report.
        let mut header_readings = Vec::new();
        let header: Vec<String> = header
            .iter()
            .map(|h| {
                match table
                    .columns
                    .iter()
                    .find(|c| c.name != h && h.trim().eq_ignore_ascii_case(c.name))
                {
                    Some(c) => {
                        header_readings.push(format!(
                            "kolomnaam '{}' gelezen als '{}'",
                            shown_name(h),
                            c.name
                        ));
                        c.name.to_string()
                    }
                    None => h.clone(),
                }
            })
            .collect();
        let header = header.as_slice();
        let problems = header_problems(table, header);
        if !problems.is_empty() {
            return Err(problems);
        }
        let positions: Vec<Option<usize>> = table
            .columns
            .iter()
            .map(|c| header.iter().position(|h| h == c.name))
            .collect();
        Ok(TablePlan {
            table,
            positions,
            header_len: header.len(),
            schema: analysis_schema(table),
            identity_schema: identity_schema(table),
            delimiter: delimiter.unwrap_or(b','),
            parse: ParseOptions::for_delimiter(delimiter),
            latest_date: loep_store::clock::today().saturating_add(FUTURE_MARGIN_DAYS),
            header_readings,
            compare: false,
            layout: Layout::new(table),
            rules: RowRules::new(table),
        })
    }

    /// Checks dates that may not lie in the future against the delivery's peildatum (or
    /// today, when that is earlier) plus [`FUTURE_MARGIN_DAYS`].
    pub fn with_peildatum(mut self, peildatum: &Datum) -> TablePlan {
        if let Some(d) = peildatum.days_since_epoch() {
            let reference = d.min(loep_store::clock::today());
            self.latest_date = reference.saturating_add(FUTURE_MARGIN_DAYS);
        }
        self
    }
}

/// `'a', 'b', 'c'` for at most [`NAMED`] names, and how many more there are.
fn name_list(names: &[&str], total: usize) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(NAMED)
        .map(|n| format!("'{}'", shown_name(n)))
        .collect();
    let mut out = shown.join(", ");
    if total > shown.len() {
        out.push_str(&format!(
            " (de eerste {} genoemd; en nog {} andere)",
            shown.len(),
            total - shown.len()
        ));
    }
    out
}

fn header_problems(table: &Table, header: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let (mut twice, mut twice_n) = (Vec::new(), 0usize);
    let (mut forbidden, mut forbidden_n) = (Vec::new(), 0usize);
    let (mut unknown, mut unknown_n) = (Vec::new(), 0usize);
    let (mut empty, mut empty_n) = (Vec::new(), 0usize);
    for (i, h) in header.iter().enumerate() {
        if !seen.insert(h.as_str()) {
            twice_n += 1;
            if twice.len() < NAMED && !twice.contains(&h.as_str()) {
                twice.push(h.as_str());
            }
            continue;
        }
        if h.is_empty() {
            empty_n += 1;
            if empty.len() < NAMED {
                empty.push((i + 1).to_string());
            }
        } else if loep_contract::FORBIDDEN_COLUMNS.contains(&h.to_lowercase().as_str()) {
            forbidden_n += 1;
            if forbidden.len() < NAMED {
                forbidden.push(h.as_str());
            }
        } else if table.column(h).is_none() {
            unknown_n += 1;
            if unknown.len() < NAMED {
                unknown.push(h.as_str());
            }
        }
    }
    let allowed = || {
        table
            .columns
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if forbidden_n > 0 {
        problems.push(format!(
            "{} wordt geweigerd: herkomst en wat ernaar verwijst (nationaliteit, geboorteland, geboorteplaats, taal, inburgering) mag nooit worden geleverd; verwijder de kolom",
            if forbidden_n == 1 {
                format!("kolom {}", name_list(&forbidden, 1))
            } else {
                format!("kolommen {}", name_list(&forbidden, forbidden_n))
            }
        ));
    }
    if unknown_n == 1 {
        problems.push(format!(
            "kolom {} staat niet in het contract voor {}: verwijder hem (toegestaan: {})",
            name_list(&unknown, 1),
            table.name,
            allowed()
        ));
    } else if unknown_n > 1 {
        problems.push(format!(
            "{unknown_n} kolommen staan niet in het contract voor {}: {}; verwijder ze (toegestaan: {})",
            table.name,
            name_list(&unknown, unknown_n),
            allowed()
        ));
    }
    if twice_n > 0 {
        problems.push(format!(
            "{} staat meer dan eens in de kopregel ({twice_n} herhalingen); verwijder de herhalingen",
            name_list(&twice, twice.len())
        ));
    }
    if empty_n > 0 {
        let more = if empty_n > empty.len() {
            format!(" en nog {} andere", empty_n - empty.len())
        } else {
            String::new()
        };
        problems.push(format!(
            "de kopregel heeft een lege kolomnaam (kolom {}{more}); verwijder het extra scheidingsteken, bijvoorbeeld aan het eind van de kopregel",
            empty.join(", ")
        ));
    }
    for c in table.columns {
        if c.required && !header.iter().any(|h| h == c.name) {
            problems.push(format!(
                "verplichte kolom '{}' ontbreekt; voeg hem toe aan de kopregel en aan de rijen",
                c.name
            ));
        }
    }
    if header.len() == 1 && (problems.len() > 1 || header[0].contains(['\t', '|', ' '])) {
        problems.push(format!(
            "de kopregel heeft maar één kolom '{}': het scheidingsteken (delimiter) moet ',' of ';' zijn; sla het bestand op met een van die twee",
            shown_name(&header[0])
        ));
    }
    problems
}

/// What is in the project's scope so far.
#[derive(Default)]
pub struct Scope {
    pub area: Vec<CbsCode>,
    /// In-scope verblijfsobjecten (their 16-digit ids as numbers).
    pub objects: FxHashSet<u64>,
    /// Persons of the current BRP snapshot: registered at an in-scope object (or at none).
    pub brp: FxHashSet<Pseudonym>,
    /// Owners of in-scope objects (Kadaster).
    pub owners_kad: FxHashSet<Pseudonym>,
    /// Owners of companies established at in-scope objects (KvK).
    pub owners_kvk: FxHashSet<Pseudonym>,
    /// Police registrations that were kept.
    pub registrations: HashSet<String>,
    /// The addresses of the in-scope BAG objects, which place the free-text `adres` of a
    /// report or of a police registration without a `vbo_id`.
    pub addresses: Option<AddressIndex>,
    /// The addresses of in-scope objects this delivery's BAG rejected for another value (see
    /// [`ScopeKeys::rejected_addresses`]); added to `addresses`.
    pub rejected_addresses: Vec<BagAddress>,
    /// Birth dates of the BRP's persons, for the address history (see [`since_birth`]).
    pub births: FxHashMap<Pseudonym, Datum>,
}

impl Scope {
    /// Owns an in-scope object or a company established at one.
    pub fn is_owner(&self, p: &Pseudonym) -> bool {
        self.owners_kad.contains(p) || self.owners_kvk.contains(p)
    }

    /// An in-scope person: in the BRP snapshot, or an owner.
    pub fn is_person(&self, p: &Pseudonym) -> bool {
        self.brp.contains(p) || self.is_owner(p)
    }

    fn buurt_in_area(&self, buurtcode: &str) -> bool {
        let digits = buurtcode.get(2..).unwrap_or("");
        self.area.iter().any(|a| a.contains_buurt(digits))
    }

    /// Whether a free-text address names an in-area object: it matches one, or fits several
    /// (all in the area). Without the BAG's addresses every address counts as in the area.
    pub fn address_in_area(&self, adres: &str) -> bool {
        match &self.addresses {
            None => true,
            Some(index) => matches!(
                index.find(adres),
                AddressMatch::Matched { .. }
                    | AddressMatch::Unmatched {
                        reason: Unmatched::Ambiguous
                    }
            ),
        }
    }
}

/// Days after a birth within which a date of moving in or out still counts as "since birth".
pub const SINCE_BIRTH_DAYS: i32 = 31;

/// The analysis store holds the birth year only. A date of moving in (or out) at the birth —
/// the BRP registers a newborn at its address from the birth date — would give the full birth
/// date back; so a date on or before the birth, or at most [`SINCE_BIRTH_DAYS`] after it, is
/// kept as the birth year alone (`YYYY-00-00`, the contract's partly unknown date). For the
/// indicators that reads as 1 January of the birth year: living there since long ago, not
/// moved in recently. `None`: the date may stay as it is (it reveals no more than the year,
/// or lies well after the birth).
pub fn since_birth(date: &Datum, birth: &Datum) -> Option<Datum> {
    if birth.year == 0 || birth.month == 0 || date.year == 0 {
        return None;
    }
    let day = |year: i32, month: u32, day: u32| {
        Datum {
            year,
            month: month.max(1),
            day: day.max(1),
        }
        .days_since_epoch()
    };
    let earliest = day(date.year, date.month, date.day)?;
    // The last day the birth may have been on: a day-unknown birth lies somewhere in its month.
    let birth_latest =
        day(birth.year, birth.month, birth.day)? + if birth.day == 0 { 30 } else { 0 };
    (earliest <= birth_latest + SINCE_BIRTH_DAYS).then_some(Datum {
        year: birth.year,
        month: 0,
        day: 0,
    })
}

/// Keys a table adds to the scope of the tables after it.
#[derive(Default)]
pub struct ScopeKeys {
    pub objects: Vec<u64>,
    /// The addresses of in-scope objects whose row was rejected for another value: they are
    /// not in the stored BAG, but a report may name them.
    pub rejected_addresses: Vec<BagAddress>,
    pub persons: Vec<Pseudonym>,
    pub owners: Vec<Pseudonym>,
    pub registrations: Vec<String>,
}

/// One refused value.
#[derive(Debug, Clone)]
pub struct RejectOut {
    pub line: u64,
    pub column: String,
    /// Stable machine code of the reason (e.g. `bsn_elfproef`, `verkeerd_aantal_velden`,
    /// `datum_in_toekomst`); the reason itself is Dutch text.
    pub code: &'static str,
    /// The value as delivered (for the vault only when `identifying`).
    pub value: String,
    pub identifying: bool,
    pub reason: String,
    /// The whole row as delivered, for the vault.
    pub raw: String,
}

impl RejectOut {
    /// The value as it may be shown outside the vault.
    pub fn shown_value(&self) -> String {
        if self.identifying && !self.value.is_empty() {
            format!("[gemaskeerd, {} tekens]", self.value.chars().count())
        } else if self.value.chars().count() > 80 {
            let cut: String = self.value.chars().take(77).collect();
            format!("{cut}...")
        } else {
            self.value.clone()
        }
    }
}

#[derive(Default)]
pub struct ChunkOut {
    /// Kept rows for the analysis store.
    pub batch: Option<RecordBatch>,
    /// Names and birth dates of kept rows, by record key, for the vault.
    pub identities: Option<RecordBatch>,
    /// Every BSN of a kept row with its pseudonym, for the vault.
    pub bsns: Vec<(Pseudonym, Bsn)>,
    pub rejects: Vec<RejectOut>,
    pub rows_read: u64,
    pub rows_loaded: u64,
    pub rows_rejected: u64,
    pub rows_out_of_area: u64,
    pub keys: ScopeKeys,
    /// Values of loaded rows read in another notation, per (column, reading).
    pub readings: BTreeMap<(&'static str, Reading), u64>,
    /// For each kept row of a table with a key: (hash of its key, hash of the whole row), in
    /// the analysis form (see [`crate::carry`]).
    pub row_hashes: Vec<(u64, u64)>,
    /// For each rejected in-area row whose key parts are valid: (line, hash of its key).
    pub rejected_keys: Vec<(u64, u64)>,
}

enum InScope {
    Yes,
    No,
    /// The fields that decide it are missing or invalid.
    Unknown,
}

fn vbo_number(v: &Value) -> Option<u64> {
    match v {
        Value::Text(s) => s.parse().ok(),
        _ => None,
    }
}

fn text_of(v: &Value) -> Option<&str> {
    match v {
        Value::Text(s) => Some(s),
        Value::Code(c) => Some(c),
        _ => None,
    }
}

/// The address of a BAG row, as far as its values were valid.
fn bag_address(table: &Table, values: &[Value]) -> Option<BagAddress> {
    let value = |name: &str| {
        table
            .columns
            .iter()
            .position(|c| c.name == name)
            .map(|i| &values[i])
    };
    let text = |name: &str| value(name).and_then(text_of).map(str::to_string);
    let huisnummer = match value("huisnummer") {
        Some(Value::Int(n)) => u32::try_from(*n).ok()?,
        _ => return None,
    };
    Some(BagAddress {
        vbo_id: text("vbo_id")?,
        openbare_ruimte: text("openbare_ruimte").unwrap_or_default(),
        huisnummer,
        huisletter: text("huisletter"),
        toevoeging: text("huisnummertoevoeging"),
        postcode: text("postcode").unwrap_or_default(),
        woonplaats: text("woonplaats").unwrap_or_default(),
    })
}

/// 32 lower-case hex digits, without allocating.
pub fn pseudonym_hex_bytes(p: &Pseudonym) -> [u8; 32] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 32];
    for (i, b) in p.iter().enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 15)];
    }
    out
}

/// 32 lower-case hex digits.
pub fn pseudonym_hex(p: &Pseudonym) -> String {
    String::from_utf8_lossy(&pseudonym_hex_bytes(p)).into_owned()
}

/// A refused value of the current row: (column, code, reason, value as delivered).
type RowError = (&'static str, &'static str, String, String);

/// The row being read, kept across the rows of a chunk so that its vectors are allocated once.
struct Row {
    values: Vec<Value>,
    /// The pseudonym of each BSN column of the current row.
    pseudonyms: Vec<Option<Pseudonym>>,
    errors: Vec<RowError>,
    /// Values of the current row read in another notation.
    readings: Vec<(&'static str, Reading)>,
    /// The last BSN pseudonymised, with its pseudonym: rows of one person often follow each
    /// other (monthly wages, history).
    last_pseudonym: Option<(Bsn, Pseudonym)>,
}

impl Row {
    fn new(columns: usize) -> Row {
        Row {
            values: Vec::with_capacity(columns),
            pseudonyms: vec![None; columns],
            errors: Vec::new(),
            readings: Vec::new(),
            last_pseudonym: None,
        }
    }

    fn clear(&mut self) {
        self.values.clear();
        self.errors.clear();
        self.readings.clear();
    }

    /// Whether the value of column `i` (if there is one) was refused.
    fn failed(&self, table: &Table, i: Option<usize>) -> bool {
        i.is_some_and(|i| self.errors.iter().any(|e| e.0 == table.columns[i].name))
    }

    /// Sets the pseudonym of every BSN column.
    fn pseudonymise(&mut self, table: &Table, pseudo: &Pseudonymiser) {
        for (i, col) in table.columns.iter().enumerate() {
            self.pseudonyms[i] = match (&self.values[i], col.ty) {
                (Value::Bsn(b), ColumnType::Bsn) => Some(match self.last_pseudonym {
                    // Rows of one person often follow each other (monthly wages, history).
                    Some((lb, lp)) if lb == *b => lp,
                    _ => {
                        let p = pseudo.pseudonym(*b);
                        self.last_pseudonym = Some((*b, p));
                        p
                    }
                }),
                _ => None,
            };
        }
    }
}

/// Who and what a row is about, as far as its scope goes.
#[derive(Clone, Copy)]
struct Subject {
    /// The pseudonym of the row's `bsn`.
    person: Option<Pseudonym>,
    /// The row's `vbo_id` as a number.
    object: Option<u64>,
}

impl Subject {
    fn of(lay: &Layout, row: &Row) -> Subject {
        Subject {
            person: lay.bsn.and_then(|i| row.pseudonyms[i]),
            object: lay.vbo.and_then(|i| vbo_number(&row.values[i])),
        }
    }
}

/// The keys of rejected rows, in their analysis form, with their lines: matched against the
/// previous snapshot ([`crate::carry`]).
struct RejectedKeys {
    builder: BatchBuilder,
    lines: Vec<u64>,
}

impl RejectedKeys {
    /// Adds the key of the rejected row on `line`, when none of its parts was refused.
    fn add(&mut self, table: &Table, lay: &Layout, row: &Row, line: u64) {
        if lay
            .carry
            .iter()
            .any(|&c| row.failed(table, Some(lay.kept[c])))
        {
            return;
        }
        for (j, &c) in lay.carry.iter().enumerate() {
            let i = lay.kept[c];
            match row.pseudonyms[i] {
                Some(p) => self.builder.append_str(j, &pseudonym_hex(&p)),
                None => self
                    .builder
                    .append_value(j, &table.columns[i], &row.values[i]),
            }
        }
        self.lines.push(line);
    }
}

/// What a chunk's rows are written to.
struct Sinks {
    /// Kept rows for the analysis store.
    rows: BatchBuilder,
    /// Names and birth dates of kept rows, by record key, for the vault.
    identities: Option<BatchBuilder>,
    /// Only when the rows are compared with a previous snapshot.
    rejected_keys: Option<RejectedKeys>,
}

/// Validates, scopes and pseudonymises a chunk of records. `ordinals` gives, for tables whose
/// record key has a `#` part, the position of each record among the records with the same key.
pub fn process_chunk(
    plan: &TablePlan,
    scope: &Scope,
    pseudo: &Pseudonymiser,
    records: &[RawRecord],
    ordinals: Option<&[u32]>,
) -> anyhow::Result<ChunkOut> {
    let table = plan.table;
    let lay = &plan.layout;
    let mut out = ChunkOut::default();
    let compare = plan.compare && !lay.carry.is_empty();
    let mut sinks = Sinks {
        rows: BatchBuilder::new(plan.schema.clone(), records.len()),
        identities: plan
            .identity_schema
            .as_ref()
            .map(|s| BatchBuilder::new(s.clone(), records.len())),
        rejected_keys: compare.then(|| RejectedKeys {
            builder: BatchBuilder::new(crate::carry::key_schema(&plan.schema, &lay.carry), 16),
            lines: Vec::new(),
        }),
    };
    let mut row = Row::new(table.columns.len());
    for (ri, rec) in records.iter().enumerate() {
        out.rows_read += 1;
        row.clear();
        if let Some(reject) = record_refusal(plan, rec) {
            out.rows_rejected += 1;
            out.rejects.push(reject);
            continue;
        }
        read_values(plan, rec, &mut row);
        row.pseudonymise(table, pseudo);
        // Scope first: a row that clearly lies outside the area is counted, never stored, and
        // not reported (its contents are none of the project's business).
        let subject = Subject::of(lay, &row);
        let in_scope = in_scope(plan, scope, &row, subject);
        if matches!(in_scope, InScope::No) {
            out.rows_out_of_area += 1;
            continue;
        }
        // What the row says about the scope holds even when another of its values is invalid:
        // an object with a bad postcode still lies in the area, and so do its residents.
        if matches!(in_scope, InScope::Yes) {
            add_scope_keys(plan, &row, subject, &mut out.keys);
        }
        // A kept row is stored without a date that gives the birth date back; a rejected row's
        // key is matched in that same form against the previous snapshot.
        coarsen_near_birth(lay, scope, subject.person, &mut row);
        if !row.errors.is_empty() {
            let in_area = matches!(in_scope, InScope::Yes);
            reject_row(plan, rec, &mut row, in_area, &mut sinks, &mut out);
            continue;
        }
        let ordinal = ordinals.and_then(|o| o.get(ri)).copied().unwrap_or(0);
        load_row(plan, &row, ordinal, &mut sinks, &mut out);
    }
    finish_chunk(plan, sinks, compare, out)
}

/// A record refused as a whole before its values are read: text after a closing quote, or
/// the wrong number of fields.
fn record_refusal(plan: &TablePlan, rec: &RawRecord) -> Option<RejectOut> {
    let table = plan.table;
    if let Some(RecordFault::TextAfterQuote { field }) = rec.fault {
        // The column of the file's field `field`, if the contract has it.
        let col = plan
            .positions
            .iter()
            .position(|p| *p == Some(field))
            .map(|i| &table.columns[i]);
        return Some(RejectOut {
            line: rec.line,
            column: col.map_or("(rij)", |c| c.name).to_string(),
            code: "aanhalingsteken",
            value: rec
                .fields
                .bytes(field)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
            identifying: col.is_some_and(Column::is_identifying),
            reason: format!(
                "in veld {} volgt na het sluitende aanhalingsteken nog tekst; verdubbel een aanhalingsteken in een veld (\"\") of zet het hele veld tussen aanhalingstekens",
                field + 1
            ),
            raw: raw_line(rec, plan.delimiter),
        });
    }
    if rec.fields.len() != plan.header_len {
        return Some(RejectOut {
            line: rec.line,
            column: "(rij)".into(),
            code: "verkeerd_aantal_velden",
            value: String::new(),
            identifying: false,
            reason: field_count_reason(rec, plan),
            raw: raw_line(rec, plan.delimiter),
        });
    }
    None
}

/// Reads every contract column of a record into `row`: its value, or why it is refused, and
/// the notation it was read in. A row whose values all parse is checked against the table's
/// row rules.
fn read_values(plan: &TablePlan, rec: &RawRecord, row: &mut Row) {
    let table = plan.table;
    for (col, pos) in table.columns.iter().zip(&plan.positions) {
        let v = match pos.and_then(|p| rec.fields.get(p)).unwrap_or(Ok("")) {
            Err(raw) => Err((
                "geen_utf8",
                "de waarde is geen geldige UTF-8; sla het bestand op als UTF-8".to_string(),
                String::from_utf8_lossy(raw).into_owned(),
            )),
            Ok(s) => {
                let t = s.trim();
                if t.is_empty() {
                    Ok(Value::Null)
                } else {
                    let v = parse_value_with(col.ty, t, plan.parse)
                        .and_then(|v| check_not_future(col, &v, plan.latest_date).map(|()| v))
                        .map_err(|e| (e.code, e.reason, t.to_string()));
                    if v.is_ok()
                        && let Some(r) = Reading::of(col.ty, t)
                    {
                        row.readings.push((col.name, r));
                    }
                    v
                }
            }
        };
        match v {
            Ok(Value::Null) if col.required => {
                row.errors.push((
                    col.name,
                    "verplicht",
                    "een verplichte waarde ontbreekt; vul hem in".into(),
                    String::new(),
                ));
                row.values.push(Value::Null);
            }
            Ok(v) => row.values.push(v),
            Err((code, reason, shown)) => {
                row.errors.push((col.name, code, reason, shown));
                row.values.push(Value::Null);
            }
        }
    }
    if row.errors.is_empty() {
        let idx = |name: &str| table.columns.iter().position(|c| c.name == name);
        for (col, why) in plan.rules.check(&row.values) {
            let shown = idx(col)
                .map(|i| display_value(&row.values[i]))
                .unwrap_or_default();
            row.errors.push((col, why.code, why.reason, shown));
        }
    }
}

/// Whether a row lies in the project's area, by the table's scope rule.
fn in_scope(plan: &TablePlan, scope: &Scope, row: &Row, subject: Subject) -> InScope {
    let (table, lay, values) = (plan.table, &plan.layout, &row.values);
    let Subject { person, object } = subject;
    let failed = |i: Option<usize>| row.failed(table, i);
    // A free-text address lies in the area when it names an in-area BAG object.
    let by_address = || match lay.adres.and_then(|i| text_of(&values[i])) {
        Some(adres) if scope.address_in_area(adres) => InScope::Yes,
        Some(_) => InScope::No,
        None => InScope::Unknown,
    };
    match table.scope {
        ScopeRule::Buurt | ScopeRule::Object => match lay.buurt.and_then(|i| text_of(&values[i])) {
            Some(b) if scope.buurt_in_area(b) => InScope::Yes,
            Some(_) => InScope::No,
            None => InScope::Unknown,
        },
        ScopeRule::ByObject => match object {
            Some(o) if scope.objects.contains(&o) => InScope::Yes,
            Some(_) => InScope::No,
            None => InScope::Unknown,
        },
        ScopeRule::Brp => {
            if object.is_some_and(|o| scope.objects.contains(&o))
                || person.is_some_and(|p| scope.is_owner(&p))
            {
                InScope::Yes
            } else if object.is_none() && !failed(lay.vbo) {
                // Not registered at an address (vow, emigratie, overleden): the municipality
                // delivered its own former resident, who belongs to its area.
                InScope::Yes
            } else if person.is_some() && !failed(lay.vbo) {
                InScope::No
            } else {
                InScope::Unknown
            }
        }
        ScopeRule::ByPersonOrObject => {
            if object.is_some_and(|o| scope.objects.contains(&o))
                || person.is_some_and(|p| scope.is_person(&p))
            {
                InScope::Yes
            } else if person.is_some() && !failed(lay.vbo) {
                InScope::No
            } else {
                InScope::Unknown
            }
        }
        ScopeRule::ByPerson => match person {
            Some(p) if scope.is_person(&p) => InScope::Yes,
            Some(_) => InScope::No,
            None => InScope::Unknown,
        },
        ScopeRule::Registration => match (object, failed(lay.vbo)) {
            (Some(o), _) if scope.objects.contains(&o) => InScope::Yes,
            (Some(_), _) => InScope::No,
            (None, false) => by_address(),
            (None, true) => InScope::Unknown,
        },
        ScopeRule::ByRegistration => {
            let reg = lay.registratie.and_then(|i| text_of(&values[i]));
            if reg.is_some_and(|r| scope.registrations.contains(r))
                || person.is_some_and(|p| scope.is_person(&p))
            {
                InScope::Yes
            } else if reg.is_some() {
                InScope::No
            } else {
                InScope::Unknown
            }
        }
        ScopeRule::Report => by_address(),
    }
}

/// What an in-area row adds to the scope of the tables after it: its object, person or
/// registration, and its owners.
fn add_scope_keys(plan: &TablePlan, row: &Row, subject: Subject, keys: &mut ScopeKeys) {
    let lay = &plan.layout;
    match plan.table.scope {
        ScopeRule::Object => keys.objects.extend(subject.object),
        ScopeRule::Brp => keys.persons.extend(subject.person),
        ScopeRule::Registration => {
            if let Some(r) = lay.registratie.and_then(|i| text_of(&row.values[i])) {
                keys.registrations.push(r.to_string());
            }
        }
        _ => {}
    }
    for &oc in &lay.owners {
        keys.owners.extend(row.pseudonyms[oc]);
    }
}

/// Dates of moving in or out at the person's birth (in the row, or in the BRP) become the
/// birth year alone (see [`since_birth`]).
fn coarsen_near_birth(lay: &Layout, scope: &Scope, person: Option<Pseudonym>, row: &mut Row) {
    if lay.near_birth.is_empty() {
        return;
    }
    let birth = match lay.birth.map(|i| &row.values[i]) {
        Some(Value::PartialDate(b)) => Some(*b),
        _ => person.and_then(|p| scope.births.get(&p).copied()),
    };
    if let Some(birth) = birth {
        for &i in &lay.near_birth {
            if let Value::PartialDate(d) = &row.values[i]
                && let Some(coarse) = since_birth(d, &birth)
            {
                row.values[i] = Value::PartialDate(coarse);
            }
        }
    }
}

/// Rejects a row with refused values: one reject per value, the key kept for the comparison
/// with the previous snapshot, and an in-area BAG object's address kept for the reports that
/// name it.
fn reject_row(
    plan: &TablePlan,
    rec: &RawRecord,
    row: &mut Row,
    in_area: bool,
    sinks: &mut Sinks,
    out: &mut ChunkOut,
) {
    let table = plan.table;
    if table.scope == ScopeRule::Object
        && in_area
        && let Some(a) = bag_address(table, &row.values)
    {
        out.keys.rejected_addresses.push(a);
    }
    out.rows_rejected += 1;
    if let Some(keys) = sinks.rejected_keys.as_mut() {
        keys.add(table, &plan.layout, row, rec.line);
    }
    let raw = raw_line(rec, plan.delimiter);
    for (col, code, reason, shown) in row.errors.drain(..) {
        let identifying = table.column(col).is_some_and(Column::is_identifying);
        out.rejects.push(RejectOut {
            line: rec.line,
            column: col.to_string(),
            code,
            value: shown,
            identifying,
            reason,
            raw: raw.clone(),
        });
    }
}

/// The record key of a valid row: its key columns (pseudonyms for BSNs), and `#` with the
/// row's `ordinal` for the part that counts rows with the same key.
fn record_key(lay: &Layout, row: &Row, ordinal: u32) -> String {
    let mut record_key = String::new();
    for (k, part) in lay.key.iter().enumerate() {
        match part {
            Some(i) => {
                if k > 0 {
                    record_key.push(':');
                }
                match row.pseudonyms[*i] {
                    Some(p) => record_key.push_str(&pseudonym_hex(&p)),
                    None => record_key.push_str(&display_value(&row.values[*i])),
                }
            }
            None => {
                record_key.push('#');
                record_key.push_str(&ordinal.to_string());
            }
        }
    }
    record_key
}

/// Stores a valid row: its identities for the vault, its analysis columns with pseudonyms
/// for BSNs (each BSN once for the vault's map) and its record key.
fn load_row(plan: &TablePlan, row: &Row, ordinal: u32, sinks: &mut Sinks, out: &mut ChunkOut) {
    let (table, lay) = (plan.table, &plan.layout);
    let record_key = record_key(lay, row, ordinal);
    if let Some(idb) = sinks.identities.as_mut() {
        idb.append_str(0, &record_key);
        for (c, &i) in lay.identity.iter().enumerate() {
            match &row.values[i] {
                Value::Null => idb.append_null(c + 1),
                v => idb.append_str(c + 1, &display_value(v)),
            }
        }
    }
    for (c, &i) in lay.kept.iter().enumerate() {
        match row.pseudonyms[i] {
            Some(p) => {
                if let Value::Bsn(b) = row.values[i]
                    && out.bsns.last().is_none_or(|(lp, _)| *lp != p)
                {
                    out.bsns.push((p, b));
                }
                let hex = pseudonym_hex_bytes(&p);
                sinks
                    .rows
                    .append_str(c, std::str::from_utf8(&hex).unwrap_or_default());
            }
            None => sinks
                .rows
                .append_value(c, &table.columns[i], &row.values[i]),
        }
    }
    if !lay.key.is_empty() {
        sinks.rows.append_str(lay.kept.len(), &record_key);
    }
    out.rows_loaded += 1;
    for r in &row.readings {
        *out.readings.entry(*r).or_default() += 1;
    }
}

/// The chunk's batches, with the hashes of its rows and of its rejected rows' keys when the
/// rows are compared with a previous snapshot.
fn finish_chunk(
    plan: &TablePlan,
    mut sinks: Sinks,
    compare: bool,
    mut out: ChunkOut,
) -> anyhow::Result<ChunkOut> {
    if !sinks.rows.is_empty() {
        let batch = sinks.rows.finish()?;
        if compare {
            out.row_hashes = crate::carry::row_hashes(&batch, &plan.layout.carry)?;
        }
        out.batch = Some(batch);
    }
    if let Some(mut keys) = sinks.rejected_keys
        && !keys.builder.is_empty()
    {
        let hashes = crate::carry::key_hashes(&keys.builder.finish()?)?;
        out.rejected_keys = keys.lines.into_iter().zip(hashes).collect();
    }
    if let Some(mut idb) = sinks.identities
        && !idb.is_empty()
    {
        out.identities = Some(idb.finish()?);
    }
    Ok(out)
}

/// The contract text form of a value (for record keys and the vault).
pub fn display_value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Text(s) => s.clone(),
        Value::Code(c) => c.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Date(d) => date_from_days(*d),
        Value::PartialDate(d) => d.to_string(),
        Value::Amount(c) => loep_contract::Bedrag(*c).to_string(),
        Value::Bool(b) => if *b { "ja" } else { "nee" }.to_string(),
        Value::Bsn(b) => b.to_string(),
    }
}

/// `YYYY-MM-DD` of days since 1970-01-01.
pub fn date_from_days(days: i32) -> String {
    loep_contract::Datum::from_days(days).to_string()
}

/// `verkeerd aantal velden: 3 in plaats van 12`, with what the row suggests went wrong.
fn field_count_reason(rec: &RawRecord, plan: &TablePlan) -> String {
    let n = rec.fields.len();
    let h = plan.header_len;
    let mut reason = format!("verkeerd aantal velden: {n} in plaats van {h}");
    let other = if plan.delimiter == b';' { b',' } else { b';' };
    if n < h && (0..n).any(|i| rec.fields.bytes(i).is_some_and(|b| b.contains(&other))) {
        reason.push_str(&format!(
            "; deze rij lijkt '{}' als scheidingsteken te gebruiken en de kopregel '{}': lever het hele bestand met één scheidingsteken",
            other as char, plan.delimiter as char
        ));
    } else if n > h && (h..n).all(|i| rec.fields.bytes(i).is_some_and(<[u8]>::is_empty)) {
        reason.push_str("; de rij eindigt op een extra scheidingsteken: verwijder het");
    } else {
        reason.push_str("; controleer de aanhalingstekens en scheidingstekens in deze rij");
    }
    reason
}

pub use loep_contract::spreadsheet::formula_safe;

fn raw_line(rec: &RawRecord, delimiter: u8) -> String {
    rec.fields.joined(delimiter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_matches_the_hex_crate() {
        let p: Pseudonym = [
            0, 1, 2, 0xab, 0xff, 16, 32, 64, 128, 7, 9, 10, 11, 12, 13, 14,
        ];
        assert_eq!(pseudonym_hex(&p), hex::encode(p));
    }

    #[test]
    fn dates_at_the_birth_keep_only_the_birth_year() {
        let d = |s: &str| Datum::parse_partial(s).unwrap();
        let year_only = |y: i32| {
            Some(Datum {
                year: y,
                month: 0,
                day: 0,
            })
        };
        let birth = d("2010-03-14");
        // On the birth date, a few days after it, or (wrongly) before it.
        assert_eq!(since_birth(&d("2010-03-14"), &birth), year_only(2010));
        assert_eq!(since_birth(&d("2010-03-20"), &birth), year_only(2010));
        assert_eq!(since_birth(&d("2010-04-14"), &birth), year_only(2010));
        assert_eq!(since_birth(&d("2009-12-01"), &birth), year_only(2010));
        // The month alone would give the birth month.
        assert_eq!(since_birth(&d("2010-03-00"), &birth), year_only(2010));
        // Across the turn of the year, still the birth year.
        assert_eq!(
            since_birth(&d("2011-01-05"), &d("2010-12-30")),
            year_only(2010)
        );
        // Well after the birth: kept.
        assert_eq!(since_birth(&d("2010-04-15"), &birth), None);
        assert_eq!(since_birth(&d("2016-03-14"), &birth), None);
        assert_eq!(since_birth(&d("2011-00-00"), &birth), None);
        // A birth known to the year only, or not at all, gives nothing away; nor does an
        // unknown date.
        assert_eq!(since_birth(&d("2010-03-14"), &d("2010-00-00")), None);
        assert_eq!(since_birth(&d("2010-03-14"), &d("0000-00-00")), None);
        assert_eq!(since_birth(&d("0000-00-00"), &birth), None);
        // A birth known to the month: any date in (or just after) that month.
        assert_eq!(
            since_birth(&d("2010-03-30"), &d("2010-03-00")),
            year_only(2010)
        );
    }

    #[test]
    fn days_round_trip() {
        for s in ["1970-01-01", "2000-02-29", "1899-12-31", "2026-06-30"] {
            let d = loep_contract::Datum::parse(s)
                .unwrap()
                .days_since_epoch()
                .unwrap();
            assert_eq!(date_from_days(d), s);
        }
    }
}
