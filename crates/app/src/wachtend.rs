//! "What is waiting for me": per account, the work that waits for it, from what its role may
//! see: requests to decide, cases to route, visits planned, reports to read, deliveries with
//! refused rows, accounts to confirm, and the integrity alarm.

use loep_store::auth::{AccountStatus, Actie};
use loep_store::deliveries;

use crate::error::Result;
use crate::session::Session;

/// One thing that waits, in words, and where to do it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Wachtend {
    pub tekst: String,
    pub link: String,
}

fn aantal(n: usize, een: &str, meer: &str) -> String {
    if n == 1 {
        format!("1 {een}")
    } else {
        format!("{n} {meer}")
    }
}

/// What waits for the session's account, the most pressing first; empty when nothing does.
/// `zaken_per_status` are the account's cases per status as [`crate::zaken::per_status`]
/// counts them, when the front end keeps them; otherwise they are counted here.
pub fn wachtend(
    session: &Session,
    zaken_per_status: Option<&[(String, usize, usize)]>,
) -> Result<Vec<Wachtend>> {
    let mut out = Vec::new();
    alarm(session, &mut out)?;
    requests_for_identities(session, &mut out)?;
    doubtful_links(session, &mut out)?;
    accounts(session, &mut out)?;
    cases(session, zaken_per_status, &mut out)?;
    residents_reports(session, &mut out)?;
    refused_rows(session, &mut out)?;
    Ok(out)
}

/// The integrity alarm, for who checks the log.
fn alarm(session: &Session, out: &mut Vec<Wachtend>) -> Result<()> {
    if session.may(Actie::LogControleren)
        && loep_store::integrity::alarm(&session.project.layout)?.is_some()
    {
        out.push(Wachtend {
            tekst: "Het integriteitsalarm staat: het verwerkingslog of de rijen die toegang geven of iets beslissen zijn buiten loep om gewijzigd, en verwerking is gestopt tot u het hebt bekeken (`loep log verify`, daarna `loep log herstel --reden`).".into(),
            link: "/verwerkingslog".into(),
        });
    }
    Ok(())
}

/// Requests for identities to decide on, and the account's own approved ones.
fn requests_for_identities(session: &Session, out: &mut Vec<Wachtend>) -> Result<()> {
    let naam = session.user().naam().to_string();
    if session.may(Actie::OnthullingenBekijken) {
        let verzoeken = crate::reveal::list(session)?;
        if session.may(Actie::OnthullingBeoordelen) {
            let n = verzoeken
                .iter()
                .filter(|o| o.status == "aangevraagd" && o.aanvrager != naam)
                .count();
            if n > 0 {
                out.push(Wachtend {
                    tekst: format!(
                        "{} op uw besluit.",
                        aantal(
                            n,
                            "verzoek om identiteiten wacht",
                            "verzoeken om identiteiten wachten"
                        )
                    ),
                    link: "/onthullingen".into(),
                });
            }
        }
        let goedgekeurd = verzoeken
            .iter()
            .filter(|o| o.status == "goedgekeurd" && o.aanvrager == naam)
            .count();
        if goedgekeurd > 0 && session.may(Actie::OnthullingAanvragen) {
            out.push(Wachtend {
                tekst: format!(
                    "{}: u kunt de identiteiten bekijken.",
                    aantal(
                        goedgekeurd,
                        "verzoek van u is goedgekeurd",
                        "verzoeken van u zijn goedgekeurd"
                    )
                ),
                link: "/onthullingen".into(),
            });
        }
    }
    Ok(())
}

/// Doubtful links by name to confirm, or to propose a decision on.
fn doubtful_links(session: &Session, out: &mut Vec<Wachtend>) -> Result<()> {
    if session.may(Actie::KoppelingBevestigen) || session.may(Actie::KoppelingVoorstellen) {
        // A log the check refuses is the integrity alarm's to report (for those who may see
        // it); the landing page still opens.
        let voorstellen =
            loep_intake::beoordeling::voorstellen(&session.project).unwrap_or_default();
        let open = voorstellen
            .iter()
            .filter(|v| v.stand == loep_intake::beoordeling::Stand::Open)
            .count();
        if session.may(Actie::KoppelingBevestigen) && open > 0 {
            out.push(Wachtend {
                tekst: format!(
                    "{} op uw bevestiging.",
                    aantal(
                        open,
                        "voorstel over een twijfelachtige koppeling wacht",
                        "voorstellen over twijfelachtige koppelingen wachten"
                    )
                ),
                link: "/koppelingen".into(),
            });
        }
        if session.may(Actie::KoppelingVoorstellen) {
            // From the linkage run's counts: the page reads the pairs themselves.
            let te_beoordelen: u64 = deliveries::current_koppeling(session.project.db())?
                .and_then(|k| serde_json::from_str::<loep_intake::LinkReport>(&k.samenvatting).ok())
                .map(|r| r.personen.iter().map(|p| p.beoordelen).sum())
                .unwrap_or(0);
            let n = (te_beoordelen as usize).saturating_sub(open);
            if n > 0 {
                out.push(Wachtend {
                    tekst: format!(
                        "{} op een voorstel van u (koppelen of niet).",
                        aantal(
                            n,
                            "twijfelachtige koppeling op naam wacht",
                            "twijfelachtige koppelingen op naam wachten"
                        )
                    ),
                    link: "/koppelingen".into(),
                });
            }
        }
    }
    Ok(())
}

