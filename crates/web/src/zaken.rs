//! The case pages: the cases an account may see, one case with everything recorded on it, and
//! the forms that move it on (status, routing, visit, findings, notes, closing, reopening).
//!
//! Which forms a page offers follows `Session::may`; whether the change is allowed is decided
//! again by the core's use case, on the case itself (a partner only on its own cases).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use loep_app::types::{
    Actie, Datum, Oordeel, Partner, Toewijzing, Uitkomst, ZaakDetail, ZaakFilter,
};
use loep_app::{AppError, Kind, Session};
use serde::Deserialize;
use std::sync::Arc;

use crate::Server;
use crate::extract::{ReadSession, Reply, WriteForm};
use crate::formulier::{Bevindingen, filled, required, text};
use crate::pages::{Wie, again, render};
use crate::web::{Held, blocking};

/// A code with its description, for a select list.
pub struct Keuze {
    pub code: String,
    pub omschrijving: String,
}

fn status_text(code: &str) -> String {
    loep_app::zaken::case_types()
        .statustype(code)
        .map_or_else(|| code.to_string(), |s| s.omschrijving.clone())
}

fn resultaat_text(code: &str) -> String {
    loep_app::zaken::case_types()
        .resultaattype(code)
        .map_or_else(|| code.to_string(), |r| r.omschrijving.clone())
}

pub struct ZaakRij {
    pub id: String,
    pub omschrijving: String,
    pub status: String,
    pub adres: String,
    pub buurt: String,
    pub startdatum: String,
    pub resultaat: String,
}

#[derive(Template)]
#[template(path = "zaken.html")]
struct Zaken {
    wie: Wie,
    /// What waits for this account (the start page of partners and handhavers).
    wachtend: Vec<loep_app::wachtend::Wachtend>,
    rijen: Vec<ZaakRij>,
    statussen: Vec<Keuze>,
    status: String,
    open: String,
}

#[derive(Deserialize, Default)]
pub struct LijstVraag {
    #[serde(default)]
    status: String,
    #[serde(default)]
    open: String,
}

pub async fn list(
    State(server): State<Arc<Server>>,
    ReadSession(s, csrf): ReadSession,
    Query(q): Query<LijstVraag>,
) -> Reply {
    let p = blocking(move || {
        let filter = ZaakFilter {
            status: Some(q.status.clone()).filter(|v| !v.is_empty()),
            open: match q.open.as_str() {
                "ja" => Some(true),
                "nee" => Some(false),
                _ => None,
            },
            ..Default::default()
        };
        let zaken = loep_app::zaken::list(&s, &filter)?;
        let book = server.address_book(&s)?;
        let rijen = zaken
            .iter()
            .map(|z| ZaakRij {
                id: z.identificatie.clone(),
                omschrijving: z.omschrijving.clone(),
                status: status_text(&z.status),
                adres: written_out(&book, &z.zaakobject),
                buurt: buurt_of(&book, &z.zaakobject),
                startdatum: loep_app::nl::datum(&z.startdatum.to_string()),
                resultaat: z
                    .resultaat
                    .as_deref()
                    .map(resultaat_text)
                    .unwrap_or_default(),
            })
            .collect();
        let statussen = loep_app::zaken::case_types()
            .statustypen
            .iter()
            .map(|t| Keuze {
                code: t.code.clone(),
                omschrijving: t.omschrijving.clone(),
            })
            .collect();
        Ok(Zaken {
            wachtend: loep_app::wachtend::wachtend(&s, Some(&server.cases_per_status(&s)?))?,
            wie: Wie::of(&s, csrf),
            rijen,
            statussen,
            status: q.status,
            open: q.open,
        })
    })
    .await?;
    Ok(render(&p))
}

pub struct Regel {
    pub links: String,
    pub rechts: String,
}

pub struct SignaalRegel {
    pub signaal: String,
    pub indicator: String,
    pub thema: String,
    pub uitleg: String,
    pub personen: String,
}

pub struct BezoekRegel {
    pub gepland: String,
    pub team: String,
    pub uitgevoerd: String,
    pub aanwezig: String,
    pub uitkomsten: String,
    pub toelichting: String,
}

/// A person of the case as the page shows them.
pub struct PersoonRegel {
    /// "persoon 1, geboren in 1984 (41 of 42 jaar)".
    pub label: String,
    pub pseudoniem: String,
    pub rollen: Vec<String>,
    /// The approved request that shows this account who they are.
    pub onthulling: Option<String>,
    /// Their links to the address, when this account sees none of them: why.
    pub geen_rollen: &'static str,
}

