//! Reading the register: the cases a user may see, their counts per status, one case with
//! everything recorded on it.

use anyhow::Result;
use loep_store::Db;
use loep_store::auth::{self, Actie, ActingAccount, Object};
use rusqlite::params;

use super::model::{Zaak, ZaakDetail};
use super::opslag::{ZAAK_COLUMNS, detail, load, zaak_from_row};
use super::schema::has_register;
use super::toegang::{authorize, object};

/// Which cases `list` returns.
#[derive(Debug, Clone, Default)]
pub struct ZaakFilter {
    pub status: Option<String>,
    pub zaaktype: Option<String>,
    /// Only open (`Some(true)`) or closed (`Some(false)`) cases.
    pub open: Option<bool>,
    pub vbo_id: Option<loep_contract::BagId>,
}

/// `loep zaak list`: the cases `user` may see (a partner or handhaver: those their
/// organisation or account holds a role on), newest first.
pub fn list(conn: &Db, user: &ActingAccount, filter: &ZaakFilter) -> Result<Vec<Zaak>> {
    auth::authorize(user, Actie::ZakenBekijken, Object::Project)?;
    if !has_register(conn)? {
        return Ok(Vec::new());
    }
    // One address's cases through the index on `vbo_id` (the address page); the other
    // filters are checked on each row below.
    let order = "ORDER BY registratiedatum DESC, identificatie DESC";
    let mut stmt = conn.sql().prepare(&match filter.vbo_id {
        Some(_) => format!("SELECT {ZAAK_COLUMNS} FROM zaak WHERE vbo_id = ?1 {order}"),
        None => format!("SELECT {ZAAK_COLUMNS} FROM zaak WHERE ?1 IS NULL {order}"),
    })?;
    let rows = stmt.query_map(params![filter.vbo_id.map(|v| v.to_string())], zaak_from_row)?;
    let mut out = Vec::new();
    for z in rows {
        let z = z?;
        if filter.status.as_ref().is_some_and(|s| *s != z.status)
            || filter.zaaktype.as_ref().is_some_and(|s| *s != z.zaaktype)
            || filter.open.is_some_and(|o| o == z.gesloten())
            || filter
                .vbo_id
                .as_ref()
                .is_some_and(|v| *v != z.zaakobject.identificatie)
        {
            continue;
        }
        let (op_zaak, gesloten) = object(conn, user, &z)?;
        if auth::decide(
            user,
            Actie::ZakenBekijken,
            Object::Zaak { op_zaak, gesloten },
        )
        .is_ok()
        {
            if !loep_store::integrity::row_intact(conn, "zaak", &z.identificatie)? {
                return Err(loep_store::integrity::tampered(&format!(
                    "zaak {}",
                    z.identificatie
                )));
            }
            out.push(z);
        }
    }
    Ok(out)
}

/// A value that changes whenever a case is added or removed, moves on or gets a role: for a
/// front end that keeps counts from [`per_status`] (reading it costs three index lookups and
/// a count).
pub fn version(conn: &Db) -> Result<String> {
    if !has_register(conn)? {
        return Ok(String::new());
    }
    Ok(conn.sql().query_row(
        "SELECT (SELECT count(*) FROM zaak) || '/' || ifnull((SELECT max(rowid) FROM zaak), 0)
           || '/' || ifnull((SELECT max(rowid) FROM zaak_status), 0)
           || '/' || ifnull((SELECT max(rowid) FROM zaak_rol), 0)",
        [],
        |r| r.get(0),
    )?)
}

/// Per status code, how many cases and how many addresses the account may see (the
/// dashboard): one grouped query for an account that sees every case, otherwise counted over
/// [`list`].
pub fn per_status(conn: &Db, user: &ActingAccount) -> Result<Vec<(String, usize, usize)>> {
    auth::authorize(user, Actie::ZakenBekijken, Object::Project)?;
    if !has_register(conn)? {
        return Ok(Vec::new());
    }
    let sees_all = [false, true].into_iter().all(|gesloten| {
        auth::decide(
            user,
            Actie::ZakenBekijken,
            Object::Zaak {
                op_zaak: false,
                gesloten,
            },
        )
        .is_ok()
    });
    if sees_all {
        // Every row's seal is checked in the same pass, as `list` checks each case it lists.
        let intact = loep_store::integrity::intact_sql(conn, "zaak")?;
        let mut stmt = conn.sql().prepare(&format!(
            "SELECT status, count(*), count(DISTINCT vbo_id), sum(NOT {intact}),
                    min(CASE WHEN NOT {intact} THEN identificatie END)
             FROM zaak GROUP BY status ORDER BY status"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (status, n, a, broken, which) = row?;
            if broken > 0 {
                return Err(loep_store::integrity::tampered(&format!(
                    "zaak {}",
                    which.unwrap_or_default()
                )));
            }
            out.push((
                status,
                usize::try_from(n).unwrap_or(0),
                usize::try_from(a).unwrap_or(0),
            ));
        }
        return Ok(out);
    }
    let mut by: std::collections::BTreeMap<
        String,
        (usize, std::collections::BTreeSet<loep_contract::BagId>),
    > = std::collections::BTreeMap::new();
    for z in list(conn, user, &ZaakFilter::default())? {
        let e = by.entry(z.status).or_default();
        e.0 += 1;
        e.1.insert(z.zaakobject.identificatie);
    }
    Ok(by
        .into_iter()
        .map(|(status, (n, a))| (status, n, a.len()))
        .collect())
}

/// `loep zaak show`: a case with everything recorded on it.
pub fn show(conn: &Db, user: &ActingAccount, id: &str) -> Result<ZaakDetail> {
    let z = load(conn, id)?;
    authorize(conn, user, Actie::ZakenBekijken, &z)?;
    detail(conn, z)
}
