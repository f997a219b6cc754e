//! Adresfraude. Variants: registered where nobody lives (consumption in the year far below what
//! the number registered during that year needs); a doorgangsadres (many short stays); a
//! frequent mover; a return after a period without any address (vertrokken onbekend
//! waarheen); a tax or allowance address other than the BRP's. Look-alikes: a home vacant
//! between tenants, people who moved in during or after the consumption year, a long stay
//! abroad with the home kept, an honest mover.

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living, Owner, Strength};

const THEME: &str = "adresfraude";

/// Water a person uses in a year (m³), about 130 litres a day.
const WATER_PER_PERSON: u64 = 47;

/// Plants a case of adresfraude, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, s: Strength, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        let kind = g.rng.below(4);
        let area = g.rng.range(45, 90);
        let mut dw = g.new_dwelling("woonfunctie", area);
        let variant = match kind {
            0 => {
                // Vacant between tenants: nobody registered, next to no use.
                let p = g.person('V', 30, 80, None);
                let end = g.today - g.rng.range(300, 500) as i32;
                // The year's use is what the tenant used before leaving.
                dw.departed.push((p, "emigratie", end - 3_000, end));
                "leegstand"
            }
            1 => {
                // Moved in after the consumption year: the year's use is the empty home's.
                let count = g.rng.range(1, 3);
                dw.residents = g.lodgers(count, Living::Wage(2_400));
                for r in &mut dw.residents {
                    r.since = g.today - g.rng.range(20, 150) as i32;
                }
                dw.use_override =
                    Some((g.rng.range(200, 600), g.rng.range(0, 50), g.rng.range(0, 4)));
                "verhuisd_na_verbruiksjaar"
            }
            2 => {
                // A long stay abroad with the home kept: part of the year's use.
                let count = 1;
                let p = g.person('V', 67, 85, None);
                dw.residents = vec![g.resident(p, Living::Aow)];
                for r in &mut dw.residents {
                    r.since = g.today - g.rng.range(2_000, 6_000) as i32;
                }
                let share = g.rng.range(40, 60);
                dw.use_override = Some((
                    (1_500 + 700 * count) * share / 100,
                    (600 + 100 * count) * share / 100,
                    WATER_PER_PERSON * count * share / 100,
                ));
                "lang_in_buitenland"
            }
            _ => {
                // An honest mover: three addresses in three years.
                let mut r = g.lodgers(1, Living::Wage(2_800)).remove(0);
                r.since = g.today - g.rng.range(100, 300) as i32;
                let mut t = r.since - 1;
                for _ in 0..2 {
                    let len = g.rng.range(350, 500) as i32;
                    let v = g.rng.below(g.next_vbo.max(2) - 1);
                    r.prior.push((v, t - len, t));
                    t -= len + 1;
                }
                r.prior.reverse();
                dw.residents = vec![r];
                "eerlijke_verhuizer"
            }
        };
        g.mark_v(&mut dw, THEME, id, true, variant, s);
        out.push(dw);
        return Ok(out);
    }
    let area = g.rng.range(40, 85);
    let mut dw = g.new_dwelling("woonfunctie", area);
    let variant = match g.rng.below(5) {
        0 => {
            // Registered where nobody lives: a share of what the registered need.
            let count = g.rng.range(1, 4);
            dw.residents = g.lodgers(count, Living::Nothing);
            dw.residents[0].living = Living::Bijstand;
            for r in &mut dw.residents {
                r.since = g.today - g.rng.range(500, 3_000) as i32;
            }
            let pct = s.pick(&mut g.rng, (0, 5), (6, 15), (16, 24));
            dw.use_override = Some((
                (400 + 700 * count * pct / 100).max(100),
                g.rng.range(0, 60),
                WATER_PER_PERSON * count * pct / 100,
            ));
            "niemand_woont"
        }
        1 => {
            dw.residents = g.lodgers(1, Living::Wage(1_800));
            let n = s.pick(&mut g.rng, (8, 14), (5, 7), (4, 4));
            for _ in 0..n {
                let p = g.person('M', 19, 50, None);
                let start = g.today - g.rng.range(40, 700) as i32;
                dw.passed_through
                    .push((p, start, start + g.rng.range(14, 80) as i32));
            }
            "doorgangsadres"
        }
        2 => {
            // A frequent mover: several short registrations in two years.
            let mut r = g.lodgers(1, Living::Bijstand).remove(0);
            r.since = g.today - g.rng.range(20, 120) as i32;
            let n = s.pick(&mut g.rng, (5, 7), (4, 4), (3, 3));
            let mut t = r.since - 1;
            for _ in 0..n {
                let len = g.rng.range(40, 150) as i32;
                let v = g.rng.below(g.next_vbo.max(2) - 1);
                r.prior.push((v, t - len, t));
                t -= len + g.rng.range(1, 10) as i32;
            }
            r.prior.reverse();
            dw.residents = vec![r];
            "veelverhuizer"
        }
        3 => {
            // Back after a period without any address (vertrokken onbekend waarheen).
            let mut r = g.lodgers(1, Living::Bijstand).remove(0);
            r.since = g.today - g.rng.range(30, 500) as i32;
            let gap = s.pick(&mut g.rng, (700, 1_500), (365, 700), (200, 365)) as i32;
            let end = r.since - gap;
            let v = g.rng.below(g.next_vbo.max(2) - 1);
            r.prior.push((v, end - g.rng.range(400, 3_000) as i32, end));
            dw.residents = vec![r];
            "terugkeer_vow"
        }
        _ => {
            // Registered here, but the Belastingdienst and Toeslagen have another address.
            let count = g.rng.range(1, 2);
            dw.residents = g.lodgers(count, Living::Wage(2_600));
            // Where they live: with someone who earns a wage.
            let home = g.household_single('M', Living::Wage(3_200));
            let elsewhere = home.vbo;
            out.push(home);
            for r in &mut dw.residents {
                r.since = g.today - g.rng.range(500, 3_000) as i32;
                r.bd_vbo = Some(elsewhere);
            }
            "fiscaal_adres_elders"
        }
    };
    if let Some(l) = g.landlord() {
        dw.owner = Owner::Person(l.bsn);
    }
    g.mark_v(&mut dw, THEME, id, false, variant, s);
    out.push(dw);
    Ok(out)
}
