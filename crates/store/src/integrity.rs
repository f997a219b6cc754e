//! Integrity against direct edits of the project's files.
//!
//! A key that is not in the store (`sleutel/integriteit.key`, mode 0600, beside the
//! pseudonymisation key) keys three things, so that someone who can write `store.sqlite` but
//! not read the key cannot forge them:
//! - the processing log's chain: every record from [`mac_from`] on is an HMAC-SHA-256 of its
//!   content and the previous record's hash (older records of a project made before keys were
//!   introduced keep their SHA-256);
//! - the rows that grant access (accounts, approvals, requests for identities): each carries a
//!   MAC over the columns that decide access, set by triggers through the SQL function
//!   `loep_mac`, which exists only on connections loep opened with the key. A direct `UPDATE`
//!   fails (the function is missing), and an edit after dropping the triggers no longer matches
//!   its MAC: the row is refused on use ([`row_intact`]);
//! - the signed head of the log that `loep log verify` prints for the privacy officer to keep.
//!
//! The files beside the key record the last verified head (`log-controle`) and, once a check
//! failed, the alarm (`log-alarm`): while it exists the project refuses further processing
//! until the privacy officer has looked.

use crate::db::Db;
use anyhow::{Context, Result, bail};
use hmac::{Hmac, Mac};
use rusqlite::functions::FunctionFlags;
use sha2::Sha256;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::Layout;

const KEY_LEN: usize = 32;

/// The integrity key of a project.
#[derive(Clone)]
pub struct IntegrityKey([u8; KEY_LEN]);

fn key_path(layout: &Layout) -> PathBuf {
    layout.key_dir().join("integriteit.key")
}

fn mac_from_path(layout: &Layout) -> PathBuf {
    layout.key_dir().join("log-mac-vanaf")
}

fn checkpoint_path(layout: &Layout) -> PathBuf {
    layout.key_dir().join("log-controle")
}

fn alarm_path(layout: &Layout) -> PathBuf {
    layout.key_dir().join("log-alarm")
}

/// Writes `content` to a new private file (0600), replacing an existing one atomically.
pub(crate) fn write_private(path: &Path, content: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&tmp)
        .with_context(|| format!("kan {} niet schrijven", tmp.display()))?;
    f.write_all(content)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("kan {} niet schrijven", path.display()))?;
    Ok(())
}

impl IntegrityKey {
    /// Creates the key of a new project (or of a project of an earlier release, once), with
    /// the log sequence number from which records are keyed.
    pub fn create(layout: &Layout, mac_from: i64) -> Result<IntegrityKey> {
        let mut key = [0u8; KEY_LEN];
        getrandom::fill(&mut key)
            .map_err(|e| anyhow::anyhow!("geen toeval beschikbaar voor een sleutel: {e}"))?;
        if key_path(layout).exists() {
            bail!(
                "{} bestaat al; die wordt nooit vervangen",
                key_path(layout).display()
            );
        }
        std::fs::create_dir_all(layout.key_dir())?;
        write_private(&mac_from_path(layout), mac_from.to_string().as_bytes())?;
        write_private(&key_path(layout), &key)?;
        Ok(IntegrityKey(key))
    }

    /// The project's key, or `None` when it has none yet (a project of an earlier release).
    pub fn load(layout: &Layout) -> Result<Option<IntegrityKey>> {
        let path = key_path(layout);
        if !path.exists() {
            return Ok(None);
        }
        let bytes = std::fs::read(&path).with_context(|| {
            format!(
                "kan de integriteitssleutel {} niet lezen; de sleutelhouder moet hem beschikbaar maken",
                path.display()
            )
        })?;
        let key: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| {
            anyhow::anyhow!(
                "de integriteitssleutel {} heeft de verkeerde lengte: hij is gewijzigd",
                path.display()
            )
        })?;
        Ok(Some(IntegrityKey(key)))
    }

    /// The HMAC-SHA-256 of `parts` (separated, NULLs marked), as hex.
    pub fn mac(&self, parts: &[Option<&str>]) -> String {
        hex::encode(self.mac_bytes(parts))
    }

    /// The HMAC-SHA-256 of `parts` (separated, NULLs marked).
    pub fn mac_bytes(&self, parts: &[Option<&str>]) -> [u8; 32] {
        let Ok(mut m) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            // HMAC takes keys of any length; this branch cannot be reached.
            return [0; 32];
        };
        for p in parts {
            match p {
                Some(s) => {
                    m.update(b"\x01");
                    m.update(s.as_bytes());
                }
                None => m.update(b"\x00"),
            }
            m.update(b"\x1f");
        }
        m.finalize().into_bytes().into()
    }
}

