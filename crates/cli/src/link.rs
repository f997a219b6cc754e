//! `loep link`: the linkage engine on any CSV.

use anyhow::{Context, Result, bail};
use loep_linkage::linker::{
    InputBuilder, Linker, Model, ScoredPair, Settings, Side, clusters, evaluate, one_to_one,
};
use rustc_hash::{FxHashMap, FxHashSet};
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

/// Reads one input: the id, the true id when the settings name one, and the settings' fields.
fn read(path: &Path, settings: &Settings) -> Result<InputBuilder> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .with_context(|| format!("kan {} niet lezen", path.display()))?;
    let header: Vec<String> = r
        .headers()
        .with_context(|| format!("{}: de kopregel is niet te lezen", path.display()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let position = |c: &str| -> Result<usize> {
        header.iter().position(|h| h == c).with_context(|| {
            format!(
                "{}: er is geen kolom '{c}', die de instellingen noemen; de kopregel heeft: {}",
                path.display(),
                header.join(", ")
            )
        })
    };
    let id = position(&settings.id_column)?;
    let truth = settings
        .true_id_column
        .as_ref()
        .and_then(|t| header.iter().position(|h| h == t));
    let mut input = InputBuilder::new(settings, truth.is_some());
    // Rows are rarely shorter than 24 bytes; reserved room that is not used is never touched.
    if let Ok(m) = std::fs::metadata(path) {
        input.reserve((m.len() / 24).min(1 << 28) as usize);
    }
    let columns: Vec<usize> = input
        .fields()
        .iter()
        .map(|f| position(f))
        .collect::<Result<_>>()?;
    // Records are read in batches and interned column by column (see `push_batch`).
    let mut batch: Vec<csv::StringRecord> = vec![csv::StringRecord::new(); 8192];
    let mut line = 1;
    loop {
        let mut n = 0;
        while n < batch.len() {
            line += 1;
            let more = r.read_record(&mut batch[n]).with_context(|| {
                format!("{}: regel {line} is niet als CSV te lezen", path.display())
            })?;
            if !more {
                break;
            }
            n += 1;
        }
        let rows = &batch[..n];
        input.push_batch(
            n,
            |i| rows[i].get(id).unwrap_or_default().trim(),
            |i| truth.and_then(|t| rows[i].get(t)),
            |i, f| rows[i].get(columns[f]).unwrap_or_default(),
        );
        if n < batch.len() {
            break;
        }
    }
    Ok(input)
}

/// True pairs from a CSV of `left_id,right_id` (ids as in the inputs).
fn read_truth(
    path: &Path,
    left: &Side,
    right: &Side,
    dedupe: bool,
) -> Result<FxHashSet<(u32, u32)>> {
    fn index(r: &Side) -> FxHashMap<&str, u32> {
        (0..r.len() as u32).map(|i| (r.ids.get(i), i)).collect()
    }
    let (li, ri) = (index(left), index(right));
    let mut out = FxHashSet::default();
    let mut rd = csv::Reader::from_path(path)
        .with_context(|| format!("kan {} niet lezen", path.display()))?;
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
    let settings = read_settings(a.settings)?;
    let t0 = Instant::now();
    // The two inputs are read side by side.
    let (left, right) = read_inputs(&a, &settings)?;
    let dedupe = right.is_none();
    let linker = Linker::new(&settings, left, right).map_err(|e| anyhow::anyhow!("{e}"))?;
    let t_block = Instant::now();
    let candidates = linker.candidates();
    let t_train = Instant::now();
    let model = linker.train(&candidates, 1);
    let t_score = Instant::now();
    let review = settings
        .review_threshold
        .unwrap_or(settings.match_threshold);
    let scored = linker.score(&model, &candidates, review);
    let scored = if dedupe {
        scored
    } else {
        one_to_one(scored, review)
    };
    let (left, right) = (linker.left(), linker.right());
    let elapsed = t0.elapsed().as_secs_f64();
    let (links, to_review) = write_pairs(a.out, &scored, (left, right), &settings, review)?;
    println!(
        "{} {} (gelezen in {:.2} s); {} kandidaatparen vergeleken in {:.2} s ({} per blokkeerregel)",
        left.len(),
        if dedupe {
            "rijen ontdubbeld".to_string()
        } else {
            format!("rijen gekoppeld aan {}", right.len())
        },
        t_block.duration_since(t0).as_secs_f64(),
        candidates.len(),
        t_train.duration_since(t_block).as_secs_f64(),
        candidates
            .per_rule
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(" + ")
    );
    print_model(
        &settings,
        &model,
        t_score.duration_since(t_train).as_secs_f64(),
    );
    println!(
        "{links} koppelingen (kans >= {}), {to_review} voor handmatige beoordeling; geschreven naar {}. {:.2} s in totaal, {:.0} paren vergeleken per seconde, piekgeheugen {} MiB.",
        settings.match_threshold,
        a.out.display(),
        elapsed,
        candidates.len() as f64 / t_train.duration_since(t_block).as_secs_f64().max(1e-9),
        crate::bench::peak_memory() / (1 << 20)
    );
    if dedupe {
        let c = clusters(left.len(), &scored, settings.match_threshold);
        let distinct: FxHashSet<u32> = c.iter().copied().collect();
        println!("{} rijen vormen {} clusters.", left.len(), distinct.len());
    }
    print_quality(&linker, &scored, a.truth, dedupe)?;
    if let Some(ids) = a.explain {
        explain(&linker, &model, ids)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The settings file, read and checked.
fn read_settings(path: &std::path::Path) -> Result<Settings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("kan {} niet lezen", path.display()))?;
    let settings: Settings = toml::from_str(&text)
        .with_context(|| format!("{} is geen geldig bestand met instellingen", path.display()))?;
    settings
        .check()
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(settings)
}

/// The left input and (when linking two) the right one, read side by side.
fn read_inputs(
    a: &LinkArgs<'_>,
    settings: &Settings,
) -> Result<(InputBuilder, Option<InputBuilder>)> {
    let (left, right) = std::thread::scope(|s| {
        let right = s.spawn(|| a.right.map(|p| read(p, settings)).transpose());
        let left = read(a.left, settings);
        (left, right.join())
    });
    let left = left?;
    let right =
        right.map_err(|_| anyhow::anyhow!("het lezen van de rechter invoer is mislukt"))??;
    Ok((left, right))
}

/// Writes the pairs at or above the review threshold to `out` (ids made formula-safe); returns
/// how many are links and how many are for review.
fn write_pairs(
    out: &std::path::Path,
    scored: &[ScoredPair],
    (left, right): (&Side, &Side),
    settings: &Settings,
    review: f64,
) -> Result<(usize, usize)> {
    let mut w = csv::Writer::from_path(out)
        .with_context(|| format!("kan {} niet schrijven", out.display()))?;
    w.write_record(["left_id", "right_id", "match_weight", "match_probability"])?;
    let mut links = 0;
    let mut to_review = 0;
    for p in scored.iter().filter(|p| p.probability >= review) {
        // The ids come from the input files: no cell may start a formula.
        w.write_record([
            &*loep_contract::spreadsheet::formula_safe(left.ids.get(p.left)),
            &*loep_contract::spreadsheet::formula_safe(right.ids.get(p.right)),
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
    Ok((links, to_review))
}

/// The trained model: its iterations and prior, and per comparison and level m, u and the
/// match weight.
fn print_model(settings: &Settings, model: &Model, seconds: f64) {
    println!(
        "Getraind in {:.2} s: u uit willekeurige paren, m met EM per blokkeerregel ({} iteraties in totaal); twee willekeurige rijen komen overeen met kans λ = {:.3e}",
        seconds, model.iterations, model.lambda
    );
    println!(
        "  {:<18} {:<44} {:>8} {:>8} {:>8}",
        "vergelijking", "niveau", "m", "u", "gewicht"
    );
    for (k, c) in settings.comparisons.iter().enumerate() {
        for (l, name) in c.kind.levels().iter().enumerate() {
            let (m, u) = (model.m[k][l], model.u[k][l]);
            println!(
                "  {:<18} {:<44} {m:>8.4} {u:>8.4} {:>8.2}",
                if l == 0 { c.column.as_str() } else { "" },
                loep_linkage::compare::in_dutch(name),
                m.max(1e-12).log2() - u.max(1e-12).log2()
            );
        }
    }
}

/// Precision, recall and F1 against the true pairs (a truth file, or the inputs' own), when
/// there are any.
fn print_quality(
    linker: &Linker,
    scored: &[ScoredPair],
    truth: Option<&std::path::Path>,
    dedupe: bool,
) -> Result<()> {
    let settings = linker.settings;
    let (left, right) = (linker.left(), linker.right());
    let truth = match truth {
        Some(p) => Some(read_truth(p, left, right, dedupe)?),
        None => linker.true_pairs(),
    };
    if let Some(truth) = truth {
        let predicted: FxHashSet<(u32, u32)> = scored
            .iter()
            .filter(|p| p.probability >= settings.match_threshold)
            .map(|p| (p.left, p.right))
            .collect();
        let (precision, recall, f1) = evaluate(&predicted, &truth);
        println!(
            "Tegen de werkelijkheid ({} echte paren): precisie {precision:.4}, recall {recall:.4}, F1 {f1:.4}",
            truth.len()
        );
    }
    Ok(())
}

/// `--explain LINKS_ID,RECHTS_ID`: why a pair scores as it does, comparison by comparison.
fn explain(linker: &Linker, model: &Model, ids: &str) -> Result<()> {
    let (left, right) = (linker.left(), linker.right());
    let (x, y) = ids
        .split_once(',')
        .context("--explain vraagt LINKS_ID,RECHTS_ID")?;
    let (Some(l), Some(r)) = (left.ids.find(x.trim()), right.ids.find(y.trim())) else {
        bail!("--explain: geen rij met kenmerk '{x}' links of '{y}' rechts");
    };
    println!("Waarom {x} en {y} (overeenkomstgewicht, per vergelijking):");
    let mut total = 0.0;
    for c in linker.explain(model, l, r) {
        total += c.weight;
        println!(
            "  {:<48} {:<44} {:>+8.2}  (som {total:>+8.2})",
            loep_linkage::compare::in_dutch(&c.comparison),
            loep_linkage::compare::in_dutch(&c.level),
            c.weight
        );
    }
    let p = 2f64.powf(total);
    println!(
        "  overeenkomstgewicht {total:.2}, kans {:.6}",
        p / (1.0 + p)
    );
    Ok(())
}
