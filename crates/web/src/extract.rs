//! What a page handler starts from and how it ends: the session as an extractor, and one
//! error type that becomes the right page.
//!
//! - [`ReadSession`]: a logged-in reader (one of the reader places); to the login page
//!   otherwise.
//! - [`WriteForm`]: a logged-in form post, its fields as a typed form (`crate::formulier`).
//!   The form is read in full *before* the request waits for the server's one writer turn, so
//!   that a slow client never holds that turn while its body trickles in; then the CSRF token
//!   the form carries is checked against the session's.
//! - [`WriteSession`]: a write without a form (opening an identity request writes the log).
//!   Like `WriteForm` it reads the body (empty) before it takes the turn, and being a
//!   body extractor it cannot be combined with another one.
//! - [`PageError`]: an error of the core (its page by kind: 403, 404, 400, 409, or 500 with a
//!   reference number) or an answer made already (the login page, a refused form). Handlers
//!   return `Result<Response, PageError>` and use `?`.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use loep_app::{AppError, Mode};
use serde::de::DeserializeOwned;
use std::sync::Arc;

use crate::Server;
use crate::formulier::{self, Token};
use crate::pages::csrf_refused;
use crate::web::{Held, app_error, session};

/// What a page handler answers instead of its page.
pub enum PageError {
    /// An error of the core, shown as its kind says.
    Core(AppError),
    /// An answer already made (the login page, a refused form, a page with a message).
    Answer(Response),
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError::Core(e)
    }
}

impl From<Response> for PageError {
    fn from(r: Response) -> Self {
        PageError::Answer(r)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Core(e) => app_error(&e),
            PageError::Answer(r) => r,
        }
    }
}

/// A page handler's result.
pub type Reply = Result<Response, PageError>;

/// A logged-in reader's session and CSRF token (for the forms on the page).
pub struct ReadSession(pub Held, pub String);

impl FromRequestParts<Arc<Server>> for ReadSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        server: &Arc<Server>,
    ) -> Result<Self, Self::Rejection> {
        let (s, csrf) = session(server, &parts.headers, Mode::Read).await?;
        Ok(ReadSession(s, csrf))
    }
}

/// A logged-in form post: the writer's session, its CSRF token and the form's fields as `T`.
pub struct WriteForm<T>(pub Held, pub String, pub T);

impl<T: DeserializeOwned + Send> FromRequest<Arc<Server>> for WriteForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, server: &Arc<Server>) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let body = formulier::body(req, server).await?;
        let form: T = formulier::parse(&body).map_err(|_| formulier::unreadable())?;
        let Token { csrf: given } = formulier::parse(&body).map_err(|_| formulier::unreadable())?;
        let (s, csrf) = session(server, &headers, Mode::Write).await?;
        if let Some(refused) = csrf_refused(&given, &csrf) {
            return Err(refused);
        }
        Ok(WriteForm(s, csrf, form))
    }
}

/// A write without a form: the writer's session and CSRF token, taken once the (empty) body is
/// read.
pub struct WriteSession(pub Held, pub String);

impl FromRequest<Arc<Server>> for WriteSession {
    type Rejection = Response;

    async fn from_request(req: Request, server: &Arc<Server>) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), server)
            .await
            .map_err(IntoResponse::into_response)?;
        let (s, csrf) = session(server, &parts.headers, Mode::Write).await?;
        Ok(WriteSession(s, csrf))
    }
}
