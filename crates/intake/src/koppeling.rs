//! Linkage inside a project, at the trusted boundary: it needs names and birth dates, which
//! only the vault holds, and writes only pseudonymous results to the analysis store.
//!
//! - Persons: tenants of `wc_huurcontract` and persons in police registrations
//!   (`pol_betrokkene`) to persons of `brp_persoon`. A `pol_betrokkene` row with a BSN links on
//!   its pseudonym; the others (and all tenants) by name, birth date and address with the
//!   Fellegi–Sunter linker and the published settings of `docs/linkage/`. Links at or above the
//!   match threshold are `gekoppeld`; between the review and the match threshold
//!   `beoordelen`, a clerical-review list.
//! - Addresses: the free-text `adres` of `melding` and `pol_registratie` to a BAG
//!   verblijfsobject, or no object with the reason.
//!
//! A run covers the current snapshots; it is skipped when they have not changed since the last
//! run. Its files are registered with log records in one transaction.

use anyhow::{Context, Result, bail};
use arrow_array::builder::{Float64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use loep_linkage::linker::{InputBuilder, Linker, Settings, best_per_left};
pub use loep_linkage::{AddressIndex, AddressMatch, BagAddress, Unmatched};
use loep_store::deliveries::{self, Koppeling};
use loep_store::{LogRecord, Project, clock, log};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// Tenants to persons (`docs/linkage/huurcontract.toml`).
pub const HUURCONTRACT_SETTINGS: &str = include_str!("../../../docs/linkage/huurcontract.toml");
/// Persons in police registrations to persons (`docs/linkage/betrokkene.toml`).
pub const BETROKKENE_SETTINGS: &str = include_str!("../../../docs/linkage/betrokkene.toml");

/// Bits of match weight the best person must lead the next by (a likelihood ratio of 8).
pub const AMBIGUITY_MARGIN: f64 = 3.0;

/// The tables a linkage run reads.
const SOURCES: [&str; 6] = [
    "brp_persoon",
    "bag_verblijfsobject",
    "wc_huurcontract",
    "pol_registratie",
    "pol_betrokkene",
    "melding",
];

/// Persons of one source, linked.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct PersonLinks {
    pub bron: String,
    pub records: u64,
    /// Linked on the pseudonym of their BSN.
    pub via_bsn: u64,
    /// Linked by name, birth date and address, at or above the match threshold.
    pub via_naam: u64,
    /// Between the review and the match threshold: for clerical review.
    pub beoordelen: u64,
    pub niet_gekoppeld: u64,
}

/// Free-text addresses of one source, matched.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct AddressLinks {
    pub bron: String,
    pub records: u64,
    /// The source coded the object itself.
    pub door_bron: u64,
    pub gekoppeld: u64,
    /// Unmatched, per reason.
    pub niet_gekoppeld: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkReport {
    pub koppeling_id: String,
    /// Nothing changed since the previous run, which stands.
    pub ongewijzigd: bool,
    pub personen: Vec<PersonLinks>,
    pub adressen: Vec<AddressLinks>,
}

use loep_vault::format::Soort;
pub(crate) use loep_vault::format::for_each_row;

/// A person as the linker compares them.
#[derive(Default, Clone)]
struct Person {
    id: String,
    voornamen: String,
    voorvoegsel: String,
    geslachtsnaam: String,
    geboortedatum: String,
    vbo_id: String,
}

impl Person {
    fn field(&self, name: &str) -> &str {
        match name {
            "id" => &self.id,
            // Source records linked by name carry no BSN: those with one link on its pseudonym.
            "bsn" => "",
            "voornamen" => &self.voornamen,
            "voorvoegsel" => &self.voorvoegsel,
            "geslachtsnaam" => &self.geslachtsnaam,
            "geboortedatum" => &self.geboortedatum,
            "vbo_id" => &self.vbo_id,
            _ => "",
        }
    }
}

