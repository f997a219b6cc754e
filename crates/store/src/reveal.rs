//! Four-eyes de-pseudonymisation: an analist asks, with a written reason, for the identities
//! behind one signal's persons; a key holder who is not the requester approves or refuses; only
//! then, and only for that signal's persons, may the requester (and the people on the resulting
//! case) see them. Every step is a record in the processing log, one per person.

use crate::db::{Db, TxDb};
use anyhow::Result;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::auth::{self, Actie, ActingAccount, Object};
use crate::clock;
use crate::log::LogRecord;
use crate::project::Project;

pub fn create_schema(conn: &Db) -> Result<()> {
    conn.execute_batch(
        r#"
CREATE TABLE IF NOT EXISTS onthulling (
    id TEXT PRIMARY KEY,
    signaal TEXT NOT NULL,
    pseudoniemen TEXT NOT NULL,
    aanvrager TEXT NOT NULL,
    reden TEXT NOT NULL,
    aangevraagd TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('aangevraagd', 'goedgekeurd', 'geweigerd')),
    beoordelaar TEXT,
    toelichting TEXT,
    beoordeeld TEXT
);
"#,
    )?;
    Ok(())
}

/// The shortest reason a request may give.
pub const MIN_REASON: usize = 20;

/// A request for the identities behind one signal.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Onthulling {
    pub id: String,
    /// The signal, `RUN/NR`.
    pub signaal: String,
    /// The persons of the signal when it was requested: the only ones it can reveal.
    pub pseudoniemen: Vec<String>,
    pub aanvrager: String,
    pub reden: String,
    pub aangevraagd: String,
    /// `aangevraagd`, `goedgekeurd` or `geweigerd`.
    pub status: String,
    pub beoordelaar: Option<String>,
    pub toelichting: Option<String>,
    pub beoordeeld: Option<String>,
}

impl Onthulling {
    pub fn goedgekeurd(&self) -> bool {
        self.status == "goedgekeurd"
    }

    /// The object the authorisation table decides on, for a user who is not on a case that
    /// holds the request's signal.
    pub fn object(&self) -> Object<'_> {
        self.object_on_case(false)
    }

    /// The object the authorisation table decides on; `op_zaak`: the user (their account or
    /// organisation) holds a role on an open case that took in the request's signal, as the
    /// case register (`loep_zaken`) answers.
    pub fn object_on_case(&self, op_zaak: bool) -> Object<'_> {
        Object::Onthulling {
            aanvrager: &self.aanvrager,
            goedgekeurd: self.goedgekeurd(),
            op_zaak,
        }
    }
}

const COLUMNS: &str = "id, signaal, pseudoniemen, aanvrager, reden, aangevraagd, status, beoordelaar, toelichting, beoordeeld";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Onthulling> {
    Ok(Onthulling {
        id: r.get(0)?,
        signaal: r.get(1)?,
        pseudoniemen: crate::lijst::column(r, 2)?,
        aanvrager: r.get(3)?,
        reden: r.get(4)?,
        aangevraagd: r.get(5)?,
        status: r.get(6)?,
        beoordelaar: r.get(7)?,
        toelichting: r.get(8)?,
        beoordeeld: r.get(9)?,
    })
}

pub fn get(conn: &Db, id: &str) -> Result<Onthulling> {
    // The seal first: a request changed outside loep is refused as such, whatever it now holds.
    if !crate::integrity::row_intact(conn, "onthulling", id)? {
        return Err(crate::integrity::tampered(&format!("verzoek {id}")));
    }
    let found = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM onthulling WHERE id = ?1"),
            params![id],
            from_row,
        )
        .optional()?;
    match found {
        Some(o) => Ok(o),
        None => Err(crate::Problem::with_next(
            crate::ProblemKind::NotFound,
            crate::Vervolg::Overzicht(crate::Overzicht::Verzoeken),
            format!("er is geen verzoek om identiteiten '{id}' in dit project"),
        )),
    }
}

/// Every request, oldest first (for the analist, key holder and privacy officer).
pub fn list(conn: &Db, user: &ActingAccount) -> Result<Vec<Onthulling>> {
    auth::authorize(user, Actie::OnthullingenBekijken, Object::Project)?;
    all(conn)
}

