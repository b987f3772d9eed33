//! The inputs of the table stages (`select`, `fit`, `validate`, `report`): the feature table
//! joined with the clinical table of an output folder, or a plain survival table imported with
//! a user-given discovery/validation split.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::config::Config;
use super::layout::Layout;
use super::manifest::{Cohort, check_id, parse_optional_number};
use super::provenance::{Meta, read_json, write_csv_meta};
use super::table::{ClinicalRow, ClinicalTable, FeatureTable};

/// Options to read a plain survival table (`--table`) instead of a pipeline's features.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TableImport {
    /// CSV with one row per patient: an id, time, event, optional clinical columns and numeric
    /// feature columns (e.g. a gene-expression or radiomics table). Imported into OUT as
    /// features.csv and clinical.csv.
    #[arg(long)]
    pub table: Option<PathBuf>,
    /// Id column of --table.
    #[arg(long, default_value = "id")]
    pub id_column: String,
    /// Time column of --table.
    #[arg(long, default_value = "time")]
    pub time_column: String,
    /// Event column of --table (1 = event, 0 = censored).
    #[arg(long, default_value = "event")]
    pub event_column: String,
    /// Column of --table with `discovery`/`validation` per row.
    #[arg(long, conflicts_with_all = ["validation_ids", "split_fraction"])]
    pub split_column: Option<String>,
    /// File with the validation ids (one per line, or the first CSV column); the other rows
    /// are the discovery cohort.
    #[arg(long, conflicts_with = "split_fraction")]
    pub validation_ids: Option<PathBuf>,
    /// Share of rows drawn at random (seeded by --split-seed) into the discovery cohort.
    #[arg(long)]
    pub split_fraction: Option<f64>,
    /// Seed of --split-fraction.
    #[arg(long, default_value_t = 42)]
    pub split_seed: u64,
    /// Clinical columns of --table (comma-separated), kept out of the features and used in the
    /// combined model; overrides `model.clinical` (default age,kps). `none` or an empty value:
    /// no clinical covariate.
    #[arg(long, value_delimiter = ',')]
    pub clinical: Option<Vec<String>>,
    /// Columns of --table to ignore (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
}

/// The default of `model.clinical`, named in the error raised when `--table` lacks these columns.
pub const DEFAULT_CLINICAL: [&str; 2] = ["age", "kps"];

/// Parses the clinical columns of `--clinical`: the comma-separated names, where `none` or an
/// empty value means no clinical covariate.
pub fn parse_clinical_option(values: &[String]) -> Vec<String> {
    let names: Vec<String> = values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).map(String::from).collect();
    if names.len() == 1 && names[0].eq_ignore_ascii_case("none") { Vec::new() } else { names }
}

/// Settings of a table stage: `--config`, else the settings recorded in `OUT/run.json`, else
/// the defaults; `--clinical` overrides `model.clinical`.
pub fn stage_config(config: Option<&Path>, layout: &Layout, import: &TableImport) -> anyhow::Result<Config> {
    let mut cfg = match config {
        Some(path) => Config::from_file(path)?,
        None if layout.run_json().is_file() => {
            let run = read_json(&layout.run_json())?;
            let settings = run["meta"]["settings"].clone();
            let cfg: Config = serde_json::from_value(settings)
                .with_context(|| format!("{}: the recorded settings do not parse", layout.run_json().display()))?;
            cfg.validate()?;
            cfg
        }
        None => {
            let mut cfg = Config::default();
            // A table imported earlier carries its clinical columns in OUT/clinical.csv.
            if import.table.is_none()
                && let Ok(table) = ClinicalTable::read_csv(&layout.clinical_csv())
            {
                cfg.model.clinical = table.columns;
            }
            cfg
        }
    };
    if let Some(clinical) = &import.clinical {
        cfg.model.clinical = parse_clinical_option(clinical);
    }
    cfg.output.dir = layout.root.clone();
    Ok(cfg)
}