fn input(settings: &Settings, persons: &[Person]) -> InputBuilder {
    let mut b = InputBuilder::new(settings, false);
    b.reserve(persons.len());
    let fields = b.fields().to_vec();
    b.push_batch(
        persons.len(),
        |i| persons[i].id.as_str(),
        |_| None,
        |i, f| persons[i].field(&fields[f]),
    );
    b
}

/// Analysis columns joined onto a person, in the order asked for.
type Extra = Vec<Option<String>>;

/// Reads a table's identities from the vault, keyed by `record_key`, with the analysis
/// columns `extra` joined on.
fn persons_of(
    project: &Project,
    snapshot: &deliveries::Snapshot,
    names: [&str; 4],
    extra: &[&str],
) -> Result<(Vec<Person>, Vec<Extra>)> {
    let dir = &project.layout.dir;
    let Some(identity) =
        loep_vault::Vault::open(&project.layout)?.file(&snapshot.snapshot_id, Soort::Identiteit)?
    else {
        bail!(
            "de identiteiten van snapshot {} ({}) staan niet in de kluis",
            snapshot.snapshot_id,
            snapshot.tabel
        );
    };
    let mut by_key: FxHashMap<String, usize> = FxHashMap::default();
    let mut persons = Vec::new();
    let mut cols = vec!["record_key"];
    cols.extend(names);
    for_each_row(&dir.join(identity), &cols, |r| {
        let v = |i: usize| r[i].unwrap_or_default().to_string();
        by_key.insert(v(0), persons.len());
        persons.push(Person {
            id: v(0),
            voornamen: v(1),
            voorvoegsel: v(2),
            geslachtsnaam: v(3),
            geboortedatum: v(4),
            ..Person::default()
        });
        Ok(())
    })?;
    let mut extras = vec![vec![None; extra.len()]; persons.len()];
    let mut cols = vec!["record_key"];
    cols.extend(extra);
    for_each_row(&dir.join(&snapshot.pad), &cols, |r| {
        if let Some(&i) = r[0].and_then(|k| by_key.get(k)) {
            extras[i] = r[1..].iter().map(|v| v.map(str::to_string)).collect();
        }
        Ok(())
    })?;
    Ok((persons, extras))
}

/// Every BRP person's pseudonym (its `record_key`) with the number of the object it lives at
/// (`NO_OBJECT` when none): compact, so that a country's BRP fits.
fn brp_objects(project: &Project, snapshot: &deliveries::Snapshot) -> Result<FxHashMap<u128, u64>> {
    let mut out = FxHashMap::default();
    for_each_row(
        &project.layout.dir.join(&snapshot.pad),
        &["record_key", "vbo_id"],
        |r| {
            let key = r[0].unwrap_or_default();
            let id = u128::from_str_radix(key, 16)
                .with_context(|| format!("BRP-record_key '{key}' is geen pseudoniem"))?;
            let vbo = r[1]
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(NO_OBJECT);
            out.insert(id, vbo);
            Ok(())
        },
    )?;
    Ok(out)
}

const NO_OBJECT: u64 = u64::MAX;

fn pseudonym_key(p: &str) -> Option<u128> {
    u128::from_str_radix(p, 16).ok()
}

/// The BRP as the linker's input for `settings`, streamed from the vault's identity file with
/// each person's object joined on: no other copy of the identities is held.
fn brp_input(
    settings: &Settings,
    identity: &Path,
    objects: &FxHashMap<u128, u64>,
) -> Result<InputBuilder> {
    let mut b = InputBuilder::new(settings, false);
    b.reserve(objects.len());
    let fields = b.fields().to_vec();
    for_each_row(identity, &loep_vault::format::BRP_IDENTITY, |r| {
        let key = r[0].unwrap_or_default();
        let vbo = pseudonym_key(key)
            .and_then(|k| objects.get(&k))
            .filter(|v| **v != NO_OBJECT)
            .map(|v| format!("{v:016}"))
            .unwrap_or_default();
        let values: Vec<&str> = fields
            .iter()
            .map(|f| match f.as_str() {
                "id" | "bsn" => key,
                "voornamen" => r[1].unwrap_or_default(),
                "voorvoegsel" => r[2].unwrap_or_default(),
                "geslachtsnaam" => r[3].unwrap_or_default(),
                "geboortedatum" => r[4].unwrap_or_default(),
                "vbo_id" => vbo.as_str(),
                _ => "",
            })
            .collect();
        b.push(key, None, &values);
        Ok(())
    })?;
    Ok(b)
}

