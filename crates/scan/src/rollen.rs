//! What links persons to one address, from the pseudonymous analysis data and the linkage:
//! registered there (BRP, now or before), owner (Kadaster), tenant (a corporation's contract,
//! linked by name and date of birth), a one-man business there (KvK), or the address a tax,
//! allowance or benefit agency holds for them. For the persons a reveal shows: who is who at the
//! address the team will visit.
//!
//! Reads only the columns it needs, one pass per table, and keeps only the rows of the address
//! and the persons asked for.

use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::address::{read, text};
use crate::engine::Sources;

/// A person's roles at the address, in plain Dutch, each naming its source: by pseudonym, the
/// roles in the order of the sources (the BRP first), each with that order.
pub type Rollen = BTreeMap<String, BTreeSet<(u8, String)>>;

/// Calls `each` with the values of `columns` (as text) of every row of `table` whose `vbo_id`
/// is `vbo_id`.
fn rows_at(
    sources: &Sources,
    table: &str,
    vbo_id: &str,
    columns: &[&str],
    mut each: impl FnMut(&[Option<&str>]),
) -> Result<()> {
    let Some((_, path)) = sources.tables.get(table) else {
        return Ok(());
    };
    let mut wanted = vec!["vbo_id"];
    wanted.extend_from_slice(columns);
    read(path, &wanted, |batch| {
        let vbo = text(batch, "vbo_id")?;
        let cols = columns
            .iter()
            .map(|c| text(batch, c))
            .collect::<Result<Vec<_>>>()?;
        let mut values: Vec<Option<&str>> = vec![None; cols.len()];
        for i in 0..batch.num_rows() {
            if vbo.get(i) != Some(vbo_id) {
                continue;
            }
            for (slot, c) in values.iter_mut().zip(&cols) {
                *slot = c.get(i);
            }
            each(&values);
        }
        Ok(())
    })
}

/// The roles at `vbo_id` of each of `persons` (pseudonyms); a person without any has none in
/// the map.
pub fn at(sources: &Sources, vbo_id: &str, persons: &HashSet<&str>) -> Result<Rollen> {
    let mut out = Rollen::new();
    let mut add = |p: Option<&str>, order: u8, rol: String| {
        if let Some(p) = p.filter(|p| persons.contains(p)) {
            out.entry(p.to_string()).or_default().insert((order, rol));
        }
    };
    rows_at(
        sources,
        "brp_persoon",
        vbo_id,
        &["pseudoniem", "functie_adres", "datum_aanvang_adreshouding"],
        |r| {
            let sinds = r[2]
                .map(|d| format!(" sinds {}", loep_contract::nl::datum(d)))
                .unwrap_or_default();
            let rol = match r[1] {
                Some("B") => format!("briefadres hier (BRP){sinds}"),
                _ => format!("bewoner: ingeschreven op dit adres (BRP){sinds}"),
            };
            add(r[0], 0, rol);
        },
    )?;
    rows_at(
        sources,
        "brp_verblijf_historie",
        vbo_id,
        &["pseudoniem", "datum_aanvang", "datum_einde"],
        |r| {
            if let Some(einde) = r[2] {
                add(
                    r[0],
                    1,
                    format!(
                        "eerder ingeschreven op dit adres (BRP, {} tot {})",
                        r[1].map_or("?".to_string(), loep_contract::nl::datum),
                        loep_contract::nl::datum(einde)
                    ),
                );
            }
        },
    )?;
    rows_at(
        sources,
        "kad_eigendom",
        vbo_id,
        &["eigenaar_pseudoniem", "aandeel"],
        |r| {
            let rol = match r[1] {
                Some(a) if a != "1/1" => format!("eigenaar (Kadaster, aandeel {a})"),
                _ => "eigenaar (Kadaster)".to_string(),
            };
            add(r[0], 2, rol);
        },
    )?;
    rows_at(
        sources,
        "kvk_vestiging",
        vbo_id,
        &["eigenaar_pseudoniem", "datum_uitschrijving"],
        |r| {
            let rol = match r[1] {
                None => "eigenaar van een eenmanszaak op dit adres (KvK)".to_string(),
                Some(d) => format!(
                    "had tot {} een eenmanszaak op dit adres (KvK)",
                    loep_contract::nl::datum(d)
                ),
            };
            add(r[0], 3, rol);
        },
    )?;
    rows_at(
        sources,
        "bd_inkomen",
        vbo_id,
        &["pseudoniem", "belastingjaar"],
        |r| {
            add(
                r[0],
                5,
                format!("adres volgens de Belastingdienst ({})", r[1].unwrap_or("?")),
            )
        },
    )?;
    rows_at(
        sources,
        "bd_toeslag",
        vbo_id,
        &["pseudoniem", "regeling", "jaar"],
        |r| {
            add(
                r[0],
                6,
                format!(
                    "adres volgens Toeslagen ({} {})",
                    r[1].unwrap_or("toeslag").replace('_', " "),
                    r[2].unwrap_or("?")
                ),
            )
        },
    )?;
    rows_at(
        sources,
        "svb_uitkering",
        vbo_id,
        &["pseudoniem", "regeling"],
        |r| {
            add(
                r[0],
                7,
                format!(
                    "adres volgens de SVB ({})",
                    r[1].unwrap_or("uitkering").to_uppercase()
                ),
            )
        },
    )?;
    rows_at(sources, "gem_bijstand", vbo_id, &["pseudoniem"], |r| {
        add(
            r[0],
            8,
            "adres volgens de bijstandsadministratie (gemeente)".to_string(),
        )
    })?;

    // Tenants: the contract's record, then the linkage from record to person.
    let mut contracts: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
    rows_at(
        sources,
        "wc_huurcontract",
        vbo_id,
        &["record_key", "corporatie", "einddatum"],
        |r| {
            if let Some(k) = r[0] {
                contracts.insert(
                    k.to_string(),
                    (
                        r[1].unwrap_or("woningcorporatie").to_string(),
                        r[2].map(str::to_string),
                    ),
                );
            }
        },
    )?;
    if !contracts.is_empty()
        && let Some((_, path)) = sources.tables.get("koppeling_persoon")
    {
        read(
            path,
            &["bron", "record_key", "pseudoniem", "status"],
            |batch| {
                let bron = text(batch, "bron")?;
                let key = text(batch, "record_key")?;
                let p = text(batch, "pseudoniem")?;
                let status = text(batch, "status")?;
                for i in 0..batch.num_rows() {
                    if bron.get(i) != Some("wc_huurcontract") {
                        continue;
                    }
                    let Some((corporatie, einde)) = key.get(i).and_then(|k| contracts.get(k))
                    else {
                        continue;
                    };
                    let mut rol = match einde {
                        None => format!("huurder (huurcontract bij {corporatie})"),
                        Some(d) => format!(
                            "was huurder tot {} (huurcontract bij {corporatie})",
                            loep_contract::nl::datum(d)
                        ),
                    };
                    if status.get(i) == Some("beoordelen") {
                        rol.push_str(", koppeling op naam nog te beoordelen");
                    }
                    add(p.get(i), 4, rol);
                }
                Ok(())
            },
        )?;
    }
    Ok(out)
}
