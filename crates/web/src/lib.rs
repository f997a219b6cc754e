//! loep's web application: Dutch pages rendered on the server from compile-time checked
//! templates (askama, escaped by default), over the application core `loep-app` only.
//!
//! Every page that shows project data resumes the browser's web session through
//! `loep_app::session::resume` and calls a use case of `loep-app`, which authorises itself:
//! the web adds no rules of its own about who may see what. Work that touches SQLite or
//! Argon2 runs on tokio's blocking pool, so that a slow request never holds up the others.
//!
//! Sessions: a `__Host-loep` cookie (Secure, HttpOnly, SameSite=Strict, path `/`) carries a
//! random token whose hash the project's `store.sqlite` keeps (`loep_store::websessie`), with
//! idle and absolute timeouts and a new token at every login. Every form that changes
//! something carries the session's CSRF token, and a POST whose `Origin` is another site is
//! refused.

mod pages;
mod web;

use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use web::router;

/// What every request handler shares: the project directory.
pub struct Server {
    pub dir: PathBuf,
}

/// Serves the project at `dir` on `listen` until the process ends; `ready` is told the
/// address it listens on (port 0 picks a free one).
pub fn serve(dir: PathBuf, listen: SocketAddr, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("loep-web")
        .build()
        .context("kan de webserver niet starten")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| {
                format!(
                    "kan niet luisteren op {listen}; is het adres al in gebruik? Kies een ander met --listen"
                )
            })?;
        let addr = listener.local_addr()?;
        ready(addr);
        let app = router(Arc::new(Server { dir }));
        axum::serve(listener, app)
            .await
            .context("de webserver stopte met een fout")
    })
}