/// One row of the person links.
struct PersonLink {
    bron: &'static str,
    record_key: String,
    pseudoniem: String,
    kans: f64,
    methode: &'static str,
    status: &'static str,
    /// For a link by name: the waterfall of match weights that explains it, a line per step
    /// (`comparison<TAB>level<TAB>weight`), the prior first.
    uitleg: Option<String>,
    /// The record's address (the tenancy's dwelling, the registration's object), for the
    /// reviewers of a doubtful link; empty when unknown.
    vbo_id: String,
}

/// A pair's waterfall as [`PersonLink::uitleg`] keeps it.
fn waterfall(steps: &[loep_linkage::linker::Contribution]) -> String {
    steps
        .iter()
        .map(|c| {
            let clean = |t: &str| t.replace(['\t', '\n'], " ");
            format!(
                "{}\t{}\t{:.3}",
                clean(&c.comparison),
                clean(&c.level),
                c.weight
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Links `source` to the BRP with the settings; returns the links and review candidates.
fn link_by_name(
    settings_text: &str,
    bron: &'static str,
    source: &[Person],
    brp: &Brp<'_>,
) -> Result<Vec<PersonLink>> {
    if source.is_empty() || brp.objects.is_empty() {
        return Ok(Vec::new());
    }
    let settings: Settings = toml::from_str(settings_text)
        .context("de gepubliceerde koppelinstellingen zijn ongeldig")?;
    let linker = Linker::new(
        &settings,
        input(&settings, source),
        Some(brp_input(&settings, brp.identity, brp.objects)?),
    )
    .map_err(|e| anyhow::anyhow!("koppelinstellingen van {bron}: {e}"))?;
    let candidates = linker.candidates();
    let model = linker.train(&candidates, 1);
    let review = settings
        .review_threshold
        .unwrap_or(settings.match_threshold);
    // A person may have several records (contracts over time, several registrations);
    // a record whose two best persons are about equally likely stays unlinked. Which records
    // are linked is decided among the pairs at or above the match threshold alone, so that
    // a doubtful runner-up never undoes a sure link; a record without a sure link gets its
    // best doubtful person, for review, when that one leads as clearly.
    let scored = linker.score(&model, &candidates, review);
    let mut links = best_per_left(scored.clone(), settings.match_threshold, AMBIGUITY_MARGIN);
    if review < settings.match_threshold {
        let sure: rustc_hash::FxHashSet<u32> = links.iter().map(|p| p.left).collect();
        links.extend(
            best_per_left(scored, review, AMBIGUITY_MARGIN)
                .into_iter()
                .filter(|p| !sure.contains(&p.left) && p.probability < settings.match_threshold),
        );
    }
    Ok(links
        .into_iter()
        .map(|p| PersonLink {
            bron,
            record_key: source[p.left as usize].id.clone(),
            pseudoniem: linker.right().ids.get(p.right).to_string(),
            kans: p.probability,
            methode: "naam_geboortedatum_adres",
            status: if p.probability >= settings.match_threshold {
                "gekoppeld"
            } else {
                "beoordelen"
            },
            uitleg: Some(waterfall(&linker.explain(&model, p.left, p.right))),
            vbo_id: source[p.left as usize].vbo_id.clone(),
        })
        .collect())
}

/// Applies the confirmed reviews to the pairs awaiting review: a pair decided "koppelen"
/// becomes a link (method [`crate::beoordeling::METHODE`]), one decided "niet koppelen" is
/// kept apart ([`crate::beoordeling::VERWORPEN`]). Only pairs between the thresholds: a
/// review never overrides a link the linkage is sure of, nor a link by BSN.
fn apply_reviews(links: &mut [PersonLink], besluiten: &Besluiten) {
    if besluiten.is_empty() {
        return;
    }
    for l in links.iter_mut().filter(|l| l.status == "beoordelen") {
        let paar = crate::beoordeling::Paar {
            bron: l.bron.to_string(),
            record_key: l.record_key.clone(),
            pseudoniem: l.pseudoniem.clone(),
        };
        match besluiten.get(&paar) {
            Some(crate::beoordeling::Besluit::Koppelen) => {
                l.status = "gekoppeld";
                l.methode = crate::beoordeling::METHODE;
            }
            Some(crate::beoordeling::Besluit::NietKoppelen) => {
                l.status = crate::beoordeling::VERWORPEN;
            }
            None => {}
        }
    }
}

/// Where the BRP's identities are, and every person's object.
struct Brp<'a> {
    identity: &'a Path,
    objects: &'a FxHashMap<u128, u64>,
}

/// One row of the address links.
struct AddressLink {
    bron: &'static str,
    record_key: String,
    vbo_id: Option<String>,
    zekerheid: Option<f64>,
    reden: String,
}

fn address_index(project: &Project, bag: &deliveries::Snapshot) -> Result<AddressIndex> {
    address_index_at(&project.layout.dir.join(&bag.pad), Vec::new())
}

/// The addressable objects of the project's current BAG snapshot (none without one): for
/// matching an address a resident types against the BAG.
pub fn bag_addresses(project: &Project) -> Result<Vec<BagAddress>> {
    match deliveries::current_snapshot(project.db(), "bag_verblijfsobject")? {
        Some(bag) => bag_objects(&project.layout.dir.join(&bag.pad), Vec::new()),
        None => Ok(Vec::new()),
    }
}

/// The addresses of a BAG snapshot's analysis file (in the project, or staged by the intake),
/// and `objects` besides.
pub(crate) fn address_index_at(bag: &Path, objects: Vec<BagAddress>) -> Result<AddressIndex> {
    Ok(AddressIndex::new(bag_objects(bag, objects)?))
}

fn bag_objects(bag: &Path, mut objects: Vec<BagAddress>) -> Result<Vec<BagAddress>> {
    for_each_row(
        bag,
        &[
            "vbo_id",
            "openbare_ruimte",
            "huisnummer",
            "huisletter",
            "huisnummertoevoeging",
            "postcode",
            "woonplaats",
        ],
        |r| {
            let text = |i: usize| r[i].unwrap_or_default().to_string();
            if let Some(number) = r[2].and_then(|n| n.parse().ok()) {
                objects.push(BagAddress {
                    vbo_id: text(0),
                    openbare_ruimte: text(1),
                    huisnummer: number,
                    huisletter: r[3].map(str::to_string),
                    toevoeging: r[4].map(str::to_string),
                    postcode: text(5),
                    woonplaats: text(6),
                });
            }
            Ok(())
        },
    )?;
    Ok(objects)
}

/// Matches the `adres` of every row of a snapshot; a `vbo_id` the source coded itself stands.
fn match_addresses(
    project: &Project,
    index: &AddressIndex,
    bron: &'static str,
    snapshot: &deliveries::Snapshot,
    coded: bool,
    links: &mut Vec<AddressLink>,
) -> Result<AddressLinks> {
    let mut report = AddressLinks {
        bron: bron.to_string(),
        ..AddressLinks::default()
    };
    let cols: &[&str] = if coded {
        &["record_key", "adres", "vbo_id"]
    } else {
        &["record_key", "adres"]
    };
    for_each_row(&project.layout.dir.join(&snapshot.pad), cols, |r| {
        report.records += 1;
        let record_key = r[0].unwrap_or_default().to_string();
        if let Some(vbo) = r.get(2).copied().flatten() {
            report.door_bron += 1;
            links.push(AddressLink {
                bron,
                record_key,
                vbo_id: Some(vbo.to_string()),
                zekerheid: Some(1.0),
                reden: "door de bron gecodeerd".into(),
            });
            return Ok(());
        }
        match index.find(r[1].unwrap_or_default()) {
            AddressMatch::Matched {
                vbo_id,
                confidence,
                reason,
            } => {
                report.gekoppeld += 1;
                links.push(AddressLink {
                    bron,
                    record_key,
                    vbo_id: Some(vbo_id),
                    zekerheid: Some(confidence),
                    reden: reason.to_string(),
                });
            }
            AddressMatch::Unmatched { reason } => {
                *report
                    .niet_gekoppeld
                    .entry(reason.as_str().to_string())
                    .or_insert(0) += 1;
                links.push(AddressLink {
                    bron,
                    record_key,
                    vbo_id: None,
                    zekerheid: None,
                    reden: reason.as_str().to_string(),
                });
            }
        }
        Ok(())
    })?;
    Ok(report)
}

fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file =
        File::create(path).with_context(|| format!("kan {} niet schrijven", path.display()))?;
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None)?;
    w.write(batch)?;
    w.close()?;
    Ok(())
}

fn person_batch(links: &[PersonLink]) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("bron", DataType::Utf8, false),
        Field::new("record_key", DataType::Utf8, false),
        Field::new("pseudoniem", DataType::Utf8, false),
        Field::new("kans", DataType::Float64, false),
        Field::new("methode", DataType::Utf8, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("uitleg", DataType::Utf8, true),
        Field::new("vbo_id", DataType::Utf8, true),
    ]));
    let text = |f: &dyn Fn(&PersonLink) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(links.iter().map(f)))
    };
    let mut kans = Float64Builder::with_capacity(links.len());
    links.iter().for_each(|l| kans.append_value(l.kans));
    Ok(RecordBatch::try_new(
        schema,
        vec![
            text(&|l| l.bron),
            text(&|l| &l.record_key),
            text(&|l| &l.pseudoniem),
            Arc::new(kans.finish()),
            text(&|l| l.methode),
            text(&|l| l.status),
            Arc::new(StringArray::from_iter(
                links.iter().map(|l| l.uitleg.as_deref()),
            )),
            Arc::new(StringArray::from_iter(
                links
                    .iter()
                    .map(|l| Some(l.vbo_id.as_str()).filter(|v| !v.is_empty())),
            )),
        ],
    )?)
}

