//! Onderverhuur: the tenant of a social-housing home does not live there while others are
//! registered in it. Variants: the tenant registered elsewhere; the tenant emigrated or left
//! for an unknown destination; the tenant's tax address elsewhere. Look-alikes: a tenant who
//! died (the contract ends), a tenant in care with the partner at home, an old contract
//! followed by a new tenant who lives there.
//!
//! The finding about the tenant is reported at the rented home and at the address where he is
//! registered or known to the Belastingdienst: the truth lists that address too (`bijkomend`).

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living, Owner, Strength};

const THEME: &str = "onderverhuur";

/// Plants a case of onderverhuur, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, s: Strength, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        let kind = g.rng.below(3);
        let mut dw;
        let variant = match kind {
            0 => {
                // The old contract ended, the new tenant lives there.
                dw = g.household_single('V', Living::Wage(2_600));
                let old = g.person('M', 40, 80, None);
                let end = dw.residents[0].since - 10;
                dw.owner = Owner::Corporation;
                let tenant = dw.residents[0].p.clone();
                dw.contract = Some((tenant, dw.residents[0].since, None, 620));
                dw.passed_through.push((old.clone(), end - 4_000, end));
                dw.old_contract = Some((old, end - 4_000, end, 540));
                "nieuwe_huurder"
            }
            1 => {
                // The tenant died; the contract ends a month later; the family still there.
                let area = g.rng.range(50, 80);
                dw = g.new_dwelling("woonfunctie", area);
                dw.owner = Owner::Corporation;
                let tenant = g.person('M', 60, 90, None);
                let died = g.today - g.rng.range(20, 200) as i32;
                dw.contract = Some((tenant.clone(), died - 5_000, Some(died + 30), 560));
                dw.departed.push((tenant, "overleden", died - 5_000, died));
                dw.residents = g.lodgers(1, Living::Wage(2_000));
                "huurder_overleden"
            }
            _ => {
                // The tenant lives in a care home; the partner stays at home.
                let area = g.rng.range(50, 80);
                dw = g.new_dwelling("woonfunctie", area);
                dw.owner = Owner::Corporation;
                let tenant = g.person('M', 70, 90, None);
                let wife = g.person('V', 68, 88, None);
                dw.contract = Some((tenant.clone(), g.today - 6_000, None, 580));
                let mut rw = g.resident(wife, Living::Aow);
                rw.partner = Some(tenant.bsn);
                dw.residents = vec![rw];
                let area = g.rng.range(900, 2_500);
                let mut care = g.new_dwelling("gezondheidszorgfunctie", area);
                care.owner = Owner::Company(format!("{:08}", 73_000_000 + g.rng.below(50)));
                let mut rt = g.resident(tenant, Living::Aow);
                rt.since = g.today - g.rng.range(30, 700) as i32;
                rt.partner = Some(dw.residents[0].p.bsn);
                care.residents = vec![rt];
                for _ in 0..g.rng.range(10, 30) {
                    let p = g.person('V', 78, 99, None);
                    let r = g.resident(p, Living::Aow);
                    care.residents.push(r);
                }
                out.push(care);
                "huurder_in_zorg"
            }
        };
        g.mark_v(&mut dw, THEME, id, true, variant, s);
        out.push(dw);
        return Ok(out);
    }
    let area = g.rng.range(45, 75);
    let mut dw = g.new_dwelling("woonfunctie", area);
    let tenant = g.person('M', 30, 65, None);
    dw.owner = Owner::Corporation;
    dw.contract = Some((tenant.clone(), g.today - 3_000, None, g.rng.range(500, 700)));
    let others = s.pick(&mut g.rng, (3, 5), (2, 2), (1, 1));
    dw.residents = g.lodgers(others, Living::Wage(1_900));
    g.person_truth(id, &tenant, "huurder")?;
    let variant = match g.rng.below(3) {
        0 => {
            // He lives with his partner; where he is registered is part of the case.
            let mut home = g.household_single('V', Living::Wage(2_800));
            g.mark_extra(&mut home, THEME, id, s);
            let mut r = g.resident(tenant, Living::Wage(3_000));
            r.partner = Some(home.residents[0].p.bsn);
            home.residents[0].partner = Some(r.p.bsn);
            home.residents.push(r);
            out.push(home);
            "huurder_elders_ingeschreven"
        }
        1 => {
            let status = if g.rng.chance(0.5) {
                "emigratie"
            } else {
                "vow"
            };
            let end = g.today - g.rng.range(60, 900) as i32;
            dw.departed.push((tenant, status, g.today - 3_000, end));
            "huurder_vertrokken"
        }
        _ => {
            // Still registered at the home, but the Belastingdienst has him elsewhere: that
            // address is part of the address fraud too.
            let mut home = g.household_single('V', Living::Wage(3_200));
            g.mark_extra(&mut home, THEME, id, s);
            g.mark_extra(&mut home, "adresfraude", id, s);
            let elsewhere = home.vbo;
            out.push(home);
            let mut r = g.resident(tenant, Living::Wage(3_000));
            r.since = g.today - 3_000;
            r.bd_vbo = Some(elsewhere);
            dw.residents.push(r);
            "huurder_fiscaal_elders"
        }
    };
    g.mark_v(&mut dw, THEME, id, false, variant, s);
    if variant == "huurder_fiscaal_elders" {
        // Registered where he does not live: address fraud as well.
        dw.themes.push("adresfraude");
    }
    out.push(dw);
    Ok(out)
}
