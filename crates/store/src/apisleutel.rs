//! API keys of partner systems, and the answers to `Idempotency-Key` requests.
//!
//! A partner's case system talks to loep's API (`/api/v1`) with a key that a beheerder issued
//! for one account of that partner: the key acts as that account, through the same
//! authorisation (a partner sees only its organisation's cases), and only within its scopes.
//! A key is `loep_<id>_<secret>`: the id names the row, the secret (256 random bits) is kept
//! only as its SHA-256, so that someone who reads the database cannot use a key. The rows are
//! guarded like the accounts ([`crate::integrity::GUARDED`]): a key inserted or widened by a
//! direct edit of the database no longer matches its seal and is refused.

use crate::db::Db;
use anyhow::{Context, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::{ActingAccount, Rol};
use crate::{Problem, ProblemKind};

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Scope {
    /// Read the partner's cases, their statuses, visits and outcomes.
    ZakenLezen,
    /// Change them: statuses, visits, outcomes, notes and the partner's own dossier number.
    ZakenBijwerken,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::ZakenLezen, Scope::ZakenBijwerken];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ZakenLezen => "zaken.lezen",
            Scope::ZakenBijwerken => "zaken.bijwerken",
        }
    }

    pub fn parse(s: &str) -> Result<Scope> {
        Scope::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| {
                Problem::error(
                    ProblemKind::Invalid,
                    format!("onbekende scope '{s}': kies zaken.lezen of zaken.bijwerken"),
                )
            })
    }
}

/// The roles whose accounts may have a key: those of partner systems.
pub const ROLES: [Rol; 2] = [Rol::PartnerMedewerker, Rol::Handhaver];

pub fn create_schema(conn: &Db) -> Result<()> {
    conn.execute_batch(
        r#"
CREATE TABLE IF NOT EXISTS api_sleutel (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    gebruiker TEXT NOT NULL,
    scopes TEXT NOT NULL,
    omschrijving TEXT NOT NULL,
    aangemaakt TEXT NOT NULL,
    door TEXT NOT NULL,
    ingetrokken TEXT,
    mac TEXT
);
CREATE TABLE IF NOT EXISTS api_idempotentie (
    sleutel TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    verzoek TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    tijdstip TEXT NOT NULL,
    PRIMARY KEY (sleutel, idempotency_key)
);
"#,
    )
    .context("kan de tabellen api_sleutel en api_idempotentie niet aanmaken")
}

/// A key as a beheerder sees it (never its secret).
#[derive(Debug, Clone, Serialize)]
pub struct ApiSleutel {
    pub id: String,
    pub gebruiker: String,
    pub scopes: Vec<Scope>,
    pub omschrijving: String,
    pub aangemaakt: String,
    pub door: String,
    pub ingetrokken: Option<String>,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn hash_of(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn random_hex(n: usize) -> Result<String> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("geen willekeurige bytes: {e}"))?;
    Ok(hex::encode(bytes))
}

/// The scopes in a fixed order, each once: as stored ([`crate::lijst`]) and as the audit trail
/// names them.
fn scope_names(scopes: &[Scope]) -> Vec<&'static str> {
    let mut s: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    s.sort();
    s.dedup();
    s
}

/// The scopes a stored key names that this release knows.
fn parse_scopes(names: &[String]) -> Vec<Scope> {
    names.iter().filter_map(|s| Scope::parse(s).ok()).collect()
}