/// Accounts waiting for confirmation, and locked accounts.
fn accounts(session: &Session, out: &mut Vec<Wachtend>) -> Result<()> {
    let naam = session.user().naam().to_string();
    if session.may(Actie::GebruikersBekijken) {
        let accounts = crate::accounts::list(session)?;
        if session.may(Actie::GebruikersBevestigen) {
            let n = accounts
                .iter()
                .filter(|a| a.status == AccountStatus::WachtOpBevestiging && a.naam != naam)
                .count();
            if n > 0 {
                out.push(Wachtend {
                    tekst: format!(
                        "{} op uw bevestiging (sleutelhouder of functionaris gegevensbescherming).",
                        aantal(n, "account wacht", "accounts wachten")
                    ),
                    link: "/accounts".into(),
                });
            }
        }
        if session.may(Actie::GebruikersBeheren) {
            let n = accounts
                .iter()
                .filter(|a| a.status == AccountStatus::Geblokkeerd)
                .count();
            if n > 0 {
                out.push(Wachtend {
                    tekst: format!(
                        "{} na mislukte inlogpogingen; u kunt de blokkade opheffen als de eigenaar het was.",
                        aantal(n, "account is geblokkeerd", "accounts zijn geblokkeerd")
                    ),
                    link: "/accounts".into(),
                });
            }
        }
    }
    Ok(())
}

/// New cases to route, and planned visits to record. `zaken_per_status` as for [`wachtend`].
fn cases(
    session: &Session,
    zaken_per_status: Option<&[(String, usize, usize)]>,
    out: &mut Vec<Wachtend>,
) -> Result<()> {
    if session.may(Actie::ZakenBekijken) {
        let counted;
        let per_status = match zaken_per_status {
            Some(p) => p,
            None => {
                counted = crate::zaken::per_status(session)?;
                &counted[..]
            }
        };
        let met = |status: &str| {
            per_status
                .iter()
                .find(|(code, _, _)| code == status)
                .map_or(0, |(_, n, _)| *n)
        };
        if session.may(Actie::ZaakToewijzen) {
            let n = met("nieuw");
            if n > 0 {
                out.push(Wachtend {
                    tekst: format!(
                        "{} op toewijzing aan partners.",
                        aantal(n, "nieuwe zaak wacht", "nieuwe zaken wachten")
                    ),
                    link: "/zaken?status=nieuw".into(),
                });
            }
        }
        if session.may(Actie::HuisbezoekVastleggen) {
            let n = met("huisbezoek_gepland");
            if n > 0 {
                out.push(Wachtend {
                    tekst: format!(
                        "{}: leg na afloop vast wat er is aangetroffen.",
                        aantal(n, "huisbezoek is gepland", "huisbezoeken zijn gepland")
                    ),
                    link: "/zaken?status=huisbezoek_gepland".into(),
                });
            }
        }
    }
    Ok(())
}

/// Residents' reports not yet taken up.
fn residents_reports(session: &Session, out: &mut Vec<Wachtend>) -> Result<()> {
    if session.may(Actie::SignalenBekijken) {
        let n = crate::melden::list(session)?
            .iter()
            .filter(|m| m.status == "ontvangen")
            .count();
        if n > 0 {
            out.push(Wachtend {
                tekst: format!(
                    "{} nog op behandeling.",
                    aantal(
                        n,
                        "melding van een bewoner wacht",
                        "meldingen van bewoners wachten"
                    )
                ),
                link: "/meldingen".into(),
            });
        }
    }
    Ok(())
}

/// Refused rows in the latest delivery, for who loads deliveries.
fn refused_rows(session: &Session, out: &mut Vec<Wachtend>) -> Result<()> {
    if session.may(Actie::LeveringLaden)
        && let Some((d, Some(rapport))) = crate::intake::latest_delivery(session)?
    {
        let afgewezen = rapport["afwijzingen_totaal"].as_u64().unwrap_or(0);
        if afgewezen > 0 {
            out.push(Wachtend {
                tekst: format!(
                    "In de laatste levering ({}) {}: stuur het verslag naar de partner om die rijen te verbeteren.",
                    d.levering_id,
                    if afgewezen == 1 {
                        "is 1 waarde afgewezen".to_string()
                    } else {
                        format!("zijn {afgewezen} waarden afgewezen")
                    }
                ),
                link: "/leveringen".into(),
            });
        }
    }
    Ok(())
}
