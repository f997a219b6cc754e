//! Accountability pages: hit rates per indicator (`/trefkansen`), who a run flags against who
//! lives in the area (`/eerlijkheid`), and for the privacy officer the processing log with its
//! verification and signed head (`/verwerkingslog`), the accounts and their audit trail
//! (`/accounts`) and the Algoritmeregister entry (`/algoritmeregister`). Each page calls one use
//! case of the core, which authorises itself.

use askama::Template;
use axum::response::IntoResponse;
use loep_app::Kind;

use crate::extract::{ReadSession, Reply, WriteForm};
use crate::formulier::{Leeg, raw, text};
use crate::pages::{Wie, render};
use crate::web::blocking;

fn procent(x: f64) -> String {
    format!("{:.0}%", x * 100.0).replace('.', ",")
}

pub struct TrefkansRegel {
    pub indicator: String,
    pub periode: String,
    pub bevestigd: i64,
    pub niet_bevestigd: i64,
    pub niet_vast_te_stellen: i64,
    pub beoordeeld: i64,
    /// "62% (48% tot 75%)", or why not shown.
    pub trefkans: String,
    pub onderdrukt: bool,
}

#[derive(Template)]
#[template(path = "trefkansen.html")]
struct Trefkansen {
    wie: Wie,
    toelichting: String,
    minimum: i64,
    regels: Vec<TrefkansRegel>,
}

/// `GET /trefkansen`: per indicator, how often a closed case confirmed what it signalled, with
/// a 95% interval; fewer than the minimum of judged cases are not shown.
pub async fn trefkansen(ReadSession(s, csrf): ReadSession) -> Reply {
    let p = blocking(move || {
        let r = loep_app::zaken::trefkans(&s)?;
        let regels = r
            .indicatoren
            .iter()
            .map(|t| TrefkansRegel {
                indicator: t.indicator.clone(),
                periode: t.periode.clone(),
                bevestigd: t.bevestigd,
                niet_bevestigd: t.niet_bevestigd,
                niet_vast_te_stellen: t.niet_vast_te_stellen,
                beoordeeld: t.beoordeeld,
                trefkans: match (t.trefkans, t.ondergrens, t.bovengrens) {
                    (Some(p), Some(lo), Some(hi)) if !t.onderdrukt => {
                        format!("{} ({} tot {})", procent(p), procent(lo), procent(hi))
                    }
                    _ => format!("niet getoond: minder dan {} beoordeeld", r.minimum),
                },
                onderdrukt: t.onderdrukt,
            })
            .collect();
        Ok(Trefkansen {
            wie: Wie::of(&s, csrf),
            toelichting: r.toelichting.clone(),
            minimum: r.minimum,
            regels,
        })
    })
    .await?;
    Ok(render(&p))
}

pub struct GroepRegel {
    pub dimensie: String,
    pub groep: String,
    /// Empty when suppressed.
    pub bewoners: String,
    pub gemarkeerd: String,
    pub dispariteit: String,
    pub boven: bool,
}

#[derive(Template)]
#[template(path = "eerlijkheid.html")]
struct Eerlijkheid {
    wie: Wie,
    run_id: String,
    tijdstip: String,
    bewoners: u64,
    gemarkeerd: u64,
    min_groep: u64,
    svg: String,
    groepen: Vec<GroepRegel>,
}

/// `GET /eerlijkheid`: the latest run's fairness chart with its figures and a reading guide.
pub async fn eerlijkheid(ReadSession(s, csrf): ReadSession) -> Reply {
    let p = blocking(move || {
        let (run, f, svg) = loep_app::scan::fairness_chart(&s, None)?;
        let groepen = f
            .groepen
            .iter()
            .map(|g| {
                let shown = g.onderdrukt.is_none();
                GroepRegel {
                    dimensie: g.dimensie.clone(),
                    groep: g.groep.clone(),
                    bewoners: if g.bewoners >= loep_app::scan::MIN_GROUP {
                        g.bewoners.to_string()
                    } else {
                        format!("< {}", loep_app::scan::MIN_GROUP)
                    },
                    gemarkeerd: if shown {
                        g.bewoners_gemarkeerd.to_string()
                    } else {
                        "niet getoond".to_string()
                    },
                    dispariteit: g
                        .dispariteit
                        .filter(|_| shown)
                        .map(|d| format!("{d:.2}").replace('.', ","))
                        .unwrap_or_else(|| "niet getoond".to_string()),
                    boven: shown && g.dispariteit.is_some_and(|d| d > 1.25),
                }
            })
            .collect();
        Ok(Eerlijkheid {
            wie: Wie::of(&s, csrf),
            run_id: run.run_id.clone(),
            tijdstip: loep_app::nl::tijdstip(&run.tijdstip),
            bewoners: f.bewoners,
            gemarkeerd: f.bewoners_gemarkeerd,
            min_groep: loep_app::scan::MIN_GROUP,
            svg,
            groepen,
        })
    })
    .await?;
    Ok(render(&p))
}

