//! A synthetic municipality: households in dwellings in buurten, every table of the contract,
//! planted cases of all twelve themes with graded strength, honest look-alikes beside them,
//! and the ground truth in `truth/`.
//!
//! Generation streams dwelling by dwelling; what it remembers is bounded (a ring of recent
//! adults to be landlords, victims or witnesses), so memory does not grow with the size.
//!
//! This module holds the population, the dwellings and what the partners write about them;
//! `plant` holds the cases and look-alikes, one module per theme.

use anyhow::{Context, Result};
use loep_contract::{Bsn, Datum};
use std::path::Path;

use crate::bulk::bsn_for;
use crate::names::{self, FIRST_M, FIRST_M_TAIL, FIRST_V, FIRST_V_TAIL, initials, street, typo};
use crate::out::{Delivery, Truth};
use crate::rng::Rng;

mod plant;

/// The themes' codes, as the generator plants them.
pub fn themes() -> [&'static str; 12] {
    loep_contract::Thema::ALL.map(loep_contract::Thema::code)
}

#[derive(Debug, Clone)]
pub struct Options {
    pub persons: u64,
    pub seed: u64,
    pub peildatum: Datum,
    pub gemeentecode: u32,
    /// Fraction of rows that get one invalid value (listed in `truth/dirty.csv`).
    pub dirty: f64,
    /// Plant no invalid values in the tables that come from national registers as they are
    /// published (BAG, CBS buurten, BRP): PDOK, CBS and Haal Centraal hand out validated
    /// records, and what is wrong in a delivery is in the partners' own exports.
    pub clean_registers: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub tables: Vec<(&'static str, u64)>,
    pub persons: u64,
    pub dwellings: u64,
    /// Per theme: planted cases (addresses) and planted decoys.
    pub themes: Vec<(&'static str, u64, u64)>,
    pub dirty_rows: u64,
}

/// How often a dwelling starts a planted case, and a planted look-alike.
const P_CASE: f64 = 0.03;
const P_DECOY: f64 = 0.025;

/// How strong a planted case is: far beyond any reasonable threshold, clearly beyond it, or
/// just beyond what the domain calls suspicious.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strength {
    Sterk,
    Midden,
    Grens,
}

impl Strength {
    fn as_str(self) -> &'static str {
        match self {
            Strength::Sterk => "sterk",
            Strength::Midden => "midden",
            Strength::Grens => "grens",
        }
    }
    /// A value drawn from the range of this strength: `sterk`, `midden` and `grens` ranges.
    fn pick(self, rng: &mut Rng, sterk: (u64, u64), midden: (u64, u64), grens: (u64, u64)) -> u64 {
        let (lo, hi) = match self {
            Strength::Sterk => sterk,
            Strength::Midden => midden,
            Strength::Grens => grens,
        };
        rng.range(lo, hi)
    }
}

/// A benefit with wages beside it (uitkering_en_loon), or its honest look-alike.
#[derive(Clone)]
pub(crate) struct Moonlight {
    /// `ww`, `wia`, `zw` (UWV) or `bijstand`.
    regeling: &'static str,
    start: i32,
    end: Option<i32>,
    /// The benefit in euros a month.
    amount: u64,
    /// Months (index into the last twelve) with wages, and the wage.
    months: Vec<usize>,
    wage: u64,
}

#[derive(Clone)]
struct Person {
    bsn: Bsn,
    first: String,
    vv: &'static str,
    last: String,
    birth: i32,
    sex: char,
}

impl Person {
    fn age(&self, at: i32) -> i32 {
        (at - self.birth) / 365
    }
}

/// What a person lives on, in euros a month.
#[derive(Clone, Copy, PartialEq)]
enum Living {
    Wage(u64),
    Ww,
    Bijstand,
    Aow,
    Student,
    Child,
    Nothing,
}

#[derive(Clone)]
struct Resident {
    p: Person,
    living: Living,
    /// `W` woonadres or `B` briefadres.
    functie: char,
    partner: Option<Bsn>,
    /// The allowance partner Toeslagen knows (may live elsewhere).
    toeslagpartner: Option<Bsn>,
    /// The address the Belastingdienst holds, when it differs from the BRP.
    bd_vbo: Option<u64>,
    /// A benefit written with its own dates and wages beside it.
    moonlight: Option<Moonlight>,
    /// No income row at the Belastingdienst (not yet assessed).
    no_income_row: bool,
    /// A second income row of the same year with another address (moved during the year or
    /// a correction): the same income, never to be added up.
    bd_extra_vbo: Option<u64>,
    /// Box 3 wealth, when the case decides it.
    box3: Option<u64>,
    /// A benefit already reduced (kostendelersnorm, or declared income set off).
    reduced: bool,
    /// The fiscal partner the Belastingdienst knows, when it is not the BRP partner.
    fiscaal_partner: Option<Bsn>,
    /// The SVB pays the single rate although a partner lives here (samenwoonfraude).
    svb_single: bool,
    /// Hours a month worked for the wage, when they are out of the ordinary.
    uren: Option<u64>,
    /// Earlier registrations in the municipality (object, start, end), when the case decides
    /// them; otherwise one earlier address may be drawn.
    prior: Vec<(u64, i32, i32)>,
    /// Registered here since (days).
    since: i32,
    /// Years whose income and allowance rows the case decides: (year, the address the
    /// Belastingdienst had, the address Toeslagen had), `None` an address outside the area.
    /// Other years follow the BRP history.
    bd_years: Vec<(i32, Option<u64>, Option<u64>)>,
}

/// A company establishment registered at a dwelling.
struct Company {
    name: String,
    rechtsvorm: &'static str,
    start: i32,
    end: Option<i32>,
    /// The owner of an eenmanszaak.
    owner: Option<Bsn>,
}

enum Owner {
    Person(Bsn),
    Corporation,
    Company(String),
}

/// One verblijfsobject and everything the partners know about it.
struct Dwelling {
    vbo: u64,
    buurt: usize,
    street: usize,
    number: u64,
    letter: &'static str,
    doelen: &'static str,
    area: u64,
    residents: Vec<Resident>,
    owner: Owner,
    koopsom: Option<u64>,
    acquired: i32,
    /// A social-housing contract: tenant, start, end, rent.
    contract: Option<(Person, i32, Option<i32>, u64)>,
    /// An earlier contract that has ended: tenant, start, end, rent.
    old_contract: Option<(Person, i32, i32, u64)>,
    /// Electricity, gas, water overrides (otherwise from household size and floor area).
    use_override: Option<(u64, u64, u64)>,
    /// Earlier residents who passed through (bsn-less history is impossible: full persons).
    passed_through: Vec<(Person, i32, i32)>,
    companies: Vec<Company>,
    police: Vec<(&'static str, Vec<(Person, &'static str)>)>,
    /// Residents' reports: days before the peildatum, category, text.
    reports: Vec<(i32, &'static str, String)>,
    /// Every report typed by the same resident: the same address text, the same choice of
    /// anonymity.
    same_hand: bool,
    /// People who lived here and left with a known status (`vow`, `emigratie`, `overleden`):
    /// person, status, start, end.
    departed: Vec<(Person, &'static str, i32, i32)>,
    themes: Vec<&'static str>,
    scenario: Option<(String, bool)>,
    /// The variant of the main theme and the strength planted (truth only).
    variant: &'static str,
    sterkte: &'static str,
    /// Extra electricity of an honest kind (electric car) and an all-electric home (no gas).
    extra_kwh: u64,
    gas_free: bool,
    /// Co-owners beside the owner, each with the same share.
    co_owners: Vec<Bsn>,
    /// A further address of a case whose residents have no part in it (a home where the
    /// person of the case once stayed): they are not listed among the case's people.
    uninvolved: bool,
}

impl Dwelling {
    /// Someone who stayed here from `start` to `end`. Two people who passed through are
    /// unrelated: they do not leave on the same day (which would read as one household
    /// leaving together), so a clashing end is moved a day earlier.
    fn pass_through(&mut self, p: Person, start: i32, end: i32) {
        let mut end = end;
        while end > start + 1 && self.passed_through.iter().any(|(_, _, e)| *e == end) {
            end -= 1;
        }
        self.passed_through.push((p, start, end));
    }
}

struct Gen<'a> {
    o: &'a Options,
    rng: Rng,
    out: Delivery,
    adressen: Truth,
    personen: Truth,
    links: Truth,
    adres_links: Truth,
    next_person: u64,
    next_vbo: u64,
    next_kvk: u64,
    next_reg: u64,
    next_melding: u64,
    next_contract: u64,
    n_buurten: usize,
    /// Next free house number per street.
    street_next: Vec<u64>,
    streets_per_buurt: usize,
    numbers_per_street: u64,
    /// Recent adults (ring), to be landlords or people involved in police registrations.
    recent: Vec<Person>,
    /// Recent ordinary homes of the background population (ring): where people who moved
    /// lived before. A planted case or look-alike is never someone's earlier home by chance
    /// (its utilities and registrations are what the case says).
    homes: Vec<u64>,
    today: i32,
    summary: Summary,
    scenario_no: u64,
}