/// The first log record keyed with the integrity key.
pub fn mac_from(layout: &Layout) -> Result<i64> {
    let path = mac_from_path(layout);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "kan {} niet lezen: het hoort naast de integriteitssleutel te staan",
            path.display()
        )
    })?;
    text.trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("{} is gewijzigd: er staat geen getal in", path.display()))
}

/// A fixed key, for the unit tests of this crate.
#[cfg(test)]
pub(crate) fn test_key() -> IntegrityKey {
    IntegrityKey([7u8; KEY_LEN])
}

/// A value as the seals read it: NULL apart, numbers as their text.
pub(crate) fn value_text(v: rusqlite::types::ValueRef<'_>) -> Option<String> {
    match v {
        rusqlite::types::ValueRef::Null => None,
        rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
        rusqlite::types::ValueRef::Real(f) => Some(f.to_string()),
        rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
            Some(String::from_utf8_lossy(t).into_owned())
        }
    }
}

/// Registers `loep_mac(...)` (HMAC of its arguments as text) and `loep_mac_vanaf()` on `conn`.
pub fn register(conn: &Db, key: &IntegrityKey, mac_from: i64) -> Result<()> {
    let k = key.clone();
    conn.sql().create_scalar_function(
        "loep_mac",
        -1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        move |ctx| {
            let parts: Vec<Option<String>> =
                (0..ctx.len()).map(|i| value_text(ctx.get_raw(i))).collect();
            let refs: Vec<Option<&str>> = parts.iter().map(|p| p.as_deref()).collect();
            Ok(k.mac(&refs))
        },
    )?;
    conn.sql().create_scalar_function(
        "loep_mac_vanaf",
        0,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        move |_| Ok(mac_from),
    )?;
    Ok(())
}

/// The rows that grant access and the columns their MAC covers. Three are the case
/// register's (`loep_zaken`, whose tables live in this database): who holds a role on a case,
/// which signals (and so which persons' identities) a case holds, and whether it is open. The
/// last are the partner systems' API keys: which account a key acts as, with what scopes.
pub const GUARDED: [(&str, &str, &str); 7] = [
    (
        "gebruiker",
        "naam",
        "naam, rol, organisatie, wachtwoord, actief, bevestigd",
    ),
    (
        "goedkeuring",
        "id",
        "id, door, dpia, tijdstip, config_sha256",
    ),
    (
        "onthulling",
        "id",
        "id, signaal, pseudoniemen, aanvrager, reden, status, beoordelaar, toelichting, beoordeeld",
    ),
    (
        "zaak",
        "identificatie",
        "identificatie, zaaktype, vbo_id, status, einddatum, hoofdzaak, vertrouwelijkheidaanduiding",
    ),
    (
        "zaak_rol",
        "id",
        "id, zaak, roltype, organisatie, medewerker",
    ),
    ("zaak_signaal", "id", "id, zaak, signaal, pseudoniemen"),
    (
        "api_sleutel",
        "id",
        "id, hash, gebruiker, scopes, door, ingetrokken",
    ),
];

