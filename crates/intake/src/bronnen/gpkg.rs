//! The BAG and the CBS wijk- en buurtkaart as PDOK and CBS publish them: OGC GeoPackages
//! (SQLite files), converted to the contract CSVs of `bag_verblijfsobject` and `cbs_buurt`.
//!
//! # The sources
//!
//! - **BAG**: PDOK's `bag-light.gpkg` (Kadaster, monthly, about 8 GB). Its layers are
//!   `woonplaats`, `pand`, `verblijfsobject`, `standplaats` and `ligplaats`, all in EPSG:28992;
//!   there is no `nummeraanduiding` or `openbare_ruimte` layer: the hoofdadres is flattened onto
//!   each object's row. Layer `verblijfsobject` has `feature_id` (INTEGER PRIMARY KEY), `geom`
//!   (POINT), `rdf_seealso`, `identificatie`, `oppervlakte` (INT), `status`, `gebruiksdoel`
//!   (comma-separated when there are several, e.g. `winkelfunctie,woonfunctie`),
//!   `openbare_ruimte_naam`, `openbare_ruimte_naam_kort`, `huisnummer` (INT), `huisletter`,
//!   `toevoeging`, `postcode`, `woonplaats_naam`, `bouwjaar` (INT), `pand_identificatie`,
//!   `pandstatus`, `nummeraanduiding_hoofdadres_identificatie`, `openbare_ruimte_identificatie`,
//!   `woonplaats_identificatie` and `bronhouder_identificatie`. Only the hoofdadres is there:
//!   nevenadressen are not in this product. The status values are those of the IMBAG catalogue
//!   (domain StatusVerblijfsobject, §8.7).
//! - **CBS**: the wijk- en buurtkaart (`wijkenbuurten_<jaar>.gpkg`), layers `gemeenten`,
//!   `wijken` and `buurten` in EPSG:28992. Layer `buurten` has `buurtcode` (`BU03630000`),
//!   `buurtnaam`, `wijkcode`, `gemeentecode` (`GM0363`), `gemeentenaam`, `water` (`JA` for a
//!   buurt that is entirely water, else `NEE`), many statistics, and a MULTIPOLYGON `geom`;
//!   layer `wijken` has `wijkcode` and `wijknaam`.
//!
//! Column names are looked up case-insensitively; a few older spellings are accepted beside
//! PDOK's and CBS's current ones (`hoofdadres_identificatie`, `pandidentificatie`, `bu_code`,
//! …). The geometry column is the one `gpkg_geometry_columns` names, the row number (`fid`)
//! the table's INTEGER PRIMARY KEY.
//!
//! # Reading a GeoPackage
//!
//! The file is opened read-only as an immutable SQLite database (`mode=ro&immutable=1`,
//! `query_only`, `trusted_schema=OFF`): it is never written, no journal or lock file appears
//! beside it. (Immutable means SQLite ignores a `-wal` file: deliver a GeoPackage as a single
//! file, as PDOK and CBS publish it.) A file is refused, with a Dutch [`GpkgFout`] that names
//! the file, layer, row and column and says what the partner should do, when it is not a
//! GeoPackage (not SQLite, a zip, no `application_id` `GPKG`, or no `gpkg_contents`,
//! `gpkg_geometry_columns` or `gpkg_spatial_ref_sys`), when a layer or column that is needed is
//! missing, or when a layer used is not in EPSG:28992 (RD New).
//!
//! Geometries are GeoPackageBinary: `GP`, version, flags (byte order of the header in bit 0,
//! envelope kind in bits 1–3, empty in bit 4, extended in bit 5), `srs_id`, an optional
//! envelope, then standard WKB. The header is parsed here ([`parse_gp_header`], bounded and
//! without panics on any bytes); the WKB is read by the `wkb` crate, which bounds its
//! allocations by the bytes actually present.
//!
//! # BAG: [`bag_csv`]
//!
//! The layer is streamed row by row (9–10 million rows nationally); what is kept in memory is
//! the buurten index and the set of `vbo_id`s written, which is bounded by the size of the
//! area, not of the file. SQLite's own page cache is bounded by its default `cache_size`.
//! The whole layer is read, not only what the file's R-tree index finds near the gemeente, so
//! that every row is accounted for and a file without (or with a stale) spatial index reads
//! the same; the point test per row is a few R-tree comparisons for the many rows far away.
//! Every row read ends in exactly one place ([`Counts::reconciles`]): written, outside the area
//! (its point lies in none of the buurten), or left out for a reason:
//!
//! - `geometrie_onbruikbaar`: no geometry, an unreadable or empty one, not a POINT, another
//!   `srs_id`, or coordinates that are not finite. Such an object cannot be placed in a buurt
//!   and the contract requires a `buurtcode`, so it is not written (a row with an empty
//!   buurtcode would be rejected by the contract as "buurtcode ontbreekt", which hides the
//!   real reason): it is counted here with its fid and what was wrong. Checked first, since
//!   without a point it is unknown whether the object lies in the area at all.
//! - Status, for objects inside the area: objects that do not exist (or no longer) are left
//!   out: `Verblijfsobject ingetrokken` (`status_ingetrokken`), `Niet gerealiseerd
//!   verblijfsobject` (`status_niet_gerealiseerd`) and `Verblijfsobject ten onrechte
//!   opgevoerd` (`status_ten_onrechte_opgevoerd`). Kept are `Verblijfsobject in gebruik`,
//!   `… in gebruik (niet ingemeten)`, `Verbouwing verblijfsobject`, `Verblijfsobject gevormd`
//!   (being built: people may already be registered there) and `Verblijfsobject buiten gebruik`
//!   (the building still stands; a registration there is itself worth seeing). A missing or
//!   unknown status is `status_onbekend`: left out and counted, so that a renamed value shows
//!   up in the counts instead of silently passing.
//! - `waarde_onleesbaar`: a field that is binary, not UTF-8, or longer than 1000 characters
//!   (which no contract column allows and which could break the CSV's line bound).
//! - `dubbel`: a second row for a `vbo_id` already written. The first row (lowest fid) is kept,
//!   so the output has one row per `vbo_id` as the contract's key requires, with that row's
//!   `pand_identificatie` as `pand_id` should a product ever list an object once per pand.
//!
//! `pandstatus` is not read: the object's own status decides.
//!
//! The remaining values are mapped, not validated: `identificatie` → `vbo_id`,
//! `nummeraanduiding_hoofdadres_identificatie` → `nummeraanduiding_id`, `openbare_ruimte_naam`
//! → `openbare_ruimte`, `toevoeging` → `huisnummertoevoeging`, `woonplaats_naam` →
//! `woonplaats`, `pand_identificatie` → `pand_id`, the point → `rd_x`/`rd_y` (to the
//! millimetre), and `gebruiksdoel` → `gebruiksdoelen` (PDOK's commas become the contract's
//! `|`, repeated values once; PDOK and the contract spell the values alike). An id stored as a
//! number gets its leading zeros back (16 digits). Whatever is still wrong (a missing
//! oppervlakte, an unknown gebruiksdoel) is rejected by the contract's validation with a
//! visible reason, like any delivered row.
//!
//! # CBS: [`cbs_buurten_csv`]
//!
//! The buurten whose `gemeentecode` is the one asked for (`GM0392` or `0392`) are written in
//! buurtcode order, with the wijknaam from layer `wijken`, the gemeentecode as the contract
//! wants it (4 digits) and the polygon as WKT (to the millimetre). Buurten that are entirely
//! water (`water` = `JA`) are kept, in the CSV and in the index: they are real buurten of the
//! gemeente, and an object that falls in one (a houseboat quay, a boundary drawn through a
//! harbour) should land there rather than be counted as outside the area; they are counted in
//! [`Counts::noted`] as `water`. A WKT longer than a CSV line may be (1 MiB) is simplified
//! (Douglas–Peucker, in steps from 10 cm) until it fits, for the map only: the index keeps
//! the exact polygon (noted as `geometrie_vereenvoudigd`). The file is small and CBS's own, so
//! a buurt of the gemeente whose geometry is unusable, or whose wijk is not in layer `wijken`,
//! refuses the file: skipping it would silently move its addresses outside the area.
//!
//! # Placing a point: [`BuurtIndex`]
//!
//! The buurten's bounding boxes sit in an R-tree; a point is then tested against the polygons
//! of the candidates (holes excluded, every part of a multipolygon included). A point on a
//! boundary is inside: where two buurten share that boundary the point goes to the one with
//! the lowest buurtcode, whatever the order in which the buurten were given.
//!
//! # Fixtures
//!
//! [`write_bag_gpkg`] (or [`BagGpkgWriter`] for large files) and [`write_cbs_gpkg`] write valid
//! GeoPackages in the publishers' schema, for tests and the synthetic data generator.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Result, anyhow};
use geo::{BoundingRect, CoordsIter, Intersects, Simplify};
use geo::{Coord, Geometry, MultiPolygon, Point, Rect};
use geo_traits::to_geo::{ToGeoMultiPolygon, ToGeoPolygon};
use geo_traits::{CoordTrait, GeometryTrait, GeometryType, PointTrait};
use loep_contract::{CbsCode, CbsKind, shorten};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use wkt::ToWkt;

use crate::source::{MAX_LINE, shown_name};

/// EPSG:28992, Amersfoort / RD New: the only coordinate system accepted.
pub const RD_NEW: i32 = 28992;

/// `application_id` of a GeoPackage 1.2 or later: `GPKG`.
pub const GPKG_APPLICATION_ID: i32 = 0x4750_4B47;
/// `application_id` of GeoPackage 1.0 (`GP10`) and 1.1 (`GP11`), still accepted.
const OLDER_APPLICATION_IDS: [i32; 2] = [0x4750_3130, 0x4750_3131];
/// `user_version` the fixture writers set: GeoPackage 1.3.0.
pub const GPKG_USER_VERSION: i32 = 10300;

/// How many fids a [`Tally`] keeps, to point at examples.
pub const FIRST_FIDS: usize = 10;

/// The longest field value written, in characters: longer is `waarde_onleesbaar`. No contract
/// column allows more than 200; this only keeps a broken value from breaking the CSV.
const MAX_VALUE_CHARS: usize = 1000;

/// The longest `geometrie_wkt` written: a CSV line may be [`MAX_LINE`] bytes, and the other
/// fields of a `cbs_buurt` row are short.
const WKT_BUDGET: usize = MAX_LINE - 4096;

/// Tolerances (metres) tried in turn when a buurt's WKT is too long for a CSV line.
const SIMPLIFY_STEPS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0];

/// The columns of `cbs_buurt`, in the contract's order.
pub const CBS_BUURT_KOLOMMEN: [&str; 6] = [
    "buurtcode",
    "buurtnaam",
    "wijkcode",
    "wijknaam",
    "gemeentecode",
    "geometrie_wkt",
];

/// The columns of `bag_verblijfsobject`, in the contract's order.
pub const BAG_VERBLIJFSOBJECT_KOLOMMEN: [&str; 16] = [
    "vbo_id",
    "nummeraanduiding_id",
    "openbare_ruimte",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "postcode",
    "woonplaats",
    "gebruiksdoelen",
    "oppervlakte",
    "pand_id",
    "bouwjaar",
    "buurtcode",
    "wijkcode",
    "rd_x",
    "rd_y",
];

const ADVIES_BAG: &str = "lever het BAG-GeoPackage van PDOK (bag-light.gpkg) zoals PDOK het publiceert, niet omgezet of bewerkt";
const ADVIES_CBS: &str = "lever de wijk- en buurtkaart van CBS (wijkenbuurten_<jaar>.gpkg) zoals CBS die publiceert, niet omgezet of bewerkt";

// ---------------------------------------------------------------------------------------------
// Errors and counts
// ---------------------------------------------------------------------------------------------

/// Why a GeoPackage is refused (inside the `anyhow::Error`, so that callers can
/// `downcast_ref`). `melding` is Dutch, bounded, and says what the partner should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpkgFout {
    /// The file's name (never its full path).
    pub bestand: String,
    pub laag: Option<String>,
    /// The row (`fid`, the layer's primary key).
    pub fid: Option<i64>,
    pub kolom: Option<String>,
    /// Stable machine code: `niet_gevonden`, `geen_gewoon_bestand`, `onleesbaar`, `zip`,
    /// `geen_sqlite`, `geen_geopackage`, `laag_ontbreekt`, `geen_featurelaag`,
    /// `kolom_ontbreekt`, `geen_rd`, `leesfout`, `gemeentecode`, `geen_buurten`,
    /// `buurt_geometrie`, `buurt_zonder_code`, `buurt_dubbel`, `wijk_ontbreekt`, `schrijffout`.
    pub code: &'static str,
    pub melding: String,
}

impl fmt::Display for GpkgFout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.bestand)?;
        if let Some(l) = &self.laag {
            write!(f, ", laag {l}")?;
        }
        if let Some(fid) = self.fid {
            write!(f, ", rij fid {fid}")?;
        }
        if let Some(k) = &self.kolom {
            write!(f, ", kolom {k}")?;
        }
        write!(f, ": {}", self.melding)
    }
}

impl std::error::Error for GpkgFout {}

/// Where in a GeoPackage a problem is, for [`GpkgFout`].
#[derive(Debug, Clone, Default)]
struct Plek {
    bestand: String,
    laag: Option<String>,
    fid: Option<i64>,
    kolom: Option<String>,
}

impl Plek {
    fn bestand(path: &Path) -> Plek {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.to_string_lossy().into_owned());
        Plek {
            bestand: shown_name(&name),
            ..Plek::default()
        }
    }

    fn laag(&self, laag: &str) -> Plek {
        Plek {
            laag: Some(shown_name(laag)),
            ..self.clone()
        }
    }

    fn fid(&self, fid: i64) -> Plek {
        Plek {
            fid: Some(fid),
            ..self.clone()
        }
    }

    fn kolom(&self, kolom: &str) -> Plek {
        Plek {
            kolom: Some(shown_name(kolom)),
            ..self.clone()
        }
    }

    fn fout(&self, code: &'static str, melding: impl Into<String>) -> anyhow::Error {
        anyhow!(GpkgFout {
            bestand: self.bestand.clone(),
            laag: self.laag.clone(),
            fid: self.fid,
            kolom: self.kolom.clone(),
            code,
            melding: melding.into(),
        })
    }

    fn sql(&self, e: rusqlite::Error) -> anyhow::Error {
        self.fout(
            "leesfout",
            format!(
                "SQLite kan het bestand hier niet lezen ({}); het bestand is beschadigd of onvolledig: download het opnieuw bij PDOK of CBS en lever het opnieuw aan",
                shorten(&e.to_string(), 160)
            ),
        )
    }
}

/// Rows of one kind, with the first few fids as examples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub rows: u64,
    /// The first [`FIRST_FIDS`] fids, in reading order.
    pub first_fids: Vec<i64>,
    /// What was wrong with the first one, in Dutch, where there is more to say than the reason.
    pub example: Option<String>,
}

impl Tally {
    fn add(&mut self, fid: i64, example: impl FnOnce() -> Option<String>) {
        self.rows += 1;
        if self.first_fids.len() < FIRST_FIDS {
            self.first_fids.push(fid);
        }
        if self.example.is_none() {
            self.example = example();
        }
    }
}

