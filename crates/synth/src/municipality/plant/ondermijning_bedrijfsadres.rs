//! Ondermijning (bedrijfsadres): many companies registered at a home, short-lived companies,
//! or companies at a home with a police registration. Look-alikes: a business centre, a
//! self-employed resident with a company or two at home.

use anyhow::Result;

use crate::municipality::{Company, Dwelling, Gen, Living, Owner, Strength};

const THEME: &str = "ondermijning_bedrijfsadres";

fn company(g: &mut Gen<'_>, start: i32, end: Option<i32>) -> Company {
    let name = format!(
        "{} {}",
        *g.rng.pick(&[
            "Handelsonderneming",
            "Trading",
            "Holding",
            "Beheer",
            "Services"
        ]),
        g.rng.range(100, 999)
    );
    let rechtsvorm = *g.rng.pick(&["bv", "bv", "vof", "overig"]);
    Company {
        name,
        rechtsvorm,
        start,
        end,
        owner: None,
    }
}

/// Plants a case of ondermijning_bedrijfsadres, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, s: Strength, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        let (mut dw, variant) = if g.rng.chance(0.5) {
            let area = g.rng.range(400, 3_000);
            let mut dw = g.new_dwelling("kantoorfunctie", area);
            dw.owner = Owner::Company(format!("{:08}", 77_000_000 + g.rng.below(9_000)));
            for _ in 0..g.rng.range(8, 30) {
                let start = g.today - g.rng.range(100, 3_000) as i32;
                let end = g
                    .rng
                    .chance(0.4)
                    .then(|| start + g.rng.range(60, 900) as i32);
                let c = company(g, start, end.filter(|e| *e < g.today));
                dw.companies.push(c);
            }
            (dw, "bedrijfsverzamelgebouw")
        } else {
            let mut dw = g.household_single('M', Living::Wage(2_800));
            let n = g.rng.range(1, 3);
            for k in 0..n {
                let start = g.today - g.rng.range(400, 5_000) as i32;
                let end = (k == 2).then(|| start + g.rng.range(400, 1_500) as i32);
                let owner = Some(dw.residents[0].p.bsn);
                let name = format!(
                    "{} {}",
                    dw.residents[0].p.last,
                    *g.rng.pick(&["Advies", "Klussen", "Design"])
                );
                dw.companies.push(Company {
                    name,
                    rechtsvorm: "eenmanszaak",
                    start,
                    end: end.filter(|e| *e < g.today),
                    owner,
                });
            }
            (dw, "zzp_aan_huis")
        };
        g.mark_v(&mut dw, THEME, id, true, variant, s);
        out.push(dw);
        return Ok(out);
    }
    let mut dw = g.household_single('M', Living::Wage(2_000));
    let variant = match g.rng.below(3) {
        0 => {
            let n = s.pick(&mut g.rng, (8, 14), (5, 7), (4, 4));
            for _ in 0..n {
                let start = g.today - g.rng.range(60, 1_500) as i32;
                let c = company(g, start, None);
                dw.companies.push(c);
            }
            "veel_bedrijven"
        }
        1 => {
            let n = s.pick(&mut g.rng, (4, 6), (3, 3), (2, 2));
            for _ in 0..n {
                let start = g.today - g.rng.range(200, 1_500) as i32;
                let end = start + g.rng.range(30, 300) as i32;
                let c = company(g, start, Some(end.min(g.today - 1)));
                dw.companies.push(c);
            }
            "kortlevend"
        }
        _ => {
            let n = s.pick(&mut g.rng, (3, 3), (2, 2), (2, 2));
            for _ in 0..n {
                let start = g.today - g.rng.range(60, 1_500) as i32;
                let c = company(g, start, None);
                dw.companies.push(c);
            }
            let p = dw.residents[0].p.clone();
            let cat = *g.rng.pick(&["drugshandel", "mensenhandel", "overig"]);
            dw.police.push((cat, vec![(p, "verdachte")]));
            "politie"
        }
    };
    g.mark_v(&mut dw, THEME, id, false, variant, s);
    out.push(dw);
    Ok(out)
}