/// Rows that decide something but grant no access, sealed as the guarded rows are (a MAC kept
/// by triggers, a changed row refused where it is used and listed by `loep log verify`): the
/// findings of visits, which feed the published hit rates, and the residents' reports with the
/// state they are told. From schema version 7 they are also part of the state bound beside the
/// key ([`crate::toegang::DECISIONS_FROM`]), so that a deleted row or an older copy is found
/// too. (The accounts' audit trail is a keyed chain of its own: [`crate::audit`].)
pub const SEALED: [(&str, &str, &str); 2] = [
    (
        "zaak_bevinding",
        "zaak || '/' || indicator",
        "zaak, indicator, oordeel, tijdstip, door",
    ),
    (
        "burgermelding",
        "nr",
        "nr, ontvangen, adres, vbo_id, categorie, omschrijving, code_mac, status, bijgewerkt",
    ),
];

/// Columns the seal of a guarded table covers beyond those bound in the access state, and the
/// store schema version from which it covers them: the content of a case's signal (its
/// explanation, facts and theme as the case shows them to those who decide on it), which
/// grants no access but must not change unseen (version 9, `schema`).
const SEALED_BEYOND: [(&str, &str, i64); 1] = [("zaak_signaal", "inhoud", 9)];

/// The columns the seal of `table`, whose bound columns are `cols`, covers in the store `conn`
/// (by its schema version, [`SEALED_BEYOND`]).
fn seal_cols(conn: &Db, table: &str, cols: &'static str) -> Result<Cow<'static, str>> {
    for (t, extra, since) in SEALED_BEYOND {
        if t == table && crate::schema::version(conn)? >= since {
            return Ok(Cow::Owned(format!("{cols}, {extra}")));
        }
    }
    Ok(Cow::Borrowed(cols))
}

/// The guarded and the sealed tables: every table whose rows carry a MAC kept by triggers.
fn with_mac() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    GUARDED.iter().chain(SEALED.iter())
}

/// The columns the seal of `table` covers (`mac` = `loep_mac('TABLE', COLUMNS)`), for every
/// table whose rows carry one over their own columns: the guarded and the sealed tables (kept
/// by triggers) and the signals (sealed by the scan as it stores them, [`crate::scan`]). A
/// migration that rewrites rows of such a table seals again only those that match it before
/// ([`crate::lijst::convert_commas`]).
pub fn sealed_columns(conn: &Db, table: &str) -> Result<Option<Cow<'static, str>>> {
    if let Some((_, _, cols)) = with_mac().find(|(t, _, _)| *t == table) {
        return Ok(Some(seal_cols(conn, table, cols)?));
    }
    Ok((table == "signaal").then_some(Cow::Borrowed(crate::scan::SIGNAL_COLUMNS)))
}

