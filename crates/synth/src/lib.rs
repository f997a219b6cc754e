//! Generated data that follows the contract (`spec/levering.md`).
//!
//! Nobody outside a government may hold the real data, so loep brings its own. `bulk` writes
//! large valid deliveries of every table for throughput benchmarks.

pub mod bulk;

pub use bulk::{BulkCounts, Rng, bsn_for, write_bulk_delivery};