/// What a conversion did with the rows it read: `read == written + outside + left out`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Rows read from the layer (for the CBS map: the buurten of the gemeente).
    pub read: u64,
    /// Rows written to the CSV.
    pub written: u64,
    /// Rows whose point lies in none of the buurten (BAG only).
    pub outside: Tally,
    /// Rows not written, per reason code (see the module documentation).
    pub left_out: BTreeMap<&'static str, Tally>,
    /// Rows written that are worth knowing about (`water`, `geometrie_vereenvoudigd`).
    pub noted: BTreeMap<&'static str, Tally>,
}

impl Counts {
    /// All rows left out, over every reason.
    pub fn left_out_rows(&self) -> u64 {
        self.left_out.values().map(|t| t.rows).sum()
    }

    /// Whether every row read is accounted for exactly once.
    pub fn reconciles(&self) -> bool {
        self.read == self.written + self.outside.rows + self.left_out_rows()
    }

    fn leave_out(&mut self, reason: &'static str, fid: i64, example: impl FnOnce() -> String) {
        self.left_out
            .entry(reason)
            .or_default()
            .add(fid, || Some(example()));
    }

    fn note(&mut self, what: &'static str, fid: i64, example: impl FnOnce() -> Option<String>) {
        self.noted.entry(what).or_default().add(fid, example);
    }
}

/// The Dutch description of a reason or note code.
pub fn reden(code: &str) -> &'static str {
    match code {
        "geometrie_onbruikbaar" => "geometrie ontbreekt of is onbruikbaar",
        "status_ingetrokken" => "status Verblijfsobject ingetrokken (bestaat niet meer)",
        "status_niet_gerealiseerd" => "status Niet gerealiseerd verblijfsobject",
        "status_ten_onrechte_opgevoerd" => "status Verblijfsobject ten onrechte opgevoerd",
        "status_onbekend" => "status ontbreekt of is onbekend",
        "waarde_onleesbaar" => "een waarde is binair, geen UTF-8 of te lang",
        "dubbel" => "tweede rij voor een verblijfsobject dat al geschreven is",
        "water" => "buurt die geheel water is (wel opgenomen)",
        "geometrie_vereenvoudigd" => {
            "geometrie vereenvoudigd voor de kaart (de indeling gebruikt de exacte)"
        }
        _ => "onbekende reden",
    }
}

fn fids(t: &Tally) -> String {
    let list: Vec<String> = t.first_fids.iter().map(i64::to_string).collect();
    let more = if t.rows > t.first_fids.len() as u64 {
        ", …"
    } else {
        ""
    };
    format!("fid {}{more}", list.join(", "))
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rijen gelezen, {} geschreven, {} buiten het gebied",
            self.read, self.written, self.outside.rows
        )?;
        if self.outside.rows > 0 {
            write!(f, " ({})", fids(&self.outside))?;
        }
        for (code, t) in &self.left_out {
            write!(f, "; weggelaten, {}: {} ({})", reden(code), t.rows, fids(t))?;
            if let Some(e) = &t.example {
                write!(f, ", bijvoorbeeld: {e}")?;
            }
        }
        for (code, t) in &self.noted {
            write!(f, "; {}: {} ({})", reden(code), t.rows, fids(t))?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// GeoPackageBinary
// ---------------------------------------------------------------------------------------------

/// The header of a GeoPackageBinary geometry (GeoPackage 1.x, "GeoPackage SQL Geometry Binary
/// Format").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpHeader {
    pub srs_id: i32,
    /// The empty flag: the geometry has no points.
    pub empty: bool,
    /// `[min_x, max_x, min_y, max_y]` when the header has an envelope (z and m ranges are
    /// skipped).
    pub envelope: Option<[f64; 4]>,
    /// Where the WKB starts.
    pub wkb_offset: usize,
}

/// Why a geometry is unusable. The `Display` is Dutch.
#[derive(Debug, Clone, PartialEq)]
pub enum GeomFout {
    /// The column is NULL.
    Ontbreekt,
    /// The value is not a BLOB.
    GeenBlob,
    TeKort {
        lengte: usize,
        nodig: usize,
    },
    GeenMagic,
    Versie(u8),
    /// An ExtendedGeoPackageBinary (bit 5): non-standard geometry types.
    Uitgebreid,
    EnvelopCode(u8),
    Leeg,
    Srs {
        gevonden: i32,
        verwacht: i32,
    },
    Wkb(String),
    Soort {
        gevonden: &'static str,
        verwacht: &'static str,
    },
    NietEindig,
    /// A polygon without a usable outer ring.
    GeenVlak,
}

impl fmt::Display for GeomFout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeomFout::Ontbreekt => write!(f, "de geometrie ontbreekt (NULL)"),
            GeomFout::GeenBlob => {
                write!(f, "de geometrie is geen GeoPackage-geometrie (geen BLOB)")
            }
            GeomFout::TeKort { lengte, nodig } => write!(
                f,
                "de geometrie is afgebroken: {lengte} bytes, de kop alleen vraagt er al {nodig}"
            ),
            GeomFout::GeenMagic => write!(
                f,
                "de geometrie begint niet met 'GP': geen GeoPackage-geometrie"
            ),
            GeomFout::Versie(v) => write!(f, "onbekende versie {v} van de GeoPackage-geometrie"),
            GeomFout::Uitgebreid => write!(
                f,
                "uitgebreide GeoPackage-geometrie (eigen geometrietypen) wordt niet ondersteund"
            ),
            GeomFout::EnvelopCode(c) => write!(f, "ongeldige envelop-code {c} in de geometriekop"),
            GeomFout::Leeg => write!(f, "de geometrie is leeg"),
            GeomFout::Srs { gevonden, verwacht } => write!(
                f,
                "de geometrie heeft srs_id {gevonden}, de laag {verwacht}"
            ),
            GeomFout::Wkb(e) => write!(f, "de WKB van de geometrie is onleesbaar ({e})"),
            GeomFout::Soort { gevonden, verwacht } => {
                write!(f, "de geometrie is een {gevonden}, verwacht {verwacht}")
            }
            GeomFout::NietEindig => write!(f, "de geometrie heeft coördinaten die geen getal zijn"),
            GeomFout::GeenVlak => write!(f, "de geometrie heeft geen bruikbare buitenrand"),
        }
    }
}

/// Parses the header of a GeoPackageBinary geometry. Never panics, whatever the bytes; reads
/// nothing beyond the slice.
pub fn parse_gp_header(blob: &[u8]) -> Result<GpHeader, GeomFout> {
    const FIXED: usize = 8;
    if blob.len() < FIXED {
        return Err(GeomFout::TeKort {
            lengte: blob.len(),
            nodig: FIXED,
        });
    }
    if blob[0] != b'G' || blob[1] != b'P' {
        return Err(GeomFout::GeenMagic);
    }
    // Version 0 is GeoPackage's "version 1" of the format, the only one there is.
    if blob[2] != 0 {
        return Err(GeomFout::Versie(blob[2]));
    }
    let flags = blob[3];
    if flags & 0b0010_0000 != 0 {
        return Err(GeomFout::Uitgebreid);
    }
    let empty = flags & 0b0001_0000 != 0;
    let little = flags & 1 == 1;
    let doubles = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 4,
        2 | 3 => 6,
        4 => 8,
        c => return Err(GeomFout::EnvelopCode(c)),
    };
    let srs = [blob[4], blob[5], blob[6], blob[7]];
    let srs_id = if little {
        i32::from_le_bytes(srs)
    } else {
        i32::from_be_bytes(srs)
    };
    let wkb_offset = FIXED + doubles * 8;
    if blob.len() < wkb_offset {
        return Err(GeomFout::TeKort {
            lengte: blob.len(),
            nodig: wkb_offset,
        });
    }
    let envelope = (doubles > 0).then(|| {
        let f = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&blob[FIXED + 8 * i..FIXED + 8 * i + 8]);
            if little {
                f64::from_le_bytes(b)
            } else {
                f64::from_be_bytes(b)
            }
        };
        [f(0), f(1), f(2), f(3)]
    });
    Ok(GpHeader {
        srs_id,
        empty,
        envelope,
        wkb_offset,
    })
}

fn type_name<G: GeometryTrait>(g: &G) -> &'static str {
    match g.as_type() {
        GeometryType::Point(_) => "POINT",
        GeometryType::LineString(_) => "LINESTRING",
        GeometryType::Polygon(_) => "POLYGON",
        GeometryType::MultiPoint(_) => "MULTIPOINT",
        GeometryType::MultiLineString(_) => "MULTILINESTRING",
        GeometryType::MultiPolygon(_) => "MULTIPOLYGON",
        GeometryType::GeometryCollection(_) => "GEOMETRYCOLLECTION",
        GeometryType::Rect(_) => "RECT",
        GeometryType::Triangle(_) => "TRIANGLE",
        GeometryType::Line(_) => "LINE",
    }
}

/// The header, checked against the layer's `srs_id` and the empty flag, and the WKB.
fn gp_wkb(blob: &[u8], srs_id: i32) -> Result<wkb::reader::Wkb<'_>, GeomFout> {
    let h = parse_gp_header(blob)?;
    if h.srs_id != srs_id {
        return Err(GeomFout::Srs {
            gevonden: h.srs_id,
            verwacht: srs_id,
        });
    }
    if h.empty {
        return Err(GeomFout::Leeg);
    }
    let body = blob.get(h.wkb_offset..).unwrap_or_default();
    wkb::reader::read_wkb(body).map_err(|e| GeomFout::Wkb(shorten(&e.to_string(), 120)))
}

/// The point of a GeoPackageBinary POINT in the layer's coordinate system.
pub fn decode_point(blob: &[u8], srs_id: i32) -> Result<(f64, f64), GeomFout> {
    let g = gp_wkb(blob, srs_id)?;
    let GeometryType::Point(p) = g.as_type() else {
        return Err(GeomFout::Soort {
            gevonden: type_name(&g),
            verwacht: "POINT",
        });
    };
    let c = p.coord().ok_or(GeomFout::Leeg)?;
    let (x, y) = (c.x(), c.y());
    if x.is_finite() && y.is_finite() {
        Ok((x, y))
    } else {
        Err(GeomFout::NietEindig)
    }
}

/// The area of a GeoPackageBinary POLYGON or MULTIPOLYGON (z and m dropped).
pub fn decode_area(blob: &[u8], srs_id: i32) -> Result<MultiPolygon<f64>, GeomFout> {
    let g = gp_wkb(blob, srs_id)?;
    let mp = match g.as_type() {
        GeometryType::Polygon(p) => MultiPolygon::new(vec![p.to_polygon()]),
        GeometryType::MultiPolygon(m) => m.to_multi_polygon(),
        _ => {
            return Err(GeomFout::Soort {
                gevonden: type_name(&g),
                verwacht: "POLYGON of MULTIPOLYGON",
            });
        }
    };
    check_area(&mp)?;
    Ok(mp)
}

/// An area has at least one polygon, each with an outer ring of at least 4 points, and only
/// finite coordinates.
fn check_area(mp: &MultiPolygon<f64>) -> Result<(), GeomFout> {
    if mp.0.is_empty() {
        return Err(GeomFout::Leeg);
    }
    if mp.0.iter().any(|p| p.exterior().0.len() < 4) {
        return Err(GeomFout::GeenVlak);
    }
    if mp
        .coords_iter()
        .any(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        return Err(GeomFout::NietEindig);
    }
    Ok(())
}

/// A GeoPackageBinary blob: little-endian header with an `[min_x, max_x, min_y, max_y]`
/// envelope (none, and the empty flag, for an empty geometry), then little-endian WKB.
pub fn gp_blob(geom: &Geometry<f64>, srs_id: i32) -> Result<Vec<u8>> {
    let envelope = geom.bounding_rect();
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"GP");
    out.push(0);
    out.push(match envelope {
        Some(_) => 0b0000_0011,
        None => 0b0001_0001,
    });
    out.extend_from_slice(&srs_id.to_le_bytes());
    if let Some(r) = envelope {
        for v in [r.min().x, r.max().x, r.min().y, r.max().y] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    wkb::writer::write_geometry(&mut out, geom, &wkb::writer::WriteOptions::default())
        .map_err(|e| anyhow!("WKB schrijven mislukt: {e}"))?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The buurten index
// ---------------------------------------------------------------------------------------------

struct Buurt {
    buurtcode: String,
    wijkcode: String,
    vlak: MultiPolygon<f64>,
}

/// The buurten of one gemeente with their polygons, indexed for point-in-polygon (an R-tree
/// of their bounding boxes).
pub struct BuurtIndex {
    /// Sorted by buurtcode: the index in this list decides a shared boundary.
    buurten: Vec<Buurt>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl fmt::Debug for BuurtIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuurtIndex")
            .field("buurten", &self.buurten.len())
            .finish()
    }
}

impl BuurtIndex {
    /// From (buurtcode, wijkcode, area) triples in EPSG:28992. Refuses an empty area, a
    /// non-finite coordinate and a buurtcode given twice.
    pub fn new(
        buurten: impl IntoIterator<Item = (String, String, MultiPolygon<f64>)>,
    ) -> Result<BuurtIndex> {
        let mut list: Vec<Buurt> = buurten
            .into_iter()
            .map(|(buurtcode, wijkcode, vlak)| Buurt {
                buurtcode,
                wijkcode,
                vlak,
            })
            .collect();
        list.sort_by(|a, b| a.buurtcode.cmp(&b.buurtcode));
        if let Some(w) = list.windows(2).find(|w| w[0].buurtcode == w[1].buurtcode) {
            return Err(anyhow!(
                "buurt {} staat twee keer in de buurten; elke buurtcode mag één vlak hebben",
                shown_name(&w[0].buurtcode)
            ));
        }
        let mut boxes = Vec::with_capacity(list.len());
        for (i, b) in list.iter().enumerate() {
            check_area(&b.vlak).map_err(|e| {
                anyhow!(
                    "buurt {} heeft geen bruikbaar vlak: {e}",
                    shown_name(&b.buurtcode)
                )
            })?;
            let Some(r) = b.vlak.bounding_rect() else {
                return Err(anyhow!(
                    "buurt {} heeft een leeg vlak",
                    shown_name(&b.buurtcode)
                ));
            };
            boxes.push(GeomWithData::new(
                Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                i,
            ));
        }
        Ok(BuurtIndex {
            buurten: list,
            tree: RTree::bulk_load(boxes),
        })
    }

    /// From (buurtcode, wijkcode, WKT POLYGON or MULTIPOLYGON in EPSG:28992) triples, e.g. the
    /// rows of a `cbs_buurt` CSV already loaded.
    pub fn from_wkt(
        rows: impl IntoIterator<Item = (String, String, String)>,
    ) -> Result<BuurtIndex> {
        let mut list = Vec::new();
        for (buurtcode, wijkcode, wkt) in rows {
            let vlak = parse_wkt_area(&wkt).map_err(|why| {
                anyhow!(
                    "geometrie_wkt van buurt {} is onbruikbaar: {why}",
                    shown_name(&buurtcode)
                )
            })?;
            list.push((buurtcode, wijkcode, vlak));
        }
        BuurtIndex::new(list)
    }

    /// The (buurtcode, wijkcode) containing the RD point, if any. A point on a boundary is
    /// inside; on a boundary shared by several buurten it goes to the lowest buurtcode.
    pub fn locate(&self, x: f64, y: f64) -> Option<(&str, &str)> {
        if !(x.is_finite() && y.is_finite()) {
            return None;
        }
        let c = Coord { x, y };
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_point([x, y]))
            .map(|g| g.data)
            .filter(|&i| self.buurten[i].vlak.intersects(&c))
            .min()
            .map(|i| {
                let b = &self.buurten[i];
                (b.buurtcode.as_str(), b.wijkcode.as_str())
            })
    }

    /// How many buurten.
    pub fn len(&self) -> usize {
        self.buurten.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buurten.is_empty()
    }

    /// The buurtcodes, in order.
    pub fn buurtcodes(&self) -> impl Iterator<Item = &str> {
        self.buurten.iter().map(|b| b.buurtcode.as_str())
    }

    /// The polygon of a buurt.
    pub fn vlak(&self, buurtcode: &str) -> Option<&MultiPolygon<f64>> {
        self.buurten
            .binary_search_by(|b| b.buurtcode.as_str().cmp(buurtcode))
            .ok()
            .map(|i| &self.buurten[i].vlak)
    }
}

