//! Run certificates: each scan draws one up (what it read, ran and found), sealed and named
//! in the log; `loep run verifieer` computes the run again and confirms it; an edited, added
//! or removed signal, a changed source file or a removed certificate is found, and no one is
//! revealed from a run whose signals are no longer the certified ones.

mod common;
use common::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn d(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("store.sqlite")).unwrap()
}

/// A scanned project and its run's id.
fn scanned(root: &Path) -> (PathBuf, String) {
    let world = root.join("world");
    ok(loep(&[
        "synth",
        "--persons",
        "2000",
        "--seed",
        "41",
        "--out",
        d(&world),
    ]));
    let dir = approved_project(root);
    ok(intake(&dir, &world.join("levering")));
    let report = json(ok(loep(&["scan", d(&dir), "--json"])));
    let run = report["run_id"].as_str().unwrap().to_string();
    (dir, run)
}

/// Two signals of the run that involve persons: (id, nr).
fn signals_with_persons(dir: &Path) -> Vec<(String, i64)> {
    let signals = json(ok(loep(&["signals", d(dir), "--format", "json"])));
    signals["signalen"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["pseudoniemen"].as_array().unwrap().is_empty())
        .take(2)
        .map(|s| {
            let nr = s["nr"].as_i64().unwrap();
            (format!("{}/{nr}", s["run_id"].as_str().unwrap()), nr)
        })
        .collect()
}

fn request(dir: &Path, signal: &str) -> std::process::Output {
    loep(&[
        "reveal",
        "request",
        d(dir),
        signal,
        "--reden",
        "Huisbezoek voorbereiden voor de test van het run-certificaat.",
    ])
}

#[test]
fn a_scan_certifies_its_run_and_the_run_verifies() {
    let root = tempfile::tempdir().unwrap();
    let (dir, run) = scanned(root.path());
    let report = json(ok(loep(&["scan", d(&dir), "--json"])));
    let second = report["run_id"].as_str().unwrap().to_string();

    let shown = json(ok(loep(&["run", "certificaat", d(&dir), &run, "--json"])));
    let c = &shown["certificaat"];
    assert_eq!(c["run_id"], run.as_str());
    assert_eq!(shown["intact"], true, "{shown}");
    // The SHA-256 the log names is that of the exact text shown.
    let inhoud = shown["inhoud"].as_str().unwrap();
    assert_eq!(
        shown["sha256"].as_str().unwrap(),
        hex::encode(Sha256::digest(inhoud.as_bytes()))
    );
    let export = ok(loep(&["log", "export", d(&dir)]));
    assert!(
        export.contains(shown["sha256"].as_str().unwrap()),
        "the scan's log record names the certificate"
    );
    // What the run read: every source with the hash of its file, and the delivered file's
    // hash for a snapshot of a delivery.
    let bronnen = c["bronnen"].as_array().unwrap();
    let brp = bronnen
        .iter()
        .find(|b| b["tabel"] == "brp_persoon")
        .unwrap();
    let file = std::fs::read(dir.join(brp["pad"].as_str().unwrap())).unwrap();
    assert_eq!(
        brp["sha256"].as_str().unwrap(),
        hex::encode(Sha256::digest(&file))
    );
    assert!(brp["geleverd_sha256"].is_string(), "{brp}");
    assert!(bronnen.iter().any(|b| b["tabel"] == "koppeling_persoon"));
    // Per indicator its version, parameters and signals; the total is the run's.
    let per: u64 = c["indicatoren"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["signalen"].as_u64().unwrap())
        .sum();
    assert_eq!(per, c["signalen"].as_u64().unwrap());
    assert!(per > 0);
    assert!(c["indicatoren"][0]["parameters"].is_object());
    assert!(c["catalogus_sha256"].is_string());

    // Computed again from its sources, both runs give the certified signals.
    for r in [&run, &second] {
        let out = loep(&["run", "verifieer", d(&dir), r]);
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        assert!(
            stdout(&out).contains("herberekening: klopt"),
            "{}",
            stdout(&out)
        );
    }
    // Only the privacy officer and the beheerder check runs.
    let err = refused(loep_as("analist", &["run", "certificaat", d(&dir)]));
    assert!(err.contains("mag"), "{err}");
}

