//! What the rest of loep asks the register about the persons of cases: the front end's index
//! of case pages, the `op_zaak` rule of revealing identities, and what the identity vault
//! keeps.

use anyhow::Result;
use loep_store::Db;
use loep_store::auth::ActingAccount;
use rusqlite::params;
use std::collections::HashSet;

use super::opslag::rollen;
use super::schema::{has_register, list_format};
use super::toegang::is_on;
use crate::case_types::case_types;

/// A value that changes whenever the set of [`case_persons`] does (a case made or destroyed;
/// case numbers are never given twice): a count and two index lookups.
pub fn case_persons_key(conn: &Db) -> Result<String> {
    if !has_register(conn)? {
        return Ok(String::new());
    }
    Ok(conn.sql().query_row(
        "SELECT (SELECT count(*) FROM zaak_signaal) || '/' || ifnull((SELECT max(rowid) FROM zaak_signaal), 0)
           || '/' || ifnull((SELECT max(zaak) FROM zaak_signaal), '')",
        [],
        |r| r.get(0),
    )?)
}

/// Every case's address with the persons of its signals (for the front end's index of the
/// case pages; the caller shows a case's part only to whoever may see that case), and
/// [`case_persons_key`] as it was read with them.
pub fn case_persons(conn: &Db) -> Result<(String, Vec<(String, String)>)> {
    if !has_register(conn)? {
        return Ok((String::new(), Vec::new()));
    }
    let key = case_persons_key(conn)?;
    let lists = list_format(conn)?;
    let mut stmt = conn.sql().prepare(
        "SELECT z.vbo_id, s.pseudoniemen FROM zaak_signaal s JOIN zaak z ON z.identificatie = s.zaak",
    )?;
    let mut out = Vec::new();
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, lists.column(r, 1)?)))? {
        let (vbo, persons) = row?;
        for p in persons {
            out.push((vbo.clone(), p));
        }
    }
    Ok((key, out))
}

/// Whether `user` holds a role on an open case that took in signal `signaal` (`RUN/NR`): the
/// `op_zaak` rule for seeing the identities of an approved request on that signal.
pub fn on_open_case_with_signal(conn: &Db, user: &ActingAccount, signaal: &str) -> Result<bool> {
    if !has_register(conn)? {
        return Ok(false);
    }
    let mut stmt = conn.sql().prepare(
        "SELECT zs.id, z.identificatie FROM zaak_signaal zs JOIN zaak z ON z.identificatie = zs.zaak
         WHERE zs.signaal = ?1 AND z.einddatum IS NULL",
    )?;
    let rows = stmt
        .query_map(params![signaal], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (zs, zaak) in rows {
        if !loep_store::integrity::row_intact(conn, "zaak_signaal", &zs)?
            || !loep_store::integrity::row_intact(conn, "zaak", &zaak)?
        {
            return Err(loep_store::integrity::tampered(&format!("zaak {zaak}")));
        }
        if is_on(user, &rollen(conn, &zaak)?) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The persons of every open case registered on or after `since` (`YYYY-MM-DD`: today less
/// the project's `zaken_jaren`): the identity vault keeps theirs past the project's end. A case
/// left open longer keeps nobody's identity.
pub fn persons_in_open_cases(conn: &Db, since: &str) -> Result<HashSet<String>> {
    if !has_register(conn)? {
        return Ok(HashSet::new());
    }
    let lists = list_format(conn)?;
    let mut stmt = conn.sql().prepare(
        "SELECT zs.pseudoniemen FROM zaak_signaal zs JOIN zaak z ON z.identificatie = zs.zaak
         WHERE z.einddatum IS NULL AND z.registratiedatum >= ?1",
    )?;
    let rows = stmt.query_map(params![since], |r| lists.column(r, 0))?;
    let mut out = HashSet::new();
    for r in rows {
        out.extend(r?);
    }
    Ok(out)
}

/// Whether a case was closed (afgerond or geannuleerd) after `since` (RFC 3339): its persons'
/// identities are then no longer kept for it.
pub fn closed_since(conn: &Db, since: &str) -> Result<bool> {
    if !has_register(conn)? {
        return Ok(false);
    }
    let closing: Vec<String> = case_types()
        .statustypen
        .iter()
        .filter(|s| s.eind)
        .map(|s| format!("'{}'", s.code.replace('\'', "")))
        .collect();
    Ok(conn.sql().query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM zaak_status WHERE status IN ({}) AND tijdstip > ?1)",
            closing.join(", ")
        ),
        params![since],
        |r| r.get(0),
    )?)
}
