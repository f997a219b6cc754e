//! Huisjesmelkerij: a landlord with three to six small, overcrowded units and a high
//! turnover of tenants, who himself lives elsewhere on a low declared income. Look-alike: a
//! professional landlord with normally let homes and a real income. `uitbuiting_zorg` plants
//! the same portfolio with tenants on bijstand (`portfolio`).

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living, Owner};

const THEME: &str = "huisjesmelkerij";

/// Plants a case of huisjesmelkerij, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, _clear: bool, decoy: bool) -> Result<Vec<Dwelling>> {
    portfolio(g, THEME, id, decoy)
}

/// A landlord's let units and his own home, for `theme` huisjesmelkerij or uitbuiting_zorg:
/// the tenants of uitbuiting_zorg live on bijstand, and its units are marked huisjesmelkerij
/// too.
pub(super) fn portfolio(
    g: &mut Gen<'_>,
    theme: &'static str,
    id: &str,
    decoy: bool,
) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    let landlord = g.person('M', 35, 70, None);
    let n = g.rng.range(3, 6);
    for _ in 0..n {
        let mut dw;
        if decoy {
            // A professional landlord with normally let homes and a real income.
            dw = g.household();
            dw.contract = None;
            dw.koopsom = None;
        } else {
            let area = g.rng.range(30, 45);
            dw = g.new_dwelling("woonfunctie", area);
            let living = if theme == "uitbuiting_zorg" {
                Living::Bijstand
            } else {
                Living::Wage(1_600)
            };
            let count = g.rng.range(4, 6);
            dw.residents = g.lodgers(count, living);
            // High turnover: earlier tenants passed through quickly.
            for _ in 0..g.rng.range(3, 6) {
                let p = g.person('M', 19, 50, None);
                let start = g.today - g.rng.range(200, 900) as i32;
                let end = start + g.rng.range(30, 150) as i32;
                dw.passed_through.push((p, start, end));
            }
        }
        dw.owner = Owner::Person(landlord.bsn);
        dw.koopsom = Some(g.rng.range(180_000, 300_000));
        g.mark(&mut dw, theme, id, decoy);
        if !decoy {
            // Every unit is also overcrowded, and its landlord a huisjesmelker.
            dw.themes.push("overbewoning");
            if theme == "uitbuiting_zorg" {
                dw.themes.push("huisjesmelkerij");
            }
        }
        out.push(dw);
    }
    g.person_truth(id, &landlord, "eigenaar")?;
    // The landlord lives elsewhere in the municipality, on a low declared income
    // (or, for the look-alike, a high one).
    let area = g.rng.range(90, 160);
    let mut home = g.new_dwelling("woonfunctie", area);
    let living = if decoy {
        Living::Wage(9_000)
    } else {
        Living::Wage(g.rng.range(600, 1_300))
    };
    let mut r = g.resident(landlord, living);
    r.partner = None;
    home.residents = vec![r];
    // He rents his own home from the corporation: his property is what he lets.
    home.owner = Owner::Corporation;
    home.contract = None;
    home.koopsom = None;
    out.push(home);
    Ok(out)
}
