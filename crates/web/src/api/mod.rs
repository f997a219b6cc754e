//! The API for partner systems under `/api/v1`, in the style of the ZGW Zaken API: JSON with
//! camelCase names, cases by their `uuid`, sub-resources (`statussen`, `huisbezoeken`,
//! `bevindingen`), paged lists (`count`, `next`, `previous`, `results`), errors as
//! `application/problem+json` (RFC 9457), and `Idempotency-Key` on every POST.
//!
//! A call carries a partner's API key (`Authorization: Bearer loep_…`); `loep_app::api` turns
//! it into the key's account and scopes and runs the same use cases as the pages, so the
//! authorisation is the same. The OpenAPI document is generated from these handlers
//! (`utoipa`) and served at `/api/v1/openapi.json`.
//!
//! The parts: `problems` (the `application/problem+json` answers), `aanroep` (the key, the
//! use case on the blocking pool, the `Idempotency-Key`), `types` (what goes over the wire)
//! and `handlers` (the routes). The OpenAPI document is here, since it names them all.

mod aanroep;
mod handlers;
mod problems;
mod types;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use problems::problem;

pub use handlers::{
    bevindingen, huisbezoek_nieuw, huisbezoeken, notitie_nieuw, status_nieuw, statussen,
    uitkomst_nieuw, zaak, zaken,
};
pub use problems::{not_found, too_many};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "loep API voor partnersystemen",
        version = "1.0.0",
        description = "De zaken van een partner in het interventieteam: lezen, status bijwerken, huisbezoeken plannen en vastleggen, bevindingen en het eigen zaakkenmerk. In de stijl van de ZGW Zaken API. Elke aanroep met persoonsgegevens staat in het verwerkingslog van het project."
    ),
    paths(
        handlers::zaken,
        handlers::zaak,
        handlers::statussen,
        handlers::status_nieuw,
        handlers::huisbezoeken,
        handlers::huisbezoek_nieuw,
        handlers::uitkomst_nieuw,
        handlers::bevindingen,
        handlers::notitie_nieuw
    ),
    components(schemas(
        types::ZaakPagina,
        types::Zaak,
        types::ZaakUitgebreid,
        types::Zaakobject,
        types::Kenmerk,
        types::Status,
        types::NieuweStatus,
        types::Huisbezoek,
        types::NieuwHuisbezoek,
        types::NieuweUitkomst,
        types::Bevinding,
        types::NieuweBevinding,
        types::NieuweNotitie,
        problems::Probleem
    )),
    modifiers(&Beveiliging),
    security(("apiSleutel" = [])),
    tags((name = "zaken", description = "Zaken van het interventieteam waarop de partner een rol heeft"))
)]
pub struct ApiDoc;

/// The key scheme: an HTTP bearer token.
struct Beveiliging;

impl Modify for Beveiliging {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi
            .components
            .get_or_insert_with(utoipa::openapi::Components::new);
        components.add_security_scheme(
            "apiSleutel",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("loep_<id>_<geheim>")
                    .description(Some(
                        "Een API-sleutel die de beheerder van het project uitgeeft (`loep api-sleutel new`); hij handelt als het account van de partner waarvoor hij is uitgegeven, binnen zijn scopes (zaken.lezen, zaken.bijwerken).",
                    ))
                    .build(),
            ),
        );
    }
}

/// `GET /api/v1/openapi.json`: the document, for anyone (it holds no data).
pub async fn openapi() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            json,
        )
            .into_response(),
        Err(e) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("het OpenAPI-document kon niet worden gemaakt: {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::aanroep::bearer;
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    #[test]
    fn the_document_describes_every_route_with_the_key_scheme() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        for p in [
            "/api/v1/zaken",
            "/api/v1/zaken/{uuid}",
            "/api/v1/zaken/{uuid}/statussen",
            "/api/v1/zaken/{uuid}/huisbezoeken",
            "/api/v1/zaken/{uuid}/uitkomsten",
            "/api/v1/zaken/{uuid}/bevindingen",
            "/api/v1/zaken/{uuid}/notities",
        ] {
            assert!(paths.contains_key(p), "{p} missing");
        }
        assert!(paths["/api/v1/zaken/{uuid}/statussen"]["post"].is_object());
        assert_eq!(
            doc["components"]["securitySchemes"]["apiSleutel"]["scheme"],
            "bearer"
        );
        // camelCase fields, as ZGW names them.
        let status = &doc["components"]["schemas"]["Status"]["properties"];
        assert!(status["datumStatusGezet"].is_object(), "{status}");
    }

    #[test]
    fn a_problem_says_what_and_asks_for_a_key_when_there_is_none() {
        let res = problem(StatusCode::UNAUTHORIZED, "x");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert!(res.headers().contains_key(header::WWW_AUTHENTICATE));
        let mut h = HeaderMap::new();
        assert!(bearer(&h).is_none());
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert!(bearer(&h).is_none());
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer loep_0123456789abcdef_x"),
        );
        assert_eq!(bearer(&h).as_deref(), Some("loep_0123456789abcdef_x"));
    }
}