/// A WKT POLYGON or MULTIPOLYGON. Only the characters a polygon's WKT has are accepted before
/// the parser sees it, so that no nesting of other types reaches it.
pub fn parse_wkt_area(s: &str) -> Result<MultiPolygon<f64>, String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    let body = upper
        .strip_prefix("MULTIPOLYGON")
        .or_else(|| upper.strip_prefix("POLYGON"))
        .ok_or("verwacht een POLYGON of MULTIPOLYGON")?;
    if let Some(c) = body
        .chars()
        .find(|c| !(c.is_ascii_digit() || c.is_ascii_whitespace() || "().,-+E".contains(*c)))
    {
        return Err(format!("onverwacht teken '{}'", c.escape_debug()));
    }
    let w: wkt::Wkt<f64> = t
        .parse()
        .map_err(|e: &str| format!("geen geldige WKT ({e})"))?;
    let g = Geometry::try_from(w).map_err(|e| format!("geen geldige WKT ({e})"))?;
    let mp = match g {
        Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
        Geometry::MultiPolygon(m) => m,
        _ => return Err("verwacht een POLYGON of MULTIPOLYGON".to_string()),
    };
    check_area(&mp).map_err(|e| e.to_string())?;
    Ok(mp)
}

/// A coordinate to the millimetre, without trailing zeros (`121000`, `121000.5`).
fn coord_text(v: f64) -> String {
    let r = (v * 1000.0).round() / 1000.0;
    format!("{r}")
}

fn rounded(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let mut m = mp.clone();
    m.0.iter_mut().for_each(|p| {
        p.exterior_mut(|r| r.0.iter_mut().for_each(round_coord));
        p.interiors_mut(|rs| {
            rs.iter_mut()
                .for_each(|r| r.0.iter_mut().for_each(round_coord))
        });
    });
    m
}

fn round_coord(c: &mut Coord<f64>) {
    c.x = (c.x * 1000.0).round() / 1000.0;
    c.y = (c.y * 1000.0).round() / 1000.0;
}

/// The WKT of a buurt for the CSV, simplified if it would not fit on a line; `None` when not
/// even the coarsest step fits. The flag says whether it was simplified.
fn buurt_wkt(mp: &MultiPolygon<f64>) -> Option<(String, bool)> {
    let exact = rounded(mp).wkt_string();
    if exact.len() <= WKT_BUDGET {
        return Some((exact, false));
    }
    SIMPLIFY_STEPS.iter().find_map(|&eps| {
        let s = rounded(&mp.simplify(eps)).wkt_string();
        (s.len() <= WKT_BUDGET).then_some((s, true))
    })
}

// ---------------------------------------------------------------------------------------------
// Opening a GeoPackage
// ---------------------------------------------------------------------------------------------

/// A `file:` URI for SQLite that opens the file read-only and immutable. Every byte outside
/// the unreserved set is percent-encoded, so that `?`, `#` or `%` in a name stay part of it.
fn sqlite_uri(path: &Path) -> String {
    let bytes = path.as_os_str().as_encoded_bytes();
    let mut s = String::from(if bytes.first() == Some(&b'/') {
        "file://"
    } else {
        "file:"
    });
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.push_str("?mode=ro&immutable=1");
    s
}

/// Double-quoted SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

struct Gpkg {
    conn: Connection,
    plek: Plek,
}

/// A feature layer with the columns a conversion needs.
struct Laag {
    naam: String,
    plek: Plek,
    geom: String,
    srs_id: i32,
    /// The INTEGER PRIMARY KEY, else `rowid`.
    fid: String,
    kolommen: Vec<String>,
}

impl Laag {
    /// The first of `namen` the layer has (case-insensitive), with its real spelling.
    fn kolom(&self, namen: &[&str]) -> Option<&str> {
        namen.iter().find_map(|n| {
            self.kolommen
                .iter()
                .find(|k| k.eq_ignore_ascii_case(n))
                .map(String::as_str)
        })
    }

    fn vereist(&self, namen: &[&str], advies: &str) -> Result<String> {
        self.kolom(namen).map(str::to_string).ok_or_else(|| {
            self.plek.kolom(namen[0]).fout(
                "kolom_ontbreekt",
                format!(
                    "de kolom {} ontbreekt in laag {} (aanwezig: {}); {advies}",
                    namen[0],
                    self.naam,
                    shorten(&self.kolommen.join(", "), 300)
                ),
            )
        })
    }
}

impl Gpkg {
    fn open(path: &Path) -> Result<Gpkg> {
        let plek = Plek::bestand(path);
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(plek.fout(
                    "niet_gevonden",
                    "het bestand bestaat niet; controleer de naam en de map",
                ));
            }
            Err(e) => {
                return Err(plek.fout(
                    "onleesbaar",
                    format!("het bestand kan niet worden gelezen ({e})"),
                ));
            }
        };
        if !meta.is_file() {
            return Err(plek.fout(
                "geen_gewoon_bestand",
                "dit is geen gewoon bestand (een map of apparaat); lever het GeoPackage (.gpkg) zelf",
            ));
        }
        let mut head = Vec::with_capacity(16);
        fs::File::open(path)
            .and_then(|f| f.take(16).read_to_end(&mut head))
            .map_err(|e| {
                plek.fout(
                    "onleesbaar",
                    format!("het bestand kan niet worden gelezen ({e})"),
                )
            })?;
        if head.starts_with(b"PK\x03\x04") {
            return Err(plek.fout(
                "zip",
                "dit is een zip-bestand; pak het GeoPackage (.gpkg) eerst uit en lever dat",
            ));
        }
        if head != b"SQLite format 3\0" {
            return Err(plek.fout(
                "geen_sqlite",
                "dit is geen GeoPackage: het bestand is geen SQLite-database; lever het .gpkg-bestand zoals PDOK of CBS het publiceert",
            ));
        }
        let conn = Connection::open_with_flags(
            Path::new(&sqlite_uri(path)),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| plek.sql(e))?;
        // Defence in depth: nothing in the file's schema may run with side effects.
        conn.pragma_update(None, "query_only", true)
            .map_err(|e| plek.sql(e))?;
        conn.pragma_update(None, "trusted_schema", false)
            .map_err(|e| plek.sql(e))?;
        let app_id: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| plek.sql(e))?;
        if app_id != GPKG_APPLICATION_ID && !OLDER_APPLICATION_IDS.contains(&app_id) {
            return Err(plek.fout(
                "geen_geopackage",
                format!(
                    "dit is een SQLite-database maar geen GeoPackage (application_id is 0x{app_id:08X}, verwacht 0x47504B47 'GPKG'); lever het .gpkg-bestand zoals PDOK of CBS het publiceert"
                ),
            ));
        }
        let gpkg = Gpkg { conn, plek };
        for table in [
            "gpkg_spatial_ref_sys",
            "gpkg_contents",
            "gpkg_geometry_columns",
        ] {
            let n: i64 = gpkg
                .conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .map_err(|e| gpkg.plek.sql(e))?;
            if n == 0 {
                return Err(gpkg.plek.fout(
                    "geen_geopackage",
                    format!(
                        "dit is geen volledig GeoPackage: de tabel {table} ontbreekt; lever het .gpkg-bestand zoals PDOK of CBS het publiceert"
                    ),
                ));
            }
        }
        Ok(gpkg)
    }

    fn layer_names(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT table_name FROM gpkg_contents ORDER BY table_name")
            .map_err(|e| self.plek.sql(e))?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<std::result::Result<Vec<_>, _>>())
            .map_err(|e| self.plek.sql(e))?;
        Ok(names)
    }

    /// A feature layer in EPSG:28992, with its geometry column, fid column and columns.
    fn laag(&self, naam: &str, advies: &str) -> Result<Laag> {
        let plek = self.plek.laag(naam);
        let found: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT table_name, data_type FROM gpkg_contents WHERE lower(table_name) = lower(?1)",
                [naam],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(|e| plek.sql(e))?;
        let Some((table, data_type)) = found else {
            let present = self.layer_names()?;
            return Err(plek.fout(
                "laag_ontbreekt",
                format!(
                    "de laag {naam} ontbreekt (aanwezig: {}); {advies}",
                    if present.is_empty() {
                        "geen".to_string()
                    } else {
                        shorten(&present.join(", "), 300)
                    }
                ),
            ));
        };
        if !data_type.eq_ignore_ascii_case("features") {
            return Err(plek.fout(
                "geen_featurelaag",
                format!(
                    "de laag {naam} is van soort '{}', verwacht 'features'; {advies}",
                    shorten(&data_type, 40)
                ),
            ));
        }
        let geom: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?1)",
                [naam],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(|e| plek.sql(e))?;
        let Some((geom, srs_id)) = geom else {
            return Err(plek.fout(
                "geen_geopackage",
                format!(
                    "de laag {naam} staat niet in gpkg_geometry_columns: er is geen geometriekolom; {advies}"
                ),
            ));
        };
        let srs_id = i32::try_from(srs_id).unwrap_or(i32::MIN);
        let srs: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
                [srs_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(|e| plek.sql(e))?;
        match &srs {
            Some((org, id)) if org.eq_ignore_ascii_case("EPSG") && *id == i64::from(RD_NEW) => {}
            _ => {
                let what = match &srs {
                    Some((org, id)) => format!("{}:{id}", shorten(org, 20)),
                    None => format!("srs_id {srs_id}, dat niet in gpkg_spatial_ref_sys staat"),
                };
                return Err(plek.fout(
                    "geen_rd",
                    format!(
                        "de laag {naam} heeft coördinaatsysteem {what}, verwacht EPSG:28992 (RD New); {advies}"
                    ),
                ));
            }
        }
        let mut kolommen = Vec::new();
        let mut pk = None;
        {
            let mut stmt = self
                .conn
                .prepare(&format!("PRAGMA table_info({})", ident(&table)))
                .map_err(|e| plek.sql(e))?;
            let mut rows = stmt.query([]).map_err(|e| plek.sql(e))?;
            while let Some(r) = rows.next().map_err(|e| plek.sql(e))? {
                let name: String = r.get(1).map_err(|e| plek.sql(e))?;
                let ty: String = r
                    .get::<_, Option<String>>(2)
                    .map_err(|e| plek.sql(e))?
                    .unwrap_or_default();
                let is_pk: i64 = r.get(5).map_err(|e| plek.sql(e))?;
                if is_pk == 1 && ty.eq_ignore_ascii_case("INTEGER") {
                    pk = Some(name.clone());
                }
                kolommen.push(name);
            }
        }
        if kolommen.is_empty() {
            return Err(plek.fout(
                "laag_ontbreekt",
                format!("de laag {naam} staat in gpkg_contents maar de tabel ontbreekt; {advies}"),
            ));
        }
        if !kolommen.iter().any(|k| k.eq_ignore_ascii_case(&geom)) {
            return Err(plek.kolom(&geom).fout(
                "kolom_ontbreekt",
                format!(
                    "de geometriekolom {} die gpkg_geometry_columns noemt, ontbreekt in laag {naam}; {advies}",
                    shown_name(&geom)
                ),
            ));
        }
        Ok(Laag {
            naam: table,
            plek,
            geom,
            srs_id,
            fid: pk.unwrap_or_else(|| "rowid".to_string()),
            kolommen,
        })
    }
}

/// Layer names of a GeoPackage (from `gpkg_contents`, sorted), after checking that it is one:
/// SQLite, `application_id` `GPKG` (or 1.0/1.1's `GP10`/`GP11`), and the tables
/// `gpkg_spatial_ref_sys`, `gpkg_contents` and `gpkg_geometry_columns`. The coordinate system
/// (EPSG:28992) is checked for the layers a conversion uses, when it uses them.
pub fn layers(path: &Path) -> Result<Vec<String>> {
    Gpkg::open(path)?.layer_names()
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/// A field as text: NULL and blank are `None`; an integer is written as such (an id padded
/// to `pad` digits, since leading zeros are lost when an id was stored as a number).
fn text_value(v: ValueRef<'_>, pad: usize) -> Result<Option<String>, String> {
    let s = match v {
        ValueRef::Null => return Ok(None),
        ValueRef::Integer(n) => {
            if n >= 0 {
                format!("{n:0pad$}")
            } else {
                n.to_string()
            }
        }
        ValueRef::Real(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", f as i64)
            } else {
                f.to_string()
            }
        }
        ValueRef::Text(b) => std::str::from_utf8(b)
            .map_err(|_| "geen geldige UTF-8".to_string())?
            .trim()
            .to_string(),
        ValueRef::Blob(_) => return Err("binaire waarde (BLOB) waar tekst hoort".to_string()),
    };
    if s.chars().count() > MAX_VALUE_CHARS {
        return Err(format!("langer dan {MAX_VALUE_CHARS} tekens"));
    }
    Ok((!s.is_empty()).then_some(s))
}

/// Whether a status keeps the object, else the reason it is left out.
fn status_reason(status: Option<&str>) -> Option<&'static str> {
    let Some(s) = status else {
        return Some("status_onbekend");
    };
    match s.trim().to_lowercase().as_str() {
        "verblijfsobject in gebruik"
        | "verblijfsobject in gebruik (niet ingemeten)"
        | "verbouwing verblijfsobject"
        | "verblijfsobject gevormd"
        | "verblijfsobject buiten gebruik" => None,
        "verblijfsobject ingetrokken" => Some("status_ingetrokken"),
        "niet gerealiseerd verblijfsobject" => Some("status_niet_gerealiseerd"),
        "verblijfsobject ten onrechte opgevoerd" => Some("status_ten_onrechte_opgevoerd"),
        _ => Some("status_onbekend"),
    }
}

/// PDOK's `gebruiksdoel` (comma-separated) in the contract's form (`|`-separated), each value
/// once, in PDOK's order.
pub fn gebruiksdoelen(pdok: &str) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for part in pdok
        .split([',', '|'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        if !seen.contains(&part) {
            seen.push(part);
        }
    }
    seen.join("|")
}

