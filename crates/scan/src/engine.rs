//! DataFusion over the project's current snapshots, with a memory limit and spilling to disk.
//!
//! Each indicator runs in a session of its own that holds only the tables and building blocks
//! (`afgeleid`) it declares, each as a view of only the columns it declares: reading anything
//! else fails at planning, so the declarations are enforced by construction, not by review.

use anyhow::{Context, Result, bail};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::config::TableParquetOptions;
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use loep_store::{Project, deliveries};
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::afgeleid::Bouwsteen;
use crate::catalogue::Indicator;

/// The tables an indicator can read: current snapshots and the current linkage.
#[derive(Debug, Clone)]
pub struct Sources {
    /// Table → (snapshot id, Parquet file).
    pub tables: BTreeMap<String, (String, PathBuf)>,
}

impl Sources {
    pub fn of(project: &Project) -> Result<Sources> {
        let mut tables = BTreeMap::new();
        for t in loep_contract::TABLES {
            if let Some(s) = deliveries::current_snapshot(project.db(), t.name)? {
                tables.insert(
                    t.name.to_string(),
                    (s.snapshot_id.clone(), project.layout.dir.join(&s.pad)),
                );
            }
        }
        if let Some(k) = deliveries::current_koppeling(project.db())? {
            tables.insert(
                "koppeling_persoon".into(),
                (
                    k.koppeling_id.clone(),
                    project.layout.dir.join(&k.pad_personen),
                ),
            );
            tables.insert(
                "koppeling_adres".into(),
                (
                    k.koppeling_id.clone(),
                    project.layout.dir.join(&k.pad_adressen),
                ),
            );
        }
        Ok(Sources { tables })
    }

    /// What the sources are, as `tabel=id` parts: a cache made from them is out of date when
    /// these differ.
    pub fn key_parts(&self) -> Vec<String> {
        self.tables
            .iter()
            .map(|(t, (id, _))| format!("{t}={id}"))
            .collect()
    }

    /// table → snapshot (or linkage run) id, as recorded with a run.
    pub fn ids(&self) -> BTreeMap<String, String> {
        self.tables
            .iter()
            .map(|(t, (id, _))| (t.clone(), id.clone()))
            .collect()
    }
}

/// What an indicator's query returned for one address.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub vbo_id: String,
    pub pseudoniemen: Vec<String>,
    pub sterkte: f64,
    pub facts: BTreeMap<String, String>,
}

pub struct Engine {
    runtime: Arc<RuntimeEnv>,
    tokio: tokio::runtime::Runtime,
    pub sources: Sources,
    partitions: usize,
    /// Where this engine writes the building blocks it computed; removed with the engine.
    werkmap: PathBuf,
    /// The building blocks computed so far, by name.
    afgeleid: Mutex<BTreeMap<String, Materialised>>,
    /// Held while a block is computed.
    computing: Mutex<()>,
}

/// A building block computed into Parquet files.
#[derive(Clone)]
struct Materialised {
    dir: PathBuf,
    schema: SchemaRef,
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.werkmap)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("could not remove {}: {e}", self.werkmap.display());
        }
    }
}

/// Registers the computed block `naam` in `ctx` under its name.
async fn register_block(ctx: &SessionContext, naam: &str, m: &Materialised) -> Result<()> {
    ctx.register_parquet(
        naam,
        &format!("{}/", m.dir.display()),
        ParquetReadOptions::default().schema(&m.schema),
    )
    .await
    .with_context(|| format!("kan de afgeleide gegevens {naam} niet lezen"))?;
    Ok(())
}

/// Writes the rows of `df` into Parquet files in `dir`, emptied first (a try that ran out of
/// memory may have left files there).
async fn write_parquet(df: datafusion::dataframe::DataFrame, dir: &Path) -> Result<Materialised> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("kan {} niet opruimen", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("kan {} niet aanmaken", dir.display()))?;
    let schema = Arc::new(df.schema().as_arrow().clone());
    // Fast to write and read back (LZ4: decoding Snappy pages was the largest single cost of a
    // scan); row groups small enough that the writers' buffers (which cannot spill) stay well
    // inside the memory limit.
    let mut opts = TableParquetOptions::default();
    opts.global.compression = Some("lz4_raw".into());
    opts.global.max_row_group_size = 128 * 1024;
    opts.global.allow_single_file_parallelism = false;
    let written = df
        .write_parquet(
            &format!("{}/", dir.display()),
            DataFrameWriteOptions::new().with_single_file_output(false),
            Some(opts),
        )
        .await;
    if let Err(e) = written {
        // A try that failed (out of memory, before the next try) leaves no files on disk.
        if let Err(r) = std::fs::remove_dir_all(dir) {
            tracing::warn!("could not remove {}: {r}", dir.display());
        }
        return Err(e.into());
    }
    Ok(Materialised {
        dir: dir.to_path_buf(),
        schema,
    })
}

/// A directory removed when the value is dropped: an indicator's intermediate results.
struct Werkmap(PathBuf);

