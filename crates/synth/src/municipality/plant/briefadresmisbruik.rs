//! Briefadresmisbruik: many briefadressen at an ordinary home. Look-alike: briefadressen at a
//! care institution, which is lawful.

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living, Owner, Resident};

const THEME: &str = "briefadresmisbruik";

/// Plants a case of briefadresmisbruik, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, clear: bool, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        // Briefadressen at a care institution: lawful.
        let area = g.rng.range(800, 2_000);
        let mut dw = g.new_dwelling("gezondheidszorgfunctie", area);
        dw.owner = Owner::Company(format!("{:08}", 60_000_000 + g.rng.below(1000)));
        let count = g.rng.range(6, 12);
        let mut post = g.lodgers(count, Living::Bijstand);
        for r in &mut post {
            r.functie = 'B';
        }
        let elderly: Vec<Resident> = (0..g.rng.range(15, 40))
            .map(|_| {
                let p = g.person('V', 75, 98, None);
                g.resident(p, Living::Aow)
            })
            .collect();
        dw.residents = elderly;
        dw.residents.extend(post);
        g.mark(&mut dw, THEME, id, true);
        out.push(dw);
    } else {
        let mut dw = g.household_single('M', Living::Wage(2_200));
        let n = if clear { g.rng.range(6, 10) } else { 4 };
        let mut post = g.lodgers(n, Living::Bijstand);
        for r in &mut post {
            r.functie = 'B';
        }
        dw.residents.extend(post);
        g.mark(&mut dw, THEME, id, false);
        out.push(dw);
    }
    Ok(out)
}
