//! The register's tables and their versions: the schema at version 1 and the steps since,
//! run when a writer opens a project.

use anyhow::Result;
use loep_store::lijst::{self, Format};
use loep_store::{Db, TxDb};
use rusqlite::{OptionalExtension, params};

/// The register's tables at version 1 of its schema (see [`REGISTER_VERSION`]). Never change
/// this: a register at version 1 or later does not run it again, so a new table, column or
/// index is a new step of [`register_step`]. `mac` columns are sealed by the store's integrity triggers
/// (`loep_store::integrity::GUARDED`): the rows that decide who sees a case and its
/// identities (`zaak`, `zaak_rol`, `zaak_signaal`) cannot be edited outside loep unnoticed.
const SCHEMA_V1: &str = r#"
CREATE TABLE IF NOT EXISTS zaak (
    identificatie TEXT PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    zaaktype TEXT NOT NULL,
    omschrijving TEXT NOT NULL,
    toelichting TEXT NOT NULL,
    registratiedatum TEXT NOT NULL,
    startdatum TEXT NOT NULL,
    einddatum TEXT,
    vertrouwelijkheidaanduiding TEXT NOT NULL,
    hoofdzaak TEXT,
    vbo_id TEXT NOT NULL,
    buurtcode TEXT,
    status TEXT NOT NULL,
    resultaat TEXT,
    resultaat_toelichting TEXT,
    archiefnominatie TEXT,
    archiefactiedatum TEXT,
    mac TEXT
);
CREATE INDEX IF NOT EXISTS zaak_vbo ON zaak (vbo_id);
CREATE INDEX IF NOT EXISTS zaak_hoofdzaak ON zaak (hoofdzaak);
-- The last number given per year (LOEP-<jaar>-<nr>); jaar 0 counts terugmeldingen. Never
-- reused, also after retention deleted the cases.
CREATE TABLE IF NOT EXISTS zaak_teller (jaar INTEGER PRIMARY KEY, laatste INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS zaak_status (
    zaak TEXT NOT NULL,
    volgnr INTEGER NOT NULL,
    status TEXT NOT NULL,
    tijdstip TEXT NOT NULL,
    toelichting TEXT NOT NULL,
    door TEXT NOT NULL,
    PRIMARY KEY (zaak, volgnr)
);
CREATE TABLE IF NOT EXISTS zaak_signaal (
    id TEXT PRIMARY KEY,
    zaak TEXT NOT NULL,
    signaal TEXT NOT NULL,
    indicator TEXT NOT NULL,
    pseudoniemen TEXT NOT NULL,
    inhoud TEXT NOT NULL,
    mac TEXT
);
CREATE INDEX IF NOT EXISTS zaak_signaal_signaal ON zaak_signaal (signaal);
-- A case's signals and roles by the case: every list, page and authorisation of a case reads
-- them (without these, listing 10,000 cases scanned both tables once per case: 16 s).
CREATE INDEX IF NOT EXISTS zaak_signaal_zaak ON zaak_signaal (zaak);
CREATE TABLE IF NOT EXISTS zaak_rol (
    id TEXT PRIMARY KEY,
    zaak TEXT NOT NULL,
    roltype TEXT NOT NULL,
    organisatie TEXT,
    medewerker TEXT,
    zaakkenmerk TEXT,
    toegewezen TEXT NOT NULL,
    door TEXT NOT NULL,
    mac TEXT
);
CREATE INDEX IF NOT EXISTS zaak_rol_zaak ON zaak_rol (zaak);
CREATE TABLE IF NOT EXISTS huisbezoek (
    zaak TEXT NOT NULL,
    volgnr INTEGER NOT NULL,
    gepland TEXT NOT NULL,
    team TEXT NOT NULL,
    uitgevoerd TEXT,
    uitkomsten TEXT,
    toelichting TEXT,
    PRIMARY KEY (zaak, volgnr)
);
CREATE TABLE IF NOT EXISTS zaak_bevinding (
    zaak TEXT NOT NULL,
    indicator TEXT NOT NULL,
    oordeel TEXT NOT NULL CHECK (oordeel IN ('bevestigd', 'niet_bevestigd', 'niet_vast_te_stellen')),
    tijdstip TEXT NOT NULL,
    door TEXT NOT NULL,
    mac TEXT,
    PRIMARY KEY (zaak, indicator)
);
CREATE TABLE IF NOT EXISTS zaak_notitie (
    zaak TEXT NOT NULL,
    volgnr INTEGER NOT NULL,
    organisatie TEXT,
    door TEXT NOT NULL,
    tijdstip TEXT NOT NULL,
    tekst TEXT NOT NULL,
    PRIMARY KEY (zaak, volgnr)
);
CREATE TABLE IF NOT EXISTS terugmelding (
    id TEXT PRIMARY KEY,
    zaak TEXT NOT NULL,
    pseudoniem TEXT NOT NULL,
    attribuut_urn TEXT NOT NULL,
    betwijfelde_waarde TEXT NOT NULL,
    voorgestelde_waarde TEXT NOT NULL,
    toelichting TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('opgesteld', 'geexporteerd')),
    aangemaakt TEXT NOT NULL,
    geexporteerd TEXT
);
CREATE INDEX IF NOT EXISTS terugmelding_zaak ON terugmelding (zaak);
CREATE TABLE IF NOT EXISTS trefkans_archief (
    indicator TEXT NOT NULL,
    periode TEXT NOT NULL,
    bevestigd INTEGER NOT NULL,
    niet_bevestigd INTEGER NOT NULL,
    niet_vast_te_stellen INTEGER NOT NULL,
    PRIMARY KEY (indicator, periode)
);
"#;