fn d(days: i32) -> String {
    Datum::from_days(days).to_string()
}

fn money(euros: u64) -> String {
    format!("{euros}.00")
}

impl<'a> Gen<'a> {
    /// A first name: mostly a common one, a third of the time one of the less common.
    fn first_name(&mut self, sex: char) -> &'static str {
        let tail = self.rng.chance(0.35);
        let names: &'static [&'static str] = match (sex == 'M', tail) {
            (true, false) => FIRST_M,
            (true, true) => FIRST_M_TAIL,
            (false, false) => FIRST_V,
            (false, true) => FIRST_V_TAIL,
        };
        self.rng.pick::<&'static str>(names)
    }

    fn person(
        &mut self,
        sex: char,
        age_lo: i32,
        age_hi: i32,
        surname: Option<(&'static str, String)>,
    ) -> Person {
        let bsn = bsn_for(self.next_person);
        self.next_person += 1;
        let first = self.first_name(sex);
        let first = if self.rng.chance(0.3) {
            let second = self.first_name(sex);
            format!("{first} {second}")
        } else {
            first.to_string()
        };
        let (vv, last) = surname.unwrap_or_else(|| names::surname(&mut self.rng));
        let age_days = self
            .rng
            .range(age_lo as u64 * 365, age_hi as u64 * 365 + 364) as i32;
        Person {
            bsn,
            first,
            vv,
            last,
            birth: self.today - age_days,
            sex,
        }
    }

    fn adult_living(&mut self, age: i32) -> Living {
        if age >= 67 {
            return Living::Aow;
        }
        let r = self.rng.unit();
        if r < 0.70 {
            Living::Wage(self.rng.range(1_900, 5_500))
        } else if r < 0.74 {
            Living::Ww
        } else if r < 0.78 {
            Living::Bijstand
        } else if age < 26 && r < 0.90 {
            Living::Student
        } else {
            Living::Nothing
        }
    }

    fn resident(&mut self, p: Person, living: Living) -> Resident {
        let since = self.today - self.rng.range(60, 6000) as i32;
        let since = since.max(p.birth);
        Resident {
            p,
            living,
            functie: 'W',
            partner: None,
            toeslagpartner: None,
            bd_vbo: None,
            moonlight: None,
            no_income_row: false,
            bd_extra_vbo: None,
            box3: None,
            reduced: false,
            fiscaal_partner: None,
            svb_single: false,
            uren: None,
            prior: Vec::new(),
            since,
            bd_years: Vec::new(),
        }
    }

    fn new_dwelling(&mut self, doelen: &'static str, area: u64) -> Dwelling {
        let buurt = self.rng.below(self.n_buurten as u64) as usize;
        // The buurt's streets, in turn; a street is full after `numbers_per_street` numbers.
        let mut street = buurt;
        let mut tries = 0;
        while self.street_next[street] > self.numbers_per_street && tries < self.streets_per_buurt {
            street += self.n_buurten;
            tries += 1;
        }
        let number = self.street_next[street];
        self.street_next[street] += 1;
        let vbo = self.next_vbo;
        self.next_vbo += 1;
        let letter = if self.rng.chance(0.06) { "A" } else { "" };
        Dwelling {
            vbo,
            buurt,
            street,
            number,
            letter,
            doelen,
            area,
            residents: Vec::new(),
            owner: Owner::Corporation,
            koopsom: None,
            acquired: self.today - self.rng.range(200, 12_000) as i32,
            contract: None,
            old_contract: None,
            use_override: None,
            passed_through: Vec::new(),
            companies: Vec::new(),
            police: Vec::new(),
            reports: Vec::new(),
            same_hand: false,
            departed: Vec::new(),
            themes: Vec::new(),
            scenario: None,
            variant: "",
            sterkte: "",
            extra_kwh: 0,
            gas_free: false,
            co_owners: Vec::new(),
            uninvolved: false,
        }
    }

    /// A household of the background population in a dwelling of fitting size.
    fn household(&mut self) -> Dwelling {
        let r = self.rng.unit();
        let (vv, last) = names::surname(&mut self.rng);
        let mut residents = Vec::new();
        let area;
        if r < 0.36 {
            let sex = if self.rng.chance(0.5) { 'M' } else { 'V' };
            let p = self.person(sex, 19, 90, Some((vv, last)));
            let living = self.adult_living(p.age(self.today));
            area = self.rng.range(35, 80);
            residents.push(self.resident(p, living));
        } else {
            let elderly = r < 0.48;
            let (lo, hi) = if elderly { (67, 88) } else { (24, 60) };
            let a = self.person('M', lo, hi, Some((vv, last.clone())));
            let b = self.person('V', lo, hi, None);
            let la = self.adult_living(a.age(self.today));
            let lb = self.adult_living(b.age(self.today));
            // Couples live on wages or share a benefit or pension; no single-rate benefit here.
            let (la, lb) = match (la, lb) {
                (Living::Bijstand, Living::Wage(_)) | (Living::Wage(_), Living::Bijstand) => {
                    (la.max_wage(), lb.max_wage())
                }
                other => other,
            };
            let mut ra = self.resident(a, la);
            let mut rb = self.resident(b, lb);
            rb.since = ra.since;
            ra.partner = Some(rb.p.bsn);
            rb.partner = Some(ra.p.bsn);
            residents.push(ra);
            residents.push(rb);
            // A few large families, some of them in homes that are small but within the norm.
            let large = !elderly && r >= 0.62 && self.rng.chance(0.06);
            let kids = if elderly || r < 0.62 {
                0
            } else if large {
                self.rng.range(3, 6)
            } else {
                self.rng.range(1, 3)
            };
            for _ in 0..kids {
                let sex = if self.rng.chance(0.5) { 'M' } else { 'V' };
                let k = self.person(sex, 0, 17, Some((vv, last.clone())));
                let mut rk = self.resident(k, Living::Child);
                rk.since = rk.since.max(residents[0].since);
                residents.push(rk);
            }
            area = if large && self.rng.chance(0.5) {
                (2 + kids) * self.rng.range(13, 16)
            } else {
                55 + 18 * kids + self.rng.range(0, 50)
            };
        }
        let mut dw = self.new_dwelling("woonfunctie", area);
        dw.residents = residents;
        self.tenure(&mut dw);
        dw
    }

    /// Owner-occupied, social rent or private rent.
    fn tenure(&mut self, dw: &mut Dwelling) {
        let r = self.rng.unit();
        let head = dw.residents.first().map(|r| r.p.clone());
        if r < 0.48 {
            if let Some(h) = &head {
                dw.owner = Owner::Person(h.bsn);
                let income: u64 = dw.residents.iter().map(|r| r.living.monthly()).sum();
                // Bought with a mortgage of a few times the household income; some with help
                // from parents.
                let times = if self.rng.chance(0.05) {
                    self.rng.range(6, 8)
                } else {
                    self.rng.range(3, 5)
                };
                dw.koopsom = Some((income * 12 * times).clamp(120_000, 650_000));
                // A couple often buys together, each holding half.
                if let Some(p) = dw.residents.get(1).and_then(|r| r.partner.map(|_| r.p.bsn))
                    && self.rng.chance(0.5)
                {
                    dw.co_owners.push(p);
                }
            }
        } else if r < 0.80 {
            dw.owner = Owner::Corporation;
            if let Some(h) = head {
                let start = dw.residents[0].since;
                dw.contract = Some((h, start, None, self.rng.range(450, 800)));
            }
        } else if self.rng.chance(0.3) {
            // A private landlord that is a company.
            dw.owner = Owner::Company(format!("{:08}", 71_000_000 + self.rng.below(400)));
        } else if let Some(l) = self.landlord() {
            dw.owner = Owner::Person(l.bsn);
        }
    }

    /// An adult of an earlier household, to own a let dwelling.
    fn landlord(&mut self) -> Option<Person> {
        if self.recent.is_empty() {
            return None;
        }
        let i = self.rng.below(self.recent.len() as u64) as usize;
        // Most private landlords let one or two homes: take them out of the pool mostly.
        if self.rng.chance(0.85) {
            Some(self.recent.swap_remove(i))
        } else {
            Some(self.recent[i].clone())
        }
    }

    /// An earlier home for someone who moved: a recent ordinary home of the background.
    fn earlier_home(&mut self) -> u64 {
        if self.homes.is_empty() {
            return self.rng.below(self.next_vbo.max(1));
        }
        let i = self.rng.below(self.homes.len() as u64) as usize;
        self.homes[i]
    }

    /// The landlord of a dwelling that is crowded or sees many short stays: an adult of an
    /// earlier household who owns no other such dwelling (two would make him a huisjesmelker,
    /// a case of its own).
    fn sole_landlord(&mut self) -> Option<Person> {
        if self.recent.is_empty() {
            return None;
        }
        let i = self.rng.below(self.recent.len() as u64) as usize;
        Some(self.recent.swap_remove(i))
    }

    fn remember(&mut self, dw: &Dwelling) {
        // Landlords of the background: not people on bijstand (owning a let home while on
        // bijstand is a case of its own), and nobody of a planted case or look-alike (a case
        // owns what the case says, and every address of it is in the truth).
        if dw.scenario.is_some() {
            return;
        }
        if dw.doelen == "woonfunctie" && dw.residents.iter().any(|r| r.functie == 'W') {
            if self.homes.len() < 512 {
                self.homes.push(dw.vbo);
            } else {
                let i = self.rng.below(512) as usize;
                self.homes[i] = dw.vbo;
            }
        }
        for r in dw.residents.iter().filter(|r| {
            r.p.age(self.today) >= 18 && r.living != Living::Bijstand && r.moonlight.is_none()
        }) {
            if self.recent.len() < 512 {
                self.recent.push(r.p.clone());
            } else {
                let i = self.rng.below(512) as usize;
                self.recent[i] = r.p.clone();
            }
        }
    }

    /// Unrelated adults of low means, each with their own surname.
    fn lodgers(&mut self, n: u64, living: Living) -> Vec<Resident> {
        (0..n)
            .map(|_| {
                let sex = if self.rng.chance(0.7) { 'M' } else { 'V' };
                let p = self.person(sex, 19, 55, None);
                let mut r = self.resident(p, living);
                r.since = self.today - self.rng.range(30, 700) as i32;
                r
            })
            .collect()
    }

    fn start_scenario(&mut self, theme: &str, decoy: bool) -> String {
        self.scenario_no += 1;
        let id = format!("{}-{:06}", if decoy { "D" } else { "S" }, self.scenario_no);
        if let Some(t) = self.summary.themes.iter_mut().find(|t| t.0 == theme) {
            if decoy {
                t.2 += 1;
            } else {
                t.1 += 1;
            }
        }
        id
    }

    fn mark(&mut self, dw: &mut Dwelling, theme: &'static str, id: &str, decoy: bool) {
        dw.themes.push(theme);
        dw.scenario = Some((id.to_string(), decoy));
    }

    /// Marks a dwelling as a case (or look-alike) of `theme` in `variant` at `s`.
    fn mark_v(
        &mut self,
        dw: &mut Dwelling,
        theme: &'static str,
        id: &str,
        decoy: bool,
        variant: &'static str,
        s: Strength,
    ) {
        self.mark(dw, theme, id, decoy);
        dw.variant = variant;
        dw.sterkte = if decoy { "" } else { s.as_str() };
    }

    /// Marks a dwelling as a further address of a case of `theme`: an address where the case's
    /// finding is reported too (a home where the person lived or is known, the owner's home or
    /// his other dwellings), recorded with the variant `bijkomend`.
    fn mark_extra(&mut self, dw: &mut Dwelling, theme: &'static str, id: &str, s: Strength) {
        if dw.themes.contains(&theme) {
            return;
        }
        if dw.scenario.is_none() {
            dw.scenario = Some((id.to_string(), false));
            dw.variant = "bijkomend";
            dw.sterkte = s.as_str();
        }
        dw.themes.push(theme);
    }

    /// The first of January of `year`, in days.
    fn jan1(year: i32) -> i32 {
        Datum {
            year,
            month: 1,
            day: 1,
        }
        .days_since_epoch()
        .unwrap_or_default()
    }

    fn person_truth(&mut self, id: &str, p: &Person, rol: &str) -> Result<()> {
        self.personen.write(&[id, &p.bsn.to_string(), rol])
    }
}

