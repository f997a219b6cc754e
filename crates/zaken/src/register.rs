//! Cases and their steps: create from signals, route, move through the allowed statuses, plan
//! and record the visit, close with a resultaat, reopen. Every step is authorised by the
//! store's table and logged, one record per person of the case, in the transaction that makes
//! the change.

use anyhow::Result;
use loep_contract::Partner;
use loep_store::auth::{self, Actie, Gebruiker, Object, Rol};
use loep_store::log::LogRecord;
use loep_store::scan::Signal;
use loep_store::{Db, TxDb};
use loep_store::{Problem, ProblemKind, Project, clock};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::catalogus::{self, catalogus};

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
pub const REGISTER_VERSION: i64 = 2;

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
            register_step(Db::of(&tx), v)?;
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
fn register_step(conn: &Db, v: i64) -> Result<()> {
    match v {
        1 => conn.sql().execute_batch(SCHEMA_V1)?,
        2 => {
            if !has_column(conn, "huisbezoek", "aanwezig")? {
                conn.sql()
                    .execute_batch("ALTER TABLE huisbezoek ADD COLUMN aanwezig TEXT")?;
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
fn has_column(conn: &Db, table: &str, column: &str) -> Result<bool> {
    Ok(conn.sql().query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
        params![table, column],
        |r| r.get(0),
    )?)
}

/// The shortest reason a reopening or a cancellation may give.
pub const MIN_REDEN: usize = 20;

/// The address a case is about (ZGW's zaakobject).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Zaakobject {
    /// `verblijfsobject` (IMBAG).
    pub object_type: String,
    /// The 16-digit BAG id.
    pub identificatie: String,
    pub buurtcode: Option<String>,
}

/// A case, as ZGW's Zaken API names its fields.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Zaak {
    pub identificatie: String,
    pub uuid: String,
    pub zaaktype: String,
    pub omschrijving: String,
    pub toelichting: String,
    pub registratiedatum: String,
    pub startdatum: String,
    pub einddatum: Option<String>,
    pub vertrouwelijkheidaanduiding: String,
    pub hoofdzaak: Option<String>,
    pub zaakobject: Zaakobject,
    /// The current status (code of the catalogue's statustype).
    pub status: String,
    pub resultaat: Option<String>,
    pub resultaat_toelichting: Option<String>,
    pub archiefnominatie: Option<String>,
    pub archiefactiedatum: Option<String>,
}

impl Zaak {
    pub fn gesloten(&self) -> bool {
        catalogus().is_eind(&self.status)
    }
}

/// One step in a case's status history.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatusRegel {
    pub volgnr: i64,
    pub statustype: String,
    pub datum_status_gezet: String,
    pub statustoelichting: String,
    /// The account that set it.
    pub door: String,
}

/// A signal taken into a case: kept with the case (a copy), whatever the signal retention
/// does to the scan run it came from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ZaakSignaal {
    pub signaal: String,
    pub indicator: String,
    pub thema: String,
    pub uitleg: String,
    pub feiten: BTreeMap<String, String>,
    pub pseudoniemen: Vec<String>,
}

/// A role on a case: an organisation and/or an account, with its own dossier number.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ZaakRol {
    pub id: String,
    pub roltype: String,
    pub organisatie: Option<String>,
    pub medewerker: Option<String>,
    /// The partner's own dossier number for the case.
    pub zaakkenmerk: Option<String>,
    pub toegewezen: String,
    pub door: String,
}

/// A house visit: planned, then carried out with its outcomes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Huisbezoek {
    pub volgnr: i64,
    pub gepland: String,
    pub team: Vec<String>,
    pub uitgevoerd: Option<String>,
    /// Who went, once it was carried out (the plan's team says who was to go).
    #[serde(default)]
    pub aanwezig: Vec<String>,
    pub uitkomsten: Vec<String>,
    pub toelichting: Option<String>,
}

/// Whether the visit confirmed what an indicator said.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Bevinding {
    pub indicator: String,
    /// `bevestigd`, `niet_bevestigd` or `niet_vast_te_stellen`.
    pub oordeel: String,
    pub tijdstip: String,
    pub door: String,
}

/// A partner's own note on a case.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Notitie {
    pub volgnr: i64,
    pub organisatie: Option<String>,
    pub door: String,
    pub tijdstip: String,
    pub tekst: String,
}

/// A case with everything recorded on it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ZaakDetail {
    pub zaak: Zaak,
    pub statussen: Vec<StatusRegel>,
    pub signalen: Vec<ZaakSignaal>,
    pub rollen: Vec<ZaakRol>,
    pub huisbezoeken: Vec<Huisbezoek>,
    pub bevindingen: Vec<Bevinding>,
    pub notities: Vec<Notitie>,
    /// Cases with this one as their hoofdzaak.
    pub deelzaken: Vec<String>,
    /// The persons of the case's signals, as pseudonyms.
    pub personen: Vec<String>,
    pub terugmeldingen: Vec<crate::terugmelding::Terugmelding>,
}

impl ZaakDetail {
    /// The indicators that raised the case.
    pub fn indicatoren(&self) -> BTreeSet<String> {
        self.signalen.iter().map(|s| s.indicator.clone()).collect()
    }
}

/// What `loep zaak new` asks for.
#[derive(Debug, Clone, Default)]
pub struct Nieuw {
    /// Signals (`RUN/NR`) of one address.
    pub signalen: Vec<String>,
    /// Default: the case type of the first signal's theme.
    pub zaaktype: Option<String>,
    /// Default: the case type's description and the address.
    pub omschrijving: Option<String>,
    pub toelichting: String,
    pub hoofdzaak: Option<String>,
    /// Default: the case type's.
    pub vertrouwelijkheidaanduiding: Option<String>,
}

/// Which cases `list` returns.
#[derive(Debug, Clone, Default)]
pub struct ZaakFilter {
    pub status: Option<String>,
    pub zaaktype: Option<String>,
    /// Only open (`Some(true)`) or closed (`Some(false)`) cases.
    pub open: Option<bool>,
    pub vbo_id: Option<String>,
}

fn invalid(message: impl Into<String>) -> anyhow::Error {
    Problem::error(ProblemKind::Invalid, message)
}

/// Invalid input in the fields `velden` (named as in the forms; the CLI adds its options).
fn invalid_in(velden: &[&'static str], message: impl Into<String>) -> anyhow::Error {
    Problem::invalid_in(velden, message)
}

fn not_found(id: &str) -> anyhow::Error {
    Problem::error(
        ProblemKind::NotFound,
        format!(
            "er is geen zaak '{id}' in dit project (`loep zaak list` toont de zaken die je mag zien)"
        ),
    )
}

fn today() -> String {
    clock::now_utc().format("%Y-%m-%d").to_string()
}

fn new_uuid() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b)
        .map_err(|e| anyhow::anyhow!("geen toeval beschikbaar voor de uuid van een zaak: {e}"))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

const ZAAK_COLUMNS: &str = "identificatie, uuid, zaaktype, omschrijving, toelichting, registratiedatum, startdatum, einddatum, vertrouwelijkheidaanduiding, hoofdzaak, vbo_id, buurtcode, status, resultaat, resultaat_toelichting, archiefnominatie, archiefactiedatum";

