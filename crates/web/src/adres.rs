//! The address page (an object, its signals over the runs, the persons as pseudonyms with
//! their roles there, its cases), opening a case from its signals, and four-eyes
//! de-pseudonymisation: an analist asks with a reason, a sleutelhouder decides, and only then
//! the requester sees the identities, in place.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use loep_app::types::{Actie, Nieuw};
use loep_app::{AppError, Kind, Session};
use serde::Deserialize;
use std::sync::Arc;

use crate::Server;
use crate::extract::{ReadSession, Reply, WriteForm, WriteSession};
use crate::formulier::{filled, text};
use crate::pages::{Wie, again, render};
use crate::web::{Held, blocking, page_error};

pub struct SignaalRegel {
    pub id: String,
    pub indicator: String,
    pub thema: String,
    pub uitleg: String,
    pub personen: String,
    /// In the newest run: can be taken into a case.
    pub actueel: bool,
}

pub struct PersoonRegel {
    pub pseudoniem: String,
    pub rollen: String,
}

pub struct ZaakRegel {
    pub id: String,
    pub omschrijving: String,
    pub status: String,
}

/// A link by name as the address page explains it: the waterfall of match weights.
pub struct KoppelingRegel {
    pub pseudoniem: String,
    pub bron: String,
    pub kans: String,
    pub te_beoordelen: bool,
    /// Comparison, level, weight and the running total, each written out.
    pub stappen: Vec<(String, String, String, String)>,
}

/// A kept scan as the address page lists it: when, and how many signals it gave here.
pub struct HistorieRegel {
    pub run_id: String,
    pub tijdstip: String,
    pub signalen: usize,
}