/// (Re)creates the triggers that keep the guarded rows' MACs: set on insert and on a change of
/// a guarded column, and a change refused when the row's MAC no longer matches (it was edited
/// outside loep). Dropped triggers come back at the next open; their absence meanwhile shows in
/// the MACs.
pub fn create_triggers(conn: &Db) -> Result<()> {
    // In one transaction: a row written by another connection between dropping a trigger and
    // making it anew would go uncounted.
    let own = conn.is_autocommit();
    if own {
        conn.execute_batch("BEGIN IMMEDIATE")?;
    }
    let made = create_triggers_in(conn);
    if own {
        conn.execute_batch(if made.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    }
    made
}

fn create_triggers_in(conn: &Db) -> Result<()> {
    crate::toegang::create_triggers(conn)?;
    crate::websessie::create_triggers(conn)?;
    for (table, _, bound) in with_mac() {
        if !table_exists(conn, table)? {
            continue;
        }
        let cols = seal_cols(conn, table, bound)?;
        let old: String = cols
            .split(", ")
            .map(|c| format!("old.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let new: String = cols
            .split(", ")
            .map(|c| format!("new.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        conn.execute_batch(&format!(
            "DROP TRIGGER IF EXISTS {table}_mac_insert;
             DROP TRIGGER IF EXISTS {table}_mac_check;
             DROP TRIGGER IF EXISTS {table}_mac_update;
             CREATE TRIGGER {table}_mac_insert AFTER INSERT ON {table} BEGIN
               UPDATE {table} SET mac = loep_mac('{table}', {new}) WHERE rowid = new.rowid;
             END;
             CREATE TRIGGER {table}_mac_check BEFORE UPDATE OF {cols} ON {table}
               WHEN old.mac IS NOT loep_mac('{table}', {old}) BEGIN
               SELECT RAISE(ABORT, 'this row was changed outside loep; the privacy officer must look into it');
             END;
             CREATE TRIGGER {table}_mac_update AFTER UPDATE OF {cols} ON {table} BEGIN
               UPDATE {table} SET mac = loep_mac('{table}', {new}) WHERE rowid = new.rowid;
             END;"
        ))?;
    }
    Ok(())
}

/// Adds the MAC column to the guarded tables that lack it and seals their current rows (once,
/// when a project of an earlier release gets its key).
pub fn seal_existing(conn: &Db) -> Result<()> {
    seal_as_they_are(conn, GUARDED.iter())
}

/// Gives each of `tables` (that exists) its MAC column and seals the rows that have none.
fn seal_as_they_are<'a>(
    conn: &Db,
    tables: impl Iterator<Item = &'a (&'static str, &'static str, &'static str)>,
) -> Result<()> {
    for (table, _, bound) in tables {
        if !table_exists(conn, table)? {
            continue;
        }
        let cols = seal_cols(conn, table, bound)?;
        if !has_mac(conn, table)? {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN mac TEXT"))?;
        }
        conn.execute_batch(&format!(
            "UPDATE {table} SET mac = loep_mac('{table}', {cols}) WHERE mac IS NULL"
        ))?;
    }
    Ok(())
}

/// Adds the MAC column to the sealed tables that lack it and seals their rows as they are, and
/// seals the accounts' audit trail as a chain (schema version 6).
pub fn seal_decisions(conn: &Db) -> Result<()> {
    seal_as_they_are(conn, SEALED.iter())?;
    crate::certificaat::reseal_first_release(conn)?;
    crate::audit::seal_existing(conn)
}

/// Schema version 9: the seal of a case's signal also covers its content
/// ([`SEALED_BEYOND`]). Each row is sealed again over its content only when its seal over the
/// bound columns holds and its content is the signal's as the store still holds it, sealed,
/// where it does (a signal destroyed after its retention period cannot be compared: its case's
/// copy is sealed as it is). A row that fails either keeps its old seal, which fails for the
/// new columns: it is reported as changed outside loep, never blessed. The store's version
/// cannot be set back to run this again (`schema::check_floor`).
pub(crate) fn seal_contents(tx: &crate::db::TxDb) -> Result<Conversion> {
    let mut done = Conversion::default();
    for (table, extra, _) in SEALED_BEYOND {
        let Some((_, key, bound)) = GUARDED.iter().find(|(t, _, _)| *t == table) else {
            continue;
        };
        if !table_exists(tx, table)? || !has_mac(tx, table)? {
            continue;
        }
        let rows: Vec<(String, String, String, bool)> = {
            let mut stmt = tx.prepare(&format!(
                "SELECT CAST({key} AS TEXT), signaal, {extra}, mac IS loep_mac('{table}', {bound}) FROM {table}"
            ))?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let reseal = format!(
            "UPDATE {table} SET mac = loep_mac('{table}', {bound}, {extra}) WHERE CAST({key} AS TEXT) = ?1"
        );
        for (id, signaal, inhoud, held) in rows {
            if held && crate::scan::content_agrees(tx, &signaal, &inhoud)? {
                tx.execute(&reseal, [&id])?;
                done.resealed += 1;
            } else {
                done.unsealed += 1;
            }
        }
    }
    Ok(done)
}

/// What [`seal_contents`] did: rows sealed again over their content, and rows left with their
/// old seal (changed outside loep).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Conversion {
    pub resealed: u64,
    pub unsealed: u64,
}

fn has_mac(conn: &Db, table: &str) -> Result<bool> {
    Ok(conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM pragma_table_info('{table}') WHERE name = 'mac')"),
        [],
        |r| r.get(0),
    )?)
}