fn address_batch(links: &[AddressLink]) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("bron", DataType::Utf8, false),
        Field::new("record_key", DataType::Utf8, false),
        Field::new("vbo_id", DataType::Utf8, true),
        Field::new("zekerheid", DataType::Float64, true),
        Field::new("reden", DataType::Utf8, false),
    ]));
    let mut vbo = StringBuilder::new();
    let mut zekerheid = Float64Builder::with_capacity(links.len());
    for l in links {
        vbo.append_option(l.vbo_id.as_deref());
        zekerheid.append_option(l.zekerheid);
    }
    Ok(RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from_iter_values(links.iter().map(|l| l.bron))),
            Arc::new(StringArray::from_iter_values(
                links.iter().map(|l| l.record_key.as_str()),
            )),
            Arc::new(vbo.finish()),
            Arc::new(zekerheid.finish()),
            Arc::new(StringArray::from_iter_values(
                links.iter().map(|l| l.reden.as_str()),
            )),
        ],
    )?)
}

/// The confirmed reviews of doubtful links, by pair.
type Besluiten = BTreeMap<crate::beoordeling::Paar, crate::beoordeling::Besluit>;

/// The current snapshots a linkage reads, by table.
type Snapshots = BTreeMap<&'static str, deliveries::Snapshot>;

