//! Adresfraude. Variants: registered where nobody lives (consumption in the year far below what
//! the number registered during that year needs); a doorgangsadres (many short stays); a
//! frequent mover; a return after a period outside the municipality (vertrokken onbekend
//! waarheen) while the Belastingdienst or Toeslagen still had him at the old home; a tax or
//! allowance address other than the BRP's. Look-alikes: a home vacant between tenants, people
//! who moved in during or after the consumption year, a long stay abroad with the home kept,
//! an honest mover, an honest return after years elsewhere.
//!
//! A finding about a person is reported at every address involved, and the truth lists them
//! (variant `bijkomend`): every address of a frequent mover's series, the old home of a
//! return, the address the Belastingdienst and Toeslagen had.

use anyhow::Result;

use loep_contract::Datum;

use crate::municipality::{Dwelling, Gen, Living, Owner, Strength};

const THEME: &str = "adresfraude";

/// Water a person uses in a year (m³), about 130 litres a day.
const WATER_PER_PERSON: u64 = 47;

/// A period of `gap` days outside the municipality that holds the first of January of a year
/// the Belastingdienst and Toeslagen delivered (the income year or one before): the day the
/// old registration ended and the day of the return, at least a month before the peildatum.
fn gap_over_new_year(g: &mut Gen<'_>, gap: i32) -> (i32, i32) {
    let income_year = Datum::from_days(g.today).year - 1;
    let latest = g.today - 30;
    let mut year = income_year - g.rng.below(2) as i32;
    loop {
        let jan1 = Gen::jan1(year);
        // The first of January lies `o` days after the end: 1 <= o <= gap, and the return
        // (end + gap) is no later than `latest`.
        let lo = (jan1 + gap - latest).max(1);
        if lo <= gap {
            let o = g.rng.range(lo as u64, gap as u64) as i32;
            let end = jan1 - o;
            return (end, end + gap);
        }
        year -= 1;
    }
}

/// The years whose first of January lies in the gap after `end` up to `since`, of the five the
/// Belastingdienst and Toeslagen can still revise (up to the income year).
fn years_in_gap(g: &Gen<'_>, end: i32, since: i32) -> Vec<i32> {
    let income_year = Datum::from_days(g.today).year - 1;
    (income_year - 4..=income_year)
        .filter(|y| {
            let j = Gen::jan1(*y);
            j > end && j <= since
        })
        .collect()
}

/// Plants a case of adresfraude, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, s: Strength, decoy: bool) -> Result<Vec<Dwelling>> {
    if decoy {
        look_alike(g, id, s)
    } else {
        case(g, id, s)
    }
}