pub(crate) fn table_exists(conn: &Db, table: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        [table],
        |r| r.get(0),
    )?)
}

/// Whether the guarded row of `table` with key `id` still matches its MAC. `Ok(true)` when the
/// row does not exist (the caller reports that).
pub fn row_intact(conn: &Db, table: &str, id: &str) -> Result<bool> {
    let Some((_, key, bound)) = with_mac().find(|(t, _, _)| *t == table) else {
        bail!("{table} is geen bewaakte tabel");
    };
    let cols = seal_cols(conn, table, bound)?;
    let sealed: bool = conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM pragma_table_info('{table}') WHERE name = 'mac')"),
        [],
        |r| r.get(0),
    )?;
    if !sealed {
        // A project of an earlier release that no writer has opened yet.
        return Ok(true);
    }
    let intact: Option<bool> = rusqlite::OptionalExtension::optional(conn.query_row(
        &format!("SELECT mac IS loep_mac('{table}', {cols}) FROM {table} WHERE {key} = ?1"),
        [id],
        |r| r.get(0),
    ))?;
    Ok(intact.unwrap_or(true))
}

/// An SQL expression, true for a row of guarded `table` that matches its seal (always true
/// for a table of an earlier release that has no seals yet): for a query that checks every
/// row it reads in the same pass.
pub fn intact_sql(conn: &Db, table: &str) -> Result<String> {
    let Some((_, _, bound)) = with_mac().find(|(t, _, _)| *t == table) else {
        bail!("{table} is geen bewaakte tabel");
    };
    let cols = seal_cols(conn, table, bound)?;
    let sealed: bool = conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM pragma_table_info('{table}') WHERE name = 'mac')"),
        [],
        |r| r.get(0),
    )?;
    Ok(if sealed {
        format!("(mac IS loep_mac('{table}', {cols}))")
    } else if seal_removed(conn, table)? {
        // Every row is refused: the seal itself was taken away.
        "0".to_string()
    } else {
        "1".to_string()
    })
}

/// Whether `table`, without its MAC column, should have one: the store's schema version
/// (which cannot be set back, see `schema::check_floor`) is one that seals it.
fn seal_removed(conn: &Db, table: &str) -> Result<bool> {
    let since = if SEALED.iter().any(|(t, _, _)| *t == table) {
        6
    } else {
        crate::schema::KEYED
    };
    Ok(crate::schema::version(conn)? >= since)
}

/// Every guarded row that no longer matches its seal, as a problem.
pub fn tampered_rows(conn: &Db) -> Result<Vec<String>> {
    let mut out = tampered_in(conn, GUARDED.iter())?;
    out.extend(crate::websessie::tampered(conn)?);
    Ok(out)
}

/// Every sealed decision (finding, report) that no longer matches its seal, and where the
/// accounts' audit trail stops holding, as problems: for `log verify` and a writer's full check.
pub fn tampered_decisions(conn: &Db) -> Result<Vec<String>> {
    let mut out = tampered_in(conn, SEALED.iter())?;
    out.extend(crate::audit::tampered(conn)?);
    Ok(out)
}

fn tampered_in<'a>(
    conn: &Db,
    tables: impl Iterator<Item = &'a (&'static str, &'static str, &'static str)>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (table, key, bound) in tables {
        if !table_exists(conn, table)? {
            continue;
        }
        let cols = seal_cols(conn, table, bound)?;
        let sealed: bool = conn.query_row(
            &format!(
                "SELECT EXISTS (SELECT 1 FROM pragma_table_info('{table}') WHERE name = 'mac')"
            ),
            [],
            |r| r.get(0),
        )?;
        if !sealed {
            if seal_removed(conn, table)? {
                out.push(format!(
                    "de tabel {table} heeft geen zegelkolom meer: die is buiten loep om verwijderd"
                ));
            }
            continue;
        }
        let mut stmt = conn.prepare(&format!(
            "SELECT CAST({key} AS TEXT) FROM {table} WHERE mac IS NOT loep_mac('{table}', {cols})"
        ))?;
        for id in stmt.query_map([], |r| r.get::<_, String>(0))? {
            out.push(format!(
                "{table} '{}' is buiten loep om gewijzigd (klopt niet meer met het zegel)",
                id?
            ));
        }
    }
    Ok(out)
}

