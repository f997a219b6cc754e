//! Residents' reports filed through the public form (`/melden`): what was reported about which
//! address, and a follow-up code for the resident.
//!
//! The code is 80 random bits written in base32 (16 characters); the table keeps only its
//! HMAC under the project's integrity key, so that someone who reads `store.sqlite` can
//! neither read a code nor test guesses against it without the key. A code shows the state of
//! its own report in plain words and nothing else. Nothing about the resident is asked or
//! kept: every report is anonymous.

use crate::db::{Db, TxDb};
use anyhow::{Context, Result};
use loep_contract::BagId;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::log::LogRecord;
use crate::{Problem, ProblemKind, Project, clock};

/// The categories of the contract's `melding` table.
pub const CATEGORIEEN: [(&str, &str); 8] = [
    (
        "verdachte_bewoning",
        "Verdachte bewoning (veel wisselende bewoners, niemand lijkt er te wonen)",
    ),
    (
        "onderverhuur",
        "Onderverhuur (de huurder woont er niet zelf)",
    ),
    (
        "overbewoning",
        "Overbewoning (te veel mensen in een woning)",
    ),
    ("drugsoverlast", "Drugsoverlast of een hennepkwekerij"),
    ("woonoverlast", "Woonoverlast (geluid, stank, ruzie)"),
    ("verloedering", "Verloedering (vuil, verval)"),
    ("jeugdoverlast", "Jeugdoverlast"),
    ("overig", "Iets anders"),
];

/// The states a report goes through, as the resident reads them.
pub const STATUSSEN: [(&str, &str); 3] = [
    ("ontvangen", "ontvangen"),
    ("in_behandeling", "in behandeling"),
    ("afgerond", "afgerond"),
];

/// A description longer than this is refused (the form says so).
pub const MAX_OMSCHRIJVING: usize = 2000;

pub fn create_schema(conn: &Db) -> Result<()> {
    conn.execute_batch(
        r#"
CREATE TABLE IF NOT EXISTS burgermelding (
    nr INTEGER PRIMARY KEY AUTOINCREMENT,
    ontvangen TEXT NOT NULL,
    adres TEXT NOT NULL,
    vbo_id TEXT NOT NULL,
    categorie TEXT NOT NULL,
    omschrijving TEXT NOT NULL,
    code_mac TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    bijgewerkt TEXT NOT NULL,
    mac TEXT
);
CREATE INDEX IF NOT EXISTS burgermelding_vbo ON burgermelding(vbo_id);
"#,
    )
    .context("kan de tabel burgermelding (meldingen van bewoners) niet aanmaken")
}

/// A report as the team sees it (never its code).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Burgermelding {
    pub melding_id: String,
    pub ontvangen: String,
    /// The address as the resident typed it.
    pub adres: String,
    /// The BAG object the resident confirmed.
    pub vbo_id: BagId,
    pub categorie: String,
    pub omschrijving: String,
    pub status: String,
    pub bijgewerkt: String,
}

/// What a follow-up code shows: the state and when it was received.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stand {
    pub status: String,
    pub ontvangen: String,
    pub bijgewerkt: String,
}

/// The public form's time stamp: the moment the form was handed out, signed with a key that
/// lives only in the serving process, so that a report sent faster than a person can type, or
/// long after, is recognised (no CAPTCHA).
pub struct Formulier {
    key: [u8; 32],
}

