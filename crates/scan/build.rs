//! Compiles the indicator catalogue (`catalogue/*.toml` at the repository root) and its derived
//! layer (`catalogue/afgeleid/*.toml`) into the binary, so that the catalogue that runs is the
//! one published beside the code.

use std::fmt::Write;
use std::path::Path;

/// Writes `OUT_DIR/<target>` with `FILES`: the (name, TOML) of every `.toml` file in `dir`.
/// A directory that cannot be read, or holds no such file, stops the build: it must never
/// compile to an empty catalogue.
fn embed(dir: &Path, what: &str, target: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(d) => d
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
            .collect(),
        Err(e) => panic!("cannot read the {what} {}: {e}", dir.display()),
    };
    if files.is_empty() {
        panic!("the {what} {} holds no .toml files", dir.display());
    }
    files.sort();
    let mut out = String::from(
        "/// The catalogue files: (name, TOML).\npub const FILES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = f.canonicalize().unwrap_or_else(|_| f.clone());
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join(target);
    if let Err(e) = std::fs::write(&target, out) {
        panic!("cannot write {}: {e}", target.display());
    }
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalogue");
    embed(&dir, "indicator catalogue", "catalogue_files.rs");
    embed(&dir.join("afgeleid"), "derived layer", "afgeleid_files.rs");
}
