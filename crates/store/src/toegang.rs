//! The access state, bound outside the store.
//!
//! Every row that grants access carries a seal (see [`crate::integrity`]), but a seal only
//! says that loep once wrote the row: an older copy of a row passes its own seal (a revoked API
//! key, an account before it was disabled, a web session before its logout), and a copy of the
//! whole store from before an access change passes every seal and the processing log, which
//! access changes do not extend. So the state as a whole is bound too:
//!
//! - the *digest* of the access state is the sum (modulo 2^256), over every row of the tables
//!   in [`tables`], of an HMAC (under the integrity key) of the row's table and the columns that
//!   decide access: it changes with any row added, removed, duplicated, changed or swapped for
//!   an older copy, and cannot be computed without the key;
//! - triggers on those tables hand each changed row to `loep_toegang(...)`, an SQL function
//!   that exists only on loep's connections and only while a transaction of
//!   [`crate::project::Project::begin`] is open: it adds the rows to that transaction's change
//!   of the digest, and refuses a change made any other way;
//! - the digest the store must have is kept beside the integrity key (`toegang-staat`), where
//!   a writer of the store cannot change it. A transaction that changed access writes the
//!   digest before and after it there (the state after computed in full, inside the
//!   transaction, so that a commit an earlier crash left half done cannot lead it astray),
//!   commits, and then leaves only the new one (under a file lock, so that two writers keep
//!   their order); [`check`] compares the store with it before an account, session or key is
//!   trusted.
//!
//! A digest that matches none the anchor accepts means the rows were changed outside loep,
//! or the store was put back from a copy: the integrity alarm is raised and access refused
//! until the privacy officer has looked (`loep log herstel` accepts the state as it is).

use crate::db::Db;
use anyhow::{Context, Result, bail};
use rusqlite::OptionalExtension;
use rusqlite::functions::FunctionFlags;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::Layout;
use crate::integrity::{self, IntegrityKey, table_exists};

/// A digest of the access state.
pub type Digest = [u8; 32];

/// The tables whose rows grant access, with the columns that decide it: the sealed tables
/// and the web sessions (whose time of last use changes with use and decides nothing a copy
/// could gain).
fn access_tables() -> impl Iterator<Item = (&'static str, &'static str)> {
    integrity::GUARDED
        .iter()
        .map(|(t, _, cols)| (*t, *cols))
        .chain(std::iter::once((
            "websessie",
            "sleutel, gebruiker, csrf, aangemaakt",
        )))
}

/// From this schema version on the state bound here also holds the decisions: the findings
/// of visits and the residents' reports (sealed per row, [`integrity::SEALED`]), the archive
/// of hit-rate counts that outlives destroyed cases, and the restrictions of access letters. A row's seal says only that loep
/// once wrote it; bound here, a finding or report deleted, or put back from an older copy,
/// and a count in the archive changed, are found as a changed grant is.
pub const DECISIONS_FROM: i64 = 7;

/// The tables of decisions ([`DECISIONS_FROM`]) with the columns bound.
fn decision_tables() -> impl Iterator<Item = (&'static str, &'static str)> {
    integrity::SEALED
        .iter()
        .map(|(t, _, cols)| (*t, *cols))
        .chain([
            (
                "trefkans_archief",
                "indicator, periode, bevestigd, niet_bevestigd, niet_vast_te_stellen",
            ),
            (
                "inzage_beperking",
                "id, pseudoniem, delen, tot, reden, door, vastgelegd, opgeheven",
            ),
        ])
}

/// Every table whose rows are bound here (the triggers are made on each that exists).
pub fn tables() -> impl Iterator<Item = (&'static str, &'static str)> {
    access_tables().chain(decision_tables())
}

/// The bound columns that hold a list ([`crate::lijst`]): a JSON array from store schema
/// version 8 (the case register's `zaak_signaal` from its version 3), the items joined with
/// commas before.
pub const BOUND_LISTS: [(&str, &str); 4] = [
    ("onthulling", "pseudoniemen"),
    ("zaak_signaal", "pseudoniemen"),
    ("api_sleutel", "scopes"),
    ("inzage_beperking", "delen"),
];

/// What the bound values of a row of `table` (its columns `cols`, in order) count as in the
/// digest, in place. A list ([`BOUND_LISTS`]) counts as its items joined with commas when none
/// of them holds a comma or is empty: exactly the text releases before the JSON lists stored.
/// So the digest of a row is the same before and after the migration that rewrote its list
/// (which cannot move the anchor or record the rights in the log: it runs while the project
/// is opened, before the log may be extended), and the anchor and the rights the log recorded
/// hold across it; the digest reads the decoded list, not the text. Every other value,
/// including a list with such items (which no release wrote joined) or a text that is not a
/// JSON list (an earlier release's, or one changed outside loep), counts as it is stored.
///
/// Once the table holds its lists as JSON (`json`), a value that is not such a list (comma
/// text written or put back from an earlier backup outside loep) counts marked as foreign, so
/// that it never counts the same as the JSON list it would read as before the migration: the
/// digest changes and the access check raises the alarm.
fn count_as(table: &str, cols: &str, values: &mut [Option<String>], json: bool) {
    for (column, value) in cols.split(", ").zip(values.iter_mut()) {
        if !BOUND_LISTS.contains(&(table, column)) {
            continue;
        }
        let Some(text) = value.as_deref() else {
            continue;
        };
        match crate::lijst::decode(text) {
            Ok(items) if items.iter().all(|i| !i.is_empty() && !i.contains(',')) => {
                // Not a stored list: the text the access digest was computed over before JSON.
                *value = Some(items.join(","));
            }
            Ok(_) => {}
            Err(_) if json => *value = Some(format!("{FOREIGN}{text}")),
            Err(_) => {}
        }
    }
}