fn person_rows(personen: &[loep_app::zaken::CasePerson]) -> Vec<PersoonRegel> {
    let today = loep_app::today();
    personen
        .iter()
        .map(|p| PersoonRegel {
            label: p.label(&today),
            pseudoniem: p.pseudoniem.clone(),
            rollen: p.rollen.clone(),
            onthulling: p.onthulling.clone(),
            geen_rollen: if p.verborgen {
                "wat deze persoon aan het adres verbindt, is voor u niet zichtbaar (gegevens van andere organisaties)"
            } else {
                "geen bron koppelt deze persoon aan dit adres"
            },
        })
        .collect()
}

/// "persoon 1, persoon 3" for a signal's pseudonyms, numbered as on the case.
fn numbered(pseudoniemen: &[String], personen: &[loep_app::zaken::CasePerson]) -> String {
    pseudoniemen
        .iter()
        .map(|p| {
            personen
                .iter()
                .find(|x| &x.pseudoniem == p)
                .map_or_else(|| p.clone(), |x| format!("persoon {}", x.nummer))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the forms of a case page may offer the logged-in account.
pub struct Mag {
    pub behandelen: bool,
    pub toewijzen: bool,
    pub bezoek: bool,
    pub notitie: bool,
    pub afsluiten: bool,
    pub heropenen: bool,
}

#[derive(Template)]
#[template(path = "zaak.html")]
struct ZaakPagina {
    wie: Wie,
    /// Today (JJJJ-MM-DD): the latest day a visit can be recorded for.
    vandaag: String,
    id: String,
    omschrijving: String,
    toelichting: String,
    status: String,
    statustekst: String,
    gesloten: bool,
    gegevens: Vec<Regel>,
    statussen: Vec<Regel>,
    signalen: Vec<SignaalRegel>,
    personen: Vec<PersoonRegel>,
    rollen: Vec<Regel>,
    bezoeken: Vec<BezoekRegel>,
    /// The team of the visit still to be carried out: who went, unless the form says otherwise.
    gepland_team: String,
    bevindingen: Vec<Regel>,
    notities: Vec<Regel>,
    indicatoren: Vec<String>,
    volgende: Vec<Keuze>,
    resultaten: Vec<Keuze>,
    roltypen: Vec<Keuze>,
    organisaties: Vec<Keuze>,
    uitkomsten: Vec<Keuze>,
    oordelen: Vec<Keuze>,
    mag: Mag,
    fout: Option<String>,
}

fn keuzes<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Keuze> {
    items
        .into_iter()
        .map(|(c, o)| Keuze {
            code: c.to_string(),
            omschrijving: o.to_string(),
        })
        .collect()
}

/// A case's address written out as the BAG has it (street, number, letter, addition,
/// postcode, place), or its BAG id when the current BAG does not hold the object.
fn written_out(book: &loep_app::scan::Addresses, o: &loep_app::zaken::Zaakobject) -> String {
    match book.get(&o.identificatie) {
        Some(a) => a.met_plaats(),
        None => format!(
            "niet in de huidige BAG-levering (verblijfsobject {})",
            o.identificatie
        ),
    }
}

/// A case's buurt by its name, with its code.
fn buurt_of(book: &loep_app::scan::Addresses, o: &loep_app::zaken::Zaakobject) -> String {
    let code = book.buurt_of(&o.identificatie, o.buurtcode.as_deref());
    match (book.buurtnaam(code), code) {
        (Some(n), Some(c)) => format!("{n} ({c})"),
        (None, Some(c)) => c.to_string(),
        _ => "onbekend".to_string(),
    }
}

/// The persons of a case from the server's index; when they cannot be read, the case page
/// still shows (their pseudonyms, and a note).
fn persons(server: &Server, s: &Session, d: &ZaakDetail) -> Vec<loep_app::zaken::CasePerson> {
    let found = server
        .case_index(s)
        .and_then(|index| loep_app::zaken::persons_in(s, d, Some(&index)));
    match found {
        Ok(p) => p,
        Err(_) => d
            .personen
            .iter()
            .enumerate()
            .map(|(i, p)| loep_app::zaken::CasePerson {
                nummer: i + 1,
                pseudoniem: p.clone(),
                geboortejaar: None,
                rollen: vec!["(de gegevens over deze persoon zijn nu niet te lezen)".into()],
                onthulling: None,
                verborgen: false,
            })
            .collect(),
    }
}

fn case_page(
    s: &Session,
    csrf: String,
    d: ZaakDetail,
    book: &loep_app::scan::Addresses,
    fout: Option<String>,
    personen: Vec<loep_app::zaken::CasePerson>,
) -> ZaakPagina {
    let c = loep_app::zaken::case_types();
    let z = &d.zaak;
    let gesloten = c.is_eind(&z.status);
    let volgende = c
        .overgangen
        .get(&z.status)
        .into_iter()
        .flatten()
        // Closing needs a result and goes through its own form; reopening too.
        .filter(|n| !c.is_eind(n) && n.as_str() != "heropend")
        .map(|n| Keuze {
            code: n.clone(),
            omschrijving: status_text(n),
        })
        .collect();
    let mut indicatoren: Vec<String> = d.indicatoren().into_iter().collect();
    indicatoren.sort();
    ZaakPagina {
        vandaag: loep_app::today(),
        wie: Wie::of(s, csrf),
        id: z.identificatie.clone(),
        omschrijving: z.omschrijving.clone(),
        toelichting: z.toelichting.clone(),
        status: status_text(&z.status),
        statustekst: c
            .statustype(&z.status)
            .map(|t| t.statustekst.clone())
            .unwrap_or_default(),
        gesloten,
        gegevens: gegevens(&d, book, &personen),
        statussen: statussen(&d),
        signalen: signalen(&d, &personen),
        personen: person_rows(&personen),
        gepland_team: d
            .huisbezoeken
            .iter()
            .rev()
            .find(|h| h.uitgevoerd.is_none())
            .map(|h| h.team.join(", "))
            .unwrap_or_default(),
        rollen: rollen(&d),
        bezoeken: bezoeken(&d),
        bevindingen: bevindingen(&d),
        notities: notities(&d),
        indicatoren,
        volgende,
        resultaten: keuzes(
            c.resultaattypen
                .iter()
                .map(|r| (r.code.as_str(), r.omschrijving.as_str())),
        ),
        roltypen: keuzes(
            c.roltypen
                .iter()
                .map(|r| (r.code.as_str(), r.omschrijving.as_str())),
        ),
        organisaties: keuzes(Partner::ALL.iter().map(|p| (p.as_str(), p.as_str()))),
        uitkomsten: keuzes(
            c.uitkomsten
                .iter()
                .map(|r| (r.code.as_str(), r.omschrijving.as_str())),
        ),
        oordelen: keuzes(Oordeel::ALL.map(|o| (o.as_str(), o.label()))),
        mag: Mag {
            behandelen: !gesloten && s.may(Actie::ZaakBehandelen),
            toewijzen: !gesloten && s.may(Actie::ZaakToewijzen),
            bezoek: !gesloten && s.may(Actie::HuisbezoekVastleggen),
            notitie: !gesloten && s.may(Actie::BevindingVastleggen),
            afsluiten: !gesloten && s.may(Actie::ZaakAfsluiten),
            heropenen: gesloten && s.may(Actie::ZaakHeropenen),
        },
        fout,
    }
}

/// The case's facts: type, address, buurt, dates, confidentiality, persons, and its result
/// and main case when it has them.
fn gegevens(
    d: &ZaakDetail,
    book: &loep_app::scan::Addresses,
    personen: &[loep_app::zaken::CasePerson],
) -> Vec<Regel> {
    let c = loep_app::zaken::case_types();
    let z = &d.zaak;
    let zaaktype = c
        .zaaktype(&z.zaaktype)
        .map_or_else(|| z.zaaktype.clone(), |t| t.omschrijving.clone());
    let mut gegevens = vec![
        Regel {
            links: "Zaaktype".into(),
            rechts: zaaktype,
        },
        Regel {
            links: "Adres".into(),
            rechts: written_out(book, &z.zaakobject),
        },
        Regel {
            links: "BAG-verblijfsobject".into(),
            rechts: z.zaakobject.identificatie.to_string(),
        },
        Regel {
            links: "Buurt".into(),
            rechts: buurt_of(book, &z.zaakobject),
        },
        Regel {
            links: "Startdatum".into(),
            rechts: loep_app::nl::datum(&z.startdatum.to_string()),
        },
        Regel {
            links: "Vertrouwelijkheid".into(),
            rechts: z.vertrouwelijkheidaanduiding.clone(),
        },
        Regel {
            links: "Personen".into(),
            rechts: match personen.len() {
                0 => "geen (bijvoorbeeld een leegstaande woning)".to_string(),
                1 => "1 persoon (hieronder)".to_string(),
                n => format!("{n} personen (hieronder)"),
            },
        },
    ];
    if let Some(e) = &z.einddatum {
        gegevens.push(Regel {
            links: "Einddatum".into(),
            rechts: loep_app::nl::datum(&e.to_string()),
        });
    }
    if let Some(r) = &z.resultaat {
        let text = c
            .resultaattype(r)
            .map_or_else(|| r.clone(), |t| t.omschrijving.clone());
        gegevens.push(Regel {
            links: "Resultaat".into(),
            rechts: match &z.resultaat_toelichting {
                Some(t) if !t.is_empty() => format!("{text}: {t}"),
                _ => text,
            },
        });
    }
    if let Some(h) = &z.hoofdzaak {
        gegevens.push(Regel {
            links: "Hoofdzaak".into(),
            rechts: h.clone(),
        });
    }
    gegevens
}

/// The case's statuses, each with when and by whom.
fn statussen(d: &ZaakDetail) -> Vec<Regel> {
    d.statussen
        .iter()
        .map(|r| Regel {
            links: format!(
                "{} ({}, {})",
                status_text(&r.statustype),
                loep_app::nl::tijdstip(&r.datum_status_gezet),
                r.door
            ),
            rechts: r.statustoelichting.clone(),
        })
        .collect()
}

/// The case's signals, each with the numbers of the persons it names.
fn signalen(d: &ZaakDetail, personen: &[loep_app::zaken::CasePerson]) -> Vec<SignaalRegel> {
    d.signalen
        .iter()
        .map(|x| SignaalRegel {
            signaal: x.signaal.clone(),
            indicator: x.indicator.clone(),
            thema: loep_app::inzage::labels::theme(&x.thema).to_string(),
            uitleg: x.uitleg.clone(),
            personen: numbered(&x.pseudoniemen, personen),
        })
        .collect()
}

/// The case's roles: who takes part, with their own reference.
fn rollen(d: &ZaakDetail) -> Vec<Regel> {
    let c = loep_app::zaken::case_types();
    d.rollen
        .iter()
        .map(|r| Regel {
            links: c
                .roltype(&r.roltype)
                .map_or_else(|| r.roltype.clone(), |t| t.omschrijving.clone()),
            rechts: [
                r.organisatie.map(|o| o.as_str().to_string()),
                r.medewerker.clone(),
                r.zaakkenmerk.as_ref().map(|k| format!("eigen kenmerk {k}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
        })
        .collect()
}

/// The case's visits: planned, by whom, done (and whether on the day planned), outcome.
fn bezoeken(d: &ZaakDetail) -> Vec<BezoekRegel> {
    let c = loep_app::zaken::case_types();
    d.huisbezoeken
        .iter()
        .map(|b| BezoekRegel {
            gepland: loep_app::nl::datum(&b.gepland.to_string()),
            team: b.team.join(", "),
            uitgevoerd: match b.uitgevoerd {
                None => "nog niet".into(),
                // A visit on another day than planned says so.
                Some(u) if u != b.gepland => format!(
                    "{} (niet op de geplande dag)",
                    loep_app::nl::datum(&u.to_string())
                ),
                Some(u) => loep_app::nl::datum(&u.to_string()),
            },
            aanwezig: if b.uitgevoerd.is_some() && b.aanwezig.is_empty() {
                "niet vastgelegd".to_string()
            } else {
                b.aanwezig.join(", ")
            },
            uitkomsten: b
                .uitkomsten
                .iter()
                .map(|k| {
                    c.uitkomst(k)
                        .map_or_else(|| k.clone(), |t| t.omschrijving.clone())
                })
                .collect::<Vec<_>>()
                .join("; "),
            toelichting: b.toelichting.clone().unwrap_or_default(),
        })
        .collect()
}

/// The bevindingen per indicator, with who recorded them and when.
fn bevindingen(d: &ZaakDetail) -> Vec<Regel> {
    d.bevindingen
        .iter()
        .map(|b| Regel {
            links: b.indicator.clone(),
            rechts: format!(
                "{} ({}, {})",
                b.oordeel.label(),
                b.door,
                loep_app::nl::tijdstip(&b.tijdstip)
            ),
        })
        .collect()
}

/// The partners' notes, with who wrote them and when.
fn notities(d: &ZaakDetail) -> Vec<Regel> {
    d.notities
        .iter()
        .map(|n| Regel {
            links: format!(
                "{}{} ({})",
                n.door,
                n.organisatie
                    .as_ref()
                    .map(|o| format!(", {o}"))
                    .unwrap_or_default(),
                loep_app::nl::tijdstip(&n.tijdstip)
            ),
            rechts: n.tekst.clone(),
        })
        .collect()
}

pub async fn show(
    State(server): State<Arc<Server>>,
    ReadSession(s, csrf): ReadSession,
    Path(id): Path<String>,
) -> Reply {
    let p = blocking(move || {
        let d = loep_app::zaken::show(&s, &id)?;
        let book = server.address_book(&s)?;
        let personen = persons(&server, &s, &d);
        Ok(case_page(&s, csrf, d, &book, None, personen))
    })
    .await?;
    Ok(render(&p))
}

/// One indicator on the visit sheet.
pub struct BladIndicator {
    pub code: String,
    pub thema: String,
    pub uitleg: String,
    pub controles: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "bezoekblad.html")]
struct Bezoekblad {
    wie: Wie,
    id: String,
    adres: String,
    buurt: String,
    vbo_id: String,
    gepland: String,
    team: String,
    partners: String,
    personen: Vec<PersoonRegel>,
    indicatoren: Vec<BladIndicator>,
}

/// `GET /zaken/{id}/bezoekblad`: the visit sheet to print or take along, for whoever may see
/// the case: where, when, who goes, what the data say per indicator and what to check there,
/// and who the data say is linked to the address (numbered, with birth year and roles: no
/// name, which only an approved request shows).
pub async fn visit_sheet(
    State(server): State<Arc<Server>>,
    ReadSession(s, csrf): ReadSession,
    Path(id): Path<String>,
) -> Reply {
    let p = blocking(move || {
        let d = loep_app::zaken::show(&s, &id)?;
        let book = server.address_book(&s)?;
        let z = &d.zaak;
        let bezoek = d.huisbezoeken.iter().rev().find(|h| h.uitgevoerd.is_none());
        let mut indicatoren: Vec<BladIndicator> = Vec::new();
        for x in &d.signalen {
            if indicatoren.iter().any(|i| i.code == x.indicator) {
                continue;
            }
            indicatoren.push(BladIndicator {
                code: x.indicator.clone(),
                thema: loep_app::inzage::labels::theme(&x.thema).to_string(),
                uitleg: x.uitleg.clone(),
                controles: loep_app::inzage::labels::check_on_visit(&x.thema).to_vec(),
            });
        }
        let partners: Vec<String> = d
            .rollen
            .iter()
            .filter_map(|r| r.organisatie)
            .map(|o| loep_app::inzage::labels::partner_named(o.as_str()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        Ok(Bezoekblad {
            wie: Wie::of(&s, csrf),
            id: z.identificatie.clone(),
            adres: written_out(&book, &z.zaakobject),
            buurt: buurt_of(&book, &z.zaakobject),
            vbo_id: z.zaakobject.identificatie.to_string(),
            gepland: bezoek.map_or_else(
                || "nog geen huisbezoek gepland".to_string(),
                |h| loep_app::nl::datum(&h.gepland.to_string()),
            ),
            team: bezoek
                .map(|h| h.team.join(", "))
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "nog niemand".to_string()),
            partners: if partners.is_empty() {
                "nog geen".to_string()
            } else {
                partners.join(", ")
            },
            personen: person_rows(&persons(&server, &s, &d)),
            indicatoren,
        })
    })
    .await?;
    Ok(render(&p))
}

// The forms that move a case on, one per action, each posted to `/zaken/{id}/<action>`
// (`zaak.html`). What the core takes as a type of its own (a partner) is parsed here; a
// required field left empty is asked for by its label.

/// `status`: the case to a next status.
#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default, deserialize_with = "text")]
    naar: String,
    #[serde(default, deserialize_with = "text")]
    toelichting: String,
}

/// `toewijzen`: a role on the case for an organisation or an account.
#[derive(Deserialize)]
pub struct ToewijzenForm {
    #[serde(default, deserialize_with = "text")]
    roltype: String,
    #[serde(default, deserialize_with = "text")]
    organisatie: String,
    #[serde(default, deserialize_with = "text")]
    medewerker: String,
}

impl ToewijzenForm {
    /// The routing asked for, its organisation one of the contract's partners.
    fn toewijzing(self) -> loep_app::Result<Toewijzing> {
        let organisatie = match self.organisatie.as_str() {
            "" => None,
            o => Some(Partner::parse(o).map_err(|e| {
                AppError::new(Kind::Invalid, format!("Onbekende organisatie: {e}"))
            })?),
        };
        Ok(Toewijzing {
            roltype: required(self.roltype, "Rol")?,
            organisatie,
            medewerker: Some(self.medewerker).filter(|m| !m.is_empty()),
        })
    }
}

/// `bezoek-plannen`: a visit on a day, with the team that goes (names separated by commas or
/// spaces).
#[derive(Deserialize)]
pub struct BezoekPlannenForm {
    #[serde(default, deserialize_with = "text")]
    datum: String,
    #[serde(default, deserialize_with = "text")]
    team: String,
}

impl BezoekPlannenForm {
    /// The day and the team.
    fn plan(self) -> loep_app::Result<(Datum, Vec<String>)> {
        let datum = loep_app::zaken::parse_datum(&required(self.datum, "Datum")?, "datum")?;
        let team = self
            .team
            .split([',', ' '])
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        Ok((datum, team))
    }
}

/// `huisbezoek`: the visit carried out, its outcomes (check boxes `uitkomst`), a finding per
/// indicator (`bevinding_<indicator>`), who went (separated by commas) and a note.
#[derive(Deserialize)]
pub struct HuisbezoekForm {
    #[serde(default, deserialize_with = "text")]
    datum: String,
    #[serde(default, deserialize_with = "filled")]
    uitkomst: Vec<String>,
    #[serde(default, deserialize_with = "text")]
    toelichting: String,
    #[serde(default, deserialize_with = "text")]
    aanwezig: String,
    #[serde(flatten)]
    bevindingen: Bevindingen,
}

impl HuisbezoekForm {
    /// The visit as the core takes it; no day given: today.
    fn uitkomst(self) -> loep_app::Result<Uitkomst> {
        let datum = match self.datum.as_str() {
            "" => None,
            d => Some(loep_app::zaken::parse_datum(d, "datum")?),
        };
        Ok(Uitkomst {
            datum,
            uitkomsten: self.uitkomst,
            bevindingen: self.bevindingen.oordelen()?,
            toelichting: self.toelichting,
            brp_onjuist: vec![],
            aanwezig: self
                .aanwezig
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
        })
    }
}

/// `notitie`: a partner's note, and its own dossier number for the case.
#[derive(Deserialize)]
pub struct NotitieForm {
    #[serde(default, deserialize_with = "text")]
    tekst: String,
    #[serde(default, deserialize_with = "text")]
    zaakkenmerk: String,
}

/// `afsluiten`: the result, a note, and the findings not given at the visit.
#[derive(Deserialize)]
pub struct AfsluitenForm {
    #[serde(default, deserialize_with = "text")]
    resultaat: String,
    #[serde(default, deserialize_with = "text")]
    toelichting: String,
    #[serde(flatten)]
    bevindingen: Bevindingen,
}

/// `heropenen`: why a closed case opens again.
#[derive(Deserialize)]
pub struct HeropenenForm {
    #[serde(default, deserialize_with = "text")]
    reden: String,
}

/// A form on a case: `act` moves it on, then back to the case; on invalid input or a
/// conflict, the case page again with what was wrong at the top.
async fn on_case(
    server: Arc<Server>,
    mut s: Held,
    csrf: String,
    id: String,
    act: impl FnOnce(&mut Session, &str) -> loep_app::Result<()> + Send + 'static,
) -> Reply {
    let target = format!("/zaken/{id}");
    let answer = blocking(move || match act(&mut s, &id) {
        Ok(()) => Ok(None),
        Err(e) if matches!(e.kind, Kind::Invalid | Kind::Conflict) => {
            let d = loep_app::zaken::show(&s, &id)?;
            let book = server.address_book(&s)?;
            let personen = persons(&server, &s, &d);
            Ok(Some((
                e.kind,
                case_page(&s, csrf, d, &book, Some(crate::web::shown(&e)), personen),
            )))
        }
        Err(e) => Err(e),
    })
    .await;
    Ok(match answer? {
        None => Redirect::to(&target).into_response(),
        Some((kind, page)) => again(kind, &page),
    })
}

/// `POST /zaken/{id}/status`.
pub async fn set_status(
    State(server): State<Arc<Server>>,
    Path(id): Path<String>,
    WriteForm(s, csrf, f): WriteForm<StatusForm>,
) -> Reply {
    on_case(server, s, csrf, id, move |s, id| {
        let naar = required(f.naar, "Nieuwe status")?;
        loep_app::zaken::set_status(s, id, &naar, &f.toelichting)?;
        Ok(())
    })
    .await
}

/// `POST /zaken/{id}/toewijzen`.
pub async fn assign(
    State(server): State<Arc<Server>>,
    Path(id): Path<String>,
    WriteForm(s, csrf, f): WriteForm<ToewijzenForm>,
) -> Reply {
    on_case(server, s, csrf, id, move |s, id| {
        loep_app::zaken::assign(s, id, &f.toewijzing()?)?;
        Ok(())
    })
    .await
}

/// `POST /zaken/{id}/bezoek-plannen`.
pub async fn plan_visit(
    State(server): State<Arc<Server>>,
    Path(id): Path<String>,
    WriteForm(s, csrf, f): WriteForm<BezoekPlannenForm>,
) -> Reply {
    on_case(server, s, csrf, id, move |s, id| {
        let (datum, team) = f.plan()?;
        loep_app::zaken::plan_visit(s, id, datum, &team)?;
        Ok(())
    })
    .await
}

/// `POST /zaken/{id}/huisbezoek`.
pub async fn record_visit(
    State(server): State<Arc<Server>>,
    Path(id): Path<String>,
    WriteForm(s, csrf, f): WriteForm<HuisbezoekForm>,
) -> Reply {
    on_case(server, s, csrf, id, move |s, id| {
        loep_app::zaken::record_visit(s, id, &f.uitkomst()?)?;
        Ok(())
    })
    .await
}

/// `POST /zaken/{id}/notitie`.
pub async fn note(
    State(server): State<Arc<Server>>,
    Path(id): Path<String>,
    WriteForm(s, csrf, f): WriteForm<NotitieForm>,
) -> Reply {
    on_case(server, s, csrf, id, move |s, id| {
        let tekst = required(f.tekst, "Notitie")?;
        let kenmerk = Some(f.zaakkenmerk.as_str()).filter(|k| !k.is_empty());
        loep_app::zaken::note(s, id, &tekst, kenmerk)?;
        Ok(())
    })
    .await
}

/// `POST /zaken/{id}/afsluiten`.
pub async fn close(
    State(server): State<Arc<Server>>,
    Path(id): Path<String>,
    WriteForm(s, csrf, f): WriteForm<AfsluitenForm>,
) -> Reply {
    on_case(server, s, csrf, id, move |s, id| {
        let resultaat = required(f.resultaat, "Resultaat")?;
        let bevindingen = f.bevindingen.oordelen()?;
        loep_app::zaken::close(s, id, &resultaat, &f.toelichting, &bevindingen)?;
        Ok(())
    })
    .await
}

/// `POST /zaken/{id}/heropenen`.
pub async fn reopen(
    State(server): State<Arc<Server>>,
    Path(id): Path<String>,
    WriteForm(s, csrf, f): WriteForm<HeropenenForm>,
) -> Reply {
    on_case(server, s, csrf, id, move |s, id| {
        let reden = required(f.reden, "Reden")?;
        loep_app::zaken::reopen(s, id, &reden)?;
        Ok(())
    })
    .await
}

/// `POST /zaken/{id}/{actie}` for an action no form of a case has: not found.
pub async fn unknown_action(_: ReadSession, Path((_, actie)): Path<(String, String)>) -> Reply {
    Err(AppError::new(
        Kind::NotFound,
        format!("Deze handeling op een zaak bestaat niet: '{actie}'."),
    )
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formulier::parse;

    fn form<T: serde::de::DeserializeOwned>(body: &str) -> T {
        parse(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    /// The kind and message of an error, for comparing.
    fn refused<T: std::fmt::Debug>(r: loep_app::Result<T>) -> (Kind, String) {
        match r {
            Ok(v) => panic!("accepted: {v:?}"),
            Err(e) => (e.kind, e.message()),
        }
    }

    #[test]
    fn a_visit_takes_every_ticked_outcome_and_a_finding_per_indicator() {
        let u = form::<HuisbezoekForm>(
            "csrf=t&datum=2026-06-20&aanwezig=handhaver%2C+wijkagent+Jansen+%2C\
             &uitkomst=doorverwezen_zorg&uitkomst=brp_klopt_niet&uitkomst=\
             &bevinding_WON-01=bevestigd&bevinding_INK-02=\
             &bevinding_ZRG-03=+niet_vast_te_stellen+&toelichting=+Acht+personen.+",
        )
        .uitkomst()
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(u.uitkomsten, ["doorverwezen_zorg", "brp_klopt_niet"]);
        assert_eq!(
            u.bevindingen,
            [
                ("WON-01".to_string(), Oordeel::Bevestigd),
                ("ZRG-03".to_string(), Oordeel::NietVastTeStellen),
            ]
        );
        assert_eq!(u.aanwezig, ["handhaver", "wijkagent Jansen"]);
        assert_eq!(
            u.datum.map(|d| d.to_string()).as_deref(),
            Some("2026-06-20")
        );
        assert_eq!(u.toelichting, "Acht personen.");
        assert!(u.brp_onjuist.is_empty());
    }

    #[test]
    fn a_visit_with_one_outcome_and_no_findings() {
        let u = form::<HuisbezoekForm>("csrf=t&uitkomst=geen_bijzonderheden")
            .uitkomst()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(u.uitkomsten, ["geen_bijzonderheden"]);
        assert!(u.bevindingen.is_empty() && u.aanwezig.is_empty());
        // No day given: the core records today.
        assert_eq!(u.datum, None);
    }

    #[test]
    fn closing_takes_the_findings_not_given_at_the_visit() {
        let f = form::<AfsluitenForm>(
            "csrf=t&resultaat=zorg_geboden&bevinding_WON-01=niet_bevestigd&toelichting=klaar",
        );
        assert_eq!(f.resultaat, "zorg_geboden");
        assert_eq!(f.toelichting, "klaar");
        assert_eq!(
            f.bevindingen.oordelen().unwrap_or_else(|e| panic!("{e}")),
            [("WON-01".to_string(), Oordeel::NietBevestigd)]
        );
    }

    #[test]
    fn an_unknown_verdict_is_refused_with_the_verdicts_there_are() {
        let (kind, message) = refused(
            form::<HuisbezoekForm>("csrf=t&uitkomst=boete&bevinding_WON-01=misschien").uitkomst(),
        );
        assert_eq!(kind, Kind::Invalid);
        assert_eq!(
            message,
            "bevinding WON-01=misschien: kies bevestigd, niet_bevestigd of niet_vast_te_stellen"
        );
    }

    #[test]
    fn routing_parses_the_organisation_as_a_partner() {
        let t = form::<ToewijzenForm>("csrf=t&roltype=behandelaar&organisatie=uwv&medewerker=")
            .toewijzing()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.roltype, "behandelaar");
        assert_eq!(t.organisatie, Partner::parse("uwv").ok());
        assert_eq!(t.medewerker, None);
        let t = form::<ToewijzenForm>("roltype=huisbezoeker&organisatie=&medewerker=handhaver")
            .toewijzing()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.organisatie, None);
        assert_eq!(t.medewerker.as_deref(), Some("handhaver"));
    }

    #[test]
    fn an_unknown_organisation_is_refused_before_anything_else() {
        let (kind, message) = refused(
            form::<ToewijzenForm>("csrf=t&roltype=&organisatie=zorgverzekeraar").toewijzing(),
        );
        assert_eq!(kind, Kind::Invalid);
        assert!(
            message.starts_with("Onbekende organisatie: ") && message.contains("'zorgverzekeraar'"),
            "{message}"
        );
    }

    #[test]
    fn a_missing_required_field_is_asked_for_by_its_label() {
        assert_eq!(
            refused(form::<ToewijzenForm>("csrf=t&organisatie=uwv").toewijzing()),
            (Kind::Invalid, "Vul het veld 'Rol' in.".to_string())
        );
        assert_eq!(
            refused(form::<BezoekPlannenForm>("csrf=t&datum=+&team=handhaver").plan()),
            (Kind::Invalid, "Vul het veld 'Datum' in.".to_string())
        );
    }

    #[test]
    fn the_team_of_a_visit_is_split_on_commas_and_spaces() {
        let (datum, team) = form::<BezoekPlannenForm>("datum=2026-06-20&team=a%2Cb++c")
            .plan()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(datum.to_string(), "2026-06-20");
        assert_eq!(team, ["a", "b", "c"]);
    }

    #[test]
    fn a_day_that_is_no_date_is_refused_in_the_contracts_words() {
        let (kind, message) =
            refused(form::<BezoekPlannenForm>("csrf=t&datum=20-06-2026&team=hh").plan());
        assert_eq!(kind, Kind::Invalid);
        assert!(
            message.starts_with(
                "de datum '20-06-2026' is geen datum: een datum schrijf je als JJJJ-MM-DD"
            ),
            "{message}"
        );
        let (kind, message) =
            refused(form::<HuisbezoekForm>("csrf=t&datum=2026-02-30&uitkomst=boete").uitkomst());
        assert_eq!(kind, Kind::Invalid);
        assert!(message.contains("dag 30 bestaat niet"), "{message}");
    }
}
