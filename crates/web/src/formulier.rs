//! The forms the pages post, read as typed structs.
//!
//! Each form is a struct that derives `Deserialize`, read from the body with `serde_html_form`,
//! which (unlike `serde_urlencoded`, axum's `Form`) gathers a name sent more than once (check
//! boxes) into a `Vec`. The field helpers take the values as the pages always did: [`text`]
//! trimmed and the first of a name sent twice, [`raw`] as typed (a password), [`filled`] every
//! value of a repeated name that is not empty, and [`Bevindingen`] the `bevinding_<indicator>`
//! selects, whose names come from the case. Fields are `#[serde(default)]`, so that a missing
//! field reaches the handler empty and the handler says in Dutch what to fill in; reading a
//! form therefore fails only on a body that is not a form at all.
//!
//! Turning the values into the core's types (a partner, a required field) is the handler's,
//! where an error becomes the page with the reason on top.

use axum::extract::{FromRequest, RawForm, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use loep_app::{AppError, Kind};
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

use crate::web::page_error;

/// A form post without a session (the public report form): its fields as `T`.
pub struct Formulier<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Formulier<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = body(req, state).await?;
        Ok(Formulier(parse(&body).map_err(|_| unreadable())?))
    }
}

/// The body of a form post, in full: refused (as axum's `Form` does) when it is not
/// `application/x-www-form-urlencoded` or larger than the body limit.
pub async fn body<S: Send + Sync>(req: Request, state: &S) -> Result<axum::body::Bytes, Response> {
    let RawForm(body) = RawForm::from_request(req, state)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(body)
}

/// The answer to a body that is not a form of this site.
pub fn unreadable() -> Response {
    page_error(
        StatusCode::BAD_REQUEST,
        "Dit formulier kon niet worden gelezen. Laad de pagina opnieuw en probeer het nog eens.",
    )
}

/// A form body as `T`.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_html_form::de::Error> {
    serde_html_form::from_bytes(body)
}

/// The CSRF token a logged-in form carries.
#[derive(Deserialize)]
pub struct Token {
    #[serde(default, deserialize_with = "text")]
    pub csrf: String,
}

/// A form with no fields of its own: a button (its CSRF token is read apart).
#[derive(Deserialize)]
pub struct Leeg {}

/// A field's value, trimmed; of a name sent more than once, the first.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(First { trim: true })
}

/// A field's value as typed (spaces count: a password); of a name sent more than once, the
/// first.
pub fn raw<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(First { trim: false })
}

/// Every value of a repeated name (check boxes), trimmed, those left empty out.
pub fn filled<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(d.deserialize_any(All)?
        .into_iter()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

struct First {
    trim: bool,
}

impl<'de> Visitor<'de> for First {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a text")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        Ok(if self.trim { v.trim() } else { v }.to_string())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<String, A::Error> {
        let first: Option<String> = seq.next_element()?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        let first = first.unwrap_or_default();
        Ok(if self.trim {
            first.trim().to_string()
        } else {
            first
        })
    }
}

/// One value or several, as they came.
struct All;

impl<'de> Visitor<'de> for All {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("one text or several")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Vec<String>, E> {
        Ok(vec![v.to_string()])
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut all = Vec::new();
        while let Some(v) = seq.next_element::<String>()? {
            all.push(v);
        }
        Ok(all)
    }
}

/// The name of a finding's select: `bevinding_` and the indicator it is about.
pub const BEVINDING: &str = "bevinding_";

/// The findings a form gives: a select `bevinding_<indicator>` per indicator that raised the
/// case, as (indicator, verdict) in the form's order; a select left empty gives none. The
/// names depend on the case, so a form's struct takes them with `#[serde(flatten)]`: every
/// field it does not name itself comes here, and those without the prefix are passed over.
#[derive(Debug, Default, PartialEq)]
pub struct Bevindingen(pub Vec<(String, String)>);

impl Bevindingen {
    /// The findings as the core takes them: each verdict parsed, or the core's message that
    /// names the verdicts there are.
    pub fn oordelen(self) -> loep_app::Result<Vec<(String, loep_app::types::Oordeel)>> {
        self.0
            .into_iter()
            .map(|(indicator, oordeel)| {
                let o = loep_app::zaken::parse_oordeel(&indicator, &oordeel)?;
                Ok((indicator, o))
            })
            .collect()
    }
}

