//! `loep link`: the linkage engine on any CSV.

use anyhow::{Context, Result, bail};
use loep_linkage::linker::{Linker, Records, Settings, clusters, evaluate, one_to_one, true_pairs};
use rustc_hash::FxHashSet;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

pub struct LinkArgs<'a> {
    pub settings: &'a Path,
    pub left: &'a Path,
    pub right: Option<&'a Path>,
    pub out: &'a Path,
    pub truth: Option<&'a Path>,
    pub explain: Option<&'a str>,
}

fn read(path: &Path, settings: &Settings) -> Result<(Vec<String>, Records)> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let header: Vec<String> = r.headers()?.iter().map(|h| h.trim().to_string()).collect();
    let id = header
        .iter()
        .position(|h| *h == settings.id_column)
        .with_context(|| format!("{}: no id column '{}'", path.display(), settings.id_column))?;
    let truth = settings
        .true_id_column
        .as_ref()
        .and_then(|t| header.iter().position(|h| h == t));
    let mut columns: Vec<Vec<String>> = vec![Vec::new(); header.len()];
    let mut ids = Vec::new();
    let mut true_ids = truth.map(|_| Vec::new());
    for (n, rec) in r.records().enumerate() {
        let rec =
            rec.with_context(|| format!("{}: row {} cannot be read", path.display(), n + 2))?;
        ids.push(rec.get(id).unwrap_or_default().trim().to_string());
        for (c, col) in columns.iter_mut().enumerate() {
            col.push(rec.get(c).unwrap_or_default().trim().to_lowercase());
        }
        if let (Some(t), Some(v)) = (truth, true_ids.as_mut()) {
            v.push(rec.get(t).unwrap_or_default().trim().to_string());
        }
    }
    Ok((
        header,
        Records {
            ids,
            columns,
            true_ids,
        },
    ))
}

/// True pairs from a CSV of `left_id,right_id` (ids as in the inputs).
fn read_truth(
    path: &Path,
    left: &Records,
    right: &Records,
    dedupe: bool,
) -> Result<FxHashSet<(u32, u32)>> {
    let index = |r: &Records| -> std::collections::HashMap<String, u32> {
        r.ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i as u32))
            .collect()
    };
    let (li, ri) = (index(left), index(right));
    let mut out = FxHashSet::default();
    let mut rd =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    for rec in rd.records() {
        let rec = rec?;
        let (Some(a), Some(b)) = (rec.get(0), rec.get(1)) else {
            continue;
        };
        if let (Some(&x), Some(&y)) = (li.get(a), ri.get(b)) {
            out.insert(if dedupe && x > y { (y, x) } else { (x, y) });
        }
    }
    Ok(out)
}

