//! Terugmelding: a report back to the BRP when a visit found a person's registration wrong,
//! shaped after Logius' Terugmelding standard (registratie, melder, datumMelding,
//! referentiekenmerk of at most 12 characters, objectIdentificatie with the BSN,
//! terugMeldingGegevens with attribuutUrn, betwijfeldeWaarde and voorgesteldeWaarde).
//!
//! The register keeps a terugmelding with the person as a pseudonym. Exporting it needs the
//! BSN, which only an approved request for identities on the case's signals gives (the
//! application core asks the vault with that grant); the export is logged and moves the
//! terugmelding to `geexporteerd`.

use anyhow::Result;
use loep_store::auth::{self, Actie, ActingAccount, Object};
use loep_store::log::LogRecord;
use loep_store::{Db, TxDb};
use loep_store::{Problem, ProblemKind, Project, clock};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::register::{self, Zaak};

/// The BRP attribute a wrong address registration is about.
pub const ATTRIBUUT_VERBLIJFPLAATS: &str =
    "urn:nl:brp:verblijfplaats.adresseerbaarObjectIdentificatie";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Terugmelding {
    pub id: String,
    pub zaak: String,
    /// The person, as a pseudonym.
    pub pseudoniem: String,
    /// At most 12 characters (the standard's limit).
    pub referentiekenmerk: String,
    pub attribuut_urn: String,
    pub betwijfelde_waarde: String,
    pub voorgestelde_waarde: String,
    pub toelichting: String,
    /// `opgesteld` or `geexporteerd`.
    pub status: String,
    pub aangemaakt: String,
    pub geexporteerd: Option<String>,
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Terugmelding> {
    let id: String = r.get(0)?;
    Ok(Terugmelding {
        referentiekenmerk: referentiekenmerk(&id),
        id,
        zaak: r.get(1)?,
        pseudoniem: r.get(2)?,
        attribuut_urn: r.get(3)?,
        betwijfelde_waarde: r.get(4)?,
        voorgestelde_waarde: r.get(5)?,
        toelichting: r.get(6)?,
        status: r.get(7)?,
        aangemaakt: r.get(8)?,
        geexporteerd: r.get(9)?,
    })
}

const COLUMNS: &str = "id, zaak, pseudoniem, attribuut_urn, betwijfelde_waarde, voorgestelde_waarde, toelichting, status, aangemaakt, geexporteerd";

/// `T000042` → `LOEPT000042` (11 characters; the standard allows 12).
pub fn referentiekenmerk(id: &str) -> String {
    format!("LOEP{id}")
}

/// The terugmeldingen of a case.
pub fn of_case(conn: &Db, zaak: &str) -> Result<Vec<Terugmelding>> {
    let mut stmt = conn.sql().prepare(&format!(
        "SELECT {COLUMNS} FROM terugmelding WHERE zaak = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![zaak], from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Draws up a terugmelding for `pseudoniem` on case `z` (in the visit's transaction).
pub(crate) fn draw_up(
    tx: &TxDb,
    z: &Zaak,
    pseudoniem: &str,
    voorgesteld: &str,
    toelichting: &str,
) -> Result<String> {
    // A counter, not the highest id left: retention deletes terugmeldingen, and a reference
    // sent to the BRP must never be given twice.
    let n: i64 = tx
        .sql()
        .query_row("SELECT laatste FROM zaak_teller WHERE jaar = 0", [], |r| {
            r.get(0)
        })
        .optional()?
        .unwrap_or(0);
    tx.sql().execute(
        "INSERT INTO zaak_teller (jaar, laatste) VALUES (0, ?1) ON CONFLICT (jaar) DO UPDATE SET laatste = excluded.laatste",
        params![n + 1],
    )?;
    let id = format!("T{:06}", n + 1);
    tx.sql().execute(
        &format!("INSERT INTO terugmelding ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'opgesteld', ?8, NULL)"),
        params![
            id,
            z.identificatie,
            pseudoniem,
            ATTRIBUUT_VERBLIJFPLAATS,
            z.zaakobject.identificatie.to_string(),
            voorgesteld.trim(),
            toelichting,
            clock::now()
        ],
    )?;
    Ok(id)
}

/// A terugmelding ready to export: the terugmelding, its case, and the signals of the case
/// whose approved requests for identities may give the person's BSN.
pub struct Export {
    pub terugmelding: Terugmelding,
    pub zaak: Zaak,
    pub signalen: Vec<String>,
}

/// Looks up terugmelding `id` for export by `user` (a handhaver on the case).
pub fn prepare(conn: &Db, user: &ActingAccount, id: &str) -> Result<Export> {
    let t = conn
        .sql()
        .query_row(
            &format!("SELECT {COLUMNS} FROM terugmelding WHERE id = ?1"),
            params![id.trim()],
            from_row,
        )
        .optional()?
        .ok_or_else(|| {
            Problem::with_next(
                ProblemKind::NotFound,
                loep_store::Vervolg::Overzicht(loep_store::Overzicht::Zaak),
                format!("er is geen terugmelding '{id}'; de zaak toont haar terugmeldingen"),
            )
        })?;
    let d = register::show(conn, user, &t.zaak)?;
    if d.zaak.gesloten() {
        return Err(Problem::error(
            ProblemKind::Refused,
            format!(
                "geweigerd: zaak {} is afgesloten; een terugmelding met een BSN kan alleen op een open zaak worden geëxporteerd (de projectleider kan haar heropenen met een reden)",
                d.zaak.identificatie
            ),
        ));
    }
    let op_zaak = true; // show() refused anyone not on the case
    auth::authorize(
        user,
        Actie::TerugmeldingExporteren,
        Object::Zaak {
            op_zaak,
            gesloten: d.zaak.gesloten(),
        },
    )?;
    let signalen = d
        .signalen
        .iter()
        .filter(|s| s.pseudoniemen.contains(&t.pseudoniem))
        .map(|s| s.signaal.clone())
        .collect();
    Ok(Export {
        terugmelding: t,
        zaak: d.zaak,
        signalen,
    })
}

/// The terugmelding as the standard's message. `bsn` comes from the vault under an approved
/// request; `melder` names the reporting organisation.
pub fn document(e: &Export, bsn: &str, melder: &str, datum: &str) -> Value {
    let t = &e.terugmelding;
    json!({
        "registratie": "BRP",
        "melder": { "naam": melder },
        "datumMelding": datum,
        "referentiekenmerk": t.referentiekenmerk,
        "objectIdentificatie": {
            "type": "burgerservicenummer",
            "burgerservicenummer": bsn,
        },
        "terugMeldingGegevens": [{
            "attribuutUrn": t.attribuut_urn,
            "betwijfeldeWaarde": t.betwijfelde_waarde,
            "voorgesteldeWaarde": t.voorgestelde_waarde,
        }],
        "toelichting": t.toelichting,
        "zaakidentificatie": e.zaak.identificatie,
    })
}

/// Records that terugmelding `id` was exported (logged, with the person as data subject).
pub fn mark_exported(
    project: &mut Project,
    user: &loep_store::auth::ActingAccount,
    e: &Export,
) -> Result<Terugmelding> {
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    tx.sql().execute(
        "UPDATE terugmelding SET status = 'geexporteerd', geexporteerd = ?2 WHERE id = ?1",
        params![e.terugmelding.id, clock::now()],
    )?;
    let now = clock::now();
    let rec = LogRecord::new("zaak.terugmelding_export", &now, &now)
        .with_subject(e.terugmelding.pseudoniem.clone())
        .with_attr("zaak", e.zaak.identificatie.clone())
        .with_attr("terugmelding", e.terugmelding.referentiekenmerk.clone())
        .by(user);
    loep_store::log::append(&tx, &activity, rec)?;
    tx.commit()?;
    let t = project.db().sql().query_row(
        &format!("SELECT {COLUMNS} FROM terugmelding WHERE id = ?1"),
        params![e.terugmelding.id],
        from_row,
    )?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referentiekenmerk_fits_the_standard() {
        assert!(referentiekenmerk("T999999").chars().count() <= 12);
    }
}