/// The mark of a bound list value that is not a JSON list in a table that holds JSON lists.
const FOREIGN: &str = "\u{0}geen JSON-lijst:";

/// Whether `table`'s bound lists are JSON arrays in the store `conn` holds: the store's own
/// tables from its schema version 8, the case register's `zaak_signaal` from register version
/// 3 (its version is in `zaak_schema`, absent before the register had versions).
fn lists_are_json(conn: &Db, table: &str) -> Result<bool> {
    if table == "zaak_signaal" {
        if !table_exists(conn, "zaak_schema")? {
            return Ok(false);
        }
        let v: Option<i64> = conn
            .query_row("SELECT versie FROM zaak_schema WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        return Ok(v.is_some_and(|v| v >= 3));
    }
    Ok(crate::schema::version(conn)? >= 8)
}

/// Whether the state of the store `conn` holds includes the decisions (its schema version).
fn with_decisions(conn: &Db) -> Result<bool> {
    Ok(crate::schema::version(conn)? >= DECISIONS_FROM)
}

/// The log record that says the access state is bound from then on: once it is in the
/// chain, a missing anchor is a removed one.
pub const BEWAAKT: &str = "toegang.bewaakt";

/// The log record of a change of rights, with the digest of the rights after it
/// ([`rights_digest`]; see `Tx::commit`).
pub const STAAT: &str = "toegang.staat";

/// The change of the digest by the open transaction of one connection.
#[derive(Default)]
pub struct Ledger(Mutex<LedgerState>);

#[derive(Default)]
struct LedgerState {
    open: bool,
    delta: Digest,
    /// Per [`BOUND_LISTS`] table, whether it held JSON lists when the transaction began: a
    /// row of loep's that comes or goes counts as the check's digest counts it, foreign text
    /// marked (so that a row whose foreign text the privacy officer accepted, then changed or
    /// removed by loep, moves the state exactly as the check sees it).
    json: [bool; BOUND_LISTS.len()],
}

impl Ledger {
    /// A transaction of loep starts: rows that grant access may change, and are counted. `conn`
    /// tells which bound tables hold JSON lists.
    pub(crate) fn open(&self, conn: &Db) -> Result<()> {
        let mut json = [false; BOUND_LISTS.len()];
        for (flag, (table, _)) in json.iter_mut().zip(BOUND_LISTS) {
            *flag = table_exists(conn, table)? && lists_are_json(conn, table)?;
        }
        if let Ok(mut s) = self.0.lock() {
            s.open = true;
            s.delta = [0; 32];
            s.json = json;
        }
        Ok(())
    }

    /// The transaction ends: what it changed, and no changes any more.
    pub(crate) fn close(&self) -> Digest {
        match self.0.lock() {
            Ok(mut s) => {
                s.open = false;
                std::mem::take(&mut s.delta)
            }
            Err(_) => [0; 32],
        }
    }
}

/// `into += other` (mod 2^256, big-endian).
fn add(into: &mut Digest, other: &Digest) {
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let v = u16::from(into[i]) + u16::from(other[i]) + carry;
        into[i] = (v & 0xff) as u8;
        carry = v >> 8;
    }
}

/// `into -= other` (mod 2^256, big-endian).
fn sub(into: &mut Digest, other: &Digest) {
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut v = i16::from(into[i]) - i16::from(other[i]) - borrow;
        borrow = 0;
        if v < 0 {
            v += 256;
            borrow = 1;
        }
        into[i] = v as u8;
    }
}

fn row_mac(key: &IntegrityKey, parts: &[Option<String>]) -> Digest {
    let mut all: Vec<Option<&str>> = Vec::with_capacity(parts.len() + 1);
    all.push(Some("toegang"));
    all.extend(parts.iter().map(|p| p.as_deref()));
    key.mac_bytes(&all)
}

/// Registers `loep_toegang(table, columns...)` on `conn`, counting into `ledger`.
pub fn register(conn: &Db, key: &IntegrityKey, ledger: Arc<Ledger>) -> Result<()> {
    let k = key.clone();
    conn.sql().create_scalar_function("loep_toegang", -1, FunctionFlags::SQLITE_UTF8, move |ctx| {
        // The first argument is +1 for a row that comes, -1 for one that goes; the second the
        // table, then its bound columns.
        let sign: i64 = ctx.get(0)?;
        let mut parts: Vec<Option<String>> = (1..ctx.len())
            .map(|i| integrity::value_text(ctx.get_raw(i)))
            .collect();
        let mut s = ledger.0.lock().map_err(|_| {
            rusqlite::Error::UserFunctionError("de boekhouding van de toegang is onbruikbaar geworden".into())
        })?;
        if !s.open {
            return Err(rusqlite::Error::UserFunctionError(
                "rijen die toegang geven veranderen alleen binnen een transactie van loep (Project::begin)"
                    .into(),
            ));
        }
        if let Some((table, values)) = parts.split_first_mut()
            && let Some(table) = table.as_deref()
            && let Some((_, cols)) = tables().find(|(t, _)| *t == table)
        {
            // As the check's digest counts it: a list loep writes is JSON from the store's
            // version 8 (the register's 3) on and counts as its items; foreign text in a
            // table that held JSON when the transaction began counts marked (a row whose
            // foreign text was accepted and that loep now changes or removes goes as it came).
            let json = BOUND_LISTS
                .iter()
                .zip(s.json)
                .any(|((t, _), json)| *t == table && json);
            count_as(table, cols, values, json);
        }
        let h = row_mac(&k, &parts);
        if sign < 0 {
            sub(&mut s.delta, &h);
        } else {
            add(&mut s.delta, &h);
        }
        Ok(1)
    })?;
    Ok(())
}