/// Every request, oldest first, unauthorised: for the core to find the approved request a
/// case's step needs (opening it is authorised, by [`open`]).
pub fn all(conn: &Db) -> Result<Vec<Onthulling>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM onthulling ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// One log record per person of the request (the standard asks for a line per data subject),
/// in the caller's transaction, so that the step and its record commit together.
fn log_step(
    tx: &TxDb,
    user: &ActingAccount,
    activity: &str,
    name: &str,
    o: &Onthulling,
) -> Result<()> {
    let now = clock::now();
    // One trace for the step, one record per person in it.
    let trace = crate::log::new_trace_id();
    for p in &o.pseudoniemen {
        let mut rec = LogRecord::new(name, &now, &now)
            .with_subject(p.clone())
            .with_attr("onthulling", o.id.clone())
            .with_attr("signaal", o.signaal.clone())
            .by(user);
        rec.trace_id = trace.clone();
        crate::log::append(tx, activity, rec)?;
    }
    Ok(())
}

/// An analist asks for the identities behind signal `signaal_id` (`RUN/NR`).
///
/// `linked` says which of the signal's persons the delivered data links to the signal's
/// address (registered, owner, tenant, an agency's address, partner of someone there): only
/// they are covered.
pub fn request(
    project: &mut Project,
    user: &ActingAccount,
    signaal_id: &str,
    reden: &str,
    linked: &dyn Fn(&crate::scan::Signal) -> Result<std::collections::HashSet<String>>,
) -> Result<Onthulling> {
    auth::authorize(user, Actie::OnthullingAanvragen, Object::Project)?;
    if reden.trim().chars().count() < MIN_REASON {
        crate::invalid!(
            "geef een geschreven reden van ten minste {MIN_REASON} tekens: waarom moeten de personen van dit signaal worden geïdentificeerd?"
        );
    }
    let Some(signal) = crate::scan::certified_signal(project.db(), signaal_id)? else {
        return Err(crate::Problem::with_next(
            crate::ProblemKind::NotFound,
            crate::Vervolg::Overzicht(crate::Overzicht::Signalen),
            format!(
                "er is geen signaal '{signaal_id}' (misschien is het vernietigd omdat de bewaartermijn voorbij is)"
            ),
        ));
    };
    if signal.pseudoniemen.is_empty() {
        crate::invalid!(
            "signaal {signaal_id} gaat over geen personen: er is niemand te identificeren"
        );
    }
    // Only persons the delivered data links to the address: an indicator that named someone
    // else there reveals no one it should not.
    let at_address = linked(&signal)?;
    let persons: Vec<String> = signal
        .persons()
        .filter(|p| at_address.contains(*p))
        .map(str::to_string)
        .collect();
    if persons.is_empty() {
        crate::invalid!(
            "geen van de personen van signaal {signaal_id} is in de geleverde gegevens aan het adres gekoppeld: er is niemand te identificeren"
        );
    }
    let n: i64 = project
        .db()
        .query_row("SELECT COUNT(*) FROM onthulling", [], |r| r.get(0))?;
    let o = Onthulling {
        id: format!("O{:04}", n + 1),
        signaal: signal.id(),
        pseudoniemen: persons,
        aanvrager: user.naam().to_string(),
        reden: reden.trim().to_string(),
        aangevraagd: clock::now(),
        status: "aangevraagd".to_string(),
        beoordelaar: None,
        toelichting: None,
        beoordeeld: None,
    };
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    tx.execute(
        "INSERT INTO onthulling (id, signaal, pseudoniemen, aanvrager, reden, aangevraagd, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![o.id, o.signaal, crate::lijst::encode(&o.pseudoniemen), o.aanvrager, o.reden, o.aangevraagd, o.status],
    )?;
    log_step(&tx, user, &activity, "onthulling.aanvraag", &o)?;
    tx.commit()?;
    Ok(o)
}

/// A key holder who is not the requester approves (`approve = true`) or refuses the request.
pub fn decide(
    project: &mut Project,
    user: &ActingAccount,
    id: &str,
    approve: bool,
    toelichting: &str,
) -> Result<Onthulling> {
    let o = get(project.db(), id)?;
    auth::authorize(user, Actie::OnthullingBeoordelen, o.object())?;
    if o.status != "aangevraagd" {
        crate::invalid!(
            "verzoek {id} is al {} door een sleutelhouder op {}",
            o.status,
            o.beoordeeld.as_deref().unwrap_or("?")
        );
    }
    if !approve && toelichting.trim().is_empty() {
        return Err(crate::Problem::invalid_in(
            &["toelichting"],
            "zeg in de toelichting waarom het verzoek wordt geweigerd: de analist moet ermee verder kunnen",
        ));
    }
    // Approved only while the signal is the one its run certified.
    if approve {
        crate::scan::certified_signal(project.db(), &o.signaal)?;
    }
    let status = if approve { "goedgekeurd" } else { "geweigerd" };
    let name = if approve {
        "onthulling.goedkeuring"
    } else {
        "onthulling.weigering"
    };
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    tx.execute(
        "UPDATE onthulling SET status = ?2, beoordelaar = ?3, toelichting = ?4, beoordeeld = ?5 WHERE id = ?1",
        params![id, status, user.naam(), toelichting.trim(), clock::now()],
    )?;
    let o = get(&tx, id)?;
    log_step(&tx, user, &activity, name, &o)?;
    tx.commit()?;
    Ok(o)
}