/// What one linkage run found: the links of persons and addresses, and their summaries.
#[derive(Default)]
struct Links {
    persons: Vec<PersonLink>,
    personen: Vec<PersonLinks>,
    addresses: Vec<AddressLink>,
    adressen: Vec<AddressLinks>,
}

/// Links the project's current snapshots (see the module documentation) and registers the
/// result, unless they have not changed since the last run.
pub fn link_project(project: &mut Project) -> Result<LinkReport> {
    project.ensure_may_process()?;
    let started = clock::now();
    let mut snapshots: Snapshots = BTreeMap::new();
    for t in SOURCES {
        if let Some(s) = deliveries::current_snapshot(project.db(), t)? {
            snapshots.insert(t, s);
        }
    }
    let besluiten = crate::beoordeling::besluiten(project)?;
    let bronnen_json = sources_of_run(&snapshots, &besluiten)?;
    if let Some(previous) = deliveries::current_koppeling(project.db())?
        && previous.bronnen == bronnen_json
    {
        let mut report: LinkReport = serde_json::from_str(&previous.samenvatting)
            .context("de samenvatting van de vorige koppeling is onleesbaar")?;
        report.ongewijzigd = true;
        return Ok(report);
    }
    let mut links = Links::default();
    // Addresses first: a police registration's address places its persons.
    link_addresses(project, &snapshots, &mut links)?;
    link_persons(project, &snapshots, &besluiten, &mut links)?;
    register_links(project, &started, &snapshots, bronnen_json, links)
}

