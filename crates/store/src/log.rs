//! The processing log (verwerkingslog), modelled on Logius' Logboek Dataverwerkingen.
//!
//! Every operation that processes personal data appends one record: `trace_id`,
//! `operation_id`, `parent_operation_id`, `name`, `start_time`, `end_time`, `status_code`,
//! `resource`, and the attributes `dpl.core.processing_activity_id` and
//! `dpl.core.data_subject_id` (a pseudonym for one person, or `snapshot:<id>` for a bulk
//! operation over a whole snapshot). Records carry no user names: a step an account takes
//! names its organisation (`door_organisatie`, [`LogRecord::by`]), and where who did it
//! matters (the reviews of links, opening an access letter) the account's keyed fingerprint
//! ([`account_fingerprint`]), which only the project itself can turn back into a name.
//!
//! The log is append-only: triggers refuse UPDATE and DELETE, and every record holds the
//! SHA-256 of the previous record and of itself, so that any later change, insertion or removal
//! breaks the chain. The head of the chain is also written to the identity vault in the same
//! transaction, so that removing the newest records is detected too.

use crate::db::{Db, TxDb};
use anyhow::{Context, Result};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub const RESOURCE: &str = concat!("loep ", env!("CARGO_PKG_VERSION"));
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub fn create_schema(conn: &Db) -> Result<()> {
    conn.execute_batch(
        r#"
CREATE TABLE IF NOT EXISTS verwerkingslog (
    seq INTEGER PRIMARY KEY,
    trace_id TEXT NOT NULL,
    operation_id TEXT NOT NULL,
    parent_operation_id TEXT,
    name TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    status_code TEXT NOT NULL,
    resource TEXT NOT NULL,
    processing_activity_id TEXT NOT NULL,
    data_subject_id TEXT,
    attributes TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- Records are found by name (a run's scan, a destruction) without reading the whole log.
CREATE INDEX IF NOT EXISTS verwerkingslog_naam ON verwerkingslog(name);
-- And by person (an access request, the privacy officer's browsing).
CREATE INDEX IF NOT EXISTS verwerkingslog_persoon ON verwerkingslog(data_subject_id);
CREATE TRIGGER IF NOT EXISTS verwerkingslog_no_update BEFORE UPDATE ON verwerkingslog
BEGIN SELECT RAISE(ABORT, 'the processing log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS verwerkingslog_no_delete BEFORE DELETE ON verwerkingslog
BEGIN SELECT RAISE(ABORT, 'the processing log is append-only'); END;
"#,
    )?;
    Ok(())
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    // Ids only need to be unique; fall back to time-derived bytes if randomness is unavailable.
    if getrandom::fill(&mut b).is_err() {
        let t = chrono::Utc::now()
            .timestamp_nanos_opt()
            .unwrap_or_default()
            .to_be_bytes();
        for (i, x) in b.iter_mut().enumerate() {
            *x = t[i % 8] ^ (i as u8);
        }
    }
    hex::encode(b)
}

/// A new trace id (16 bytes, as in OpenTelemetry).
pub fn new_trace_id() -> String {
    random_hex(16)
}

/// A new operation (span) id (8 bytes).
pub fn new_operation_id() -> String {
    random_hex(8)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    Ok,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Error => "ERROR",
        }
    }
}

/// One record to append.
#[derive(Debug, Clone)]
pub struct LogRecord {
    pub trace_id: String,
    pub operation_id: String,
    pub parent_operation_id: Option<String>,
    pub name: String,
    pub start_time: String,
    pub end_time: String,
    pub status: Status,
    pub data_subject_id: Option<String>,
    pub attributes: Map<String, Value>,
}

impl LogRecord {
    pub fn new(name: &str, start_time: &str, end_time: &str) -> Self {
        LogRecord {
            trace_id: new_trace_id(),
            operation_id: new_operation_id(),
            parent_operation_id: None,
            name: name.to_string(),
            start_time: start_time.to_string(),
            end_time: end_time.to_string(),
            status: Status::Ok,
            data_subject_id: None,
            attributes: Map::new(),
        }
    }

    /// A record of an operation inside `parent` (same trace).
    pub fn child_of(parent: &LogRecord, name: &str, start_time: &str, end_time: &str) -> Self {
        let mut r = LogRecord::new(name, start_time, end_time);
        r.trace_id = parent.trace_id.clone();
        r.parent_operation_id = Some(parent.operation_id.clone());
        r
    }

    pub fn with_attr(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.attributes.insert(key.to_string(), value.into());
        self
    }

    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.data_subject_id = Some(subject.into());
        self
    }

    pub fn with_status(mut self, status: Status) -> Self {
        self.status = status;
        self
    }

    /// Records which organisation acted (`door_organisatie`): the partner of a
    /// partner-medewerker or handhaver, or [`PROJECT`] for the project's own team. The
    /// organisation, never the person: the log keeps no account names, but a resident's access
    /// letter must say which organisation processed their data (art. 15 AVG).
    pub fn by(self, user: &crate::auth::ActingAccount) -> Self {
        let org = user.organisatie().map(|p| p.as_str()).unwrap_or(PROJECT);
        self.with_attr(DOOR_ORGANISATIE, org)
    }
}

/// A keyed fingerprint of an account (an HMAC under the project's integrity key, shortened):
/// it tells whether two records were made by the same account, and the project can name that
/// account to the privacy officer, while the log, which is exported to auditors and never
/// destroyed, holds no account names.
pub fn account_fingerprint(conn: &Db, naam: &str) -> Result<String> {
    let full: String = conn.query_row("SELECT loep_mac('account', ?1)", [naam], |r| r.get(0))?;
    Ok(full.chars().take(32).collect())
}

/// Every record whose name starts with `prefix`, oldest first, each checked against its
/// keyed hash: a record edited or written without the project's key is refused here, so
/// that what a step decides from the log (the reviews of links) is what loep wrote.
pub fn records_named(conn: &Db, prefix: &str) -> Result<Vec<StoredRecord>> {
    let keyed = keyed_from(conn);
    let mut stmt = conn.prepare(
        "SELECT seq, trace_id, operation_id, parent_operation_id, name, start_time, end_time, status_code,
                resource, processing_activity_id, data_subject_id, attributes, prev_hash, hash
         FROM verwerkingslog WHERE name >= ?1 AND name < ?2 ORDER BY seq",
    )?;
    let upper = format!("{}\u{10FFFF}", prefix);
    let rows = stmt.query_map(params![prefix, upper], stored)?;
    let mut out = Vec::new();
    for r in rows {
        let r = r.context("kan het verwerkingslog niet lezen")?;
        if r.compute_hash(conn, keyed)? != r.hash {
            anyhow::bail!(
                "record {} ({}) van het verwerkingslog is gewijzigd nadat het was geschreven; het wordt niet gebruikt (zie loep log verify)",
                r.seq,
                r.name
            );
        }
        out.push(r);
    }
    Ok(out)
}

/// The attribute naming the organisation that acted (see [`LogRecord::by`]).
pub const DOOR_ORGANISATIE: &str = "door_organisatie";
/// Its value for the project's own team (accounts without a partner organisation): the
/// organisation responsible for the project, named in the project's configuration.
pub const PROJECT: &str = "project";

/// A stored record, as exported to auditors.
#[derive(Debug, Clone, Serialize)]
pub struct StoredRecord {
    pub seq: i64,
    pub trace_id: String,
    pub operation_id: String,
    pub parent_operation_id: Option<String>,
    pub name: String,
    pub start_time: String,
    pub end_time: String,
    pub status_code: String,
    pub resource: String,
    pub processing_activity_id: String,
    pub data_subject_id: Option<String>,
    pub attributes: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The first record keyed with the project's integrity key (`i64::MAX` on a connection without
/// the key: a project of an earlier release opened to read).
fn keyed_from(conn: &Db) -> i64 {
    conn.query_row("SELECT loep_mac_vanaf()", [], |r| r.get(0))
        .unwrap_or(i64::MAX)
}

impl StoredRecord {
    /// The record's hash: from `keyed_from` on an HMAC with the integrity key (through the
    /// connection's `loep_mac`), before it the SHA-256 of release 0.1.0.
    fn compute_hash(&self, conn: &Db, keyed_from: i64) -> Result<String> {
        let canonical = self.canonical();
        if self.seq >= keyed_from {
            return Ok(conn.query_row("SELECT loep_mac('log', ?1)", [&canonical], |r| r.get(0))?);
        }
        Ok(hex::encode(Sha256::digest(canonical.as_bytes())))
    }

    fn canonical(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.trace_id,
            self.operation_id,
            self.parent_operation_id,
            self.name,
            self.start_time,
            self.end_time,
            self.status_code,
            self.resource,
            self.processing_activity_id,
            self.data_subject_id,
            self.attributes,
            self.prev_hash,
        ]);
        canonical.to_string()
    }
}

