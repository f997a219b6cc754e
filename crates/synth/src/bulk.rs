//! A bulk delivery for throughput benchmarks: every table of the contract, valid, in the
//! proportions of a Dutch municipality, streamed to disk so that memory does not grow with the
//! number of persons. It has no planted cases; it measures how fast loep reads, not what it
//! finds.

use anyhow::{Context, Result};
use loep_contract::Bsn;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::names::{FIRST_M, SURNAMES, street};
pub use crate::rng::Rng;

/// The `i`-th valid BSN of a generated population (distinct for distinct `i`).
pub fn bsn_for(i: u64) -> Bsn {
    // Each index owns the prefix pair 2i, 2i+1 above 10,000,000. Adding one to an even prefix
    // adds 2 to the weighted sum, so at most one of the pair lacks a valid check digit.
    let prefix = (10_000_000 + 2 * i).min(99_999_998) as u32;
    Bsn::from_prefix(prefix)
        .or_else(|| Bsn::from_prefix(prefix + 1))
        .unwrap_or_else(|| unreachable!("one of two adjacent prefixes always has a check digit"))
}

/// Row counts of a generated delivery, per table.
#[derive(Debug, Default, Clone)]
pub struct BulkCounts {
    pub per_table: Vec<(&'static str, u64)>,
}

impl BulkCounts {
    pub fn total(&self) -> u64 {
        self.per_table.iter().map(|(_, n)| n).sum()
    }
}

struct Out {
    w: BufWriter<File>,
    rows: u64,
    name: &'static str,
}

impl Out {
    fn new(dir: &Path, name: &'static str, header: &str) -> Result<Out> {
        let path = dir.join(format!("{name}.csv"));
        let f =
            File::create(&path).with_context(|| format!("kan {} niet aanmaken", path.display()))?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        writeln!(w, "{header}")?;
        Ok(Out { w, rows: 0, name })
    }
    fn row(&mut self, args: std::fmt::Arguments<'_>) -> Result<()> {
        self.w.write_fmt(args)?;
        self.w.write_all(b"\n")?;
        self.rows += 1;
        Ok(())
    }
    fn done(mut self) -> Result<(&'static str, u64)> {
        self.w.flush()?;
        Ok((self.name, self.rows))
    }
}

fn date(y: u64, m: u64, d: u64) -> String {
    format!("{y:04}-{:02}-{:02}", m.clamp(1, 12), d.clamp(1, 28))
}

/// Buurten of a bulk delivery: a 4 × 4 grid.
const N_BUURT: u64 = 16;

/// The identities of a bulk delivery's objects.
struct Ids {
    /// The gemeentecode as four digits.
    gm: String,
    persons: u64,
    dwellings: u64,
}

impl Ids {
    /// The `i`-th dwelling's vbo_id.
    fn vbo(&self, i: u64) -> String {
        format!("{}01{:010}", self.gm, i + 1)
    }

    /// The buurtcode and wijkcode of the `i`-th dwelling (or buurt).
    fn buurt_of(&self, i: u64) -> (String, String) {
        let gm = &self.gm;
        let b = i % N_BUURT;
        (
            format!("BU{gm}{:02}{:02}", b / 4 + 1, b % 4 + 1),
            format!("WK{gm}{:02}", b / 4 + 1),
        )
    }
}

/// The dwelling person `p` lives in: two persons to a dwelling.
fn dwelling_of(p: u64) -> u64 {
    p / 2
}

/// A bulk delivery being written: one method per table (or per tables written together),
/// called in a fixed order, since they draw from one random sequence.
struct Bulk<'a> {
    dir: &'a Path,
    ids: Ids,
    rng: Rng,
    counts: BulkCounts,
}

