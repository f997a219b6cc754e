//! A delivery uploaded as one zip file (the beheerder's upload in the browser), unpacked into a
//! directory of the project before the intake reads it exactly as it reads a delivered
//! directory.
//!
//! A zip is a partner's file like any other, so it is distrusted: at most [`MAX_FILES`] files,
//! at most [`MAX_UNPACKED`] bytes unpacked in all (counted while unpacking, so that a zip bomb
//! stops at the bound whatever its headers claim), names that stay inside the directory (no
//! `..`, no absolute path, no symlink), no subdirectories beyond one folder around everything
//! (which many zip tools add), no name twice. The resource forks macOS adds (`__MACOSX/`,
//! `._name`) are left out. Files are written 0600 into a new directory of mode 0700.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

/// The most files a delivery may hold (the contract has 17 tables).
pub const MAX_FILES: usize = 64;
/// The most bytes a zip may unpack to.
pub const MAX_UNPACKED: u64 = 8 << 30;

fn fout(reason: impl Into<String>) -> String {
    reason.into()
}

/// Whether an entry is one of macOS's resource forks.
fn resource_fork(path: &Path) -> bool {
    path.components().any(|c| c.as_os_str() == "__MACOSX")
        || path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("._") || n == ".DS_Store")
}

/// Unpacks `bytes` (a zip) into the new directory `dest`, with the limits of this module.
/// Returns the names of the files written. On an error (a Dutch reason) `dest` is removed.
pub fn unpack(bytes: &[u8], dest: &Path) -> Result<Vec<String>, String> {
    unpack_limited(bytes, dest, MAX_UNPACKED).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(dest);
    })
}

fn unpack_limited(bytes: &[u8], dest: &Path, limit: u64) -> Result<Vec<String>, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        fout(format!(
            "het bestand is geen leesbaar zipbestand ({e}); pak de levering in als .zip"
        ))
    })?;
    // The names first: every entry checked before anything is written.
    let mut files: Vec<(usize, PathBuf)> = Vec::new();
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| fout(format!("het zipbestand is beschadigd ({e})")))?;
        let shown = loep_contract::shorten(&entry.name().unwrap_or_default(), 120);
        if entry.is_dir() {
            continue;
        }
        let raw = entry.name().unwrap_or_default().into_owned();
        let absolute = raw.starts_with('/') || raw.starts_with('\\') || raw.get(1..2) == Some(":");
        let Some(path) = entry.enclosed_name().filter(|_| !absolute) else {
            return Err(fout(format!(
                "'{shown}' wijst buiten de map van de levering; zo'n zipbestand wordt niet uitgepakt"
            )));
        };
        if resource_fork(&path) {
            continue;
        }
        if entry.is_symlink() {
            return Err(fout(format!(
                "'{shown}' is een symbolische link; een levering bevat alleen gewone bestanden"
            )));
        }
        if path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(fout(format!("'{shown}' is geen gewone bestandsnaam")));
        }
        files.push((i, path));
    }
    if files.is_empty() {
        return Err(fout("het zipbestand bevat geen bestanden"));
    }
    if files.len() > MAX_FILES {
        return Err(fout(format!(
            "het zipbestand bevat {} bestanden; een levering heeft er hooguit {MAX_FILES}",
            files.len()
        )));
    }
    // One folder around everything is taken off; deeper folders are refused.
    let top: Option<std::ffi::OsString> = {
        let first = files[0]
            .1
            .components()
            .next()
            .map(|c| c.as_os_str().to_owned());
        files
            .iter()
            .all(|(_, p)| {
                p.components().count() == 2
                    && p.components().next().map(|c| c.as_os_str().to_owned()) == first
            })
            .then_some(first)
            .flatten()
    };
    let mut names: Vec<(usize, String)> = Vec::new();
    for (i, path) in &files {
        let rel = match &top {
            Some(t) => path.strip_prefix(t).unwrap_or(path),
            None => path,
        };
        if rel.components().count() != 1 {
            return Err(fout(format!(
                "'{}' staat in een submap; zet alle bestanden van de levering naast elkaar in de zip",
                loep_contract::shorten(&path.to_string_lossy(), 120)
            )));
        }
        let name = rel.to_string_lossy().into_owned();
        if names.iter().any(|(_, n)| n.eq_ignore_ascii_case(&name)) {
            return Err(fout(format!("'{name}' staat twee keer in het zipbestand")));
        }
        names.push((*i, name));
    }

    create_private_dir(dest)?;
    let mut budget = limit;
    let mut written = Vec::new();
    for (i, name) in names {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| fout(format!("'{name}' kan niet worden uitgepakt ({e})")))?;
        let target = dest.join(&name);
        let mut file = create_private_file(&target)?;
        let mut limited = (&mut entry).take(budget + 1);
        let n = std::io::copy(&mut limited, &mut file)
            .map_err(|e| fout(format!("'{name}' kan niet worden uitgepakt ({e})")))?;
        if n > budget {
            return Err(fout(format!(
                "uitgepakt is de levering groter dan {} GiB; lever zo'n levering rechtstreeks aan de beheerder (loep intake)",
                limit >> 30
            )));
        }
        budget -= n;
        file.flush()
            .and_then(|()| file.sync_all())
            .map_err(|e| fout(format!("'{name}' kan niet worden geschreven ({e})")))?;
        written.push(name);
    }
    Ok(written)
}