impl Living {
    /// Net monthly means in euros.
    fn monthly(self) -> u64 {
        match self {
            Living::Wage(w) => w,
            Living::Ww => 1_800,
            Living::Bijstand => 1_300,
            Living::Aow => 1_450,
            Living::Student => 400,
            Living::Child | Living::Nothing => 0,
        }
    }

    /// A couple never draws a single-rate benefit beside a wage in the background population.
    fn max_wage(self) -> Living {
        match self {
            Living::Bijstand => Living::Wage(2_200),
            other => other,
        }
    }
}

const CORPORATION: (&str, &str) = ("Woonstede", "40000001");

/// The categories residents choose when they report an address.
const REPORT_CATEGORIES: [&str; 5] = [
    "verdachte_bewoning",
    "overbewoning",
    "woonoverlast",
    "onderverhuur",
    "drugsoverlast",
];

impl<'a> Gen<'a> {
    /// What a resident writes in a report, in their own words.
    fn report_text(&mut self) -> String {
        let what = *self.rng.pick(&[
            "Steeds andere mensen in en uit",
            "Veel matrassen naar binnen gedragen",
            "Er wonen veel meer mensen dan er staan ingeschreven",
            "De huurder woont hier al lang niet meer",
            "'s Nachts busjes met werknemers",
            "Ramen altijd afgeplakt, vreemde lucht",
            "Overlast en veel bezoek op rare tijden",
            "Niemand woont hier, post stapelt zich op",
        ]);
        let when = *self
            .rng
            .pick(&["", " sinds een paar weken", " al maanden", " weer"]);
        format!("{what}{when} (nr {})", self.rng.range(1, 999))
    }

    fn household_single(&mut self, sex: char, living: Living) -> Dwelling {
        let p = self.person(sex, 25, 60, None);
        let area = self.rng.range(40, 75);
        let mut dw = self.new_dwelling("woonfunctie", area);
        let r = self.resident(p, living);
        dw.residents.push(r);
        self.tenure(&mut dw);
        dw
    }