impl Formulier {
    pub fn new() -> Result<Formulier> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("geen willekeurige bytes: {e}"))?;
        Ok(Formulier { key })
    }

    fn mac(&self, issued: i64, nonce: &str) -> String {
        use hmac::{Hmac, Mac};
        let Ok(mut m) = Hmac::<sha2::Sha256>::new_from_slice(&self.key) else {
            // HMAC takes keys of any length.
            return String::new();
        };
        m.update(b"melden-formulier:");
        m.update(issued.to_string().as_bytes());
        m.update(b":");
        m.update(nonce.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }

    /// The token for a form handed out at `issued` (seconds since the epoch), with a nonce of
    /// its own, so that one form files one report.
    pub fn token(&self, issued: i64) -> Result<String> {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("geen willekeurige bytes: {e}"))?;
        let nonce = hex::encode(bytes);
        Ok(format!("{issued}.{nonce}.{}", self.mac(issued, &nonce)))
    }

    /// Seconds since the form of `token` was handed out, and its nonce; `None` for a token
    /// this process did not sign.
    pub fn check(&self, token: &str, now: i64) -> Option<(i64, String)> {
        let mut parts = token.splitn(3, '.');
        let (issued, nonce, mac) = (parts.next()?, parts.next()?, parts.next()?);
        let issued: i64 = issued.parse().ok()?;
        let expected = self.mac(issued, nonce);
        let same = expected.len() == mac.len()
            && expected
                .bytes()
                .zip(mac.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        same.then(|| (now.saturating_sub(issued), nonce.to_string()))
    }
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// 80 random bits as 16 base32 characters, in groups of four for reading aloud.
fn new_code() -> Result<String> {
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("geen willekeurige bytes: {e}"))?;
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(b);
    }
    let chars: Vec<char> = (0..16)
        .rev()
        .map(|i| char::from(BASE32[((bits >> (i * 5)) & 31) as usize]))
        .collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// The code as typed, in its canonical form: upper case, without spaces and dashes; `None`
/// when it cannot be a code.
pub fn canonical(code: &str) -> Option<String> {
    let c: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (c.len() == 16 && c.bytes().all(|b| BASE32.contains(&b))).then_some(c)
}

fn table_exists(conn: &Db) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'burgermelding')",
        [],
        |r| r.get(0),
    )?)
}

fn invalid(message: impl Into<String>) -> anyhow::Error {
    Problem::error(ProblemKind::Invalid, message)
}

/// Files a report about `vbo_id` and returns its id and the follow-up code (shown once).
pub fn file(
    project: &mut Project,
    adres: &str,
    vbo_id: BagId,
    categorie: &str,
    omschrijving: &str,
) -> Result<(String, String)> {
    if !CATEGORIEEN.iter().any(|(c, _)| *c == categorie) {
        return Err(invalid(format!(
            "kies een soort melding uit de lijst ('{categorie}' is er geen)"
        )));
    }
    let omschrijving = omschrijving.trim();
    if omschrijving.is_empty() {
        return Err(invalid("beschrijf wat u ziet of hoort"));
    }
    if omschrijving.chars().count() > MAX_OMSCHRIJVING {
        return Err(invalid(format!(
            "de beschrijving is te lang: ten hoogste {MAX_OMSCHRIJVING} tekens"
        )));
    }
    create_schema(project.db())?;
    // The seal's triggers come with the table at a writer's open; a table made here, by a
    // reader, gets them now.
    let has_triggers: bool = project.db().query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'burgermelding_mac_insert')",
        [],
        |r| r.get(0),
    )?;
    let has_mac: bool = project.db().query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('burgermelding') WHERE name = 'mac')",
        [],
        |r| r.get(0),
    )?;
    // (A store a writer of this release has not migrated yet has no seal column: no triggers.)
    if !has_triggers && has_mac {
        crate::integrity::create_triggers(project.db())?;
    }
    let code = new_code()?;
    let mac = project.keyed(&[Some("burgermelding-code"), canonical(&code).as_deref()])?;
    let now = clock::now();
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    // AUTOINCREMENT: a number is never given twice, also after retention deleted reports.
    tx.execute(
        "INSERT INTO burgermelding (ontvangen, adres, vbo_id, categorie, omschrijving, code_mac, status, bijgewerkt)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'ontvangen', ?1)",
        params![
            now,
            adres.trim(),
            vbo_id.to_string(),
            categorie,
            omschrijving,
            mac
        ],
    )?;
    let id = id_of(tx.last_insert_rowid());
    // A report may describe residents: its receipt is a processing of personal data.
    let rec = LogRecord::new("melding.ontvangen", &now, &now)
        .with_attr("melding", id.clone())
        .with_attr("categorie", categorie.to_string());
    crate::log::append(&tx, &activity, rec)?;
    tx.commit()?;
    Ok((id, code))
}