#[derive(Template)]
#[template(path = "adres.html")]
struct AdresPagina {
    wie: Wie,
    vbo_id: String,
    adres: String,
    buurt: String,
    /// The BAG's facts of the object, as label and value.
    bag: Vec<(&'static str, String)>,
    /// Every kept scan, newest first, with its signals here.
    historie: Vec<HistorieRegel>,
    koppelingen: Vec<KoppelingRegel>,
    profiel: Option<String>,
    signalen: Vec<SignaalRegel>,
    personen: Vec<PersoonRegel>,
    zaken: Vec<ZaakRegel>,
    /// Reports about the address, from the form and from the delivery, the newest first.
    meldingen: Vec<crate::melden::RegisterRegel>,
    /// Data from an earlier delivery still in force here, one sentence per row.
    overgenomen: Vec<String>,
    mag_zaak: bool,
    mag_onthullen: bool,
    fout: Option<String>,
}

/// The address page; from the server's index when `server` is given (a reader's view),
/// otherwise read from the files (a writer's page with an error on top: it holds the writer
/// turn and must not wait for an index to be made).
fn address_page(
    server: Option<&Server>,
    s: &Session,
    csrf: String,
    vbo_id: &str,
    fout: Option<String>,
) -> loep_app::Result<AdresPagina> {
    let v = match server.map(|server| server.address_index(s)) {
        Some(Ok(index)) => loep_app::scan::address_in(s, vbo_id, &index)?,
        // Without an index (not allowed to see signals, or it could not be made), the use
        // case reads the files and says what is wrong in its own words.
        _ => loep_app::scan::address(s, vbo_id)?,
    };
    let newest = v.runs.last().map(|r| r.run_id.clone());
    // `adres` holds street, number and postcode written out; the place follows.
    let adres = match &v.address {
        Some(a) => a.met_plaats(),
        None => "niet in de BAG-levering".to_string(),
    };
    let buurt = match (
        &v.buurtnaam,
        v.address.as_ref().and_then(|a| a.buurtcode.clone()),
    ) {
        (Some(n), Some(c)) => format!("{n} ({c})"),
        (None, Some(c)) => c,
        _ => "onbekend".to_string(),
    };
    let profiel = profile(s, &v);
    let bag = bag_facts(&v);
    let historie = v
        .runs
        .iter()
        .rev()
        .map(|r| HistorieRegel {
            run_id: r.run_id.clone(),
            tijdstip: loep_app::nl::tijdstip(&r.tijdstip),
            signalen: v.signals.iter().filter(|x| x.run_id == r.run_id).count(),
        })
        .collect();
    let koppelingen = links(&v);
    let c = loep_app::zaken::case_types();
    Ok(AdresPagina {
        wie: Wie::of(s, csrf),
        vbo_id: v.vbo_id.to_string(),
        adres,
        buurt,
        bag,
        historie,
        koppelingen,
        profiel,
        signalen: v
            .signals
            .iter()
            .map(|x| SignaalRegel {
                id: format!("{}/{}", x.run_id, x.nr),
                indicator: x.indicator.clone(),
                thema: loep_app::inzage::labels::theme(x.thema.code()).to_string(),
                uitleg: x.uitleg.clone(),
                personen: x.pseudoniemen.join(", "),
                actueel: newest.as_deref() == Some(x.run_id.as_str()),
            })
            .collect(),
        personen: v
            .persons
            .iter()
            .map(|(p, r)| PersoonRegel {
                pseudoniem: p.clone(),
                rollen: if r.is_empty() {
                    "geen rol op dit adres in de leveringen".to_string()
                } else {
                    r.join("; ")
                },
            })
            .collect(),
        zaken: v
            .cases
            .iter()
            .map(|z| ZaakRegel {
                id: z.identificatie.clone(),
                omschrijving: z.omschrijving.clone(),
                status: c
                    .statustype(&z.status)
                    .map_or_else(|| z.status.clone(), |t| t.omschrijving.clone()),
            })
            .collect(),
        meldingen: crate::melden::register_regels(&v.reports, &v.delivered_reports),
        overgenomen: carried(&v),
        mag_zaak: s.may(Actie::ZaakAanmaken),
        mag_onthullen: s.may(Actie::OnthullingAanvragen),
        fout,
    })
}

/// The address's profile in the newest scan, in a sentence: rank, themes, the partners with an
/// interest (who join a visit), whose data, and whether it is a verwonderadres.
fn profile(s: &Session, v: &loep_app::scan::AddressView) -> Option<String> {
    v.profile.as_ref().map(|p| {
        // Who has an interest (and joins the visit) is read from the signals of the same run,
        // by the rule that made the address a verwonderadres or not.
        let belang = loep_app::scan::interested_partners(
            v.signals.iter().filter(|x| x.run_id == p.run_id),
            &s.config().partners,
        );
        let belang = if belang.is_empty() {
            "geen".to_string()
        } else {
            belang.into_iter().collect::<Vec<_>>().join(", ")
        };
        format!(
            "Rang {} in de laatste scan; thema's: {}; partners met belang (gaan mee op huisbezoek): {belang}; gegevens van: {}; {}.",
            p.rang,
            p.themas
                .iter()
                .map(|t| t.code())
                .collect::<Vec<_>>()
                .join(", "),
            p.partners.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", "),
            if p.verwonderadres {
                "een verwonderadres: twee of meer partners hebben er belang bij"
            } else {
                "geen verwonderadres: minder dan twee partners hebben er belang bij"
            }
        )
    })
}

