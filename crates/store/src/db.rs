//! The project's database as the crates above the store see it.
//!
//! [`Db`] is what [`Project::db`](crate::Project::db) and a write transaction
//! ([`Tx`](crate::Tx), which dereferences to it) hand to the store's functions: a handle
//! with no SQL of its own. The application core, the intake and the scan read and write the
//! project's tables only through the store's typed functions; the SQL stays in this crate.
//!
//! One other crate keeps tables of its own in the project's database and so speaks SQL to it:
//! the case register (`loep-zaken`), its tables beside the store's, inside the store's
//! transactions. It reaches the connection with [`Db::sql`]. (The identity vault speaks SQL
//! only to its own database.) The architecture test (`crates/app/tests/architecture.rs`)
//! refuses `.sql()`, `conn()` and rusqlite in every other crate.

use ref_cast::RefCast;
use rusqlite::{CachedStatement, Connection, Params, Row, Statement};

/// The project's database, opaque to the crates that are not persistence crates.
#[derive(RefCast)]
#[repr(transparent)]
pub struct Db(Connection);

impl Db {
    /// The store's own view of a connection or transaction (a transaction dereferences to
    /// its connection).
    pub fn of(conn: &Connection) -> &Db {
        Db::ref_cast(conn)
    }

    /// The connection itself, for the case register, which keeps tables of its own; see the
    /// module's documentation.
    pub fn sql(&self) -> &Connection {
        &self.0
    }

    pub(crate) fn execute<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.0.execute(sql, params)
    }

    pub(crate) fn execute_batch(&self, sql: &str) -> rusqlite::Result<()> {
        self.0.execute_batch(sql)
    }

    pub(crate) fn prepare(&self, sql: &str) -> rusqlite::Result<Statement<'_>> {
        self.0.prepare(sql)
    }

    pub(crate) fn prepare_cached(&self, sql: &str) -> rusqlite::Result<CachedStatement<'_>> {
        self.0.prepare_cached(sql)
    }

    pub(crate) fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.0.query_row(sql, params, f)
    }

    pub(crate) fn last_insert_rowid(&self) -> i64 {
        self.0.last_insert_rowid()
    }

    /// Whether no transaction is open on the connection.
    pub fn is_autocommit(&self) -> bool {
        self.0.is_autocommit()
    }
}

/// The project's database inside a write transaction: what the store's functions that change
/// rows take, so that they cannot be called outside one. A [`Tx`](crate::Tx) dereferences to
/// it, and it to [`Db`] for reading.
#[derive(RefCast)]
#[repr(transparent)]
pub struct TxDb(Db);

impl TxDb {
    pub fn of<'a>(tx: &'a rusqlite::Transaction<'_>) -> &'a TxDb {
        TxDb::ref_cast(Db::of(tx))
    }
}

impl std::ops::Deref for TxDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.0
    }
}