/// What a linkage run depends on, as JSON: the snapshots, the published settings and the
/// confirmed reviews of doubtful links. A change of any links anew.
fn sources_of_run(snapshots: &Snapshots, besluiten: &Besluiten) -> Result<String> {
    let settings_hash = hex::encode(sha2::Sha256::digest(
        format!("{HUURCONTRACT_SETTINGS}\n{BETROKKENE_SETTINGS}").as_bytes(),
    ));
    let mut bronnen: BTreeMap<&str, &str> = snapshots
        .iter()
        .map(|(t, s)| (*t, s.snapshot_id.as_str()))
        .collect();
    bronnen.insert("instellingen", &settings_hash[..16]);
    // A new decision on a doubtful link links anew.
    let besluiten_hash = crate::beoordeling::besluiten_digest(besluiten);
    if !besluiten.is_empty() {
        bronnen.insert("beoordelingen", &besluiten_hash[..16]);
    }
    Ok(serde_json::to_string(&bronnen)?)
}

/// Links the free-text addresses of reports and police registrations to the BAG.
fn link_addresses(project: &Project, snapshots: &Snapshots, links: &mut Links) -> Result<()> {
    if let Some(bag) = snapshots.get("bag_verblijfsobject") {
        let index = address_index(project, bag)?;
        for (bron, coded) in [("melding", false), ("pol_registratie", true)] {
            if let Some(s) = snapshots.get(bron) {
                links.adressen.push(match_addresses(
                    project,
                    &index,
                    bron,
                    s,
                    coded,
                    &mut links.addresses,
                )?);
            }
        }
    }
    Ok(())
}

/// Links the tenants and the persons involved in police registrations to the BRP, when there
/// is one.
fn link_persons(
    project: &Project,
    snapshots: &Snapshots,
    besluiten: &Besluiten,
    links: &mut Links,
) -> Result<()> {
    let Some(brp_snapshot) = snapshots.get("brp_persoon") else {
        return Ok(());
    };
    let objects = brp_objects(project, brp_snapshot)?;
    let Some(identity) = loep_vault::Vault::open(&project.layout)?
        .file(&brp_snapshot.snapshot_id, Soort::Identiteit)?
    else {
        bail!(
            "de identiteiten van BRP-snapshot {} staan niet in de kluis",
            brp_snapshot.snapshot_id
        );
    };
    let identity = project.layout.dir.join(identity);
    let brp = Brp {
        identity: &identity,
        objects: &objects,
    };
    if let Some(s) = snapshots.get("wc_huurcontract") {
        link_tenants(project, s, &brp, besluiten, links)?;
    }
    if let Some(s) = snapshots.get("pol_betrokkene") {
        link_involved(project, s, &brp, besluiten, links)?;
    }
    Ok(())
}