/// What the BAG says of the object: use, floor area, year of construction, building.
fn bag_facts(v: &loep_app::scan::AddressView) -> Vec<(&'static str, String)> {
    let mut bag = Vec::new();
    if let Some(f) = &v.bag {
        if !f.gebruiksdoelen.is_empty() {
            bag.push((
                "Gebruiksdoel",
                f.gebruiksdoelen
                    .iter()
                    .map(|d| d.replace('_', " "))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        if let Some(m) = f.oppervlakte {
            bag.push(("Oppervlakte", format!("{m} m²")));
        }
        if let Some(j) = f.bouwjaar {
            bag.push(("Bouwjaar", j.to_string()));
        }
        if let Some(p) = &f.pand_id {
            bag.push(("BAG-pand", p.clone()));
        }
    }
    bag
}

/// The links by name to the persons at the address, with the linkage's steps and their
/// running total.
fn links(v: &loep_app::scan::AddressView) -> Vec<KoppelingRegel> {
    v.links
        .iter()
        .map(|k| {
            let mut totaal = 0.0;
            KoppelingRegel {
                pseudoniem: k.pseudoniem.clone(),
                bron: match k.bron.as_str() {
                    "wc_huurcontract" => "huurcontract van de woningcorporatie".to_string(),
                    other => other.replace('_', " "),
                },
                kans: format!("{} %", loep_app::nl::getal(k.kans * 100.0, 1)),
                te_beoordelen: k.te_beoordelen,
                stappen: k
                    .stappen
                    .iter()
                    .map(|st| {
                        totaal += st.gewicht;
                        (
                            st.vergelijking.clone(),
                            st.niveau.clone(),
                            signed(st.gewicht),
                            signed(totaal),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The rows of earlier deliveries still in force because their new row was refused.
fn carried(v: &loep_app::scan::AddressView) -> Vec<String> {
    v
        .carried
        .iter()
        .map(|c| {
            let levering = |id: &str| id.split('.').next().unwrap_or(id).to_string();
            format!(
                "{}: de rij op regel {} van levering {} is afgewezen; de gegevens uit levering {} gelden nog ({}).",
                c.tabel,
                c.regel,
                levering(&c.snapshot_id),
                levering(&c.uit_snapshot_id),
                c.sleutel
            )
        })
        .collect()
}

/// A match weight with its sign: `+8,12`, `-13,30`.
fn signed(x: f64) -> String {
    let g = loep_app::nl::getal(x, 2);
    if x >= 0.0 { format!("+{g}") } else { g }
}

pub async fn show(
    State(server): State<Arc<Server>>,
    ReadSession(s, csrf): ReadSession,
    Path(vbo_id): Path<String>,
) -> Reply {
    let srv = server.clone();
    let p = blocking(move || address_page(Some(&srv), &s, csrf, &vbo_id, None)).await?;
    Ok(render(&p))
}

/// A write from the address page: on invalid input the page again (of the address `vbo_id`
/// the form names) with the reason on top.
async fn from_address(
    mut s: Held,
    csrf: String,
    vbo_id: String,
    act: impl FnOnce(&mut Session) -> loep_app::Result<String> + Send + 'static,
) -> Reply {
    let answer = blocking(move || match act(&mut s) {
        Ok(to) => Ok(Err(to)),
        Err(e) if matches!(e.kind, Kind::Invalid | Kind::Conflict) => Ok(Ok((
            e.kind,
            address_page(None, &s, csrf, &vbo_id, Some(crate::web::shown(&e)))?,
        ))),
        Err(e) => Err(e),
    })
    .await?;
    Ok(match answer {
        Err(to) => Redirect::to(&to).into_response(),
        Ok((kind, page)) => again(kind, &page),
    })
}

/// The form that makes a case of signals the address page lists (check boxes `signaal`).
#[derive(Deserialize)]
pub struct ZaakForm {
    #[serde(default, deserialize_with = "text")]
    vbo_id: String,
    #[serde(default, deserialize_with = "filled")]
    signaal: Vec<String>,
    #[serde(default, deserialize_with = "text")]
    toelichting: String,
}

/// `POST /zaken`: a case from signals of one address.
pub async fn new_case(WriteForm(s, csrf, f): WriteForm<ZaakForm>) -> Reply {
    from_address(s, csrf, f.vbo_id, move |s| {
        if f.signaal.is_empty() {
            return Err(AppError::new(
                Kind::Invalid,
                "Kies een of meer signalen van de laatste scan om een zaak van te maken.",
            ));
        }
        let z = loep_app::zaken::new(
            s,
            &Nieuw {
                signalen: f.signaal,
                toelichting: f.toelichting,
                ..Default::default()
            },
        )?;
        Ok(format!("/zaken/{}", z.identificatie))
    })
    .await
}

/// The form that asks for the identities behind one signal, with the reason.
#[derive(Deserialize)]
pub struct VerzoekForm {
    #[serde(default, deserialize_with = "text")]
    vbo_id: String,
    #[serde(default, deserialize_with = "text")]
    signaal: String,
    #[serde(default, deserialize_with = "text")]
    reden: String,
}

/// `POST /onthullingen`: an analist asks for the identities behind one signal.
pub async fn request(WriteForm(s, csrf, f): WriteForm<VerzoekForm>) -> Reply {
    from_address(s, csrf, f.vbo_id, move |s| {
        let o = loep_app::reveal::request(s, &f.signaal, &f.reden)?;
        Ok(format!("/onthullingen#verzoek-{}", o.id))
    })
    .await
}

pub struct VerzoekRegel {
    pub id: String,
    pub signaal: String,
    /// Where, which indicator and why, and how many persons: what a key holder decides on.
    pub adres: String,
    pub vbo_id: String,
    pub buurt: String,
    pub indicator: String,
    pub uitleg: String,
    pub personen: String,
    pub aanvrager: String,
    pub reden: String,
    pub aangevraagd: String,
    pub status: String,
    pub beoordelaar: String,
    pub toelichting: String,
    pub open: bool,
}

fn status_nl(s: &str) -> &'static str {
    match s {
        "aangevraagd" => "wacht op een sleutelhouder",
        "goedgekeurd" => "goedgekeurd",
        "geweigerd" => "geweigerd",
        _ => "onbekend",
    }
}

fn verzoek_regel(
    o: &loep_app::types::Onthulling,
    c: Option<&loep_app::reveal::Context>,
    book: &loep_app::scan::Addresses,
) -> VerzoekRegel {
    let vbo_id = c.map(|c| c.vbo_id.to_string()).unwrap_or_default();
    let code = c.and_then(|c| book.buurt_of(&c.vbo_id, c.buurtcode.as_deref()));
    VerzoekRegel {
        id: o.id.clone(),
        signaal: o.signaal.clone(),
        adres: match (c, book.get(&vbo_id)) {
            (None, _) => "het signaal is vernietigd (bewaartermijn)".to_string(),
            (Some(_), Some(a)) => a.met_plaats(),
            (Some(c), None) => format!("verblijfsobject {} (niet in de huidige BAG)", c.vbo_id),
        },
        buurt: match (book.buurtnaam(code), code) {
            (Some(n), Some(c)) => format!("{n} ({c})"),
            (None, Some(c)) => c.to_string(),
            _ => "onbekend".to_string(),
        },
        vbo_id,
        indicator: c
            .map(|c| {
                format!(
                    "{} ({})",
                    c.indicator,
                    loep_app::inzage::labels::theme(&c.thema)
                )
            })
            .unwrap_or_default(),
        uitleg: c.map(|c| c.uitleg.clone()).unwrap_or_default(),
        personen: match o.pseudoniemen.len() {
            1 => "1 persoon".to_string(),
            n => format!("{n} personen"),
        },
        aanvrager: o.aanvrager.clone(),
        reden: o.reden.clone(),
        aangevraagd: loep_app::nl::tijdstip(&o.aangevraagd),
        status: status_nl(&o.status).to_string(),
        beoordelaar: o.beoordelaar.clone().unwrap_or_default(),
        toelichting: o.toelichting.clone().unwrap_or_default(),
        open: o.status == "aangevraagd",
    }
}

#[derive(Template)]
#[template(path = "onthullingen.html")]
struct Onthullingen {
    wie: Wie,
    verzoeken: Vec<VerzoekRegel>,
    mag_beslissen: bool,
}

/// `GET /onthullingen`: the requests the account may see; a sleutelhouder decides here.
pub async fn list(State(server): State<Arc<Server>>, ReadSession(s, csrf): ReadSession) -> Reply {
    let p = blocking(move || {
        let mut all = loep_app::reveal::list(&s)?;
        // Open requests first, then the newest.
        all.sort_by(|a, b| {
            (b.status == "aangevraagd", &b.aangevraagd)
                .cmp(&(a.status == "aangevraagd", &a.aangevraagd))
        });
        let book = server.address_book(&s)?;
        let mut verzoeken = Vec::with_capacity(all.len());
        for o in &all {
            let c = loep_app::reveal::context(&s, o)?;
            verzoeken.push(verzoek_regel(o, c.as_ref(), &book));
        }
        Ok(Onthullingen {
            mag_beslissen: s.may(Actie::OnthullingBeoordelen),
            wie: Wie::of(&s, csrf),
            verzoeken,
        })
    })
    .await?;
    Ok(render(&p))
}

/// A key holder's decision on a request: the button pressed (`besluit`) and a note.
#[derive(Deserialize)]
pub struct BesluitForm {
    #[serde(default, deserialize_with = "text")]
    besluit: String,
    #[serde(default, deserialize_with = "text")]
    toelichting: String,
}

/// `POST /onthullingen/{id}/besluit`: a sleutelhouder approves or refuses.
pub async fn decide(
    Path(id): Path<String>,
    WriteForm(mut s, _, f): WriteForm<BesluitForm>,
) -> Reply {
    let approve = match f.besluit.as_str() {
        "goedkeuren" => true,
        "weigeren" => false,
        _ => {
            return Err(page_error(StatusCode::BAD_REQUEST, "Kies goedkeuren of weigeren.").into());
        }
    };
    let toelichting = f.toelichting;
    blocking(move || loep_app::reveal::decide(&mut s, &id, approve, &toelichting)).await?;
    Ok(Redirect::to("/onthullingen").into_response())
}

pub struct IdentiteitRegel {
    pub pseudoniem: String,
    pub naam: String,
    pub bsn: String,
    pub geboortedatum: String,
    pub rollen: String,
}

#[derive(Template)]
#[template(path = "onthulling.html")]
struct OnthullingPagina {
    wie: Wie,
    verzoek: VerzoekRegel,
    adres: String,
    vbo_id: String,
    personen: Vec<IdentiteitRegel>,
}

/// `GET /onthullingen/{id}`: the identities of an approved request, for the requester and
/// the people on the case only; every view is in the processing log.
pub async fn open(Path(id): Path<String>, WriteSession(mut s, csrf): WriteSession) -> Reply {
    // Opening writes the log: a writer's session.
    let p = blocking(move || {
        let o = loep_app::reveal::open(&mut s, &id)?;
        Ok(OnthullingPagina {
            wie: Wie::of(&s, csrf),
            // The identities' page names the address itself (below).
            verzoek: verzoek_regel(&o.onthulling, None, &loep_app::scan::Addresses::default()),
            adres: [o.adres.clone(), o.buurt.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
            vbo_id: o.vbo_id.map(|v| v.to_string()).unwrap_or_default(),
            personen: o
                .personen
                .iter()
                .map(|p| IdentiteitRegel {
                    pseudoniem: p.identiteit.pseudoniem.clone(),
                    naam: [
                        p.identiteit.voornamen.as_deref(),
                        p.identiteit.voorvoegsel.as_deref(),
                        p.identiteit.geslachtsnaam.as_deref(),
                    ]
                    .into_iter()
                    .flatten()
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
                    bsn: p.identiteit.bsn.clone().unwrap_or_default(),
                    geboortedatum: p
                        .identiteit
                        .geboortedatum
                        .as_deref()
                        .map(loep_app::nl::datum)
                        .unwrap_or_default(),
                    rollen: p.rollen.join("; "),
                })
                .collect(),
        })
    })
    .await?;
    Ok(render(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_takes_every_ticked_signal_of_the_address() {
        let f: ZaakForm =
            crate::formulier::parse(b"csrf=t&vbo_id=+0363010000000001&signaal=S-1&signaal=S-2")
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.vbo_id, "0363010000000001");
        assert_eq!(f.signaal, ["S-1", "S-2"]);
        let f: ZaakForm = crate::formulier::parse(b"csrf=t&vbo_id=1&toelichting=")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(f.signaal.is_empty() && f.toelichting.is_empty());
    }
}
