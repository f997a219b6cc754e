//! The release build shares its compiled dependencies with the test build only when every
//! shared crate has the same features in both (see the feature alignment in
//! crates/cli/Cargo.toml). Otherwise `cargo run --release` after `cargo test --release`
//! compiles DataFusion and much else a second time, which CI pays for on every cold run.

use std::collections::BTreeMap;
use std::process::Command;

/// Package (name and version) to its features, as `cargo tree` resolves them.
fn features(args: &[&str]) -> BTreeMap<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "--offline", "--prefix", "none", "-f", "{p}|{f}"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (p, f) = l.trim_end_matches(" (*)").split_once('|')?;
            Some((p.trim().to_string(), f.trim().to_string()))
        })
        .collect()
}

#[test]
fn the_release_build_and_the_test_build_agree_on_every_shared_crates_features() {
    let release = features(&["-p", "loep", "-e", "normal,build"]);
    let tests = features(&["--workspace", "-e", "normal,build,dev"]);
    assert!(release.len() > 100, "{}", release.len());
    let differ: Vec<String> = release
        .iter()
        .filter(|(p, _)| !p.starts_with("loep-store "))
        .filter_map(|(p, f)| {
            let t = tests.get(p)?;
            (t != f).then(|| format!("{p}: release [{f}], tests [{t}]"))
        })
        .collect();
    assert!(
        differ.is_empty(),
        "turn these features on in crates/cli/Cargo.toml's feature alignment:\n{}",
        differ.join("\n")
    );
}
