//! The partner systems' API: a partner's case system reads and updates its cases with an API
//! key (`loep api-sleutel new`) instead of a person's login.
//!
//! A key acts as the account it was issued for, so every call goes through the same use cases
//! and the same authorisation as that person's (a partner sees only its organisation's cases);
//! its scopes narrow that further. Every call that returns personal data (a case names an
//! address and holds persons' pseudonyms) is written to the processing log; the changes are
//! logged by the case register as they are for a person.

use loep_store::LogRecord;
use loep_store::Project;
use loep_store::apisleutel::{self, Antwoord};
use loep_store::auth::{Actie, Object};
use loep_zaken::register::{Huisbezoek, Uitkomst, Zaak, ZaakDetail, ZaakFilter};
use std::path::Path;

pub use loep_store::apisleutel::{ApiSleutel, Scope};

use crate::error::{AppError, Kind, Result};
use crate::session::{Session, attach_vault, guard};

/// A partner system's call: the key's account with the project open for writing (reading a
/// case writes the processing log), and what the key may do.
pub struct ApiSession {
    session: Session,
    sleutel: String,
    scopes: Vec<Scope>,
}

/// Whether `key` has the form of a key at all (checked before anything is opened).
pub fn well_formed(key: &str) -> bool {
    apisleutel::well_formed(key.trim())
}

/// Checks `key` on a read-only connection, without the project's lock: a front end does this
/// before it queues the call for the one writer, so that calls with a wrong key never wait
/// for, or hold up, anyone's writes.
pub fn check(pool: &crate::session::ReadPool, key: &str) -> Result<()> {
    let project = pool.take()?;
    project.check_access()?;
    apisleutel::authenticate(project.db(), key)?;
    Ok(())
}

/// Opens the project for the call that `key` authenticates. Unauthenticated, with one answer
/// for all of them, for an unknown, wrong or revoked key and one whose account is disabled.
pub fn open(dir: &Path, key: &str) -> Result<ApiSession> {
    let mut project = Project::open(dir)?;
    // The guard below checks the access state (with the log) before the call is answered.
    let (user, sleutel, scopes) = apisleutel::authenticate(project.db(), key)?;
    attach_vault(&mut project)?;
    guard(&mut project)?;
    crate::retention::enforce(&mut project, false)?;
    Ok(ApiSession {
        session: Session {
            project: crate::session::Opened::own(project),
            user,
        },
        sleutel,
        scopes,
    })
}

impl ApiSession {
    /// The key's account.
    pub fn user(&self) -> &loep_store::auth::ActingAccount {
        self.session.user()
    }

    /// The key's id (not its secret).
    pub fn sleutel(&self) -> &str {
        &self.sleutel
    }