/// The head of the chain: the number of records and the hash of the newest (the genesis hash
/// for an empty log).
pub fn head(tx: &Db) -> Result<(i64, String)> {
    Ok(tx
        .query_row(
            "SELECT seq, hash FROM verwerkingslog ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, GENESIS.to_string())))
}

/// Appends a record inside the caller's transaction, so that the record and the processing it
/// describes are committed together or not at all.
pub fn append(tx: &TxDb, activity_id: &str, rec: LogRecord) -> Result<i64> {
    let (last_seq, prev_hash) = head(tx)?;
    let mut stored = StoredRecord {
        seq: last_seq + 1,
        trace_id: rec.trace_id,
        operation_id: rec.operation_id,
        parent_operation_id: rec.parent_operation_id,
        name: rec.name,
        start_time: rec.start_time,
        end_time: rec.end_time,
        status_code: rec.status.as_str().to_string(),
        resource: RESOURCE.to_string(),
        processing_activity_id: activity_id.to_string(),
        data_subject_id: rec.data_subject_id,
        attributes: Value::Object(rec.attributes).to_string(),
        prev_hash,
        hash: String::new(),
    };
    stored.hash = stored.compute_hash(tx, keyed_from(tx))?;
    tx.execute(
        "INSERT INTO verwerkingslog (seq, trace_id, operation_id, parent_operation_id, name, start_time, end_time,
            status_code, resource, processing_activity_id, data_subject_id, attributes, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            stored.seq,
            stored.trace_id,
            stored.operation_id,
            stored.parent_operation_id,
            stored.name,
            stored.start_time,
            stored.end_time,
            stored.status_code,
            stored.resource,
            stored.processing_activity_id,
            stored.data_subject_id,
            stored.attributes,
            stored.prev_hash,
            stored.hash
        ],
    )?;
    Ok(stored.seq)
}

/// Per scan run, the SHA-256 of the certificate its record in the log names (runs of a
/// release before certificates name none).
pub fn scan_certificates(conn: &Db) -> Result<std::collections::BTreeMap<String, String>> {
    let mut stmt = conn.prepare(
        "SELECT json_extract(attributes, '$.run_id'), json_extract(attributes, '$.certificaat')
         FROM verwerkingslog WHERE name = 'scan' AND json_valid(attributes)",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, Option<String>>(1)?,
        ))
    })?;
    let mut out = std::collections::BTreeMap::new();
    for row in rows {
        if let (Some(run), Some(sha)) = row? {
            out.insert(run, sha);
        }
    }
    Ok(out)
}

