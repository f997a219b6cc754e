//! Residents' access requests (`/inzage`): the privacy officer or a key holder draws up the
//! report for a BSN (as `loep inzage` does: HTML and PDF into the vault, the lookup logged),
//! sees the reports kept in the vault and opens one to send it (the opening logged too).

use askama::Template;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use loep_app::Kind;
use serde::Deserialize;

use crate::extract::{ReadSession, Reply, WriteForm, WriteSession};
use crate::formulier::{Leeg, filled, text};
use crate::pages::{Wie, again, render};
use crate::web::blocking;

pub struct BriefRegel {
    pub naam: String,
    pub datum: String,
    pub html: bool,
    pub pdf: bool,
}

#[derive(Template)]
#[template(path = "inzageverzoeken.html")]
struct Inzageverzoeken {
    wie: Wie,
    brieven: Vec<BriefRegel>,
    fout: Option<String>,
    /// The privacy officer may restrict parts of a letter (article 41 UAVG).
    mag_beperken: bool,
    /// The latest end date a restriction may have (JJJJ-MM-DD).
    uiterlijk: String,
    /// The earliest (tomorrow).
    morgen: String,
    /// The restrictions in force, for the privacy officer to lift.
    beperkingen: Vec<BeperkingRegel>,
}

pub struct BeperkingRegel {
    pub id: i64,
    pub delen: String,
    pub tot: String,
    pub reden: String,
    pub door: String,
}

fn page(
    s: &loep_app::Session,
    csrf: String,
    fout: Option<String>,
) -> loep_app::Result<Inzageverzoeken> {
    let brieven = loep_app::inzage::letters(s)?
        .into_iter()
        .map(|l| BriefRegel {
            datum: loep_app::nl::datum(&l.datum),
            naam: l.naam,
            html: l.html,
            pdf: l.pdf,
        })
        .collect();
    let vandaag = loep_app::today();
    let uiterlijk = loep_app::inzage::latest_end(&vandaag);
    let mag_beperken = s.may(loep_app::types::Actie::InzageBeperken);
    let beperkingen = if mag_beperken {
        loep_app::inzage::restrictions(s)?
            .into_iter()
            .map(|b| BeperkingRegel {
                id: b.id,
                delen: b.delen.join(", "),
                tot: loep_app::nl::datum(&b.tot),
                reden: b.reden,
                door: b.door,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Inzageverzoeken {
        wie: Wie::of(s, csrf),
        brieven,
        fout,
        mag_beperken,
        morgen: loep_app::inzage::latest_end_from(&vandaag, 1),
        uiterlijk,
        beperkingen,
    })
}

/// `GET /inzage`: the form and the reports kept.
pub async fn list(ReadSession(s, csrf): ReadSession) -> Reply {
    let p = blocking(move || page(&s, csrf, None)).await?;
    Ok(render(&p))
}

/// The form of an access request: the resident's BSN, and for the privacy officer the parts
/// kept out of the report for now (check boxes `beperk`), why and until when.
#[derive(Deserialize)]
pub struct InzageForm {
    #[serde(default, deserialize_with = "text")]
    bsn: String,
    #[serde(default, deserialize_with = "filled")]
    beperk: Vec<String>,
    #[serde(default, deserialize_with = "text")]
    reden: String,
    #[serde(default, deserialize_with = "text")]
    tot: String,
}

/// `POST /inzage`: the report for the BSN given; back to the list, or the form with why not.
pub async fn draw_up(WriteForm(mut s, csrf, v): WriteForm<InzageForm>) -> Reply {
    let answer = blocking(move || {
        let bsn = v.bsn;
        if !(8..=9).contains(&bsn.len()) || !bsn.bytes().all(|b| b.is_ascii_digit()) {
            let fout = "Vul het BSN van de verzoeker in: negen cijfers.".to_string();
            return Ok(Err((Kind::Invalid, page(&s, csrf, Some(fout))?)));
        }
        // A restriction (article 41 UAVG) when the privacy officer ticked a part; only the
        // privacy officer may, before anything of the form is judged.
        let delen = v.beperk;
        let asked = !delen.is_empty() || !v.reden.is_empty() || !v.tot.is_empty();
        if asked && !s.may(loep_app::types::Actie::InzageBeperken) {
            return Err(loep_app::AppError::refused(
                "geweigerd: alleen de functionaris gegevensbescherming beperkt een inzage",
            ));
        }
        if asked && delen.is_empty() {
            let fout =
                "Kies welk deel tijdelijk niet in het overzicht komt, of laat reden en datum leeg."
                    .to_string();
            return Ok(Err((Kind::Invalid, page(&s, csrf, Some(fout))?)));
        }
        let beperking = if delen.is_empty() {
            None
        } else {
            match loep_app::inzage::Beperking::new(&delen, &v.reden, &v.tot, &loep_app::today()) {
                Ok(b) => Some(b),
                Err(e) => {
                    return Ok(Err((
                        Kind::Invalid,
                        page(&s, csrf, Some(crate::web::shown(&e)))?,
                    )));
                }
            }
        };
        match loep_app::inzage::report(&mut s, &bsn, None, beperking.as_ref()) {
            Ok(_) => Ok(Ok(())),
            Err(e) if matches!(e.kind, Kind::Invalid | Kind::NotFound | Kind::Conflict) => {
                let kind = e.kind;
                Ok(Err((kind, page(&s, csrf, Some(crate::web::shown(&e)))?)))
            }
            Err(e) => Err(e),
        }
    })
    .await?;
    Ok(match answer {
        Ok(()) => Redirect::to("/inzage").into_response(),
        Err((kind, p)) => again(
            if kind == Kind::NotFound {
                Kind::Invalid
            } else {
                kind
            },
            &p,
        ),
    })
}

/// `GET /inzage/{bestand}`: one kept report (`.html` or `.pdf`), as a download.
pub async fn open(Path(bestand): Path<String>, WriteSession(mut s, _): WriteSession) -> Reply {
    let name = bestand.clone();
    let (bytes, kind) = blocking(move || loep_app::inzage::open_letter(&mut s, &name)).await?;
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    // The name is checked by the use case: letters, digits and hyphens, one extension.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{bestand}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// `POST /inzage/beperking/{id}/opheffen`: the privacy officer lifts a restriction before its
/// end (the investigation it protected is over); back to the list.
pub async fn lift(Path(id): Path<i64>, WriteForm(mut s, _, _): WriteForm<Leeg>) -> Reply {
    blocking(move || loep_app::inzage::lift_restriction(&mut s, id)).await?;
    Ok(Redirect::to("/inzage").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restriction_takes_every_ticked_part() {
        let f: InzageForm = crate::formulier::parse(
            b"csrf=t&bsn=+123456782+&beperk=zaken&beperk=signalen&reden=onderzoek&tot=2026-09-01",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.bsn, "123456782");
        assert_eq!(f.beperk, ["zaken", "signalen"]);
        assert_eq!(
            (f.reden.as_str(), f.tot.as_str()),
            ("onderzoek", "2026-09-01")
        );
        let f: InzageForm =
            crate::formulier::parse(b"csrf=t&bsn=123456782").unwrap_or_else(|e| panic!("{e}"));
        assert!(f.beperk.is_empty() && f.reden.is_empty() && f.tot.is_empty());
    }
}