/// The refusal when a guarded row no longer matches its MAC.
pub fn tampered(what: &str) -> anyhow::Error {
    crate::Problem::alarm(format!(
        "geweigerd: {what} is buiten loep om gewijzigd (klopt niet meer met het zegel); er wordt niets mee gedaan. De functionaris gegevensbescherming moet dit onderzoeken"
    ))
}

/// The last head a writer verified: (record count, hash).
/// How long a process trusts its own verification of the whole log chain: a writer verifies
/// the records since the verified head every time, and the whole chain (which finds a record
/// deleted or rewritten before that head) when its last full verification is older than this.
pub const FULL_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// When this process last verified the whole chain of each project (by directory).
fn full_checks() -> &'static std::sync::Mutex<std::collections::HashMap<PathBuf, std::time::Instant>>
{
    static CHECKS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<PathBuf, std::time::Instant>>,
    > = std::sync::OnceLock::new();
    CHECKS.get_or_init(Default::default)
}

/// Whether a writer of the project in `dir` must verify the whole chain now.
pub fn full_check_due(dir: &Path) -> bool {
    match full_checks().lock() {
        Ok(m) => m.get(dir).is_none_or(|t| t.elapsed() >= FULL_CHECK_EVERY),
        Err(_) => true,
    }
}

/// Records that the whole chain of the project in `dir` verified just now.
pub fn fully_checked(dir: &Path) {
    if let Ok(mut m) = full_checks().lock() {
        m.insert(dir.to_path_buf(), std::time::Instant::now());
    }
}

pub fn checkpoint(layout: &Layout) -> Result<Option<(i64, String)>> {
    let path = checkpoint_path(layout);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)?;
    let Some((seq, hash)) = text.trim().split_once(' ') else {
        bail!("{} is gewijzigd: er staat geen kop in", path.display());
    };
    let seq = seq
        .parse()
        .map_err(|_| anyhow::anyhow!("{} is gewijzigd: er staat geen kop in", path.display()))?;
    Ok(Some((seq, hash.to_string())))
}

pub fn set_checkpoint(layout: &Layout, seq: i64, hash: &str) -> Result<()> {
    write_private(
        &checkpoint_path(layout),
        format!("{seq} {hash}\n").as_bytes(),
    )
}

/// The alarm, when a check found the log or a guarded row changed: what was found.
pub fn alarm(layout: &Layout) -> Result<Option<String>> {
    let path = alarm_path(layout);
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(std::fs::read_to_string(&path).unwrap_or_else(|_| {
        "het bestand van het alarm is onleesbaar".to_string()
    })))
}

pub fn raise_alarm(layout: &Layout, problems: &[String]) -> Result<()> {
    if alarm_path(layout).exists() {
        return Ok(());
    }
    write_private(&alarm_path(layout), problems.join("\n").as_bytes())
}

pub fn clear_alarm(layout: &Layout) -> Result<()> {
    let path = alarm_path(layout);
    if path.exists() {
        std::fs::remove_file(&path)
            .with_context(|| format!("kan {} niet verwijderen", path.display()))?;
    }
    Ok(())
}

/// A head the privacy officer keeps: `N:HASH:SIGNATURE`.
pub fn signed_head(key: &IntegrityKey, seq: i64, hash: &str) -> String {
    let sig = key.mac(&[Some("kop"), Some(&seq.to_string()), Some(hash)]);
    format!("{seq}:{hash}:{sig}")
}

