//! Samenwoonfraude: a benefit at the single rate (bijstand, or AOW from the SVB) while a
//! partner with income lives there. Variants: the partner registered at the address; the
//! partner registered elsewhere but known at her address to the Belastingdienst or as a fiscal
//! or allowance partner (seen from either partner's rows); AOW at the single rate with a partner
//! at home. Look-alikes: a cost-sharing household whose bijstand is already reduced
//! (kostendelersnorm), a lodger whose rent is declared and set off, an adult child who lives
//! with the parent, an AOW couple at the couple rate.

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living, Strength};
use crate::names;

const THEME: &str = "samenwoonfraude";

/// Plants a case of samenwoonfraude, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, s: Strength, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        let kind = g.rng.below(4);
        let (mut dw, variant) = match kind {
            0 => {
                let (vv, last) = names::surname(&mut g.rng);
                let a = g.person('M', 68, 85, Some((vv, last)));
                let b = g.person('V', 67, 85, None);
                let mut ra = g.resident(a, Living::Aow);
                let mut rb = g.resident(b, Living::Aow);
                rb.since = ra.since;
                ra.partner = Some(rb.p.bsn);
                rb.partner = Some(ra.p.bsn);
                let area = g.rng.range(60, 90);
                let mut dw = g.new_dwelling("woonfunctie", area);
                dw.residents = vec![ra, rb];
                g.tenure(&mut dw);
                (dw, "aow_paar")
            }
            1 | 2 => {
                // Bijstand with another adult earning at home, already reduced: a cost-sharer
                // (kostendelersnorm) or a lodger whose rent is declared.
                let mut dw = g.household_single('V', Living::Bijstand);
                dw.residents[0].reduced = true;
                let p = g.person('M', 25, 60, None);
                let wage = g.rng.range(1_800, 3_500);
                let mut r = g.resident(p, Living::Wage(wage));
                r.since = dw.residents[0].since + g.rng.range(30, 900) as i32;
                dw.residents.push(r);
                (
                    dw,
                    if kind == 1 {
                        "kostendeler"
                    } else {
                        "kamerhuurder"
                    },
                )
            }
            _ => {
                // An adult child with a job who has always lived with the parent.
                let mut dw = g.household_single('V', Living::Bijstand);
                let (vv, last) = (dw.residents[0].p.vv, dw.residents[0].p.last.clone());
                let k = g.person('M', 18, 24, Some((vv, last)));
                let pay = g.rng.range(1_200, 2_200);
                let mut rk = g.resident(k, Living::Wage(pay));
                rk.since = dw.residents[0].since.max(rk.p.birth);
                dw.residents.push(rk);
                (dw, "volwassen_kind")
            }
        };
        g.mark_v(&mut dw, THEME, id, true, variant, s);
        out.push(dw);
        return Ok(out);
    }
    let kind = g.rng.below(3);
    let wage = s.pick(&mut g.rng, (2_800, 4_500), (1_800, 2_800), (1_300, 1_800));
    if kind == 2 {
        // AOW at the single rate with a partner at home.
        let (vv, last) = names::surname(&mut g.rng);
        let a = g.person('V', 67, 85, Some((vv, last)));
        let b = g.person('M', 60, 85, None);
        let mut ra = g.resident(a, Living::Aow);
        ra.svb_single = true;
        let lb = if b.age(g.today) >= 67 {
            Living::Aow
        } else {
            Living::Wage(wage)
        };
        let mut rb = g.resident(b, lb);
        rb.svb_single = true;
        rb.since = ra.since + g.rng.range(100, 2_000) as i32;
        rb.since = rb.since.min(g.today - 30);
        if s == Strength::Sterk {
            rb.fiscaal_partner = Some(ra.p.bsn);
            ra.fiscaal_partner = Some(rb.p.bsn);
        }
        g.person_truth(id, &ra.p, "uitkeringsgerechtigde")?;
        let area = g.rng.range(50, 90);
        let mut dw = g.new_dwelling("woonfunctie", area);
        dw.residents = vec![ra, rb];
        g.tenure(&mut dw);
        g.mark_v(&mut dw, THEME, id, false, "aow_alleenstaand", s);
        out.push(dw);
        return Ok(out);
    }
    let mut dw = g.household_single('V', Living::Bijstand);
    let partner = g.person('M', 25, 60, None);
    let mut rp = g.resident(partner, Living::Wage(wage));
    g.person_truth(id, &dw.residents[0].p.clone(), "uitkeringsgerechtigde")?;
    g.person_truth(id, &rp.p.clone(), "partner")?;
    let variant;
    if kind == 0 {
        // He is registered at her address.
        variant = "partner_op_adres";
        rp.since = (dw.residents[0].since + g.rng.range(60, 1_500) as i32).min(g.today - 20);
        if s == Strength::Sterk {
            rp.toeslagpartner = Some(dw.residents[0].p.bsn);
        }
        dw.residents.push(rp);
    } else {
        // He is registered elsewhere; what the Belastingdienst and Toeslagen know puts him
        // with her: seen from his rows, from hers, or both.
        variant = "partner_elders";
        let her = dw.residents[0].p.bsn;
        match (s, g.rng.below(3)) {
            (Strength::Sterk, _) => {
                rp.bd_vbo = Some(dw.vbo);
                rp.fiscaal_partner = Some(her);
                dw.residents[0].toeslagpartner = Some(rp.p.bsn);
            }
            (_, 0) => rp.bd_vbo = Some(dw.vbo),
            (_, 1) => rp.toeslagpartner = Some(her),
            _ => dw.residents[0].toeslagpartner = Some(rp.p.bsn),
        }
        let registered_elsewhere = rp.bd_vbo.is_some();
        if registered_elsewhere {
            // Registered there for years, so that the tax years delivered compare with it.
            rp.since = rp.since.min(g.today - g.rng.range(600, 3_000) as i32);
        }
        let mut other = g.household_single('M', Living::Wage(2_000));
        other.residents.push(rp);
        if registered_elsewhere {
            // His tax address is hers: registered where he does not live.
            g.mark_v(
                &mut other,
                "adresfraude",
                id,
                false,
                "fiscaal_adres_elders",
                s,
            );
        }
        // Where the partner is registered is part of the case.
        g.mark_extra(&mut other, THEME, id, s);
        out.push(other);
    }
    g.mark_v(&mut dw, THEME, id, false, variant, s);
    if out
        .iter()
        .any(|o| o.residents.iter().any(|r| r.bd_vbo == Some(dw.vbo)))
    {
        // The address the Belastingdienst has for him is part of the address fraud too.
        g.mark_extra(&mut dw, "adresfraude", id, s);
    }
    out.push(dw);
    Ok(out)
}
