//! Generated data that follows the contract (`spec/levering.md`).
//!
//! Nobody outside a government may hold the real data, so loep brings its own. `bulk` writes
//! large valid deliveries of every table for throughput benchmarks; `municipality` writes a
//! realistic municipality with planted cases of every theme, honest look-alikes, and the ground
//! truth to measure linkage and indicators against; `persons` writes two registrations of
//! largely the same people, with the errors hand-typed records have, to measure the linker at
//! any size.

pub mod bulk;
pub mod municipality;
mod names;
mod out;
pub mod persons;
pub mod rng;

pub use bulk::{BulkCounts, bsn_for, write_bulk_delivery};
pub use municipality::{Options, Summary, themes, write_municipality};
pub use persons::{PersonFiles, write_person_files};
pub use rng::Rng;