/// (Re)creates the triggers that hand every changed row of [`tables`] to `loep_toegang`.
pub fn create_triggers(conn: &Db) -> Result<()> {
    for (table, cols) in tables() {
        if !table_exists(conn, table)? {
            continue;
        }
        let with = |prefix: &str| {
            cols.split(", ")
                .map(|c| format!("{prefix}.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (old, new) = (with("old"), with("new"));
        conn.execute_batch(&format!(
            "DROP TRIGGER IF EXISTS {table}_toegang_insert;
             DROP TRIGGER IF EXISTS {table}_toegang_delete;
             DROP TRIGGER IF EXISTS {table}_toegang_update;
             CREATE TRIGGER {table}_toegang_insert AFTER INSERT ON {table} BEGIN
               SELECT loep_toegang(1, '{table}', {new});
             END;
             CREATE TRIGGER {table}_toegang_delete AFTER DELETE ON {table} BEGIN
               SELECT loep_toegang(-1, '{table}', {old});
             END;
             CREATE TRIGGER {table}_toegang_update AFTER UPDATE OF {cols} ON {table} BEGIN
               SELECT loep_toegang(-1, '{table}', {old}), loep_toegang(1, '{table}', {new});
             END;"
        ))?;
    }
    Ok(())
}

/// The digest of the access state as the store holds it now (read in one snapshot).
pub fn digest(conn: &Db, key: &IntegrityKey) -> Result<Digest> {
    let decisions = with_decisions(conn)?;
    digest_of(conn, key, true, decisions)
}

/// The digest of the rights alone: the access state without the web sessions, which come and
/// go with every login and logout. This is what the processing log records
/// ([`STAAT`]): who may do what and what was decided, not who is logged in.
pub fn rights_digest(conn: &Db, key: &IntegrityKey) -> Result<Rights> {
    let decisions = with_decisions(conn)?;
    Ok(Rights {
        digest: digest_of(conn, key, false, decisions)?,
        decisions,
        audit: audit_head(conn)?,
    })
}

/// The newest line of the accounts' audit trail (its number and seal), when the trail is
/// sealed. Each line's seal covers the seal of the line before ([`crate::audit`]), so a record
/// of the log that names it binds the whole trail up to it: lines removed from the end are
/// found once a change of rights was recorded after them.
pub(crate) fn audit_head(conn: &Db) -> Result<Option<(i64, String)>> {
    if audit_sealed(conn)? != Some(true) {
        return Ok(None);
    }
    let mut stmt = conn.prepare(
        "SELECT id, mac FROM gebruiker_audit WHERE mac IS NOT NULL ORDER BY id DESC LIMIT 1",
    )?;
    Ok(stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .next()
        .transpose()?)
}

/// Whether the accounts' audit trail has its seal column (`None`: no trail).
fn audit_sealed(conn: &Db) -> Result<Option<bool>> {
    if !table_exists(conn, "gebruiker_audit")? {
        return Ok(None);
    }
    Ok(Some(crate::audit::has_mac(conn)?))
}

/// Whether the audit trail still holds the newest line a record of the log named, as
/// problems (see [`audit_head`]).
pub fn logged_audit_problems(conn: &Db) -> Result<Vec<String>> {
    // The newest record only: one without a line (an empty trail the privacy officer
    // accepted) claims none.
    let Some(Logged {
        seq,
        audit: Some(named),
        ..
    }) = logged_rights(conn)?
    else {
        return Ok(Vec::new());
    };
    let Some((id, mac)) = named
        .split_once(':')
        .and_then(|(id, mac)| Some((id.parse::<i64>().ok()?, mac)))
    else {
        return Ok(vec![format!(
            "regel {seq} van het verwerkingslog noemt de laatste regel van het audittrail van de accounts in een vorm die niet te lezen is"
        )]);
    };
    if audit_sealed(conn)? == Some(false) {
        // A trail without its seal column is reported as such ([`crate::audit::tampered`]).
        return Ok(Vec::new());
    }
    let there: Option<String> = if table_exists(conn, "gebruiker_audit")? {
        conn.query_row("SELECT mac FROM gebruiker_audit WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?
    } else {
        None
    };
    Ok(if there.as_deref() == Some(mac) {
        Vec::new()
    } else {
        vec![format!(
            "het audittrail van de accounts bevat regel {id} niet meer zoals het verwerkingslog (regel {seq}) die vastlegde: regels zijn buiten loep om verwijderd of vervangen"
        )]
    })
}

/// The digest of the rights of one extent (what a record of the log covers).
fn rights_digest_of(conn: &Db, key: &IntegrityKey, decisions: bool) -> Result<Digest> {
    digest_of(conn, key, false, decisions)
}

/// The rights as the log records them: the digest and whether it covers the decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rights {
    pub digest: Digest,
    pub decisions: bool,
    /// The newest line of the accounts' audit trail then ([`audit_head`]).
    pub audit: Option<(i64, String)>,
}

/// The value of a record's attribute `omvang` when its digest covers the decisions.
const WITH_DECISIONS: &str = "toegang+besluiten";

impl Rights {
    /// The log record `name` ([`STAAT`] or [`BEWAAKT`]) of these rights.
    pub fn record(&self, name: &str, now: &str) -> crate::log::LogRecord {
        let mut rec = crate::log::LogRecord::new(name, now, now)
            .with_attr("digest", hex::encode(self.digest));
        if self.decisions {
            rec = rec.with_attr("omvang", WITH_DECISIONS.to_string());
        }
        if let Some((id, mac)) = &self.audit {
            rec = rec.with_attr("audit", format!("{id}:{mac}"));
        }
        rec
    }
}

fn digest_of(conn: &Db, key: &IntegrityKey, sessions: bool, decisions: bool) -> Result<Digest> {
    let own = conn.is_autocommit();
    if own {
        conn.execute_batch("BEGIN")?;
    }
    let result = (|| {
        let mut d = [0u8; 32];
        let extent = access_tables().chain(decision_tables().filter(|_| decisions));
        for (table, cols) in extent {
            if (!sessions && table == "websessie") || !table_exists(conn, table)? {
                continue;
            }
            let n = cols.split(", ").count();
            let lists = BOUND_LISTS.iter().any(|(t, _)| *t == table);
            let json = lists && lists_are_json(conn, table)?;
            let mut stmt = conn.prepare(&format!("SELECT {cols} FROM {table}"))?;
            let mut rows = stmt.query([])?;
            let mut parts: Vec<Option<String>> = Vec::with_capacity(n + 1);
            while let Some(row) = rows.next()? {
                parts.clear();
                parts.push(Some(table.to_string()));
                for i in 0..n {
                    parts.push(integrity::value_text(row.get_ref(i)?));
                }
                if lists {
                    count_as(table, cols, &mut parts[1..], json);
                }
                add(&mut d, &row_mac(key, &parts));
            }
        }
        Ok(d)
    })();
    if own {
        let _ = conn.execute_batch("COMMIT");
    }
    result
}

fn anchor_path(layout: &Layout) -> PathBuf {
    layout.key_dir().join("toegang-staat")
}

fn lock_path(layout: &Layout) -> PathBuf {
    layout.key_dir().join("toegang-staat.lock")
}

/// The digests the anchor accepts (the last is the state after the latest change), or `None`
/// when the project has no anchor yet.
pub fn anchor(layout: &Layout) -> Result<Option<Vec<Digest>>> {
    let path = anchor_path(layout);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("kan {} niet lezen", path.display())),
    };
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut d = [0u8; 32];
        hex::decode_to_slice(line.trim(), &mut d).map_err(|_| {
            anyhow::anyhow!("{} is gewijzigd: er staat geen digest in", path.display())
        })?;
        out.push(d);
    }
    if out.is_empty() {
        bail!("{} is gewijzigd: er staat geen digest in", path.display());
    }
    Ok(Some(out))
}

