//! Adresfraude: registrations where nobody lives (next to no water or power), or a
//! doorgangsadres with many short registrations. Look-alike: a vacant home between tenants.

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living, Owner};

const THEME: &str = "adresfraude";

/// Plants a case of adresfraude, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, clear: bool, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        // A vacant home between tenants: no use, but nobody registered either.
        let area = g.rng.range(50, 90);
        let mut dw = g.new_dwelling("woonfunctie", area);
        let p = g.person('V', 30, 80, None);
        let end = g.today - g.rng.range(20, 90) as i32;
        dw.passed_through.push((p, end - 3_000, end));
        dw.use_override = Some((g.rng.range(30, 120), 0, 0));
        g.mark(&mut dw, THEME, id, true);
        out.push(dw);
    } else {
        let area = g.rng.range(45, 80);
        let mut dw = g.new_dwelling("woonfunctie", area);
        if clear {
            // Registered where nobody lives: next to no water or power.
            let count = g.rng.range(1, 3);
            dw.residents = g.lodgers(count, Living::Bijstand);
            dw.use_override = Some((g.rng.range(40, 250), g.rng.range(0, 30), g.rng.range(0, 4)));
        } else {
            // A doorgangsadres: many registrations passing through.
            dw.residents = g.lodgers(1, Living::Wage(1_800));
            for _ in 0..g.rng.range(8, 14) {
                let p = g.person('M', 19, 50, None);
                let start = g.today - g.rng.range(60, 700) as i32;
                dw.passed_through
                    .push((p, start, start + g.rng.range(14, 60) as i32));
            }
        }
        if let Some(l) = g.landlord() {
            dw.owner = Owner::Person(l.bsn);
        }
        g.mark(&mut dw, THEME, id, false);
        out.push(dw);
    }
    Ok(out)
}