impl Bulk<'_> {
    /// The buurten: a grid of squares, four to a wijk.
    fn buurten(&mut self) -> Result<()> {
        let gm = &self.ids.gm;
        let mut t = Out::new(
            self.dir,
            "cbs_buurt",
            "buurtcode,buurtnaam,wijkcode,wijknaam,gemeentecode,geometrie_wkt",
        )?;
        for b in 0..N_BUURT {
            let (bu, wk) = self.ids.buurt_of(b);
            let x = 100_000 + (b % 4) * 1000;
            let y = 450_000 + (b / 4) * 1000;
            t.row(format_args!(
                "{bu},Buurt {},{wk},Wijk {},{gm},\"POLYGON(({x} {y},{} {y},{} {},{x} {},{x} {y}))\"",
                b + 1,
                b / 4 + 1,
                x + 1000,
                x + 1000,
                y + 1000,
                y + 1000
            ))?;
        }
        self.counts.per_table.push(t.done()?);
        Ok(())
    }

    /// The dwellings, spread over the buurten.
    fn verblijfsobjecten(&mut self) -> Result<()> {
        let dwellings = self.ids.dwellings;
        let gm = &self.ids.gm;
        let mut t = Out::new(
            self.dir,
            "bag_verblijfsobject",
            "vbo_id,nummeraanduiding_id,openbare_ruimte,huisnummer,huisletter,huisnummertoevoeging,postcode,woonplaats,gebruiksdoelen,oppervlakte,pand_id,bouwjaar,buurtcode,wijkcode,rd_x,rd_y",
        )?;
        for i in 0..dwellings {
            let (bu, wk) = self.ids.buurt_of(i);
            let doel = if i % 40 == 0 {
                "winkelfunctie|woonfunctie"
            } else {
                "woonfunctie"
            };
            t.row(format_args!(
                "{},{gm}20{:010},{},{},{},,{}{}{},Stad,{doel},{},{gm}10{:010},{},{bu},{wk},{}.5,{}.0",
                self.ids.vbo(i),
                i + 1,
                street(self.rng.below(200) as usize).0,
                i % 200 + 1,
                if i % 7 == 0 { "A" } else { "" },
                1000 + (i / 200) % 9000,
                (b'A' + (i % 26) as u8) as char,
                (b'A' + ((i / 26) % 26) as u8) as char,
                30 + self.rng.below(120),
                i / 4 + 1,
                1900 + self.rng.below(124),
                100_000 + self.rng.below(3000),
                450_000 + self.rng.below(3000)
            ))?;
        }
        self.counts.per_table.push(t.done()?);
        Ok(())
    }

    /// Who owns each dwelling: a company for one in three, else a person.
    fn eigendom(&mut self) -> Result<()> {
        let dwellings = self.ids.dwellings;
        let mut t = Out::new(
            self.dir,
            "kad_eigendom",
            "vbo_id,eigenaar_bsn,eigenaar_kvk,aandeel,datum_verkrijging,koopsom",
        )?;
        for i in 0..dwellings {
            if i % 3 == 0 {
                t.row(format_args!(
                    "{},,{:08},1/1,{},",
                    self.ids.vbo(i),
                    30_000_000 + i % 500,
                    date(
                        1990 + self.rng.below(35),
                        self.rng.below(12) + 1,
                        self.rng.below(28) + 1
                    )
                ))?;
            } else {
                t.row(format_args!(
                    "{},{},,1/1,{},{}.00",
                    self.ids.vbo(i),
                    bsn_for(i * 2),
                    date(
                        1980 + self.rng.below(45),
                        self.rng.below(12) + 1,
                        self.rng.below(28) + 1
                    ),
                    100_000 + self.rng.below(400_000)
                ))?;
            }
        }
        self.counts.per_table.push(t.done()?);
        Ok(())
    }

    /// Companies, one per 20 persons, every other one a sole trader.
    fn vestigingen(&mut self) -> Result<()> {
        let persons = self.ids.persons;
        let mut t = Out::new(
            self.dir,
            "kvk_vestiging",
            "kvk_nummer,vestigingsnummer,handelsnaam,rechtsvorm,sbi_code,vbo_id,datum_inschrijving,datum_uitschrijving,eigenaar_bsn",
        )?;
        for k in 0..(persons / 20) {
            let p = self.rng.below(persons);
            let eenmanszaak = k % 2 == 0;
            t.row(format_args!(
                "{:08},{:012},Bedrijf {k} {},{},{},{},{},,{}",
                10_000_000 + k,
                100_000_000_000 + k,
                street(self.rng.below(200) as usize).0,
                if eenmanszaak { "eenmanszaak" } else { "bv" },
                4711 + k % 50,
                self.ids.vbo(dwelling_of(p)),
                date(
                    2000 + self.rng.below(25),
                    self.rng.below(12) + 1,
                    self.rng.below(28) + 1
                ),
                if eenmanszaak {
                    bsn_for(p).to_string()
                } else {
                    String::new()
                }
            ))?;
        }
        self.counts.per_table.push(t.done()?);
        Ok(())
    }

    /// The persons, two to a dwelling, each with their address history.
    fn personen(&mut self) -> Result<()> {
        let (persons, dwellings) = (self.ids.persons, self.ids.dwellings);
        let mut t = Out::new(
            self.dir,
            "brp_persoon",
            "bsn,voornamen,voorvoegsel,geslachtsnaam,geboortedatum,geslacht,overlijdensdatum,status,vbo_id,functie_adres,datum_aanvang_adreshouding,partner_bsn",
        )?;
        let mut h = Out::new(
            self.dir,
            "brp_verblijf_historie",
            "bsn,vbo_id,functie_adres,datum_aanvang,datum_einde",
        )?;
        for p in 0..persons {
            let (vv, achternaam) = self.rng.pick(SURNAMES);
            let y = 1930 + self.rng.below(90);
            let partner = if p % 2 == 0 && p + 1 < persons {
                bsn_for(p + 1).to_string()
            } else {
                String::new()
            };
            let since_y = (y + 18).clamp(1990, 2025);
            t.row(format_args!(
                "{},{},{vv},{achternaam},{},{},,ingezetene,{},W,{},{partner}",
                bsn_for(p),
                self.rng.pick(FIRST_M),
                date(y, self.rng.below(12) + 1, self.rng.below(28) + 1),
                if p % 2 == 0 { "M" } else { "V" },
                self.ids.vbo(dwelling_of(p)),
                date(since_y, self.rng.below(12) + 1, self.rng.below(28) + 1)
            ))?;
            let earlier = self.ids.vbo(self.rng.below(dwellings));
            h.row(format_args!(
                "{},{earlier},W,{},{}",
                bsn_for(p),
                date(since_y - 5, 1, 1),
                date(since_y, 1, 1)
            ))?;
            h.row(format_args!(
                "{},{},W,{},",
                bsn_for(p),
                self.ids.vbo(dwelling_of(p)),
                date(since_y, 1, 2)
            ))?;
        }
        self.counts.per_table.push(t.done()?);
        self.counts.per_table.push(h.done()?);
        Ok(())
    }

    /// Income, allowances, benefits and wages, each for a share of the persons.
    fn inkomen_en_uitkeringen(&mut self) -> Result<()> {
        let persons = self.ids.persons;
        let mut inkomen = Out::new(
            self.dir,
            "bd_inkomen",
            "bsn,belastingjaar,verzamelinkomen,vermogen_box3,fiscaal_partner_bsn,vbo_id",
        )?;
        let mut toeslag = Out::new(
            self.dir,
            "bd_toeslag",
            "bsn,jaar,regeling,toeslagpartner_bsn,vbo_id,bedrag_jaar,medebewoners",
        )?;
        let mut svb = Out::new(
            self.dir,
            "svb_uitkering",
            "bsn,regeling,leefvorm,vbo_id,ingangsdatum,einddatum,bedrag_maand",
        )?;
        let mut uwv = Out::new(
            self.dir,
            "uwv_uitkering",
            "bsn,regeling,ingangsdatum,einddatum,bedrag_maand",
        )?;
        let mut loon = Out::new(
            self.dir,
            "uwv_dienstverband",
            "bsn,loonheffingennummer,periode,loon,uren",
        )?;
        let mut bijstand = Out::new(
            self.dir,
            "gem_bijstand",
            "bsn,norm,vbo_id,ingangsdatum,einddatum,bedrag_maand",
        )?;
        for p in 0..persons {
            let b = bsn_for(p);
            let v = self.ids.vbo(dwelling_of(p));
            if p % 5 != 4 {
                inkomen.row(format_args!(
                    "{b},2025,{}.00,{},,{v}",
                    self.rng.below(90_000),
                    self.rng.below(50_000)
                ))?;
            }
            if p % 2 == 0 {
                toeslag.row(format_args!(
                    "{b},2025,zorgtoeslag,,{v},{}.00,",
                    100 + self.rng.below(1400)
                ))?;
            }
            if p % 5 == 0 {
                svb.row(format_args!(
                    "{b},aow,samenwonend,{v},{},,{}.00",
                    date(2015 + self.rng.below(10), 1, 1),
                    900 + self.rng.below(600)
                ))?;
            }
            if p % 20 == 1 {
                uwv.row(format_args!(
                    "{b},ww,{},,{}.00",
                    date(2024, self.rng.below(12) + 1, 1),
                    1200 + self.rng.below(1000)
                ))?;
            }
            if p % 33 == 2 {
                bijstand.row(format_args!(
                    "{b},alleenstaande,{v},{},,{}.00",
                    date(2020 + self.rng.below(5), 1, 1),
                    1100 + self.rng.below(300)
                ))?;
            }
            if p % 2 == 1 {
                let employer = 800_000_000 + p % 5000;
                let wage = 1500 + self.rng.below(4000);
                for m in 1..=12 {
                    loon.row(format_args!(
                        "{b},{employer}L01,2025-{m:02},{wage}.00,{}",
                        120 + m
                    ))?;
                }
            }
        }
        for o in [inkomen, toeslag, svb, uwv, loon, bijstand] {
            self.counts.per_table.push(o.done()?);
        }
        Ok(())
    }

    /// Rental contracts for one in three dwellings.
    fn huurcontracten(&mut self) -> Result<()> {
        let dwellings = self.ids.dwellings;
        let mut t = Out::new(
            self.dir,
            "wc_huurcontract",
            "corporatie,contract_id,vbo_id,huurder_voornamen,huurder_voorvoegsel,huurder_geslachtsnaam,huurder_geboortedatum,ingangsdatum,einddatum,kale_huur_maand,sociale_huur",
        )?;
        for i in (0..dwellings).filter(|i| i % 3 == 1) {
            let (vv, n) = self.rng.pick(SURNAMES);
            t.row(format_args!(
                "Woonstede,HC{i:08},{},{},{vv},{n},{},{},,{}.00,ja",
                self.ids.vbo(i),
                self.rng.pick(FIRST_M),
                date(
                    1940 + self.rng.below(80),
                    self.rng.below(12) + 1,
                    self.rng.below(28) + 1
                ),
                date(2000 + self.rng.below(25), self.rng.below(12) + 1, 1),
                500 + self.rng.below(400)
            ))?;
        }
        self.counts.per_table.push(t.done()?);
        Ok(())
    }

    /// A year of utility use per dwelling.
    fn verbruik(&mut self) -> Result<()> {
        let dwellings = self.ids.dwellings;
        let mut t = Out::new(
            self.dir,
            "nuts_verbruik",
            "vbo_id,jaar,elektriciteit_kwh,gas_m3,water_m3",
        )?;
        for i in 0..dwellings {
            t.row(format_args!(
                "{},2025,{},{},{}",
                self.ids.vbo(i),
                1500 + self.rng.below(3000),
                500 + self.rng.below(1500),
                40 + self.rng.below(150)
            ))?;
        }
        self.counts.per_table.push(t.done()?);
        Ok(())
    }

    /// Police registrations, one per 50 persons, each with two persons involved.
    fn politie(&mut self) -> Result<()> {
        let (persons, dwellings) = (self.ids.persons, self.ids.dwellings);
        let mut reg = Out::new(
            self.dir,
            "pol_registratie",
            "registratie_id,datum,categorie,adres,vbo_id,omschrijving",
        )?;
        let mut bet = Out::new(
            self.dir,
            "pol_betrokkene",
            "registratie_id,rol,voornamen,voorvoegsel,geslachtsnaam,geboortedatum,bsn",
        )?;
        for r in 0..(persons / 50) {
            let d = self.rng.below(dwellings);
            reg.row(format_args!(
                "PR{r:09},{},woonoverlast,\"{} {} Stad\",{},Melding van overlast",
                date(2025, self.rng.below(12) + 1, self.rng.below(28) + 1),
                street(self.rng.below(200) as usize).0,
                d % 200 + 1,
                self.ids.vbo(d)
            ))?;
            for k in 0..2 {
                let p = (d * 2 + k).min(persons - 1);
                let (vv, n) = self.rng.pick(SURNAMES);
                bet.row(format_args!(
                    "PR{r:09},{},{},{vv},{n},{},{}",
                    if k == 0 { "melder" } else { "betrokkene" },
                    self.rng.pick(FIRST_M),
                    date(
                        1950 + self.rng.below(60),
                        self.rng.below(12) + 1,
                        self.rng.below(28) + 1
                    ),
                    if k == 0 {
                        bsn_for(p).to_string()
                    } else {
                        String::new()
                    }
                ))?;
            }
        }
        self.counts.per_table.push(reg.done()?);
        self.counts.per_table.push(bet.done()?);
        Ok(())
    }

    /// Reports of residents, one per 100 persons.
    fn meldingen(&mut self) -> Result<()> {
        let persons = self.ids.persons;
        let mut t = Out::new(
            self.dir,
            "melding",
            "melding_id,datum,adres,categorie,omschrijving,anoniem",
        )?;
        for m in 0..(persons / 100) {
            t.row(format_args!(
                "M{m:09},{},{} {},woonoverlast,Veel wisselende bewoners,{}",
                date(2025, self.rng.below(12) + 1, self.rng.below(28) + 1),
                street(self.rng.below(200) as usize).0,
                self.rng.below(200) + 1,
                if m % 2 == 0 { "ja" } else { "nee" }
            ))?;
        }
        self.counts.per_table.push(t.done()?);
        Ok(())
    }
}