fn csv_writer(out: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

fn write_fout(plek: &Plek, e: impl fmt::Display) -> anyhow::Error {
    plek.fout(
        "schrijffout",
        format!(
            "de uitvoer kan niet worden geschreven ({})",
            shorten(&e.to_string(), 160)
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// CBS wijk- en buurtkaart
// ---------------------------------------------------------------------------------------------

const BUURT_CODE: &[&str] = &["buurtcode", "bu_code"];
const BUURT_NAAM: &[&str] = &["buurtnaam", "bu_naam"];
const BUURT_WIJK: &[&str] = &["wijkcode", "wk_code"];
const BUURT_GEMEENTE: &[&str] = &["gemeentecode", "gm_code"];
const BUURT_WATER: &[&str] = &["water"];
const WIJK_CODE: &[&str] = &["wijkcode", "wk_code"];
const WIJK_NAAM: &[&str] = &["wijknaam", "wk_naam"];

/// The names of the wijken of gemeente `gm` in layer `wijken`, by upper-case wijkcode, read from
/// its columns (code, name).
fn wijknamen(
    g: &Gpkg,
    wijken: &Laag,
    (w_code, w_naam): (&str, &str),
    gm: &CbsCode,
) -> Result<HashMap<String, Option<String>>> {
    let wijk_prefix = format!("WK{}", gm.digits);
    let mut wijknamen: HashMap<String, Option<String>> = HashMap::new();
    let sql = format!(
        "SELECT {}, {} FROM {}",
        ident(w_code),
        ident(w_naam),
        ident(&wijken.naam)
    );
    let mut stmt = g.conn.prepare(&sql).map_err(|e| wijken.plek.sql(e))?;
    let mut rows = stmt.query([]).map_err(|e| wijken.plek.sql(e))?;
    while let Some(r) = rows.next().map_err(|e| wijken.plek.sql(e))? {
        let code = r
            .get_ref(0)
            .ok()
            .and_then(|v| text_value(v, 0).ok().flatten());
        let Some(code) = code.filter(|c| c.to_ascii_uppercase().starts_with(&wijk_prefix)) else {
            continue;
        };
        let naam = r
            .get_ref(1)
            .ok()
            .and_then(|v| text_value(v, 0).ok().flatten());
        wijknamen.insert(code.to_ascii_uppercase(), naam);
    }
    Ok(wijknamen)
}

/// CBS wijk- en buurtkaart GeoPackage → the contract CSV of `cbs_buurt` (header and one row
/// per buurt of `gemeentecode`, accepted as `GM0392` or `0392`, in buurtcode order), and the
/// index of those buurten for [`bag_csv`]. Water buurten are kept (see the module
/// documentation). Refuses the file when the gemeente has no buurten in it, or one of its
/// buurten has no usable geometry, no buurtcode, or a wijk that layer `wijken` lacks. After
/// an error, what was written to `out` is incomplete and must be discarded.
pub fn cbs_buurten_csv(
    path: &Path,
    gemeentecode: &str,
    out: &mut dyn Write,
) -> Result<(BuurtIndex, Counts)> {
    let plek = Plek::bestand(path);
    let gm = CbsCode::parse_kind(gemeentecode.trim(), CbsKind::Gemeente).map_err(|e| {
        plek.fout(
            "gemeentecode",
            format!(
                "gemeentecode '{}' is ongeldig ({}); geef vier cijfers (0392) of de CBS-vorm (GM0392)",
                shorten(gemeentecode, 20),
                e.reason
            ),
        )
    })?;
    let g = Gpkg::open(path)?;
    let buurten = g.laag("buurten", ADVIES_CBS)?;
    let wijken = g.laag("wijken", ADVIES_CBS)?;
    let b_code = buurten.vereist(BUURT_CODE, ADVIES_CBS)?;
    let b_naam = buurten.vereist(BUURT_NAAM, ADVIES_CBS)?;
    let b_wijk = buurten.vereist(BUURT_WIJK, ADVIES_CBS)?;
    let b_gm = buurten.vereist(BUURT_GEMEENTE, ADVIES_CBS)?;
    let b_water = buurten.kolom(BUURT_WATER).map(str::to_string);
    let w_code = wijken.vereist(WIJK_CODE, ADVIES_CBS)?;
    let w_naam = wijken.vereist(WIJK_NAAM, ADVIES_CBS)?;

    let wijknamen = wijknamen(&g, &wijken, (&w_code, &w_naam), &gm)?;

    let water_sql = b_water.as_deref().map_or("NULL".to_string(), ident);
    let sql = format!(
        "SELECT {fid}, {geom}, {code}, {naam}, {wijk}, {water} FROM {table} \
         WHERE upper(trim({gm})) IN (?1, ?2) ORDER BY {code}, {fid}",
        fid = ident(&buurten.fid),
        geom = ident(&buurten.geom),
        code = ident(&b_code),
        naam = ident(&b_naam),
        wijk = ident(&b_wijk),
        water = water_sql,
        table = ident(&buurten.naam),
        gm = ident(&b_gm),
    );
    let mut stmt = g.conn.prepare(&sql).map_err(|e| buurten.plek.sql(e))?;
    let mut rows = stmt
        .query([format!("GM{}", gm.digits), gm.digits.clone()])
        .map_err(|e| buurten.plek.sql(e))?;

    let mut w = csv_writer(out);
    w.write_record(CBS_BUURT_KOLOMMEN)
        .map_err(|e| write_fout(&plek, e))?;
    let mut counts = Counts::default();
    let mut vlakken = Vec::new();
    while let Some(r) = rows.next().map_err(|e| buurten.plek.sql(e))? {
        let fid: i64 = r.get(0).map_err(|e| buurten.plek.sql(e))?;
        let at = buurten.plek.fid(fid);
        counts.read += 1;
        let field = |i: usize, kolom: &str| -> Result<Option<String>> {
            let v = r.get_ref(i).map_err(|e| at.sql(e))?;
            text_value(v, 0).map_err(|why| {
                at.kolom(kolom).fout(
                    "leesfout",
                    format!("de waarde is onbruikbaar: {why}; {ADVIES_CBS}"),
                )
            })
        };
        let Some(buurtcode) = field(2, &b_code)? else {
            return Err(at.kolom(&b_code).fout(
                "buurt_zonder_code",
                format!("een buurt van gemeente {gm} heeft geen buurtcode; {ADVIES_CBS}"),
            ));
        };
        let buurtnaam = field(3, &b_naam)?.unwrap_or_default();
        let wijkcode = field(4, &b_wijk)?.unwrap_or_default();
        let water = field(5, b_water.as_deref().unwrap_or("water"))?;
        let vlak = match r.get_ref(1).map_err(|e| at.sql(e))? {
            ValueRef::Blob(b) => decode_area(b, buurten.srs_id),
            ValueRef::Null => Err(GeomFout::Ontbreekt),
            _ => Err(GeomFout::GeenBlob),
        }
        .map_err(|f| {
            at.kolom(&buurten.geom).fout(
                "buurt_geometrie",
                format!(
                    "de geometrie van buurt {} is onbruikbaar: {f}; zonder vlak vallen de adressen van de buurt buiten het gebied. {ADVIES_CBS}",
                    shown_name(&buurtcode)
                ),
            )
        })?;
        let Some(wijknaam) = wijknamen.get(&wijkcode.to_ascii_uppercase()) else {
            return Err(at.kolom(&b_wijk).fout(
                "wijk_ontbreekt",
                format!(
                    "buurt {} hoort bij wijk '{}', maar die wijk staat niet in laag {}; {ADVIES_CBS}",
                    shown_name(&buurtcode),
                    shown_name(&wijkcode),
                    wijken.naam
                ),
            ));
        };
        if water
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("JA"))
        {
            counts.note("water", fid, || Some(buurtcode.clone()));
        }
        let wkt = match buurt_wkt(&vlak) {
            Some((wkt, simplified)) => {
                if simplified {
                    counts.note("geometrie_vereenvoudigd", fid, || Some(buurtcode.clone()));
                }
                wkt
            }
            None => String::new(),
        };
        w.write_record([
            buurtcode.as_str(),
            buurtnaam.as_str(),
            wijkcode.as_str(),
            wijknaam.as_deref().unwrap_or_default(),
            gm.digits.as_str(),
            wkt.as_str(),
        ])
        .map_err(|e| write_fout(&plek, e))?;
        counts.written += 1;
        vlakken.push((buurtcode, wijkcode, vlak));
    }
    w.flush().map_err(|e| write_fout(&plek, e))?;
    if vlakken.is_empty() {
        return Err(buurten.plek.fout(
            "geen_buurten",
            format!(
                "er staan geen buurten van gemeente {gm} in; controleer de gemeentecode en of dit de kaart van het goede jaar is (bij een herindeling krijgt een gemeente een nieuwe code)"
            ),
        ));
    }
    let index = BuurtIndex::new(vlakken).map_err(|e| {
        buurten
            .plek
            .fout("buurt_dubbel", format!("{e}; {ADVIES_CBS}"))
    })?;
    Ok((index, counts))
}

// ---------------------------------------------------------------------------------------------
// BAG
// ---------------------------------------------------------------------------------------------

/// The PDOK columns read, with the names accepted for each and whether the layer must have
/// it. Order: the order of the SELECT after fid and geometry.
const BAG_BRON: [(&[&str], bool); 13] = [
    (&["identificatie"], true),
    (&["status"], true),
    (
        &[
            "nummeraanduiding_hoofdadres_identificatie",
            "hoofdadres_identificatie",
        ],
        true,
    ),
    (&["openbare_ruimte_naam", "openbare_ruimte"], true),
    (&["huisnummer"], true),
    (&["huisletter"], false),
    (&["toevoeging", "huisnummertoevoeging"], false),
    (&["postcode"], true),
    (&["woonplaats_naam", "woonplaats"], true),
    (&["gebruiksdoel"], true),
    (&["oppervlakte"], true),
    (&["pand_identificatie", "pandidentificatie"], false),
    (&["bouwjaar"], false),
];

/// Indices into [`BAG_BRON`].
const B_ID: usize = 0;
const B_STATUS: usize = 1;
const B_NUM: usize = 2;
const B_OR: usize = 3;
const B_HNR: usize = 4;
const B_HL: usize = 5;
const B_TOEV: usize = 6;
const B_PC: usize = 7;
const B_WPL: usize = 8;
const B_DOEL: usize = 9;
const B_OPP: usize = 10;
const B_PAND: usize = 11;
const B_BJ: usize = 12;

/// A `vbo_id` already written: as a number when it is one (16 digits), else as text.
#[derive(Hash, PartialEq, Eq)]
enum Sleutel {
    Getal(u64),
    Tekst(String),
}

/// PDOK BAG GeoPackage, layer `verblijfsobject` → the contract CSV of `bag_verblijfsobject`
/// (header and rows), each object placed in its buurt with [`BuurtIndex::locate`]. Streams
/// the layer; objects outside every buurt, without a usable point, that do not (or no longer)
/// exist, with an unreadable value, or repeated, are counted and not written (see the module
/// documentation). After an error, what was written to `out` is incomplete and must be
/// discarded.
pub fn bag_csv(path: &Path, buurten: &BuurtIndex, out: &mut dyn Write) -> Result<Counts> {
    let g = Gpkg::open(path)?;
    let laag = g.laag("verblijfsobject", ADVIES_BAG)?;
    let mut select = vec![ident(&laag.fid), ident(&laag.geom)];
    let mut names = Vec::with_capacity(BAG_BRON.len());
    for (namen, required) in BAG_BRON {
        let kolom = if required {
            Some(laag.vereist(namen, ADVIES_BAG)?)
        } else {
            laag.kolom(namen).map(str::to_string)
        };
        select.push(kolom.as_deref().map_or("NULL".to_string(), ident));
        names.push(kolom.unwrap_or_else(|| namen[0].to_string()));
    }
    let sql = format!("SELECT {} FROM {}", select.join(", "), ident(&laag.naam));
    let mut stmt = g.conn.prepare(&sql).map_err(|e| laag.plek.sql(e))?;
    let mut rows = stmt.query([]).map_err(|e| laag.plek.sql(e))?;

    let plek = &g.plek;
    let mut w = csv_writer(out);
    w.write_record(BAG_VERBLIJFSOBJECT_KOLOMMEN)
        .map_err(|e| write_fout(plek, e))?;
    let mut counts = Counts::default();
    let mut written: HashSet<Sleutel> = HashSet::new();
    let mut last_fid = None;
    loop {
        let r = match rows.next() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => {
                let waar =
                    last_fid.map_or("aan het begin".to_string(), |f| format!("na rij fid {f}"));
                return Err(laag.plek.fout(
                    "leesfout",
                    format!(
                        "SQLite kan de laag {waar} niet verder lezen ({}); het bestand is beschadigd of onvolledig: download het opnieuw bij PDOK en lever het opnieuw aan",
                        shorten(&e.to_string(), 160)
                    ),
                ));
            }
        };
        let fid: i64 = r.get(0).map_err(|e| laag.plek.sql(e))?;
        last_fid = Some(fid);
        let at = laag.plek.fid(fid);
        counts.read += 1;

        let point = match r.get_ref(1).map_err(|e| at.sql(e))? {
            ValueRef::Blob(b) => decode_point(b, laag.srs_id),
            ValueRef::Null => Err(GeomFout::Ontbreekt),
            _ => Err(GeomFout::GeenBlob),
        };
        let (x, y) = match point {
            Ok(p) => p,
            Err(f) => {
                counts.leave_out("geometrie_onbruikbaar", fid, || f.to_string());
                continue;
            }
        };
        let Some((buurtcode, wijkcode)) = buurten.locate(x, y) else {
            counts.outside.add(fid, || None);
            continue;
        };

        // Every field as text; the first that cannot be read is remembered.
        let mut v: [Option<String>; BAG_BRON.len()] = Default::default();
        let mut bad = None;
        for (i, slot) in v.iter_mut().enumerate() {
            let pad = if matches!(i, B_ID | B_NUM | B_PAND) {
                16
            } else {
                0
            };
            match r
                .get_ref(i + 2)
                .map_err(|e| e.to_string())
                .and_then(|val| text_value(val, pad))
            {
                Ok(t) => *slot = t,
                Err(why) => {
                    bad.get_or_insert((i, why));
                }
            }
        }
        // An object that does not exist is left out for that, whatever else is wrong with it;
        // an unreadable status is an unreadable value.
        if !matches!(bad, Some((B_STATUS, _)))
            && let Some(reason) = status_reason(v[B_STATUS].as_deref())
        {
            let shown = v[B_STATUS]
                .as_deref()
                .map_or("leeg".to_string(), |s| format!("'{}'", shorten(s, 60)));
            counts.leave_out(reason, fid, || format!("status {shown}"));
            continue;
        }
        if let Some((i, why)) = bad {
            counts.leave_out("waarde_onleesbaar", fid, || {
                format!("kolom {}: {why}", shown_name(&names[i]))
            });
            continue;
        }
        let vbo_id = v[B_ID].take().unwrap_or_default();
        // Without an id there is nothing to repeat: the contract rejects each such row.
        let key = match vbo_id.parse::<u64>() {
            _ if vbo_id.is_empty() => None,
            Ok(n) if vbo_id.len() == 16 => Some(Sleutel::Getal(n)),
            _ => Some(Sleutel::Tekst(vbo_id.clone())),
        };
        if key.as_ref().is_some_and(|k| written.contains(k)) {
            counts.leave_out("dubbel", fid, || {
                format!(
                    "verblijfsobject {} staat al eerder in de laag",
                    shown_name(&vbo_id)
                )
            });
            continue;
        }
        let doelen = v[B_DOEL].as_deref().map(gebruiksdoelen).unwrap_or_default();
        let field = |i: usize| v[i].as_deref().unwrap_or_default();
        w.write_record([
            vbo_id.as_str(),
            field(B_NUM),
            field(B_OR),
            field(B_HNR),
            field(B_HL),
            field(B_TOEV),
            field(B_PC),
            field(B_WPL),
            doelen.as_str(),
            field(B_OPP),
            field(B_PAND),
            field(B_BJ),
            buurtcode,
            wijkcode,
            coord_text(x).as_str(),
            coord_text(y).as_str(),
        ])
        .map_err(|e| write_fout(plek, e))?;
        if let Some(key) = key {
            written.insert(key);
        }
        counts.written += 1;
    }
    w.flush().map_err(|e| write_fout(plek, e))?;
    Ok(counts)
}

// ---------------------------------------------------------------------------------------------
// Fixture writers
// ---------------------------------------------------------------------------------------------

/// One row of PDOK's `verblijfsobject` layer, with PDOK's field names (`gebruiksdoel`
/// comma-separated as PDOK writes it), for fixtures and synthetic data.
#[derive(Debug, Clone, PartialEq)]
pub struct BagObject {
    pub identificatie: String,
    pub status: String,
    pub gebruiksdoel: String,
    pub oppervlakte: Option<i64>,
    pub openbare_ruimte_naam: String,
    pub huisnummer: i64,
    pub huisletter: Option<String>,
    pub toevoeging: Option<String>,
    pub postcode: Option<String>,
    pub woonplaats_naam: String,
    pub bouwjaar: Option<i64>,
    pub pand_identificatie: Option<String>,
    pub pandstatus: Option<String>,
    pub nummeraanduiding_hoofdadres_identificatie: String,
    /// The point, EPSG:28992.
    pub x: f64,
    pub y: f64,
}

/// One row of CBS's `buurten` layer (the statistics left out).
#[derive(Debug, Clone, PartialEq)]
pub struct CbsBuurt {
    pub buurtcode: String,
    pub buurtnaam: String,
    pub wijkcode: String,
    /// As CBS writes it: `GM0392`.
    pub gemeentecode: String,
    pub gemeentenaam: String,
    /// Entirely water (`water` = `JA`).
    pub water: bool,
    pub geometrie: MultiPolygon<f64>,
}

/// One row of CBS's `wijken` layer.
#[derive(Debug, Clone, PartialEq)]
pub struct CbsWijk {
    pub wijkcode: String,
    pub wijknaam: String,
    pub gemeentecode: String,
    pub gemeentenaam: String,
    /// `None` writes a NULL geometry.
    pub geometrie: Option<MultiPolygon<f64>>,
}

const RD_NEW_WKT: &str = r#"PROJCS["Amersfoort / RD New",GEOGCS["Amersfoort",DATUM["Amersfoort",SPHEROID["Bessel 1841",6377397.155,299.1528128,AUTHORITY["EPSG","7004"]],TOWGS84[565.2369,50.0087,465.658,-0.406857,0.350733,-1.87035,4.0812],AUTHORITY["EPSG","6289"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4289"]],PROJECTION["Oblique_Stereographic"],PARAMETER["latitude_of_origin",52.1561605555556],PARAMETER["central_meridian",5.38763888888889],PARAMETER["scale_factor",0.9999079],PARAMETER["false_easting",155000],PARAMETER["false_northing",463000],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","28992"]]"#;

const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// A new GeoPackage at `path` (an existing file is replaced) with the spec's metadata tables
/// and EPSG:28992, in one open transaction.
fn create_gpkg(path: &Path) -> Result<Connection> {
    if fs::symlink_metadata(path).is_ok() {
        fs::remove_file(path).map_err(|e| {
            anyhow!(
                "{}: het bestaande bestand kan niet worden vervangen ({e})",
                path.display()
            )
        })?;
    }
    let conn = Connection::open(path)?;
    conn.execute_batch(&format!(
        "PRAGMA application_id = {GPKG_APPLICATION_ID};
         PRAGMA user_version = {GPKG_USER_VERSION};
         PRAGMA journal_mode = MEMORY;
         PRAGMA synchronous = OFF;
         BEGIN;
         CREATE TABLE gpkg_spatial_ref_sys (
           srs_name TEXT NOT NULL,
           srs_id INTEGER PRIMARY KEY,
           organization TEXT NOT NULL,
           organization_coordsys_id INTEGER NOT NULL,
           definition TEXT NOT NULL,
           description TEXT);
         CREATE TABLE gpkg_contents (
           table_name TEXT NOT NULL PRIMARY KEY,
           data_type TEXT NOT NULL,
           identifier TEXT UNIQUE,
           description TEXT DEFAULT '',
           last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
           min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
           srs_id INTEGER,
           CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
         CREATE TABLE gpkg_geometry_columns (
           table_name TEXT NOT NULL,
           column_name TEXT NOT NULL,
           geometry_type_name TEXT NOT NULL,
           srs_id INTEGER NOT NULL,
           z TINYINT NOT NULL,
           m TINYINT NOT NULL,
           CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
           CONSTRAINT uk_gc_table_name UNIQUE (table_name),
           CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
           CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));"
    ))?;
    let mut stmt = conn.prepare(
        "INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    stmt.execute((
        "Undefined cartesian SRS",
        -1,
        "NONE",
        -1,
        "undefined",
        "undefined cartesian coordinate reference system",
    ))?;
    stmt.execute((
        "Undefined geographic SRS",
        0,
        "NONE",
        0,
        "undefined",
        "undefined geographic coordinate reference system",
    ))?;
    stmt.execute((
        "WGS 84 geodetic",
        4326,
        "EPSG",
        4326,
        WGS84_WKT,
        "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
    ))?;
    stmt.execute((
        "Amersfoort / RD New",
        RD_NEW,
        "EPSG",
        RD_NEW,
        RD_NEW_WKT,
        "Rijksdriehoeksstelsel",
    ))?;
    drop(stmt);
    Ok(conn)
}

/// Registers a feature table in `gpkg_contents` and `gpkg_geometry_columns`.
fn register_layer(conn: &Connection, table: &str, geom_type: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?1, 'features', ?1, ?2)",
        (table, RD_NEW),
    )?;
    conn.execute(
        "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) VALUES (?1, 'geom', ?2, ?3, 0, 0)",
        (table, geom_type, RD_NEW),
    )?;
    Ok(())
}