/// The case register's schema version this release writes, recorded in `zaak_schema` (the
/// register lives in the store's database, beside the store's own `PRAGMA user_version`):
/// - 0: no register (a project no writer has opened since the register came), or a register
///   of a release before these versions, which may lack tables and columns added since.
/// - 1: the tables and indexes of [`SCHEMA_V1`] (created where missing).
/// - 2: `huisbezoek.aanwezig`, who went on a visit.
/// - 3: lists as JSON: the lists of [`LIST_COLUMNS`] (a case's signal's persons, a visit's
///   team, outcomes and who went) were their items joined with commas and become JSON arrays
///   (`loep_store::lijst`), so that an item may hold a comma. A `zaak_signaal` row is sealed
///   again only where its seal held before the rewrite: one changed outside loep keeps its old
///   seal and is still reported (`lijst::convert_commas`); the access state reads its list by
///   its items, so its digest stays as it was (`loep_store::toegang::BOUND_LISTS`).
pub const REGISTER_VERSION: i64 = 3;

/// The register's columns that hold a list.
pub const LIST_COLUMNS: [(&str, &[&str]); 2] = [
    ("zaak_signaal", &["pseudoniemen"]),
    ("huisbezoek", &["team", "uitkomsten", "aanwezig"]),
];

/// How the register's lists are stored: JSON from version 3; joined with commas in a register
/// that no writer of this release has opened yet, which a reader reads as it is.
pub(crate) fn list_format(conn: &Db) -> Result<Format> {
    Ok(if register_version(conn)? >= 3 {
        Format::Json
    } else {
        Format::Commas
    })
}

/// The register's schema version (see [`REGISTER_VERSION`]).
pub fn register_version(conn: &Db) -> Result<i64> {
    let versioned: bool = conn.sql().query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zaak_schema')",
        [],
        |r| r.get(0),
    )?;
    if !versioned {
        return Ok(0);
    }
    Ok(conn
        .sql()
        .query_row("SELECT versie FROM zaak_schema WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?
        .unwrap_or(0))
}

