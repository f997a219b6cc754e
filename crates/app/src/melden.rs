//! Residents' reports: the public form files a report about an address in the BAG and gives a
//! follow-up code; the code shows the report's state and nothing else. The team (analist,
//! projectleider) reads the reports and moves them on.
//!
//! The public use cases need no account: they can only add a report and read the state of the
//! report whose code is given. They open the project as every writer does (the vault attached,
//! the integrity checks first) and refuse when the project may not process (not approved, or
//! outside its period).

use loep_intake::koppeling::{AddressIndex, AddressMatch, BagAddress, Unmatched};
use loep_store::Project;
use loep_store::auth::Actie;
use std::collections::HashMap;
use std::path::Path;

pub use loep_store::burgermelding::{
    Burgermelding, CATEGORIEEN, Formulier, MAX_OMSCHRIJVING, STATUSSEN, Stand,
};

use crate::error::{AppError, Result};
use crate::session::Session;

/// Finds the BAG object of an address as a resident types it (`Kerkstraat 12a`,
/// `2011 AB 12`, `Kerkstr. 12-2hoog`), in the project's current BAG snapshot.
pub struct Adresvinder {
    index: AddressIndex,
    /// vbo_id → the address written out.
    written: HashMap<String, String>,
}

impl Adresvinder {
    /// The finder over the project's current BAG snapshot (empty without one), and that
    /// snapshot's id.
    pub fn of(dir: &Path) -> Result<(Adresvinder, Option<String>)> {
        let project = Project::open_read_only(dir)?;
        let objects = loep_intake::koppeling::bag_addresses(&project)?;
        Ok((Adresvinder::new(objects), bag_snapshot_of(&project)?))
    }

    fn new(objects: Vec<BagAddress>) -> Adresvinder {
        let written = objects
            .iter()
            .map(|o| {
                let mut a = format!("{} {}", o.openbare_ruimte, o.huisnummer);
                if let Some(l) = &o.huisletter {
                    a.push_str(l);
                }
                if let Some(t) = &o.toevoeging {
                    a.push('-');
                    a.push_str(t);
                }
                (
                    o.vbo_id.clone(),
                    format!("{a}, {} {}", o.postcode, o.woonplaats),
                )
            })
            .collect();
        Adresvinder {
            index: AddressIndex::new(objects),
            written,
        }
    }

    /// The object and its address written out, or what to change, in plain Dutch.
    pub fn find(&self, text: &str) -> std::result::Result<(String, String), String> {
        if text.trim().is_empty() {
            return Err(
                "Vul het adres in: straat en huisnummer, of postcode en huisnummer.".into(),
            );
        }
        match self.index.find(text) {
            AddressMatch::Matched { vbo_id, .. } => {
                let w = self
                    .written
                    .get(&vbo_id)
                    .cloned()
                    .unwrap_or_else(|| vbo_id.clone());
                Ok((vbo_id, w))
            }
            AddressMatch::Unmatched { reason } => Err(match reason {
                Unmatched::NoNumber => "Er staat geen huisnummer in het adres. Schrijf bijvoorbeeld: Kerkstraat 12a.",
                Unmatched::StreetUnknown => "Deze straat of postcode kennen we niet in het gebied van dit meldpunt. Controleer de schrijfwijze, of gebruik postcode en huisnummer.",
                Unmatched::NumberNotFound => "Dit huisnummer bestaat niet in deze straat of postcode. Controleer het nummer.",
                Unmatched::Ambiguous => "Er passen meerdere adressen. Voeg de huisletter of toevoeging toe (bijvoorbeeld 12a of 12-2).",
            }
            .to_string()),
        }
    }
}

pub(crate) fn bag_snapshot_of(project: &Project) -> Result<Option<String>> {
    Ok(
        loep_store::deliveries::current_snapshot(project.db(), "bag_verblijfsobject")?
            .map(|s| s.snapshot_id),
    )
}

/// The id of the project's current BAG snapshot: a finder made from another is out of date.
pub fn bag_snapshot(dir: &Path) -> Result<Option<String>> {
    bag_snapshot_of(&Project::open_read_only(dir)?)
}

/// A filed report: its id and the follow-up code, shown to the resident once.
pub struct Ontvangen {
    pub melding_id: String,
    pub code: String,
}

/// Opens the project for a public use case: as a writer, checked, and only while it may
/// process.
fn open_public(dir: &Path) -> Result<Project> {
    let mut project = Project::open(dir)?;
    crate::session::attach_vault(&mut project)?;
    crate::session::guard(&mut project)?;
    if project.ensure_may_process().is_err() {
        return Err(AppError::refused(
            "Dit meldpunt neemt nu geen meldingen aan. Bel de gemeente op 14 + netnummer als u iets wilt melden.",
        ));
    }
    Ok(project)
}