/// Issues a key for the account `gebruiker` (a partner-medewerker or handhaver), by `door`
/// (authorised by the caller). Returns the key's row and the key itself, which is shown once.
pub fn issue(
    conn: &Db,
    door: &ActingAccount,
    gebruiker: &str,
    scopes: &[Scope],
    omschrijving: &str,
    now: DateTime<Utc>,
) -> Result<(ApiSleutel, String)> {
    create_schema(conn)?;
    let account = crate::auth::reload(conn, gebruiker)?;
    if !ROLES.contains(&account.rol()) {
        return Err(Problem::error(
            ProblemKind::Invalid,
            format!(
                "account '{gebruiker}' is {}; een API-sleutel is voor het systeem van een partner en hoort bij een account met de rol partner-medewerker of handhaver",
                account.rol().name()
            ),
        ));
    }
    if !scopes.contains(&Scope::ZakenLezen) {
        return Err(Problem::invalid_in(
            &["scope"],
            "geef ten minste de scope zaken.lezen, en zaken.bijwerken voor een systeem dat zaken ook bijwerkt: wat een systeem bijwerkt, krijgt het terug",
        ));
    }
    let omschrijving = omschrijving.trim();
    if omschrijving.is_empty() || omschrijving.chars().count() > 200 {
        return Err(Problem::invalid_in(
            &["omschrijving"],
            "zeg in de omschrijving in 1 tot 200 tekens welk systeem de sleutel gebruikt",
        ));
    }
    let id = random_hex(8)?;
    let secret = random_hex(32)?;
    crate::auth::atomically(conn, || {
        conn.execute(
            "INSERT INTO api_sleutel (id, hash, gebruiker, scopes, omschrijving, aangemaakt, door)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                hash_of(&secret),
                gebruiker,
                crate::lijst::encode(&scope_names(scopes)),
                omschrijving,
                stamp(now),
                door.naam()
            ],
        )
        .context("kan de API-sleutel niet vastleggen")?;
        crate::audit::record(
            conn,
            now,
            crate::audit::Gebeurtenis::ApiSleutelUitgegeven,
            gebruiker,
            Some(door.naam()),
            Some(&format!(
                "sleutel {id}, scopes {}: {omschrijving}",
                // Not a stored list: the audit trail's sentence about the key.
                scope_names(scopes).join(",")
            )),
        )
    })?;
    let row = find(conn, &id)?.context("de zojuist vastgelegde API-sleutel is verdwenen")?;
    Ok((row, format!("loep_{id}_{secret}")))
}