fn zaak_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Zaak> {
    Ok(Zaak {
        identificatie: r.get(0)?,
        uuid: r.get(1)?,
        zaaktype: r.get(2)?,
        omschrijving: r.get(3)?,
        toelichting: r.get(4)?,
        registratiedatum: r.get(5)?,
        startdatum: r.get(6)?,
        einddatum: r.get(7)?,
        vertrouwelijkheidaanduiding: r.get(8)?,
        hoofdzaak: r.get(9)?,
        zaakobject: Zaakobject {
            object_type: "verblijfsobject".to_string(),
            identificatie: r.get(10)?,
            buurtcode: r.get(11)?,
        },
        status: r.get(12)?,
        resultaat: r.get(13)?,
        resultaat_toelichting: r.get(14)?,
        archiefnominatie: r.get(15)?,
        archiefactiedatum: r.get(16)?,
    })
}

/// The case `id` (its identificatie or uuid), checked against its seal.
fn load(conn: &Db, id: &str) -> Result<Zaak> {
    if !has_register(conn)? {
        return Err(not_found(id));
    }
    let z = conn
        .sql()
        .query_row(
            &format!("SELECT {ZAAK_COLUMNS} FROM zaak WHERE identificatie = ?1 OR uuid = ?1"),
            params![id.trim()],
            zaak_from_row,
        )
        .optional()?
        .ok_or_else(|| not_found(id))?;
    if !loep_store::integrity::row_intact(conn, "zaak", &z.identificatie)? {
        return Err(loep_store::integrity::tampered(&format!(
            "zaak {}",
            z.identificatie
        )));
    }
    Ok(z)
}

fn rollen(conn: &Db, zaak: &str) -> Result<Vec<ZaakRol>> {
    let mut stmt = conn.sql().prepare(
        "SELECT id, roltype, organisatie, medewerker, zaakkenmerk, toegewezen, door FROM zaak_rol WHERE zaak = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![zaak], |r| {
        Ok(ZaakRol {
            id: r.get(0)?,
            roltype: r.get(1)?,
            organisatie: r.get(2)?,
            medewerker: r.get(3)?,
            zaakkenmerk: r.get(4)?,
            toegewezen: r.get(5)?,
            door: r.get(6)?,
        })
    })?;
    let rollen = rows.collect::<Result<Vec<_>, _>>()?;
    for r in &rollen {
        if !loep_store::integrity::row_intact(conn, "zaak_rol", &r.id)? {
            return Err(loep_store::integrity::tampered(&format!(
                "de rol {} op zaak {zaak}",
                r.id
            )));
        }
    }
    Ok(rollen)
}

/// Whether `user` holds a role on the case: their account by name, or (a partner-medewerker
/// or handhaver) their organisation.
fn is_on(user: &Gebruiker, rollen: &[ZaakRol]) -> bool {
    let org = match user.rol() {
        Rol::PartnerMedewerker | Rol::Handhaver => user.organisatie().map(Partner::as_str),
        _ => None,
    };
    rollen.iter().any(|r| {
        r.medewerker.as_deref() == Some(user.naam())
            || (org.is_some() && r.organisatie.as_deref() == org)
    })
}

/// The authorisation object for `user` on case `z`.
fn object(conn: &Db, user: &Gebruiker, z: &Zaak) -> Result<(bool, bool)> {
    let on = is_on(user, &rollen(conn, &z.identificatie)?);
    Ok((on, z.gesloten()))
}

fn authorize(conn: &Db, user: &Gebruiker, actie: Actie, z: &Zaak) -> Result<()> {
    let (op_zaak, gesloten) = object(conn, user, z)?;
    auth::authorize(user, actie, Object::Zaak { op_zaak, gesloten })
}

fn signalen(conn: &Db, zaak: &str) -> Result<Vec<ZaakSignaal>> {
    let mut stmt = conn
        .sql()
        .prepare("SELECT id, inhoud FROM zaak_signaal WHERE zaak = ?1 ORDER BY signaal")?;
    let rows = stmt.query_map(params![zaak], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, inhoud) = row?;
        if !loep_store::integrity::row_intact(conn, "zaak_signaal", &id)? {
            return Err(loep_store::integrity::tampered(&format!(
                "signaal {id} van zaak {zaak}"
            )));
        }
        out.push(serde_json::from_str(&inhoud)?);
    }
    Ok(out)
}

/// The persons of a case's signals.
fn personen(signalen: &[ZaakSignaal]) -> Vec<String> {
    let set: BTreeSet<&String> = signalen.iter().flat_map(|s| &s.pseudoniemen).collect();
    set.into_iter().cloned().collect()
}

/// One record per person of the case (the standard asks for a line per data subject), in the
/// caller's transaction; no account names in the log.
fn log_step(
    tx: &TxDb,
    user: &Gebruiker,
    project_activity: &str,
    name: &str,
    zaak: &str,
    personen: &[String],
    attrs: &[(&str, String)],
) -> Result<()> {
    let now = clock::now();
    let trace = loep_store::log::new_trace_id();
    let subjects: Vec<Option<&String>> = if personen.is_empty() {
        vec![None]
    } else {
        personen.iter().map(Some).collect()
    };
    for p in subjects {
        let mut rec = LogRecord::new(name, &now, &now)
            .with_attr("zaak", zaak.to_string())
            .by(user);
        for (k, v) in attrs {
            rec = rec.with_attr(k, v.clone());
        }
        if let Some(p) = p {
            rec = rec.with_subject(p.clone());
        }
        rec.trace_id = trace.clone();
        loep_store::log::append(tx, project_activity, rec)?;
    }
    Ok(())
}

fn push_status(tx: &TxDb, zaak: &str, status: &str, toelichting: &str, door: &str) -> Result<()> {
    let n: i64 = tx.sql().query_row(
        "SELECT COALESCE(MAX(volgnr), 0) FROM zaak_status WHERE zaak = ?1",
        params![zaak],
        |r| r.get(0),
    )?;
    tx.sql().execute(
        "INSERT INTO zaak_status (zaak, volgnr, status, tijdstip, toelichting, door) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![zaak, n + 1, status, clock::now(), toelichting, door],
    )?;
    tx.sql().execute(
        "UPDATE zaak SET status = ?2 WHERE identificatie = ?1",
        params![zaak, status],
    )?;
    Ok(())
}

/// Refuses unless the catalogue allows the case to go from its status to `naar`.
fn check_transition(z: &Zaak, naar: &str) -> Result<()> {
    let c = catalogus();
    if c.mag(&z.status, naar) {
        return Ok(());
    }
    let allowed = c.overgangen.get(&z.status).cloned().unwrap_or_default();
    Err(Problem::error(
        ProblemKind::Refused,
        format!(
            "geweigerd: zaak {} staat op '{}' en kan niet naar '{naar}'; toegestaan vanaf hier: {}",
            z.identificatie,
            z.status,
            if allowed.is_empty() {
                "niets".to_string()
            } else {
                allowed.join(", ")
            }
        ),
    ))
}

