//! Creating a case from signals (`loep zaak new`).

use anyhow::Result;
use loep_contract::BagId;
use loep_store::TxDb;
use loep_store::auth::{self, Actie, ActingAccount, Object};
use loep_store::scan::Signal;
use loep_store::{Problem, ProblemKind, Project, clock};
use rusqlite::{OptionalExtension, params};

use super::logboek::log_step;
use super::model::{Zaak, ZaakSignaal};
use super::opslag::{ZAAK_COLUMNS, add_rol, load, personen};
use super::{invalid, invalid_in, today};
use crate::case_types::{self, case_types};

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

/// `loep zaak new`: an analist or projectleider opens a case for the address of one or more
/// signals. The signals are copied into the case, so that they stay with it.
pub fn new(project: &mut Project, user: &ActingAccount, nieuw: &Nieuw) -> Result<Zaak> {
    auth::authorize(user, Actie::ZaakAanmaken, Object::Project)?;
    if nieuw.signalen.is_empty() {
        return Err(invalid_in(
            &["signaal"],
            "geef de signalen waar de zaak uit volgt (kenmerk RUN/NR; meer dan één mag)",
        ));
    }
    let found = certified_signals(project, &nieuw.signalen)?;
    let vbo = one_address(&found)?;
    let zaaktype = zaaktype_of(nieuw, &found)?;
    let vertrouwelijk = confidentiality(nieuw, zaaktype)?;
    not_in_an_open_case(project, &found)?;
    let hoofdzaak = main_case(project, nieuw)?;
    let zaak_signalen: Vec<ZaakSignaal> = found
        .iter()
        .map(|s| ZaakSignaal {
            signaal: s.id(),
            indicator: s.indicator.clone(),
            thema: s.thema.code().to_string(),
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
            dag.to_string(),
            vertrouwelijk,
            hoofdzaak,
            vbo.to_string(),
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
                loep_store::lijst::encode(&s.pseudoniemen),
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
            // Not a stored list: a log record's attribute, hash-chained as records always were.
            ("signalen", signaal_ids.join(",")),
            ("zaaktype", zaaktype.code.clone()),
        ],
    )?;
    tx.commit()?;
    load(project.db(), &id)
}

/// The signals `ids` name, each once, each against its seal and its run against the run's
/// certificate; not found for an id that names none.
fn certified_signals(project: &Project, ids: &[String]) -> Result<Vec<Signal>> {
    let mut found: Vec<Signal> = Vec::new();
    for id in ids {
        // Each signal against its seal here; each run against its certificate once, below.
        match loep_store::scan::signal(project.db(), id.trim())? {
            Some(s) => {
                if !found.iter().any(|f| f.id() == s.id()) {
                    found.push(s)
                }
            }
            None => {
                return Err(Problem::with_next(
                    ProblemKind::NotFound,
                    loep_store::Vervolg::Overzicht(loep_store::Overzicht::Signalen),
                    format!(
                        "er is geen signaal '{id}' (misschien al vernietigd na de bewaartermijn)"
                    ),
                ));
            }
        }
    }
    let runs: std::collections::BTreeSet<&str> = found.iter().map(|s| s.run_id.as_str()).collect();
    for run in runs {
        loep_store::certificaat::check_run(project.db(), run)?;
    }
    Ok(found)
}

/// The one address the signals are about: a case is about one address.
fn one_address(found: &[Signal]) -> Result<BagId> {
    let vbo = found[0].vbo_id;
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
    Ok(vbo)
}

/// The case type asked for, or that of the first signal's theme.
fn zaaktype_of(nieuw: &Nieuw, found: &[Signal]) -> Result<&'static case_types::Zaaktype> {
    let c = case_types();
    Ok(match &nieuw.zaaktype {
        Some(code) => c.zaaktype(code.trim()).ok_or_else(|| {
            invalid(format!(
                "onbekend zaaktype '{code}'; kies uit: {}",
                case_types::CaseTypes::codes(c.zaaktypen.iter().map(|z| z.code.as_str()))
            ))
        })?,
        None => c.zaaktype_voor_thema(found[0].thema).ok_or_else(|| {
            invalid_in(
                &["zaaktype"],
                format!(
                    "thema {} hoort bij geen zaaktype; kies het zaaktype",
                    found[0].thema
                ),
            )
        })?,
    })
}

/// The confidentiality asked for, or the case type's; one of ZGW's.
fn confidentiality(nieuw: &Nieuw, zaaktype: &case_types::Zaaktype) -> Result<String> {
    let vertrouwelijk = nieuw
        .vertrouwelijkheidaanduiding
        .clone()
        .unwrap_or_else(|| zaaktype.vertrouwelijkheidaanduiding.clone());
    if !case_types::VERTROUWELIJKHEID.contains(&vertrouwelijk.as_str()) {
        return Err(invalid(format!(
            "onbekende vertrouwelijkheidaanduiding '{vertrouwelijk}'; kies uit: {}",
            case_types::VERTROUWELIJKHEID.join(", ")
        )));
    }
    Ok(vertrouwelijk)
}

/// A signal is handled in one open case at a time.
fn not_in_an_open_case(project: &Project, found: &[Signal]) -> Result<()> {
    for s in found {
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
    Ok(())
}

/// The main case asked for, when it is open and no part of another itself.
fn main_case(project: &Project, nieuw: &Nieuw) -> Result<Option<String>> {
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
    Ok(hoofdzaak)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4() {
        let u = new_uuid().unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(["8", "9", "a", "b"].contains(&&u[19..20]));
        assert_ne!(u, new_uuid().unwrap());
    }
}