/// Links the tenants of the rental contracts by name; the confirmed reviews decide their
/// doubtful pairs.
fn link_tenants(
    project: &Project,
    s: &deliveries::Snapshot,
    brp: &Brp,
    besluiten: &Besluiten,
    links: &mut Links,
) -> Result<()> {
    let (mut tenants, extra) = persons_of(
        project,
        s,
        [
            "huurder_voornamen",
            "huurder_voorvoegsel",
            "huurder_geslachtsnaam",
            "huurder_geboortedatum",
        ],
        &["vbo_id"],
    )?;
    for (p, e) in tenants.iter_mut().zip(extra) {
        p.vbo_id = e[0].clone().unwrap_or_default();
    }
    let mut found = link_by_name(HUURCONTRACT_SETTINGS, "wc_huurcontract", &tenants, brp)?;
    // The confirmed reviews decide their pairs: linked by review, or kept apart.
    apply_reviews(&mut found, besluiten);
    links
        .personen
        .push(summarise("wc_huurcontract", tenants.len(), &found));
    links.persons.extend(found);
    Ok(())
}

/// Links the persons involved in police registrations: by their BSN when the police gave one
/// (within the area's BRP), else by name, placed at their registration's address.
fn link_involved(
    project: &Project,
    s: &deliveries::Snapshot,
    brp: &Brp,
    besluiten: &Besluiten,
    links: &mut Links,
) -> Result<()> {
    let registration_object: FxHashMap<&str, &str> = links
        .addresses
        .iter()
        .filter(|l| l.bron == "pol_registratie")
        .filter_map(|l| Some((l.record_key.as_str(), l.vbo_id.as_deref()?)))
        .collect();
    let names = ["voornamen", "voorvoegsel", "geslachtsnaam", "geboortedatum"];
    let (mut involved, extra) = persons_of(project, s, names, &["registratie_id", "pseudoniem"])?;
    let mut by_bsn = Vec::new();
    let mut by_name = Vec::new();
    for (mut p, e) in involved.drain(..).zip(extra) {
        p.vbo_id = e[0]
            .as_deref()
            .and_then(|r| registration_object.get(r))
            .map(|v| v.to_string())
            .unwrap_or_default();
        match e[1].as_deref() {
            // A BSN outside the area's BRP links to no one here.
            Some(ps) if !pseudonym_key(ps).is_some_and(|k| brp.objects.contains_key(&k)) => {
                by_bsn.push((p, None))
            }
            Some(ps) => {
                let ps = ps.to_string();
                by_bsn.push((p, Some(ps)));
            }
            None => by_name.push(p),
        }
    }
    let mut found: Vec<PersonLink> = by_bsn
        .iter()
        .filter_map(|(p, ps)| {
            Some(PersonLink {
                bron: "pol_betrokkene",
                record_key: p.id.clone(),
                pseudoniem: ps.clone()?,
                kans: 1.0,
                methode: "bsn",
                uitleg: None,
                status: "gekoppeld",
                vbo_id: p.vbo_id.clone(),
            })
        })
        .collect();
    found.extend(link_by_name(
        BETROKKENE_SETTINGS,
        "pol_betrokkene",
        &by_name,
        brp,
    )?);
    apply_reviews(&mut found, besluiten);
    links.personen.push(summarise(
        "pol_betrokkene",
        by_bsn.len() + by_name.len(),
        &found,
    ));
    links.persons.extend(found);
    Ok(())
}