/// Imports `--table` into `OUT/features.csv` and `OUT/clinical.csv`. Numeric columns other
/// than id, time, event, split and clinical columns become features; text columns are skipped
/// with a warning naming them.
pub fn import_table(import: &TableImport, clinical: &[String], layout: &Layout, config: &Config) -> anyhow::Result<()> {
    let path = import.table.as_ref().context("no --table given")?;
    let name = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot read --table {name}"))?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let records: Vec<csv::StringRecord> = reader
        .records()
        .enumerate()
        .map(|(i, r)| r.with_context(|| format!("{name}, line {}: malformed row", i + 2)))
        .collect::<anyhow::Result<_>>()?;
    anyhow::ensure!(!records.is_empty(), "{name} has no data rows");
    let find = |col: &str, what: &str| {
        header
            .iter()
            .position(|h| h == col)
            .with_context(|| format!("{name} has no {what} column {col:?} (columns: {})", header.join(", ")))
    };
    let id_col = find(&import.id_column, "id")?;
    let time_col = find(&import.time_column, "time")?;
    let event_col = find(&import.event_column, "event")?;
    let split_col = import.split_column.as_deref().map(|c| find(c, "split")).transpose()?;

    // Cohorts.
    let ids: Vec<String> = records.iter().map(|r| r[id_col].to_string()).collect();
    let mut seen = HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        check_id(id).map_err(|e| anyhow::anyhow!("{name}, line {}: {e}", i + 2))?;
        anyhow::ensure!(seen.insert(id.as_str()), "{name}, line {}: id {id:?} appears twice", i + 2);
    }
    let cohorts: Vec<Cohort> = if let Some(c) = split_col {
        records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                Cohort::parse(&r[c]).with_context(|| {
                    format!("{name}, line {}: split value {:?} must be discovery or validation", i + 2, &r[c])
                })
            })
            .collect::<anyhow::Result<_>>()?
    } else if let Some(file) = &import.validation_ids {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read --validation-ids {}", file.display()))?;
        let wanted: HashSet<&str> = text
            .lines()
            .map(|l| l.split(',').next().unwrap_or("").trim())
            .filter(|l| !l.is_empty() && *l != import.id_column)
            .collect();
        let unknown: Vec<&&str> = wanted.iter().filter(|w| !seen.contains(**w)).take(5).collect();
        anyhow::ensure!(unknown.is_empty(), "--validation-ids {}: ids {unknown:?} are not in {name}", file.display());
        ids.iter().map(|id| if wanted.contains(id.as_str()) { Cohort::Validation } else { Cohort::Discovery }).collect()
    } else if let Some(fraction) = import.split_fraction {
        anyhow::ensure!(fraction > 0.0 && fraction < 1.0, "--split-fraction {fraction} must be between 0 and 1");
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(import.split_seed));
        let n_discovery = ((ids.len() as f64) * fraction).round() as usize;
        let mut cohorts = vec![Cohort::Validation; ids.len()];
        for &i in &order[..n_discovery] {
            cohorts[i] = Cohort::Discovery;
        }
        cohorts
    } else {
        bail!("--table needs a split: --split-column COL, --validation-ids FILE or --split-fraction F");
    };
    // The clinical columns are checked after the split, so that a split error is not hidden.
    let clinical_cols: Vec<usize> = clinical
        .iter()
        .map(|c| {
            find(c, "clinical").map_err(|e| {
                if import.clinical.is_none() && clinical == DEFAULT_CLINICAL.as_slice() {
                    e.context(format!(
                        "the clinical covariates default to model.clinical = {}; name the columns of {name} with \
                         --clinical COL,COL, or use --clinical none (or `[model] clinical = []` in the config) for \
                         no clinical covariate",
                        DEFAULT_CLINICAL.join(",")
                    ))
                } else {
                    e
                }
            })
        })
        .collect::<anyhow::Result<_>>()?;
    for c in &import.exclude {
        find(c, "--exclude")?;
    }

    // Columns.
    let reserved: HashSet<usize> = [id_col, time_col, event_col]
        .into_iter()
        .chain(split_col)
        .chain(clinical_cols.iter().copied())
        .chain(import.exclude.iter().filter_map(|c| header.iter().position(|h| h == c)))
        .collect();
    let mut features = FeatureTable { ids: ids.clone(), names: Vec::new(), rows: vec![Vec::new(); ids.len()] };
    let mut text_columns = Vec::new();
    for (j, h) in header.iter().enumerate() {
        if reserved.contains(&j) {
            continue;
        }
        let parsed: Option<Vec<f64>> =
            records.iter().map(|r| parse_optional_number(&r[j]).ok().map(|v| v.unwrap_or(f64::NAN))).collect();
        match parsed {
            Some(values) => {
                features.names.push(h.clone());
                for (row, v) in features.rows.iter_mut().zip(values) {
                    row.push(v);
                }
            }
            None => text_columns.push(h.clone()),
        }
    }
    if !text_columns.is_empty() {
        tracing::warn!(
            "{name}: the text column(s) {} are not features and are skipped; recode them as numbers to use them",
            text_columns.join(", ")
        );
    }
    anyhow::ensure!(!features.names.is_empty(), "{name} has no numeric feature column");
    let mut rows = Vec::with_capacity(ids.len());
    for (i, r) in records.iter().enumerate() {
        let line = i + 2;
        let time = parse_optional_number(&r[time_col]).with_context(|| format!("{name}, line {line}: time"))?;
        let event = match parse_optional_number(&r[event_col]).with_context(|| format!("{name}, line {line}: event"))? {
            None => None,
            Some(0.0) => Some(false),
            Some(1.0) => Some(true),
            Some(v) => bail!("{name}, line {line}: event {v} must be 0 (censored) or 1 (event)"),
        };
        rows.push(ClinicalRow {
            id: ids[i].clone(),
            cohort: cohorts[i],
            time,
            event,
            values: clinical_cols.iter().map(|&c| r[c].to_string()).collect(),
        });
    }
    let clinical_table = ClinicalTable { columns: clinical.to_vec(), rows };
    layout.create(None)?;
    let meta = Meta::new("import", &serde_json::json!({ "table": name, "config": config }), config.model.seed);
    features.write_csv(&layout.features_csv())?;
    write_csv_meta(&layout.features_csv(), &meta)?;
    clinical_table.write_csv(&layout.clinical_csv())?;
    write_csv_meta(&layout.clinical_csv(), &meta)?;
    let n_discovery = cohorts.iter().filter(|c| **c == Cohort::Discovery).count();
    tracing::info!(
        "imported {name}: {} patients ({n_discovery} discovery, {} validation), {} features",
        ids.len(),
        ids.len() - n_discovery,
        features.names.len()
    );
    Ok(())
}

