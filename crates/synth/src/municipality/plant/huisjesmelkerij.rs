//! Huisjesmelkerij: one owner, a person or a company, with several units that are crowded or
//! see many short stays. Variants: crowded units, units with high turnover, a company as the
//! owner. The owner declares a low or a high income; what he owns is explained by his box 3
//! wealth and (with a low income) a home bought long ago, so that he is no case of
//! vermogen_inkomen (low income alone is that theme's matter). Look-alikes: ordinary landlords
//! (persons and companies) with normally occupied units, some on a low declared income; a
//! landlord with one crowded unit among normal ones. `uitbuiting_zorg` plants the same
//! portfolio with vulnerable tenants (`portfolio`).
//!
//! A landlord of a case may also let a few ordinary homes (fewer than his problem units), and
//! a person lives in a home of his own, which is not part of what is judged. The finding about
//! the landlord is reported at every dwelling he owns and at his home: the truth lists them
//! (variant `bijkomend`).

use anyhow::Result;

use super::overbewoning::m2_per_person;
use loep_contract::Datum;

use crate::municipality::{Dwelling, Gen, Living, Owner, Person, Strength};

const THEME: &str = "huisjesmelkerij";

/// Plants a case of huisjesmelkerij, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, s: Strength, decoy: bool) -> Result<Vec<Dwelling>> {
    portfolio(g, THEME, id, s, decoy)
}

/// Who owns the portfolio: a person (who lives elsewhere in the municipality) or a company.
enum Landlord {
    Person(Person),
    Company(String),
}

/// The owner of a portfolio, and (for a person) his own home.
fn landlord(g: &mut Gen<'_>, id: &str, decoy: bool) -> Result<(Landlord, Option<Dwelling>)> {
    if g.rng.chance(0.35) {
        g.next_kvk += 1;
        let kvk = format!("{:08}", 75_000_000 + g.next_kvk);
        return Ok((Landlord::Company(kvk), None));
    }
    let p = g.person('M', 35, 70, None);
    g.person_truth(id, &p, "eigenaar")?;
    let area = g.rng.range(90, 160);
    let mut home = g.new_dwelling("woonfunctie", area);
    // Any income: some declare little, some a lot (the look-alikes too). What he owns is
    // explained all the same (no case of vermogen_inkomen): the let homes are declared in box
    // 3, and one who declares little bought his own home long ago, before the tax years that
    // are still open.
    let low = g.rng.chance(0.5);
    let living = if low {
        Living::Wage(g.rng.range(600, 1_500))
    } else {
        Living::Wage(g.rng.range(3_000, 9_000))
    };
    let r = g.resident(p.clone(), living);
    home.residents = vec![r];
    home.owner = Owner::Person(p.bsn);
    home.koopsom = Some(g.rng.range(250_000, 500_000));
    if low {
        let open = Gen::jan1(Datum::from_days(g.today).year - 5);
        home.acquired = open - g.rng.range(30, 9_000) as i32;
    }
    let _ = decoy;
    Ok((Landlord::Person(p), Some(home)))
}

/// A landlord's let units (and his own home), for `theme` huisjesmelkerij or uitbuiting_zorg.
/// The tenants of uitbuiting_zorg are vulnerable: on a benefit or paid below the minimum wage.
pub(super) fn portfolio(
    g: &mut Gen<'_>,
    theme: &'static str,
    id: &str,
    s: Strength,
    decoy: bool,
) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    let (owner, mut home) = landlord(g, id, decoy)?;
    let owner_of = |o: &Landlord| match o {
        Landlord::Person(p) => Owner::Person(p.bsn),
        Landlord::Company(k) => Owner::Company(k.clone()),
    };
    let company = matches!(owner, Landlord::Company(_));
    if decoy {
        // An ordinary landlord: normally occupied homes.
        let n = g.rng.range(2, 8);
        for k in 0..n {
            let mut dw = g.household();
            dw.contract = None;
            dw.co_owners.clear();
            if theme == "uitbuiting_zorg" && k == 1 {
                // A family on benefits in a suitable home.
                for r in dw.residents.iter_mut().filter(|r| r.p.age(g.today) >= 18) {
                    r.living = Living::Ww;
                }
            }
            dw.owner = owner_of(&owner);
            dw.koopsom = Some(g.rng.range(180_000, 350_000));
            let variant = if company {
                "gewone_verhuurder_bedrijf"
            } else {
                "gewone_verhuurder"
            };
            g.mark_v(&mut dw, theme, id, true, variant, s);
            out.push(dw);
        }
        declare_box3(g, &mut home, &out);
        out.extend(home);
        return Ok(out);
    }
    let n = s.pick(&mut g.rng, (4, 6), (3, 3), (2, 2));
    let turnover = theme == THEME && g.rng.chance(0.35);
    let underpaid = theme == "uitbuiting_zorg" && g.rng.chance(0.4);
    let variant = match (theme == THEME, turnover, underpaid, company) {
        (true, true, _, _) => "doorloop",
        (true, false, _, true) => "overbewoond_bedrijf",
        (true, false, _, false) => "overbewoond",
        (false, _, true, _) => "onderbetaald",
        (false, _, false, _) => "uitkering",
    };
    for _ in 0..n {
        let (mut dw, crowded) = if turnover {
            unit_with_turnover(g, s)
        } else {
            (crowded_unit(g, theme, s, underpaid), true)
        };
        dw.owner = owner_of(&owner);
        dw.koopsom = Some(g.rng.range(150_000, 300_000));
        g.mark_v(&mut dw, theme, id, false, variant, s);
        // Many short stays make it a doorgangsadres as well.
        if dw
            .passed_through
            .iter()
            .filter(|(_, b, e)| e - b < 120)
            .count()
            >= 4
        {
            dw.themes.push("adresfraude");
        }
        if crowded {
            dw.themes.push("overbewoning");
        }
        if theme == "uitbuiting_zorg" && n >= 2 {
            dw.themes.push(THEME);
        }
        out.push(dw);
    }
    if theme == THEME {
        // Some ordinary homes of the same landlord, normally occupied.
        for _ in 0..g.rng.range(0, n / 2) {
            let mut dw = g.household();
            dw.contract = None;
            dw.co_owners.clear();
            dw.owner = owner_of(&owner);
            dw.koopsom = Some(g.rng.range(180_000, 350_000));
            g.mark_extra(&mut dw, THEME, id, s);
            dw.uninvolved = true;
            out.push(dw);
        }
    }
    if theme == THEME || n >= 2 {
        // Where the landlord lives.
        if let Some(h) = home.as_mut() {
            g.mark_extra(h, THEME, id, s);
        }
    }
    declare_box3(g, &mut home, &out);
    out.extend(home);
    Ok(out)
}

