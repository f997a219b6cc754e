//! The vault's own database (`vault/vault.sqlite`), on its own connection: the register of the
//! vault's files, rejected rows in full, and the copy of the processing log's head.
//!
//! The analysis store and the vault are two databases, so a delivery commits in two steps:
//! the vault first (its rows carry the delivery's id), then the store. A crash between the two
//! leaves vault rows of a delivery the store does not know; [`Vault::reconcile`], run whenever
//! a writer opens the project, removes them with any file nobody registered ("presumed
//! abort"), so that the vault never keeps identities of a delivery that did not load.

use anyhow::{Context, Result};
use loep_store::Layout;
use loep_store::retention::Destroyed;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

use crate::format::Soort;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS bestand (
    snapshot_id TEXT NOT NULL,
    soort TEXT NOT NULL,
    pad TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS afwijzing (
    levering_id TEXT NOT NULL,
    bestand TEXT NOT NULL,
    regel INTEGER NOT NULL,
    kolom TEXT NOT NULL,
    waarde TEXT NOT NULL,
    reden TEXT NOT NULL,
    ruwe_regel TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bewaartermijn (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    identiteiten_voltooid TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS log_head_pending (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
"#;

/// The delivery a snapshot id belongs to (`L0001-1a2b3c4d.brp_persoon` → `L0001-1a2b3c4d`).
fn delivery_of(snapshot_id: &str) -> &str {
    snapshot_id.split('.').next().unwrap_or(snapshot_id)
}

/// An open vault database.
pub struct Vault {
    conn: Connection,
    /// The project directory the registered paths are relative to.
    dir: std::path::PathBuf,
    /// The project's integrity key, which seals every registered file's content.
    key: Option<loep_store::integrity::IntegrityKey>,
}

/// The seal of a vault file: the HMAC, under the project's integrity key, of the file's
/// snapshot, kind, path and SHA-256 (a project of an earlier release without a key: the
/// SHA-256 alone). A file rewritten, or taken from another project's vault, no longer matches.
fn seal(
    key: Option<&loep_store::integrity::IntegrityKey>,
    dir: &std::path::Path,
    snapshot_id: &str,
    kind: &str,
    pad: &str,
    content: Option<&std::path::Path>,
) -> Result<String> {
    let path = content.map_or_else(|| dir.join(pad), std::path::Path::to_path_buf);
    let mut f = std::fs::File::open(&path)
        .with_context(|| format!("het kluisbestand {} ontbreekt", path.display()))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)
        .with_context(|| format!("het kluisbestand {} is onleesbaar", path.display()))?;
    let sha = hex::encode(h.finalize());
    Ok(match key {
        Some(k) => k.mac(&[Some(snapshot_id), Some(kind), Some(pad), Some(&sha)]),
        None => format!("sha256:{sha}"),
    })
}

impl Vault {
    /// Opens (and if new, creates) the vault database of the project at `layout`.
    pub fn open(layout: &Layout) -> Result<Vault> {
        let path = layout.vault();
        if !layout.vault_dir().exists() {
            anyhow::bail!(
                "de identiteitskluis {} is niet beschikbaar; koppel de opslag van de kluis aan en probeer het opnieuw",
                layout.vault_dir().display()
            );
        }
        let conn = Connection::open(&path)
            .with_context(|| format!("kan de identiteitskluis {} niet openen", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Destroyed rows are overwritten in the file, not merely unlinked.
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.execute_batch(SCHEMA)
            .context("kan de tabellen van de identiteitskluis niet aanmaken")?;
        let mut vault = Vault {
            conn,
            dir: layout.dir.clone(),
            key: loep_store::integrity::IntegrityKey::load(layout)?,
        };
        vault.seal_existing(layout)?;
        Ok(vault)
    }

    /// A vault of an earlier release has no seals: its files are sealed as they are now, once
    /// (as the store's rows were when their seals came), in one transaction, and a marker
    /// beside the integrity key says so: a vault whose seals were removed afterwards is not
    /// sealed again (its files are refused), so that removing the seals cannot launder a file.
    /// Without an integrity key (a project of an earlier release opened only to read) nothing
    /// is sealed or checked.
    fn seal_existing(&mut self, layout: &Layout) -> Result<()> {
        let has_mac: bool = self
            .conn
            .prepare("SELECT 1 FROM pragma_table_info('bestand') WHERE name = 'mac'")?
            .exists([])?;
        if !has_mac {
            self.conn
                .execute_batch("ALTER TABLE bestand ADD COLUMN mac TEXT")?;
        }
        if self.key.is_none() {
            return Ok(());
        }
        let marker = layout.key_dir().join("kluis-verzegeld");
        if marker.exists() {
            // Sealed before: a row without a seal now had it removed, and is refused.
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        let rows: Vec<(i64, String, String, String)> = {
            let mut stmt =
                tx.prepare("SELECT rowid, snapshot_id, soort, pad FROM bestand WHERE mac IS NULL")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        for (rowid, snapshot, kind, pad) in rows {
            // A file already gone (destroyed by retention) keeps no seal and is refused on use.
            if let Ok(mac) = seal(self.key.as_ref(), &self.dir, &snapshot, &kind, &pad, None) {
                tx.execute(
                    "UPDATE bestand SET mac = ?2 WHERE rowid = ?1",
                    params![rowid, mac],
                )?;
            }
        }
        tx.commit()?;
        std::fs::write(&marker, b"de bestanden van de kluis zijn verzegeld\n")
            .with_context(|| format!("kan {} niet schrijven", marker.display()))?;
        Ok(())
    }

    /// Seals a registered file anew after its content was replaced on purpose (retention
    /// writes a copy without the identities whose period ended): `content` is the new file,
    /// before it is renamed to `pad`.
    pub fn reseal(&self, pad: &str, content: &std::path::Path) -> Result<()> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT snapshot_id, soort FROM bestand WHERE pad = ?1",
                params![pad],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((snapshot, kind)) = row {
            let mac = seal(
                self.key.as_ref(),
                &self.dir,
                &snapshot,
                &kind,
                pad,
                Some(content),
            )?;
            self.conn.execute(
                "UPDATE bestand SET mac = ?2 WHERE pad = ?1",
                params![pad, mac],
            )?;
        }
        Ok(())
    }

    /// The vault file of `kind` of a snapshot, relative to the project directory, after its
    /// content was checked against its seal: a file rewritten outside loep, or one of another
    /// project, is refused (and never read for identities).
    pub fn file(&self, snapshot_id: &str, kind: Soort) -> Result<Option<String>> {
        let row: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT pad, mac FROM bestand WHERE snapshot_id = ?1 AND soort = ?2",
                params![snapshot_id, kind.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((pad, mac)) = row else {
            return Ok(None);
        };
        if self.key.is_none() {
            return Ok(Some(pad));
        }
        let now = seal(
            self.key.as_ref(),
            &self.dir,
            snapshot_id,
            kind.as_str(),
            &pad,
            None,
        )?;
        match mac {
            Some(m) if m == now => Ok(Some(pad)),
            _ => Err(loep_store::integrity::tampered(&format!(
                "kluisbestand {pad}"
            ))),
        }
    }

    /// Every registered vault file: (snapshot id, kind, path relative to the project).
    pub fn files(&self) -> Result<Vec<(String, String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT snapshot_id, soort, pad FROM bestand ORDER BY snapshot_id, soort")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The copy of the processing log's head: (number of records, hash of the newest).
    pub fn head(&self) -> Result<Option<(i64, String)>> {
        Ok(self
            .conn
            .query_row("SELECT seq, hash FROM log_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// The copy of the head with the head a commit announced and did not record (see
    /// [`Vault::prepare_head`]); `None` before the project's first head.
    pub fn head_copy(&self) -> Result<Option<loep_store::log::HeadCopy>> {
        let Some(recorded) = self.head()? else {
            return Ok(None);
        };
        let pending = self
            .conn
            .query_row(
                "SELECT seq, hash FROM log_head_pending WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(Some(loep_store::log::HeadCopy { recorded, pending }))
    }

    /// Announces, before the store commits, the head the log will have after it. A process
    /// killed between the store's commit and [`Vault::record_head`] leaves the log at this
    /// head, which the check then accepts (and [`Vault::settle_head`] records), instead of an
    /// alarm about records added outside loep. Written with `synchronous = FULL`.
    pub fn prepare_head(&self, seq: i64, hash: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO log_head_pending (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            params![seq, hash],
        )?;
        Ok(())
    }

    /// Records the processing log's head after the store committed new records (and forgets
    /// the announced head), in one transaction.
    pub fn record_head(&self, seq: i64, hash: &str) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO log_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            params![seq, hash],
        )?;
        tx.execute("DELETE FROM log_head_pending", [])?;
        tx.commit()?;
        Ok(())
    }

    /// When a writer opens the project: a head announced by a commit that was interrupted
    /// before it was recorded becomes the recorded head if the log stands at it (the commit
    /// went through). When the log stands at the recorded head instead, the announced head is
    /// returned: the commit did not go through (or its records were removed afterwards, which
    /// nothing here can tell apart), and the caller records that in the log before it
    /// records the new head. Anything else is left for the check to report.
    pub fn settle_head(&self, log_head: &(i64, String)) -> Result<Option<(i64, String)>> {
        let Some(copy) = self.head_copy()? else {
            return Ok(None);
        };
        match copy.pending {
            Some(p) if &p == log_head => {
                self.record_head(log_head.0, &log_head.1)?;
                Ok(None)
            }
            Some(p) if &copy.recorded == log_head => Ok(Some(p)),
            _ => Ok(None),
        }
    }

    /// Whether the vault's files were filtered to completion after the identities' grace
    /// period: a run interrupted after its record committed leaves this unset, so that the
    /// next run finishes the destruction.
    pub fn identities_done(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM bewaartermijn", [], |r| {
                r.get::<_, i64>(0)
            })?
            > 0)
    }

    /// Marks the identities' destruction complete (after the files were replaced), or not.
    pub fn set_identities_done(&self, done: bool, now: &str) -> Result<()> {
        if done {
            self.conn.execute(
                "INSERT INTO bewaartermijn (id, identiteiten_voltooid) VALUES (1, ?1)
                 ON CONFLICT(id) DO UPDATE SET identiteiten_voltooid = excluded.identiteiten_voltooid",
                params![now],
            )?;
        } else {
            self.conn.execute("DELETE FROM bewaartermijn", [])?;
        }
        Ok(())
    }

    /// Starts the vault's part of a delivery.
    pub fn begin(&mut self) -> Result<VaultTx<'_>> {
        let Vault { conn, dir, key } = self;
        Ok(VaultTx {
            tx: conn.transaction()?,
            dir,
            key: key.as_ref(),
        })
    }

    /// Removes what a delivery that never committed in the store left in the vault: its rows,
    /// the files nobody registered, and the staging area. `committed` holds the store's
    /// delivery ids.
    pub fn reconcile(&mut self, layout: &Layout, committed: &HashSet<String>) -> Result<()> {
        let staging = layout.vault_staging();
        if staging.exists() {
            std::fs::remove_dir_all(&staging).with_context(|| {
                format!(
                    "kan de achtergebleven tussenmap {} niet verwijderen",
                    staging.display()
                )
            })?;
        }
        let orphans: Vec<String> = self
            .files()?
            .into_iter()
            .map(|(s, _, _)| delivery_of(&s).to_string())
            .chain(self.reject_deliveries()?)
            .filter(|l| !committed.contains(l))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if !orphans.is_empty() {
            let tx = self.conn.transaction()?;
            for l in &orphans {
                tx.execute(
                    "DELETE FROM bestand WHERE snapshot_id LIKE ?1 || '.%'",
                    params![l],
                )?;
                tx.execute("DELETE FROM afwijzing WHERE levering_id = ?1", params![l])?;
            }
            tx.commit()?;
        }
        let known: HashSet<String> = self.files()?.into_iter().map(|(_, _, p)| p).collect();
        for root in [
            layout.vault_dir().join("identiteit"),
            layout.vault_dir().join("bsn"),
        ] {
            loep_store::project::remove_unregistered(&layout.dir, &root, &known)?;
        }
        Ok(())
    }

    fn reject_deliveries(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT levering_id FROM afwijzing")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Counts and hashes the rejects kept in full (they hold raw rows with names and BSNs),
    /// and deletes them unless `dry_run`.
    pub fn purge_rejects(&mut self, dry_run: bool) -> Result<Destroyed> {
        let tx = self.conn.transaction()?;
        let mut hash = Sha256::new();
        let mut n = 0u64;
        {
            let mut stmt = tx.prepare(
                "SELECT levering_id, bestand, regel, ruwe_regel FROM afwijzing ORDER BY rowid",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                n += 1;
                for i in 0..4 {
                    let v: rusqlite::types::Value = r.get(i)?;
                    hash.update(format!("{v:?}").as_bytes());
                    hash.update(b"\x1f");
                }
                hash.update(b"\x1e");
            }
        }
        if !dry_run && n > 0 {
            tx.execute("DELETE FROM afwijzing", [])?;
            tx.commit()?;
        }
        Ok(Destroyed {
            soort: "afwijzingen".to_string(),
            aantal: n,
            sha256: hex::encode(hash.finalize()),
        })
    }

    /// Rewrites the database file without the free pages that held destroyed rows.
    pub fn compact(&self) -> Result<()> {
        self.conn
            .execute_batch("VACUUM")
            .context("kan de identiteitskluis na het vernietigen van gegevens niet comprimeren")
    }
}

/// The vault's part of one delivery: its files and its rejected rows in full. Committed before
/// the store's part; see the module documentation.
pub struct VaultTx<'a> {
    tx: Transaction<'a>,
    dir: &'a std::path::Path,
    key: Option<&'a loep_store::integrity::IntegrityKey>,
}

impl VaultTx<'_> {
    /// Registers a vault file (`identiteit` or `bsn`) of a snapshot, in place at `pad`, with
    /// the seal of its content.
    pub fn insert_file(&self, snapshot_id: &str, kind: Soort, pad: &str) -> Result<()> {
        let mac = seal(self.key, self.dir, snapshot_id, kind.as_str(), pad, None)?;
        self.tx.execute(
            "INSERT INTO bestand (snapshot_id, soort, pad, mac) VALUES (?1, ?2, ?3, ?4)",
            params![snapshot_id, kind.as_str(), pad, mac],
        )?;
        Ok(())
    }

    /// Where a delivery's rejected rows go in full.
    pub fn rejects(&self) -> Result<RejectRows<'_>> {
        Ok(RejectRows(self.tx.prepare(
            "INSERT INTO afwijzing (levering_id, bestand, regel, kolom, waarde, reden, ruwe_regel)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?))
    }

    pub fn commit(self) -> Result<()> {
        Ok(self.tx.commit()?)
    }
}

/// Rejected rows in full, as delivered.
pub struct RejectRows<'a>(rusqlite::Statement<'a>);

impl RejectRows<'_> {
    #[allow(clippy::too_many_arguments)]
    pub fn insert(
        &mut self,
        levering_id: &str,
        bestand: &str,
        regel: i64,
        kolom: &str,
        waarde: &str,
        reden: &str,
        ruwe_regel: &str,
    ) -> Result<()> {
        self.0.execute(params![
            levering_id,
            bestand,
            regel,
            kolom,
            waarde,
            reden,
            ruwe_regel
        ])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> (tempfile::TempDir, Layout) {
        let tmp = tempfile::tempdir().unwrap();
        let layout = Layout {
            dir: tmp.path().to_path_buf(),
        };
        std::fs::create_dir_all(layout.vault_dir()).unwrap();
        (tmp, layout)
    }

    /// A delivery whose vault part committed but whose store part did not is removed, rows
    /// and files; a committed one stays.
    #[test]
    fn reconcile_removes_what_an_uncommitted_delivery_left() {
        let (_tmp, layout) = layout();
        let mut v = Vault::open(&layout).unwrap();
        for (l, file) in [("L0001-aa", "kept"), ("L0002-bb", "orphan")] {
            let rel = format!("vault/identiteit/brp_persoon/{file}.parquet");
            let path = layout.dir.join(&rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, b"x").unwrap();
            let tx = v.begin().unwrap();
            tx.insert_file(&format!("{l}.brp_persoon"), Soort::Identiteit, &rel)
                .unwrap();
            tx.rejects()
                .unwrap()
                .insert(l, "brp_persoon.csv", 2, "bsn", "123", "elfproef", "123,Jan")
                .unwrap();
            tx.commit().unwrap();
        }
        let stray = layout.dir.join("vault/bsn/brp_persoon/stray.parquet");
        std::fs::create_dir_all(stray.parent().unwrap()).unwrap();
        std::fs::write(&stray, b"x").unwrap();

        let committed: HashSet<String> = ["L0001-aa".to_string()].into();
        v.reconcile(&layout, &committed).unwrap();
        let files = v.files().unwrap();
        assert_eq!(files.len(), 1, "{files:?}");
        assert_eq!(files[0].0, "L0001-aa.brp_persoon");
        assert!(
            layout
                .dir
                .join("vault/identiteit/brp_persoon/kept.parquet")
                .exists()
        );
        assert!(
            !layout
                .dir
                .join("vault/identiteit/brp_persoon/orphan.parquet")
                .exists()
        );
        assert!(!stray.exists());
        assert_eq!(v.purge_rejects(true).unwrap().aantal, 1);
    }

    #[test]
    fn head_and_rejects() {
        let (_tmp, layout) = layout();
        let mut v = Vault::open(&layout).unwrap();
        assert_eq!(v.head().unwrap(), None);
        v.record_head(3, "abc").unwrap();
        v.record_head(4, "def").unwrap();
        assert_eq!(v.head().unwrap(), Some((4, "def".to_string())));
        // A commit announced and interrupted: both heads are accepted until it is settled.
        v.prepare_head(9, "ghi").unwrap();
        let copy = v.head_copy().unwrap().unwrap();
        assert!(copy.matches(&(4, "def".to_string())));
        assert!(copy.matches(&(9, "ghi".to_string())));
        assert!(!copy.matches(&(8, "xyz".to_string())));
        // The log stands at the old head: the announcement is returned, and stays until
        // the caller records a head.
        assert_eq!(
            v.settle_head(&(4, "def".to_string())).unwrap(),
            Some((9, "ghi".to_string()))
        );
        assert_eq!(v.head().unwrap(), Some((4, "def".to_string())));
        assert!(v.head_copy().unwrap().unwrap().pending.is_some());
        // A head that is neither: left for the check.
        assert_eq!(v.settle_head(&(7, "xyz".to_string())).unwrap(), None);
        assert!(v.head_copy().unwrap().unwrap().pending.is_some());
        // It stands at the announced head: that becomes the recorded head.
        assert_eq!(v.settle_head(&(9, "ghi".to_string())).unwrap(), None);
        let copy = v.head_copy().unwrap().unwrap();
        assert_eq!(copy.recorded, (9, "ghi".to_string()));
        assert_eq!(copy.pending, None);
        assert!(!copy.matches(&(4, "def".to_string())));
        {
            let tx = v.begin().unwrap();
            tx.rejects()
                .unwrap()
                .insert("L1", "f.csv", 2, "bsn", "1", "r", "raw")
                .unwrap();
            tx.commit().unwrap();
        }
        let counted = v.purge_rejects(true).unwrap();
        assert_eq!(counted.aantal, 1);
        let purged = v.purge_rejects(false).unwrap();
        assert_eq!(purged.sha256, counted.sha256);
        assert_eq!(v.purge_rejects(true).unwrap().aantal, 0);
    }

    /// A registered file rewritten outside loep, or taken from another project's vault with
    /// its register row, is refused before anyone reads identities from it.
    #[test]
    fn a_vault_file_rewritten_or_from_another_project_is_refused() {
        let project = |content: &[u8]| {
            let (tmp, layout) = layout();
            loep_store::integrity::IntegrityKey::create(&layout, 1).unwrap();
            let rel = "vault/bsn/brp_persoon/L0001-aa.parquet".to_string();
            let path = layout.dir.join(&rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, content).unwrap();
            let mut v = Vault::open(&layout).unwrap();
            let tx = v.begin().unwrap();
            tx.insert_file("L0001-aa.brp_persoon", Soort::Bsn, &rel)
                .unwrap();
            tx.commit().unwrap();
            (tmp, layout, v, path)
        };
        let (_a, _la, va, path_a) = project(b"pseudoniem,bsn\np1,111222333\n");
        assert!(
            va.file("L0001-aa.brp_persoon", Soort::Bsn)
                .unwrap()
                .is_some()
        );
        std::fs::write(&path_a, b"pseudoniem,bsn\np1,111222345\n").unwrap();
        let e = va.file("L0001-aa.brp_persoon", Soort::Bsn).unwrap_err();
        assert!(e.to_string().contains("buiten loep om gewijzigd"), "{e}");
        // Another project's vault file and register, copied in: its seal is of another key.
        let (_b, lb, _vb, path_b) = project(b"pseudoniem,bsn\np1,111222357\n");
        std::fs::copy(&path_b, &path_a).unwrap();
        std::fs::copy(lb.vault(), _la.vault()).unwrap();
        let copied = Vault::open(&_la).unwrap();
        assert!(copied.file("L0001-aa.brp_persoon", Soort::Bsn).is_err());
        // Retention's copy is sealed anew before it takes the file's place.
        let (_c, lc, vc, path_c) = project(b"old");
        let tmp = lc.dir.join("nieuw.parquet");
        std::fs::write(&tmp, b"new").unwrap();
        vc.reseal("vault/bsn/brp_persoon/L0001-aa.parquet", &tmp)
            .unwrap();
        std::fs::rename(&tmp, &path_c).unwrap();
        assert!(
            vc.file("L0001-aa.brp_persoon", Soort::Bsn)
                .unwrap()
                .is_some()
        );
    }

    /// A vault of an earlier release (no seals) is sealed once, as it is, when opened.
    #[test]
    fn an_older_vault_is_sealed_when_opened() {
        let (_tmp, layout) = layout();
        loep_store::integrity::IntegrityKey::create(&layout, 1).unwrap();
        let rel = "vault/identiteit/brp_persoon/L0001-aa.parquet";
        std::fs::create_dir_all(layout.dir.join("vault/identiteit/brp_persoon")).unwrap();
        std::fs::write(layout.dir.join(rel), b"x").unwrap();
        let conn = Connection::open(layout.vault()).unwrap();
        conn.execute_batch(
            "CREATE TABLE bestand (snapshot_id TEXT NOT NULL, soort TEXT NOT NULL, pad TEXT NOT NULL);",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO bestand VALUES ('L0001-aa.brp_persoon', 'identiteit', ?1)",
            params![rel],
        )
        .unwrap();
        drop(conn);
        let v = Vault::open(&layout).unwrap();
        assert!(
            v.file("L0001-aa.brp_persoon", Soort::Identiteit)
                .unwrap()
                .is_some()
        );
        std::fs::write(layout.dir.join(rel), b"y").unwrap();
        assert!(v.file("L0001-aa.brp_persoon", Soort::Identiteit).is_err());
        // Removing the seal does not get the file sealed again.
        drop(v);
        let conn = Connection::open(layout.vault()).unwrap();
        conn.execute_batch("UPDATE bestand SET mac = NULL").unwrap();
        drop(conn);
        let v = Vault::open(&layout).unwrap();
        assert!(v.file("L0001-aa.brp_persoon", Soort::Identiteit).is_err());
    }
}