fn find(conn: &Db, id: &str) -> Result<Option<ApiSleutel>> {
    Ok(conn
        .query_row(
            "SELECT id, gebruiker, scopes, omschrijving, aangemaakt, door, ingetrokken
             FROM api_sleutel WHERE id = ?1",
            params![id],
            row,
        )
        .optional()?)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApiSleutel> {
    Ok(ApiSleutel {
        id: r.get(0)?,
        gebruiker: r.get(1)?,
        scopes: parse_scopes(&crate::lijst::column(r, 2)?),
        omschrijving: r.get(3)?,
        aangemaakt: r.get(4)?,
        door: r.get(5)?,
        ingetrokken: r.get(6)?,
    })
}

/// Every key, newest first.
pub fn list(conn: &Db) -> Result<Vec<ApiSleutel>> {
    create_schema(conn)?;
    let mut stmt = conn.prepare(
        "SELECT id, gebruiker, scopes, omschrijving, aangemaakt, door, ingetrokken
         FROM api_sleutel ORDER BY aangemaakt DESC, id",
    )?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes key `id` (by `door`): from now on it is refused.
pub fn revoke(conn: &Db, door: &ActingAccount, id: &str, now: DateTime<Utc>) -> Result<ApiSleutel> {
    create_schema(conn)?;
    // The seal first: a key changed outside loep is refused as such, whatever it now holds.
    if !crate::integrity::row_intact(conn, "api_sleutel", id)? {
        return Err(crate::integrity::tampered(&format!("API-sleutel '{id}'")));
    }
    let Some(k) = find(conn, id)? else {
        return Err(Problem::with_next(
            ProblemKind::NotFound,
            crate::Vervolg::Overzicht(crate::Overzicht::ApiSleutels),
            format!("er is geen API-sleutel '{id}'"),
        ));
    };
    if k.ingetrokken.is_none() {
        crate::auth::atomically(conn, || {
            conn.execute(
                "UPDATE api_sleutel SET ingetrokken = ?2 WHERE id = ?1",
                params![id, stamp(now)],
            )?;
            crate::audit::record(
                conn,
                now,
                crate::audit::Gebeurtenis::ApiSleutelIngetrokken,
                &k.gebruiker,
                Some(door.naam()),
                Some(&format!("sleutel {id}")),
            )
        })?;
    }
    find(conn, id)?.context("de API-sleutel is verdwenen")
}

/// Whether `key` has the form of a key (`loep_` + 16 hex digits + `_` + 64 hex digits): what
/// does not is refused before the project is opened.
pub fn well_formed(key: &str) -> bool {
    let Some((id, secret)) = key.strip_prefix("loep_").and_then(|r| r.split_once('_')) else {
        return false;
    };
    id.len() == 16
        && secret.len() == 64
        && id
            .bytes()
            .chain(secret.bytes())
            .all(|b| b.is_ascii_hexdigit())
}

fn unknown() -> anyhow::Error {
    Problem::error(
        ProblemKind::Unauthenticated,
        "de API-sleutel is onbekend, ingetrokken of onjuist; vraag de beheerder van het project om een geldige sleutel",
    )
}

/// The account and scopes of `key`, when it is a valid key that has not been revoked and its
/// account is active and intact. Every unknown or wrong key gets the same answer.
pub fn authenticate(conn: &Db, key: &str) -> Result<(ActingAccount, String, Vec<Scope>)> {
    create_schema(conn)?;
    let key = key.trim();
    if !well_formed(key) {
        return Err(unknown());
    }
    let Some((id, secret)) = key.strip_prefix("loep_").and_then(|r| r.split_once('_')) else {
        return Err(unknown());
    };
    let stored: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT hash, gebruiker, ingetrokken FROM api_sleutel WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let given = hash_of(secret);
    let Some((hash, gebruiker, ingetrokken)) = stored else {
        return Err(unknown());
    };
    // Constant time: the comparison says nothing about how much of the secret was right.
    let same = hash.len() == given.len()
        && hash
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same || ingetrokken.is_some() {
        return Err(unknown());
    }
    if !crate::integrity::row_intact(conn, "api_sleutel", id)? {
        return Err(crate::integrity::tampered(&format!("API-sleutel '{id}'")));
    }
    let user = crate::auth::reload(conn, &gebruiker)?;
    let k = find(conn, id)?.ok_or_else(unknown)?;
    Ok((user, k.id, k.scopes))
}

/// What identifies a request for its `Idempotency-Key`: the method and path, and a hash of the
/// body.
pub fn fingerprint(method_path: &str, body: &[u8]) -> String {
    format!("{method_path} {}", hex::encode(Sha256::digest(body)))
}

/// A stored answer to a POST with an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct Antwoord {
    /// What the request was (method, path and a hash of its body): the same key with another
    /// request is refused.
    pub verzoek: String,
    pub status: u16,
    pub body: String,
}

/// The answer stored for `idempotency_key` of key `sleutel`, if any.
pub fn stored_answer(conn: &Db, sleutel: &str, idempotency_key: &str) -> Result<Option<Antwoord>> {
    create_schema(conn)?;
    Ok(conn
        .query_row(
            "SELECT verzoek, status, body FROM api_idempotentie
             WHERE sleutel = ?1 AND idempotency_key = ?2",
            params![sleutel, idempotency_key],
            |r| {
                Ok(Antwoord {
                    verzoek: r.get(0)?,
                    status: r.get(1)?,
                    body: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// How long an answer is kept for a repeated request.
pub const IDEMPOTENCY_HOURS: i64 = 24;

/// Forgets the answers older than [`IDEMPOTENCY_HOURS`] (they hold case data); retention
/// calls this at every open of a writer.
pub fn purge_answers(conn: &Db, now: DateTime<Utc>) -> Result<usize> {
    create_schema(conn)?;
    Ok(conn.execute(
        "DELETE FROM api_idempotentie WHERE tijdstip < ?1",
        params![stamp(now - chrono::TimeDelta::hours(IDEMPOTENCY_HOURS))],
    )?)
}

/// Stores the answer to a POST with an `Idempotency-Key`, and forgets answers older than
/// [`IDEMPOTENCY_HOURS`].
pub fn store_answer(
    conn: &Db,
    sleutel: &str,
    idempotency_key: &str,
    a: &Antwoord,
    now: DateTime<Utc>,
) -> Result<()> {
    purge_answers(conn, now)?;
    conn.execute(
        "INSERT OR IGNORE INTO api_idempotentie (sleutel, idempotency_key, verzoek, status, body, tijdstip)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![sleutel, idempotency_key, a.verzoek, a.status, a.body, stamp(now)],
    )?;
    Ok(())
}