/// Writes a bulk delivery for `persons` persons in gemeente `gemeentecode` to `dir`.
pub fn write_bulk_delivery(
    dir: &Path,
    persons: u64,
    seed: u64,
    gemeentecode: u32,
) -> Result<BulkCounts> {
    std::fs::create_dir_all(dir).with_context(|| format!("kan {} niet aanmaken", dir.display()))?;
    let mut bulk = Bulk {
        dir,
        ids: Ids {
            gm: format!("{gemeentecode:04}"),
            persons,
            dwellings: (persons / 2).max(1),
        },
        rng: Rng::new(seed),
        counts: BulkCounts::default(),
    };
    bulk.buurten()?;
    bulk.verblijfsobjecten()?;
    bulk.eigendom()?;
    bulk.vestigingen()?;
    bulk.personen()?;
    bulk.inkomen_en_uitkeringen()?;
    bulk.huurcontracten()?;
    bulk.verbruik()?;
    bulk.politie()?;
    bulk.meldingen()?;
    std::fs::write(
        dir.join("levering.toml"),
        "# Bulklevering voor benchmarks (alle partners)\npeildatum = \"2025-12-31\"\n",
    )?;
    Ok(bulk.counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_bsns_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..100_000 {
            let b = bsn_for(i);
            assert!(Bsn::parse(&b.to_string()).is_ok());
            assert!(seen.insert(b), "bsn {i} repeats");
        }
    }

    #[test]
    fn same_seed_same_bytes() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        write_bulk_delivery(a.path(), 500, 7, 392).unwrap();
        write_bulk_delivery(b.path(), 500, 7, 392).unwrap();
        for t in loep_contract::TABLES {
            let f = format!("{}.csv", t.name);
            assert_eq!(
                std::fs::read(a.path().join(&f)).unwrap(),
                std::fs::read(b.path().join(&f)).unwrap(),
                "{f}"
            );
        }
    }
}