/// A let unit with normal numbers now, whose tenants came and went within months; whether it
/// is crowded.
fn unit_with_turnover(g: &mut Gen<'_>, s: Strength) -> (Dwelling, bool) {
    // Normal numbers now, but tenants came and went within months.
    let area = g.rng.range(30, 60);
    let mut dw = g.new_dwelling("woonfunctie", area);
    let count = g.rng.range(1, 3);
    let pay = g.rng.range(1_500, 2_400);
    dw.residents = g.lodgers(count, Living::Wage(pay));
    let crowded = area <= 12 * count;
    let stays = s.pick(&mut g.rng, (6, 10), (4, 5), (3, 3));
    for _ in 0..stays {
        let p = g.person('M', 19, 50, None);
        let start = g.today - g.rng.range(120, 700) as i32;
        let end = start + g.rng.range(20, 150) as i32;
        dw.pass_through(p, start, end);
    }
    (dw, crowded)
}

/// A crowded let unit: its tenants vulnerable (uitbuiting_zorg: on a benefit, or `underpaid`)
/// or on a low wage, some passing through.
fn crowded_unit(g: &mut Gen<'_>, theme: &str, s: Strength, underpaid: bool) -> Dwelling {
    let m2 = m2_per_person(g, s);
    let count = g.rng.range(3, 7);
    let mut dw = g.new_dwelling("woonfunctie", count * m2);
    dw.residents = if theme == "uitbuiting_zorg" && !underpaid {
        // Vulnerable: on a benefit of some kind.
        let mut rs = g.lodgers(count, Living::Bijstand);
        for r in &mut rs {
            match g.rng.below(4) {
                0 => r.living = Living::Ww,
                1 => r.living = Living::Nothing,
                _ => {}
            }
        }
        // At least two on bijstand or WW.
        rs[0].living = Living::Bijstand;
        rs[1].living = Living::Ww;
        rs
    } else if underpaid {
        // Paid below the minimum hourly wage: many hours for little.
        let pay = g.rng.range(1_100, 1_700);
        let mut rs = g.lodgers(count, Living::Wage(pay));
        for r in &mut rs {
            r.uren = Some(g.rng.range(150, 200));
        }
        rs
    } else {
        let pay = g.rng.range(1_500, 2_200);
        g.lodgers(count, Living::Wage(pay))
    };
    if g.rng.chance(0.4) {
        for _ in 0..g.rng.range(1, 3) {
            let p = g.person('M', 19, 50, None);
            let start = g.today - g.rng.range(200, 900) as i32;
            let end = start + g.rng.range(30, 150) as i32;
            dw.pass_through(p, start, end);
        }
    }
    dw
}

/// A person who lets homes declares them in box 3 (their value less what is still owed: most
/// of it, he has owned them for years).
fn declare_box3(g: &mut Gen<'_>, home: &mut Option<Dwelling>, units: &[Dwelling]) {
    let total: u64 = units.iter().filter_map(|d| d.koopsom).sum();
    let share = g.rng.range(85, 100);
    if let Some(r) = home.as_mut().and_then(|h| h.residents.first_mut()) {
        r.box3 = Some(total * share / 100);
    }
}
