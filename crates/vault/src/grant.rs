//! The capability to read identities, and the reading itself.

use anyhow::Result;
use loep_contract::Bsn;
use loep_store::auth::{self, Actie, ActingAccount, Object};
use loep_store::{Project, deliveries, reveal};
use serde::Serialize;
use std::collections::HashSet;

use crate::format::{Soort, for_each_row};

/// Permission to read the identities of some persons. It has no public constructor: only an
/// approved request for identities opened by an account that may see it, or an access request
/// by an account that may answer one, produces a grant.
#[derive(Debug)]
pub struct Grant {
    pseudonyms: Vec<String>,
}

impl Grant {
    /// Opens the approved request `id` for `user` (authorised and logged by the store, one
    /// record per person) and grants its persons. `op_zaak`: the user holds a role on an open
    /// case that took in the request's signal, as the case register answers (the application
    /// core asks it; nothing else reaches the vault).
    pub fn for_reveal(
        project: &mut Project,
        user: &ActingAccount,
        id: &str,
        op_zaak: bool,
    ) -> Result<(reveal::Onthulling, Grant)> {
        let o = reveal::open(project, user, id, op_zaak)?;
        let grant = Grant {
            pseudonyms: o.pseudoniemen.clone(),
        };
        Ok((o, grant))
    }

    /// An access request about the person with `bsn`, by an account that may answer one.
    pub fn for_access_request(project: &Project, user: &ActingAccount, bsn: &str) -> Result<Grant> {
        auth::authorize(user, Actie::InzageOpstellen, Object::Project)?;
        let bsn = match Bsn::parse(bsn) {
            Ok(b) => b,
            Err(e) => {
                return Err(loep_store::Problem::invalid_in(
                    &["bsn"],
                    format!("BSN '{bsn}': {e}"),
                ));
            }
        };
        Ok(Grant {
            pseudonyms: vec![project.pseudonymiser()?.pseudonym_hex(bsn)],
        })
    }

    /// The persons granted, as pseudonyms.
    pub fn pseudonyms(&self) -> &[String] {
        &self.pseudonyms
    }
}

/// A person as the BRP knows them: what an approved request reveals.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Identiteit {
    pub pseudoniem: String,
    pub bsn: Option<String>,
    pub voornamen: Option<String>,
    pub voorvoegsel: Option<String>,
    pub geslachtsnaam: Option<String>,
    pub geboortedatum: Option<String>,
}

/// The identities a grant allows (in its order): name and date of birth from the current
/// BRP, the BSN from the vault's maps.
pub fn identities(project: &Project, grant: &Grant) -> Result<Vec<Identiteit>> {
    let pseudonyms = &grant.pseudonyms;
    let wanted: HashSet<&str> = pseudonyms.iter().map(String::as_str).collect();
    let mut found: rustc_hash::FxHashMap<String, Identiteit> = pseudonyms
        .iter()
        .map(|p| {
            (
                p.clone(),
                Identiteit {
                    pseudoniem: p.clone(),
                    ..Identiteit::default()
                },
            )
        })
        .collect();
    let conn = project.db();
    let vault = crate::Vault::open(&project.layout)?;
    if let Some(brp) = deliveries::current_snapshot(conn, "brp_persoon")?
        && let Some(file) = vault.file(&brp.snapshot_id, Soort::Identiteit)?
    {
        for_each_row(
            &project.layout.dir.join(file),
            &crate::format::BRP_IDENTITY,
            |r| {
                let key = r[0].unwrap_or_default();
                if wanted.contains(key)
                    && let Some(id) = found.get_mut(key)
                {
                    id.voornamen = r[1].map(str::to_string);
                    id.voorvoegsel = r[2].map(str::to_string);
                    id.geslachtsnaam = r[3].map(str::to_string);
                    id.geboortedatum = r[4].map(str::to_string);
                }
                Ok(())
            },
        )?;
    }
    let mut missing: HashSet<&str> = wanted.clone();
    for s in deliveries::all_snapshots(conn)? {
        if missing.is_empty() {
            break;
        }
        let Some(file) = vault.file(&s.snapshot_id, Soort::Bsn)? else {
            continue;
        };
        for_each_row(
            &project.layout.dir.join(file),
            &["pseudoniem", "bsn"],
            |r| {
                let p = r[0].unwrap_or_default();
                if missing.remove(p)
                    && let Some(id) = found.get_mut(p)
                {
                    id.bsn = r[1].map(str::to_string);
                }
                Ok(())
            },
        )?;
    }
    Ok(pseudonyms.iter().filter_map(|p| found.remove(p)).collect())
}
