//! The register's rows: a case and what is recorded on it read back (each sealed row checked
//! against its seal), and the writes the steps share (a status, a role).

use anyhow::Result;
use loep_contract::Partner;
use loep_store::{Db, TxDb, clock, kolom};
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeSet;

use super::model::{
    Bevinding, Huisbezoek, Notitie, Oordeel, StatusRegel, Zaak, ZaakDetail, ZaakRol, ZaakSignaal,
    Zaakobject,
};
use super::not_found;
use super::schema::{has_column, has_register, list_format};

pub(super) const ZAAK_COLUMNS: &str = "identificatie, uuid, zaaktype, omschrijving, toelichting, registratiedatum, startdatum, einddatum, vertrouwelijkheidaanduiding, hoofdzaak, vbo_id, buurtcode, status, resultaat, resultaat_toelichting, archiefnominatie, archiefactiedatum";

pub(super) fn zaak_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Zaak> {
    Ok(Zaak {
        identificatie: r.get(0)?,
        uuid: r.get(1)?,
        zaaktype: r.get(2)?,
        omschrijving: r.get(3)?,
        toelichting: r.get(4)?,
        registratiedatum: kolom::datum(r, 5)?,
        startdatum: kolom::datum(r, 6)?,
        einddatum: kolom::datum_opt(r, 7)?,
        vertrouwelijkheidaanduiding: r.get(8)?,
        hoofdzaak: r.get(9)?,
        zaakobject: Zaakobject {
            object_type: "verblijfsobject".to_string(),
            identificatie: kolom::vbo(r, 10)?,
            buurtcode: r.get(11)?,
        },
        status: r.get(12)?,
        resultaat: r.get(13)?,
        resultaat_toelichting: r.get(14)?,
        archiefnominatie: r.get(15)?,
        archiefactiedatum: kolom::datum_opt(r, 16)?,
    })
}

/// The case `id` (its identificatie or uuid), checked against its seal.
pub(super) fn load(conn: &Db, id: &str) -> Result<Zaak> {
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

pub(super) fn rollen(conn: &Db, zaak: &str) -> Result<Vec<ZaakRol>> {
    let mut stmt = conn.sql().prepare(
        "SELECT id, roltype, organisatie, medewerker, zaakkenmerk, toegewezen, door FROM zaak_rol WHERE zaak = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![zaak], |r| {
        Ok(ZaakRol {
            id: r.get(0)?,
            roltype: r.get(1)?,
            organisatie: kolom::parsed_opt(r, 2, Partner::parse)?,
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
pub(super) fn personen(signalen: &[ZaakSignaal]) -> Vec<String> {
    let set: BTreeSet<&String> = signalen.iter().flat_map(|s| &s.pseudoniemen).collect();
    set.into_iter().cloned().collect()
}

/// Everything recorded on case `z`, unauthorised (for `show`, the steps and retention).
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
    let lists = list_format(conn)?;
    let mut stmt = conn.sql().prepare(&format!(
        "SELECT volgnr, gepland, team, uitgevoerd, uitkomsten, toelichting, {aanwezig} FROM huisbezoek WHERE zaak = ?1 ORDER BY volgnr",
    ))?;
    let huisbezoeken = stmt
        .query_map(params![id], |r| {
            Ok(Huisbezoek {
                volgnr: r.get(0)?,
                gepland: kolom::datum(r, 1)?,
                team: lists.column(r, 2)?,
                uitgevoerd: kolom::datum_opt(r, 3)?,
                aanwezig: lists.column(r, 6)?,
                uitkomsten: lists.column(r, 4)?,
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
                oordeel: kolom::parsed(r, 1, |s| {
                    Oordeel::parse(s).ok_or_else(|| {
                        loep_contract::Invalid::new("oordeel", "een onbekend oordeel")
                    })
                })?,
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
                organisatie: kolom::parsed_opt(r, 1, Partner::parse)?,
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

pub(super) fn push_status(
    tx: &TxDb,
    zaak: &str,
    status: &str,
    toelichting: &str,
    door: &str,
) -> Result<()> {
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

pub(super) fn add_rol(
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