/// What the privacy officer looks for in the log: about one person (pseudonym), of one
/// kind (a name, or the start of one ending in a dot: `zaak.`), in a period (`van` included,
/// `tot` not: RFC 3339 times in UTC, as the records' start times are written).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub persoon: Option<String>,
    pub naam: Option<String>,
    pub van: Option<String>,
    pub tot: Option<String>,
}

/// One page of the records `filter` finds, the newest first: `per_page` from `offset`, and
/// whether there are more.
pub fn browse(
    conn: &Db,
    filter: &Filter,
    offset: usize,
    per_page: usize,
) -> Result<(Vec<StoredRecord>, bool)> {
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    if let Some(p) = &filter.persoon {
        clauses.push("data_subject_id = ?");
        values.push(p.clone());
    }
    if let Some(n) = &filter.naam {
        if let Some(stem) = n.strip_suffix('.') {
            // Every name that starts with `stem.`: a range the name index serves ('/' follows
            // '.').
            clauses.push("name >= ? AND name < ?");
            values.push(format!("{stem}."));
            values.push(format!("{stem}/"));
        } else {
            clauses.push("name = ?");
            values.push(n.clone());
        }
    }
    if let Some(v) = &filter.van {
        clauses.push("start_time >= ?");
        values.push(v.clone());
    }
    if let Some(t) = &filter.tot {
        clauses.push("start_time < ?");
        values.push(t.clone());
    }
    let condition = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT seq, trace_id, operation_id, parent_operation_id, name, start_time, end_time, status_code,
                resource, processing_activity_id, data_subject_id, attributes, prev_hash, hash
         FROM verwerkingslog {condition} ORDER BY seq DESC LIMIT {} OFFSET {}",
        per_page + 1,
        offset.min(i64::MAX as usize),
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values.iter()), stored)?;
    let mut out = rows
        .collect::<Result<Vec<_>, _>>()
        .context("kan het verwerkingslog niet lezen")?;
    let more = out.len() > per_page;
    out.truncate(per_page);
    Ok((out, more))
}