fn write_anchor(layout: &Layout, accepted: &[Digest]) -> Result<()> {
    let text: String = accepted
        .iter()
        .map(|d| format!("{}\n", hex::encode(d)))
        .collect();
    integrity::write_private(&anchor_path(layout), text.as_bytes())
}

/// Held while a transaction that changed access writes its anchor and commits.
pub(crate) struct AnchorLock(std::fs::File);

impl AnchorLock {
    pub(crate) fn take(layout: &Layout) -> Result<AnchorLock> {
        let path = lock_path(layout);
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("kan {} niet openen", path.display()))?;
        f.lock()
            .with_context(|| format!("kan {} niet vergrendelen", path.display()))?;
        Ok(AnchorLock(f))
    }
}

impl Drop for AnchorLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// A commit that changed access, prepared: the anchor lock held and, when the anchor accepts
/// the state before, both states written to it.
pub(crate) struct Prepared<'a> {
    layout: &'a Layout,
    _lock: AnchorLock,
    /// (before, after) when the anchor moves with this commit.
    states: Option<(Digest, Digest)>,
}

/// Prepares a commit: `delta` is what the transaction changed, and `after` computes the state
/// in full inside it. The state before is `after - delta`; only when the anchor accepts it does
/// the anchor move on (so a half-done commit an earlier crash left is found out, and a state
/// changed outside loep is never blessed: its mismatch stays for the next check to find).
/// `None`: nothing to keep in step (no change of access, or a project not yet bound).
pub(crate) fn prepare<'a>(
    layout: &'a Layout,
    delta: Digest,
    after: impl FnOnce() -> Result<Digest>,
) -> Result<Option<Prepared<'a>>> {
    if delta == [0; 32] {
        return Ok(None);
    }
    let lock = AnchorLock::take(layout)?;
    let Some(accepted) = anchor(layout)? else {
        return Ok(None);
    };
    let after = after()?;
    let mut before = after;
    sub(&mut before, &delta);
    let states = if accepted.contains(&before) {
        // Both are accepted while the commit is under way (a reader may see either).
        write_anchor(layout, &[before, after])
            .context("kan de stand van de toegang niet naast de integriteitssleutel vastleggen")?;
        Some((before, after))
    } else {
        None
    };
    Ok(Some(Prepared {
        layout,
        _lock: lock,
        states,
    }))
}

/// After the commit: only the new state when it committed, the old one when it did not.
pub(crate) fn finish(p: Option<Prepared<'_>>, committed: bool) -> Result<()> {
    let Some(Prepared {
        layout,
        states: Some((before, after)),
        ..
    }) = p
    else {
        return Ok(());
    };
    write_anchor(layout, &[if committed { after } else { before }])
}

/// Before the migration to [`DECISIONS_FROM`]: the state the store has (without the
/// decisions) and the state it will have (with them) both accepted, so that the anchor stays
/// in step whether or not the migration commits; [`finish`] after it leaves the one that
/// holds. A store whose state the anchor no longer accepts is left as it is: its mismatch is
/// for the next check to find, never blessed. `None`: a project not yet bound.
pub(crate) fn prepare_decisions<'a>(
    conn: &Db,
    layout: &'a Layout,
    key: &IntegrityKey,
) -> Result<Option<Prepared<'a>>> {
    let lock = AnchorLock::take(layout)?;
    let Some(accepted) = anchor(layout)? else {
        return Ok(None);
    };
    let before = digest_of(conn, key, true, false)?;
    // Only from an anchor that holds the state before alone: one that still accepts two
    // states (a commit an earlier crash left half done, perhaps this very step after its
    // commit) could let the version be set back and the decisions changed, to be blessed now.
    let states = if accepted == [before] {
        let after = digest_of(conn, key, true, true)?;
        write_anchor(layout, &[before, after])
            .context("kan de stand van de toegang niet naast de integriteitssleutel vastleggen")?;
        Some((before, after))
    } else {
        None
    };
    Ok(Some(Prepared {
        layout,
        _lock: lock,
        states,
    }))
}

