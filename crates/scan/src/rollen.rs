//! What links persons to one address, from the pseudonymous analysis data and the linkage:
//! registered there (BRP, now or before), owner (Kadaster), tenant (a corporation's contract,
//! linked by name and date of birth), a one-man business there (KvK), or the address a tax,
//! allowance or benefit agency holds for them. For the persons a reveal shows: who is who at the
//! address the team will visit.
//!
//! Reads only the columns it needs, one pass per table, and keeps only the rows of the address
//! and the persons asked for.

use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::address::{read, text};
use crate::engine::Sources;

/// The order of the tenant's role (a corporation's contract): the roles up to it are where a
/// person lives, what they own and rent and their business there; after it come what other
/// agencies hold (an address for tax, allowances, benefits) and partners of those.
pub const ORDER_TENANT: u8 = 4;

/// A person's roles at the address, in plain Dutch, each naming its source: by pseudonym, the
/// roles in the order of the sources (the BRP first), each with that order.
pub type Rollen = BTreeMap<String, BTreeSet<(u8, String)>>;

/// Calls `each` with the row's address and the values of `columns` (as text) of every row of
/// `table` whose `vbo_id` is one `wanted` holds.
fn rows_at(
    sources: &Sources,
    table: &str,
    wanted: &Wanted,
    columns: &[&str],
    mut each: impl FnMut(&str, &[Option<&str>]),
) -> Result<()> {
    let Some((_, path)) = sources.tables.get(table) else {
        return Ok(());
    };
    let mut names = vec!["vbo_id"];
    names.extend_from_slice(columns);
    read(path, &names, |batch| {
        let vbo = text(batch, "vbo_id")?;
        let cols = columns
            .iter()
            .map(|c| text(batch, c))
            .collect::<Result<Vec<_>>>()?;
        let mut values: Vec<Option<&str>> = vec![None; cols.len()];
        for i in 0..batch.num_rows() {
            let Some(v) = vbo.get(i).filter(|v| wanted.contains_key(*v)) else {
                continue;
            };
            for (slot, c) in values.iter_mut().zip(&cols) {
                *slot = c.get(i);
            }
            each(v, &values);
        }
        Ok(())
    })
}

/// One step of a link's waterfall: a comparison of the two records, the level it found and
/// the match weight that level adds (bits; the prior is negative).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Stap {
    pub vergelijking: String,
    pub niveau: String,
    pub gewicht: f64,
}

/// How a record of another source was linked to a person by name and date of birth: the
/// source, the probability, whether it still awaits review, and the waterfall that explains it.
#[derive(Debug, Clone, PartialEq)]
pub struct Koppeling {
    pub bron: String,
    pub pseudoniem: String,
    pub kans: f64,
    pub te_beoordelen: bool,
    pub stappen: Vec<Stap>,
}

/// What [`of`] finds: per address the roles of the persons asked for, and the links by name
/// that gave a person a role there.
#[derive(Debug, Default)]
pub struct Gevonden {
    pub rollen: HashMap<String, Rollen>,
    pub koppelingen: HashMap<String, Vec<Koppeling>>,
}

/// A comparison's name and a level as the linkage settings and the linker name them, in
/// plain Dutch for the address page: the same words as `loep_linkage::compare::in_dutch`
/// (which `loep link` prints), kept here because the scan does not depend on the linker.
fn in_dutch(text: &str) -> String {
    let t = text.trim();
    let known = match t {
        "prior (two random records match)" => "vooraf: twee willekeurige records horen bij elkaar",
        "exact" => "gelijk",
        "variant" => "spellingsvariant",
        "jaro-winkler >= 0.94" => "bijna gelijk (Jaro-Winkler ten minste 0,94)",
        "jaro-winkler >= 0.88" => "lijkt sterk (Jaro-Winkler ten minste 0,88)",
        "jaro-winkler >= 0.85" => "lijkt sterk (Jaro-Winkler ten minste 0,85)",
        "first and last name swapped" => "voor- en achternaam verwisseld",
        "initials" => "alleen de voorletters gelijk",
        "different" => "verschillend",
        "compatible (partly unknown)" => "past (deels onbekend)",
        "day and month swapped" => "dag en maand verwisseld",
        "one digit off" => "één cijfer anders",
        "same year" => "zelfde jaar",
        "same address" => "zelfde adres",
        "same postcode" => "zelfde postcode",
        "same street and place" => "zelfde straat en plaats",
        "same place" => "zelfde plaats",
        "missing" => "ontbreekt",
        "bsn" => "BSN",
        "vbo_id" => "adres",
        other => return other.replace('_', " "),
    };
    known.to_string()
}