/// Files a report about the BAG object `vbo_id` the resident confirmed for `adres`.
pub fn file(
    dir: &Path,
    vinder: &Adresvinder,
    adres: &str,
    vbo_id: &str,
    categorie: &str,
    omschrijving: &str,
) -> Result<Ontvangen> {
    // The confirmed object must still be what the typed address finds.
    match vinder.find(adres) {
        Ok((found, _)) if found == vbo_id => {}
        Ok(_) => {
            return Err(AppError::invalid(
                "Het adres is veranderd sinds u het bevestigde; bevestig het opnieuw.",
            ));
        }
        Err(why) => return Err(AppError::invalid(why)),
    }
    // What the address finder found is an object of the BAG snapshot, checked when it was
    // loaded.
    let vbo_id = loep_contract::BagId::vbo(vbo_id).map_err(|_| {
        AppError::invalid("Het adres is veranderd sinds u het bevestigde; bevestig het opnieuw.")
    })?;
    let mut project = open_public(dir)?;
    let (melding_id, code) =
        loep_store::burgermelding::file(&mut project, adres, vbo_id, categorie, omschrijving)?;
    Ok(Ontvangen { melding_id, code })
}

/// The state of the report with this follow-up code (`None`: no report has it).
pub fn stand(dir: &Path, code: &str) -> Result<Option<Stand>> {
    let project = Project::open_read_only(dir)?;
    Ok(loep_store::burgermelding::stand(&project, code)?)
}

/// The residents' reports, the newest first (analist, projectleider).
pub fn list(session: &Session) -> Result<Vec<Burgermelding>> {
    session.authorize(Actie::SignalenBekijken)?;
    Ok(loep_store::burgermelding::list(session.project.db())?)
}

pub use loep_scan::meldingen::GeleverdeMelding;

/// The reports the municipality delivered, the newest first; with `at`, those the linkage put
/// at that BAG object (analist, projectleider). Beside [`list`]: one register of reports.
pub fn delivered(
    session: &Session,
    at: Option<loep_contract::BagId>,
) -> Result<Vec<GeleverdeMelding>> {
    session.authorize(Actie::SignalenBekijken)?;
    let sources = loep_scan::Sources::of(&session.project)?;
    Ok(loep_scan::meldingen::delivered(&sources, at)?)
}

/// The reports about one address.
pub fn at(session: &Session, vbo_id: loep_contract::BagId) -> Result<Vec<Burgermelding>> {
    session.authorize(Actie::SignalenBekijken)?;
    Ok(loep_store::burgermelding::at(session.project.db(), vbo_id)?)
}

/// Moves a report on (`in_behandeling`, `afgerond`): what the resident then reads with the
/// code.
pub fn set_status(session: &mut Session, id: &str, status: &str) -> Result<Burgermelding> {
    // Those who may read the reports and handle cases: the analist and the projectleider.
    session.authorize(Actie::SignalenBekijken)?;
    session.authorize(Actie::ZaakBehandelen)?;
    Ok(loep_store::burgermelding::set_status(
        &mut session.project,
        id,
        status,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(vbo: &str, straat: &str, nr: u32, letter: Option<&str>) -> BagAddress {
        BagAddress {
            vbo_id: vbo.into(),
            openbare_ruimte: straat.into(),
            huisnummer: nr,
            huisletter: letter.map(str::to_string),
            toevoeging: None,
            postcode: "2011AB".into(),
            woonplaats: "Haarlem".into(),
        }
    }

    #[test]
    fn a_typed_address_is_found_or_the_resident_is_told_what_to_change() {
        let v = Adresvinder::new(vec![
            object("0392010000000001", "Kerkstraat", 12, None),
            object("0392010000000002", "Kerkstraat", 14, Some("A")),
            object("0392010000000003", "Kerkstraat", 14, Some("B")),
        ]);
        let (vbo, w) = v.find("kerkstr. 12").unwrap();
        assert_eq!(vbo, "0392010000000001");
        assert_eq!(w, "Kerkstraat 12, 2011AB Haarlem");
        assert_eq!(v.find("2011 AB 14a").unwrap().0, "0392010000000002");
        assert!(v.find("Kerkstraat").unwrap_err().contains("huisnummer"));
        assert!(
            v.find("Kerkstraat 99")
                .unwrap_err()
                .contains("bestaat niet")
        );
        assert!(
            v.find("Molenweg 3")
                .unwrap_err()
                .contains("straat of postcode")
        );
        assert!(v.find("").is_err());
    }
}