/// The state of the report with this follow-up code; `None` for a code that names none.
pub fn stand(project: &Project, code: &str) -> Result<Option<Stand>> {
    let Some(c) = canonical(code) else {
        return Ok(None);
    };
    if !table_exists(project.db())? {
        return Ok(None);
    }
    let mac = project.keyed(&[Some("burgermelding-code"), Some(&c)])?;
    let intact = crate::integrity::intact_sql(project.db(), "burgermelding")?;
    let found = project
        .db()
        .query_row(
            &format!(
                "SELECT status, ontvangen, bijgewerkt, {intact} FROM burgermelding WHERE code_mac = ?1"
            ),
            params![mac],
            |r| {
                Ok((
                    Stand {
                        status: r.get(0)?,
                        ontvangen: r.get(1)?,
                        bijgewerkt: r.get(2)?,
                    },
                    r.get::<_, bool>(3)?,
                ))
            },
        )
        .optional()?;
    match found {
        // The resident is told nothing a changed row says.
        Some((_, false)) => Err(crate::integrity::tampered("deze melding")),
        Some((stand, true)) => Ok(Some(stand)),
        None => Ok(None),
    }
}

/// A report's id as people read it: `W` and its number.
fn id_of(nr: i64) -> String {
    format!("W{nr:06}")
}

/// The number of a report id (`W000012` → 12).
fn nr_of(id: &str) -> Option<i64> {
    id.strip_prefix('W')?.parse().ok()
}