fn set_extent(conn: &Connection, table: &str, extent: Option<Rect<f64>>) -> Result<()> {
    if let Some(r) = extent {
        conn.execute(
            "UPDATE gpkg_contents SET min_x = ?1, min_y = ?2, max_x = ?3, max_y = ?4 WHERE table_name = ?5",
            (r.min().x, r.min().y, r.max().x, r.max().y, table),
        )?;
    }
    Ok(())
}

fn grow(extent: &mut Option<Rect<f64>>, r: Option<Rect<f64>>) {
    if let Some(r) = r {
        *extent = Some(match *extent {
            None => r,
            Some(e) => Rect::new(
                Coord {
                    x: e.min().x.min(r.min().x),
                    y: e.min().y.min(r.min().y),
                },
                Coord {
                    x: e.max().x.max(r.max().x),
                    y: e.max().y.max(r.max().y),
                },
            ),
        });
    }
}

/// Writes a BAG GeoPackage in PDOK's schema one object at a time, for files too large to
/// hold as a slice. [`BagGpkgWriter::finish`] commits; a writer dropped without it leaves a
/// file that the readers refuse (its tables are rolled back).
pub struct BagGpkgWriter {
    conn: Connection,
    extent: Option<Rect<f64>>,
}

impl BagGpkgWriter {
    pub fn create(path: &Path) -> Result<BagGpkgWriter> {
        let conn = create_gpkg(path)?;
        conn.execute_batch(
            r#"CREATE TABLE "verblijfsobject" (
              "feature_id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "geom" POINT,
              "rdf_seealso" TEXT, "identificatie" TEXT, "oppervlakte" INTEGER, "status" TEXT,
              "gebruiksdoel" TEXT, "openbare_ruimte_naam" TEXT, "openbare_ruimte_naam_kort" TEXT,
              "huisnummer" INTEGER, "huisletter" TEXT, "toevoeging" TEXT, "postcode" TEXT,
              "woonplaats_naam" TEXT, "bouwjaar" INTEGER, "pand_identificatie" TEXT,
              "pandstatus" TEXT, "nummeraanduiding_hoofdadres_identificatie" TEXT,
              "openbare_ruimte_identificatie" TEXT, "woonplaats_identificatie" TEXT,
              "bronhouder_identificatie" TEXT)"#,
        )?;
        register_layer(&conn, "verblijfsobject", "POINT")?;
        Ok(BagGpkgWriter { conn, extent: None })
    }

    pub fn add(&mut self, o: &BagObject) -> Result<()> {
        let point = Geometry::Point(Point::new(o.x, o.y));
        let blob = gp_blob(&point, RD_NEW)?;
        grow(&mut self.extent, point.bounding_rect());
        let bronhouder = o.identificatie.get(..4);
        let seealso = format!(
            "https://bag.basisregistraties.overheid.nl/bag/id/verblijfsobject/{}",
            o.identificatie
        );
        let mut stmt = self.conn.prepare_cached(
            r#"INSERT INTO "verblijfsobject" ("geom", "rdf_seealso", "identificatie", "oppervlakte",
              "status", "gebruiksdoel", "openbare_ruimte_naam", "openbare_ruimte_naam_kort",
              "huisnummer", "huisletter", "toevoeging", "postcode", "woonplaats_naam", "bouwjaar",
              "pand_identificatie", "pandstatus", "nummeraanduiding_hoofdadres_identificatie",
              "bronhouder_identificatie")
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"#,
        )?;
        stmt.execute(rusqlite::params![
            blob,
            seealso,
            o.identificatie,
            o.oppervlakte,
            o.status,
            o.gebruiksdoel,
            o.openbare_ruimte_naam,
            o.huisnummer,
            o.huisletter,
            o.toevoeging,
            o.postcode,
            o.woonplaats_naam,
            o.bouwjaar,
            o.pand_identificatie,
            o.pandstatus,
            o.nummeraanduiding_hoofdadres_identificatie,
            bronhouder,
        ])?;
        Ok(())
    }

    /// Records the extent and commits.
    pub fn finish(self) -> Result<()> {
        set_extent(&self.conn, "verblijfsobject", self.extent)?;
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }
}

/// Writes a valid GeoPackage at `path` (replacing an existing file) with layer
/// `verblijfsobject` in PDOK's schema, as PDOK's `bag-light.gpkg` has it.
pub fn write_bag_gpkg(path: &Path, rows: &[BagObject]) -> Result<()> {
    let mut w = BagGpkgWriter::create(path)?;
    for o in rows {
        w.add(o)?;
    }
    w.finish()
}

