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

mod adres;
mod api;
mod extract;
mod formulier;
mod inlogrem;
mod inzage;
mod koppelingen;
mod leveringen;
mod melden;
mod pages;
mod scans;
mod verantwoording;
mod web;
mod zaken;

use anyhow::{Context, Result};
use loep_app::melden::Adresvinder;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub use web::router;

/// What every request handler shares: the project directory, the key that signs the public
/// form's time stamp, and the address finder of the project's current BAG snapshot.
pub struct Server {
    pub dir: PathBuf,
    pub formulier: loep_app::melden::Formulier,
    vinder: Mutex<Option<(Option<String>, Arc<Adresvinder>)>>,
    /// The nonces of forms that filed a report, with when: kept as long as a form lives.
    used: Mutex<std::collections::HashMap<String, i64>>,
    /// Failed logins per client address.
    pub inlogrem: inlogrem::Inlogrem,
    /// The one writer: every request that changes the project (or writes its processing log)
    /// takes this turn first, so that the server's writes follow one another instead of
    /// contending for the project's lock. Readers need no turn.
    writer: Arc<tokio::sync::Semaphore>,
    /// The places for requests that only read: as many as keep the cores busy while some
    /// wait for the disk; more would only make them take turns on the cores and open more
    /// connections than the pool keeps.
    readers: Arc<tokio::sync::Semaphore>,
    /// The scan started from the browser, if any, and how the last one ended.
    pub scan: Arc<Mutex<scans::ScanState>>,
    /// Every BAG object written out, kept while the BAG snapshot it was made from is current.
    adresboek: Mutex<Option<(Option<String>, Arc<loep_app::scan::Addresses>)>>,
    /// The address page's index of addresses and roles, kept while its key stays.
    adresindex: Mutex<Option<Arc<loep_app::scan::AddressIndex>>>,
    /// The case pages' index, made once per state of the sources and the cases' signals.
    zaakindex: Mutex<Option<Arc<loep_app::zaken::CaseIndex>>>,
    /// The dashboard's overview of the newest run, kept while the address index's key stays
    /// (the same runs, snapshots and linkage).
    overzicht: Mutex<Option<(String, Arc<pages::RunOverview>)>>,
    /// Per account, the dashboard's cases per status with the register's version they are of.
    zaakstatus: Mutex<std::collections::HashMap<String, (String, Arc<CasesPerStatus>)>>,
    /// Where the pages of the queue's filtered lists start.
    pub wachtrij: loep_app::scan::QueuePages,
    /// The read-only connections that answer pages which only read.
    pub pool: loep_app::session::ReadPool,
    /// Uploaded deliveries waiting for the beheerder's confirmation, by upload id.
    pub uploads: Mutex<std::collections::HashMap<String, leveringen::Waiting>>,
}

/// Requests that read the project at once (the rest wait for a place): four per core of the
/// reference machine.
const READERS: usize = 8;

/// Per status code, the cases and their addresses an account sees.
pub type CasesPerStatus = Vec<(String, usize, usize)>;

/// A request's turn as the server's one writer (or a place among its readers), held until
/// the request is done with the project.
pub type WriterTurn = tokio::sync::OwnedSemaphorePermit;

impl Server {
    pub fn new(dir: PathBuf) -> Result<Server> {
        // Uploads a previous server left unconfirmed (it stopped, or crashed) hold personal
        // data nobody will load: they go.
        let _ = std::fs::remove_dir_all(dir.join("upload"));
        Ok(Server {
            formulier: loep_app::melden::Formulier::new()?,
            vinder: Mutex::new(None),
            used: Mutex::new(std::collections::HashMap::new()),
            inlogrem: inlogrem::Inlogrem::default(),
            writer: Arc::new(tokio::sync::Semaphore::new(1)),
            readers: Arc::new(tokio::sync::Semaphore::new(READERS)),
            scan: Arc::new(Mutex::new(scans::ScanState::default())),
            adresboek: Mutex::new(None),
            adresindex: Mutex::new(None),
            zaakindex: Mutex::new(None),
            overzicht: Mutex::new(None),
            wachtrij: Default::default(),
            zaakstatus: Mutex::new(std::collections::HashMap::new()),
            pool: loep_app::session::ReadPool::new(&dir),
            uploads: Mutex::new(std::collections::HashMap::new()),
            dir,
        })
    }

    /// The address book of the current BAG snapshot, made once per snapshot (on the blocking
    /// pool: it reads the BAG). The session's use case authorises it.
    pub fn address_book(
        &self,
        s: &loep_app::Session,
    ) -> loep_app::Result<Arc<loep_app::scan::Addresses>> {
        let current = loep_app::scan::bag_snapshot(s)?;
        // Held while a book is made, so that concurrent requests wait for one reading.
        let mut cached = self
            .adresboek
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((snapshot, book)) = cached.as_ref()
            && *snapshot == current
        {
            return Ok(book.clone());
        }
        let (snapshot, book) = loep_app::scan::address_book(s)?;
        let book = Arc::new(book);
        *cached = Some((snapshot, book.clone()));
        Ok(book)
    }