/// Features joined with outcomes: the data the table stages work on.
#[derive(Debug, Clone)]
pub struct Study {
    /// Features, one row per patient with a clinical row (same order as `clinical`).
    pub features: FeatureTable,
    /// Outcomes and clinical values, in the row order of `features`.
    pub clinical: ClinicalTable,
    /// Features of repeat segmentations (`<id>__rep<k>` rows), when any.
    pub repeats: Option<FeatureTable>,
}

impl Study {
    /// Reads `OUT/features.csv`, `OUT/clinical.csv` and `OUT/features_repeats.csv` (if present).
    pub fn load(layout: &Layout) -> anyhow::Result<Self> {
        let features_path = layout.features_csv();
        anyhow::ensure!(
            features_path.is_file(),
            "{} does not exist: run `radiomics extract --manifest FILE --out {}` first, or pass --table FILE",
            features_path.display(),
            layout.root.display()
        );
        let features = FeatureTable::read_csv(&features_path)?;
        let clinical = ClinicalTable::read_csv(&layout.clinical_csv())?;
        let index = features.row_index();
        let mut rows = Vec::new();
        let mut clinical_rows = Vec::new();
        for c in &clinical.rows {
            if let Some(&i) = index.get(c.id.as_str()) {
                rows.push(i);
                clinical_rows.push(c.clone());
            }
        }
        anyhow::ensure!(
            !rows.is_empty(),
            "no id of {} is in {}",
            layout.clinical_csv().display(),
            features_path.display()
        );
        let joined = FeatureTable {
            ids: rows.iter().map(|&i| features.ids[i].clone()).collect(),
            names: features.names.clone(),
            rows: rows.iter().map(|&i| features.rows[i].clone()).collect(),
        };
        let repeats_path = layout.repeats_csv();
        let repeats = if repeats_path.is_file() {
            let t = FeatureTable::read_csv(&repeats_path)?;
            (!t.ids.is_empty()).then_some(t)
        } else {
            None
        };
        Ok(Self {
            features: joined,
            clinical: ClinicalTable { columns: clinical.columns, rows: clinical_rows },
            repeats,
        })
    }

    /// Rows of `cohort` whose time and event are known.
    pub fn rows_with_outcome(&self, cohort: Cohort) -> Vec<usize> {
        self.clinical
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.cohort == cohort && r.time.is_some() && r.event.is_some())
            .map(|(i, _)| i)
            .collect()
    }

    /// Times and events (as 0/1) of `rows`.
    pub fn outcome(&self, rows: &[usize]) -> (Vec<f64>, Vec<f64>) {
        rows.iter()
            .map(|&i| {
                let r = &self.clinical.rows[i];
                (r.time.unwrap_or(f64::NAN), f64::from(u8::from(r.event.unwrap_or(false))))
            })
            .unzip()
    }
}
