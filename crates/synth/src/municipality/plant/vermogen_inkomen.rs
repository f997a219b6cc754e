//! Vermogen en inkomen: property bought (by a household, per share) far above the household's
//! declared income and wealth, a second property beside the home, or property held while on
//! bijstand. Look-alikes: an inheritance (no purchase price), an old purchase at an old price,
//! a buyer with large box 3 wealth, a buyer whose partner earns well; in the background also
//! purchases with help from parents.
//!
//! The finding is reported at every property and at the household's home: the truth lists the
//! home too (variant `bijkomend`).

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living, Owner, Strength};

const THEME: &str = "vermogen_inkomen";

/// Plants a case of vermogen_inkomen, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, s: Strength, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        let kind = g.rng.below(4);
        let wage = g.rng.range(1_000, 2_000);
        let mut dw = g.household_single('M', Living::Wage(wage));
        let h = dw.residents[0].p.bsn;
        dw.owner = Owner::Person(h);
        dw.contract = None;
        dw.area = g.rng.range(100, 200);
        let variant = match kind {
            0 => {
                dw.koopsom = None;
                dw.acquired = g.today - g.rng.range(30, 700) as i32;
                "erfenis"
            }
            1 => {
                dw.koopsom = Some(g.rng.range(60_000, 120_000));
                dw.acquired = g.today - g.rng.range(8_000, 14_000) as i32;
                dw.residents[0].living = Living::Aow;
                "oude_aankoop"
            }
            2 => {
                dw.koopsom = Some(g.rng.range(500_000, 900_000));
                dw.acquired = g.today - g.rng.range(60, 1_000) as i32;
                dw.residents[0].box3 = Some(g.rng.range(600_000, 1_500_000));
                "groot_vermogen"
            }
            _ => {
                // She earns little; her partner well: they bought it together or he alone.
                let p = g.person('V', 25, 60, None);
                let pay = g.rng.range(7_000, 11_000);
                let mut rp = g.resident(p, Living::Wage(pay));
                rp.since = dw.residents[0].since;
                rp.partner = Some(h);
                dw.residents[0].partner = Some(rp.p.bsn);
                dw.koopsom = Some(g.rng.range(550_000, 850_000));
                dw.acquired = g.today - g.rng.range(60, 1_000) as i32;
                if g.rng.chance(0.5) {
                    dw.co_owners.push(rp.p.bsn);
                }
                dw.residents.push(rp);
                "partner_inkomen"
            }
        };
        g.mark_v(&mut dw, THEME, id, true, variant, s);
        out.push(dw);
        return Ok(out);
    }
    let times = s.pick(&mut g.rng, (25, 60), (14, 20), (11, 12));
    let kind = g.rng.below(3);
    if kind == 2 {
        // On bijstand, and owner of a home he lets.
        let mut home = g.household_single('M', Living::Bijstand);
        let h = home.residents[0].p.bsn;
        home.owner = Owner::Corporation;
        home.koopsom = None;
        home.residents[0].box3 = Some(0);
        let area = g.rng.range(50, 90);
        let mut dw = g.new_dwelling("woonfunctie", area);
        let n = g.rng.range(1, 2);
        dw.residents = g.lodgers(n, Living::Wage(2_300));
        dw.owner = Owner::Person(h);
        dw.koopsom = Some(s.pick(
            &mut g.rng,
            (200_000, 350_000),
            (120_000, 200_000),
            (60_000, 120_000),
        ));
        dw.acquired = g.today - g.rng.range(200, 3_000) as i32;
        g.person_truth(id, &home.residents[0].p.clone(), "eigenaar")?;
        g.mark_v(&mut dw, THEME, id, false, "bezit_in_bijstand", s);
        // Where the recipient lives is part of the case.
        g.mark_extra(&mut home, THEME, id, s);
        out.push(home);
        out.push(dw);
        return Ok(out);
    }
    let wage = g.rng.range(900, 2_000);
    let mut dw = g.household_single('M', Living::Wage(wage));
    let h = dw.residents[0].p.bsn;
    dw.residents[0].box3 = Some(g.rng.range(0, 10_000));
    let mut income = wage * 12;
    let mut buyers = 1;
    if g.rng.chance(0.4) {
        // A couple, both on modest pay, each holding half.
        let pw = g.rng.range(900, 1_800);
        let p = g.person('V', 25, 60, None);
        let mut rp = g.resident(p, Living::Wage(pw));
        rp.since = dw.residents[0].since;
        rp.partner = Some(h);
        rp.box3 = Some(0);
        dw.residents[0].partner = Some(rp.p.bsn);
        dw.co_owners.push(rp.p.bsn);
        income += pw * 12;
        buyers = 2;
        dw.residents.push(rp);
    }
    let wealth: u64 = dw.residents.iter().filter_map(|r| r.box3).sum();
    let price = (income + wealth) * times;
    let variant = if kind == 0 {
        dw.owner = Owner::Person(h);
        dw.contract = None;
        dw.koopsom = Some(price);
        dw.acquired = g.today - g.rng.range(60, 1_500) as i32;
        dw.area = g.rng.range(100, 220);
        g.mark_v(&mut dw, THEME, id, false, "koop_huishouden", s);
        out.push(dw);
        "koop_huishouden"
    } else {
        // A second home, let to others; the buyers rent their own.
        dw.owner = Owner::Corporation;
        dw.koopsom = None;
        dw.co_owners.clear();
        let area = g.rng.range(50, 120);
        let mut second = g.new_dwelling("woonfunctie", area);
        let n = g.rng.range(1, 3);
        second.residents = g.lodgers(n, Living::Wage(2_500));
        second.owner = Owner::Person(h);
        if buyers == 2
            && let Some(p) = dw.residents.get(1).map(|r| r.p.bsn)
        {
            second.co_owners.push(p);
        }
        second.koopsom = Some(price);
        second.acquired = g.today - g.rng.range(60, 1_500) as i32;
        g.mark_v(&mut second, THEME, id, false, "tweede_woning", s);
        // Where the household lives is part of the case.
        g.mark_extra(&mut dw, THEME, id, s);
        out.push(dw);
        out.push(second);
        "tweede_woning"
    };
    let _ = variant;
    Ok(out)
}