    /// The address page's index for the project as it is now, made again when a scan, an
    /// intake or a linkage changed what it is made from. The session's use case authorises it.
    pub fn address_index(
        &self,
        s: &loep_app::Session,
    ) -> loep_app::Result<Arc<loep_app::scan::AddressIndex>> {
        let key = loep_app::scan::address_index_key(s)?;
        // Held while an index is made, so that concurrent requests wait for one reading. A
        // request that panicked while making one left nothing half-made in it: go on.
        let mut cached = self
            .adresindex
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(index) = cached.as_ref()
            && index.key() == key
        {
            return Ok(index.clone());
        }
        let book = self.address_book(s)?;
        let index = Arc::new(loep_app::scan::address_index(s, book)?);
        *cached = Some(index.clone());
        Ok(index)
    }

    /// The case pages' index (roles and birth years of the cases' persons) for the project as
    /// it is now, made again when an intake, a linkage or a new case changed what it is made
    /// from. The session's use case authorises it; a case's part is shown only after the case.
    pub fn case_index(
        &self,
        s: &loep_app::Session,
    ) -> loep_app::Result<Arc<loep_app::zaken::CaseIndex>> {
        let key = loep_app::zaken::case_index_key(s)?;
        let mut cached = self
            .zaakindex
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(index) = cached.as_ref()
            && index.key() == key
        {
            return Ok(index.clone());
        }
        let index = Arc::new(loep_app::zaken::case_index(s)?);
        *cached = Some(index.clone());
        Ok(index)
    }

    /// The dashboard's overview of the newest run, made once per run (and again when the
    /// sources change the addresses it names). The session's use cases authorise it.
    pub fn run_overview(&self, s: &loep_app::Session) -> loep_app::Result<Arc<pages::RunOverview>> {
        let key = loep_app::scan::address_index_key(s)?;
        let mut cached = self
            .overzicht
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((k, o)) = cached.as_ref()
            && *k == key
        {
            return Ok(o.clone());
        }
        let o = Arc::new(pages::RunOverview::of(s)?);
        *cached = Some((key, o.clone()));
        Ok(o)
    }

    /// The dashboard's cases per status for the session's account, counted again when the
    /// case register changed. The session's use cases authorise it.
    pub fn cases_per_status(&self, s: &loep_app::Session) -> loep_app::Result<Arc<CasesPerStatus>> {
        let version = loep_app::zaken::version(s)?;
        // What the count depends on of the account: who, in which role, of which partner.
        let naam = format!(
            "{}/{:?}/{:?}",
            s.user().naam(),
            s.user().rol(),
            s.user().organisatie()
        );
        if let Ok(kept) = self.zaakstatus.lock()
            && let Some((v, counts)) = kept.get(&naam)
            && *v == version
        {
            return Ok(counts.clone());
        }
        let counts = Arc::new(loep_app::zaken::per_status(s)?);
        if let Ok(mut kept) = self.zaakstatus.lock() {
            kept.insert(naam, (version, counts.clone()));
        }
        Ok(counts)
    }

    /// Waits for a place among the requests that read.
    pub async fn reader_turn(&self) -> Option<WriterTurn> {
        self.readers.clone().acquire_owned().await.ok()
    }

    /// Waits for this request's turn as the one writer.
    pub async fn writer_turn(&self) -> Option<WriterTurn> {
        // The semaphore is never closed, so acquiring fails never; without a turn the
        // project's own lock still keeps writers apart.
        self.writer.clone().acquire_owned().await.ok()
    }

    /// Whether a report form with this nonce filed a report already.
    pub fn used(&self, nonce: &str) -> bool {
        self.used.lock().is_ok_and(|u| u.contains_key(nonce))
    }

    /// Reserves the nonce of a report form before its report is filed, in one step under the
    /// lock: of several sends of the same form at once only the first gets `true` (red-team
    /// row 8 of issue 25: six concurrent confirms filed six reports). Forgets nonces of forms
    /// that have expired anyway.
    pub fn reserve_nonce(&self, nonce: &str, now: i64) -> bool {
        let Ok(mut u) = self.used.lock() else {
            return false;
        };
        u.retain(|_, at| now.saturating_sub(*at) <= melden::MAX_SECONDS);
        if u.contains_key(nonce) {
            return false;
        }
        u.insert(nonce.to_string(), now);
        true
    }

    /// Gives a reserved nonce back when its report could not be filed, so that the resident
    /// can send the same form again.
    pub fn release_nonce(&self, nonce: &str) {
        if let Ok(mut u) = self.used.lock() {
            u.remove(nonce);
        }
    }

    /// The address finder, made again when the project has a new BAG snapshot.
    pub async fn adresvinder(&self) -> loep_app::Result<Arc<Adresvinder>> {
        let dir = self.dir.clone();
        let current = web::blocking(move || loep_app::melden::bag_snapshot(&dir)).await?;
        if let Ok(cached) = self.vinder.lock()
            && let Some((snapshot, finder)) = cached.as_ref()
            && *snapshot == current
        {
            return Ok(finder.clone());
        }
        let dir = self.dir.clone();
        let (finder, snapshot) = web::blocking(move || Adresvinder::of(&dir)).await?;
        let finder = Arc::new(finder);
        if let Ok(mut cached) = self.vinder.lock() {
            *cached = Some((snapshot, finder.clone()));
        }
        Ok(finder)
    }
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
        let app = router(Arc::new(Server::new(dir)?));
        // The peer address reaches the handlers: the public form's rate limit is per client.
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
            .context("de webserver stopte met een fout")
    })
}