/// Reports read with their seal checked (the column after [`COLUMNS`]): one changed outside
/// loep (its state, its address, what it says) is refused.
fn checked(conn: &Db, filter: &str, params: impl rusqlite::Params) -> Result<Vec<Burgermelding>> {
    let intact = crate::integrity::intact_sql(conn, "burgermelding")?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS}, {intact} FROM burgermelding {filter}"
    ))?;
    // The seal first: a report changed outside loep is refused as such, also when what it now
    // holds no longer reads (an address that is no verblijfsobject id, say).
    let rows = stmt.query_map(params, |r| {
        Ok(if r.get::<_, bool>(8)? {
            Ok(from_row(r)?)
        } else {
            Err(id_of(r.get(0)?))
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        match row? {
            Ok(m) => out.push(m),
            Err(id) => return Err(crate::integrity::tampered(&format!("melding {id}"))),
        }
    }
    Ok(out)
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Burgermelding> {
    Ok(Burgermelding {
        melding_id: id_of(r.get(0)?),
        ontvangen: r.get(1)?,
        adres: r.get(2)?,
        vbo_id: crate::kolom::vbo(r, 3)?,
        categorie: r.get(4)?,
        omschrijving: r.get(5)?,
        status: r.get(6)?,
        bijgewerkt: r.get(7)?,
    })
}

const COLUMNS: &str = "nr, ontvangen, adres, vbo_id, categorie, omschrijving, status, bijgewerkt";

/// Every report, the newest first.
pub fn list(conn: &Db) -> Result<Vec<Burgermelding>> {
    if !table_exists(conn)? {
        return Ok(vec![]);
    }
    checked(conn, "ORDER BY nr DESC", [])
}

/// The reports about one address, the newest first.
pub fn at(conn: &Db, vbo_id: BagId) -> Result<Vec<Burgermelding>> {
    if !table_exists(conn)? {
        return Ok(vec![]);
    }
    checked(
        conn,
        "WHERE vbo_id = ?1 ORDER BY nr DESC",
        params![vbo_id.to_string()],
    )
}

/// Moves a report on: `ontvangen` → `in_behandeling` → `afgerond` (or straight to
/// `afgerond`); never back.
pub fn set_status(project: &mut Project, id: &str, status: &str) -> Result<Burgermelding> {
    let Some(to) = STATUSSEN.iter().position(|(s, _)| *s == status) else {
        return Err(invalid(format!(
            "onbekende status '{status}'; kies uit: ontvangen, in_behandeling, afgerond"
        )));
    };
    if !table_exists(project.db())? {
        crate::not_found!("er zijn nog geen meldingen van bewoners");
    }
    let nr = nr_of(id).unwrap_or(-1);
    let current: Option<String> = project
        .db()
        .query_row(
            "SELECT status FROM burgermelding WHERE nr = ?1",
            params![nr],
            |r| r.get(0),
        )
        .optional()?;
    let Some(current) = current else {
        return Err(Problem::error(
            ProblemKind::NotFound,
            format!("er is geen melding '{id}'"),
        ));
    };
    let from = STATUSSEN
        .iter()
        .position(|(s, _)| *s == current)
        .unwrap_or(0);
    if to <= from {
        return Err(invalid(format!(
            "melding {id} is al {}; een melding gaat alleen vooruit",
            STATUSSEN[from].1
        )));
    }
    let now = clock::now();
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    tx.execute(
        "UPDATE burgermelding SET status = ?2, bijgewerkt = ?3 WHERE nr = ?1",
        params![nr, status, now],
    )?;
    let rec = LogRecord::new("melding.status", &now, &now)
        .with_attr("melding", id.to_string())
        .with_attr("status", status.to_string());
    crate::log::append(&tx, &activity, rec)?;
    tx.commit()?;
    let row = project.db().query_row(
        &format!("SELECT {COLUMNS} FROM burgermelding WHERE nr = ?1"),
        params![nr],
        from_row,
    )?;
    Ok(row)
}

/// Counts and hashes the reports received before `cutoff` (RFC 3339); deletes them unless
/// `dry_run`. Reports are kept as long as signals (`signalen_dagen`): after that their code
/// finds nothing.
pub fn purge_before(tx: &TxDb, cutoff: &str, dry_run: bool) -> Result<crate::retention::Destroyed> {
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    let mut n = 0u64;
    if table_exists(tx)? {
        let mut stmt = tx.prepare(&format!(
            "SELECT {COLUMNS} FROM burgermelding WHERE ontvangen < ?1 ORDER BY nr"
        ))?;
        for m in stmt.query_map(params![cutoff], from_row)? {
            let m = m?;
            hash.update(serde_json::to_vec(&m)?);
            hash.update(b"\x1e");
            n += 1;
        }
        if !dry_run {
            tx.execute(
                "DELETE FROM burgermelding WHERE ontvangen < ?1",
                params![cutoff],
            )?;
        }
    }
    Ok(crate::retention::Destroyed {
        soort: "meldingen".to_string(),
        aantal: n,
        sha256: hex::encode(hash.finalize()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_has_80_random_bits_and_reads_back_however_it_is_typed() {
        let a = new_code().unwrap();
        let b = new_code().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 19, "{a}");
        assert_eq!(a.matches('-').count(), 3);
        let c = canonical(&a).unwrap();
        assert_eq!(c.len(), 16);
        assert_eq!(
            canonical(&a.to_lowercase().replace('-', " ")),
            Some(c.clone())
        );
        for bad in ["", "ABCD", "ABCD-EFGH-IJKL-MNO1", "ABCD-EFGH-IJKL-MNOPQ"] {
            assert_eq!(canonical(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_form_token_tells_its_age_and_nonce_and_only_its_own() {
        let f = Formulier::new().unwrap();
        let t = f.token(1_000).unwrap();
        let (age, nonce) = f.check(&t, 1_004).unwrap();
        assert_eq!(age, 4);
        let (_, other_nonce) = f.check(&f.token(1_000).unwrap(), 1_004).unwrap();
        assert_ne!(nonce, other_nonce, "every form its own nonce");
        let other = Formulier::new().unwrap();
        assert_eq!(other.check(&t, 1_004), None, "another process's token");
        let forged = t.replacen("1000", "900", 1);
        assert_eq!(f.check(&forged, 1_004), None, "an earlier time claimed");
        let i64_min = format!("{}.x.y", i64::MIN);
        for bad in [
            "",
            "x",
            "1000",
            "1000.",
            "abc.def",
            "1000.x.y",
            i64_min.as_str(),
        ] {
            assert_eq!(f.check(bad, 1_004), None, "{bad}");
        }
    }

    /// A report's state or address changed outside loep is refused where it is read, and
    /// named by the privacy officer's check.
    #[test]
    fn a_report_changed_outside_loep_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = crate::project::test_project(&dir.path().join("p"));
        let (id, code) = file(
            &mut p,
            "Kerkstraat 1",
            BagId::vbo("0392010000000001").unwrap(),
            "verdachte_bewoning",
            "Veel wisselende bewoners.",
        )
        .unwrap();
        assert_eq!(list(p.db()).unwrap().len(), 1);
        assert!(stand(&p, &code).unwrap().is_some());
        let received: Vec<rusqlite::types::Value> = p
            .db()
            .query_row("SELECT * FROM burgermelding", [], |r| {
                (0..r.as_ref().column_count())
                    .map(|i| r.get(i))
                    .collect::<Result<_, _>>()
            })
            .unwrap();
        // Through loep the state moves on, and stays sealed.
        set_status(&mut p, &id, "in_behandeling").unwrap();
        assert!(p.check_access().is_ok());
        assert_eq!(list(p.db()).unwrap()[0].status, "in_behandeling");
        assert!(
            crate::integrity::tampered_decisions(p.db())
                .unwrap()
                .is_empty()
        );
        // The row as it was received, with its own seal, put back: it passes its seal, but
        // the state bound beside the key is not what loep last wrote.
        {
            let conn = rusqlite::Connection::open(p.layout.store()).unwrap();
            conn.execute_batch(
                "DROP TRIGGER burgermelding_toegang_delete; DROP TRIGGER burgermelding_toegang_insert;
                 DROP TRIGGER burgermelding_mac_insert;
                 DELETE FROM burgermelding;",
            )
            .unwrap();
            let marks = vec!["?"; received.len()].join(", ");
            conn.execute(
                &format!("INSERT INTO burgermelding VALUES ({marks})"),
                rusqlite::params_from_iter(received.iter()),
            )
            .unwrap();
        }
        assert!(
            crate::integrity::tampered_decisions(p.db())
                .unwrap()
                .is_empty()
        );
        assert!(p.check_access().is_err());
        crate::integrity::create_triggers(p.db()).unwrap();
        // With the triggers dropped (a plain SQL client has no seal function for them to
        // call) the change goes in, and is refused on use.
        p.db()
            .execute_batch(
                "DROP TRIGGER burgermelding_mac_check; DROP TRIGGER burgermelding_mac_update;
                 DROP TRIGGER burgermelding_toegang_update;
                 UPDATE burgermelding SET status = 'afgerond';",
            )
            .unwrap();
        // The state bound beside the key no longer holds either.
        assert!(p.check_access().is_err());
        let e = list(p.db()).unwrap_err();
        assert!(e.to_string().contains("buiten loep om gewijzigd"), "{e}");
        assert!(at(p.db(), BagId::vbo("0392010000000001").unwrap()).is_err());
        assert!(stand(&p, &code).is_err());
        // An address that no longer reads as a verblijfsobject id is reported the same way.
        p.db()
            .execute_batch("UPDATE burgermelding SET vbo_id = 'Dorpsstraat 1'")
            .unwrap();
        let e = list(p.db()).unwrap_err();
        assert!(e.to_string().contains("buiten loep om gewijzigd"), "{e}");
        let problems = crate::integrity::tampered_decisions(p.db()).unwrap();
        assert!(
            problems.iter().any(|x| x.contains("burgermelding")),
            "{problems:?}"
        );
    }

    #[test]
    fn report_numbers_are_never_given_twice() {
        assert_eq!(id_of(12), "W000012");
        assert_eq!(nr_of("W000012"), Some(12));
        assert_eq!(nr_of("X12"), None);
        assert_eq!(nr_of("W"), None);
    }
}