fn create_private_dir(dir: &Path) -> Result<(), String> {
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| {
        fout(format!(
            "de map voor de levering kan niet worden gemaakt ({e})"
        ))
    })
}

fn create_private_file(path: &Path) -> Result<std::fs::File, String> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(|e| {
        fout(format!(
            "{} kan niet worden geschreven ({e})",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zip::write::SimpleFileOptions;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, SimpleFileOptions::default()).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn a_delivery_unpacks_with_or_without_one_folder_around_it() {
        let t = tempfile::tempdir().unwrap();
        let z = zip_of(&[
            ("levering/brp_persoon.csv", b"bsn\n"),
            ("levering/levering.toml", b""),
        ]);
        let names = unpack(&z, &t.path().join("a")).unwrap();
        assert_eq!(names, ["brp_persoon.csv", "levering.toml"]);
        assert_eq!(
            std::fs::read(t.path().join("a/brp_persoon.csv")).unwrap(),
            b"bsn\n"
        );
        let z = zip_of(&[("a.csv", b"x"), ("__MACOSX/._a.csv", b"fork")]);
        assert_eq!(unpack(&z, &t.path().join("b")).unwrap(), ["a.csv"]);
    }

    #[test]
    fn hostile_zips_are_refused_and_leave_nothing() {
        let t = tempfile::tempdir().unwrap();
        for (entries, part) in [
            (vec![("../buiten.csv", &b"x"[..])], "buiten"),
            (vec![("/etc/passwd", &b"x"[..])], "buiten"),
            (
                vec![("a/b/c.csv", &b"x"[..]), ("d.csv", &b"x"[..])],
                "submap",
            ),
            (
                vec![("a.csv", &b"x"[..]), ("A.CSV", &b"y"[..])],
                "twee keer",
            ),
        ] {
            let dest = t.path().join("d");
            let e = unpack(&zip_of(&entries), &dest).unwrap_err();
            assert!(e.contains(part), "{e}");
            assert!(!dest.exists());
        }
        let e = unpack(b"PK not really", &t.path().join("x")).unwrap_err();
        assert!(e.contains("geen leesbaar zipbestand"), "{e}");
        let many: Vec<(String, Vec<u8>)> = (0..=MAX_FILES)
            .map(|i| (format!("f{i}.csv"), vec![]))
            .collect();
        let refs: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        let e = unpack(&zip_of(&refs), &t.path().join("m")).unwrap_err();
        assert!(e.contains("hooguit"), "{e}");
    }

    #[test]
    fn a_zip_bomb_stops_at_the_bound() {
        let t = tempfile::tempdir().unwrap();
        let big = vec![0u8; 4 << 20];
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file(
            "bom.csv",
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        w.write_all(&big).unwrap();
        let z = w.finish().unwrap().into_inner();
        assert!(z.len() < 100_000, "{}", z.len());
        let dest = t.path().join("b");
        let e = unpack_limited(&z, &dest, 1 << 20).unwrap_err();
        assert!(e.contains("groter dan"), "{e}");
        assert!(unpack_limited(&z, &t.path().join("ok"), 8 << 20).is_ok());
    }
}