impl Werkmap {
    fn new(dir: PathBuf) -> Werkmap {
        Werkmap(dir)
    }
}

impl Drop for Werkmap {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("could not remove {}: {e}", self.0.display());
        }
    }
}

/// The prefix of the internal table names; indicator SQL may not name them.
const HIDDEN: &str = "loep_bron_";

/// Engines made by this process, to name their work directories.
static WORK_DIRS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Engine {
    /// An engine over `sources` that keeps DataFusion's operators within `memory_limit` bytes,
    /// spilling sorts and aggregations to `spill_dir` beyond it.
    pub fn new(sources: Sources, memory_limit: usize, spill_dir: &Path) -> Result<Engine> {
        std::fs::create_dir_all(spill_dir)
            .with_context(|| format!("kan {} niet aanmaken", spill_dir.display()))?;
        let runtime = RuntimeEnvBuilder::new()
            // Fair shares: every spilling operator of a query gets its part of the limit, rather
            // than the first one taking it all and the next failing.
            .with_memory_pool(Arc::new(TrackConsumersPool::new(
                FairSpillPool::new(memory_limit),
                NonZeroUsize::MIN.saturating_add(4),
            )))
            .with_temp_file_path(spill_dir)
            .build_arc()?;
        let partitions = std::thread::available_parallelism().map_or(2, |n| n.get());
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(partitions)
            .thread_name("loep-scan")
            .thread_stack_size(crate::STACK_SIZE)
            .build()
            .context("kan de werkthreads van de scan niet starten")?;
        // One work directory per engine: two scans at once never share a block.
        let werkmap = spill_dir.join(format!(
            "afgeleid-{}-{}",
            std::process::id(),
            WORK_DIRS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        Ok(Engine {
            runtime,
            tokio,
            sources,
            partitions,
            werkmap,
            afgeleid: Mutex::new(BTreeMap::new()),
            computing: Mutex::new(()),
        })
    }

    /// A session with hash joins (`Joins::Hash`) or sort-merge joins (`Joins::SortMerge`, and
    /// `Joins::Narrow` in two partitions with batches of 1,024 rows).
    fn context(&self, joins: Joins) -> SessionContext {
        let (partitions, batch) = match joins {
            // Not one partition: DataFusion plans every join of a single-partition session as a
            // hash join that collects its whole left side, which cannot spill.
            Joins::Narrow => (2, 1024),
            _ => (self.partitions, 8192),
        };
        let config = SessionConfig::new()
            .with_target_partitions(partitions)
            .with_batch_size(batch)
            .set_bool(
                "datafusion.optimizer.prefer_hash_join",
                joins == Joins::Hash,
            )
            .set_bool(
                "datafusion.execution.parquet.schema_force_view_types",
                false,
            );
        SessionContext::new_with_config_rt(config, self.runtime.clone())
    }

    /// Registers `table` as a view of only `columns`.
    async fn expose(&self, ctx: &SessionContext, table: &str, columns: &[String]) -> Result<()> {
        let Some((_, path)) = self.sources.tables.get(table) else {
            bail!("er is geen huidige snapshot van {table}");
        };
        let hidden = format!("{HIDDEN}{table}");
        ctx.register_parquet(
            &hidden,
            &path.to_string_lossy(),
            ParquetReadOptions::default(),
        )
        .await
        .with_context(|| format!("kan {} niet lezen", path.display()))?;
        let filter = if table == "koppeling_persoon" {
            // Only links at or above the match threshold; review candidates are not facts.
            " WHERE status = 'gekoppeld'"
        } else {
            ""
        };
        // A derived column added after a snapshot was loaded (a report's topics,
        // `omschrijving_onderwerpen`) reads as unknown in that snapshot; any other missing
        // column is an error, as before.
        let schema = ctx.table(&hidden).await?.schema().clone();
        let derived_later = |c: &str| {
            loep_contract::Table::by_name(table)
                .and_then(|t| {
                    t.columns
                        .iter()
                        .find(|col| col.analysis_name().as_deref() == Some(c))
                })
                .is_some_and(|col| col.handling == loep_contract::Handling::Topics)
        };
        let cols: Vec<String> = columns
            .iter()
            .map(|c| {
                if schema.has_column_with_unqualified_name(c) || !derived_later(c) {
                    format!("\"{c}\"")
                } else {
                    format!("CAST(NULL AS VARCHAR) AS \"{c}\"")
                }
            })
            .collect();
        ctx.sql(&format!(
            "CREATE VIEW {table} AS SELECT {} FROM {hidden}{filter}",
            cols.join(", ")
        ))
        .await?;
        Ok(())
    }

    /// The tables the indicator needs that have no data in this project (it does not run).
    pub fn missing_tables(&self, ind: &Indicator) -> Vec<String> {
        let optioneel = ind.alle_optioneel();
        ind.alle_leest()
            .into_keys()
            .filter(|t| !self.sources.tables.contains_key(t) && !optioneel.contains(t))
            .collect()
    }

    /// The optional tables the indicator reads that have no data in this project: it runs as
    /// if they held no rows.
    pub fn absent_optional(&self, ind: &Indicator) -> Vec<String> {
        ind.alle_optioneel()
            .into_iter()
            .filter(|t| !self.sources.tables.contains_key(t))
            .collect()
    }

    /// Registers `table`, which no partner delivered, as an empty view of `columns` with the
    /// types the intake would have written.
    async fn expose_empty(
        &self,
        ctx: &SessionContext,
        table: &str,
        columns: &[String],
    ) -> Result<()> {
        let contract = loep_contract::Table::by_name(table);
        let mut cols = Vec::with_capacity(columns.len());
        for c in columns {
            let ty = match contract {
                _ if c == "record_key" => "VARCHAR",
                Some(t) => match t
                    .columns
                    .iter()
                    .find(|col| col.analysis_name().as_deref() == Some(c.as_str()))
                {
                    Some(col) => col.analysis_sql_type(),
                    None => bail!("{table} heeft geen kolom {c} in de analyseopslag"),
                },
                // The linkage's tables: its probabilities are numbers, the rest text.
                None if table.starts_with("koppeling_") => match c.as_str() {
                    "kans" | "zekerheid" => "DOUBLE",
                    _ => "VARCHAR",
                },
                None => bail!("er is geen levering van {table}"),
            };
            cols.push(format!("CAST(NULL AS {ty}) AS \"{c}\""));
        }
        ctx.sql(&format!(
            "CREATE VIEW {table} AS SELECT {} WHERE false",
            cols.join(", ")
        ))
        .await?;
        Ok(())
    }

    /// Runs one indicator with these parameter values; rows ordered by address.
    pub fn run(&self, ind: &Indicator, params: &BTreeMap<String, f64>) -> Result<Vec<Row>> {
        let sql = ind.sql_with(params)?;
        if sql.to_lowercase().contains(HIDDEN) {
            bail!(
                "indicator {}: de SQL noemt een interne tabel; de indicator mag alleen de tabellen lezen die hij onder [leest] noemt",
                ind.code
            );
        }
        // Hash joins first: about a third faster than sort-merge joins. They hold their whole
        // build side in memory and cannot spill, so a join that outgrows the memory limit (a
        // country-sized register: 8 million addresses, 18 million persons) stops with
        // "resources exhausted"; the indicator then runs again with sort-merge joins, which
        // spill to disk; if that outgrows the limit too, once more with small batches. Every
        // plan computes the same SQL, so the rows are the same. The building blocks are
        // computed first, each with its own tries, then the indicator's own intermediate
        // results marked `AS MATERIALIZED` (see `stappen`), each once and with its own tries.
        for b in &ind.bouwstenen {
            self.bereken(b)?;
        }
        let split = crate::stappen::opsplitsen(&sql)
            .map_err(|e| anyhow::anyhow!("indicator {}: {e:#}", ind.code))?;
        let werk = Werkmap::new(self.werkmap.join(format!(
            "stappen-{}-{}",
            ind.code,
            WORK_DIRS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        )));
        let mut stappen: Vec<(String, Materialised)> = Vec::new();
        for (naam, step_sql) in &split.stappen {
            let what = format!("{} {naam}", ind.code);
            let m = hash_then_sort_merge(&what, |joins| {
                let dir = werk.0.join(format!("{naam}-{joins:?}"));
                self.tokio.block_on(async {
                    let ctx = self.indicator_session(ind, joins, &stappen).await?;
                    let df = ctx.sql(step_sql).await.map_err(|e| {
                        anyhow::anyhow!(
                            "indicator {}: tussenresultaat {naam} werkt niet zoals opgegeven: {e}",
                            ind.code
                        )
                    })?;
                    write_parquet(df, &dir).await.with_context(|| {
                        format!(
                            "indicator {}: tussenresultaat {naam} is tijdens het berekenen mislukt",
                            ind.code
                        )
                    })
                })
            })?;
            stappen.push((naam.clone(), m));
        }
        hash_then_sort_merge(&ind.code, |joins| {
            self.run_with(ind, &split.sql, joins, &stappen)
        })
    }

    /// A session for indicator `ind`: each block as a view of only the columns it declares,
    /// each table likewise, and the intermediate results computed so far.
    async fn indicator_session(
        &self,
        ind: &Indicator,
        joins: Joins,
        stappen: &[(String, Materialised)],
    ) -> Result<SessionContext> {
        let ctx = self.context(joins);
        for (naam, columns) in &ind.afgeleid {
            let Some(m) = self.computed(naam)? else {
                bail!("indicator {}: afgeleid {naam} is niet berekend", ind.code);
            };
            let hidden = format!("{HIDDEN}afgeleid_{naam}");
            register_block(&ctx, &hidden, &m).await?;
            let cols: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
            ctx.sql(&format!(
                "CREATE VIEW {naam} AS SELECT {} FROM {hidden}",
                cols.join(", ")
            ))
            .await?;
        }
        for (table, columns) in &ind.leest {
            if ind.optioneel.contains(table) && !self.sources.tables.contains_key(table) {
                self.expose_empty(&ctx, table, columns).await?;
            } else {
                self.expose(&ctx, table, columns).await?;
            }
        }
        for (naam, m) in stappen {
            register_block(&ctx, naam, m).await?;
        }
        Ok(ctx)
    }

    fn run_with(
        &self,
        ind: &Indicator,
        sql: &str,
        joins: Joins,
        stappen: &[(String, Materialised)],
    ) -> Result<Vec<Row>> {
        self.tokio.block_on(async {
            let ctx = self.indicator_session(ind, joins, stappen).await?;
            let df = ctx.sql(sql).await.map_err(|e| {
                anyhow::anyhow!(
                    "indicator {} werkt niet zoals opgegeven: {e}. De indicator mag alleen de tabellen en kolommen onder [leest] lezen.",
                    ind.code
                )
            })?;
            let failed = || format!("indicator {} is tijdens het uitvoeren mislukt", ind.code);
            let plan = df.create_physical_plan().await.with_context(failed)?;
            let batches = datafusion::physical_plan::collect(plan.clone(), ctx.task_ctx())
                .await
                .with_context(failed)?;
            // `LOEP_LOG=loep_scan=debug`: where an indicator spends its time and memory.
            if tracing::enabled!(tracing::Level::DEBUG) {
                let shown = datafusion::physical_plan::display::DisplayableExecutionPlan::with_metrics(plan.as_ref())
                    .indent(true)
                    .to_string();
                tracing::debug!(indicator = %ind.code, joins = ?joins, "plan with its figures:\n{shown}");
            }
            let mut rows = rows_of(&ind.code, &batches)?;
            rows.sort_by(|a, b| a.vbo_id.cmp(&b.vbo_id));
            Ok(rows)
        })
    }

    /// Computes building block `b` of the derived layer once for this engine, from the same
    /// sources, into a Parquet directory of the engine's work directory; the blocks it reads
    /// must have been computed before (an indicator's `bouwstenen` are in that order). Whether
    /// it was computed now (false: it already was).
    pub(crate) fn bereken(&self, b: &Bouwsteen) -> Result<bool> {
        // One block at a time: two callers never write one directory.
        let _one = self
            .computing
            .lock()
            .map_err(|_| anyhow::anyhow!("de afgeleide gegevens van deze scan zijn onbruikbaar"))?;
        if self.computed(&b.naam)?.is_some() {
            return Ok(false);
        }
        let mut deps = Vec::new();
        for d in &b.afgeleid {
            let Some(m) = self.computed(d)? else {
                bail!("afgeleid {}: {d} is nog niet berekend", b.naam);
            };
            deps.push((d, m));
        }
        if b.sql.to_lowercase().contains(HIDDEN) {
            bail!(
                "afgeleid {}: de SQL noemt een interne tabel; een bouwsteen mag alleen lezen wat hij onder [leest] noemt",
                b.naam
            );
        }
        let m = hash_then_sort_merge(&b.naam, |joins| {
            // A directory per try: a try that ran out of memory may have left files behind.
            let dir = self.werkmap.join(format!("{}-{joins:?}", b.naam));
            self.tokio.block_on(async {
                let ctx = self.context(joins);
                for (table, columns) in &b.leest {
                    if b.optioneel.contains(table) && !self.sources.tables.contains_key(table) {
                        self.expose_empty(&ctx, table, columns).await?;
                    } else {
                        self.expose(&ctx, table, columns).await?;
                    }
                }
                for (d, m) in &deps {
                    register_block(&ctx, d, m).await?;
                }
                let df = ctx.sql(&b.sql).await.map_err(|e| {
                    anyhow::anyhow!(
                        "afgeleid {} werkt niet zoals opgegeven: {e}. Een bouwsteen mag alleen de tabellen en kolommen onder [leest] lezen.",
                        b.naam
                    )
                })?;
                let mut got: Vec<&str> =
                    df.schema().fields().iter().map(|f| f.name().as_str()).collect();
                got.sort_unstable();
                let want: Vec<&str> = b.kolommen.keys().map(String::as_str).collect();
                if got != want {
                    bail!(
                        "afgeleid {} geeft de kolommen {} terug, maar beschrijft {}",
                        b.naam,
                        got.join(", "),
                        want.join(", ")
                    );
                }
                write_parquet(df, &dir)
                    .await
                    .with_context(|| format!("afgeleid {} is tijdens het berekenen mislukt", b.naam))
            })
        })?;
        self.afgeleid
            .lock()
            .map_err(|_| anyhow::anyhow!("de afgeleide gegevens van deze scan zijn onbruikbaar"))?
            .insert(b.naam.clone(), m);
        Ok(true)
    }

    /// Building block `naam` if this engine computed it.
    fn computed(&self, naam: &str) -> Result<Option<Materialised>> {
        Ok(self
            .afgeleid
            .lock()
            .map_err(|_| anyhow::anyhow!("de afgeleide gegevens van deze scan zijn onbruikbaar"))?
            .get(naam)
            .cloned())
    }

    /// `vbo_id` → `buurtcode` of every object: to place signals on the map. Not an indicator
    /// input.
    pub fn buurten(&self) -> Result<BTreeMap<String, String>> {
        if !self.sources.tables.contains_key("bag_verblijfsobject") {
            return Ok(BTreeMap::new());
        }
        self.tokio.block_on(async {
            let ctx = self.context(Joins::SortMerge);
            self.expose(
                &ctx,
                "bag_verblijfsobject",
                &["vbo_id".to_string(), "buurtcode".to_string()],
            )
            .await?;
            let batches = ctx
                .sql("SELECT vbo_id, buurtcode FROM bag_verblijfsobject")
                .await?
                .collect()
                .await?;
            let mut out = BTreeMap::new();
            for b in &batches {
                let v = text_column(b, "vbo_id")?;
                let bu = text_column(b, "buurtcode")?;
                for i in 0..b.num_rows() {
                    if let (Some(v), Some(bu)) = (&v[i], &bu[i]) {
                        out.insert(v.clone(), bu.clone());
                    }
                }
            }
            Ok(out)
        })
    }

    /// Runs internal SQL over the given tables with the given columns (fairness monitoring).
    pub fn query(&self, tables: &[(&str, &[&str])], sql: &str) -> Result<Vec<RecordBatch>> {
        hash_then_sort_merge("fairness", |joins| self.query_with(tables, sql, joins))
    }

    fn query_with(
        &self,
        tables: &[(&str, &[&str])],
        sql: &str,
        joins: Joins,
    ) -> Result<Vec<RecordBatch>> {
        self.tokio.block_on(async {
            let ctx = self.context(joins);
            for (t, cols) in tables {
                let cols: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
                self.expose(&ctx, t, &cols).await?;
            }
            Ok(ctx.sql(sql).await?.collect().await?)
        })
    }
}

/// How a session joins tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Joins {
    Hash,
    SortMerge,
    /// Sort-merge joins in at most two partitions with small batches: every spilling operator
    /// of the query gets a larger share of the memory limit and holds less at a time. Slower;
    /// the last resort for a query whose many sorts outgrow the limit together.
    Narrow,
}

/// Runs `f` with hash joins and, if they outgrow the memory limit, again with sort-merge joins,
/// and if those do too, once more in two partitions with small batches (`Joins::Narrow`).
fn hash_then_sort_merge<T>(what: &str, f: impl Fn(Joins) -> Result<T>) -> Result<T> {
    match f(Joins::Hash) {
        Err(e) if resources_exhausted(&e) => {
            tracing::info!(
                query = what,
                "hash joins exceed the memory limit; running again with sort-merge joins"
            );
            match f(Joins::SortMerge) {
                Err(e) if resources_exhausted(&e) => {
                    tracing::info!(
                        query = what,
                        "sort-merge joins exceed the memory limit; running again with small batches"
                    );
                    f(Joins::Narrow)
                }
                other => other,
            }
        }
        other => other,
    }
}

/// Whether a query stopped because an operator that cannot spill outgrew the memory limit.
fn resources_exhausted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<datafusion::error::DataFusionError>()
            .is_some_and(|d| {
                matches!(
                    d.find_root(),
                    datafusion::error::DataFusionError::ResourcesExhausted(_)
                )
            })
    })
}

