//! The BAG converter streams: a national `bag-light.gpkg` holds some ten million objects, of
//! which a gemeente needs a few percent. This test writes 200,000 objects, streams them
//! through `bag_csv` into a sink, and measures the peak of what the Rust heap holds meanwhile
//! (a counting allocator; this binary has only this test, so nothing else allocates). A
//! converter that collected the rows, or the output, before writing would hold tens of MB here.
//! SQLite's own page cache is allocated by SQLite (bounded by its cache_size) and not counted.

use geo::{LineString, MultiPolygon, Polygon};
use loep_intake::bronnen::gpkg::{
    BagGpkgWriter, BagObject, CbsBuurt, CbsWijk, bag_csv, cbs_buurten_csv, write_cbs_gpkg,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Counts the bytes and lines written, keeps none.
#[derive(Default)]
struct Sink {
    bytes: u64,
    lines: u64,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes += buf.len() as u64;
        self.lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

const OBJECTS: u64 = 200_000;
/// Every `INSIDE_EVERY`-th object lies in the gemeente.
const INSIDE_EVERY: u64 = 200;

fn object(n: u64) -> BagObject {
    let inside = n.is_multiple_of(INSIDE_EVERY);
    let (x, y) = if inside {
        (100_000.0 + (n % 997) as f64, 480_000.0 + (n % 991) as f64)
    } else {
        (
            150_000.0 + (n % 50_000) as f64,
            400_000.0 + (n / 50_000) as f64 * 10.0,
        )
    };
    BagObject {
        identificatie: format!("0392010{n:09}"),
        status: "Verblijfsobject in gebruik".to_string(),
        gebruiksdoel: "woonfunctie,winkelfunctie".to_string(),
        oppervlakte: Some(40 + (n % 200) as i64),
        openbare_ruimte_naam: format!("Burgemeester van der Straatweg {}", n % 300),
        huisnummer: 1 + (n % 400) as i64,
        huisletter: n.is_multiple_of(7).then(|| "A".to_string()),
        toevoeging: n.is_multiple_of(11).then(|| "BIS".to_string()),
        postcode: Some(format!("{}AB", 2000 + n % 100)),
        woonplaats_naam: "Haarlem".to_string(),
        bouwjaar: Some(1900 + (n % 120) as i64),
        pand_identificatie: Some(format!("0392100{n:09}")),
        pandstatus: Some("Pand in gebruik".to_string()),
        nummeraanduiding_hoofdadres_identificatie: format!("0392200{n:09}"),
        x,
        y,
    }
}

#[test]
fn the_bag_layer_is_streamed_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let bag = dir.path().join("bag-light.gpkg");
    let mut w = BagGpkgWriter::create(&bag).unwrap();
    for n in 1..=OBJECTS {
        w.add(&object(n)).unwrap();
    }
    w.finish().unwrap();

    let cbs = dir.path().join("wijkenbuurten.gpkg");
    let square = LineString::from(vec![
        (99_999.0, 479_999.0),
        (101_001.0, 479_999.0),
        (101_001.0, 481_001.0),
        (99_999.0, 481_001.0),
        (99_999.0, 479_999.0),
    ]);
    write_cbs_gpkg(
        &cbs,
        &[CbsBuurt {
            buurtcode: "BU03920001".to_string(),
            buurtnaam: "Centrum".to_string(),
            wijkcode: "WK039200".to_string(),
            gemeentecode: "GM0392".to_string(),
            gemeentenaam: "Haarlem".to_string(),
            water: false,
            geometrie: MultiPolygon::new(vec![Polygon::new(square, vec![])]),
        }],
        &[CbsWijk {
            wijkcode: "WK039200".to_string(),
            wijknaam: "Binnenstad".to_string(),
            gemeentecode: "GM0392".to_string(),
            gemeentenaam: "Haarlem".to_string(),
            geometrie: None,
        }],
    )
    .unwrap();
    let (buurten, _) = cbs_buurten_csv(&cbs, "0392", &mut Vec::new()).unwrap();

    let mut sink = Sink::default();
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let counts = bag_csv(&bag, &buurten, &mut sink).unwrap();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);

    let inside = OBJECTS / INSIDE_EVERY;
    assert_eq!(counts.read, OBJECTS);
    assert_eq!(counts.written, inside);
    assert_eq!(counts.outside.rows, OBJECTS - inside);
    assert!(counts.reconciles(), "{counts}");
    assert_eq!(
        sink.lines,
        1 + inside,
        "header and one line per object written"
    );
    eprintln!(
        "streamed {OBJECTS} objects, wrote {} bytes; peak heap growth {} KiB",
        sink.bytes,
        peak / 1024
    );
    // The output alone is ~150 KB, the rows read ~40 MB as Rust strings; the set of ids
    // written and the CSV writer's buffer are a few tens of KB.
    assert!(
        peak < 1 << 20,
        "bag_csv held {} KiB at its peak: it does not stream",
        peak / 1024
    );
}