impl<'de> Deserialize<'de> for Bevindingen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(BevindingenVisitor)
    }
}

struct BevindingenVisitor;

impl<'de> Visitor<'de> for BevindingenVisitor {
    type Value = Bevindingen;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the fields of a form")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Bevindingen, M::Error> {
        let mut found = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let Some(indicator) = name.strip_prefix(BEVINDING) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            // A select sent twice gives both: the core refuses an indicator judged twice.
            for oordeel in map.next_value::<Waarden>()?.0 {
                let oordeel = oordeel.trim();
                if !oordeel.is_empty() {
                    found.push((indicator.to_string(), oordeel.to_string()));
                }
            }
        }
        Ok(Bevindingen(found))
    }
}

/// The values of one name, one or several.
struct Waarden(Vec<String>);

impl<'de> Deserialize<'de> for Waarden {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(All).map(Waarden)
    }
}

/// The value of a field the form must have, or the Dutch message that asks for it under its
/// label (the page shows it above the form, with 400).
pub fn required(value: String, label: &str) -> loep_app::Result<String> {
    if value.is_empty() {
        return Err(AppError::new(
            Kind::Invalid,
            format!("Vul het veld '{label}' in."),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct Proef {
        #[serde(default, deserialize_with = "text")]
        naam: String,
        #[serde(default, deserialize_with = "raw")]
        wachtwoord: String,
        #[serde(default, deserialize_with = "filled")]
        keuze: Vec<String>,
        #[serde(flatten)]
        bevindingen: Bevindingen,
    }

    fn proef(body: &str) -> Proef {
        parse(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    #[test]
    fn a_text_is_trimmed_and_the_first_of_two_is_taken() {
        assert_eq!(proef("naam=+Jansen%20").naam, "Jansen");
        assert_eq!(proef("naam=a&naam=b").naam, "a");
        assert_eq!(proef("").naam, "");
        assert_eq!(proef("naam").naam, "");
    }

    #[test]
    fn a_password_keeps_its_spaces() {
        assert_eq!(proef("wachtwoord=+geheim+").wachtwoord, " geheim ");
        assert_eq!(proef("wachtwoord=a&wachtwoord=b").wachtwoord, "a");
    }

    #[test]
    fn check_boxes_repeat_a_name_one_box_too() {
        assert_eq!(proef("keuze=a&naam=x&keuze=b").keuze, ["a", "b"]);
        assert_eq!(proef("keuze=a").keuze, ["a"]);
        assert_eq!(proef("keuze=&keuze=+b+").keuze, ["b"]);
        assert!(proef("naam=x").keuze.is_empty());
    }

    #[test]
    fn findings_come_from_their_prefixed_selects_in_order() {
        let p = proef(
            "csrf=t&bevinding_IND-2=+bevestigd&naam=x&bevinding_IND-1=niet_bevestigd&bevinding_IND-3=&keuze=a",
        );
        assert_eq!(
            p.bevindingen.0,
            [
                ("IND-2".to_string(), "bevestigd".to_string()),
                ("IND-1".to_string(), "niet_bevestigd".to_string()),
            ]
        );
        // The fields the struct names itself are read as such, beside the flattened findings.
        assert_eq!(
            (p.naam.as_str(), p.keuze.as_slice()),
            ("x", ["a".to_string()].as_slice())
        );
        assert!(proef("naam=x").bevindingen.0.is_empty());
    }

    #[test]
    fn a_finding_sent_twice_is_given_twice_for_the_core_to_refuse() {
        assert_eq!(
            proef("bevinding_A=bevestigd&bevinding_A=niet_bevestigd")
                .bevindingen
                .0,
            [
                ("A".to_string(), "bevestigd".to_string()),
                ("A".to_string(), "niet_bevestigd".to_string()),
            ]
        );
    }

    #[test]
    fn the_token_is_read_apart_from_the_form() {
        let t: Token = parse(b"naam=x&csrf=+abc+").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.csrf, "abc");
        let _: Leeg = parse(b"csrf=abc&iets=anders").unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn a_required_field_left_empty_asks_for_it_by_its_label() {
        let e = required(String::new(), "Reden")
            .err()
            .map(|e| (e.kind, e.message()));
        assert_eq!(
            e,
            Some((Kind::Invalid, "Vul het veld 'Reden' in.".to_string()))
        );
        assert_eq!(required("x".into(), "Reden").ok().as_deref(), Some("x"));
    }
}