/// A look-alike of adresfraude: vacancy, a move after the consumption year, a long stay
/// abroad, an honest return or an honest mover.
fn look_alike(g: &mut Gen<'_>, id: &str, s: Strength) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    let kind = g.rng.below(5);
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
            dw.use_override = Some((g.rng.range(200, 600), g.rng.range(0, 50), g.rng.range(0, 4)));
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
        3 => {
            // Back after years elsewhere (another municipality or abroad): a gap in the
            // history is living outside the area. The Belastingdienst and Toeslagen had him
            // outside the area in those years, or (the assessment sent after the return)
            // already at the new address.
            let mut r = g.lodgers(1, Living::Wage(2_600)).remove(0);
            let gap = g.rng.range(200, 1_500) as i32;
            let (end, since) = gap_over_new_year(g, gap);
            r.since = since;
            let v = g.earlier_home();
            r.prior.push((v, end - g.rng.range(400, 3_000) as i32, end));
            for y in years_in_gap(g, end, since) {
                let known = if g.rng.chance(0.5) {
                    None
                } else {
                    Some(dw.vbo)
                };
                r.bd_years.push((y, known, known));
            }
            dw.residents = vec![r];
            "eerlijke_terugkeer"
        }
        _ => {
            // An honest mover: three addresses in three years.
            let mut r = g.lodgers(1, Living::Wage(2_800)).remove(0);
            r.since = g.today - g.rng.range(100, 300) as i32;
            let mut t = r.since - 1;
            for _ in 0..2 {
                let len = g.rng.range(350, 500) as i32;
                let v = g.earlier_home();
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
    Ok(out)
}

/// A case of adresfraude: the dwelling and the other addresses of the case.
fn case(g: &mut Gen<'_>, id: &str, s: Strength) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
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
                let end = start + g.rng.range(14, 80) as i32;
                dw.pass_through(p, start, end);
            }
            "doorgangsadres"
        }
        2 => {
            // A frequent mover: several short registrations in two years, each in a room of
            // someone else's home; every address of the series is part of the case.
            let mut r = g.lodgers(1, Living::Bijstand).remove(0);
            r.since = g.today - g.rng.range(20, 120) as i32;
            let n = s.pick(&mut g.rng, (5, 7), (4, 4), (3, 3));
            let mut t = r.since - 1;
            for _ in 0..n {
                let len = g.rng.range(40, 150) as i32;
                let mut stay = g.household();
                g.mark_extra(&mut stay, THEME, id, s);
                stay.uninvolved = true;
                r.prior.push((stay.vbo, t - len, t));
                out.push(stay);
                t -= len + g.rng.range(1, 10) as i32;
            }
            r.prior.reverse();
            dw.residents = vec![r];
            "veelverhuizer"
        }
        3 => {
            // Back after a period outside the municipality (vertrokken onbekend waarheen),
            // while the Belastingdienst, Toeslagen or both still had him at the old home for a
            // year that began in that period: he did not really leave. The old home is part of
            // the case; it was let again after those years, to someone who earns a wage.
            let mut r = g.lodgers(1, Living::Bijstand).remove(0);
            let gap = s.pick(&mut g.rng, (700, 1_500), (365, 700), (200, 365)) as i32;
            let (end, since) = gap_over_new_year(g, gap);
            r.since = since;
            let years = years_in_gap(g, end, since);
            let wage = g.rng.range(2_000, 4_000);
            let mut old = g.household_single('V', Living::Wage(wage));
            let after = years.iter().max().map_or(since, |y| Gen::jan1(y + 1));
            let moved_in = after + g.rng.range(0, (g.today - 30 - after).max(0) as u64) as i32;
            old.residents[0].since = moved_in;
            if let Some(c) = old.contract.as_mut() {
                c.1 = moved_in;
            }
            old.uninvolved = true;
            g.mark_extra(&mut old, THEME, id, s);
            r.prior
                .push((old.vbo, end - g.rng.range(400, 3_000) as i32, end));
            let return_year = Datum::from_days(since).year;
            for y in years {
                // In the year of the return he rents his new home (huurtoeslag for it): there
                // the Belastingdienst's address is the evidence.
                let (inkomen, toeslag) = match g.rng.below(3) {
                    0 => (Some(old.vbo), Some(old.vbo)),
                    1 => (Some(old.vbo), None),
                    _ if y == return_year => (Some(old.vbo), None),
                    _ => (None, Some(old.vbo)),
                };
                r.bd_years.push((y, inkomen, toeslag));
            }
            out.push(old);
            dw.residents = vec![r];
            "terugkeer_vow"
        }
        _ => {
            // Registered here, but the Belastingdienst and Toeslagen have another address.
            let count = g.rng.range(1, 2);
            dw.residents = g.lodgers(count, Living::Wage(2_600));
            // Where they live: with someone who earns a wage; the address the Belastingdienst
            // and Toeslagen have is part of the case.
            let mut home = g.household_single('M', Living::Wage(3_200));
            g.mark_extra(&mut home, THEME, id, s);
            let elsewhere = home.vbo;
            out.push(home);
            for r in &mut dw.residents {
                r.since = g.today - g.rng.range(500, 3_000) as i32;
                r.bd_vbo = Some(elsewhere);
            }
            "fiscaal_adres_elders"
        }
    };
    if let Some(l) = g.sole_landlord() {
        dw.owner = Owner::Person(l.bsn);
    }
    g.mark_v(&mut dw, THEME, id, false, variant, s);
    out.push(dw);
    Ok(out)
}