/// Brings the case register to [`REGISTER_VERSION`], all steps in one transaction, and creates
/// the integrity triggers that seal its tables. A writer calls it when it opens a project; a
/// register of a later release is refused.
pub fn create_schema(conn: &Db) -> Result<()> {
    migrate_register(conn)?;
    loep_store::integrity::create_triggers(conn)?;
    Ok(())
}

/// The versioned part of [`create_schema`]: returns the version the register had.
fn migrate_register(conn: &Db) -> Result<i64> {
    let from = register_version(conn)?;
    refuse_newer(from)?;
    if from < REGISTER_VERSION {
        let tx = conn.sql().unchecked_transaction()?;
        for v in from + 1..=REGISTER_VERSION {
            register_step(TxDb::of(&tx), v)?;
        }
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS zaak_schema (id INTEGER PRIMARY KEY CHECK (id = 1), versie INTEGER NOT NULL)",
        )?;
        tx.execute(
            "INSERT INTO zaak_schema (id, versie) VALUES (1, ?1)
             ON CONFLICT(id) DO UPDATE SET versie = excluded.versie",
            [REGISTER_VERSION],
        )?;
        tx.commit()?;
    }
    Ok(from)
}

/// One step of the register's schema, to version `v`. Each holds on a register of a release
/// before the versions too (which may already have what the step adds).
fn register_step(conn: &TxDb, v: i64) -> Result<()> {
    match v {
        1 => conn.sql().execute_batch(SCHEMA_V1)?,
        2 => {
            if !has_column(conn, "huisbezoek", "aanwezig")? {
                conn.sql()
                    .execute_batch("ALTER TABLE huisbezoek ADD COLUMN aanwezig TEXT")?;
            }
        }
        // A value that already is a JSON list is left as it is, so the step holds when it
        // runs again (the register's version is a row of its own database).
        3 => {
            for (table, columns) in LIST_COLUMNS {
                lijst::convert_commas(conn, table, columns)?;
            }
        }
        other => anyhow::bail!("het zakenregister kent geen stap naar versie {other}"),
    }
    Ok(())
}

/// Whether the project has a case register yet (a project no writer has opened since this
/// release has none: it holds no cases).
/// A register of a later release is refused here too, so that a reader of this release does
/// not read tables whose meaning has changed since.
pub fn has_register(conn: &Db) -> Result<bool> {
    let exists: bool = conn.sql().query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zaak')",
        [],
        |r| r.get(0),
    )?;
    if exists {
        refuse_newer(register_version(conn)?)?;
    }
    Ok(exists)
}

/// Refuses a register made by a later release.
fn refuse_newer(version: i64) -> Result<()> {
    if version > REGISTER_VERSION {
        anyhow::bail!(
            "het zakenregister van dit project is gemaakt met een nieuwere versie van loep (versie {version}, deze versie kent er tot en met {REGISTER_VERSION}); gebruik die versie of een nieuwere"
        );
    }
    Ok(())
}