/// A waterfall as the linkage wrote it (a line per step: comparison, level, weight), in Dutch
/// words.
pub fn steps(text: &str) -> Vec<Stap> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.split('\t');
            let (c, l, w) = (f.next()?, f.next()?, f.next()?);
            Some(Stap {
                vergelijking: in_dutch(c),
                niveau: match l
                    .strip_prefix("λ = ")
                    .and_then(|x| x.trim().parse::<f64>().ok())
                {
                    Some(lambda) if lambda > 0.0 => format!(
                        "kans 1 op {}",
                        loep_contract::nl::getal((1.0 / lambda).round(), 0)
                    ),
                    _ => in_dutch(l),
                },
                gewicht: w.trim().parse().ok()?,
            })
        })
        .collect()
}

/// Per address (`vbo_id`), the persons (pseudonyms) whose roles there are asked for.
pub type Wanted = HashMap<String, HashSet<String>>;

/// The roles at `vbo_id` of each of `persons` (pseudonyms); a person without any has none in
/// the map.
pub fn at(
    sources: &Sources,
    vbo_id: &(impl crate::address::ObjectKey + ?Sized),
    persons: &HashSet<&str>,
) -> Result<Rollen> {
    let vbo_id = vbo_id.key().into_owned();
    let wanted: Wanted = HashMap::from([(
        vbo_id.clone(),
        persons.iter().map(|p| p.to_string()).collect(),
    )]);
    Ok(of(sources, &wanted)?
        .rollen
        .remove(&vbo_id)
        .unwrap_or_default())
}