/// [`prepare`], `commit`, [`finish`].
#[cfg(test)]
pub(crate) fn commit_with(
    layout: &Layout,
    delta: Digest,
    after: impl FnOnce() -> Result<Digest>,
    commit: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let p = prepare(layout, delta, after)?;
    let done = commit();
    finish(p, done.is_ok())?;
    done
}

/// Binds the current access state: the anchor becomes its digest.
pub fn bind(conn: &Db, layout: &Layout, key: &IntegrityKey) -> Result<()> {
    let _lock = AnchorLock::take(layout)?;
    let d = digest(conn, key)?;
    write_anchor(layout, &[d])
}

/// Whether the processing log says the access state was bound.
pub fn was_bound(conn: &Db) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM verwerkingslog WHERE name = ?1)",
        [BEWAAKT],
        |r| r.get(0),
    )?)
}

/// The result of [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staat {
    /// Not bound yet (a project of an earlier release that no writer has opened since).
    Onbewaakt,
    /// As loep left it.
    Intact,
    /// Changed outside loep: what was found.
    Gewijzigd(String),
}

/// What identifies one state of the store's file without reading it: device, inode, size
/// and the time of its last change (`ctime`, which no one but the kernel sets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    dev: u64,
    ino: u64,
    size: u64,
    ctime: i64,
    ctime_nsec: i64,
}

#[cfg(unix)]
fn fingerprint(path: &std::path::Path) -> Option<Fingerprint> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(Fingerprint {
        dev: m.dev(),
        ino: m.ino(),
        size: m.size(),
        ctime: m.ctime(),
        ctime_nsec: m.ctime_nsec(),
    })
}

#[cfg(not(unix))]
fn fingerprint(_: &std::path::Path) -> Option<Fingerprint> {
    None
}

/// Per store file: the digest this process computed and the file's fingerprint then. A web
/// server checks the access state on every request; it computes the digest again only when
/// the file changed since. A fingerprint is kept only when the file's last change lies two
/// seconds or more in the past, so that a change within the same tick of the file system's
/// clock cannot leave the fingerprint as it was (git's "racily clean" rule).
fn verified() -> &'static Mutex<std::collections::HashMap<PathBuf, (Fingerprint, Digest)>> {
    static KEPT: std::sync::OnceLock<
        Mutex<std::collections::HashMap<PathBuf, (Fingerprint, Digest)>>,
    > = std::sync::OnceLock::new();
    KEPT.get_or_init(Default::default)
}

/// The digest of the store as it is: the one kept for an unchanged file, else computed.
fn current_digest(conn: &Db, layout: &Layout, key: &IntegrityKey) -> Result<Digest> {
    let store = layout.store();
    // Changes in a write-ahead log leave the file as it was: no keeping then.
    let wal = store.with_file_name("store.sqlite-wal");
    let before = if wal.exists() {
        None
    } else {
        fingerprint(&store)
    };
    if let Some(fp) = before
        && let Ok(kept) = verified().lock()
        && let Some((kept_fp, d)) = kept.get(&store)
        && *kept_fp == fp
    {
        return Ok(*d);
    }
    let d = digest(conn, key)?;
    if let Some(fp) = before {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|t| t.as_secs() as i64)
            .unwrap_or(0);
        // Stat'ed before the digest was read: a change in between gives another fingerprint.
        if now - fp.ctime >= 2
            && let Ok(mut kept) = verified().lock()
        {
            kept.insert(store, (fp, d));
        }
    }
    Ok(d)
}

/// Compares the access state in the store with the anchor. A transaction that commits
/// meanwhile can make one comparison miss, so a mismatch is looked at again a few times
/// before it counts.
pub fn check(conn: &Db, layout: &Layout, key: &IntegrityKey) -> Result<Staat> {
    for attempt in 0..4u64 {
        let Some(accepted) = anchor(layout)? else {
            if was_bound(conn)? {
                return Ok(Staat::Gewijzigd(format!(
                    "{} is verwijderd, terwijl het verwerkingslog zegt dat de toegangsrechten gebonden waren",
                    anchor_path(layout).display()
                )));
            }
            return Ok(Staat::Onbewaakt);
        };
        let d = if attempt == 0 {
            current_digest(conn, layout, key)?
        } else {
            digest(conn, key)?
        };
        // A writer may have moved the anchor on while the digest was read.
        let again = anchor(layout)?.unwrap_or_default();
        if accepted.contains(&d) || again.contains(&d) {
            return Ok(Staat::Intact);
        }
        std::thread::sleep(std::time::Duration::from_millis(20 * (attempt + 1)));
    }
    Ok(Staat::Gewijzigd(
        "de rijen die toegang geven of iets beslissen (accounts, websessies, API-sleutels, goedkeuringen, verzoeken om identiteiten, zaken, bevindingen van bezoeken, meldingen van bewoners, het archief van de trefkansen, beperkingen van inzage) zijn buiten loep om gewijzigd: ze zijn niet meer wat loep het laatst schreef, omdat een rij is toegevoegd, verwijderd, veranderd of door een oudere kopie vervangen, of omdat de opslag is teruggezet".to_string(),
    ))
}