#[derive(Template)]
#[template(path = "verwerkingslog.html")]
struct Verwerkingslog {
    wie: Wie,
    /// The whole chain checked now (not on a search's pages).
    controle: Option<Controle>,
    /// The privacy officer browses the records.
    zoeken: Option<Zoeken>,
}

/// The check of the whole chain.
pub struct Controle {
    pub intact: bool,
    pub records: usize,
    pub head_hash: String,
    pub problemen: Vec<String>,
    pub signed_head: Option<String>,
    /// The signed head in its three parts (number, hash, signature), to read and copy.
    pub kop: Option<(String, String, String)>,
    pub alarm: Option<String>,
}

/// The privacy officer's search of the log: the filter as given, one page of records.
pub struct Zoeken {
    pub persoon: String,
    pub handeling: String,
    pub van: String,
    pub tot: String,
    pub namen: Vec<(String, String)>,
    pub regels: Vec<loep_app::log::Regel>,
    pub pagina: usize,
    pub meer: bool,
    /// The query without the page, for the page links.
    pub query: String,
    pub fout: Option<String>,
}

/// The query of `GET /verwerkingslog`.
#[derive(serde::Deserialize, Default)]
pub struct LogQuery {
    #[serde(default)]
    persoon: String,
    #[serde(default)]
    handeling: String,
    #[serde(default)]
    van: String,
    #[serde(default)]
    tot: String,
    #[serde(default)]
    pagina: Option<usize>,
}

fn search(s: &loep_app::Session, q: &LogQuery) -> loep_app::Result<Zoeken> {
    let some = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let filter = loep_app::log::Filter {
        persoon: some(&q.persoon),
        naam: some(&q.handeling),
        van: some(&q.van),
        tot: some(&q.tot),
    };
    let pagina = q.pagina.unwrap_or(1).max(1);
    let query = [
        ("persoon", &q.persoon),
        ("handeling", &q.handeling),
        ("van", &q.van),
        ("tot", &q.tot),
    ]
    .iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| format!("{k}={}", url_encode(v.trim())))
    .collect::<Vec<_>>()
    .join("&");
    let (regels, meer, namen, fout) = match loep_app::log::browse(s, &filter, pagina) {
        Ok(b) => (b.regels, b.meer, b.namen, None),
        Err(e) if e.kind == Kind::Invalid => (Vec::new(), false, Vec::new(), Some(e.message())),
        Err(e) => return Err(e),
    };
    Ok(Zoeken {
        persoon: q.persoon.trim().to_string(),
        handeling: q.handeling.trim().to_string(),
        van: q.van.trim().to_string(),
        tot: q.tot.trim().to_string(),
        namen,
        regels,
        pagina,
        meer,
        query,
        fout,
    })
}