fn next_identificatie(tx: &TxDb) -> Result<String> {
    let jaar: i64 = clock::now_utc().format("%Y").to_string().parse()?;
    let laatste: i64 = tx
        .sql()
        .query_row(
            "SELECT laatste FROM zaak_teller WHERE jaar = ?1",
            params![jaar],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    tx.sql().execute(
        "INSERT INTO zaak_teller (jaar, laatste) VALUES (?1, ?2) ON CONFLICT (jaar) DO UPDATE SET laatste = excluded.laatste",
        params![jaar, laatste + 1],
    )?;
    Ok(format!("LOEP-{jaar}-{:06}", laatste + 1))
}

fn add_rol(
    tx: &TxDb,
    zaak: &str,
    roltype: &str,
    organisatie: Option<&str>,
    medewerker: Option<&str>,
    door: &str,
) -> Result<String> {
    let n: i64 = tx.sql().query_row(
        "SELECT COUNT(*) FROM zaak_rol WHERE zaak = ?1",
        params![zaak],
        |r| r.get(0),
    )?;
    let id = format!("{zaak}/R{}", n + 1);
    tx.sql().execute(
        "INSERT INTO zaak_rol (id, zaak, roltype, organisatie, medewerker, toegewezen, door) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, zaak, roltype, organisatie, medewerker, clock::now(), door],
    )?;
    Ok(id)
}

/// `loep zaak new`: an analist or projectleider opens a case for the address of one or more
/// signals. The signals are copied into the case, so that they stay with it.
pub fn new(project: &mut Project, user: &Gebruiker, nieuw: &Nieuw) -> Result<Zaak> {
    auth::authorize(user, Actie::ZaakAanmaken, Object::Project)?;
    let c = catalogus();
    if nieuw.signalen.is_empty() {
        return Err(invalid_in(
            &["signaal"],
            "geef de signalen waar de zaak uit volgt (kenmerk RUN/NR; meer dan één mag)",
        ));
    }
    let mut found: Vec<Signal> = Vec::new();
    for id in &nieuw.signalen {
        // Each signal against its seal here; each run against its certificate once, below.
        match loep_store::scan::signal(project.db(), id.trim())? {
            Some(s) => {
                if !found.iter().any(|f| f.id() == s.id()) {
                    found.push(s)
                }
            }
            None => {
                return Err(Problem::error(
                    ProblemKind::NotFound,
                    format!(
                        "er is geen signaal '{id}' (misschien al vernietigd na de bewaartermijn); `loep signals` toont de huidige"
                    ),
                ));
            }
        }
    }
    let runs: std::collections::BTreeSet<&str> = found.iter().map(|s| s.run_id.as_str()).collect();
    for run in runs {
        loep_store::certificaat::check_run(project.db(), run)?;
    }
    let vbo = found[0].vbo_id.clone();
    if let Some(other) = found.iter().find(|s| s.vbo_id != vbo) {
        return Err(invalid_in(
            &["hoofdzaak"],
            format!(
                "een zaak gaat over één adres: signaal {} is van {}, signaal {} van {}; maak per adres een zaak (met een hoofdzaak voor de samenhang)",
                found[0].id(),
                vbo,
                other.id(),
                other.vbo_id
            ),
        ));
    }
    let zaaktype = match &nieuw.zaaktype {
        Some(code) => c.zaaktype(code.trim()).ok_or_else(|| {
            invalid(format!(
                "onbekend zaaktype '{code}'; kies uit: {}",
                catalogus::Catalogus::codes(c.zaaktypen.iter().map(|z| z.code.as_str()))
            ))
        })?,
        None => c.zaaktype_voor_thema(&found[0].thema).ok_or_else(|| {
            invalid_in(
                &["zaaktype"],
                format!(
                    "thema {} hoort bij geen zaaktype; kies het zaaktype",
                    found[0].thema
                ),
            )
        })?,
    };
    let vertrouwelijk = nieuw
        .vertrouwelijkheidaanduiding
        .clone()
        .unwrap_or_else(|| zaaktype.vertrouwelijkheidaanduiding.clone());
    if !catalogus::VERTROUWELIJKHEID.contains(&vertrouwelijk.as_str()) {
        return Err(invalid(format!(
            "onbekende vertrouwelijkheidaanduiding '{vertrouwelijk}'; kies uit: {}",
            catalogus::VERTROUWELIJKHEID.join(", ")
        )));
    }
    // A signal is handled in one open case at a time.
    for s in &found {
        let open: Option<String> = project
            .db()
            .sql()
            .query_row(
                "SELECT z.identificatie FROM zaak_signaal zs JOIN zaak z ON z.identificatie = zs.zaak
                 WHERE zs.signaal = ?1 AND z.einddatum IS NULL LIMIT 1",
                params![s.id()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(z) = open {
            return Err(Problem::error(
                ProblemKind::Invalid,
                format!(
                    "signaal {} zit al in de open zaak {z}; voeg geen tweede zaak toe maar werk die bij",
                    s.id()
                ),
            ));
        }
    }
    if let Some(h) = &nieuw.hoofdzaak {
        let hz = load(project.db(), h)?;
        if hz.gesloten() {
            return Err(invalid(format!(
                "hoofdzaak {} is afgesloten; heropen haar eerst of maak een nieuwe",
                hz.identificatie
            )));
        }
        if hz.hoofdzaak.is_some() {
            return Err(invalid(format!(
                "zaak {} is zelf een deelzaak; een hoofdzaak heeft geen hoofdzaak",
                hz.identificatie
            )));
        }
    }
    let hoofdzaak = match &nieuw.hoofdzaak {
        Some(h) => Some(load(project.db(), h)?.identificatie),
        None => None,
    };
    let zaak_signalen: Vec<ZaakSignaal> = found
        .iter()
        .map(|s| ZaakSignaal {
            signaal: s.id(),
            indicator: s.indicator.clone(),
            thema: s.thema.clone(),
            uitleg: s.uitleg.clone(),
            feiten: s.feiten.clone(),
            pseudoniemen: s.pseudoniemen.clone(),
        })
        .collect();
    let personen = personen(&zaak_signalen);
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    let id = next_identificatie(&tx)?;
    let dag = today();
    let omschrijving = nieuw
        .omschrijving
        .clone()
        .filter(|o| !o.trim().is_empty())
        .unwrap_or_else(|| format!("{} — verblijfsobject {vbo}", zaaktype.omschrijving));
    tx.sql().execute(
        &format!("INSERT INTO zaak ({ZAAK_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, NULL, ?7, ?8, ?9, ?10, 'nieuw', NULL, NULL, NULL, NULL)"),
        params![
            id,
            new_uuid()?,
            zaaktype.code,
            omschrijving.trim(),
            nieuw.toelichting.trim(),
            dag,
            vertrouwelijk,
            hoofdzaak,
            vbo,
            found[0].buurtcode
        ],
    )?;
    tx.sql().execute(
        "INSERT INTO zaak_status (zaak, volgnr, status, tijdstip, toelichting, door) VALUES (?1, 1, 'nieuw', ?2, ?3, ?4)",
        params![id, clock::now(), "zaak aangemaakt uit signalen", user.naam()],
    )?;
    for s in &zaak_signalen {
        tx.sql().execute(
            "INSERT INTO zaak_signaal (id, zaak, signaal, indicator, pseudoniemen, inhoud) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                format!("{id}/{}", s.signaal),
                id,
                s.signaal,
                s.indicator,
                s.pseudoniemen.join(","),
                serde_json::to_string(s)?
            ],
        )?;
    }
    add_rol(&tx, &id, "initiator", None, Some(user.naam()), user.naam())?;
    let signaal_ids: Vec<String> = zaak_signalen.iter().map(|s| s.signaal.clone()).collect();
    log_step(
        &tx,
        user,
        &activity,
        "zaak.aanmaken",
        &id,
        &personen,
        &[
            ("signalen", signaal_ids.join(",")),
            ("zaaktype", zaaktype.code.clone()),
        ],
    )?;
    tx.commit()?;
    load(project.db(), &id)
}

/// `loep zaak list`: the cases `user` may see (a partner or handhaver: those their
/// organisation or account holds a role on), newest first.
pub fn list(conn: &Db, user: &Gebruiker, filter: &ZaakFilter) -> Result<Vec<Zaak>> {
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
    let rows = stmt.query_map(params![filter.vbo_id], zaak_from_row)?;
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
    let mut stmt = conn.sql().prepare(
        "SELECT z.vbo_id, s.pseudoniemen FROM zaak_signaal s JOIN zaak z ON z.identificatie = s.zaak",
    )?;
    let mut out = Vec::new();
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (vbo, persons) = row?;
        for p in split(&persons) {
            out.push((vbo.clone(), p));
        }
    }
    Ok((key, out))
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
pub fn per_status(conn: &Db, user: &Gebruiker) -> Result<Vec<(String, usize, usize)>> {
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
    let mut by: std::collections::BTreeMap<String, (usize, std::collections::BTreeSet<String>)> =
        std::collections::BTreeMap::new();
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
pub fn show(conn: &Db, user: &Gebruiker, id: &str) -> Result<ZaakDetail> {
    let z = load(conn, id)?;
    authorize(conn, user, Actie::ZakenBekijken, &z)?;
    detail(conn, z)
}

/// Everything recorded on case `z`, unauthorised (for the callers above and retention).
pub(crate) fn detail(conn: &Db, z: Zaak) -> Result<ZaakDetail> {
    let id = z.identificatie.clone();
    let mut stmt = conn.sql().prepare(
        "SELECT volgnr, status, tijdstip, toelichting, door FROM zaak_status WHERE zaak = ?1 ORDER BY volgnr",
    )?;
    let statussen = stmt
        .query_map(params![id], |r| {
            Ok(StatusRegel {
                volgnr: r.get(0)?,
                statustype: r.get(1)?,
                datum_status_gezet: r.get(2)?,
                statustoelichting: r.get(3)?,
                door: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    // (A register no writer of this release has opened yet has no `aanwezig`.)
    let aanwezig = if has_column(conn, "huisbezoek", "aanwezig")? {
        "aanwezig"
    } else {
        "NULL"
    };
    let mut stmt = conn.sql().prepare(&format!(
        "SELECT volgnr, gepland, team, uitgevoerd, uitkomsten, toelichting, {aanwezig} FROM huisbezoek WHERE zaak = ?1 ORDER BY volgnr",
    ))?;
    let huisbezoeken = stmt
        .query_map(params![id], |r| {
            let team: String = r.get(2)?;
            let uitkomsten: Option<String> = r.get(4)?;
            let aanwezig: Option<String> = r.get(6)?;
            Ok(Huisbezoek {
                volgnr: r.get(0)?,
                gepland: r.get(1)?,
                team: split(&team),
                uitgevoerd: r.get(3)?,
                aanwezig: split(aanwezig.as_deref().unwrap_or_default()),
                uitkomsten: split(uitkomsten.as_deref().unwrap_or_default()),
                toelichting: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    crate::trefkans::bevindingen_intact(conn, Some(&id))?;
    let mut stmt = conn.sql().prepare(
        "SELECT indicator, oordeel, tijdstip, door FROM zaak_bevinding WHERE zaak = ?1 ORDER BY indicator",
    )?;
    let bevindingen = stmt
        .query_map(params![id], |r| {
            Ok(Bevinding {
                indicator: r.get(0)?,
                oordeel: r.get(1)?,
                tijdstip: r.get(2)?,
                door: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.sql().prepare(
        "SELECT volgnr, organisatie, door, tijdstip, tekst FROM zaak_notitie WHERE zaak = ?1 ORDER BY volgnr",
    )?;
    let notities = stmt
        .query_map(params![id], |r| {
            Ok(Notitie {
                volgnr: r.get(0)?,
                organisatie: r.get(1)?,
                door: r.get(2)?,
                tijdstip: r.get(3)?,
                tekst: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn
        .sql()
        .prepare("SELECT identificatie FROM zaak WHERE hoofdzaak = ?1 ORDER BY identificatie")?;
    let deelzaken = stmt
        .query_map(params![id], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    let signalen = signalen(conn, &id)?;
    let personen = personen(&signalen);
    Ok(ZaakDetail {
        rollen: rollen(conn, &id)?,
        terugmeldingen: crate::terugmelding::of_case(conn, &id)?,
        zaak: z,
        statussen,
        signalen,
        huisbezoeken,
        bevindingen,
        notities,
        deelzaken,
        personen,
    })
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Sets einddatum, resultaat and the archive fields of a closing case.
fn close_in(
    tx: &TxDb,
    project: &ProjectTerms,
    zaak: &str,
    resultaat: &str,
    toelichting: &str,
) -> Result<()> {
    let c = catalogus();
    let Some(rt) = c.resultaattype(resultaat) else {
        return Err(invalid(format!(
            "onbekend resultaat '{resultaat}'; kies uit: {}",
            catalogus::Catalogus::codes(c.resultaattypen.iter().map(|r| r.code.as_str()))
        )));
    };
    let dagen = catalogus::duration_days(&rt.archiefactietermijn)?
        .min(i64::from(project.zaken_jaren) * 365);
    let eind = clock::now_utc();
    let archief = (eind + chrono::Duration::days(dagen))
        .format("%Y-%m-%d")
        .to_string();
    tx.sql().execute(
        "UPDATE zaak SET einddatum = ?2, resultaat = ?3, resultaat_toelichting = ?4, archiefnominatie = ?5, archiefactiedatum = ?6 WHERE identificatie = ?1",
        params![
            zaak,
            eind.format("%Y-%m-%d").to_string(),
            rt.code,
            toelichting.trim(),
            rt.archiefnominatie,
            archief
        ],
    )?;
    Ok(())
}

/// What of the project's configuration the register uses.
struct ProjectTerms {
    zaken_jaren: u32,
}

fn terms(project: &Project) -> ProjectTerms {
    ProjectTerms {
        zaken_jaren: project.config.bewaartermijnen.zaken_jaren.max(1),
    }
}

/// `loep zaak status`: take a case into investigation (`in_onderzoek`) or cancel it
/// (`geannuleerd`, with a reason). Planning and recording a visit, closing and reopening have
/// commands of their own, because they record more than a status.
pub fn set_status(
    project: &mut Project,
    user: &Gebruiker,
    id: &str,
    naar: &str,
    toelichting: &str,
) -> Result<Zaak> {
    let z = load(project.db(), id)?;
    let naar = naar.trim();
    // Cancelling closes the case: it is for those who may close one.
    let actie = if naar == "geannuleerd" {
        Actie::ZaakAfsluiten
    } else {
        Actie::ZaakBehandelen
    };
    authorize(project.db(), user, actie, &z)?;
    let hint = match naar {
        "huisbezoek_gepland" => Some("`loep zaak visit plan`"),
        "huisbezoek_uitgevoerd" => Some("`loep zaak visit record`"),
        "afgerond" => Some("`loep zaak close` (met een resultaat)"),
        "heropend" => Some("`loep zaak reopen` (projectleider, met een reden)"),
        "in_onderzoek" | "geannuleerd" => None,
        other => {
            return Err(invalid(format!(
                "onbekende status '{other}'; kies uit: {}",
                catalogus::Catalogus::codes(
                    catalogus().statustypen.iter().map(|s| s.code.as_str())
                )
            )));
        }
    };
    if let Some(h) = hint {
        return Err(invalid(format!("status '{naar}' zet je met {h}")));
    }
    check_transition(&z, naar)?;
    if naar == "geannuleerd" && toelichting.trim().chars().count() < MIN_REDEN {
        return Err(invalid_in(
            &["toelichting"],
            format!(
                "zeg in de toelichting waarom de zaak wordt geannuleerd (minstens {MIN_REDEN} tekens)"
            ),
        ));
    }
    let d = detail(project.db(), z.clone())?;
    if naar == "geannuleerd" && !d.bevindingen.is_empty() {
        return Err(invalid(format!(
            "zaak {} heeft al bevindingen; sluit haar af met een resultaat (`loep zaak close`) in plaats van te annuleren",
            z.identificatie
        )));
    }
    let terms = terms(project);
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    push_status(&tx, &z.identificatie, naar, toelichting.trim(), user.naam())?;
    if naar == "geannuleerd" {
        close_in(&tx, &terms, &z.identificatie, "ingetrokken", toelichting)?;
    }
    log_step(
        &tx,
        user,
        &activity,
        "zaak.status",
        &z.identificatie,
        &d.personen,
        &[("status", naar.to_string())],
    )?;
    tx.commit()?;
    load(project.db(), &z.identificatie)
}

/// Who `loep zaak assign` routes a case to.
#[derive(Debug, Clone)]
pub struct Toewijzing {
    /// `behandelaar`, `zorgpartner` or `huisbezoeker`.
    pub roltype: String,
    pub organisatie: Option<Partner>,
    /// An account of the project (a partner-medewerker or handhaver).
    pub medewerker: Option<String>,
}

/// `loep zaak assign`: the projectleider routes a case to a partner organisation (behandelaar),
/// a care partner (zorgpartner) or a handhaver (huisbezoeker).
pub fn assign(
    project: &mut Project,
    user: &Gebruiker,
    id: &str,
    t: &Toewijzing,
) -> Result<ZaakRol> {
    let z = load(project.db(), id)?;
    authorize(project.db(), user, Actie::ZaakToewijzen, &z)?;
    if catalogus().roltype(&t.roltype).is_none() || t.roltype == "initiator" {
        return Err(invalid(format!(
            "onbekend roltype '{}'; kies uit: behandelaar, zorgpartner, huisbezoeker",
            t.roltype
        )));
    }
    if t.organisatie.is_none() && t.medewerker.is_none() {
        return Err(invalid_in(
            &["organisatie", "medewerker"],
            "geef een organisatie (een partner van het project) of een medewerker (een account), of allebei",
        ));
    }
    if let Some(o) = t.organisatie
        && !project.config.partners.contains(&o)
    {
        return Err(invalid(format!(
            "{} neemt niet deel aan dit project; partners: {}",
            o.as_str(),
            project
                .config
                .partners
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if let Some(m) = &t.medewerker {
        check_medewerker(project.db(), m, &[Rol::PartnerMedewerker, Rol::Handhaver])?;
    }
    let bestaande = rollen(project.db(), &z.identificatie)?;
    if bestaande.iter().any(|r| {
        r.roltype == t.roltype
            && r.organisatie.as_deref() == t.organisatie.map(Partner::as_str)
            && r.medewerker == t.medewerker
    }) {
        return Err(Problem::error(
            ProblemKind::Invalid,
            format!("zaak {} heeft deze rol al", z.identificatie),
        ));
    }
    let d = detail(project.db(), z.clone())?;
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    let rid = add_rol(
        &tx,
        &z.identificatie,
        &t.roltype,
        t.organisatie.map(Partner::as_str),
        t.medewerker.as_deref(),
        user.naam(),
    )?;
    let mut attrs = vec![("roltype", t.roltype.clone())];
    if let Some(o) = t.organisatie {
        attrs.push(("organisatie", o.as_str().to_string()));
    }
    log_step(
        &tx,
        user,
        &activity,
        "zaak.toewijzen",
        &z.identificatie,
        &d.personen,
        &attrs,
    )?;
    tx.commit()?;
    rollen(project.db(), &z.identificatie)?
        .into_iter()
        .find(|r| r.id == rid)
        .ok_or_else(|| anyhow::anyhow!("rol {rid} is niet vastgelegd"))
}

/// Refuses unless `naam` is an account with one of `roles` that is not disabled.
fn check_medewerker(conn: &Db, naam: &str, roles: &[Rol]) -> Result<()> {
    let accounts = auth::users(conn)?;
    let allowed = roles
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(" of ");
    match accounts.iter().find(|a| a.naam == naam) {
        Some(a) if a.status == auth::AccountStatus::Uitgeschakeld => Err(invalid(format!(
            "account '{naam}' is uitgeschakeld en kan geen rol op een zaak krijgen"
        ))),
        Some(a) if roles.contains(&a.rol) => Ok(()),
        Some(a) => Err(invalid(format!(
            "account '{naam}' is een {}; hier kan alleen een {allowed}",
            a.rol.name()
        ))),
        None => Err(invalid(format!(
            "er is geen account '{naam}' in dit project"
        ))),
    }
}

/// A date as a person types it, in the field `veld` (named as in the forms).
fn parse_datum(s: &str, veld: &'static str) -> Result<String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| {
            invalid_in(
                &[veld],
                format!("de {veld} '{s}' is geen datum; schrijf JJJJ-MM-DD"),
            )
        })
}

/// `loep zaak visit plan`: plan a house visit with a team of handhavers (and care workers);
/// each gets the role huisbezoeker, so that they see the case.
pub fn plan_visit(
    project: &mut Project,
    user: &Gebruiker,
    id: &str,
    datum: &str,
    team: &[String],
) -> Result<Huisbezoek> {
    let z = load(project.db(), id)?;
    authorize(project.db(), user, Actie::ZaakBehandelen, &z)?;
    check_transition(&z, "huisbezoek_gepland")?;
    let datum = parse_datum(datum, "datum")?;
    if datum < today() {
        return Err(invalid_in(
            &["datum"],
            format!("de datum {datum} ligt in het verleden"),
        ));
    }
    if team.is_empty() {
        return Err(invalid_in(
            &["team"],
            "geef het team (accounts van handhavers of zorgverleners)",
        ));
    }
    // Only handhavers (and care workers, who have that role) visit; a partner organisation
    // joins a case through the projectleider's routing (`loep zaak assign`), never here.
    for m in team {
        check_medewerker(project.db(), m, &[Rol::Handhaver])?;
    }
    let bestaande = rollen(project.db(), &z.identificatie)?;
    let d = detail(project.db(), z.clone())?;
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    let n: i64 = tx.sql().query_row(
        "SELECT COALESCE(MAX(volgnr), 0) FROM huisbezoek WHERE zaak = ?1",
        params![z.identificatie],
        |r| r.get(0),
    )?;
    tx.sql().execute(
        "INSERT INTO huisbezoek (zaak, volgnr, gepland, team) VALUES (?1, ?2, ?3, ?4)",
        params![z.identificatie, n + 1, datum, team.join(",")],
    )?;
    for m in team {
        if !bestaande
            .iter()
            .any(|r| r.roltype == "huisbezoeker" && r.medewerker.as_deref() == Some(m))
        {
            add_rol(
                &tx,
                &z.identificatie,
                "huisbezoeker",
                None,
                Some(m),
                user.naam(),
            )?;
        }
    }
    push_status(
        &tx,
        &z.identificatie,
        "huisbezoek_gepland",
        &format!("huisbezoek gepland op {datum}"),
        user.naam(),
    )?;
    log_step(
        &tx,
        user,
        &activity,
        "zaak.huisbezoek_gepland",
        &z.identificatie,
        &d.personen,
        &[("datum", datum.clone())],
    )?;
    tx.commit()?;
    Ok(Huisbezoek {
        volgnr: n + 1,
        gepland: datum,
        team: team.to_vec(),
        uitgevoerd: None,
        aanwezig: Vec::new(),
        uitkomsten: Vec::new(),
        toelichting: None,
    })
}

/// The verdict of a finding about one indicator after a visit: the one Rust type for the
/// verdicts, as the register stores them (`as_str`) and as people read them (`label`). The
/// schema's CHECK and the hit-rate SQL spell the stored forms too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oordeel {
    Bevestigd,
    NietBevestigd,
    NietVastTeStellen,
}

impl Oordeel {
    pub const ALL: [Oordeel; 3] = [
        Oordeel::Bevestigd,
        Oordeel::NietBevestigd,
        Oordeel::NietVastTeStellen,
    ];

    /// As the register, the API and the CLI write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Oordeel::Bevestigd => "bevestigd",
            Oordeel::NietBevestigd => "niet_bevestigd",
            Oordeel::NietVastTeStellen => "niet_vast_te_stellen",
        }
    }

    /// In words, for pages and letters.
    pub fn label(self) -> &'static str {
        match self {
            Oordeel::Bevestigd => "Bevestigd",
            Oordeel::NietBevestigd => "Niet bevestigd",
            Oordeel::NietVastTeStellen => "Niet vast te stellen",
        }
    }

    pub fn parse(s: &str) -> Option<Oordeel> {
        Oordeel::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// A person whose BRP registration the visit found wrong: a terugmelding is drawn up.
#[derive(Debug, Clone)]
pub struct BrpOnjuist {
    pub pseudoniem: String,
    /// What the BRP should say instead (default: `onbekend`).
    pub voorgesteld: Option<String>,
}

/// What `loep zaak visit record` records.
#[derive(Debug, Clone, Default)]
pub struct Uitkomst {
    /// The day the visit took place (JJJJ-MM-DD); `None` or empty: today. Never in the future,
    /// never before the case was registered; when it differs from the planned day, the case's
    /// history says so.
    pub datum: Option<String>,
    pub uitkomsten: Vec<String>,
    /// (indicator, oordeel) for every indicator that raised the case.
    pub bevindingen: Vec<(String, String)>,
    pub toelichting: String,
    pub brp_onjuist: Vec<BrpOnjuist>,
    /// Who went (accounts or names, as the team of the plan); empty: the one who records it.
    pub aanwezig: Vec<String>,
}

/// Who went on a visit, checked: at most [`MAX_AANWEZIG`] names of at most 64 characters,
/// none twice, no comma; none given: the one who records it.
fn aanwezig(given: &[String], recorder: &str) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for n in given.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        if n.chars().count() > 64 || n.contains(',') || n.chars().any(char::is_control) {
            let shown: String = n.chars().take(70).collect();
            return Err(invalid(format!(
                "'{shown}' is geen geldige naam bij wie er bij het huisbezoek waren: ten hoogste 64 tekens, zonder komma"
            )));
        }
        if !out.iter().any(|x| x == n) {
            out.push(n.to_string());
        }
    }
    if out.len() > MAX_AANWEZIG {
        return Err(invalid(format!(
            "noem ten hoogste {MAX_AANWEZIG} mensen die er gingen"
        )));
    }
    if out.is_empty() {
        out.push(recorder.to_string());
    }
    Ok(out)
}

/// The most people recorded as having gone on one visit.
pub const MAX_AANWEZIG: usize = 12;

/// Checks bevindingen against the case's indicators: each known, each verdict valid, none
/// twice, and (with `all`) every indicator covered, counting those recorded before.
fn check_bevindingen(d: &ZaakDetail, given: &[(String, String)], all: bool) -> Result<()> {
    let inds = d.indicatoren();
    let mut seen = HashSet::new();
    for (ind, oordeel) in given {
        if !inds.contains(ind) {
            return Err(invalid(format!(
                "indicator {ind} heeft deze zaak niet doen ontstaan; bevindingen gaan over: {}",
                inds.iter().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        if Oordeel::parse(oordeel).is_none() {
            return Err(invalid(format!(
                "bevinding {ind}={oordeel}: kies {} of {}",
                Oordeel::ALL[..2]
                    .iter()
                    .map(|o| o.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                Oordeel::NietVastTeStellen.as_str()
            )));
        }
        if !seen.insert(ind.clone()) {
            return Err(invalid(format!(
                "indicator {ind} staat twee keer in de bevindingen"
            )));
        }
    }
    if all {
        let missing: Vec<&String> = inds
            .iter()
            .filter(|i| !seen.contains(*i) && !d.bevindingen.iter().any(|b| &b.indicator == *i))
            .collect();
        if !missing.is_empty() {
            return Err(invalid_in(
                &["bevinding"],
                format!(
                    "geef een bevinding voor elke indicator die de zaak deed ontstaan (bevestigd, niet_bevestigd of niet_vast_te_stellen); ontbreekt: {}",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn write_bevindingen(tx: &TxDb, zaak: &str, given: &[(String, String)], door: &str) -> Result<()> {
    for (ind, oordeel) in given {
        tx.sql().execute(
            "INSERT INTO zaak_bevinding (zaak, indicator, oordeel, tijdstip, door) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (zaak, indicator) DO UPDATE SET oordeel = excluded.oordeel, tijdstip = excluded.tijdstip, door = excluded.door",
            params![zaak, ind, oordeel, clock::now(), door],
        )?;
    }
    Ok(())
}

/// `loep zaak visit record`: the handhaver records the planned visit's outcomes and a
/// bevinding for every indicator that raised the case. An outcome `brp_klopt_niet` draws up a
/// terugmelding per person named.
pub fn record_visit(
    project: &mut Project,
    user: &Gebruiker,
    id: &str,
    u: &Uitkomst,
) -> Result<ZaakDetail> {
    let z = load(project.db(), id)?;
    authorize(project.db(), user, Actie::HuisbezoekVastleggen, &z)?;
    check_transition(&z, "huisbezoek_uitgevoerd")?;
    let c = catalogus();
    if u.uitkomsten.is_empty() {
        return Err(invalid_in(
            &["uitkomst"],
            format!(
                "geef de uitkomst van het bezoek (meer dan één mag); kies uit: {}",
                catalogus::Catalogus::codes(c.uitkomsten.iter().map(|x| x.code.as_str()))
            ),
        ));
    }
    for x in &u.uitkomsten {
        if c.uitkomst(x).is_none() {
            return Err(invalid(format!(
                "onbekende uitkomst '{x}'; kies uit: {}",
                catalogus::Catalogus::codes(c.uitkomsten.iter().map(|x| x.code.as_str()))
            )));
        }
    }
    if u.uitkomsten.iter().any(|x| x == "niets_gevonden") && u.uitkomsten.len() > 1 {
        return Err(invalid(
            "uitkomst niets_gevonden gaat niet samen met een andere uitkomst",
        ));
    }
    let d = detail(project.db(), z.clone())?;
    check_bevindingen(&d, &u.bevindingen, true)?;
    let brp = u.uitkomsten.iter().any(|x| x == "brp_klopt_niet");
    if brp && u.brp_onjuist.is_empty() {
        return Err(invalid_in(
            &["brp_onjuist"],
            "bij uitkomst brp_klopt_niet hoort de persoon van wie de inschrijving niet klopt (een van de personen van de zaak)",
        ));
    }
    if !brp && !u.brp_onjuist.is_empty() {
        return Err(invalid_in(
            &["brp_onjuist", "uitkomst"],
            "een persoon met een onjuiste inschrijving hoort bij uitkomst brp_klopt_niet; voeg die uitkomst toe",
        ));
    }
    for b in &u.brp_onjuist {
        if !d.personen.contains(&b.pseudoniem) {
            return Err(invalid(format!(
                "persoon {} hoort niet bij zaak {}; `loep zaak show` toont de personen",
                b.pseudoniem, z.identificatie
            )));
        }
    }
    let (volgnr, gepland) = d
        .huisbezoeken
        .iter()
        .rev()
        .find(|h| h.uitgevoerd.is_none())
        .map(|h| (h.volgnr, h.gepland.clone()))
        .ok_or_else(|| {
            invalid("er is geen gepland huisbezoek; plan het eerst (in de zaak, of met `loep zaak visit plan`)")
        })?;
    let datum = match u.datum.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => today(),
        Some(d) => parse_datum(d, "datum")?,
    };
    if datum > today() {
        return Err(invalid(format!(
            "de datum van het huisbezoek ({datum}) ligt in de toekomst; leg een huisbezoek vast nadat het is uitgevoerd"
        )));
    }
    if datum < z.registratiedatum {
        return Err(invalid(format!(
            "de datum van het huisbezoek ({datum}) ligt voor de registratie van de zaak ({}); controleer de datum",
            z.registratiedatum
        )));
    }
    let afwijking = if datum != gepland {
        format!("; uitgevoerd op {datum}, gepland op {gepland}")
    } else {
        String::new()
    };
    let aanwezig = aanwezig(&u.aanwezig, user.naam())?;
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    tx.sql().execute(
        "UPDATE huisbezoek SET uitgevoerd = ?3, uitkomsten = ?4, toelichting = ?5, aanwezig = ?6 WHERE zaak = ?1 AND volgnr = ?2",
        params![
            z.identificatie,
            volgnr,
            datum,
            u.uitkomsten.join(","),
            u.toelichting.trim(),
            aanwezig.join(",")
        ],
    )?;
    write_bevindingen(&tx, &z.identificatie, &u.bevindingen, user.naam())?;
    for b in &u.brp_onjuist {
        crate::terugmelding::draw_up(
            &tx,
            &z,
            &b.pseudoniem,
            b.voorgesteld.as_deref().unwrap_or("onbekend"),
            u.toelichting.trim(),
        )?;
    }
    push_status(
        &tx,
        &z.identificatie,
        "huisbezoek_uitgevoerd",
        &format!(
            "uitkomst: {}{afwijking}; aanwezig: {}",
            u.uitkomsten
                .iter()
                .map(|k| crate::catalogus::catalogus()
                    .uitkomst(k)
                    .map_or_else(|| k.clone(), |t| t.omschrijving.clone()))
                .collect::<Vec<_>>()
                .join(", "),
            aanwezig.join(", ")
        ),
        user.naam(),
    )?;
    log_step(
        &tx,
        user,
        &activity,
        "zaak.huisbezoek_uitgevoerd",
        &z.identificatie,
        &d.personen,
        &[
            ("uitkomsten", u.uitkomsten.join(",")),
            ("uitgevoerd", datum.clone()),
        ],
    )?;
    tx.commit()?;
    detail(project.db(), load(project.db(), &z.identificatie)?)
}

/// `loep zaak note`: a partner records its own findings on a case, and optionally its own
/// dossier number (zaakkenmerk) on its role.
pub fn note(
    project: &mut Project,
    user: &Gebruiker,
    id: &str,
    tekst: &str,
    zaakkenmerk: Option<&str>,
) -> Result<ZaakDetail> {
    let z = load(project.db(), id)?;
    authorize(project.db(), user, Actie::BevindingVastleggen, &z)?;
    if tekst.trim().is_empty() && zaakkenmerk.is_none() {
        return Err(invalid_in(
            &["tekst", "zaakkenmerk"],
            "geef een bevinding of een zaakkenmerk",
        ));
    }
    if let Some(k) = zaakkenmerk
        && (k.trim().is_empty() || k.chars().count() > 40)
    {
        return Err(invalid("een zaakkenmerk heeft 1 tot 40 tekens"));
    }
    let org = user.organisatie().map(Partner::as_str);
    let eigen: Vec<ZaakRol> = rollen(project.db(), &z.identificatie)?
        .into_iter()
        .filter(|r| {
            r.medewerker.as_deref() == Some(user.naam())
                || (org.is_some() && r.organisatie.as_deref() == org)
        })
        .collect();
    let d = detail(project.db(), z.clone())?;
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    if !tekst.trim().is_empty() {
        let n: i64 = tx.sql().query_row(
            "SELECT COALESCE(MAX(volgnr), 0) FROM zaak_notitie WHERE zaak = ?1",
            params![z.identificatie],
            |r| r.get(0),
        )?;
        tx.sql().execute(
            "INSERT INTO zaak_notitie (zaak, volgnr, organisatie, door, tijdstip, tekst) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![z.identificatie, n + 1, org, user.naam(), clock::now(), tekst.trim()],
        )?;
    }
    if let Some(k) = zaakkenmerk {
        for r in &eigen {
            tx.sql().execute(
                "UPDATE zaak_rol SET zaakkenmerk = ?2 WHERE id = ?1",
                params![r.id, k.trim()],
            )?;
        }
    }
    log_step(
        &tx,
        user,
        &activity,
        "zaak.bevinding",
        &z.identificatie,
        &d.personen,
        &[],
    )?;
    tx.commit()?;
    detail(project.db(), load(project.db(), &z.identificatie)?)
}

/// `loep zaak close`: close a case with a resultaat. Every indicator that raised it needs a
/// bevinding (from the visit, or given here), so that hit rates count every closed case.
pub fn close(
    project: &mut Project,
    user: &Gebruiker,
    id: &str,
    resultaat: &str,
    toelichting: &str,
    bevindingen: &[(String, String)],
) -> Result<Zaak> {
    let z = load(project.db(), id)?;
    authorize(project.db(), user, Actie::ZaakAfsluiten, &z)?;
    check_transition(&z, "afgerond")?;
    if resultaat.trim() == "ingetrokken" {
        return Err(invalid(
            "een zaak zonder afgerond onderzoek annuleer je door haar status op geannuleerd te zetten",
        ));
    }
    if catalogus().resultaattype(resultaat.trim()).is_none() {
        return Err(invalid(format!(
            "onbekend resultaat '{resultaat}'; kies uit: {}",
            catalogus::Catalogus::codes(
                catalogus()
                    .resultaattypen
                    .iter()
                    .filter(|r| r.code != "ingetrokken")
                    .map(|r| r.code.as_str())
            )
        )));
    }
    let d = detail(project.db(), z.clone())?;
    check_bevindingen(&d, bevindingen, true)?;
    // The resultaat sets how long the case is kept: it must agree with the bevindingen.
    let bevestigd = bevindingen.iter().any(|(_, o)| o == "bevestigd")
        || d.bevindingen.iter().any(|b| {
            b.oordeel == "bevestigd" && !bevindingen.iter().any(|(i, _)| *i == b.indicator)
        });
    match resultaat.trim() {
        "niets_gevonden" if bevestigd => {
            return Err(invalid(
                "resultaat niets_gevonden gaat niet samen met een bevestigde bevinding; kies onrechtmatigheid_vastgesteld of zorg_geboden",
            ));
        }
        "onrechtmatigheid_vastgesteld" if !bevestigd => {
            return Err(invalid(
                "resultaat onrechtmatigheid_vastgesteld vraagt ten minste één bevestigde bevinding",
            ));
        }
        _ => {}
    }
    let terms = terms(project);
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    write_bevindingen(&tx, &z.identificatie, bevindingen, user.naam())?;
    push_status(
        &tx,
        &z.identificatie,
        "afgerond",
        &format!("resultaat: {}", resultaat.trim()),
        user.naam(),
    )?;
    close_in(&tx, &terms, &z.identificatie, resultaat.trim(), toelichting)?;
    log_step(
        &tx,
        user,
        &activity,
        "zaak.afsluiten",
        &z.identificatie,
        &d.personen,
        &[("resultaat", resultaat.trim().to_string())],
    )?;
    tx.commit()?;
    load(project.db(), &z.identificatie)
}

/// `loep zaak reopen`: the projectleider reopens a closed case, with a reason. The resultaat
/// and archive dates are cleared (the history keeps them).
pub fn reopen(project: &mut Project, user: &Gebruiker, id: &str, reden: &str) -> Result<Zaak> {
    let z = load(project.db(), id)?;
    authorize(project.db(), user, Actie::ZaakHeropenen, &z)?;
    check_transition(&z, "heropend")?;
    if reden.trim().chars().count() < MIN_REDEN {
        return Err(invalid_in(
            &["reden"],
            format!("zeg in de reden waarom de zaak wordt heropend (minstens {MIN_REDEN} tekens)"),
        ));
    }
    let d = detail(project.db(), z.clone())?;
    for sig in &d.signalen {
        let other: Option<String> = project
            .db()
            .sql()
            .query_row(
                "SELECT z.identificatie FROM zaak_signaal zs JOIN zaak z ON z.identificatie = zs.zaak
                 WHERE zs.signaal = ?1 AND z.einddatum IS NULL AND z.identificatie <> ?2 LIMIT 1",
                params![sig.signaal, z.identificatie],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(o) = other {
            return Err(invalid(format!(
                "signaal {} zit inmiddels in de open zaak {o}; werk die bij in plaats van deze te heropenen",
                sig.signaal
            )));
        }
    }
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    push_status(&tx, &z.identificatie, "heropend", reden.trim(), user.naam())?;
    tx.sql().execute(
        "UPDATE zaak SET einddatum = NULL, resultaat = NULL, resultaat_toelichting = NULL, archiefnominatie = NULL, archiefactiedatum = NULL WHERE identificatie = ?1",
        params![z.identificatie],
    )?;
    log_step(
        &tx,
        user,
        &activity,
        "zaak.heropenen",
        &z.identificatie,
        &d.personen,
        &[],
    )?;
    tx.commit()?;
    load(project.db(), &z.identificatie)
}

/// Whether `user` holds a role on an open case that took in signal `signaal` (`RUN/NR`): the
/// `op_zaak` rule for seeing the identities of an approved request on that signal.
pub fn on_open_case_with_signal(conn: &Db, user: &Gebruiker, signaal: &str) -> Result<bool> {
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
    let mut stmt = conn.sql().prepare(
        "SELECT zs.pseudoniemen FROM zaak_signaal zs JOIN zaak z ON z.identificatie = zs.zaak
         WHERE z.einddatum IS NULL AND z.registratiedatum >= ?1",
    )?;
    let rows = stmt.query_map(params![since], |r| r.get::<_, String>(0))?;
    let mut out = HashSet::new();
    for r in rows {
        out.extend(split(&r?));
    }
    Ok(out)
}

/// Whether a case was closed (afgerond or geannuleerd) after `since` (RFC 3339): its persons'
/// identities are then no longer kept for it.
pub fn closed_since(conn: &Db, since: &str) -> Result<bool> {
    if !has_register(conn)? {
        return Ok(false);
    }
    let closing: Vec<String> = catalogus()
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

#[cfg(test)]
mod tests {
    use super::*;

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

        // A later release's register.
        conn.execute("UPDATE zaak_schema SET versie = ?1", [REGISTER_VERSION + 1])
            .unwrap();
        let e = migrate_register(Db::of(&conn)).unwrap_err();
        assert!(e.to_string().contains("nieuwere versie"), "{e}");
        // And a reader, which asks whether there is a register before it reads one.
        let e = has_register(Db::of(&conn)).unwrap_err();
        assert!(e.to_string().contains("nieuwere versie"), "{e}");
    }

    #[test]
    fn uuids_are_version_4() {
        let u = new_uuid().unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(["8", "9", "a", "b"].contains(&&u[19..20]));
        assert_ne!(u, new_uuid().unwrap());
    }

    /// Who went: the one who records it when nobody is named, each name once, no comma (the
    /// list is stored joined by commas), and a bounded list.
    #[test]
    fn who_went_is_checked() {
        assert_eq!(aanwezig(&[], "hh").unwrap(), vec!["hh"]);
        assert_eq!(aanwezig(&[" ".into()], "hh").unwrap(), vec!["hh"]);
        assert_eq!(
            aanwezig(&["a".into(), " b ".into(), "a".into()], "hh").unwrap(),
            vec!["a", "b"]
        );
        assert!(aanwezig(&["a,b".into()], "hh").is_err());
        assert!(aanwezig(&["x".repeat(65)], "hh").is_err());
        let many: Vec<String> = (0..=MAX_AANWEZIG).map(|i| format!("p{i}")).collect();
        assert!(aanwezig(&many, "hh").is_err());
    }
}
