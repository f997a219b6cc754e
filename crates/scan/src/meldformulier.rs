//! The residents' reports filed through the public form (`/melden`), as a table the
//! indicators read beside the delivered `melding`: one register of reports. Each scan writes
//! them as they stand into a Parquet file named after their keyed digest
//! (`data/burgermelding/<id>.parquet`: the same reports give the same file), and the run
//! records that id among the snapshots it read. Only what an indicator reads goes in: the
//! report's id, the BAG object the resident confirmed, the day, the category, the address as
//! typed and the topics of the description; the description itself stays in the store.

use anyhow::{Context, Result};
use datafusion::arrow::array::{ArrayRef, Date32Builder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use loep_store::Project;
use std::path::PathBuf;
use std::sync::Arc;

/// The table's name for the indicators.
pub const TABLE: &str = "burgermelding";

/// Its columns, as the indicators name them.
pub const COLUMNS: [&str; 6] = [
    "melding_id",
    "vbo_id",
    "datum",
    "categorie",
    "adres",
    "omschrijving_onderwerpen",
];

/// Writes the reports as they stand (unless a file with their digest exists) and returns the
/// snapshot's id and file. Files of earlier states that no kept run names are removed: a report
/// destroyed under its retention period does not live on in a copy.
pub fn snapshot(project: &Project) -> Result<(String, PathBuf)> {
    let reports = loep_store::burgermelding::list(project.db())?;
    let mut rows = Vec::with_capacity(reports.len());
    for r in &reports {
        let dag = r.ontvangen.get(..10).unwrap_or_default();
        let datum = loep_contract::Datum::parse(dag)
            .ok()
            .and_then(|d| d.days_since_epoch())
            .with_context(|| {
                format!(
                    "melding {}: ontvangen '{}' is geen datum",
                    r.melding_id, r.ontvangen
                )
            })?;
        rows.push((
            r.melding_id.clone(),
            r.vbo_id.to_string(),
            datum,
            r.categorie.clone(),
            r.adres.clone(),
            loep_contract::tables::topics_of(&r.omschrijving),
        ));
    }
    rows.sort();
    let mut parts: Vec<String> = vec![TABLE.to_string()];
    for (id, vbo, d, cat, adres, topics) in &rows {
        parts.extend([
            id.clone(),
            vbo.clone(),
            d.to_string(),
            cat.clone(),
            adres.clone(),
            topics.clone(),
        ]);
    }
    let refs: Vec<Option<&str>> = parts.iter().map(|p| Some(p.as_str())).collect();
    let id = format!("W{}", &project.keyed(&refs)?[..16]);
    let dir = project.layout.data().join(TABLE);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("kan {} niet aanmaken", dir.display()))?;
    let path = dir.join(format!("{id}.parquet"));
    // Written every time (it is small): a file of the same name edited in place is never read.
    {
        let schema = Arc::new(Schema::new(vec![
            Field::new("melding_id", DataType::Utf8, false),
            Field::new("vbo_id", DataType::Utf8, false),
            Field::new("datum", DataType::Date32, false),
            Field::new("categorie", DataType::Utf8, false),
            Field::new("adres", DataType::Utf8, false),
            Field::new("omschrijving_onderwerpen", DataType::Utf8, false),
        ]));
        let mut cols: [StringBuilder; 5] = Default::default();
        let mut dates = Date32Builder::new();
        for (id, vbo, d, cat, adres, topics) in &rows {
            cols[0].append_value(id);
            cols[1].append_value(vbo);
            dates.append_value(*d);
            cols[2].append_value(cat);
            cols[3].append_value(adres);
            cols[4].append_value(topics);
        }
        let [mut ids, mut vbos, mut cats, mut adressen, mut topics] = cols;
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(ids.finish()),
            Arc::new(vbos.finish()),
            Arc::new(dates.finish()),
            Arc::new(cats.finish()),
            Arc::new(adressen.finish()),
            Arc::new(topics.finish()),
        ];
        let batch = RecordBatch::try_new(schema.clone(), arrays)?;
        let tmp = path.with_extension("tmp");
        let file = std::fs::File::create(&tmp)
            .with_context(|| format!("kan {} niet schrijven", tmp.display()))?;
        let mut w = ArrowWriter::try_new(file, schema, None)?;
        w.write(&batch)?;
        w.close()?;
        std::fs::rename(&tmp, &path)
            .with_context(|| format!("kan {} niet schrijven", path.display()))?;
    }
    // Earlier states no kept run names go.
    let named: String = loep_store::scan::runs(project.db())?
        .iter()
        .map(|r| r.bronnen.as_str())
        .collect();
    for entry in std::fs::read_dir(&dir)?.flatten() {
        let p = entry.path();
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        if p != path && !named.contains(stem) {
            let _ = std::fs::remove_file(&p);
        }
    }
    Ok((id, path))
}