pub fn run(a: LinkArgs<'_>) -> Result<ExitCode> {
    let text = std::fs::read_to_string(a.settings)
        .with_context(|| format!("cannot read {}", a.settings.display()))?;
    let settings: Settings = toml::from_str(&text)
        .with_context(|| format!("{} is not a valid settings file", a.settings.display()))?;
    if settings.comparisons.is_empty() || settings.blocking_rules.is_empty() {
        bail!(
            "{}: give at least one [[comparison]] and one [[blocking]] rule",
            a.settings.display()
        );
    }
    let t0 = Instant::now();
    let (lh, left) = read(a.left, &settings)?;
    let dedupe = a.right.is_none();
    let (rh, right_owned) = match a.right {
        Some(p) => {
            let (h, r) = read(p, &settings)?;
            (h, Some(r))
        }
        None => (lh.clone(), None),
    };
    let right = right_owned.as_ref().unwrap_or(&left);
    let linker = Linker::new(&settings, &left, right, dedupe, &lh, &rh)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let t_block = Instant::now();
    let pairs = linker.candidate_pairs(&lh, &rh);
    let t_train = Instant::now();
    let model = linker.train(&pairs, &lh, 1);
    let t_score = Instant::now();
    let scored = linker.score(&model, &pairs);
    let scored = if dedupe {
        scored
    } else {
        one_to_one(
            scored,
            settings
                .review_threshold
                .unwrap_or(settings.match_threshold)
                .min(settings.match_threshold),
        )
    };
    let elapsed = t0.elapsed().as_secs_f64();
    let review = settings
        .review_threshold
        .unwrap_or(settings.match_threshold);
    let mut w = csv::Writer::from_path(a.out)
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    w.write_record(["left_id", "right_id", "match_weight", "match_probability"])?;
    let mut links = 0;
    let mut to_review = 0;
    for p in scored.iter().filter(|p| p.probability >= review) {
        w.write_record([
            &left.ids[p.left as usize],
            &right.ids[p.right as usize],
            &format!("{:.4}", p.weight),
            &format!("{:.6}", p.probability),
        ])?;
        if p.probability >= settings.match_threshold {
            links += 1;
        } else {
            to_review += 1;
        }
    }
    w.flush()?;
    println!(
        "{} {} records{}; {} candidate pairs from {} blocking rules in {:.2} s",
        if dedupe { "Deduplicated" } else { "Linked" },
        left.ids.len(),
        if dedupe {
            String::new()
        } else {
            format!(" with {}", right.ids.len())
        },
        pairs.len(),
        settings.blocking_rules.len(),
        t_train.duration_since(t_block).as_secs_f64()
    );
    println!(
        "Trained in {:.2} s: u from random pairs, m by EM per blocking rule ({} iterations in all); share of matches among candidates λ = {:.4}",
        t_score.duration_since(t_train).as_secs_f64(),
        model.iterations,
        model.lambda
    );
    println!(
        "  {:<18} {:<30} {:>8} {:>8} {:>8}",
        "comparison", "level", "m", "u", "weight"
    );
    for (k, c) in settings.comparisons.iter().enumerate() {
        for (l, name) in c.kind.levels().iter().enumerate() {
            let (m, u) = (model.m[k][l], model.u[k][l]);
            println!(
                "  {:<18} {:<30} {m:>8.4} {u:>8.4} {:>8.2}",
                if l == 0 { c.column.as_str() } else { "" },
                name,
                m.max(1e-12).log2() - u.max(1e-12).log2()
            );
        }
    }
    println!(
        "{links} links (probability >= {}), {to_review} for clerical review; written to {}. {:.2} s in all, {:.0} pairs compared per second.",
        settings.match_threshold,
        a.out.display(),
        elapsed,
        pairs.len() as f64 / t0.elapsed().as_secs_f64().max(1e-9)
    );
    if dedupe {
        let c = clusters(left.ids.len(), &scored, settings.match_threshold);
        let distinct: FxHashSet<u32> = c.iter().copied().collect();
        println!(
            "{} records form {} clusters.",
            left.ids.len(),
            distinct.len()
        );
    }
    let truth = match a.truth {
        Some(p) => Some(read_truth(p, &left, right, dedupe)?),
        None => true_pairs(&left, right, dedupe),
    };
    if let Some(truth) = truth {
        let predicted: FxHashSet<(u32, u32)> = scored
            .iter()
            .filter(|p| p.probability >= settings.match_threshold)
            .map(|p| (p.left, p.right))
            .collect();
        let (precision, recall, f1) = evaluate(&predicted, &truth);
        println!(
            "Against the truth ({} true pairs): precision {precision:.4}, recall {recall:.4}, F1 {f1:.4}",
            truth.len()
        );
    }
    if let Some(ids) = a.explain {
        let (x, y) = ids
            .split_once(',')
            .context("--explain takes LEFT_ID,RIGHT_ID")?;
        let find = |r: &Records, id: &str| r.ids.iter().position(|i| i == id).map(|i| i as u32);
        let (Some(l), Some(r)) = (find(&left, x.trim()), find(right, y.trim())) else {
            bail!("--explain: no record with id '{x}' on the left or '{y}' on the right");
        };
        println!("Why {x} and {y} (match weight, by comparison):");
        let mut total = 0.0;
        for c in linker.explain(&model, l, r) {
            total += c.weight;
            println!(
                "  {:<46} {:<30} {:>+8.2}  (sum {total:>+8.2})",
                c.comparison, c.level, c.weight
            );
        }
        let p = 2f64.powf(total);
        println!(
            "  match weight {total:.2}, probability {:.6}",
            p / (1.0 + p)
        );
    }
    Ok(ExitCode::SUCCESS)
}