/// The newest record of the rights in the log ([`STAAT`] or [`BEWAAKT`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// Its number in the log.
    pub seq: i64,
    /// The digest of the rights (hex).
    pub digest: String,
    /// Whether the digest covers the decisions ([`DECISIONS_FROM`]).
    pub decisions: bool,
    /// The audit trail's newest line then (`ID:SEAL`), when the record names one.
    pub audit: Option<String>,
}

impl Logged {
    /// Whether the record says what `rights` are.
    pub fn says(&self, rights: &Rights) -> bool {
        self.digest == hex::encode(rights.digest)
            && self.decisions == rights.decisions
            && self.audit == rights.audit.as_ref().map(|(id, mac)| format!("{id}:{mac}"))
    }
}

/// The newest record of the rights in the log; `None` before the log recorded any (a project
/// bound by an earlier release).
pub fn logged_rights(conn: &Db) -> Result<Option<Logged>> {
    let mut newest: Option<i64> = None;
    for name in [STAAT, BEWAAKT] {
        let seq: Option<i64> = conn.query_row(
            "SELECT MAX(seq) FROM verwerkingslog WHERE name = ?1",
            [name],
            |r| r.get(0),
        )?;
        newest = newest.max(seq);
    }
    let Some(seq) = newest else {
        return Ok(None);
    };
    let logged: Option<(Option<String>, bool, Option<String>)> = conn
        .query_row(
            "SELECT CASE WHEN json_valid(attributes) THEN json_extract(attributes, '$.digest') END,
                    CASE WHEN json_valid(attributes) THEN json_extract(attributes, '$.omvang') END IS ?2,
                    CASE WHEN json_valid(attributes) THEN json_extract(attributes, '$.audit') END
             FROM verwerkingslog WHERE seq = ?1",
            rusqlite::params![seq, WITH_DECISIONS],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    Ok(logged.and_then(|(d, decisions, audit)| {
        d.map(|digest| Logged {
            seq,
            digest,
            decisions,
            audit,
        })
    }))
}

/// Whether the audit trail's newest line differs from the one the newest record of the log
/// names (a writer then records the rights again, binding the trail up to its end).
pub fn audit_moved(conn: &Db, logged: Option<&Logged>) -> Result<bool> {
    let now = audit_head(conn)?.map(|(id, mac)| format!("{id}:{mac}"));
    Ok(now.is_some() && now != logged.and_then(|l| l.audit.clone()))
}

/// The digest (hex) of the rights in the store, over the extent a record of the log covers
/// ([`logged_rights`]).
pub fn rights_as_logged(conn: &Db, key: &IntegrityKey, decisions: bool) -> Result<String> {
    Ok(hex::encode(rights_digest_of(conn, key, decisions)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, Layout, rusqlite::Connection, Arc<Ledger>) {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout {
            dir: dir.path().to_path_buf(),
        };
        std::fs::create_dir_all(layout.key_dir()).unwrap();
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let key = integrity::test_key();
        integrity::register(Db::of(&conn), &key, 1).unwrap();
        let ledger = Arc::new(Ledger::default());
        register(Db::of(&conn), &key, ledger.clone()).unwrap();
        conn.execute_batch(
            "CREATE TABLE api_sleutel (id TEXT PRIMARY KEY, hash TEXT, gebruiker TEXT, scopes TEXT, door TEXT, ingetrokken TEXT, mac TEXT);",
        )
        .unwrap();
        create_triggers(Db::of(&conn)).unwrap();
        (dir, layout, conn, ledger)
    }

    fn write(conn: &Db, layout: &Layout, ledger: &Ledger, sql: &str) {
        ledger.open(conn).unwrap();
        conn.execute_batch("BEGIN").unwrap();
        conn.execute_batch(sql).unwrap();
        let delta = ledger.close();
        let key = integrity::test_key();
        commit_with(
            layout,
            delta,
            || digest(conn, &key),
            || Ok(conn.execute_batch("COMMIT")?),
        )
        .unwrap();
    }

    #[test]
    fn changes_through_loep_keep_the_anchor_in_step() {
        let (_d, layout, conn, ledger) = setup();
        let key = integrity::test_key();
        bind(Db::of(&conn), &layout, &key).unwrap();
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            "INSERT INTO api_sleutel VALUES ('K1', 'h', 'anna', 'lezen', 'bram', NULL, NULL)",
        );
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
        assert_eq!(anchor(&layout).unwrap().unwrap().len(), 1);
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            "UPDATE api_sleutel SET ingetrokken = 'nu' WHERE id = 'K1'",
        );
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
        // Changing a column that decides nothing leaves the digest as it is.
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            "UPDATE api_sleutel SET mac = 'x'",
        );
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
    }

    /// Foreign text in a list (comma text put back outside loep) that the privacy officer
    /// accepted counts marked in the state; when loep later changes or removes that row, the
    /// transaction counts the row that goes the same way, and the state stays in step.
    #[test]
    fn an_accepted_foreign_list_changed_by_loep_keeps_the_anchor_in_step() {
        let (_d, layout, conn, ledger) = setup();
        let key = integrity::test_key();
        conn.execute_batch("PRAGMA user_version = 8").unwrap();
        bind(Db::of(&conn), &layout, &key).unwrap();
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            r#"INSERT INTO api_sleutel VALUES ('K1', 'h', 'anna', '["lezen"]', 'bram', NULL, NULL)"#,
        );
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
        // Outside loep: the old comma form put back (counted, but never committed through the
        // anchor).
        ledger.open(Db::of(&conn)).unwrap();
        conn.execute_batch("UPDATE api_sleutel SET scopes = 'lezen,schrijven' WHERE id = 'K1'")
            .unwrap();
        ledger.close();
        assert_ne!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
        // The privacy officer looked into it and accepted the state as it is.
        bind(Db::of(&conn), &layout, &key).unwrap();
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
        // loep changes the row, then removes it: each time the state stays in step.
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            "UPDATE api_sleutel SET ingetrokken = 'nu' WHERE id = 'K1'",
        );
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            r#"UPDATE api_sleutel SET scopes = '["lezen"]' WHERE id = 'K1'"#,
        );
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            "UPDATE api_sleutel SET scopes = 'x,y' WHERE id = 'K1'",
        );
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            "DELETE FROM api_sleutel WHERE id = 'K1'",
        );
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
    }

    #[test]
    fn a_change_outside_a_transaction_of_loep_is_refused() {
        let (_d, _layout, conn, _ledger) = setup();
        let e = conn
            .execute_batch(
                "INSERT INTO api_sleutel VALUES ('K1', 'h', 'anna', 'lezen', 'bram', NULL, NULL)",
            )
            .unwrap_err();
        assert!(
            e.to_string().contains("binnen een transactie van loep"),
            "{e}"
        );
    }

    #[test]
    fn an_older_copy_a_removed_row_and_a_rollback_are_found() {
        let (_d, layout, conn, ledger) = setup();
        let key = integrity::test_key();
        bind(Db::of(&conn), &layout, &key).unwrap();
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            "INSERT INTO api_sleutel VALUES ('K1', 'h', 'anna', 'lezen', 'bram', NULL, NULL)",
        );
        let before_revoke = anchor(&layout).unwrap().unwrap();
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            "UPDATE api_sleutel SET ingetrokken = 'nu' WHERE id = 'K1'",
        );
        // The old row put back with the triggers dropped.
        conn.execute_batch(
            "DROP TRIGGER api_sleutel_toegang_delete; DROP TRIGGER api_sleutel_toegang_insert;
             DELETE FROM api_sleutel; INSERT INTO api_sleutel VALUES ('K1', 'h', 'anna', 'lezen', 'bram', NULL, NULL);",
        )
        .unwrap();
        assert!(matches!(
            check(Db::of(&conn), &layout, &key).unwrap(),
            Staat::Gewijzigd(_)
        ));
        // The anchor is where the state before the revocation is no longer accepted.
        assert!(
            !anchor(&layout)
                .unwrap()
                .unwrap()
                .contains(&before_revoke[0])
        );
        // A row removed.
        conn.execute_batch("DELETE FROM api_sleutel").unwrap();
        assert!(matches!(
            check(Db::of(&conn), &layout, &key).unwrap(),
            Staat::Gewijzigd(_)
        ));
    }

    /// Two copies of one row do not cancel out: a rebuilt table without its key that holds an
    /// old, sealed copy beside the revoked row is found.
    #[test]
    fn a_duplicated_row_is_found() {
        let (_d, layout, conn, ledger) = setup();
        let key = integrity::test_key();
        bind(Db::of(&conn), &layout, &key).unwrap();
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            "INSERT INTO api_sleutel VALUES ('K1', 'h', 'anna', 'lezen', 'bram', NULL, NULL)",
        );
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            "UPDATE api_sleutel SET ingetrokken = 'nu' WHERE id = 'K1'",
        );
        conn.execute_batch(
            "DROP TRIGGER api_sleutel_toegang_insert; DROP TRIGGER api_sleutel_toegang_delete;
             DROP TRIGGER api_sleutel_toegang_update;
             CREATE TABLE t2 AS SELECT * FROM api_sleutel; DROP TABLE api_sleutel;
             ALTER TABLE t2 RENAME TO api_sleutel;
             INSERT INTO api_sleutel VALUES ('K1', 'h', 'anna', 'lezen', 'bram', NULL, NULL);
             INSERT INTO api_sleutel VALUES ('K1', 'h', 'anna', 'lezen', 'bram', NULL, NULL);",
        )
        .unwrap();
        assert!(matches!(
            check(Db::of(&conn), &layout, &key).unwrap(),
            Staat::Gewijzigd(_)
        ));
    }

    /// A crash between writing the anchor and finishing the commit leaves both states
    /// accepted; the next change starts from the state the store really holds.
    #[test]
    fn the_next_change_after_a_half_done_commit_starts_from_the_store() {
        let (_d, layout, conn, ledger) = setup();
        let key = integrity::test_key();
        bind(Db::of(&conn), &layout, &key).unwrap();
        let b = anchor(&layout).unwrap().unwrap()[0];
        // What the crashed writer left: the anchor names a state the store never reached.
        let mut never = b;
        add(&mut never, &[7u8; 32]);
        write_anchor(&layout, &[b, never]).unwrap();
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            "INSERT INTO api_sleutel VALUES ('K1', 'h', 'anna', 'lezen', 'bram', NULL, NULL)",
        );
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
        assert_eq!(anchor(&layout).unwrap().unwrap().len(), 1);
    }

    #[test]
    fn a_removed_anchor_is_found_once_the_log_says_it_was_bound() {
        let (_d, layout, conn, _ledger) = setup();
        let key = integrity::test_key();
        conn.execute_batch("CREATE TABLE verwerkingslog (seq INTEGER PRIMARY KEY, name TEXT)")
            .unwrap();
        assert_eq!(
            check(Db::of(&conn), &layout, &key).unwrap(),
            Staat::Onbewaakt
        );
        conn.execute("INSERT INTO verwerkingslog (name) VALUES (?1)", [BEWAAKT])
            .unwrap();
        assert!(matches!(
            check(Db::of(&conn), &layout, &key).unwrap(),
            Staat::Gewijzigd(_)
        ));
    }

    /// The digest a server keeps between requests is computed again once the file changed,
    /// however the change was made.
    #[test]
    fn a_kept_digest_is_not_trusted_once_the_file_changed() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = crate::project::test_project(&dir.path().join("p"));
        let tx = p.begin().unwrap();
        tx.execute_batch(
            "INSERT INTO api_sleutel (id, hash, gebruiker, scopes, omschrijving, aangemaakt, door)
             VALUES ('K1', 'h', 'anna', '[\"zaken.lezen\"]', 'systeem', 'nu', 'bram')",
        )
        .unwrap();
        tx.commit().unwrap();
        // Old enough to be kept, then kept and used.
        std::thread::sleep(std::time::Duration::from_millis(2100));
        p.check_access().unwrap();
        assert!(verified().lock().unwrap().contains_key(&p.layout.store()));
        p.check_access().unwrap();
        p.db()
            .execute_batch("DROP TRIGGER api_sleutel_toegang_delete; DELETE FROM api_sleutel;")
            .unwrap();
        assert!(p.check_access().is_err());
    }

    /// From schema version 7 the decisions are bound: the migration moves the anchor with it
    /// (a failed one leaves it where it was), and from then on a count changed outside loep
    /// is found, while a change through loep keeps the anchor in step.
    #[test]
    fn the_decisions_join_the_state_with_the_migration() {
        let (_d, layout, conn, ledger) = setup();
        let key = integrity::test_key();
        conn.execute_batch(
            "CREATE TABLE trefkans_archief (indicator TEXT, periode TEXT, bevestigd INTEGER,
                 niet_bevestigd INTEGER, niet_vast_te_stellen INTEGER, PRIMARY KEY (indicator, periode));
             INSERT INTO trefkans_archief VALUES ('UEL-01', '2025', 3, 1, 0);
             PRAGMA user_version = 6;",
        )
        .unwrap();
        bind(Db::of(&conn), &layout, &key).unwrap();
        let old = digest(Db::of(&conn), &key).unwrap();
        // A migration that does not commit: the state before holds.
        let p = prepare_decisions(Db::of(&conn), &layout, &key).unwrap();
        assert_eq!(anchor(&layout).unwrap().unwrap().len(), 2);
        finish(p, false).unwrap();
        assert_eq!(anchor(&layout).unwrap().unwrap(), vec![old]);
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
        // One that commits.
        let p = prepare_decisions(Db::of(&conn), &layout, &key).unwrap();
        conn.execute_batch("PRAGMA user_version = 7").unwrap();
        finish(p, true).unwrap();
        create_triggers(Db::of(&conn)).unwrap();
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
        assert_ne!(anchor(&layout).unwrap().unwrap(), vec![old]);
        write(
            Db::of(&conn),
            &layout,
            &ledger,
            "UPDATE trefkans_archief SET bevestigd = 4",
        );
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
        conn.execute_batch(
            "DROP TRIGGER trefkans_archief_toegang_update;
             UPDATE trefkans_archief SET bevestigd = 40",
        )
        .unwrap();
        assert!(matches!(
            check(Db::of(&conn), &layout, &key).unwrap(),
            Staat::Gewijzigd(_)
        ));
    }

    /// A store the anchor no longer accepts is not blessed by the migration.
    #[test]
    fn the_migration_does_not_bless_a_changed_state() {
        let (_d, layout, conn, _ledger) = setup();
        let key = integrity::test_key();
        conn.execute_batch("PRAGMA user_version = 6").unwrap();
        bind(Db::of(&conn), &layout, &key).unwrap();
        conn.execute_batch(
            "DROP TRIGGER api_sleutel_toegang_insert;
             INSERT INTO api_sleutel VALUES ('K1', 'h', 'anna', 'lezen', 'bram', NULL, NULL)",
        )
        .unwrap();
        let p = prepare_decisions(Db::of(&conn), &layout, &key).unwrap();
        conn.execute_batch("PRAGMA user_version = 7").unwrap();
        finish(p, true).unwrap();
        assert!(matches!(
            check(Db::of(&conn), &layout, &key).unwrap(),
            Staat::Gewijzigd(_)
        ));
    }

    /// An anchor that still accepts two states (a commit an earlier crash left half done) is
    /// not moved by the migration: a version set back after a crash cannot have the decisions
    /// blessed as they were changed meanwhile.
    #[test]
    fn the_migration_leaves_a_two_state_anchor_as_it_is() {
        let (_d, layout, conn, _ledger) = setup();
        let key = integrity::test_key();
        conn.execute_batch("PRAGMA user_version = 6").unwrap();
        bind(Db::of(&conn), &layout, &key).unwrap();
        let b = anchor(&layout).unwrap().unwrap()[0];
        let mut other = b;
        add(&mut other, &[3u8; 32]);
        write_anchor(&layout, &[b, other]).unwrap();
        let p = prepare_decisions(Db::of(&conn), &layout, &key).unwrap();
        finish(p, true).unwrap();
        assert_eq!(anchor(&layout).unwrap().unwrap(), vec![b, other]);
    }

    #[test]
    fn a_failed_commit_leaves_the_state_before() {
        let (_d, layout, conn, ledger) = setup();
        let key = integrity::test_key();
        bind(Db::of(&conn), &layout, &key).unwrap();
        ledger.open(Db::of(&conn)).unwrap();
        conn.execute_batch("BEGIN").unwrap();
        conn.execute_batch(
            "INSERT INTO api_sleutel VALUES ('K1', 'h', 'anna', 'lezen', 'bram', NULL, NULL)",
        )
        .unwrap();
        let delta = ledger.close();
        let r = commit_with(
            &layout,
            delta,
            || digest(Db::of(&conn), &key),
            || {
                conn.execute_batch("ROLLBACK")?;
                bail!("the disk is full")
            },
        );
        assert!(r.is_err());
        assert_eq!(check(Db::of(&conn), &layout, &key).unwrap(), Staat::Intact);
        assert_eq!(anchor(&layout).unwrap().unwrap().len(), 1);
    }
}