/// Writes a valid GeoPackage at `path` (replacing an existing file) with layers `buurten`
/// and `wijken` in CBS's schema (without the statistics), as the wijk- en buurtkaart has them.
pub fn write_cbs_gpkg(path: &Path, buurten: &[CbsBuurt], wijken: &[CbsWijk]) -> Result<()> {
    let conn = create_gpkg(path)?;
    conn.execute_batch(
        r#"CREATE TABLE "buurten" (
          "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "geom" MULTIPOLYGON,
          "buurtcode" TEXT, "buurtnaam" TEXT, "wijkcode" TEXT, "gemeentecode" TEXT,
          "gemeentenaam" TEXT, "indelingswijziging_wijken_en_buurten" INTEGER, "water" TEXT,
          "meest_voorkomende_postcode" TEXT, "aantal_inwoners" INTEGER);
        CREATE TABLE "wijken" (
          "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "geom" MULTIPOLYGON,
          "wijkcode" TEXT, "wijknaam" TEXT, "gemeentecode" TEXT, "gemeentenaam" TEXT,
          "indelingswijziging_wijken_en_buurten" INTEGER, "water" TEXT);"#,
    )?;
    register_layer(&conn, "buurten", "MULTIPOLYGON")?;
    register_layer(&conn, "wijken", "MULTIPOLYGON")?;
    let mut extent = None;
    for b in buurten {
        let geom = Geometry::MultiPolygon(b.geometrie.clone());
        grow(&mut extent, geom.bounding_rect());
        conn.execute(
            r#"INSERT INTO "buurten" ("geom", "buurtcode", "buurtnaam", "wijkcode", "gemeentecode",
              "gemeentenaam", "indelingswijziging_wijken_en_buurten", "water") VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7)"#,
            (
                gp_blob(&geom, RD_NEW)?,
                &b.buurtcode,
                &b.buurtnaam,
                &b.wijkcode,
                &b.gemeentecode,
                &b.gemeentenaam,
                if b.water { "JA" } else { "NEE" },
            ),
        )?;
    }
    set_extent(&conn, "buurten", extent)?;
    let mut extent = None;
    for wk in wijken {
        let blob = match &wk.geometrie {
            Some(mp) => {
                let geom = Geometry::MultiPolygon(mp.clone());
                grow(&mut extent, geom.bounding_rect());
                Some(gp_blob(&geom, RD_NEW)?)
            }
            None => None,
        };
        conn.execute(
            r#"INSERT INTO "wijken" ("geom", "wijkcode", "wijknaam", "gemeentecode", "gemeentenaam",
              "indelingswijziging_wijken_en_buurten", "water") VALUES (?1, ?2, ?3, ?4, ?5, 1, 'NEE')"#,
            (blob, &wk.wijkcode, &wk.wijknaam, &wk.gemeentecode, &wk.gemeentenaam),
        )?;
    }
    set_extent(&conn, "wijken", extent)?;
    conn.execute_batch("COMMIT")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};
    use loep_contract::{Table, parse_value};
    use proptest::prelude::*;
    use std::path::PathBuf;

    // --- fixtures ------------------------------------------------------------------------

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> LineString<f64> {
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
    }

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![Polygon::new(rect(x0, y0, x1, y1), vec![])])
    }

    fn buurt(code: &str, naam: &str, wijk: &str, geometrie: MultiPolygon<f64>) -> CbsBuurt {
        CbsBuurt {
            buurtcode: code.to_string(),
            buurtnaam: naam.to_string(),
            wijkcode: wijk.to_string(),
            gemeentecode: format!("GM{}", &code[2..6]),
            gemeentenaam: "Haarlem".to_string(),
            water: false,
            geometrie,
        }
    }

    fn wijk(code: &str, naam: &str) -> CbsWijk {
        CbsWijk {
            wijkcode: code.to_string(),
            wijknaam: naam.to_string(),
            gemeentecode: format!("GM{}", &code[2..6]),
            gemeentenaam: "Haarlem".to_string(),
            geometrie: None,
        }
    }

    /// Gemeente 0392: two buurten side by side (sharing x = 101000), a buurt of two parts of
    /// which the first has a hole, and a water buurt filling that hole. One buurt of 0363.
    fn cbs_fixture() -> (Vec<CbsBuurt>, Vec<CbsWijk>) {
        let ring = MultiPolygon::new(vec![
            Polygon::new(
                rect(100_000.0, 481_000.0, 102_000.0, 483_000.0),
                vec![rect(100_500.0, 481_500.0, 101_500.0, 482_500.0)],
            ),
            Polygon::new(rect(105_000.0, 480_000.0, 106_000.0, 481_000.0), vec![]),
        ]);
        let mut hof = buurt(
            "BU03920102",
            "Hofvijver",
            "WK039201",
            square(100_500.0, 481_500.0, 101_500.0, 482_500.0),
        );
        hof.water = true;
        let buurten = vec![
            // Deliberately not in code order.
            buurt(
                "BU03920002",
                "Noord",
                "WK039200",
                square(101_000.0, 480_000.0, 102_000.0, 481_000.0),
            ),
            buurt(
                "BU03920001",
                "Centrum, oost",
                "WK039200",
                square(100_000.0, 480_000.0, 101_000.0, 481_000.0),
            ),
            buurt("BU03920101", "Ring", "WK039201", ring),
            hof,
            buurt(
                "BU03630001",
                "Burgwallen",
                "WK036300",
                square(120_000.0, 487_000.0, 121_000.0, 488_000.0),
            ),
        ];
        let wijken = vec![
            wijk("WK039200", "Binnenstad"),
            wijk("WK039201", "Buitenwijk"),
            wijk("WK036300", "Centrum"),
        ];
        (buurten, wijken)
    }

    fn obj(n: u64, x: f64, y: f64) -> BagObject {
        BagObject {
            identificatie: format!("0392010000{n:06}"),
            status: "Verblijfsobject in gebruik".to_string(),
            gebruiksdoel: "woonfunctie".to_string(),
            oppervlakte: Some(80),
            openbare_ruimte_naam: "Grote Markt".to_string(),
            huisnummer: n as i64,
            huisletter: None,
            toevoeging: None,
            postcode: Some("2011RD".to_string()),
            woonplaats_naam: "Haarlem".to_string(),
            bouwjaar: Some(1900),
            pand_identificatie: Some(format!("0392100000{n:06}")),
            pandstatus: Some("Pand in gebruik".to_string()),
            nummeraanduiding_hoofdadres_identificatie: format!("0392200000{n:06}"),
            x,
            y,
        }
    }

    struct Dir {
        dir: tempfile::TempDir,
    }

    impl Dir {
        fn new() -> Dir {
            Dir {
                dir: tempfile::tempdir().unwrap(),
            }
        }
        fn path(&self, name: &str) -> PathBuf {
            self.dir.path().join(name)
        }
        fn cbs(&self) -> PathBuf {
            let p = self.path("wijkenbuurten_2025.gpkg");
            let (b, w) = cbs_fixture();
            write_cbs_gpkg(&p, &b, &w).unwrap();
            p
        }
        fn bag(&self, rows: &[BagObject]) -> PathBuf {
            let p = self.path("bag-light.gpkg");
            write_bag_gpkg(&p, rows).unwrap();
            p
        }
    }

    fn index(cbs: &Path) -> (BuurtIndex, Counts, Vec<u8>) {
        let mut out = Vec::new();
        let (idx, counts) = cbs_buurten_csv(cbs, "GM0392", &mut out).unwrap();
        (idx, counts, out)
    }

    fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::ReaderBuilder::new().from_reader(bytes);
        let header = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows = r
            .records()
            .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
            .collect();
        (header, rows)
    }

    fn fout(e: &anyhow::Error) -> &GpkgFout {
        e.downcast_ref::<GpkgFout>()
            .unwrap_or_else(|| panic!("not a GpkgFout: {e:#}"))
    }

    /// Every value of every row is valid for the contract column it is in.
    fn assert_contract_valid(table: &str, bytes: &[u8]) {
        let t = Table::by_name(table).unwrap();
        let (header, rows) = read_csv(bytes);
        for row in &rows {
            for (name, value) in header.iter().zip(row) {
                let col = t.column(name).unwrap();
                if value.is_empty() {
                    assert!(!col.required, "{table}.{name} is required: {row:?}");
                } else if let Err(e) = parse_value(col.ty, value) {
                    panic!("{table}.{name} = {value:?}: {e}");
                }
            }
        }
    }

    fn bag_rows(bag: &Path, idx: &BuurtIndex) -> (Counts, Vec<Vec<String>>, Vec<u8>) {
        let mut out = Vec::new();
        let counts = bag_csv(bag, idx, &mut out).unwrap();
        assert!(counts.reconciles(), "{counts:?}");
        let (header, rows) = read_csv(&out);
        assert_eq!(header, BAG_VERBLIJFSOBJECT_KOLOMMEN);
        (counts, rows, out)
    }

    fn row_of<'a>(rows: &'a [Vec<String>], vbo: &str) -> &'a Vec<String> {
        let hits: Vec<_> = rows.iter().filter(|r| r[0] == vbo).collect();
        assert_eq!(hits.len(), 1, "{vbo} should be written exactly once");
        hits[0]
    }

    // --- contract shape ------------------------------------------------------------------

    #[test]
    fn column_lists_follow_the_contract() {
        for (table, ours) in [
            ("cbs_buurt", &CBS_BUURT_KOLOMMEN[..]),
            ("bag_verblijfsobject", &BAG_VERBLIJFSOBJECT_KOLOMMEN[..]),
        ] {
            let contract: Vec<&str> = Table::by_name(table)
                .unwrap()
                .columns
                .iter()
                .map(|c| c.name)
                .collect();
            assert_eq!(contract, ours, "{table}");
        }
    }

    // --- CBS -----------------------------------------------------------------------------

    #[test]
    fn buurten_of_one_gemeente_round_trip_through_the_csv() {
        let d = Dir::new();
        let cbs = d.cbs();
        assert_eq!(layers(&cbs).unwrap(), ["buurten", "wijken"]);
        let (idx, counts, out) = index(&cbs);
        assert_eq!((counts.read, counts.written), (4, 4));
        assert!(counts.reconciles());
        assert_eq!(counts.noted["water"].rows, 1);
        assert_eq!(counts.noted["water"].example.as_deref(), Some("BU03920102"));
        assert_contract_valid("cbs_buurt", &out);

        let (header, rows) = read_csv(&out);
        assert_eq!(header, CBS_BUURT_KOLOMMEN);
        let codes: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(
            codes,
            ["BU03920001", "BU03920002", "BU03920101", "BU03920102"],
            "buurtcode order, the other gemeente left out"
        );
        assert_eq!(
            rows[0][..5],
            [
                "BU03920001",
                "Centrum, oost",
                "WK039200",
                "Binnenstad",
                "0392"
            ]
        );
        assert_eq!(rows[2][3], "Buitenwijk");
        assert_eq!(
            rows[0][5],
            "MULTIPOLYGON(((100000 480000,101000 480000,101000 481000,100000 481000,100000 480000)))"
        );

        // The polygon read back from the CSV is the one written to the GeoPackage.
        let (buurten, _) = cbs_fixture();
        let from_csv = BuurtIndex::from_wkt(
            rows.iter()
                .map(|r| (r[0].clone(), r[2].clone(), r[5].clone())),
        )
        .unwrap();
        for b in buurten.iter().filter(|b| b.gemeentecode == "GM0392") {
            assert_eq!(
                idx.vlak(&b.buurtcode),
                Some(&b.geometrie),
                "{}",
                b.buurtcode
            );
            assert_eq!(
                from_csv.vlak(&b.buurtcode),
                Some(&b.geometrie),
                "{}",
                b.buurtcode
            );
        }
        assert_eq!(idx.vlak("BU03630001"), None);
        // And places points alike, on a grid over the whole gemeente.
        for i in 0..=70 {
            for j in 0..=35 {
                let (x, y) = (
                    99_900.0 + 100.0 * f64::from(i),
                    479_900.0 + 100.0 * f64::from(j),
                );
                assert_eq!(idx.locate(x, y), from_csv.locate(x, y), "({x}, {y})");
            }
        }
    }

    #[test]
    fn gemeentecode_with_or_without_gm_prefix() {
        let d = Dir::new();
        let cbs = d.cbs();
        let (_, _, reference) = index(&cbs);
        for code in ["0392", "GM0392", " gm0392 "] {
            let mut out = Vec::new();
            let (idx, counts) = cbs_buurten_csv(&cbs, code, &mut out).unwrap();
            assert_eq!(out, reference, "{code:?}");
            assert_eq!((idx.len(), counts.written), (4, 4), "{code:?}");
        }
        let mut out = Vec::new();
        let (idx, _) = cbs_buurten_csv(&cbs, "0363", &mut out).unwrap();
        assert_eq!(idx.buurtcodes().collect::<Vec<_>>(), ["BU03630001"]);

        for bad in ["392", "GM392", "WK039201", ""] {
            let e = cbs_buurten_csv(&cbs, bad, &mut Vec::new()).unwrap_err();
            let f = fout(&e);
            assert_eq!(f.code, "gemeentecode", "{bad:?}");
            assert!(f.melding.contains("vier cijfers"), "{f}");
        }
        let e = cbs_buurten_csv(&cbs, "0999", &mut Vec::new()).unwrap_err();
        let f = fout(&e);
        assert_eq!(f.code, "geen_buurten");
        assert_eq!(f.laag.as_deref(), Some("buurten"));
        assert!(f.melding.contains("gemeente GM0999"), "{f}");
    }

    #[test]
    fn a_buurt_with_a_broken_geometry_or_unknown_wijk_refuses_the_map() {
        let d = Dir::new();
        let cbs = d.cbs();
        let conn = Connection::open(&cbs).unwrap();
        conn.execute(
            "UPDATE buurten SET geom = X'4750000103' WHERE buurtcode = 'BU03920002'",
            [],
        )
        .unwrap();
        drop(conn);
        let e = cbs_buurten_csv(&cbs, "0392", &mut Vec::new()).unwrap_err();
        let f = fout(&e);
        assert_eq!(f.code, "buurt_geometrie");
        assert_eq!(f.fid, Some(1));
        assert_eq!(f.kolom.as_deref(), Some("geom"));
        assert!(f.melding.contains("BU03920002"), "{f}");
        assert!(
            e.to_string()
                .starts_with("wijkenbuurten_2025.gpkg, laag buurten, rij fid 1, kolom geom: "),
            "{e}"
        );

        let cbs = d.cbs();
        let conn = Connection::open(&cbs).unwrap();
        conn.execute("DELETE FROM wijken WHERE wijkcode = 'WK039201'", [])
            .unwrap();
        drop(conn);
        let e = cbs_buurten_csv(&cbs, "0392", &mut Vec::new()).unwrap_err();
        let f = fout(&e);
        assert_eq!(f.code, "wijk_ontbreekt");
        assert!(f.melding.contains("WK039201"), "{f}");
    }

    #[test]
    fn a_buurt_too_large_for_a_csv_line_is_simplified_for_the_map_only() {
        let n = 80_000;
        let circle: Vec<(f64, f64)> = (0..=n)
            .map(|i| {
                let a = std::f64::consts::TAU * f64::from(i % n) / f64::from(n);
                (101_000.0 + 1000.0 * a.cos(), 481_000.0 + 1000.0 * a.sin())
            })
            .collect();
        let rond = MultiPolygon::new(vec![Polygon::new(LineString::from(circle), vec![])]);
        let d = Dir::new();
        let cbs = d.path("groot.gpkg");
        write_cbs_gpkg(
            &cbs,
            &[buurt("BU03920001", "Rond", "WK039200", rond.clone())],
            &[wijk("WK039200", "Binnenstad")],
        )
        .unwrap();
        assert!(rounded(&rond).wkt_string().len() > WKT_BUDGET);
        let mut out = Vec::new();
        let (idx, counts) = cbs_buurten_csv(&cbs, "0392", &mut out).unwrap();
        assert_eq!(counts.noted["geometrie_vereenvoudigd"].rows, 1);
        let (_, rows) = read_csv(&out);
        assert!(rows[0][5].len() <= WKT_BUDGET);
        assert!(rows[0][5].starts_with("MULTIPOLYGON((("));
        assert_contract_valid("cbs_buurt", &out);
        // The index keeps every vertex.
        assert_eq!(idx.vlak("BU03920001"), Some(&rond));
        assert_eq!(
            idx.locate(101_999.0, 481_000.0).map(|b| b.0),
            Some("BU03920001")
        );
    }

    // --- the index -----------------------------------------------------------------------

    #[test]
    fn multipolygon_with_a_hole() {
        let d = Dir::new();
        let (idx, _, _) = index(&d.cbs());
        // In the hole: the buurt that fills it, not the ring.
        assert_eq!(
            idx.locate(101_000.0, 482_000.0),
            Some(("BU03920102", "WK039201"))
        );
        // In the ring around the hole, and in the ring's second, separate part.
        assert_eq!(
            idx.locate(100_200.0, 482_000.0),
            Some(("BU03920101", "WK039201"))
        );
        assert_eq!(
            idx.locate(105_500.0, 480_500.0),
            Some(("BU03920101", "WK039201"))
        );
        // Between the parts: inside the ring's bounding box, outside every polygon.
        assert_eq!(idx.locate(104_000.0, 480_500.0), None);

        // Without the buurt in the hole, the hole is outside.
        let ring_only = BuurtIndex::new(
            cbs_fixture()
                .0
                .into_iter()
                .filter(|b| b.buurtcode == "BU03920101")
                .map(|b| (b.buurtcode, b.wijkcode, b.geometrie)),
        )
        .unwrap();
        assert_eq!(ring_only.locate(101_000.0, 482_000.0), None);
        assert!(ring_only.locate(100_200.0, 482_000.0).is_some());
    }

    #[test]
    fn a_point_on_a_shared_boundary_lands_in_exactly_one_buurt() {
        let a = || {
            (
                "BU03920001".to_string(),
                "WK039200".to_string(),
                square(0.0, 0.0, 10.0, 10.0),
            )
        };
        let b = || {
            (
                "BU03920002".to_string(),
                "WK039200".to_string(),
                square(10.0, 0.0, 20.0, 10.0),
            )
        };
        let c = || {
            (
                "BU03920003".to_string(),
                "WK039201".to_string(),
                square(0.0, 10.0, 20.0, 20.0),
            )
        };
        for order in [
            vec![a(), b(), c()],
            vec![c(), b(), a()],
            vec![b(), c(), a()],
        ] {
            let idx = BuurtIndex::new(order).unwrap();
            // The edge shared by 1 and 2, the corner of all three, an edge of 2 and 3.
            assert_eq!(idx.locate(10.0, 5.0).map(|h| h.0), Some("BU03920001"));
            assert_eq!(idx.locate(10.0, 10.0).map(|h| h.0), Some("BU03920001"));
            assert_eq!(idx.locate(15.0, 10.0).map(|h| h.0), Some("BU03920002"));
            // The outer boundary is inside too; a hair beyond it is not.
            assert_eq!(idx.locate(20.0, 20.0).map(|h| h.0), Some("BU03920003"));
            assert_eq!(idx.locate(20.000_001, 20.0), None);
            assert_eq!(idx.locate(f64::NAN, 5.0), None);
        }

        // Through the whole conversion: the object is written once, in the lower buurt.
        let d = Dir::new();
        let (idx, _, _) = index(&d.cbs());
        let bag = d.bag(&[obj(1, 101_000.0, 480_500.0), obj(2, 101_000.0, 481_000.0)]);
        let (counts, rows, _) = bag_rows(&bag, &idx);
        assert_eq!(counts.written, 2);
        assert_eq!(row_of(&rows, "0392010000000001")[12], "BU03920001");
        // On the corner of 0001, 0002 and the ring buurt 0101.
        assert_eq!(row_of(&rows, "0392010000000002")[12], "BU03920001");
    }

    #[test]
    fn from_wkt_refuses_what_is_no_area() {
        let ok = |wkt: &str| {
            BuurtIndex::from_wkt([("BU03920001".into(), "WK039200".into(), wkt.into())])
        };
        let idx = ok("POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,4 2,4 4,2 4,2 2))").unwrap();
        assert!(idx.locate(1.0, 1.0).is_some());
        assert!(idx.locate(3.0, 3.0).is_none());
        assert!(ok(" multipolygon (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5))) ").is_ok());
        assert!(ok("POLYGON((1.5E2 0,2E+2 0,2e2 1,1.5E2 0))").is_ok());
        for bad in [
            "POINT(1 2)",
            "POLYGON((0 0,1 0",
            "POLYGON((0 0,1 1,0 0))",
            "POLYGON EMPTY",
            "MULTIPOLYGON(GEOMETRYCOLLECTION(POINT(1 1)))",
            "POLYGON((0 0,1 0,1 1,0 0)) x",
            "",
        ] {
            let e = ok(bad).unwrap_err().to_string();
            assert!(
                e.contains("BU03920001") && e.contains("onbruikbaar"),
                "{bad:?}: {e}"
            );
        }
        let twice = BuurtIndex::from_wkt([
            (
                "BU03920001".into(),
                "WK039200".into(),
                "POLYGON((0 0,1 0,1 1,0 0))".into(),
            ),
            (
                "BU03920001".into(),
                "WK039200".into(),
                "POLYGON((5 5,6 5,6 6,5 5))".into(),
            ),
        ])
        .unwrap_err();
        assert!(twice.to_string().contains("twee keer"), "{twice}");
    }

    // --- BAG -----------------------------------------------------------------------------

    #[test]
    fn objects_land_in_their_buurt_and_those_outside_are_counted() {
        let d = Dir::new();
        let (idx, _, _) = index(&d.cbs());
        let mut letter = obj(3, 100_200.000_4, 482_000.123_6);
        letter.huisletter = Some("a".to_string());
        letter.toevoeging = Some("2h".to_string());
        letter.gebruiksdoel = "winkelfunctie,woonfunctie,woonfunctie".to_string();
        let rows_in = vec![
            obj(1, 100_500.0, 480_500.0),
            obj(2, 101_500.0, 480_500.0),
            letter,
            obj(4, 105_500.0, 480_500.0),
            obj(5, 110_000.0, 490_000.0),
            obj(6, 120_500.0, 487_500.0),
            obj(7, 101_000.0, 482_000.0),
        ];
        let bag = d.bag(&rows_in);
        assert_eq!(layers(&bag).unwrap(), ["verblijfsobject"]);
        let (counts, rows, out) = bag_rows(&bag, &idx);
        assert_eq!((counts.read, counts.written), (7, 5));
        // Outside: open country, and a buurt of another gemeente.
        assert_eq!(counts.outside.rows, 2);
        assert_eq!(counts.outside.first_fids, [5, 6]);
        assert!(counts.left_out.is_empty());
        assert_contract_valid("bag_verblijfsobject", &out);

        assert_eq!(
            *row_of(&rows, "0392010000000001"),
            [
                "0392010000000001",
                "0392200000000001",
                "Grote Markt",
                "1",
                "",
                "",
                "2011RD",
                "Haarlem",
                "woonfunctie",
                "80",
                "0392100000000001",
                "1900",
                "BU03920001",
                "WK039200",
                "100500",
                "480500"
            ]
        );
        assert_eq!(row_of(&rows, "0392010000000002")[12], "BU03920002");
        let r3 = row_of(&rows, "0392010000000003");
        assert_eq!((r3[4].as_str(), r3[5].as_str()), ("a", "2h"));
        assert_eq!(r3[8], "winkelfunctie|woonfunctie");
        assert_eq!(
            (r3[12].as_str(), r3[13].as_str()),
            ("BU03920101", "WK039201")
        );
        assert_eq!((r3[14].as_str(), r3[15].as_str()), ("100200", "482000.124"));
        assert_eq!(row_of(&rows, "0392010000000004")[12], "BU03920101");
        assert_eq!(row_of(&rows, "0392010000000007")[12], "BU03920102");
        let text = counts.to_string();
        assert!(
            text.starts_with("7 rijen gelezen, 5 geschreven, 2 buiten het gebied (fid 5, 6)"),
            "{text}"
        );
    }

    #[test]
    fn objects_that_do_not_exist_are_left_out_per_reason() {
        let d = Dir::new();
        let (idx, _, _) = index(&d.cbs());
        let statuses = [
            "Verblijfsobject in gebruik",
            "Verblijfsobject in gebruik (niet ingemeten)",
            "Verbouwing verblijfsobject",
            "Verblijfsobject gevormd",
            "Verblijfsobject buiten gebruik",
            "Verblijfsobject ingetrokken",
            "Niet gerealiseerd verblijfsobject",
            "Verblijfsobject ten onrechte opgevoerd",
            "Verblijfsobject gesloopt",
            "",
            "verblijfsobject ingetrokken",
        ];
        let rows_in: Vec<BagObject> = statuses
            .iter()
            .enumerate()
            .map(|(i, s)| BagObject {
                status: s.to_string(),
                ..obj(i as u64 + 1, 100_500.0, 480_500.0)
            })
            .collect();
        // An object outside the area is outside, whatever its status.
        let mut far = obj(99, 0.5, 0.5);
        far.status = "Verblijfsobject ingetrokken".to_string();
        let mut all = rows_in.clone();
        all.push(far);
        let (counts, rows, _) = bag_rows(&d.bag(&all), &idx);
        assert_eq!(counts.written, 5);
        assert_eq!(rows.len(), 5);
        assert_eq!(counts.outside.first_fids, [12]);
        let left: Vec<(&str, u64, Vec<i64>)> = counts
            .left_out
            .iter()
            .map(|(k, t)| (*k, t.rows, t.first_fids.clone()))
            .collect();
        assert_eq!(
            left,
            [
                ("status_ingetrokken", 2, vec![6, 11]),
                ("status_niet_gerealiseerd", 1, vec![7]),
                ("status_onbekend", 2, vec![9, 10]),
                ("status_ten_onrechte_opgevoerd", 1, vec![8]),
            ]
        );
        assert_eq!(
            counts.left_out["status_onbekend"].example.as_deref(),
            Some("status 'Verblijfsobject gesloopt'")
        );
        let text = counts.to_string();
        assert!(
            text.contains(
                "weggelaten, status Verblijfsobject ingetrokken (bestaat niet meer): 2 (fid 6, 11)"
            ),
            "{text}"
        );
    }

    #[test]
    fn several_rows_of_one_object_give_one_row() {
        let d = Dir::new();
        let (idx, _, _) = index(&d.cbs());
        let first = obj(1, 100_500.0, 480_500.0);
        let mut second_pand = first.clone();
        second_pand.pand_identificatie = Some("0392100000999999".to_string());
        let rows_in = [
            first,
            obj(2, 100_600.0, 480_500.0),
            second_pand.clone(),
            second_pand,
        ];
        let (counts, rows, _) = bag_rows(&d.bag(&rows_in), &idx);
        assert_eq!(counts.written, 2);
        assert_eq!(counts.left_out["dubbel"].rows, 2);
        assert_eq!(counts.left_out["dubbel"].first_fids, [3, 4]);
        // The first row (lowest fid) is the one kept.
        assert_eq!(row_of(&rows, "0392010000000001")[10], "0392100000000001");
    }

    #[test]
    fn rows_without_an_id_are_not_taken_for_repeats() {
        let d = Dir::new();
        let (idx, _, _) = index(&d.cbs());
        let bag = d.bag(&[
            obj(1, 100_500.0, 480_500.0),
            obj(2, 100_500.0, 480_500.0),
            obj(3, 100_500.0, 480_500.0),
        ]);
        let conn = Connection::open(&bag).unwrap();
        conn.execute(
            "UPDATE verblijfsobject SET identificatie = NULL WHERE feature_id > 1",
            [],
        )
        .unwrap();
        drop(conn);
        let (counts, rows, _) = bag_rows(&bag, &idx);
        // Written, for the contract to reject each with its reason; not "dubbel".
        assert_eq!(counts.written, 3);
        assert!(counts.left_out.is_empty(), "{counts}");
        assert_eq!(rows.iter().filter(|r| r[0].is_empty()).count(), 2);
    }

    #[test]
    fn a_file_damaged_halfway_is_refused_with_where_reading_stopped() {
        let d = Dir::new();
        let (idx, _, _) = index(&d.cbs());
        let rows_in: Vec<BagObject> = (1..=5000).map(|n| obj(n, 100_500.0, 480_500.0)).collect();
        let bag = d.bag(&rows_in);
        let mut bytes = fs::read(&bag).unwrap();
        let n = bytes.len();
        // The metadata sits in the first pages; the objects' pages follow.
        bytes[n * 6 / 10..n * 7 / 10].fill(0xFF);
        let damaged = d.path("beschadigd.gpkg");
        fs::write(&damaged, &bytes).unwrap();
        let e = bag_csv(&damaged, &idx, &mut Vec::new()).unwrap_err();
        let f = fout(&e);
        assert_eq!(
            (f.code, f.laag.as_deref()),
            ("leesfout", Some("verblijfsobject"))
        );
        // Rows before the damage were read; where reading stopped is said.
        assert!(f.melding.contains("kan de laag na rij fid"), "{e}");
        assert!(f.melding.contains("opnieuw"), "{e}");
    }

    #[test]
    fn ids_stored_as_numbers_get_their_leading_zeros_back() {
        let d = Dir::new();
        let (idx, _, _) = index(&d.cbs());
        let bag = d.bag(&[obj(1, 100_500.0, 480_500.0)]);
        let conn = Connection::open(&bag).unwrap();
        // A tool that typed the ids as numbers, and the area as a real.
        conn.execute_batch(
            "ALTER TABLE verblijfsobject RENAME COLUMN identificatie TO oud_id;
             ALTER TABLE verblijfsobject ADD COLUMN identificatie INTEGER;
             ALTER TABLE verblijfsobject RENAME COLUMN nummeraanduiding_hoofdadres_identificatie TO oud_num;
             ALTER TABLE verblijfsobject ADD COLUMN nummeraanduiding_hoofdadres_identificatie INTEGER;
             ALTER TABLE verblijfsobject RENAME COLUMN oppervlakte TO oud_opp;
             ALTER TABLE verblijfsobject ADD COLUMN oppervlakte REAL;
             UPDATE verblijfsobject SET identificatie = oud_id,
               nummeraanduiding_hoofdadres_identificatie = oud_num, oppervlakte = 80;",
        )
        .unwrap();
        let stored: (String, String) = conn
            .query_row(
                "SELECT typeof(identificatie), typeof(oppervlakte) FROM verblijfsobject",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(stored, ("integer".to_string(), "real".to_string()));
        drop(conn);
        let (_, rows, out) = bag_rows(&bag, &idx);
        assert_eq!(
            rows[0][..4],
            ["0392010000000001", "0392200000000001", "Grote Markt", "1"]
        );
        assert_eq!(rows[0][9], "80");
        assert_contract_valid("bag_verblijfsobject", &out);
    }

    #[test]
    fn an_unreadable_value_is_counted_with_its_column() {
        let d = Dir::new();
        let (idx, _, _) = index(&d.cbs());
        let bag = d.bag(&[
            obj(1, 100_500.0, 480_500.0),
            obj(2, 100_500.0, 480_500.0),
            obj(3, 100_500.0, 480_500.0),
            obj(4, 100_500.0, 480_500.0),
        ]);
        let conn = Connection::open(&bag).unwrap();
        conn.execute(
            "UPDATE verblijfsobject SET postcode = X'00FF' WHERE feature_id = 1",
            [],
        )
        .unwrap();
        conn.execute(
            "UPDATE verblijfsobject SET openbare_ruimte_naam = CAST(X'FFFE' AS TEXT) WHERE feature_id = 2",
            [],
        )
        .unwrap();
        conn.execute(
            "UPDATE verblijfsobject SET huisletter = ?1 WHERE feature_id = 3",
            ["x".repeat(5000)],
        )
        .unwrap();
        conn.execute(
            "UPDATE verblijfsobject SET status = X'01' WHERE feature_id = 4",
            [],
        )
        .unwrap();
        drop(conn);
        let (counts, rows, _) = bag_rows(&bag, &idx);
        assert!(rows.is_empty());
        let t = &counts.left_out["waarde_onleesbaar"];
        assert_eq!((t.rows, t.first_fids.clone()), (4, vec![1, 2, 3, 4]));
        assert_eq!(
            t.example.as_deref(),
            Some("kolom postcode: binaire waarde (BLOB) waar tekst hoort")
        );
    }

    #[test]
    fn a_broken_geometry_is_counted_not_written() {
        let d = Dir::new();
        let (idx, _, _) = index(&d.cbs());
        let bag = d.bag(&[obj(1, 100_500.0, 480_500.0), obj(2, 100_500.0, 480_500.0)]);
        let conn = Connection::open(&bag).unwrap();
        conn.execute(
            "UPDATE verblijfsobject SET geom = X'47500003' WHERE feature_id = 1",
            [],
        )
        .unwrap();
        drop(conn);
        let (counts, rows, _) = bag_rows(&bag, &idx);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][0], "0392010000000002");
        let t = &counts.left_out["geometrie_onbruikbaar"];
        assert_eq!(t.first_fids, [1]);
        assert_eq!(
            t.example.as_deref(),
            Some("de geometrie is afgebroken: 4 bytes, de kop alleen vraagt er al 8")
        );
    }

    /// Hostile geometry bytes, each in a row of its own: every one is counted as unusable,
    /// none panics, and the good rows around them are written.
    #[test]
    fn hostile_geometry_bytes_are_rejected_without_panic() {
        let good = gp_blob(&Geometry::Point(Point::new(100_500.0, 480_500.0)), RD_NEW).unwrap();
        let header = |flags: u8| -> Vec<u8> {
            let mut h = b"GP\0".to_vec();
            h.push(flags);
            h.extend_from_slice(&RD_NEW.to_le_bytes());
            h
        };
        let wkb = |body: &[u8]| -> Vec<u8> {
            let mut b = header(0b0000_0001);
            b.extend_from_slice(body);
            b
        };
        let mut huge_rings = vec![1u8];
        huge_rings.extend_from_slice(&3u32.to_le_bytes());
        huge_rings.extend_from_slice(&u32::MAX.to_le_bytes());
        let mut huge_points = vec![1u8];
        huge_points.extend_from_slice(&3u32.to_le_bytes());
        huge_points.extend_from_slice(&1u32.to_le_bytes());
        huge_points.extend_from_slice(&u32::MAX.to_le_bytes());
        let mut huge_parts = vec![1u8];
        huge_parts.extend_from_slice(&6u32.to_le_bytes());
        huge_parts.extend_from_slice(&u32::MAX.to_le_bytes());
        let mut nan = vec![1u8];
        nan.extend_from_slice(&1u32.to_le_bytes());
        nan.extend_from_slice(&f64::NAN.to_le_bytes());
        nan.extend_from_slice(&f64::INFINITY.to_le_bytes());
        let mut line = vec![1u8];
        line.extend_from_slice(&2u32.to_le_bytes());
        line.extend_from_slice(&0u32.to_le_bytes());
        let mut other_srs = good.clone();
        other_srs[4..8].copy_from_slice(&4326i32.to_le_bytes());
        let mut big_endian_header = good.clone();
        big_endian_header[3] &= !1;
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty blob", vec![]),
            ("magic only", b"GP".to_vec()),
            (
                "wrong magic",
                b"XP\0\x01\x6c\x70\0\0\x01\x01\0\0\0".to_vec(),
            ),
            ("version 1", {
                let mut b = good.clone();
                b[2] = 1;
                b
            }),
            ("extended", header(0b0010_0001)),
            ("envelope code 5", header(0b0000_1011)),
            ("envelope code 7", header(0b0000_1111)),
            ("envelope cut short", header(0b0000_1001)),
            ("empty flag", header(0b0001_0001)),
            ("truncated point", good[..good.len() - 3].to_vec()),
            ("no wkb", header(0b0000_0001)),
            ("bad byte order", wkb(&[7, 1, 0, 0, 0])),
            ("unknown wkb type", wkb(&[1, 99, 0, 0, 0])),
            ("polygon, 4 billion rings", wkb(&huge_rings)),
            ("ring of 4 billion points", wkb(&huge_points)),
            ("multipolygon, 4 billion parts", wkb(&huge_parts)),
            ("nan point", wkb(&nan)),
            ("linestring", wkb(&line)),
            ("srs 4326", other_srs),
            ("header big-endian, srs misread", big_endian_header),
        ];
        for (what, bytes) in &cases {
            assert!(decode_point(bytes, RD_NEW).is_err(), "{what}");
            assert!(decode_area(bytes, RD_NEW).is_err(), "{what}");
        }
        assert!(matches!(
            parse_gp_header(b"XP\0\x01\0\0\0\0"),
            Err(GeomFout::GeenMagic)
        ));
        assert!(matches!(
            parse_gp_header(&header(0b0010_0001)),
            Err(GeomFout::Uitgebreid)
        ));
        assert!(matches!(
            parse_gp_header(&header(0b0000_1111)),
            Err(GeomFout::EnvelopCode(7))
        ));
        assert!(matches!(
            parse_gp_header(&header(0b0000_1001)),
            Err(GeomFout::TeKort {
                lengte: 8,
                nodig: 72
            })
        ));
        assert!(matches!(
            decode_point(&header(0b0001_0001), RD_NEW),
            Err(GeomFout::Leeg)
        ));
        assert!(matches!(
            decode_point(&cases[18].1, RD_NEW),
            Err(GeomFout::Srs {
                gevonden: 4326,
                verwacht: 28992
            })
        ));
        assert!(matches!(
            decode_point(&cases[16].1, RD_NEW),
            Err(GeomFout::NietEindig)
        ));
        assert!(matches!(
            decode_point(&cases[17].1, RD_NEW),
            Err(GeomFout::Soort {
                gevonden: "LINESTRING",
                verwacht: "POINT"
            })
        ));
        assert!(matches!(
            decode_point(&cases[13].1, RD_NEW),
            Err(GeomFout::Wkb(_))
        ));

        let d = Dir::new();
        let (idx, _, _) = index(&d.cbs());
        let rows_in: Vec<BagObject> = (0..cases.len() as u64 + 2)
            .map(|n| obj(n + 1, 100_500.0, 480_500.0))
            .collect();
        let bag = d.bag(&rows_in);
        let conn = Connection::open(&bag).unwrap();
        for (i, (_, bytes)) in cases.iter().enumerate() {
            conn.execute(
                "UPDATE verblijfsobject SET geom = ?1 WHERE feature_id = ?2",
                rusqlite::params![bytes, i as i64 + 2],
            )
            .unwrap();
        }
        drop(conn);
        let (counts, rows, _) = bag_rows(&bag, &idx);
        assert_eq!(counts.written, 2, "the first and the last row");
        assert_eq!(rows.len(), 2);
        assert_eq!(
            counts.left_out["geometrie_onbruikbaar"].rows,
            cases.len() as u64
        );

        // A geometry that is NULL or text: unusable too.
        let bag = d.bag(&rows_in[..3]);
        let conn = Connection::open(&bag).unwrap();
        conn.execute(
            "UPDATE verblijfsobject SET geom = NULL WHERE feature_id = 1",
            [],
        )
        .unwrap();
        conn.execute(
            "UPDATE verblijfsobject SET geom = 'POINT(1 2)' WHERE feature_id = 2",
            [],
        )
        .unwrap();
        drop(conn);
        let (counts, _, _) = bag_rows(&bag, &idx);
        assert_eq!(counts.left_out["geometrie_onbruikbaar"].first_fids, [1, 2]);
    }

    // --- refusing files ------------------------------------------------------------------

    #[test]
    fn what_is_no_geopackage_is_refused_in_dutch() {
        let d = Dir::new();
        let check = |path: &Path, code: &str, words: &[&str]| {
            for e in [
                layers(path).unwrap_err(),
                bag_csv(path, &index(&d.cbs()).0, &mut Vec::new()).unwrap_err(),
                cbs_buurten_csv(path, "0392", &mut Vec::new()).unwrap_err(),
            ] {
                let f = fout(&e);
                assert_eq!(f.code, code, "{e}");
                assert_eq!(f.bestand, path.file_name().unwrap().to_string_lossy());
                for w in words {
                    assert!(f.melding.contains(w), "{w:?} not in {e}");
                }
            }
        };
        check(
            &d.path("ontbreekt.gpkg"),
            "niet_gevonden",
            &["bestaat niet"],
        );
        check(
            d.dir.path(),
            "geen_gewoon_bestand",
            &["geen gewoon bestand"],
        );
        let text = d.path("adressen.gpkg");
        fs::write(&text, "vbo_id,postcode\n0392010000000001,2011RD\n").unwrap();
        check(&text, "geen_sqlite", &["geen GeoPackage", "geen SQLite"]);
        let empty = d.path("leeg.gpkg");
        fs::write(&empty, "").unwrap();
        check(&empty, "geen_sqlite", &["geen GeoPackage"]);
        let zip = d.path("bag.gpkg");
        fs::write(&zip, b"PK\x03\x04rest of a zip").unwrap();
        check(&zip, "zip", &["zip-bestand", "pak"]);
        let plain = d.path("plain.sqlite");
        Connection::open(&plain)
            .unwrap()
            .execute_batch("CREATE TABLE verblijfsobject (identificatie TEXT)")
            .unwrap();
        check(
            &plain,
            "geen_geopackage",
            &["geen GeoPackage", "application_id"],
        );
        let half = d.path("half.gpkg");
        Connection::open(&half)
            .unwrap()
            .execute_batch(&format!(
                "PRAGMA application_id = {GPKG_APPLICATION_ID}; CREATE TABLE gpkg_spatial_ref_sys (srs_id INTEGER)"
            ))
            .unwrap();
        check(&half, "geen_geopackage", &["gpkg_contents ontbreekt"]);
        let cut = d.path("afgebroken.gpkg");
        let bytes = fs::read(d.bag(&[obj(1, 100_500.0, 480_500.0)])).unwrap();
        fs::write(&cut, &bytes[..100]).unwrap();
        let e = layers(&cut).unwrap_err();
        assert_eq!(fout(&e).code, "leesfout", "{e}");
        assert!(fout(&e).melding.contains("opnieuw"), "{e}");
    }

    #[test]
    fn a_missing_layer_or_column_is_refused_in_dutch() {
        let d = Dir::new();
        let cbs = d.cbs();
        let bag = d.bag(&[obj(1, 100_500.0, 480_500.0)]);
        let (idx, _, _) = index(&cbs);

        // The maps swapped.
        let e = cbs_buurten_csv(&bag, "0392", &mut Vec::new()).unwrap_err();
        let f = fout(&e);
        assert_eq!(
            (f.code, f.laag.as_deref()),
            ("laag_ontbreekt", Some("buurten"))
        );
        assert!(f.melding.contains("aanwezig: verblijfsobject"), "{e}");
        assert!(f.melding.contains("wijkenbuurten"), "{e}");
        assert!(
            e.to_string()
                .starts_with("bag-light.gpkg, laag buurten: de laag buurten ontbreekt"),
            "{e}"
        );
        let e = bag_csv(&cbs, &idx, &mut Vec::new()).unwrap_err();
        let f = fout(&e);
        assert_eq!(
            (f.code, f.laag.as_deref()),
            ("laag_ontbreekt", Some("verblijfsobject"))
        );
        assert!(f.melding.contains("bag-light.gpkg"), "{e}");

        let conn = Connection::open(&bag).unwrap();
        conn.execute_batch("ALTER TABLE verblijfsobject DROP COLUMN oppervlakte")
            .unwrap();
        drop(conn);
        let e = bag_csv(&bag, &idx, &mut Vec::new()).unwrap_err();
        let f = fout(&e);
        assert_eq!(
            (f.code, f.kolom.as_deref()),
            ("kolom_ontbreekt", Some("oppervlakte"))
        );
        assert!(f.melding.contains("de kolom oppervlakte ontbreekt"), "{e}");

        // Optional columns may be absent; their contract fields are then empty.
        let bag = d.bag(&[obj(1, 100_500.0, 480_500.0)]);
        let conn = Connection::open(&bag).unwrap();
        conn.execute_batch(
            "ALTER TABLE verblijfsobject DROP COLUMN bouwjaar; ALTER TABLE verblijfsobject RENAME COLUMN nummeraanduiding_hoofdadres_identificatie TO HOOFDADRES_IDENTIFICATIE",
        )
        .unwrap();
        drop(conn);
        let (_, rows, _) = bag_rows(&bag, &idx);
        assert_eq!(
            (rows[0][1].as_str(), rows[0][11].as_str()),
            ("0392200000000001", "")
        );

        // A layer that is not in RD New.
        let conn = Connection::open(&cbs).unwrap();
        conn.execute(
            "UPDATE gpkg_geometry_columns SET srs_id = 4326 WHERE table_name = 'buurten'",
            [],
        )
        .unwrap();
        drop(conn);
        let e = cbs_buurten_csv(&cbs, "0392", &mut Vec::new()).unwrap_err();
        let f = fout(&e);
        assert_eq!(f.code, "geen_rd");
        assert!(
            f.melding.contains("EPSG:4326") && f.melding.contains("EPSG:28992"),
            "{e}"
        );
    }

    #[test]
    fn the_geopackage_is_never_modified() {
        let d = Dir::new();
        let cbs = d.cbs();
        let bag = d.bag(&[obj(1, 100_500.0, 480_500.0), obj(2, 0.0, 0.0)]);
        let listing = || {
            let mut names: Vec<_> = fs::read_dir(d.dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            names
        };
        let before = (fs::read(&cbs).unwrap(), fs::read(&bag).unwrap(), listing());
        let mtime = fs::metadata(&bag).unwrap().modified().unwrap();
        let (idx, _, _) = index(&cbs);
        bag_rows(&bag, &idx);
        layers(&bag).unwrap();
        assert_eq!(
            before,
            (fs::read(&cbs).unwrap(), fs::read(&bag).unwrap(), listing())
        );
        assert_eq!(mtime, fs::metadata(&bag).unwrap().modified().unwrap());
    }

    #[test]
    fn names_with_uri_characters_open() {
        let d = Dir::new();
        let p = d.path("bag 2026?mode=rw#%41.gpkg");
        write_bag_gpkg(&p, &[obj(1, 100_500.0, 480_500.0)]).unwrap();
        assert_eq!(layers(&p).unwrap(), ["verblijfsobject"]);
        assert!(
            sqlite_uri(&p).ends_with("bag%202026%3Fmode%3Drw%23%2541.gpkg?mode=ro&immutable=1")
        );
        assert!(sqlite_uri(Path::new("rel/x.gpkg")).starts_with("file:rel/x.gpkg?"));
    }

    #[test]
    fn the_fixture_writers_write_what_the_spec_asks() {
        let d = Dir::new();
        let bag = d.bag(&[obj(1, 100_500.0, 480_500.0), obj(2, 101_000.0, 481_000.0)]);
        let conn = Connection::open(&bag).unwrap();
        let app: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .unwrap();
        let version: i32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!((app, version), (0x4750_4B47, 10300));
        let (geom, srs): (String, i64) = conn
            .query_row(
                "SELECT column_name, srs_id FROM gpkg_geometry_columns",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((geom.as_str(), srs), ("geom", 28992));
        let extent: (f64, f64, f64, f64) = conn
            .query_row(
                "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(extent, (100_500.0, 480_500.0, 101_000.0, 481_000.0));
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        let blob: Vec<u8> = conn
            .query_row(
                "SELECT geom FROM verblijfsobject WHERE feature_id = 2",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let h = parse_gp_header(&blob).unwrap();
        assert_eq!(
            h.envelope,
            Some([101_000.0, 101_000.0, 481_000.0, 481_000.0])
        );
        assert_eq!((h.srs_id, h.empty, h.wkb_offset), (28992, false, 40));
        assert_eq!(decode_point(&blob, RD_NEW), Ok((101_000.0, 481_000.0)));
        // Writing again replaces the file.
        write_bag_gpkg(&bag, &[]).unwrap();
        assert_eq!(layers(&bag).unwrap(), ["verblijfsobject"]);
        let (counts, rows, _) = bag_rows(&bag, &index(&d.cbs()).0);
        assert_eq!((counts.read, rows.len()), (0, 0));
    }

    #[test]
    fn gebruiksdoelen_take_the_contract_form() {
        assert_eq!(gebruiksdoelen("woonfunctie"), "woonfunctie");
        assert_eq!(
            gebruiksdoelen("winkelfunctie,woonfunctie, overige gebruiksfunctie,woonfunctie"),
            "winkelfunctie|woonfunctie|overige gebruiksfunctie"
        );
        assert_eq!(gebruiksdoelen(" , "), "");
        let ty = Table::by_name("bag_verblijfsobject")
            .unwrap()
            .column("gebruiksdoelen")
            .unwrap()
            .ty;
        assert!(
            parse_value(
                ty,
                &gebruiksdoelen("kantoorfunctie,bijeenkomstfunctie,kantoorfunctie")
            )
            .is_ok()
        );
    }

    #[test]
    fn coordinates_to_the_millimetre() {
        assert_eq!(coord_text(121_000.0), "121000");
        assert_eq!(coord_text(121_000.5), "121000.5");
        assert_eq!(coord_text(121_000.123_49), "121000.123");
        assert_eq!(coord_text(487_000.999_6), "487001");
        assert_eq!(coord_text(0.1 + 0.2), "0.3");
    }

    proptest! {
        #[test]
        fn the_header_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
            if let Ok(h) = parse_gp_header(&bytes) {
                prop_assert!(h.wkb_offset <= bytes.len());
                prop_assert_eq!(&bytes[..2], b"GP");
            }
            let _ = decode_point(&bytes, RD_NEW);
            let _ = decode_area(&bytes, RD_NEW);
        }

        #[test]
        fn random_wkb_behind_a_valid_header_never_panics(
            flags in any::<u8>(),
            kind in 0u32..8,
            body in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let mut b = b"GP\0".to_vec();
            b.push(flags);
            b.extend_from_slice(&RD_NEW.to_le_bytes());
            b.push(1);
            b.extend_from_slice(&kind.to_le_bytes());
            b.extend_from_slice(&body);
            let _ = decode_point(&b, RD_NEW);
            let _ = decode_area(&b, RD_NEW);
        }

        #[test]
        fn points_and_areas_round_trip(x in -1e7f64..1e7, y in -1e7f64..1e7, w in 0.001f64..1e4) {
            let p = gp_blob(&Geometry::Point(Point::new(x, y)), RD_NEW).unwrap();
            prop_assert_eq!(decode_point(&p, RD_NEW), Ok((x, y)));
            let h = parse_gp_header(&p).unwrap();
            prop_assert_eq!(h.envelope, Some([x, x, y, y]));
            let area = square(x, y, x + w, y + w);
            let a = gp_blob(&Geometry::MultiPolygon(area.clone()), RD_NEW).unwrap();
            prop_assert_eq!(decode_area(&a, RD_NEW), Ok(area));
            prop_assert_eq!(parse_gp_header(&a).unwrap().envelope, Some([x, x + w, y, y + w]));
        }

        #[test]
        fn a_big_endian_header_reads_alike(x in -1e6f64..1e6, y in -1e6f64..1e6) {
            let little = gp_blob(&Geometry::Point(Point::new(x, y)), RD_NEW).unwrap();
            let mut big = b"GP\0\x02".to_vec();
            big.extend_from_slice(&RD_NEW.to_be_bytes());
            for v in [x, x, y, y] {
                big.extend_from_slice(&v.to_be_bytes());
            }
            big.extend_from_slice(&little[40..]);
            prop_assert_eq!(parse_gp_header(&big), parse_gp_header(&little));
            prop_assert_eq!(decode_point(&big, RD_NEW), Ok((x, y)));
        }
    }
}