/// The number of the newest record of operation `name` about `subject` among all records of
/// that operation (1 for the first such record the log holds; the log keeps every record); 0
/// when there is none.
pub fn number_of_newest(conn: &Db, name: &str, subject: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM verwerkingslog WHERE name = ?1
           AND seq <= (SELECT max(seq) FROM verwerkingslog WHERE name = ?1 AND data_subject_id = ?2)",
        [name, subject],
        |r| r.get(0),
    )?)
}

/// The kinds of record the log holds (their names), for a filter's choices.
pub fn names(conn: &Db) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT DISTINCT name FROM verwerkingslog ORDER BY name")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<Vec<String>, _>>()?)
}

/// The SHA-256 of a file's content, read in blocks (a national snapshot is gigabytes).
pub fn file_sha256(path: &std::path::Path) -> Result<String> {
    use sha2::Digest;
    use std::io::Read;
    let mut f =
        std::fs::File::open(path).with_context(|| format!("kan {} niet lezen", path.display()))?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("kan {} niet lezen", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// What the keyed log recorded of an analysis file when it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedFile {
    /// The record's name (`intake.<tabel>`, or `koppeling`).
    pub naam: String,
    /// The file's SHA-256; `None` from a release that did not record it.
    pub sha256: Option<String>,
}

/// What the keyed log recorded of each analysis file: per snapshot id (the intake's record
/// of the table, subject `snapshot:<id>`, attribute `bestand_sha256`) and per linkage id (its
/// record, `personen_sha256` and `adressen_sha256`, under `ID/personen` and `ID/adressen`).
pub fn recorded_files(conn: &Db) -> Result<std::collections::HashMap<String, RecordedFile>> {
    let mut out = std::collections::HashMap::new();
    // A range on the person index rather than LIKE, which the index cannot serve.
    let mut stmt = conn.prepare(
        "SELECT substr(data_subject_id, 10), name,
                CASE WHEN json_valid(attributes) THEN json_extract(attributes, '$.bestand_sha256') END
         FROM verwerkingslog
         WHERE data_subject_id >= 'snapshot:' AND data_subject_id < 'snapshot;'
           AND substr(name, 1, 7) = 'intake.'",
    )?;
    for row in stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })? {
        let (id, naam, sha256) = row?;
        out.insert(id, RecordedFile { naam, sha256 });
    }
    let mut stmt = conn.prepare(
        "SELECT json_extract(attributes, '$.koppeling_id'),
                json_extract(attributes, '$.personen_sha256'),
                json_extract(attributes, '$.adressen_sha256')
         FROM verwerkingslog
         WHERE name = 'koppeling' AND json_valid(attributes)",
    )?;
    for row in stmt.query_map([], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })? {
        if let (Some(id), p, a) = row? {
            for (part, sha256) in [("personen", p), ("adressen", a)] {
                out.insert(
                    format!("{id}/{part}"),
                    RecordedFile {
                        naam: "koppeling".to_string(),
                        sha256,
                    },
                );
            }
        }
    }
    Ok(out)
}