/// A value for a link's query string.
fn url_encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /verwerkingslog`: the whole chain checked now, the signed head to keep, and any alarm;
/// for the privacy officer also the records, searchable by person, kind and period.
pub async fn verwerkingslog(
    ReadSession(s, csrf): ReadSession,
    axum::extract::Query(q): axum::extract::Query<LogQuery>,
) -> Reply {
    let p = blocking(move || {
        // A search (or another page of one) does not check the whole chain again.
        let searching = [&q.persoon, &q.handeling, &q.van, &q.tot]
            .iter()
            .any(|v| !v.trim().is_empty())
            || q.pagina.is_some();
        let c = if searching && s.may(loep_app::types::Actie::LogExporteren) {
            None
        } else {
            Some(loep_app::log::verify(&s, None)?)
        };
        let zoeken = if s.may(loep_app::types::Actie::LogExporteren) {
            Some(search(&s, &q)?)
        } else {
            None
        };
        let controle = c.map(|c| Controle {
            kop: c.signed_head.as_deref().and_then(|h| {
                let mut parts = h.splitn(3, ':');
                Some((
                    parts.next()?.to_string(),
                    parts.next()?.to_string(),
                    parts.next()?.to_string(),
                ))
            }),
            intact: c.verification.intact() && c.alarm.is_none(),
            records: c.verification.records,
            head_hash: c.verification.head_hash.clone(),
            problemen: c.verification.problems.clone(),
            signed_head: c.signed_head.clone(),
            alarm: c.alarm.clone(),
        });
        Ok(Verwerkingslog {
            zoeken,
            controle,
            wie: Wie::of(&s, csrf),
        })
    })
    .await?;
    Ok(render(&p))
}

pub struct AccountRegel {
    pub naam: String,
    pub rol: String,
    pub organisatie: String,
    pub status: String,
    /// What the logged-in account may do to it here: `uitschakelen`, `inschakelen`,
    /// `bevestigen`, with the button's text.
    pub acties: Vec<(&'static str, &'static str)>,
}

pub struct AuditRegel {
    pub tijdstip: String,
    pub gebeurtenis: String,
    pub account: String,
    pub door: String,
    pub toelichting: String,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct Accounts {
    wie: Wie,
    accounts: Vec<AccountRegel>,
    audit: Option<Vec<AuditRegel>>,
    /// The beheerder adds accounts: the roles and organisations to choose from.
    mag_beheren: bool,
    rollen: Vec<crate::zaken::Keuze>,
    organisaties: Vec<crate::zaken::Keuze>,
    fout: Option<String>,
    gedaan: Option<String>,
}

/// A role in words.
fn rol_label(r: loep_app::types::Rol) -> String {
    use loep_app::types::Rol;
    match r {
        Rol::FunctionarisGegevensbescherming => "functionaris gegevensbescherming".to_string(),
        other => other.name().to_string(),
    }
}

fn accounts_page(
    s: &loep_app::Session,
    csrf: String,
    fout: Option<String>,
    gedaan: Option<String>,
) -> loep_app::Result<Accounts> {
    use loep_app::accounts::AccountStatus;
    use loep_app::types::Actie;
    let beheren = s.may(Actie::GebruikersBeheren);
    let bevestigen = s.may(Actie::GebruikersBevestigen);
    let zelf = s.user().naam().to_string();
    let accounts = loep_app::accounts::list(s)?
        .into_iter()
        .map(|a| {
            let mut acties = Vec::new();
            if beheren && a.naam != zelf {
                match a.status {
                    AccountStatus::Actief | AccountStatus::WachtOpBevestiging => {
                        acties.push(("uitschakelen", "Uitschakelen"))
                    }
                    AccountStatus::Uitgeschakeld => acties.push(("inschakelen", "Inschakelen")),
                    AccountStatus::Geblokkeerd => {
                        acties.push(("inschakelen", "Blokkade opheffen"));
                        acties.push(("uitschakelen", "Uitschakelen"));
                    }
                }
            }
            if bevestigen && a.status == AccountStatus::WachtOpBevestiging {
                acties.push(("bevestigen", "Bevestigen"));
            }
            AccountRegel {
                naam: a.naam.clone(),
                rol: rol_label(a.rol),
                organisatie: a
                    .organisatie
                    .map(|o| loep_app::inzage::labels::partner(o).to_string())
                    .unwrap_or_default(),
                status: a.status.label().to_string(),
                acties,
            }
        })
        .collect();
    let audit = if s.may(Actie::AuditBekijken) {
        let mut rows: Vec<AuditRegel> = loep_app::accounts::audit(s)?
            .into_iter()
            .map(|r| AuditRegel {
                tijdstip: loep_app::nl::tijdstip(&r.tijdstip),
                gebeurtenis: r.gebeurtenis.label().to_string(),
                account: r.account.clone(),
                door: r.door.clone().unwrap_or_default(),
                toelichting: r.toelichting.clone().unwrap_or_default(),
            })
            .collect();
        rows.reverse();
        Some(rows)
    } else {
        None
    };
    Ok(Accounts {
        wie: Wie::of(s, csrf),
        accounts,
        audit,
        mag_beheren: beheren,
        rollen: loep_app::types::Rol::ALL
            .iter()
            .map(|r| crate::zaken::Keuze {
                code: r.name().to_string(),
                omschrijving: format!("{}: {}", rol_label(*r), r.omschrijving()),
            })
            .collect(),
        organisaties: loep_app::types::Partner::ALL
            .iter()
            .map(|p| crate::zaken::Keuze {
                code: p.as_str().to_string(),
                omschrijving: loep_app::inzage::labels::partner(*p).to_string(),
            })
            .collect(),
        fout,
        gedaan,
    })
}

/// The form of a new account: its name, role, organisation (for a partner's employee) and
/// first password.
#[derive(serde::Deserialize)]
pub struct AccountForm {
    #[serde(default, deserialize_with = "text")]
    naam: String,
    #[serde(default, deserialize_with = "text")]
    rol: String,
    #[serde(default, deserialize_with = "text")]
    organisatie: String,
    /// As typed: login takes it so, spaces included.
    #[serde(default, deserialize_with = "raw")]
    wachtwoord: String,
}

/// `POST /accounts`: the beheerder adds an account (name, role, organisation for a partner's
/// employee, a first password the user changes at `/wachtwoord`).
pub async fn account_add(WriteForm(mut s, csrf, v): WriteForm<AccountForm>) -> Reply {
    let answer = blocking(move || {
        let naam = v.naam;
        let done = (|| {
            let rol = loep_app::accounts::parse_role(&v.rol)?;
            let organisatie = match v.organisatie.as_str() {
                "" => None,
                o => Some(loep_app::accounts::parse_partner(o)?),
            };
            let wachtwoord = v.wachtwoord;
            loep_app::accounts::check_new(&naam, &wachtwoord)?;
            loep_app::accounts::add(&mut s, &naam, rol, organisatie, &wachtwoord)
        })();
        match done {
            Ok(a) => {
                let wacht = a.status == loep_app::accounts::AccountStatus::WachtOpBevestiging;
                let gedaan = format!(
                    "Account {} is aangemaakt als {}.{} Geef de gebruiker het wachtwoord op een veilige manier en vraag het bij de eerste keer inloggen te wijzigen (Wachtwoord wijzigen).",
                    a.naam,
                    rol_label(a.rol),
                    if wacht {
                        " Een functionaris gegevensbescherming moet het nog bevestigen."
                    } else {
                        ""
                    }
                );
                Ok(Ok(accounts_page(&s, csrf, None, Some(gedaan))?))
            }
            Err(e) if matches!(e.kind, Kind::Invalid | Kind::Conflict) => {
                let kind = e.kind;
                Ok(Err((kind, accounts_page(&s, csrf, Some(crate::web::shown(&e)), None)?)))
            }
            Err(e) => Err(e),
        }
    })
    .await;
    Ok(match answer? {
        Ok(page) => render(&page),
        Err((kind, page)) => crate::pages::again(kind, &page),
    })
}

/// `POST /accounts/{naam}/{actie}`: `uitschakelen` or `inschakelen` (beheerder, another's
/// account), `bevestigen` (fg, a key holder or fg waiting). Back to the accounts.
pub async fn account_act(
    axum::extract::Path((naam, actie)): axum::extract::Path<(String, String)>,
    WriteForm(mut s, csrf, _): WriteForm<Leeg>,
) -> Reply {
    let answer = blocking(move || {
        let done = match actie.as_str() {
            "uitschakelen" => loep_app::accounts::disable(&mut s, &naam),
            "inschakelen" => loep_app::accounts::enable(&mut s, &naam),
            "bevestigen" => loep_app::accounts::confirm(&mut s, &naam),
            _ => Err(loep_app::AppError::not_found(format!(
                "'{actie}' is geen handeling op een account"
            ))),
        };
        match done {
            Ok(()) => Ok(None),
            Err(e) if matches!(e.kind, Kind::Invalid | Kind::Conflict) => {
                let kind = e.kind;
                Ok(Some((
                    kind,
                    accounts_page(&s, csrf, Some(crate::web::shown(&e)), None)?,
                )))
            }
            Err(e) => Err(e),
        }
    })
    .await;
    Ok(match answer? {
        None => axum::response::Redirect::to("/accounts").into_response(),
        Some((kind, page)) => crate::pages::again(kind, &page),
    })
}

/// `GET /accounts`: the project's accounts, and for the privacy officer their audit trail
/// (created, disabled, enabled, confirmed, locked, every failed login), newest first.
pub async fn accounts(ReadSession(s, csrf): ReadSession) -> Reply {
    let page = blocking(move || accounts_page(&s, csrf, None, None)).await;
    let p = page?;
    Ok(render(&p))
}

pub struct Veld {
    pub naam: String,
    pub waarde: String,
}

#[derive(Template)]
#[template(path = "algoritmeregister.html")]
struct Algoritmeregister {
    wie: Wie,
    status: String,
    indicatoren: usize,
    ontbreekt: Vec<String>,
    velden: Vec<Veld>,
}

/// The Dutch title the Algoritmeregister gives a field of its publication standard (the
/// exported file keeps the keys).
fn register_titel(key: &str) -> Option<&'static str> {
    Some(match key {
        "standard_version" => "Versie van de standaard",
        "lang" => "Taal",
        "name" => "Naam",
        "organization" => "Organisatie",
        "description_short" => "Korte omschrijving",
        "category" => "Type algoritme",
        "status" => "Status",
        "begin_date" => "Begindatum",
        "publication_category" => "Publicatiecategorie",
        "goal" => "Doel en impact",
        "proportionality" => "Afwegingen",
        "human_intervention" => "Menselijke tussenkomst",
        "risks" => "Risicobeheer",
        "lawful_basis" => "Wettelijke basis",
        "impacttoetsen_grouping" | "impacttoetsen" => "Impacttoetsen",
        "title" => "Titel",
        "link" => "Link",
        "source_data" => "Bronnen",
        "methods_and_models" => "Methoden en modellen",
        "provider" => "Leverancier",
        "source_id" => "Bron-id",
        "tags" => "Labels",
        "contact_email" => "Contact (e-mail)",
        "website" => "Website",
        "area" => "Gebied",
        _ => return None,
    })
}

/// A value of the entry as a reader reads it: a list as its items, an object (an impact
/// assessment with its title and link) by its fields' titles; never as JSON.
fn register_waarde(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::String(t) => t.clone(),
        Value::Null => String::new(),
        Value::Bool(true) => "ja".to_string(),
        Value::Bool(false) => "nee".to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items
            .iter()
            .map(register_waarde)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(o) => {
            let fields: Vec<(String, String)> = o
                .iter()
                .map(|(k, v)| (k.clone(), register_waarde(v)))
                .filter(|(_, t)| !t.is_empty())
                .collect();
            // An object of only a title reads as that title.
            if let [(k, t)] = fields.as_slice()
                && k == "title"
            {
                return t.clone();
            }
            fields
                .iter()
                .map(|(k, t)| {
                    let naam =
                        register_titel(k).map_or_else(|| k.replace('_', " "), str::to_string);
                    format!("{naam}: {t}")
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// `GET /algoritmeregister`: the entry as `loep register export` writes it, field by field.
pub async fn algoritmeregister(ReadSession(s, csrf): ReadSession) -> Reply {
    let p = blocking(move || {
        let e = loep_app::register::entry(&s)?;
        let velden = e
            .entry
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| Veld {
                        naam: register_titel(k).map_or_else(|| k.clone(), str::to_string),
                        waarde: register_waarde(v),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Algoritmeregister {
            wie: Wie::of(&s, csrf),
            status: e.status.to_string(),
            indicatoren: e.indicatoren,
            ontbreekt: e.ontbreekt,
            velden,
        })
    })
    .await?;
    Ok(render(&p))
}