/// The values of a column as text (floats with two decimals), `None` for null.
pub fn text_column(batch: &RecordBatch, name: &str) -> Result<Vec<Option<String>>> {
    let col = batch
        .column_by_name(name)
        .with_context(|| format!("de uitkomst heeft geen kolom {name}"))?;
    let out: Vec<Option<String>> = match col.data_type() {
        DataType::Float64 | DataType::Float32 => {
            let f = datafusion::arrow::compute::cast(col, &DataType::Float64)?;
            let f = f.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
            (0..f.len())
                .map(|i| (!f.is_null(i)).then(|| format!("{:.2}", f.value(i))))
                .collect()
        }
        _ => {
            let s = datafusion::arrow::compute::cast(col, &DataType::Utf8)?;
            let s = s.as_string::<i32>();
            (0..s.len())
                .map(|i| (!s.is_null(i)).then(|| s.value(i).to_string()))
                .collect()
        }
    };
    Ok(out)
}

fn rows_of(code: &str, batches: &[RecordBatch]) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for b in batches {
        let schema = b.schema();
        if schema.column_with_name("vbo_id").is_none() {
            bail!("indicator {code}: de SQL moet een kolom vbo_id teruggeven");
        }
        let vbo = text_column(b, "vbo_id")?;
        let pseudo = match schema.column_with_name("pseudoniemen") {
            Some(_) => text_column(b, "pseudoniemen")?,
            None => vec![None; b.num_rows()],
        };
        let sterkte: Vec<f64> = match schema.column_with_name("sterkte") {
            Some(_) => {
                let f = datafusion::arrow::compute::cast(
                    b.column_by_name("sterkte").context("sterkte")?,
                    &DataType::Float64,
                )?;
                let f = f.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
                (0..f.len())
                    .map(|i| if f.is_null(i) { 1.0 } else { f.value(i) })
                    .collect()
            }
            None => vec![1.0; b.num_rows()],
        };
        let facts: Vec<(String, Vec<Option<String>>)> = schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|n| !["vbo_id", "pseudoniemen", "sterkte"].contains(&n.as_str()))
            .map(|n| {
                let v = text_column(b, &n)?;
                Ok((n, v))
            })
            .collect::<Result<_>>()?;
        for i in 0..b.num_rows() {
            let Some(vbo_id) = vbo[i].clone() else {
                continue;
            };
            let mut pseudoniemen: Vec<String> = pseudo[i]
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect();
            pseudoniemen.sort();
            pseudoniemen.dedup();
            rows.push(Row {
                vbo_id,
                pseudoniemen,
                sterkte: (sterkte[i] * 1000.0).round() / 1000.0,
                facts: facts
                    .iter()
                    .map(|(n, v)| (n.clone(), v[i].clone().unwrap_or_else(|| "-".into())))
                    .collect(),
            });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use datafusion::arrow::array::StringArray;
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::parquet::arrow::ArrowWriter;

    /// `brp.parquet` in `dir` with these text columns (all of one length).
    fn brp_with(dir: &Path, columns: Vec<(&str, Vec<String>)>) -> PathBuf {
        let schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|(name, _)| Field::new(*name, DataType::Utf8, false))
                .collect::<Vec<_>>(),
        ));
        let arrays = columns
            .into_iter()
            .map(|(_, values)| Arc::new(StringArray::from(values)) as _)
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays).unwrap();
        let path = dir.join("brp.parquet");
        let mut w =
            ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        path
    }

    fn brp(dir: &Path) -> PathBuf {
        let col = |v: [&str; 3]| v.iter().map(|x| x.to_string()).collect();
        brp_with(
            dir,
            vec![
                ("pseudoniem", col(["a", "b", "c"])),
                (
                    "vbo_id",
                    col(["0392010000000001", "0392010000000001", "0392010000000002"]),
                ),
                ("status", col(["ingezetene", "ingezetene", "ingezetene"])),
                ("geslacht", col(["M", "V", "V"])),
            ],
        )
    }

    fn indicator(columns: &str, sql: &str) -> Indicator {
        let text = format!(
            "code = \"T-01\"\nversie = 1\nthema = \"overbewoning\"\ntitel = \"t\"\nbeschrijving = \"b\"\nonderbouwing = \"o\"\ndoel = \"d\"\ngrondslag = \"g\"\nniet_bedoeld = \"n\"\nuitleg = \"{{personen}} personen\"\nmarge = \"Bij minder dan {{personen}} personen niet.\"\nsql = \"{sql}\"\n[leest]\nbrp_persoon = [{columns}]\n"
        );
        Catalogue::from_files([("T-01.toml".to_string(), text)])
            .unwrap()
            .indicators
            .remove(0)
    }

    fn engine(dir: &Path) -> Engine {
        let sources = Sources {
            tables: BTreeMap::from([("brp_persoon".to_string(), ("L1".to_string(), brp(dir)))]),
        };
        Engine::new(sources, 64 << 20, &dir.join("spill")).unwrap()
    }

    #[test]
    fn an_indicator_sees_only_what_it_declares() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path());
        let ok = indicator(
            "\"vbo_id\", \"pseudoniem\"",
            "SELECT vbo_id, string_agg(pseudoniem, ',') AS pseudoniemen, count(*) AS personen FROM brp_persoon GROUP BY vbo_id HAVING count(*) >= 2",
        );
        let rows = e.run(&ok, &ok.defaults()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].pseudoniemen, ["a", "b"]);
        assert_eq!(rows[0].facts["personen"], "2");
        // A column it did not declare: refused at planning.
        let sneaky = indicator(
            "\"vbo_id\"",
            "SELECT vbo_id, count(*) AS personen FROM brp_persoon WHERE status = 'ingezetene' GROUP BY vbo_id",
        );
        let err = format!("{:#}", e.run(&sneaky, &sneaky.defaults()).unwrap_err());
        assert!(err.contains("werkt niet zoals opgegeven"), "{err}");
        // The table behind the view: refused before planning.
        let hidden = indicator(
            "\"vbo_id\"",
            "SELECT vbo_id, count(*) AS personen FROM loep_bron_brp_persoon GROUP BY vbo_id",
        );
        let err = format!("{:#}", e.run(&hidden, &hidden.defaults()).unwrap_err());
        assert!(err.contains("interne tabel"), "{err}");
    }

    /// An optional table no partner delivered reads as empty, with the types the intake
    /// writes (a sum of a rent, a date compared); a needed one stops the indicator.
    #[test]
    fn an_optional_table_without_a_delivery_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path());
        let text = |optioneel: &str| {
            format!(
                "code = \"T-02\"\nversie = 1\nthema = \"huisjesmelkerij\"\ntitel = \"t\"\nbeschrijving = \"b\"\nonderbouwing = \"o\"\ndoel = \"d\"\ngrondslag = \"g\"\nniet_bedoeld = \"n\"\nuitleg = \"{{personen}} personen, huur {{huur}}\"\nmarge = \"Bij minder dan {{personen}} personen niet.\"\n{optioneel}sql = \"\"\"\nWITH h AS (SELECT vbo_id, sum(kale_huur_maand) AS huur FROM wc_huurcontract WHERE ingangsdatum <= make_date(2026, 1, 1) AND sociale_huur GROUP BY vbo_id)\nSELECT b.vbo_id, count(*) AS personen, coalesce(max(h.huur), 0) AS huur FROM brp_persoon b LEFT JOIN h ON h.vbo_id = b.vbo_id GROUP BY b.vbo_id\n\"\"\"\n[leest]\nbrp_persoon = [\"vbo_id\"]\nwc_huurcontract = [\"vbo_id\", \"kale_huur_maand\", \"ingangsdatum\", \"sociale_huur\"]\n"
            )
        };
        let load = |t: String| {
            Catalogue::from_files([("T-02.toml".to_string(), t)])
                .unwrap()
                .indicators
                .remove(0)
        };
        let optional = load(text("optioneel = [\"wc_huurcontract\"]\n"));
        assert!(e.missing_tables(&optional).is_empty());
        assert_eq!(e.absent_optional(&optional), ["wc_huurcontract"]);
        let rows = e.run(&optional, &optional.defaults()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].facts["huur"], "0.00",
            "a sum of DECIMAL(18, 2) rents"
        );
        let needed = load(text(""));
        assert_eq!(e.missing_tables(&needed), ["wc_huurcontract"]);
        // Only a table it reads can be optional.
        let err = Catalogue::from_files([(
            "T-02.toml".to_string(),
            text("optioneel = [\"kvk_vestiging\"]\n"),
        )])
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
        assert!(err.contains("kvk_vestiging"), "{err}");
    }

    #[test]
    fn a_query_without_vbo_id_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path());
        let i = indicator("\"status\"", "SELECT count(*) AS personen FROM brp_persoon");
        let err = format!("{:#}", e.run(&i, &i.defaults()).unwrap_err());
        assert!(err.contains("vbo_id"), "{err}");
    }

    /// `n` persons, ten per address, as a Parquet file.
    fn crowded(dir: &Path, n: usize) -> PathBuf {
        brp_with(
            dir,
            vec![
                (
                    "pseudoniem",
                    (0..n).map(|i| format!("persoon-{i:08}")).collect(),
                ),
                (
                    "vbo_id",
                    (0..n).map(|i| format!("{:016}", i / 10)).collect(),
                ),
            ],
        )
    }

    #[test]
    fn a_hash_join_beyond_the_memory_limit_is_recognised_and_both_plans_agree() {
        let dir = tempfile::tempdir().unwrap();
        let sources = Sources {
            tables: BTreeMap::from([(
                "brp_persoon".to_string(),
                ("L1".to_string(), crowded(dir.path(), 200_000)),
            )]),
        };
        let i = indicator(
            "\"vbo_id\", \"pseudoniem\"",
            "SELECT a.vbo_id, min(a.pseudoniem) AS pseudoniemen, count(*) AS personen FROM brp_persoon a JOIN brp_persoon b ON a.vbo_id = b.vbo_id GROUP BY a.vbo_id",
        );
        let sql = i.sql_with(&i.defaults()).unwrap();
        // The hash join's build side does not fit in 2 MiB: DataFusion stops with "resources
        // exhausted", which is what sends an indicator to sort-merge joins.
        let small = Engine::new(sources.clone(), 2 << 20, &dir.path().join("spill")).unwrap();
        let err = small.run_with(&i, &sql, Joins::Hash, &[]).unwrap_err();
        assert!(resources_exhausted(&err), "{err:#}");
        // With room, both plans give the same rows, and `run` gives them too.
        let roomy = Engine::new(sources, 1 << 30, &dir.path().join("spill2")).unwrap();
        let hash = roomy.run_with(&i, &sql, Joins::Hash, &[]).unwrap();
        assert_eq!(
            hash,
            roomy.run_with(&i, &sql, Joins::SortMerge, &[]).unwrap()
        );
        assert_eq!(hash, roomy.run(&i, &i.defaults()).unwrap());
        assert_eq!(hash.len(), 20_000);
        assert!(hash.iter().all(|r| r.facts["personen"] == "100"));
    }

    #[test]
    fn an_intermediate_result_marked_materialized_is_computed_first_with_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path());
        let cols = "\"vbo_id\", \"pseudoniem\"";
        let body = "n AS (SELECT vbo_id, count(*) AS c FROM brp_persoon GROUP BY vbo_id) \
            SELECT p.vbo_id, string_agg(p.pseudoniem, ',') AS pseudoniemen, max(n.c + m.c) AS personen \
            FROM brp_persoon p JOIN n ON n.vbo_id = p.vbo_id JOIN n AS m ON m.vbo_id = p.vbo_id GROUP BY p.vbo_id";
        let inline = indicator(cols, &format!("WITH {body}"));
        let once = indicator(
            cols,
            &format!("WITH {}", body.replacen("AS (", "AS MATERIALIZED (", 1)),
        );
        let rows = e.run(&inline, &inline.defaults()).unwrap();
        assert!(!rows.is_empty());
        assert_eq!(rows, e.run(&once, &once.defaults()).unwrap());
        // Its files are gone when the indicator is done.
        let left: Vec<_> = std::fs::read_dir(&e.werkmap)
            .map(|d| d.flatten().map(|f| f.file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{left:?}");
        // A step that fails says which one, and leaves nothing behind either.
        let wrong = indicator(
            cols,
            "WITH n AS MATERIALIZED (SELECT vbo_id, geslacht FROM brp_persoon) SELECT vbo_id, pseudoniem AS pseudoniemen, 1 AS personen FROM n",
        );
        let err = format!("{:#}", e.run(&wrong, &wrong.defaults()).unwrap_err());
        assert!(err.contains("tussenresultaat n"), "{err}");
        let left: Vec<_> = std::fs::read_dir(&e.werkmap)
            .map(|d| d.flatten().map(|f| f.file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn the_fallbacks_plan_sort_merge_joins_that_can_spill() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path());
        let plan = |joins| {
            e.tokio.block_on(async {
                let ctx = e.context(joins);
                e.expose(&ctx, "brp_persoon", &["vbo_id".into(), "pseudoniem".into()])
                    .await
                    .unwrap();
                let df = ctx
                    .sql("SELECT count(*) FROM brp_persoon a JOIN brp_persoon b ON a.vbo_id = b.vbo_id")
                    .await
                    .unwrap();
                let plan = df.create_physical_plan().await.unwrap();
                datafusion::physical_plan::displayable(plan.as_ref())
                    .indent(false)
                    .to_string()
            })
        };
        assert!(plan(Joins::Hash).contains("HashJoinExec"));
        // A hash join cannot spill: neither fallback may plan one (a single-partition session
        // would make every join a hash join of its whole left side).
        for joins in [Joins::SortMerge, Joins::Narrow] {
            let p = plan(joins);
            assert!(p.contains("SortMergeJoin"), "{joins:?}: {p}");
            assert!(!p.contains("HashJoinExec"), "{joins:?}: {p}");
        }
    }

    #[test]
    fn only_an_exhausted_memory_limit_runs_the_query_again_with_sort_merge_joins() {
        use datafusion::error::DataFusionError;
        let calls = std::sync::Mutex::new(Vec::new());
        let out = hash_then_sort_merge("T-01", |joins| {
            calls.lock().unwrap().push(joins);
            match joins {
                Joins::Hash => Err(anyhow::Error::new(DataFusionError::ResourcesExhausted(
                    "HashJoinInput".into(),
                ))
                .context("indicator T-01 failed while running")),
                Joins::SortMerge => Ok(7),
                Joins::Narrow => Ok(8),
            }
        });
        assert_eq!(out.unwrap(), 7);
        assert_eq!(*calls.lock().unwrap(), [Joins::Hash, Joins::SortMerge]);
        // Sort-merge joins that outgrow it as well: once more with small batches.
        let calls = std::sync::Mutex::new(Vec::new());
        let out = hash_then_sort_merge("T-01", |joins| {
            calls.lock().unwrap().push(joins);
            match joins {
                Joins::Narrow => Ok(8),
                _ => Err(anyhow::Error::new(DataFusionError::ResourcesExhausted(
                    "ExternalSorter".into(),
                ))),
            }
        });
        assert_eq!(out.unwrap(), 8);
        assert_eq!(
            *calls.lock().unwrap(),
            [Joins::Hash, Joins::SortMerge, Joins::Narrow]
        );
        // Any other failure is not retried: it is reported as it is.
        let calls = std::sync::Mutex::new(0);
        let out: Result<u8> = hash_then_sort_merge("T-01", |_| {
            *calls.lock().unwrap() += 1;
            Err(anyhow::Error::new(DataFusionError::Plan(
                "no such column".into(),
            )))
        });
        assert!(format!("{:#}", out.unwrap_err()).contains("no such column"));
        assert_eq!(*calls.lock().unwrap(), 1);
        assert!(!resources_exhausted(&anyhow::anyhow!("indicator X failed")));
    }
}
