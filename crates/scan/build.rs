//! Compiles the indicator catalogue (`catalogue/*.toml` at the repository root) into the
//! binary, so that the catalogue that runs is the one published beside the code.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalogue");
    println!("cargo:rerun-if-changed={}", dir.display());
    // A catalogue that cannot be read must stop the build, never compile to an empty one.
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(d) => d
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect(),
        Err(e) => panic!("cannot read the indicator catalogue {}: {e}", dir.display()),
    };
    if files.is_empty() {
        panic!(
            "the indicator catalogue {} holds no .toml files",
            dir.display()
        );
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
    let target = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()))
        .join("catalogue_files.rs");
    if let Err(e) = std::fs::write(&target, out) {
        panic!("cannot write {}: {e}", target.display());
    }
}