#[test]
fn an_edited_signal_fails_verification_and_reveals_no_one() {
    let root = tempfile::tempdir().unwrap();
    let (dir, run) = scanned(root.path());
    let ids = signals_with_persons(&dir);
    // A request made before the edit, to be approved after it.
    ok(request(&dir, &ids[0].0));
    // An insider adds a resident to one signal (the other is asked for).
    db(&dir)
        .execute(
            "UPDATE signaal SET pseudoniemen = json_insert(pseudoniemen, '$[#]', 'P0000000000000000000000000000000') WHERE run_id = ?1 AND nr = ?2",
            rusqlite::params![run, ids[1].1],
        )
        .unwrap();
    // Even a signal that was not edited reveals no one from this run now.
    let err = refused(request(&dir, &ids[0].0));
    assert!(err.contains("niet meer die van haar certificaat"), "{err}");
    let err = refused(loep(&[
        "reveal",
        "approve",
        d(&dir),
        "O0001",
        "--toelichting",
        "akkoord",
    ]));
    assert!(err.contains("certificaat"), "{err}");

    let out = loep(&["run", "verifieer", d(&dir), &run]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("opgeslagen signalen: KLOPT NIET"), "{text}");
    assert!(
        text.contains("ten minste één is na de scan gewijzigd"),
        "{text}"
    );
    // The sources still give the certified run: the store was changed, not the data.
    assert!(text.contains("herberekening: klopt"), "{text}");

    let verify = loep(&["log", "verify", d(&dir)]);
    assert!(!verify.status.success());
    assert!(
        stderr(&verify).contains("niet meer die van haar certificaat"),
        "{}",
        stderr(&verify)
    );
}

#[test]
fn a_removed_signal_or_certificate_is_found() {
    let root = tempfile::tempdir().unwrap();
    let (dir, run) = scanned(root.path());
    let ids = signals_with_persons(&dir);
    let conn = db(&dir);
    conn.execute(
        "DELETE FROM signaal WHERE run_id = ?1 AND nr = (SELECT MAX(nr) FROM signaal WHERE run_id = ?1)",
        rusqlite::params![run],
    )
    .unwrap();
    let err = refused(request(&dir, &ids[0].0));
    assert!(err.contains("toegevoegd of verwijderd"), "{err}");

    conn.execute(
        "DELETE FROM run_certificaat WHERE run_id = ?1",
        rusqlite::params![run],
    )
    .unwrap();
    drop(conn);
    // Every writer checks each run's certificate against the log: the alarm goes up, and
    // nothing is processed until the privacy officer has looked.
    let err = busy(request(&dir, &ids[0].0));
    assert!(err.contains("heeft geen certificaat"), "{err}");
    let verify = loep(&["log", "verify", d(&dir)]);
    assert!(!verify.status.success());
    assert!(
        stderr(&verify).contains(&format!("run {run} heeft geen certificaat")),
        "{}",
        stderr(&verify)
    );
    let err = refused(loep(&["run", "certificaat", d(&dir), &run]));
    assert!(err.contains("geen certificaat"), "{err}");
}

