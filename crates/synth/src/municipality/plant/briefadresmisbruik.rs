//! Briefadresmisbruik: many briefadressen at an ordinary home, or a briefadres combined with
//! allowances that require living at an address (huurtoeslag). Look-alikes: a care institution
//! or shelter that gives postal addresses; one or two briefadressen of friends or family.

use anyhow::Result;

use loep_contract::Datum;

use crate::municipality::{Dwelling, Gen, Living, Owner, Resident, Strength};

const THEME: &str = "briefadresmisbruik";

/// Plants a case of briefadresmisbruik, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, s: Strength, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        let (mut dw, variant) = if g.rng.chance(0.6) {
            let area = g.rng.range(800, 2_000);
            let doelen = if g.rng.chance(0.5) {
                "gezondheidszorgfunctie"
            } else {
                "woonfunctie|logiesfunctie"
            };
            let mut dw = g.new_dwelling(doelen, area);
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
            (dw, "instelling")
        } else {
            let mut dw = g.household_single('M', Living::Wage(2_400));
            let n = g.rng.range(1, 2);
            let mut post = g.lodgers(n, Living::Wage(2_000));
            for r in &mut post {
                r.functie = 'B';
            }
            dw.residents.extend(post);
            (dw, "enkel_briefadres")
        };
        g.mark_v(&mut dw, THEME, id, true, variant, s);
        out.push(dw);
        return Ok(out);
    }
    let mut dw = g.household_single('M', Living::Wage(2_200));
    let variant = if g.rng.chance(0.6) {
        let n = s.pick(&mut g.rng, (7, 12), (4, 6), (3, 3));
        let mut post = g.lodgers(n, Living::Bijstand);
        for r in &mut post {
            r.functie = 'B';
        }
        dw.residents.extend(post);
        "veel_briefadressen"
    } else {
        // One or two briefadressen here, and a huurtoeslag paid for this address as if they
        // lived here, in every year of the briefadres: it began before the end of the last
        // year Toeslagen delivered.
        let n = s.pick(&mut g.rng, (2, 2), (1, 2), (1, 1));
        let mut post = g.lodgers(n, Living::Bijstand);
        let next_year = Gen::jan1(Datum::from_days(g.today).year);
        for r in &mut post {
            r.functie = 'B';
            r.since = next_year - g.rng.range(30, 900) as i32;
        }
        // The huurtoeslag goes to the head of the household of a dwelling: put the briefadres
        // person first so that the allowance is written for him.
        let head = dw.residents.remove(0);
        dw.residents.extend(post);
        dw.residents.push(head);
        "briefadres_met_toeslag"
    };
    g.mark_v(&mut dw, THEME, id, false, variant, s);
    out.push(dw);
    Ok(out)
}