    fn require(&self, scope: Scope) -> Result<()> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(AppError::refused(format!(
                "geweigerd: deze API-sleutel heeft de scope {} niet; vraag de beheerder van het project om een sleutel met die scope",
                scope.as_str()
            )))
        }
    }

    /// Writes, in one transaction, one record per case and person (or one per case without a
    /// person) of a call that returned personal data: which operation, which case, through
    /// which key. No account names in the log.
    fn log_read(&mut self, operatie: &str, zaken: &[(&str, &[String])]) -> Result<()> {
        let now = loep_store::clock::now();
        let activity = self.session.project.config.verwerkingsactiviteit_id.clone();
        let trace = loep_store::log::new_trace_id();
        let tx = self.session.project.begin()?;
        for (zaak, personen) in zaken {
            let subjects: Vec<Option<&String>> = if personen.is_empty() {
                vec![None]
            } else {
                personen.iter().map(Some).collect()
            };
            for p in subjects {
                let mut rec = LogRecord::new(operatie, &now, &now)
                    .with_attr("zaak", zaak.to_string())
                    .with_attr("kanaal", "api")
                    .with_attr("api_sleutel", self.sleutel.clone())
                    .by(&self.session.user);
                if let Some(p) = p {
                    rec = rec.with_subject(p.clone());
                }
                rec.trace_id = trace.clone();
                loep_store::log::append(&tx, &activity, rec)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The case `uuid` as the key's account sees it. A case the account may not see is "not
    /// found", as one that does not exist: a partner learns nothing of other cases. Cases are
    /// named by their uuid only (case numbers run in order).
    fn visible(&self, uuid: &str) -> Result<ZaakDetail> {
        let not_found = || {
            AppError::not_found(format!(
                "er is geen zaak met uuid '{uuid}' die deze sleutel mag zien"
            ))
        };
        let uuid_shaped = uuid.len() == 36
            && uuid.bytes().enumerate().all(|(i, b)| {
                matches!(i, 8 | 13 | 18 | 23) == (b == b'-') && (b == b'-' || b.is_ascii_hexdigit())
            });
        if !uuid_shaped {
            return Err(not_found());
        }
        match crate::zaken::show(&self.session, uuid) {
            Ok(d) => Ok(d),
            Err(e) if matches!(e.kind, Kind::Refused | Kind::NotFound) => Err(not_found()),
            Err(e) => Err(e),
        }
    }

    /// The cases the key's account may see, filtered. The front end returns a page of them
    /// and logs that page ([`ApiSession::log_list`]).
    pub fn zaken(&mut self, filter: &ZaakFilter) -> Result<Vec<Zaak>> {
        self.require(Scope::ZakenLezen)?;
        crate::zaken::list(&self.session, filter)
    }

    /// The addresses of cases this key was given, written out (see
    /// [`crate::zaken::addresses_of`]).
    pub fn addresses_of(
        &self,
        zaken: &[&Zaak],
    ) -> Result<std::collections::HashMap<loep_contract::BagId, crate::zaken::CaseAddress>> {
        self.require(Scope::ZakenLezen)?;
        crate::zaken::addresses_of(&self.session, zaken)
    }

    /// Logs that a page of cases was returned: their addresses are personal data.
    pub fn log_list(&mut self, zaken: &[Zaak]) -> Result<()> {
        let ids: Vec<(&str, &[String])> = zaken
            .iter()
            .map(|z| (z.identificatie.as_str(), &[][..]))
            .collect();
        self.log_read("api.zaken.lijst", &ids)
    }

    /// One case with everything recorded on it; logged per person of the case.
    pub fn zaak(&mut self, uuid: &str) -> Result<ZaakDetail> {
        self.require(Scope::ZakenLezen)?;
        let d = self.visible(uuid)?;
        self.log_read("api.zaak.lezen", &[(&d.zaak.identificatie, &d.personen)])?;
        Ok(d)
    }

    /// A status change by the allowed transitions.
    pub fn set_status(&mut self, uuid: &str, naar: &str, toelichting: &str) -> Result<ZaakDetail> {
        self.require(Scope::ZakenBijwerken)?;
        self.visible(uuid)?;
        let z = crate::zaken::set_status(&mut self.session, uuid, naar, toelichting)?;
        crate::zaken::show(&self.session, &z.identificatie)
    }

    /// Plans the visit.
    pub fn plan_visit(
        &mut self,
        uuid: &str,
        datum: loep_contract::Datum,
        team: &[String],
    ) -> Result<Huisbezoek> {
        self.require(Scope::ZakenBijwerken)?;
        self.visible(uuid)?;
        crate::zaken::plan_visit(&mut self.session, uuid, datum, team)
    }

    /// Records the visit's outcomes and the bevindingen per indicator; the case comes back
    /// (and that is logged as a read).
    pub fn record_visit(&mut self, uuid: &str, u: &Uitkomst) -> Result<ZaakDetail> {
        self.require(Scope::ZakenBijwerken)?;
        self.require(Scope::ZakenLezen)?;
        self.visible(uuid)?;
        let d = crate::zaken::record_visit(&mut self.session, uuid, u)?;
        self.log_read("api.zaak.lezen", &[(&d.zaak.identificatie, &d.personen)])?;
        Ok(d)
    }

    /// A note, the partner's own dossier number (zaakkenmerk), or both; the case comes back
    /// (and that is logged as a read).
    pub fn note(
        &mut self,
        uuid: &str,
        tekst: &str,
        zaakkenmerk: Option<&str>,
    ) -> Result<ZaakDetail> {
        self.require(Scope::ZakenBijwerken)?;
        self.require(Scope::ZakenLezen)?;
        self.visible(uuid)?;
        let d = crate::zaken::note(&mut self.session, uuid, tekst, zaakkenmerk)?;
        self.log_read("api.zaak.lezen", &[(&d.zaak.identificatie, &d.personen)])?;
        Ok(d)
    }

    /// The answer stored for a repeated POST with this `Idempotency-Key`.
    pub fn stored_answer(&self, idempotency_key: &str) -> Result<Option<Antwoord>> {
        Ok(apisleutel::stored_answer(
            self.session.project.db(),
            &self.sleutel,
            idempotency_key,
        )?)
    }

    /// Keeps the answer to a POST with an `Idempotency-Key`, to give again when it is repeated.
    pub fn store_answer(&self, idempotency_key: &str, a: &Antwoord) -> Result<()> {
        Ok(apisleutel::store_answer(
            self.session.project.db(),
            &self.sleutel,
            idempotency_key,
            a,
            loep_store::clock::now_utc(),
        )?)
    }
}

pub use loep_store::apisleutel::Antwoord as StoredAnswer;
pub use loep_store::apisleutel::fingerprint;

/// `loep api-sleutel new` (beheerder): a key for a partner system, acting as account
/// `gebruiker`. The key is returned once and stored only as a hash.
pub fn issue(
    session: &mut Session,
    gebruiker: &str,
    scopes: &[Scope],
    omschrijving: &str,
) -> Result<(ApiSleutel, String)> {
    session.authorize_on(
        Actie::GebruikersBeheren,
        Object::Account { naam: gebruiker },
    )?;
    let tx = session.project.begin()?;
    let issued = apisleutel::issue(
        &tx,
        &session.user,
        gebruiker,
        scopes,
        omschrijving,
        loep_store::clock::now_utc(),
    )?;
    tx.commit()?;
    Ok(issued)
}

/// `loep api-sleutel list`.
pub fn list(session: &Session) -> Result<Vec<ApiSleutel>> {
    session.authorize(Actie::GebruikersBekijken)?;
    Ok(apisleutel::list(session.project.db())?)
}

/// `loep api-sleutel revoke` (beheerder).
pub fn revoke(session: &mut Session, id: &str) -> Result<ApiSleutel> {
    session.authorize(Actie::GebruikersBeheren)?;
    let tx = session.project.begin()?;
    let revoked = apisleutel::revoke(&tx, &session.user, id, loep_store::clock::now_utc())?;
    tx.commit()?;
    Ok(revoked)
}

/// Parses a scope as a person types it.
pub fn parse_scope(s: &str) -> Result<Scope> {
    Ok(Scope::parse(s)?)
}