/// The persons `user` may now see the identities of, under request `id`; logs the view.
/// The caller looks them up in the identity vault and shows nothing else. `op_zaak`: the user
/// is on an open case that took in the request's signal (see [`Onthulling::object_on_case`]).
pub fn open(
    project: &mut Project,
    user: &ActingAccount,
    id: &str,
    op_zaak: bool,
) -> Result<Onthulling> {
    let o = get(project.db(), id)?;
    auth::authorize(user, Actie::OnthullingInzien, o.object_on_case(op_zaak))?;
    // A signal taken into an open case stays with the case, whatever the signal retention
    // did to its run.
    if !op_zaak && crate::scan::certified_signal(project.db(), &o.signaal)?.is_none() {
        crate::not_found!(
            "signaal {} van verzoek {id} is vernietigd omdat de bewaartermijn voorbij is; de personen ervan zijn niet meer te identificeren",
            o.signaal
        );
    }
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    log_step(&tx, user, &activity, "onthulling.inzien", &o)?;
    tx.commit()?;
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Rol;

    /// A request covers only the signal's persons whom the delivered data link to its address;
    /// with none of them linked there is nobody to identify.
    #[test]
    fn a_request_covers_only_persons_linked_to_the_address() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = crate::project::test_project(&dir.path().join("p"));
        crate::certificaat::create_schema(p.db()).unwrap();
        let tx = p.begin().unwrap();
        crate::auth::add_account(
            &tx,
            None,
            "beheer",
            Rol::Beheerder,
            None,
            "een lang wachtwoord",
        )
        .unwrap();
        tx.commit().unwrap();
        let b = crate::auth::authenticate(p.db(), "beheer", "een lang wachtwoord").unwrap();
        let tx = p.begin().unwrap();
        crate::auth::add_account(
            &tx,
            Some(&b),
            "analist",
            Rol::Analist,
            None,
            "een lang wachtwoord",
        )
        .unwrap();
        tx.commit().unwrap();
        let analist = crate::auth::authenticate(p.db(), "analist", "een lang wachtwoord").unwrap();
        let signal = crate::scan::Signal {
            run_id: "S0001-x".into(),
            nr: 1,
            indicator: "OVB-01".into(),
            versie: 1,
            thema: loep_contract::Thema::Overbewoning,
            vbo_id: loep_contract::BagId::vbo("0392010000000001").unwrap(),
            buurtcode: None,
            pseudoniemen: vec!["a".into(), "b".into()],
            feiten: Default::default(),
            uitleg: "test".into(),
            sterkte: 1.0,
            partners: vec![loep_contract::Partner::Gemeente],
        };
        let run = crate::scan::ScanRun {
            run_id: "S0001-x".into(),
            tijdstip: crate::clock::now(),
            indicatoren: "[]".into(),
            bronnen: "{}".into(),
            signalen: 1,
            adressen: 1,
        };
        let c = crate::certificaat::Certificaat::new(&run, std::slice::from_ref(&signal)).unwrap();
        let tx = p.begin().unwrap();
        let sha =
            crate::scan::insert_run(&tx, &run, std::slice::from_ref(&signal), &[], &c).unwrap();
        let now = crate::clock::now();
        crate::log::append(
            &tx,
            "test",
            crate::LogRecord::new("scan", &now, &now)
                .with_attr("run_id", run.run_id.clone())
                .with_attr("certificaat", sha),
        )
        .unwrap();
        tx.commit().unwrap();

        let reden = "Huisbezoek voorbereiden: wie woont er echt?";
        let only_a = |_: &crate::scan::Signal| -> Result<std::collections::HashSet<String>> {
            Ok(["a".to_string()].into_iter().collect())
        };
        let o = request(&mut p, &analist, "S0001-x/1", reden, &only_a).unwrap();
        assert_eq!(o.pseudoniemen, ["a"]);
        let nobody = |_: &crate::scan::Signal| -> Result<std::collections::HashSet<String>> {
            Ok(Default::default())
        };
        let e = request(&mut p, &analist, "S0001-x/1", reden, &nobody).unwrap_err();
        assert!(e.to_string().contains("niemand te identificeren"), "{e}");
    }
}