/// Checks a signed head's signature and returns its (count, hash).
pub fn check_signed_head(key: &IntegrityKey, token: &str) -> Result<(i64, String)> {
    let parts: Vec<&str> = token.trim().split(':').collect();
    let [seq, hash, sig] = parts.as_slice() else {
        crate::invalid!(
            "'{token}' is geen ondertekende kop (N:HASH:HANDTEKENING, zoals de controle van het log hem toont)"
        );
    };
    let Ok(seq) = seq.parse::<i64>() else {
        crate::invalid!("'{token}' is geen ondertekende kop: '{seq}' is geen getal");
    };
    if signed_head(key, seq, hash) != token.trim() || sig.is_empty() {
        crate::invalid!(
            "de handtekening van kop {seq} klopt niet: die is niet door dit project uitgegeven"
        );
    }
    Ok((seq, hash.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn_with_key(path: &Path) -> (rusqlite::Connection, IntegrityKey) {
        let conn = rusqlite::Connection::open(path).unwrap();
        let key = IntegrityKey([7u8; KEY_LEN]);
        register(Db::of(&conn), &key, 1).unwrap();
        // As inside a transaction of loep: changes of the access state are counted.
        let ledger = std::sync::Arc::new(crate::toegang::Ledger::default());
        ledger.open(Db::of(&conn)).unwrap();
        crate::toegang::register(Db::of(&conn), &key, ledger).unwrap();
        (conn, key)
    }

    #[test]
    fn guarded_rows_refuse_direct_edits() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("store.sqlite");
        let (conn, _) = conn_with_key(&db);
        conn.execute_batch(
            "CREATE TABLE onthulling (id TEXT PRIMARY KEY, signaal TEXT, pseudoniemen TEXT, aanvrager TEXT, reden TEXT, status TEXT, beoordelaar TEXT, toelichting TEXT, beoordeeld TEXT, mac TEXT);",
        )
        .unwrap();
        create_triggers(Db::of(&conn)).unwrap();
        conn.execute_batch(
            "INSERT INTO onthulling (id, signaal, pseudoniemen, aanvrager, reden, status) VALUES ('O1', 'S/1', 'p', 'a', 'r', 'aangevraagd');
             UPDATE onthulling SET status = 'goedgekeurd', beoordelaar = 'k' WHERE id = 'O1';",
        )
        .unwrap();
        assert!(row_intact(Db::of(&conn), "onthulling", "O1").unwrap());
        // Another program (no key, no loep_mac) cannot change the row at all.
        let other = rusqlite::Connection::open(&db).unwrap();
        assert!(
            other
                .execute(
                    "UPDATE onthulling SET status = 'goedgekeurd' WHERE id = 'O1'",
                    []
                )
                .is_err()
        );
        // With the triggers dropped a change goes through, but breaks the seal.
        other
            .execute_batch(
                "DROP TRIGGER onthulling_mac_check; DROP TRIGGER onthulling_mac_update; DROP TRIGGER onthulling_mac_insert;
                 DROP TRIGGER onthulling_toegang_update;
                 UPDATE onthulling SET aanvrager = 'x' WHERE id = 'O1';",
            )
            .unwrap();
        drop(other);
        assert!(!row_intact(Db::of(&conn), "onthulling", "O1").unwrap());
        // And the next legitimate change refuses to bless it.
        create_triggers(Db::of(&conn)).unwrap();
        assert!(
            conn.execute(
                "UPDATE onthulling SET status = 'geweigerd' WHERE id = 'O1'",
                []
            )
            .is_err()
        );
    }

    #[test]
    fn signed_heads() {
        let key = IntegrityKey([7u8; KEY_LEN]);
        let t = signed_head(&key, 12, "abc");
        assert_eq!(
            check_signed_head(&key, &t).unwrap(),
            (12, "abc".to_string())
        );
        assert!(check_signed_head(&key, &t.replace("12:", "11:")).is_err());
        assert!(check_signed_head(&IntegrityKey([8u8; KEY_LEN]), &t).is_err());
        assert!(check_signed_head(&key, "garbage").is_err());
    }
}
