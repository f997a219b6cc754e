//! Clerical review of links by name, with four eyes (see `loep_intake::beoordeling`): the
//! analist proposes, the key holder confirms or turns down, and a confirmation links anew at
//! once so that the next scan reads it.

use loep_intake::beoordeling::{self, Kandidaat, Stand, Voorstel};

pub use loep_intake::beoordeling::{Besluit, Paar};
use loep_store::auth::Actie;
use std::collections::{HashMap, HashSet};

pub use loep_intake::beoordeling::GRONDEN;
pub use loep_scan::rollen::Stap;

use crate::error::{AppError, Result};
use crate::session::Session;

/// One pair as the reviewers see it: no names (the reviewers judge by what agreed and what
/// did not, as the linkage weighed it), the record's address written out.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Regel {
    pub kandidaat: Kandidaat,
    /// The source in words.
    pub bron: String,
    pub adres: Option<String>,
    /// The linkage's waterfall in words, step by step.
    pub stappen: Vec<Stap>,
    /// The proposal that waits for a second person.
    pub open: Option<Voorstel>,
    /// The last confirmed decision about the pair.
    pub besloten: Option<Voorstel>,
}

/// The review page: one page of the pairs, and what the account may do.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Overzicht {
    pub regels: Vec<Regel>,
    /// All pairs on all pages.
    pub totaal: usize,
    pub pagina: usize,
    pub paginas: usize,
    pub mag_voorstellen: bool,
    pub mag_bevestigen: bool,
}

/// The pairs per page of [`overzicht`].
pub const PER_PAGINA: usize = 50;

fn may_see(session: &Session) -> Result<()> {
    if session.may(Actie::KoppelingVoorstellen) {
        return Ok(());
    }
    session.authorize(Actie::KoppelingBevestigen)
}

/// One page of the pairs of the current linkage run to review or reviewed, with their
/// proposals: open proposals first (a proposal whose pair a newer run no longer has is
/// listed too, so that it can be turned down), then the pairs to review, most probable first,
/// then those decided.
pub fn overzicht(session: &Session, pagina: usize) -> Result<Overzicht> {
    may_see(session)?;
    let mut kandidaten = beoordeling::kandidaten(&session.project)?;
    let voorstellen = beoordeling::voorstellen(&session.project)?;
    let mut open: HashMap<Paar, Voorstel> = HashMap::new();
    let mut besloten: HashMap<Paar, Voorstel> = HashMap::new();
    for v in voorstellen {
        match v.stand {
            Stand::Open => {
                open.insert(v.paar.clone(), v);
            }
            // In the log's order: the last decision about a pair stands.
            Stand::Bevestigd => {
                besloten.insert(v.paar.clone(), v);
            }
            Stand::Afgewezen => {}
        }
    }
    let paar = |k: &Kandidaat| Paar {
        bron: k.bron.clone(),
        record_key: k.record_key.clone(),
        pseudoniem: k.pseudoniem.clone(),
    };
    let current: HashSet<Paar> = kandidaten.iter().map(paar).collect();
    for p in open.keys() {
        if !current.contains(p) {
            kandidaten.push(Kandidaat {
                bron: p.bron.clone(),
                record_key: p.record_key.clone(),
                pseudoniem: p.pseudoniem.clone(),
                kans: 0.0,
                status: STALE.to_string(),
                vbo_id: None,
                uitleg: None,
            });
        }
    }
    let rank = |k: &Kandidaat| {
        if open.contains_key(&paar(k)) {
            0
        } else if k.status == "beoordelen" {
            1
        } else {
            2
        }
    };
    kandidaten.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| b.kans.total_cmp(&a.kans))
            .then_with(|| a.record_key.cmp(&b.record_key))
    });
    let totaal = kandidaten.len();
    let paginas = totaal.div_ceil(PER_PAGINA).max(1);
    let pagina = pagina.clamp(1, paginas);
    let kandidaten: Vec<Kandidaat> = kandidaten
        .into_iter()
        .skip((pagina - 1) * PER_PAGINA)
        .take(PER_PAGINA)
        .collect();
    let wanted: HashSet<String> = kandidaten
        .iter()
        .filter_map(|k| k.vbo_id.map(|v| v.to_string()))
        .collect();
    let adressen = if wanted.is_empty() {
        None
    } else {
        let sources = loep_scan::Sources::of(&session.project)?;
        Some(loep_scan::address::addresses(&sources, &|v| {
            wanted.contains(v)
        })?)
    };
    let regels = kandidaten
        .into_iter()
        .map(|k| {
            let p = paar(&k);
            Regel {
                bron: crate::inzage::labels::table(&k.bron)
                    .unwrap_or(k.bron.as_str())
                    .to_string(),
                adres: k
                    .vbo_id
                    .and_then(|v| adressen.as_ref()?.adres(&v).map(str::to_string)),
                stappen: k
                    .uitleg
                    .as_deref()
                    .map(loep_scan::rollen::steps)
                    .unwrap_or_default(),
                open: open.get(&p).cloned(),
                besloten: besloten.get(&p).cloned(),
                kandidaat: k,
            }
        })
        .collect();
    Ok(Overzicht {
        regels,
        totaal,
        pagina,
        paginas,
        mag_voorstellen: session.may(Actie::KoppelingVoorstellen),
        mag_bevestigen: session.may(Actie::KoppelingBevestigen),
    })
}

/// The status of a pair an open proposal names but the current linkage run no longer holds
/// (its record left the delivery, or a sure link replaced it).
pub const STALE: &str = "niet meer in de koppeling";

/// The analist proposes to link the pair or not, on a ground from [`GRONDEN`] (which says
/// which); returns the proposal's number.
pub fn voorstellen(session: &mut Session, paar: &Paar, grond: &str) -> Result<i64> {
    session.authorize(Actie::KoppelingVoorstellen)?;
    let Some((besluit, _, _)) = GRONDEN.iter().find(|g| g.1 == grond) else {
        return Err(AppError::invalid(format!(
            "'{grond}' is geen grond: kies er een uit de lijst"
        )));
    };
    Ok(beoordeling::propose(
        &mut session.project,
        &session.user,
        paar,
        *besluit,
        grond,
    )?)
}

/// The key holder confirms proposal `nr` or turns it down. A confirmation links anew at once:
/// the decided pair is linked (or kept apart) from now on, and the next scan reads it. The
/// decision stands even when linking anew fails (the vault's storage absent, say): every
/// later linkage run applies it, and the returned warning says so.
pub fn beslissen(
    session: &mut Session,
    nr: i64,
    bevestigen: bool,
) -> Result<(Voorstel, Option<String>)> {
    session.authorize(Actie::KoppelingBevestigen)?;
    let v = beoordeling::decide(&mut session.project, &session.user, nr, bevestigen)?;
    let mut waarschuwing = None;
    if bevestigen && let Err(e) = loep_intake::link_project(&mut session.project) {
        waarschuwing = Some(format!(
            "Het besluit is vastgelegd, maar opnieuw koppelen lukte nu niet ({e}); de volgende koppeling (na een levering) past het toe."
        ));
    }
    Ok((v, waarschuwing))
}