pub fn records(conn: &Db) -> Result<Vec<StoredRecord>> {
    records_from(conn, 1)
}

/// A record as [`records_from`] and [`browse`] select it.
fn stored(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRecord> {
    Ok(StoredRecord {
        seq: r.get(0)?,
        trace_id: r.get(1)?,
        operation_id: r.get(2)?,
        parent_operation_id: r.get(3)?,
        name: r.get(4)?,
        start_time: r.get(5)?,
        end_time: r.get(6)?,
        status_code: r.get(7)?,
        resource: r.get(8)?,
        processing_activity_id: r.get(9)?,
        data_subject_id: r.get(10)?,
        attributes: r.get(11)?,
        prev_hash: r.get(12)?,
        hash: r.get(13)?,
    })
}

/// The records from number `first` on.
pub fn records_from(conn: &Db, first: i64) -> Result<Vec<StoredRecord>> {
    let mut stmt = conn.prepare(
        "SELECT seq, trace_id, operation_id, parent_operation_id, name, start_time, end_time, status_code,
                resource, processing_activity_id, data_subject_id, attributes, prev_hash, hash
         FROM verwerkingslog WHERE seq >= ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([first], stored)?;
    rows.collect::<Result<Vec<_>, _>>()
        .context("kan het verwerkingslog niet lezen")
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub records: usize,
    pub head_hash: String,
    /// Empty when the chain is intact.
    pub problems: Vec<String>,
}

impl Verification {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Recomputes every hash and link of the chain, compares its head with `vault_head` (the copy
/// the identity vault keeps), and checks that every head in `known` (a head verified before,
/// or one the privacy officer kept) is still in the chain: record N with that hash.
pub fn verify(
    conn: &Db,
    vault_head: Option<HeadCopy>,
    known: &[(i64, String)],
) -> Result<Verification> {
    verify_from(conn, None, vault_head, known)
}

/// [`verify`] of the records after `checkpoint` only (a head verified before, which must
/// still be in the chain): what a writer checks when it opens the project.
pub fn verify_since(
    conn: &Db,
    checkpoint: Option<(i64, String)>,
    vault_head: Option<HeadCopy>,
) -> Result<Verification> {
    let known: Vec<(i64, String)> = checkpoint.iter().cloned().collect();
    verify_from(conn, checkpoint, vault_head, &known)
}

fn verify_from(
    conn: &Db,
    start: Option<(i64, String)>,
    vault_head: Option<HeadCopy>,
    known: &[(i64, String)],
) -> Result<Verification> {
    let (first, mut prev) = match &start {
        Some((seq, hash)) if *seq > 0 => (*seq + 1, hash.clone()),
        _ => (1, GENESIS.to_string()),
    };
    let recs = records_from(conn, first)?;
    let keyed = keyed_from(conn);
    let mut problems = Vec::new();
    for (seq, hash) in known {
        if *seq == 0 {
            continue;
        }
        let found: Option<String> = conn
            .query_row(
                "SELECT hash FROM verwerkingslog WHERE seq = ?1",
                [seq],
                |r| r.get(0),
            )
            .optional()?;
        match found {
            None => problems.push(format!(
                "record {seq}, deel van een eerder gecontroleerde of bewaarde kop, is verdwenen: er zijn records verwijderd"
            )),
            Some(h) if &h != hash => problems.push(format!(
                "record {seq} wijkt af van de eerder gecontroleerde of bewaarde kop: het log is herschreven"
            )),
            Some(_) => {}
        }
    }
    for (i, r) in recs.iter().enumerate() {
        let expected_seq = first + i as i64;
        if r.seq != expected_seq {
            problems.push(format!(
                "record {expected_seq} ontbreekt (op zijn plaats staat record {})",
                r.seq
            ));
        }
        if r.prev_hash != prev {
            problems.push(format!(
                "record {} sluit niet aan op het record ervoor",
                r.seq
            ));
        }
        if r.compute_hash(conn, keyed)? != r.hash {
            problems.push(format!(
                "record {} ({}) is gewijzigd nadat het was geschreven, of geschreven zonder de sleutel van het project",
                r.seq, r.name
            ));
        }
        prev = r.hash.clone();
    }
    let last = head(conn)?;
    let last = (last.0 > 0).then_some(last);
    match (vault_head, last) {
        (Some(v), Some(l)) if !v.matches(&l) => problems.push(format!(
            "het nieuwste record is {} maar de kopie van de kop in de kluis noemt {}: er zijn buiten loep om records verwijderd of toegevoegd",
            l.0, v.recorded.0
        )),
        (Some(v), None) if v.recorded.0 > 0 => problems.push(format!("het log is leeg maar de kopie van de kop in de kluis noemt {} records", v.recorded.0)),
        (None, Some(_)) => problems.push("de kluis bevat geen kopie van de kop van het log".to_string()),
        _ => {}
    }
    let records = if first == 1 {
        recs.len()
    } else {
        head(conn)?.0.max(0) as usize
    };
    Ok(Verification {
        records,
        head_hash: prev,
        problems,
    })
}

/// The identity vault's copy of the log's head: the head recorded after the last commit, and
/// the head a commit announced before it committed and has not yet recorded (a process killed
/// between the store's commit and the vault's). The log may stand at either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadCopy {
    pub recorded: (i64, String),
    pub pending: Option<(i64, String)>,
}

impl HeadCopy {
    /// Whether the log's head `last` is one this copy accounts for.
    pub fn matches(&self, last: &(i64, String)) -> bool {
        &self.recorded == last || self.pending.as_ref() == Some(last)
    }
}

/// A record as a Logboek Dataverwerkingen line: the standard's fields, the `dpl.core.*`
/// attributes beside loep's own, and the chain fields so that an auditor can recheck it.
pub fn to_logboek_json(r: &StoredRecord) -> Value {
    let mut attributes = Map::new();
    attributes.insert(
        "dpl.core.processing_activity_id".to_string(),
        Value::String(r.processing_activity_id.clone()),
    );
    if let Some(s) = &r.data_subject_id {
        attributes.insert(
            "dpl.core.data_subject_id".to_string(),
            Value::String(s.clone()),
        );
        // What kind of id it is: never a BSN here, but the project's keyed pseudonym of one,
        // or a whole snapshot for a bulk operation.
        let kind = if s.starts_with("snapshot:") {
            "snapshot"
        } else {
            "pseudoniem"
        };
        attributes.insert(
            "dpl.core.data_subject_id_type".to_string(),
            Value::String(kind.to_string()),
        );
    }
    if let Ok(Value::Object(own)) = serde_json::from_str::<Value>(&r.attributes) {
        for (k, v) in own {
            attributes.insert(format!("loep.{k}"), v);
        }
    }
    serde_json::json!({
        "trace_id": r.trace_id,
        "operation_id": r.operation_id,
        "parent_operation_id": r.parent_operation_id,
        "name": r.name,
        "start_time": r.start_time,
        "end_time": r.end_time,
        "status_code": status_code(&r.status_code),
        "resource": resource(&r.resource),
        "attributes": attributes,
        "loep.seq": r.seq,
        "loep.prev_hash": r.prev_hash,
        "loep.hash": r.hash,
    })
}

/// The standard's enumeration of `status_code` (0 unknown, 1 OK, 2 error), by name as
/// protobuf's JSON mapping writes an enum.
fn status_code(stored: &str) -> &'static str {
    match stored {
        "OK" => "STATUS_CODE_OK",
        "ERROR" => "STATUS_CODE_ERROR",
        _ => "STATUS_CODE_UNKNOWN",
    }
}

/// The standard's `resource` message: attributes naming the system (`loep 0.1.0` as stored
/// becomes `service.name` and `service.version`, OpenTelemetry's keys).
fn resource(stored: &str) -> Value {
    let (name, version) = stored.split_once(' ').unwrap_or((stored, ""));
    serde_json::json!({
        "attributes": {
            "service.name": name,
            "service.version": version,
        }
    })
}

fn unix_nanos(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .ok()
        .and_then(|d| d.timestamp_nanos_opt())
        .map_or_else(|| "0".to_string(), |n| n.to_string())
}

fn otlp_value(v: &Value) -> Value {
    match v {
        Value::Bool(b) => serde_json::json!({ "boolValue": b }),
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            serde_json::json!({ "intValue": n.to_string() })
        }
        Value::Number(n) => serde_json::json!({ "doubleValue": n.as_f64() }),
        Value::String(s) => serde_json::json!({ "stringValue": s }),
        other => serde_json::json!({ "stringValue": other.to_string() }),
    }
}

/// The log as one OTLP/JSON `ExportTraceServiceRequest`: one span per record (the Logboek
/// standard maps onto OpenTelemetry spans), with the Logboek attributes on each span.
pub fn to_otlp_json(records: &[StoredRecord]) -> Value {
    let spans: Vec<Value> = records
        .iter()
        .map(|r| {
            let line = to_logboek_json(r);
            let mut attributes: Vec<Value> = line["attributes"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| serde_json::json!({ "key": k, "value": otlp_value(v) }))
                        .collect()
                })
                .unwrap_or_default();
            for k in ["loep.seq", "loep.prev_hash", "loep.hash"] {
                attributes.push(serde_json::json!({ "key": k, "value": otlp_value(&line[k]) }));
            }
            let mut span = serde_json::json!({
                "traceId": r.trace_id,
                "spanId": r.operation_id,
                "name": r.name,
                "kind": 1,
                "startTimeUnixNano": unix_nanos(&r.start_time),
                "endTimeUnixNano": unix_nanos(&r.end_time),
                "attributes": attributes,
                "status": { "code": if r.status_code == "OK" { 1 } else { 2 } },
            });
            if let Some(p) = &r.parent_operation_id {
                span["parentSpanId"] = Value::String(p.clone());
            }
            span
        })
        .collect();
    serde_json::json!({
        "resourceSpans": [{
            "resource": { "attributes": [
                { "key": "service.name", "value": { "stringValue": "loep" } },
                { "key": "service.version", "value": { "stringValue": env!("CARGO_PKG_VERSION") } },
            ]},
            "scopeSpans": [{
                "scope": { "name": "loep.verwerkingslog", "version": env!("CARGO_PKG_VERSION") },
                "spans": spans,
            }],
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a step decides from the log is what loep wrote: a record edited outside loep
    /// (triggers dropped, attributes changed) is refused by `records_named`, and the same
    /// account always has the same fingerprint, another account another.
    #[test]
    fn records_read_to_decide_are_checked_and_accounts_fingerprinted() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = crate::project::test_project(&dir.path().join("p"));
        let activity = p.config.verwerkingsactiviteit_id.clone();
        let tx = p.begin().unwrap();
        let now = crate::clock::now();
        append(
            &tx,
            &activity,
            LogRecord::new("beoordeling.voorstel", &now, &now)
                .with_subject("a".repeat(32))
                .with_attr("besluit", "koppelen"),
        )
        .unwrap();
        tx.commit().unwrap();
        let read = records_named(p.db(), "beoordeling.").unwrap();
        assert_eq!(read.len(), 1);
        assert!(records_named(p.db(), "zaak.").unwrap().is_empty());
        let a = account_fingerprint(p.db(), "analist").unwrap();
        assert_eq!(a, account_fingerprint(p.db(), "analist").unwrap());
        assert_ne!(a, account_fingerprint(p.db(), "analist2").unwrap());
        assert_eq!(a.len(), 32);
        p.db()
            .execute_batch(
                "DROP TRIGGER verwerkingslog_no_update;
                 UPDATE verwerkingslog SET attributes = '{\"besluit\":\"niet koppelen\"}'
                 WHERE name = 'beoordeling.voorstel';",
            )
            .unwrap();
        let e = records_named(p.db(), "beoordeling.").unwrap_err();
        assert!(e.to_string().contains("gewijzigd"), "{e}");
    }
}