#[test]
fn a_certificate_edited_or_a_source_changed_is_found() {
    let root = tempfile::tempdir().unwrap();
    let (dir, run) = scanned(root.path());
    let shown = json(ok(loep(&["run", "certificaat", d(&dir), "--json"])));
    let pad = shown["certificaat"]["bronnen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["tabel"] == "brp_persoon")
        .unwrap()["pad"]
        .as_str()
        .unwrap()
        .to_string();

    // A source file changed after the scan: found, and the run is not computed from it.
    let file = dir.join(&pad);
    let kept = std::fs::read(&file).unwrap();
    let mut changed = kept.clone();
    let last = changed.len() - 1;
    changed[last / 2] ^= 1;
    std::fs::write(&file, &changed).unwrap();
    let out = loep(&["run", "verifieer", d(&dir), &run]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("is na de scan gewijzigd"), "{text}");
    assert!(
        text.contains("herberekening: niet te controleren"),
        "{text}"
    );
    std::fs::write(&file, &kept).unwrap();
    ok(loep(&["run", "verifieer", d(&dir), &run]));

    // The certificate's text edited (a lower count): its seal no longer holds.
    let conn = db(&dir);
    conn.execute(
        "UPDATE run_certificaat SET inhoud = replace(inhoud, '\"achteraf\":false', '\"achteraf\":true') WHERE run_id = ?1",
        rusqlite::params![run],
    )
    .unwrap();
    drop(conn);
    let err = refused(loep(&["run", "certificaat", d(&dir), &run]));
    assert!(err.contains("buiten loep om gewijzigd"), "{err}");
}

/// Putting back an older copy of a run's certificate (from before retention destroyed its
/// signals) with the signals from a backup passes every seal, but not the log: the signals
/// reveal no one.
#[test]
fn signals_put_back_after_their_destruction_reveal_no_one() {
    let root = tempfile::tempdir().unwrap();
    let (dir, run) = scanned(root.path());
    let ids = signals_with_persons(&dir);
    let backup = root.path().join("backup.sqlite");
    db(&dir)
        .execute("VACUUM INTO ?1", [backup.to_str().unwrap()])
        .unwrap();
    // The signals' retention period ends.
    let later = [("LOEP_NOW", "2027-03-05T12:00:00Z")];
    ok(loep_env(&["retention", "run", d(&dir)], &later));
    // An insider puts the run's certificate row and its signals back from the backup.
    let conn = db(&dir);
    conn.execute("ATTACH ?1 AS oud", [backup.to_str().unwrap()])
        .unwrap();
    conn.execute_batch(&format!(
        "DELETE FROM run_certificaat WHERE run_id = '{run}';
         INSERT INTO run_certificaat SELECT * FROM oud.run_certificaat WHERE run_id = '{run}';
         INSERT INTO signaal SELECT * FROM oud.signaal WHERE run_id = '{run}';
         INSERT INTO signaal_persoon SELECT * FROM oud.signaal_persoon WHERE run_id = '{run}';"
    ))
    .unwrap();
    drop(conn);
    let out = loep_env(&["log", "verify", d(&dir)], &later);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("volgens het verwerkingslog vernietigd"),
        "{}",
        stderr(&out)
    );
    // And every writer refuses with the alarm.
    let out = loep_env(
        &[
            "reveal",
            "request",
            d(&dir),
            &ids[0].0,
            "--reden",
            "Huisbezoek voorbereiden voor de test van het run-certificaat.",
        ],
        &later,
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

/// An analysis file rewritten between its intake and a scan (a valid Parquet file, one row
/// less): the intake recorded the file's SHA-256 in the keyed log, so the scan refuses to store
/// a run read from it, and raises the alarm.
#[test]
fn an_analysis_file_changed_after_intake_stops_the_scan() {
    let root = tempfile::tempdir().unwrap();
    let (dir, _) = scanned(root.path());
    let pad: String = db(&dir)
        .query_row(
            "SELECT pad FROM snapshot WHERE tabel = 'brp_persoon' ORDER BY tijdstip DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let file = dir.join(&pad);
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&file).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let batches: Vec<arrow_array::RecordBatch> = reader.map(|b| b.unwrap()).collect();
    let last = batches.len() - 1;
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&file).unwrap(),
        batches[0].schema(),
        None,
    )
    .unwrap();
    for (i, b) in batches.iter().enumerate() {
        let b = if i == last {
            b.slice(0, b.num_rows() - 1)
        } else {
            b.clone()
        };
        w.write(&b).unwrap();
    }
    w.close().unwrap();
    let runs_before: i64 = db(&dir)
        .query_row("SELECT count(*) FROM scan_run", [], |r| r.get(0))
        .unwrap();
    let err = refused(loep(&["scan", d(&dir)]));
    assert!(
        err.contains("is veranderd sinds het werd geschreven"),
        "{err}"
    );
    let runs_after: i64 = db(&dir)
        .query_row("SELECT count(*) FROM scan_run", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs_before, runs_after, "no run stored");
    let v = loep_as("fg", &["log", "verify", d(&dir)]);
    assert!(!v.status.success(), "the alarm stands");
}

/// A snapshot's row pointed at another id (one no intake recorded), so that a file without a
/// recorded hash would pass: a file that belongs to no intake the log knows is refused too.
#[test]
fn an_analysis_file_no_intake_recorded_stops_the_scan() {
    let root = tempfile::tempdir().unwrap();
    let (dir, _) = scanned(root.path());
    db(&dir)
        .execute_batch(
            "PRAGMA foreign_keys = OFF;
             UPDATE snapshot SET snapshot_id = snapshot_id || '-nagemaakt' WHERE tabel = 'brp_persoon';",
        )
        .unwrap();
    let err = refused(loep(&["scan", d(&dir)]));
    assert!(
        err.contains("hoort bij geen inlezing of koppeling die het verwerkingslog kent"),
        "{err}"
    );
}