    fn woonplaats(&self) -> &'static str {
        if self.o.gemeentecode == 392 {
            "Haarlem"
        } else {
            "Loepstad"
        }
    }

    fn postcode(&self, street: usize, number: u64) -> (u64, String) {
        // A postcode area per street, so that postcode and number identify an address.
        let pc4 = 1_000 + ((u64::from(self.o.gemeentecode) % 80) * 100 + street as u64) % 9_000;
        let idx = (number / 20) % 676;
        let letters = format!(
            "{}{}",
            (b'A' + (idx / 26) as u8) as char,
            (b'A' + (idx % 26) as u8) as char
        );
        (pc4, letters)
    }

    fn vbo_id(&self, v: u64) -> String {
        format!("{:04}01{:010}", self.o.gemeentecode, v + 1)
    }

    fn buurt_codes(&self, b: usize) -> (String, String) {
        let gm = self.o.gemeentecode;
        (
            format!("BU{gm:04}{:02}{:02}", b / 5 + 1, b % 5 + 1),
            format!("WK{gm:04}{:02}", b / 5 + 1),
        )
    }

    /// A free-text address as a resident or an officer types it.
    fn messy_address(&mut self, dw: &Dwelling) -> String {
        let (full, abbr) = street(dw.street);
        let (pc4, pcl) = self.postcode(dw.street, dw.number);
        let n = dw.number;
        let l = dw.letter;
        let plaats = self.woonplaats();
        match self.rng.below(8) {
            7 => format!("{} {n}{l}", typo(&mut self.rng, &full)),
            0 => format!("{full} {n}{l} {plaats}"),
            1 => format!(
                "{abbr} {n}{} {plaats}",
                if l.is_empty() {
                    String::new()
                } else {
                    format!("-{}", l.to_lowercase())
                }
            ),
            2 => format!("{} {n} {l}", full.to_lowercase())
                .trim_end()
                .to_string(),
            3 => format!("{full} {n}{l}, {pc4} {pcl} {plaats}"),
            4 => format!("{full} {n}{l} {pc4}{pcl}"),
            5 => format!("{pc4}{pcl} {n}{l}"),
            _ => format!("{full} {n}{l}"),
        }
    }

    fn bsn_s(b: &Bsn) -> String {
        b.to_string()
    }

    /// The name of a tenant or person involved as someone typed it: exact, or with a typing
    /// error, initials, a moved or dropped voorvoegsel, swapped name parts, or a partial or
    /// slightly wrong birth date.
    fn typed_name(&mut self, p: &Person) -> (String, String, String, String) {
        let mut first = p.first.clone();
        let mut vv = p.vv.to_string();
        let mut last = p.last.clone();
        let b = Datum::from_days(p.birth);
        let mut birth = b.to_string();
        if self.rng.chance(0.45) {
            match self.rng.below(7) {
                0 => last = typo(&mut self.rng, &last),
                1 => first = initials(&first),
                2 if !vv.is_empty() => {
                    last = format!("{}{} {}", vv[..1].to_uppercase(), &vv[1..], last);
                    vv.clear();
                }
                3 => vv.clear(),
                4 => std::mem::swap(&mut first, &mut last),
                5 => birth = format!("{:04}-{:02}-00", b.year, b.month),
                6 if b.day <= 12 && b.day != b.month => {
                    birth = format!("{:04}-{:02}-{:02}", b.year, b.day, b.month)
                }
                _ => first = typo(&mut self.rng, &first),
            }
        }
        (first, vv, last, birth)
    }

    fn write_contract(
        &mut self,
        dw: &Dwelling,
        tenant: &Person,
        start: i32,
        end: Option<i32>,
        rent: u64,
    ) -> Result<()> {
        self.next_contract += 1;
        let contract_id = format!("HC{:08}", self.next_contract);
        let (first, vv, last, birth) = self.typed_name(tenant);
        let mut row = vec![
            CORPORATION.0.to_string(),
            contract_id.clone(),
            self.vbo_id(dw.vbo),
            first,
            vv,
            last,
            birth,
            d(start),
            end.map(d).unwrap_or_default(),
            money(rent),
            "ja".to_string(),
        ];
        self.out.row("wc_huurcontract", &mut row)?;
        let key = format!("{}:{contract_id}", CORPORATION.0);
        self.links
            .write(&["wc_huurcontract", &key, &Self::bsn_s(&tenant.bsn)])
    }

    fn write_person(
        &mut self,
        p: &Person,
        status: &str,
        vbo: Option<u64>,
        functie: char,
        since: i32,
        partner: Option<Bsn>,
    ) -> Result<()> {
        let mut row = vec![
            Self::bsn_s(&p.bsn),
            p.first.clone(),
            p.vv.to_string(),
            p.last.clone(),
            d(p.birth),
            p.sex.to_string(),
            if status == "overleden" {
                d(since)
            } else {
                String::new()
            },
            status.to_string(),
            vbo.map(|v| self.vbo_id(v)).unwrap_or_default(),
            if vbo.is_some() {
                functie.to_string()
            } else {
                String::new()
            },
            if vbo.is_some() {
                d(since)
            } else {
                String::new()
            },
            partner.map(|b| Self::bsn_s(&b)).unwrap_or_default(),
        ];
        self.out.row("brp_persoon", &mut row)?;
        Ok(())
    }

    fn history(
        &mut self,
        bsn: &Bsn,
        vbo: u64,
        functie: char,
        start: i32,
        end: Option<i32>,
    ) -> Result<()> {
        // Some BRP dates are known to the month only.
        let aanvang = if self.rng.chance(0.03) {
            let x = Datum::from_days(start);
            format!("{:04}-{:02}-00", x.year, x.month)
        } else {
            d(start)
        };
        let mut row = vec![
            Self::bsn_s(bsn),
            self.vbo_id(vbo),
            functie.to_string(),
            aanvang,
            end.map(d).unwrap_or_default(),
        ];
        self.out.row("brp_verblijf_historie", &mut row)?;
        Ok(())
    }

    /// The twelve months up to the peildatum, as (year, month).
    fn months(&self) -> Vec<(i32, u32)> {
        let p = Datum::from_days(self.today);
        (0..12)
            .map(|k| {
                let m = p.year * 12 + p.month as i32 - 1 - k;
                (m.div_euclid(12), (m.rem_euclid(12) + 1) as u32)
            })
            .rev()
            .collect()
    }

    fn wages(&mut self, bsn: &Bsn, monthly: u64, months: &[(i32, u32)]) -> Result<()> {
        self.wages_h(bsn, monthly, months, None)
    }

    /// Wages in these months; hours a month from the wage at an ordinary hourly pay unless
    /// given.
    fn wages_h(
        &mut self,
        bsn: &Bsn,
        monthly: u64,
        months: &[(i32, u32)],
        uren: Option<u64>,
    ) -> Result<()> {
        let employer = format!("{:09}L01", 800_000_000 + self.rng.below(20_000));
        let hourly = self.rng.range(16, 40);
        let hours = uren.unwrap_or_else(|| (monthly / hourly).clamp(8, 173));
        for (y, m) in months {
            let mut row = vec![
                Self::bsn_s(bsn),
                employer.clone(),
                format!("{y:04}-{m:02}"),
                money(monthly),
                hours.to_string(),
            ];
            self.out.row("uwv_dienstverband", &mut row)?;
        }
        Ok(())
    }

    /// Writes everything the partners hold about one dwelling and its residents.
    fn emit(&mut self, dw: &Dwelling) -> Result<()> {
        let vbo = self.vbo_id(dw.vbo);
        self.emit_bag(dw, &vbo)?;
        self.emit_kadaster(dw, &vbo)?;
        self.emit_contracts(dw)?;

        let months = self.months();
        let income_year = Datum::from_days(self.today).year - 1;
        let kids = dw
            .residents
            .iter()
            .filter(|r| r.living == Living::Child)
            .count();
        let occupants = dw.residents.iter().filter(|r| r.functie == 'W').count() as u64;
        self.emit_brp(dw, income_year)?;

        // Income, allowances, benefits and wages.
        let today = self.today;
        for r in dw.residents.iter().filter(|r| r.p.age(today) >= 18) {
            self.emit_income(dw, r, income_year)?;
            self.emit_allowances(dw, r, &vbo, income_year, occupants)?;
            self.emit_living(r, &vbo, kids, &months)?;
            self.emit_moonlight(r, &vbo, kids, &months)?;
            self.emit_child_benefit(r, &vbo, kids)?;
        }

        self.emit_utilities(dw, &vbo, income_year)?;
        self.emit_companies(dw, &vbo)?;
        self.emit_police(dw, &vbo)?;
        self.emit_reports(dw, &vbo)?;
        self.emit_truth(dw, &vbo, occupants)
    }

    /// The BAG verblijfsobject: its address, use, floor area, building year, buurt and a
    /// location inside the buurt.
    fn emit_bag(&mut self, dw: &Dwelling, vbo: &str) -> Result<()> {
        let (bu, wk) = self.buurt_codes(dw.buurt);
        let (full, _) = street(dw.street);
        let (pc4, pcl) = self.postcode(dw.street, dw.number);
        let gm = self.o.gemeentecode;
        let x = 100_000 + (dw.buurt % 5) as u64 * 1_000 + self.rng.below(1_000);
        let y = 480_000 + (dw.buurt / 5) as u64 * 1_000 + self.rng.below(1_000);
        let mut row = vec![
            vbo.to_string(),
            format!("{gm:04}20{:010}", dw.vbo + 1),
            full,
            dw.number.to_string(),
            dw.letter.to_string(),
            String::new(),
            format!("{pc4}{pcl}"),
            self.woonplaats().to_string(),
            dw.doelen.to_string(),
            dw.area.to_string(),
            format!("{gm:04}10{:010}", dw.vbo / 4 + 1),
            (1900 + self.rng.below(125)).to_string(),
            bu,
            wk,
            format!("{x}.0"),
            format!("{y}.0"),
        ];
        self.out.row("bag_verblijfsobject", &mut row)?;
        Ok(())
    }

    /// Kadaster: the owner, and every co-owner with the same share.
    fn emit_kadaster(&mut self, dw: &Dwelling, vbo: &str) -> Result<()> {
        let (eig_bsn, eig_kvk) = match &dw.owner {
            Owner::Person(b) => (Self::bsn_s(b), String::new()),
            Owner::Corporation => (String::new(), CORPORATION.1.to_string()),
            Owner::Company(k) => (String::new(), k.clone()),
        };
        let share = format!("1/{}", dw.co_owners.len() + 1);
        let mut row = vec![
            vbo.to_string(),
            eig_bsn,
            eig_kvk,
            share.clone(),
            d(dw.acquired),
            dw.koopsom.map(money).unwrap_or_default(),
        ];
        self.out.row("kad_eigendom", &mut row)?;
        for c in &dw.co_owners {
            let mut row = vec![
                vbo.to_string(),
                Self::bsn_s(c),
                String::new(),
                share.clone(),
                d(dw.acquired),
                dw.koopsom.map(money).unwrap_or_default(),
            ];
            self.out.row("kad_eigendom", &mut row)?;
        }
        Ok(())
    }

    /// The housing corporation's rent contracts: an earlier one that has ended, then the
    /// current one.
    fn emit_contracts(&mut self, dw: &Dwelling) -> Result<()> {
        if let Some((old, start, end, rent)) = &dw.old_contract {
            self.write_contract(dw, old, *start, Some(*end), *rent)?;
        }
        if let Some((tenant, start, end, rent)) = &dw.contract {
            self.write_contract(dw, tenant, *start, *end, *rent)?;
        }
        Ok(())
    }

    /// BRP: residents, and the people who passed through, each with their registrations at
    /// this address and before it.
    fn emit_brp(&mut self, dw: &Dwelling, income_year: i32) -> Result<()> {
        let year_start = Datum {
            year: income_year,
            month: 1,
            day: 1,
        }
        .days_since_epoch()
        .unwrap_or(self.today - 365);
        for r in &dw.residents {
            self.write_person(
                &r.p,
                "ingezetene",
                Some(dw.vbo),
                r.functie,
                r.since,
                r.partner,
            )?;
            self.emit_earlier_registrations(r, year_start)?;
            self.history(&r.p.bsn, dw.vbo, r.functie, r.since, None)?;
        }
        self.summary.persons += (dw.residents.len() + dw.passed_through.len()) as u64;
        self.summary.persons += dw.departed.len() as u64;
        for (p, status, start, end) in &dw.departed {
            let when = if *status == "overleden" { *end } else { *start };
            self.write_person(p, status, None, 'W', when, None)?;
            self.history(&p.bsn, dw.vbo, 'W', *start, Some(*end))?;
        }
        for (p, start, end) in &dw.passed_through {
            let status = if self.rng.chance(0.5) {
                "vow"
            } else {
                "emigratie"
            };
            self.write_person(p, status, None, 'W', *start, None)?;
            self.history(&p.bsn, dw.vbo, 'W', *start, Some(*end))?;
        }
        Ok(())
    }

    /// A resident's registrations before this address: those the case decides, or else, for
    /// most adults registered here since before the income year whose tax address is this
    /// one, an earlier home drawn from the background.
    fn emit_earlier_registrations(&mut self, r: &Resident, year_start: i32) -> Result<()> {
        if !r.prior.is_empty() {
            for (v, s, e) in &r.prior {
                self.history(&r.p.bsn, *v, 'W', *s, Some(*e))?;
            }
        } else if r.p.age(self.today) >= 18
            && self.next_vbo > 1
            && r.since < year_start
            && r.bd_vbo.is_none()
            && self.rng.chance(0.6)
        {
            let earlier = self.earlier_home();
            let start = (r.since - self.rng.range(400, 4_000) as i32).max(r.p.birth + 18 * 365);
            if start < r.since - 1 {
                // An honest frequent mover: one or two more short stays before.
                if self.rng.chance(0.05) {
                    let e2 = start - 1;
                    let s2 = e2 - self.rng.range(120, 400) as i32;
                    let v2 = self.earlier_home();
                    self.history(&r.p.bsn, v2, 'W', s2, Some(e2))?;
                }
                self.history(&r.p.bsn, earlier, 'W', start, Some(r.since - 1))?;
            }
        }
        Ok(())
    }

    /// An adult's box 3 wealth: what the case decides, or else savings for an owner-occupier
    /// of modest means, some for the well-off and pensioners, none for the others.
    fn box3(&mut self, dw: &Dwelling, r: &Resident) -> u64 {
        let today = self.today;
        let monthly = r.living.monthly();
        let owner_occupier = matches!(dw.owner, Owner::Person(o) if o == r.p.bsn);
        match r.box3 {
            Some(v) => v,
            None if owner_occupier
                && monthly < 2_000
                && (dw.acquired > today - 1_900 || self.rng.chance(0.7)) =>
            {
                // Owners of modest means live on savings, or bought long ago.
                self.rng.range(80_000, 250_000)
            }
            None if monthly > 3_000 || r.living == Living::Aow => self.rng.range(0, 80_000),
            None => 0,
        }
    }

    /// The addresses the Belastingdienst and Toeslagen had for a year: what the case
    /// decides, or else the BRP's of that year: here when he was registered here during
    /// or before it (who moved here in the next year is known at the new address once
    /// the assessment goes there), otherwise his last address of that year in the
    /// history, or one outside the municipality.
    fn tax_addresses(dw: &Dwelling, r: &Resident, y: i32) -> (Option<u64>, Option<u64>) {
        if let Some(&(_, inkomen, toeslag)) = r.bd_years.iter().find(|b| b.0 == y) {
            return (inkomen, toeslag);
        }
        let (y0, y1) = (Self::jan1(y), Self::jan1(y + 1) - 1);
        let a = match r.bd_vbo {
            Some(v) => Some(v),
            None if r.since <= y1 => Some(dw.vbo),
            None => r
                .prior
                .iter()
                .filter(|(_, s, e)| *s <= y1 && *e >= y0)
                .max_by_key(|x| x.2)
                .map(|x| x.0),
        };
        (a, a)
    }

    /// The id of an address in the area, or empty for one outside it.
    fn vbo_id_or_empty(&self, v: Option<u64>) -> String {
        v.map(|v| self.vbo_id(v)).unwrap_or_default()
    }

    /// The Belastingdienst's income rows of an adult: the income year, mostly the year
    /// before it, and the years the case decides, with box 3 wealth and the fiscal partner.
    fn emit_income(&mut self, dw: &Dwelling, r: &Resident, income_year: i32) -> Result<()> {
        let b = Self::bsn_s(&r.p.bsn);
        let monthly = r.living.monthly();
        let box3 = self.box3(dw, r);
        let fiscal = r.fiscaal_partner.or(r.partner);
        // Yearly income: wages and benefits, whatever the person lives on; the case's
        // wages beside a benefit count too.
        let extra = r
            .moonlight
            .as_ref()
            .map_or(0, |m| m.amount * 12 + m.wage * m.months.len() as u64);
        let yearly = monthly * 12 + extra;
        if !r.no_income_row {
            // The older year is not always there yet; the years the case decides are.
            let older = income_year - 1;
            let mut years = vec![income_year];
            if r.bd_years.iter().any(|b| b.0 == older) || !self.rng.chance(0.3) {
                years.push(older);
            }
            for b in &r.bd_years {
                if !years.contains(&b.0) {
                    years.push(b.0);
                }
            }
            for year in years {
                let amount = if year == income_year {
                    yearly
                } else {
                    yearly * self.rng.range(90, 105) / 100
                };
                // A self-employed person may declare a loss.
                let loss = r.living == Living::Nothing && self.rng.chance(0.03);
                let inkomen = if loss {
                    format!("-{}.00", self.rng.range(1_000, 30_000))
                } else {
                    money(amount)
                };
                let mut row = vec![
                    b.clone(),
                    year.to_string(),
                    inkomen.clone(),
                    if box3 > 0 { money(box3) } else { String::new() },
                    fiscal.map(|p| Self::bsn_s(&p)).unwrap_or_default(),
                    self.vbo_id_or_empty(Self::tax_addresses(dw, r, year).0),
                ];
                self.out.row("bd_inkomen", &mut row)?;
                if year == income_year
                    && let Some(other) = r.bd_extra_vbo
                {
                    // The same year again under another address: the same amounts.
                    let mut row = vec![
                        b.clone(),
                        year.to_string(),
                        inkomen,
                        if box3 > 0 { money(box3) } else { String::new() },
                        fiscal.map(|p| Self::bsn_s(&p)).unwrap_or_default(),
                        self.vbo_id(other),
                    ];
                    self.out.row("bd_inkomen", &mut row)?;
                }
            }
        }
        Ok(())
    }

    /// Toeslagen's allowances of an adult: zorgtoeslag on a modest income, and huurtoeslag
    /// for the head of a rented home.
    fn emit_allowances(
        &mut self,
        dw: &Dwelling,
        r: &Resident,
        vbo: &str,
        income_year: i32,
        occupants: u64,
    ) -> Result<()> {
        let b = Self::bsn_s(&r.p.bsn);
        let monthly = r.living.monthly();
        if monthly < 3_000 {
            let mut years = vec![income_year];
            for b in &r.bd_years {
                if !years.contains(&b.0) {
                    years.push(b.0);
                }
            }
            for year in years {
                let mut row = vec![
                    b.clone(),
                    year.to_string(),
                    "zorgtoeslag".to_string(),
                    r.toeslagpartner
                        .or(r.partner)
                        .map(|p| Self::bsn_s(&p))
                        .unwrap_or_default(),
                    self.vbo_id_or_empty(Self::tax_addresses(dw, r, year).1),
                    money(self.rng.range(900, 1_500)),
                    String::new(),
                ];
                self.out.row("bd_toeslag", &mut row)?;
            }
        }
        // Huurtoeslag for the head of a rented home, for the income year he lived in it;
        // a briefadres with huurtoeslag (briefadresmisbruik) has it for every year of the
        // briefadres, paid for that address.
        let head = std::ptr::eq(r, &dw.residents[0]);
        let misused = r.functie == 'B' && dw.variant == "briefadres_met_toeslag";
        if head
            && monthly < 2_600
            && !matches!(dw.owner, Owner::Person(o) if o == r.p.bsn)
            && (r.functie == 'W' || misused)
            && dw.doelen == "woonfunctie"
        {
            let years = if misused {
                vec![income_year - 1, income_year]
            } else {
                vec![income_year]
            };
            for year in years.into_iter().filter(|y| r.since < Self::jan1(y + 1)) {
                let mut row = vec![
                    b.clone(),
                    year.to_string(),
                    "huurtoeslag".to_string(),
                    r.toeslagpartner
                        .or(r.partner)
                        .map(|p| Self::bsn_s(&p))
                        .unwrap_or_default(),
                    vbo.to_string(),
                    money(self.rng.range(1_800, 3_600)),
                    occupants.saturating_sub(1).to_string(),
                ];
                self.out.row("bd_toeslag", &mut row)?;
            }
        }
        Ok(())
    }

    /// What an adult lives on, as its payer writes it: AOW at the SVB, WW at the UWV (with
    /// the old job's final pay), bijstand at the municipality, or wages.
    fn emit_living(
        &mut self,
        r: &Resident,
        vbo: &str,
        kids: usize,
        months: &[(i32, u32)],
    ) -> Result<()> {
        let b = Self::bsn_s(&r.p.bsn);
        match r.living {
            Living::Aow => {
                let couple = r.partner.is_some() && !r.svb_single;
                let leefvorm = if couple {
                    "samenwonend"
                } else {
                    "alleenstaand"
                };
                let amount = if couple { 1_050 } else { 1_520 };
                let start = r.p.birth + 67 * 365 + 120;
                let mut row = vec![
                    b.clone(),
                    "aow".into(),
                    leefvorm.into(),
                    vbo.to_string(),
                    d(start),
                    String::new(),
                    money(amount),
                ];
                self.out.row("svb_uitkering", &mut row)?;
            }
            Living::Ww => {
                let start = self.today - self.rng.range(120, 500) as i32;
                let mut row = vec![
                    b.clone(),
                    "ww".into(),
                    d(start),
                    String::new(),
                    money(1_800),
                ];
                self.out.row("uwv_uitkering", &mut row)?;
                // The final pay of the old job arrives in the first month of the WW.
                if self.rng.chance(0.5) {
                    let s = Datum::from_days(start);
                    let pay = self.rng.range(800, 3_000);
                    self.wages(&r.p.bsn, pay, &[(s.year, s.month)])?;
                }
            }
            Living::Bijstand => {
                let norm = if r.partner.is_some() {
                    "gehuwden"
                } else if kids > 0 {
                    "alleenstaande_ouder"
                } else {
                    "alleenstaande"
                };
                let start = self.today - self.rng.range(120, 2_000) as i32;
                // Reduced: a cost-sharing household (kostendelersnorm) or part-time pay
                // that is declared and set off.
                let amount = if norm == "gehuwden" {
                    1_000
                } else if r.reduced {
                    self.rng.range(650, 1_000)
                } else {
                    1_400
                };
                let mut row = vec![
                    b.clone(),
                    norm.into(),
                    vbo.to_string(),
                    d(start),
                    String::new(),
                    money(amount),
                ];
                self.out.row("gem_bijstand", &mut row)?;
            }
            Living::Wage(w) => {
                let uren = r.uren;
                self.wages_h(&r.p.bsn, w, months, uren)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// A benefit the case writes with its own dates (bijstand at the municipality, the others
    /// at the UWV), and the wages beside it in the months the case decides.
    fn emit_moonlight(
        &mut self,
        r: &Resident,
        vbo: &str,
        kids: usize,
        months: &[(i32, u32)],
    ) -> Result<()> {
        if let Some(m) = &r.moonlight {
            let b = Self::bsn_s(&r.p.bsn);
            if m.regeling == "bijstand" {
                let norm = if kids > 0 {
                    "alleenstaande_ouder"
                } else {
                    "alleenstaande"
                };
                let mut row = vec![
                    b.clone(),
                    norm.into(),
                    vbo.to_string(),
                    d(m.start),
                    m.end.map(d).unwrap_or_default(),
                    money(m.amount),
                ];
                self.out.row("gem_bijstand", &mut row)?;
            } else {
                let mut row = vec![
                    b.clone(),
                    m.regeling.into(),
                    d(m.start),
                    m.end.map(d).unwrap_or_default(),
                    money(m.amount),
                ];
                self.out.row("uwv_uitkering", &mut row)?;
            }
            let ms: Vec<(i32, u32)> = m
                .months
                .iter()
                .filter_map(|i| months.get(*i).copied())
                .collect();
            self.wages(&r.p.bsn, m.wage, &ms)?;
        }
        Ok(())
    }

    /// Kinderbijslag (AKW) at the SVB, paid to a woman of a household with children.
    fn emit_child_benefit(&mut self, r: &Resident, vbo: &str, kids: usize) -> Result<()> {
        if r.p.sex == 'V' && kids > 0 {
            let mut row = vec![
                Self::bsn_s(&r.p.bsn),
                "akw".into(),
                "samenwonend".into(),
                vbo.to_string(),
                d(r.since),
                String::new(),
                money(300 * kids as u64),
            ];
            if r.partner.is_none() {
                row[2] = "alleenstaand".into();
            }
            self.out.row("svb_uitkering", &mut row)?;
        }
        Ok(())
    }

    /// Utilities of the income year: driven by who lived here during that year and the
    /// floor area, with noise, unless the case says otherwise.
    fn emit_utilities(&mut self, dw: &Dwelling, vbo: &str, income_year: i32) -> Result<()> {
        let today = self.today;
        let (kwh, gas, water) = dw.use_override.unwrap_or_else(|| {
            let y0 = Datum {
                year: income_year,
                month: 1,
                day: 1,
            }
            .days_since_epoch()
            .unwrap_or(today - 365);
            let y1 = y0 + 365;
            let lived: f64 = dw
                .residents
                .iter()
                .filter(|r| r.functie == 'W')
                .map(|r| f64::from((y1 - r.since.max(y0)).clamp(0, 365)) / 365.0)
                .sum::<f64>()
                + dw.passed_through
                    .iter()
                    .map(|(_, s, e)| f64::from((e.min(&y1) - s.max(&y0)).clamp(0, 365)) / 365.0)
                    .sum::<f64>()
                + dw.departed
                    .iter()
                    .map(|(_, _, s, e)| f64::from((e.min(&y1) - s.max(&y0)).clamp(0, 365)) / 365.0)
                    .sum::<f64>();
            let n = (lived * 100.0).round() as u64;
            let noise = |rng: &mut Rng, v: u64| v * rng.range(85, 115) / 100;
            let heat = if dw.gas_free { 30 * dw.area } else { 0 };
            (
                noise(&mut self.rng, 900 + 650 * n / 100 + 12 * dw.area + heat) + dw.extra_kwh,
                if dw.gas_free {
                    0
                } else {
                    noise(&mut self.rng, 350 + 8 * dw.area + n)
                },
                noise(&mut self.rng, 4 + 44 * n / 100),
            )
        });
        let mut row = vec![
            vbo.to_string(),
            income_year.to_string(),
            kwh.to_string(),
            gas.to_string(),
            water.to_string(),
        ];
        self.out.row("nuts_verbruik", &mut row)?;
        Ok(())
    }

    /// The companies established here, as the KvK registers them.
    fn emit_companies(&mut self, dw: &Dwelling, vbo: &str) -> Result<()> {
        for Company {
            name,
            rechtsvorm,
            start,
            end,
            owner,
        } in &dw.companies
        {
            self.next_kvk += 1;
            let mut row = vec![
                format!("{:08}", 50_000_000 + self.next_kvk),
                format!("{:012}", 100_000_000_000 + self.next_kvk),
                name.clone(),
                rechtsvorm.to_string(),
                "4791".into(),
                vbo.to_string(),
                d(*start),
                end.map(d).unwrap_or_default(),
                owner.map(|b| Self::bsn_s(&b)).unwrap_or_default(),
            ];
            self.out.row("kvk_vestiging", &mut row)?;
        }
        Ok(())
    }

    /// Police registrations and the people involved, with the address and names as the
    /// officer typed them.
    fn emit_police(&mut self, dw: &Dwelling, vbo: &str) -> Result<()> {
        for (categorie, people) in &dw.police {
            self.next_reg += 1;
            let reg = format!("PR{:09}", self.next_reg);
            let adres = self.messy_address(dw);
            let geocoded = self.rng.chance(0.5);
            let date = self.today - self.rng.range(10, 300) as i32;
            let mut row = vec![
                reg.clone(),
                d(date),
                categorie.to_string(),
                adres,
                if geocoded {
                    vbo.to_string()
                } else {
                    String::new()
                },
                "Melding opgenomen door wijkagent".into(),
            ];
            self.out.row("pol_registratie", &mut row)?;
            self.adres_links.write(&["pol_registratie", &reg, vbo])?;
            for (k, (p, rol)) in people.iter().enumerate() {
                let (first, vv, last, birth) = self.typed_name(p);
                let with_bsn = self.rng.chance(0.4);
                let mut row = vec![
                    reg.clone(),
                    rol.to_string(),
                    first,
                    vv,
                    last,
                    birth,
                    if with_bsn {
                        Self::bsn_s(&p.bsn)
                    } else {
                        String::new()
                    },
                ];
                self.out.row("pol_betrokkene", &mut row)?;
                self.links.write(&[
                    "pol_betrokkene",
                    &format!("{reg}#{}", k + 1),
                    &Self::bsn_s(&p.bsn),
                ])?;
            }
        }
        Ok(())
    }

    /// Residents' reports, with the address as the resident typed it.
    fn emit_reports(&mut self, dw: &Dwelling, vbo: &str) -> Result<()> {
        let hand = (self.messy_address(dw), self.rng.chance(0.5));
        for (ago, cat, text) in &dw.reports {
            self.next_melding += 1;
            let id = format!("M{:09}", self.next_melding);
            let (adres, anoniem) = if dw.same_hand {
                hand.clone()
            } else {
                (self.messy_address(dw), self.rng.chance(0.5))
            };
            let mut row = vec![
                id.clone(),
                d(self.today - ago),
                adres,
                cat.to_string(),
                text.clone(),
                if anoniem { "ja" } else { "nee" }.into(),
            ];
            self.out.row("melding", &mut row)?;
            self.adres_links.write(&["melding", &id, vbo])?;
        }
        Ok(())
    }

    /// The themes the truth records for this address: the dwelling's own, and overbewoning
    /// too for a planted case in an overcrowded home.
    fn truth_themes(&self, dw: &Dwelling, occupants: u64) -> Vec<&'static str> {
        // A planted case in a home that is overcrowded by the domain's measure is a case of
        // overbewoning as well: about 12 m² per person, or, where five or more unrelated
        // adults who each registered on a date of their own live as separate households
        // (rooms let one by one), less than 15 m² per person (the SNF norm for such
        // housing). Who is registered here but lives elsewhere (his tax address is where he
        // lives) is no separate household of this home.
        let today = self.today;
        let mut themes = dw.themes.clone();
        let dwelling_only = dw.doelen.contains("woonfunctie")
            && !dw.doelen.contains("logiesfunctie")
            && !dw.doelen.contains("gezondheidszorgfunctie");
        let separate: std::collections::BTreeSet<i32> = dw
            .residents
            .iter()
            .filter(|r| {
                r.functie == 'W'
                    && r.p.age(today) >= 18
                    && r.living != Living::Child
                    && r.partner.is_none()
                    && r.bd_vbo.is_none()
            })
            .map(|r| r.since)
            .collect();
        let crowded = (occupants >= 2 && dw.area <= 12 * occupants)
            || (separate.len() >= 5 && dw.area < 15 * occupants);
        if dw.scenario.as_ref().is_some_and(|(_, decoy)| !decoy)
            && dwelling_only
            && crowded
            && !themes.contains(&"overbewoning")
        {
            themes.push("overbewoning");
        }
        themes
    }

    /// Ground truth: the address under every theme of its case or look-alike, and the
    /// people of the case.
    fn emit_truth(&mut self, dw: &Dwelling, vbo: &str, occupants: u64) -> Result<()> {
        let themes = self.truth_themes(dw, occupants);
        if let Some((id, decoy)) = &dw.scenario {
            for (k, theme) in themes.iter().enumerate() {
                let (variant, sterkte) = if k == 0 {
                    (dw.variant, dw.sterkte)
                } else {
                    ("bijkomend", dw.sterkte)
                };
                self.adressen.write(&[
                    theme,
                    vbo,
                    id,
                    if *decoy { "ja" } else { "nee" },
                    variant,
                    sterkte,
                ])?;
            }
            // The people of a case; not those who live at a further address without a part in
            // it.
            for r in dw.residents.iter().filter(|_| !dw.uninvolved) {
                self.personen.write(&[
                    id,
                    &Self::bsn_s(&r.p.bsn),
                    if r.functie == 'B' {
                        "briefadres"
                    } else {
                        "bewoner"
                    },
                ])?;
            }
        }
        Ok(())
    }

    /// Background extras: a home business, a police registration, a resident's report.
    fn background(&mut self, dw: &mut Dwelling) {
        if dw.scenario.is_some() || dw.residents.is_empty() {
            return;
        }
        // Honest unusual lives: an electric car, an all-electric home with a heat pump, a
        // second income row of the same year under the previous address, no income row yet.
        if dw.doelen == "woonfunctie" {
            if self.rng.chance(0.06) {
                dw.extra_kwh = self.rng.range(1_500, 3_500);
            }
            if self.rng.chance(0.06) {
                dw.gas_free = true;
            }
        }
        let y0 = Datum {
            year: Datum::from_days(self.today).year - 1,
            month: 1,
            day: 1,
        }
        .days_since_epoch()
        .unwrap_or(self.today - 365);
        for r in &mut dw.residents {
            let u = self.rng.unit();
            if u < 0.03 {
                r.no_income_row = true;
            } else if u < 0.07 && r.p.age(self.today) >= 18 && r.prior.is_empty() {
                // Moved here during the income year: a row for each address of that year. Each
                // came from a recent ordinary home drawn for him alone (housemates who all came
                // from one small home would be registered there without using anything).
                let prev = self.earlier_home();
                r.bd_extra_vbo = Some(prev);
                r.since = y0 + self.rng.range(30, 330) as i32;
                let start = r.since - self.rng.range(400, 2_000) as i32;
                r.prior = vec![(prev, start, r.since - 1)];
            }
            // Bijstand with declared part-time pay, set off against it.
            if r.living == Living::Bijstand && self.rng.chance(0.2) {
                r.reduced = true;
                r.moonlight = None;
            }
        }
        let head = dw.residents[0].p.clone();
        if self.rng.chance(0.04) && head.age(self.today) >= 18 {
            let start = self.today - self.rng.range(300, 5_000) as i32;
            let name = format!(
                "{} {}",
                head.last,
                *self.rng.pick(&["Advies", "Klussen", "Design", "Zorg"])
            );
            dw.companies.push(Company {
                name,
                rechtsvorm: "eenmanszaak",
                start,
                end: None,
                owner: Some(head.bsn),
            });
        }
        if self.rng.chance(0.01) {
            let mut people = vec![(head, "betrokkene")];
            if let Some(w) = self.landlord() {
                people.push((w, "melder"));
            }
            let cat = *self.rng.pick(&[
                "woonoverlast",
                "overlast_jeugd",
                "inbraak",
                "huiselijk_geweld",
                "overig",
            ]);
            dw.police.push((cat, people));
        }
        if self.rng.chance(0.005) {
            let cat = *self.rng.pick(&REPORT_CATEGORIES);
            let text = self.report_text();
            dw.reports.push((self.rng.range(5, 700) as i32, cat, text));
        }
    }

    /// A non-residential object: a shop, an office, student housing or a care home.
    fn other_object(&mut self) -> Dwelling {
        let r = self.rng.unit();
        let mut dw;
        if r < 0.5 {
            let area = self.rng.range(60, 400);
            dw = self.new_dwelling("winkelfunctie", area);
        } else if r < 0.8 {
            let area = self.rng.range(100, 2_000);
            dw = self.new_dwelling("kantoorfunctie", area);
        } else if r < 0.9 {
            let area = self.rng.range(250, 600);
            dw = self.new_dwelling("logiesfunctie", area);
            let count = self.rng.range(10, 30);
            dw.residents = self.lodgers(count, Living::Student);
        } else {
            let area = self.rng.range(900, 3_000);
            dw = self.new_dwelling("gezondheidszorgfunctie", area);
            dw.residents = (0..self.rng.range(20, 60))
                .map(|_| {
                    let p = self.person('V', 78, 99, None);
                    self.resident(p, Living::Aow)
                })
                .collect();
        }
        self.next_kvk += 1;
        dw.owner = Owner::Company(format!("{:08}", 70_000_000 + self.next_kvk));
        if matches!(dw.doelen, "winkelfunctie" | "kantoorfunctie") {
            // The business established there.
            let start = self.today - self.rng.range(200, 8_000) as i32;
            let name = format!(
                "{} {}",
                street(dw.street).0,
                *self.rng.pick(&[
                    "Bakkerij",
                    "Kapsalon",
                    "Administratiekantoor",
                    "Fietsen",
                    "Apotheek"
                ])
            );
            let rechtsvorm = *self.rng.pick(&["bv", "vof", "stichting"]);
            dw.companies.push(Company {
                name,
                rechtsvorm,
                start,
                end: None,
                owner: None,
            });
        }
        dw
    }
}

/// Writes a synthetic municipality to `out/levering/` and its ground truth to `out/truth/`.
pub fn write_municipality(out: &Path, o: &Options) -> Result<Summary> {
    let levering = out.join("levering");
    let truth = out.join("truth");
    for d in [&levering, &truth] {
        std::fs::create_dir_all(d).with_context(|| format!("kan {} niet aanmaken", d.display()))?;
    }
    let today = o
        .peildatum
        .days_since_epoch()
        .context("de peildatum moet een volledige datum zijn")?;
    let n_buurten = ((o.persons / 2_500) as usize).clamp(10, 20);
    let dwellings_estimate = o.persons / 2 + 100;
    let streets_per_buurt = 8;
    let numbers_per_street =
        (dwellings_estimate / (n_buurten * streets_per_buurt) as u64 + 1).clamp(150, 99_999);
    let mut g = Gen {
        o,
        rng: Rng::new(o.seed),
        out: Delivery::create(&levering, &truth, o.dirty, o.seed, o.clean_registers)?,
        adressen: Truth::create(
            &truth,
            "adressen.csv",
            &[
                "thema",
                "vbo_id",
                "scenario_id",
                "decoy",
                "variant",
                "sterkte",
            ],
        )?,
        personen: Truth::create(&truth, "personen.csv", &["scenario_id", "bsn", "rol"])?,
        links: Truth::create(&truth, "links.csv", &["source", "record_key", "bsn"])?,
        adres_links: Truth::create(
            &truth,
            "adres_links.csv",
            &["source", "record_key", "vbo_id"],
        )?,
        next_person: 0,
        next_vbo: 0,
        next_kvk: 0,
        next_reg: 0,
        next_melding: 0,
        next_contract: 0,
        n_buurten,
        street_next: vec![1; n_buurten * streets_per_buurt],
        streets_per_buurt,
        numbers_per_street,
        recent: Vec::new(),
        homes: Vec::new(),
        today,
        summary: Summary {
            themes: themes().iter().map(|t| (*t, 0, 0)).collect(),
            ..Summary::default()
        },
        scenario_no: 0,
    };

    // Buurten: squares of 1 km in a grid of five per wijk.
    for b in 0..n_buurten {
        let (bu, wk) = g.buurt_codes(b);
        let x = 100_000 + (b % 5) * 1_000;
        let y = 480_000 + (b / 5) * 1_000;
        let mut row = vec![
            bu,
            format!(
                "{} {}",
                *g.rng
                    .pick(&["Oude", "Nieuwe", "Hoge", "Lage", "Noord", "Zuid"]),
                street(b).0.replace("straat", "buurt")
            ),
            wk,
            format!("Wijk {}", b / 5 + 1),
            format!("{:04}", o.gemeentecode),
            format!(
                "POLYGON(({x} {y},{} {y},{} {},{x} {},{x} {y}))",
                x + 1_000,
                x + 1_000,
                y + 1_000,
                y + 1_000
            ),
        ];
        g.out.row("cbs_buurt", &mut row)?;
    }

    while g.summary.persons < o.persons {
        let mut dwellings = if g.rng.chance(P_CASE) {
            let theme = *g.rng.pick(&themes());
            g.plant(theme, false)?
        } else if g.rng.chance(P_DECOY) {
            let theme = *g.rng.pick(&themes());
            g.plant(theme, true)?
        } else if g.rng.chance(0.04) {
            vec![g.other_object()]
        } else {
            vec![g.household()]
        };
        for dw in &mut dwellings {
            g.background(dw);
            g.emit(dw)?;
            g.remember(dw);
            g.summary.dwellings += 1;
        }
    }
    let Gen {
        out: delivery,
        adressen,
        personen,
        links,
        adres_links,
        mut summary,
        ..
    } = g;
    summary.dirty_rows = delivery.dirty_rows;
    summary.tables = delivery.finish()?;
    for t in [adressen, personen, links, adres_links] {
        t.finish()?;
    }
    std::fs::write(
        levering.join("levering.toml"),
        format!(
            "# Synthetische gemeente {:04} (loep synth, startwaarde {})\npeildatum = \"{}\"\n",
            o.gemeentecode, o.seed, o.peildatum
        ),
    )?;
    Ok(summary)
}