/// Writes the links, then registers them in one transaction with their log records.
fn register_links(
    project: &mut Project,
    started: &str,
    snapshots: &Snapshots,
    bronnen_json: String,
    links: Links,
) -> Result<LinkReport> {
    let Links {
        persons: person_links,
        personen,
        addresses: address_links,
        adressen,
    } = links;
    let koppeling_id = deliveries::new_koppeling_id(project.db())?;
    let rel_personen = format!("koppeling/personen/{koppeling_id}.parquet");
    let rel_adressen = format!("koppeling/adressen/{koppeling_id}.parquet");
    let dir = project.layout.dir.clone();
    write_parquet(&dir.join(&rel_personen), &person_batch(&person_links)?)?;
    write_parquet(&dir.join(&rel_adressen), &address_batch(&address_links)?)?;
    let report = LinkReport {
        koppeling_id: koppeling_id.clone(),
        ongewijzigd: false,
        personen,
        adressen,
    };
    let now = clock::now();
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let (rel_personen_copy, rel_adressen_copy) = (rel_personen.clone(), rel_adressen.clone());
    let tx = project.begin()?;
    deliveries::insert_koppeling(
        &tx,
        &Koppeling {
            koppeling_id: koppeling_id.clone(),
            tijdstip: now.clone(),
            bronnen: bronnen_json,
            pad_personen: rel_personen,
            pad_adressen: rel_adressen,
            samenvatting: serde_json::to_string(&report)?,
        },
    )?;
    let personen_sha256 = loep_store::log::file_sha256(&dir.join(&rel_personen_copy))?;
    let adressen_sha256 = loep_store::log::file_sha256(&dir.join(&rel_adressen_copy))?;
    let parent = LogRecord::new("koppeling", started, &now)
        .with_attr("koppeling_id", koppeling_id)
        .with_attr("personen_sha256", personen_sha256)
        .with_attr("adressen_sha256", adressen_sha256)
        .with_attr("personen_gekoppeld", person_links.len() as u64)
        .with_attr("adressen", address_links.len() as u64);
    log::append(&tx, &activity, parent.clone())?;
    for p in &report.personen {
        if let Some(s) = snapshots.get(p.bron.as_str()) {
            let rec = LogRecord::child_of(&parent, &format!("koppeling.{}", p.bron), started, &now)
                .with_subject(format!("snapshot:{}", s.snapshot_id))
                .with_attr("records", p.records)
                .with_attr("via_bsn", p.via_bsn)
                .with_attr("via_naam", p.via_naam)
                .with_attr("beoordelen", p.beoordelen)
                .with_attr("namen_gelezen", true);
            log::append(&tx, &activity, rec)?;
        }
    }
    for a in &report.adressen {
        if let Some(s) = snapshots.get(a.bron.as_str()) {
            let rec = LogRecord::child_of(&parent, &format!("koppeling.{}", a.bron), started, &now)
                .with_subject(format!("snapshot:{}", s.snapshot_id))
                .with_attr("records", a.records)
                .with_attr("gekoppeld", a.gekoppeld + a.door_bron);
            log::append(&tx, &activity, rec)?;
        }
    }
    tx.commit()?;
    Ok(report)
}

fn summarise(bron: &str, records: usize, links: &[PersonLink]) -> PersonLinks {
    let count = |f: &dyn Fn(&PersonLink) -> bool| links.iter().filter(|l| f(l)).count() as u64;
    let via_bsn = count(&|l| l.methode == "bsn");
    let via_naam = count(&|l| l.methode != "bsn" && l.status == "gekoppeld");
    // Pairs a review kept apart count as not linked.
    let beoordelen = count(&|l| l.status == "beoordelen");
    PersonLinks {
        bron: bron.to_string(),
        records: records as u64,
        via_bsn,
        via_naam,
        beoordelen,
        niet_gekoppeld: (records as u64).saturating_sub(via_bsn + via_naam + beoordelen),
    }
}