/// The birth year of each of `persons` (pseudonyms) that the BRP holds (the analysis data keep
/// the year only): for the people on a case, who must know whom they will meet. Never an
/// input of an indicator.
pub fn birth_years(sources: &Sources, persons: &HashSet<&str>) -> Result<HashMap<String, i64>> {
    let mut out = HashMap::new();
    let Some((_, path)) = sources.tables.get("brp_persoon") else {
        return Ok(out);
    };
    if persons.is_empty() {
        return Ok(out);
    }
    read(path, &["pseudoniem", "geboortejaar"], |batch| {
        let p = text(batch, "pseudoniem")?;
        let jaar = crate::address::int(batch, "geboortejaar")?;
        for i in 0..batch.num_rows() {
            if let (Some(ps), Some(j)) = (p.get(i), jaar(i))
                && j > 0
                && persons.contains(ps)
            {
                out.insert(ps.to_string(), j);
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// The roles of the persons `wanted` names at each of its addresses, in one pass per table
/// however many addresses are asked for (a front end's index of every signal's persons);
/// addresses and persons without any role are not in the map.
pub fn of(sources: &Sources, wanted: &Wanted) -> Result<Gevonden> {
    let mut out: HashMap<String, Rollen> = HashMap::new();
    let mut add = |vbo: &str, p: Option<&str>, order: u8, rol: String| {
        if let Some(p) = p.filter(|p| wanted.get(vbo).is_some_and(|ps| ps.contains(*p))) {
            out.entry(vbo.to_string())
                .or_default()
                .entry(p.to_string())
                .or_default()
                .insert((order, rol));
        }
    };
    registrations(sources, wanted, &mut add)?;
    addresses_of_payers(sources, wanted, &mut add)?;
    let koppelingen = tenants(sources, wanted, &mut add)?;
    partners_elsewhere(sources, wanted, &mut out)?;
    Ok(Gevonden {
        rollen: out,
        koppelingen,
    })
}

/// The roles the registers of persons and property give: registered at the address (now or
/// before, BRP), owner (Kadaster) and sole trader there (KvK).
fn registrations(sources: &Sources, wanted: &Wanted, add: &mut Add) -> Result<()> {
    rows_at(
        sources,
        "brp_persoon",
        wanted,
        &["pseudoniem", "functie_adres", "datum_aanvang_adreshouding"],
        |v, r| {
            let sinds = r[2]
                .map(|d| format!(" sinds {}", loep_contract::nl::datum(d)))
                .unwrap_or_default();
            let rol = match r[1] {
                Some("B") => format!("briefadres hier (BRP){sinds}"),
                _ => format!("bewoner: ingeschreven op dit adres (BRP){sinds}"),
            };
            add(v, r[0], 0, rol);
        },
    )?;
    rows_at(
        sources,
        "brp_verblijf_historie",
        wanted,
        &["pseudoniem", "datum_aanvang", "datum_einde"],
        |v, r| {
            if let Some(einde) = r[2] {
                add(
                    v,
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
        wanted,
        &["eigenaar_pseudoniem", "aandeel"],
        |v, r| {
            let rol = match r[1] {
                Some(a) if a != "1/1" => format!("eigenaar (Kadaster, aandeel {a})"),
                _ => "eigenaar (Kadaster)".to_string(),
            };
            add(v, r[0], 2, rol);
        },
    )?;
    rows_at(
        sources,
        "kvk_vestiging",
        wanted,
        &["eigenaar_pseudoniem", "datum_uitschrijving"],
        |v, r| {
            let rol = match r[1] {
                None => "eigenaar van een eenmanszaak op dit adres (KvK)".to_string(),
                Some(d) => format!(
                    "had tot {} een eenmanszaak op dit adres (KvK)",
                    loep_contract::nl::datum(d)
                ),
            };
            add(v, r[0], 3, rol);
        },
    )?;
    Ok(())
}

/// The roles of the address the payers know a person by: the tax office's (with the fiscal
/// partner), the allowances' (with the allowance partner), the SVB's and the bijstand's.
fn addresses_of_payers(sources: &Sources, wanted: &Wanted, add: &mut Add) -> Result<()> {
    rows_at(
        sources,
        "bd_inkomen",
        wanted,
        &["pseudoniem", "belastingjaar", "fiscaal_partner_pseudoniem"],
        |v, r| {
            let jaar = r[1].unwrap_or("?");
            add(
                v,
                r[0],
                5,
                format!("adres volgens de Belastingdienst ({jaar})"),
            );
            // The fiscal partner of someone with this address, wherever the partner is
            // registered: the delivered data link them to it.
            add(
                v,
                r[2],
                7,
                format!("fiscaal partner van iemand met dit adres (Belastingdienst, {jaar})"),
            );
        },
    )?;
    rows_at(
        sources,
        "bd_toeslag",
        wanted,
        &[
            "pseudoniem",
            "regeling",
            "jaar",
            "toeslagpartner_pseudoniem",
        ],
        |v, r| {
            let jaar = r[2].unwrap_or("?");
            add(
                v,
                r[0],
                6,
                format!(
                    "adres volgens Toeslagen ({} {jaar})",
                    r[1].unwrap_or("toeslag").replace('_', " "),
                ),
            );
            add(
                v,
                r[3],
                7,
                format!("toeslagpartner van iemand met dit adres (Toeslagen, {jaar})"),
            );
        },
    )?;
    rows_at(
        sources,
        "svb_uitkering",
        wanted,
        &["pseudoniem", "regeling"],
        |v, r| {
            add(
                v,
                r[0],
                7,
                format!(
                    "adres volgens de SVB ({})",
                    r[1].unwrap_or("uitkering").to_uppercase()
                ),
            )
        },
    )?;
    rows_at(sources, "gem_bijstand", wanted, &["pseudoniem"], |v, r| {
        add(
            v,
            r[0],
            8,
            "adres volgens de bijstandsadministratie (gemeente)".to_string(),
        )
    })?;
    Ok(())
}

/// A role found for a person (if any) at an address: (vbo_id, person, order, role).
type Add<'a> = dyn FnMut(&str, Option<&str>, u8, String) + 'a;

/// The tenants of the wanted addresses: the contract's record, then the linkage from record to
/// person; each tenant's role goes to `add`, and the links by name are returned per address.
fn tenants(
    sources: &Sources,
    wanted: &Wanted,
    add: &mut Add,
) -> Result<HashMap<String, Vec<Koppeling>>> {
    let mut koppelingen: HashMap<String, Vec<Koppeling>> = HashMap::new();
    let mut contracts: BTreeMap<String, (String, String, Option<String>)> = BTreeMap::new();
    rows_at(
        sources,
        "wc_huurcontract",
        wanted,
        &["record_key", "corporatie", "einddatum"],
        |v, r| {
            if let Some(k) = r[0] {
                contracts.insert(
                    k.to_string(),
                    (
                        v.to_string(),
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
            &[
                "bron",
                "record_key",
                "pseudoniem",
                "status",
                "kans",
                "uitleg",
            ],
            |batch| {
                let bron = text(batch, "bron")?;
                let key = text(batch, "record_key")?;
                let p = text(batch, "pseudoniem")?;
                let status = text(batch, "status")?;
                let kans = text(batch, "kans")?;
                let uitleg = text(batch, "uitleg")?;
                for i in 0..batch.num_rows() {
                    if bron.get(i) != Some("wc_huurcontract") {
                        continue;
                    }
                    let Some((vbo, corporatie, einde)) = key.get(i).and_then(|k| contracts.get(k))
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
                    // A pair two reviewers kept apart is no tenant of this person.
                    if status.get(i) == Some("verworpen") {
                        continue;
                    }
                    let te_beoordelen = status.get(i) == Some("beoordelen");
                    if te_beoordelen {
                        rol.push_str(", koppeling op naam nog te beoordelen");
                    }
                    let person = p.get(i);
                    if let Some(ps) = person
                        && wanted.get(vbo.as_str()).is_some_and(|w| w.contains(ps))
                    {
                        koppelingen.entry(vbo.clone()).or_default().push(Koppeling {
                            bron: "wc_huurcontract".to_string(),
                            pseudoniem: ps.to_string(),
                            kans: kans.get(i).and_then(|k| k.parse().ok()).unwrap_or(0.0),
                            te_beoordelen,
                            stappen: uitleg.get(i).map(steps).unwrap_or_default(),
                        });
                    }
                    add(vbo, person, ORDER_TENANT, rol);
                }
                Ok(())
            },
        )?;
    }
    Ok(koppelingen)
}

/// A wanted person who is the fiscal or allowance partner of someone with a role at the wanted
/// address (by either one's income or allowance row, wherever its address): the delivered data
/// link them to that address too.
fn partners_elsewhere(
    sources: &Sources,
    wanted: &Wanted,
    out: &mut HashMap<String, Rollen>,
) -> Result<()> {
    // Person → the wanted addresses where they are wanted and not yet linked.
    let mut unlinked: HashMap<&str, Vec<&str>> = HashMap::new();
    for (vbo, persons) in wanted {
        for p in persons {
            if !out.get(vbo).is_some_and(|r| r.contains_key(p)) {
                unlinked.entry(p.as_str()).or_default().push(vbo.as_str());
            }
        }
    }
    if unlinked.is_empty() {
        return Ok(());
    }
    for (table, partner, jaar, label) in [
        (
            "bd_inkomen",
            "fiscaal_partner_pseudoniem",
            "belastingjaar",
            "fiscaal partner van iemand op dit adres (Belastingdienst",
        ),
        (
            "bd_toeslag",
            "toeslagpartner_pseudoniem",
            "jaar",
            "toeslagpartner van iemand op dit adres (Toeslagen",
        ),
    ] {
        let Some((_, path)) = sources.tables.get(table) else {
            continue;
        };
        let mut found: Vec<(String, String, String)> = Vec::new();
        read(path, &["pseudoniem", partner, jaar], |batch| {
            let p = text(batch, "pseudoniem")?;
            let q = text(batch, partner)?;
            let j = text(batch, jaar)?;
            for i in 0..batch.num_rows() {
                let (Some(p), Some(q)) = (p.get(i), q.get(i)) else {
                    continue;
                };
                // Either of the two may be the one wanted at an address where the other has
                // a role (whoever's row it is).
                for (a, b) in [(p, q), (q, p)] {
                    let Some(vbos) = unlinked.get(a) else {
                        continue;
                    };
                    for vbo in vbos {
                        // Partner of someone with a role of their own there (not a partner
                        // found here: no partner of a partner).
                        if out
                            .get(*vbo)
                            .and_then(|r| r.get(b))
                            .is_some_and(|roles| roles.iter().any(|(order, _)| *order < 7))
                        {
                            found.push((
                                vbo.to_string(),
                                a.to_string(),
                                format!("{label}, {})", j.get(i).unwrap_or("?")),
                            ));
                        }
                    }
                }
            }
            Ok(())
        })?;
        for (vbo, p, rol) in found {
            out.entry(vbo)
                .or_default()
                .entry(p)
                .or_default()
                .insert((7, rol));
        }
    }
    Ok(())
}