/// Whether `table` has `column` (the register's tables gain columns in place).
pub(super) fn has_column(conn: &Db, table: &str, column: &str) -> Result<bool> {
    Ok(conn.sql().query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
        params![table, column],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list column of a table bound with the access state is read by its items there too,
    /// so that its digest holds across the migration to JSON.
    #[test]
    fn every_bound_list_column_is_known_to_the_access_state() {
        for (table, columns) in LIST_COLUMNS {
            let Some((_, bound)) = loep_store::toegang::tables().find(|(t, _)| *t == table) else {
                continue;
            };
            for c in columns {
                if bound.split(", ").any(|b| b == *c) {
                    assert!(
                        loep_store::toegang::BOUND_LISTS.contains(&(table, *c)),
                        "{table}.{c}"
                    );
                }
            }
        }
        assert!(loep_store::toegang::BOUND_LISTS.contains(&("zaak_signaal", "pseudoniemen")));
    }

    /// The register reaches the current version from each earlier one, keeps its rows, and
    /// refuses a register of a later release.
    #[test]
    fn the_register_migrates_from_each_earlier_version() {
        // No register at all.
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        assert_eq!(migrate_register(Db::of(&conn)).unwrap(), 0);
        assert_eq!(register_version(Db::of(&conn)).unwrap(), REGISTER_VERSION);
        assert!(has_register(Db::of(&conn)).unwrap());
        assert!(has_column(Db::of(&conn), "huisbezoek", "aanwezig").unwrap());
        // Again: nothing to do.
        assert_eq!(migrate_register(Db::of(&conn)).unwrap(), REGISTER_VERSION);

        // A register of a release before the versions: no `aanwezig`, a table added since
        // missing, a visit recorded.
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA_V1).unwrap();
        conn.execute_batch(
            "DROP TABLE trefkans_archief;
             INSERT INTO huisbezoek (zaak, volgnr, gepland, team) VALUES ('LOEP-2026-1', 1, '2026-03-01', 'hh');",
        )
        .unwrap();
        assert_eq!(register_version(Db::of(&conn)).unwrap(), 0);
        assert_eq!(migrate_register(Db::of(&conn)).unwrap(), 0);
        assert_eq!(register_version(Db::of(&conn)).unwrap(), REGISTER_VERSION);
        assert!(has_column(Db::of(&conn), "huisbezoek", "aanwezig").unwrap());
        let kept: i64 = conn
            .query_row("SELECT COUNT(*) FROM huisbezoek", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 1);
        // Its lists are JSON now (version 3); what it did not record stays NULL.
        let (team, uitkomsten): (String, Option<String>) = conn
            .query_row("SELECT team, uitkomsten FROM huisbezoek", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(team, r#"["hh"]"#);
        assert_eq!(uitkomsten, None);
        let created: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'trefkans_archief')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(created, "a table the old register lacked was not created");

        // Version 1 recorded (the tables, not yet the column).
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA_V1).unwrap();
        conn.execute_batch(
            "CREATE TABLE zaak_schema (id INTEGER PRIMARY KEY CHECK (id = 1), versie INTEGER NOT NULL);
             INSERT INTO zaak_schema VALUES (1, 1);",
        )
        .unwrap();
        assert_eq!(migrate_register(Db::of(&conn)).unwrap(), 1);
        assert!(has_column(Db::of(&conn), "huisbezoek", "aanwezig").unwrap());
        assert_eq!(register_version(Db::of(&conn)).unwrap(), REGISTER_VERSION);

        // A register of version 2: a visit with comma-joined lists.
        conn.execute_batch(
            "INSERT INTO huisbezoek (zaak, volgnr, gepland, team, uitkomsten, aanwezig)
             VALUES ('LOEP-2026-2', 1, '2026-03-01', 'hh1,hh2', 'niets_gevonden', 'hh1, Jan ,');
             UPDATE zaak_schema SET versie = 2;",
        )
        .unwrap();
        assert_eq!(list_format(Db::of(&conn)).unwrap(), Format::Commas);
        assert_eq!(migrate_register(Db::of(&conn)).unwrap(), 2);
        assert_eq!(list_format(Db::of(&conn)).unwrap(), Format::Json);
        let lists: (String, String, String) = conn
            .query_row(
                "SELECT team, uitkomsten, aanwezig FROM huisbezoek WHERE zaak = 'LOEP-2026-2'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            lists,
            (
                r#"["hh1","hh2"]"#.to_string(),
                r#"["niets_gevonden"]"#.to_string(),
                r#"["hh1","Jan"]"#.to_string()
            )
        );

        // A later release's register.
        conn.execute("UPDATE zaak_schema SET versie = ?1", [REGISTER_VERSION + 1])
            .unwrap();
        let e = migrate_register(Db::of(&conn)).unwrap_err();
        assert!(e.to_string().contains("nieuwere versie"), "{e}");
        // And a reader, which asks whether there is a register before it reads one.
        let e = has_register(Db::of(&conn)).unwrap_err();
        assert!(e.to_string().contains("nieuwere versie"), "{e}");
    }
}
