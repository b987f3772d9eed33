//! Plain CSV tables between stages: the feature table (`id` then one column per feature, a
//! missing value is an empty cell) and the clinical table (`id,cohort,time,event` then the
//! clinical columns).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};

use super::layout::write_atomic;
use super::manifest::{Cohort, Manifest, parse_optional_number};

/// Patients x features, with `NaN` for a missing value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeatureTable {
    /// Patient ids (row labels).
    pub ids: Vec<String>,
    /// Feature names (column labels).
    pub names: Vec<String>,
    /// `rows[i][j]` = feature `j` of patient `i`; `NaN` = missing.
    pub rows: Vec<Vec<f64>>,
}

/// Formats a value for CSV: shortest round-trip decimal, empty for a missing value.
pub fn format_cell(v: f64) -> String {
    if v.is_nan() { String::new() } else { format!("{v}") }
}

impl FeatureTable {
    /// Writes the table as CSV (`id` first).
    pub fn write_csv(&self, path: &Path) -> anyhow::Result<()> {
        let mut out = String::with_capacity(16 * (self.names.len() + 1) * (self.rows.len() + 1));
        out.push_str("id");
        for n in &self.names {
            out.push(',');
            out.push_str(&csv_field(n));
        }
        out.push('\n');
        for (id, row) in self.ids.iter().zip(&self.rows) {
            out.push_str(&csv_field(id));
            for v in row {
                out.push(',');
                out.push_str(&format_cell(*v));
            }
            out.push('\n');
        }
        write_atomic(path, out.as_bytes())
    }

    /// Reads a table written by [`FeatureTable::write_csv`] (first column `id`; empty, `NA` and
    /// `NaN` cells are missing).
    pub fn read_csv(path: &Path) -> anyhow::Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let header = reader.headers().with_context(|| format!("{}: cannot read the header", path.display()))?.clone();
        if header.get(0) != Some("id") {
            bail!("{}: the first column must be `id`, found {:?}", path.display(), header.get(0).unwrap_or(""));
        }
        let names: Vec<String> = header.iter().skip(1).map(str::to_string).collect();
        let mut table = FeatureTable { ids: Vec::new(), names, rows: Vec::new() };
        for (i, record) in reader.records().enumerate() {
            let r = record.with_context(|| format!("{}, line {}: malformed row", path.display(), i + 2))?;
            if r.len() != table.names.len() + 1 {
                bail!(
                    "{}, line {}: {} cells, the header has {}",
                    path.display(),
                    i + 2,
                    r.len(),
                    table.names.len() + 1
                );
            }
            let mut row = Vec::with_capacity(table.names.len());
            for (j, cell) in r.iter().enumerate().skip(1) {
                let v = parse_optional_number(cell)
                    .with_context(|| format!("{}, line {}, column {}", path.display(), i + 2, table.names[j - 1]))?;
                row.push(v.unwrap_or(f64::NAN));
            }
            table.ids.push(r[0].to_string());
            table.rows.push(row);
        }
        Ok(table)
    }

    /// Stacks tables by row; the columns are the union in order of first appearance, and a
    /// column absent from a table is missing for its rows.
    pub fn merge(tables: &[FeatureTable]) -> FeatureTable {
        let mut names: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for t in tables {
            for n in &t.names {
                if !index.contains_key(n) {
                    index.insert(n.clone(), names.len());
                    names.push(n.clone());
                }
            }
        }
        let mut merged = FeatureTable { ids: Vec::new(), names, rows: Vec::new() };
        for t in tables {
            let columns: Vec<usize> = t.names.iter().map(|n| index[n]).collect();
            for (id, row) in t.ids.iter().zip(&t.rows) {
                let mut full = vec![f64::NAN; merged.names.len()];
                for (&j, &v) in columns.iter().zip(row) {
                    full[j] = v;
                }
                merged.ids.push(id.clone());
                merged.rows.push(full);
            }
        }
        merged
    }

    /// Row index of each id.
    pub fn row_index(&self) -> HashMap<&str, usize> {
        self.ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect()
    }

    /// The table restricted to the named columns, in that order; an unknown name is an error.
    pub fn select_columns(&self, names: &[String]) -> anyhow::Result<FeatureTable> {
        let index: HashMap<&str, usize> = self.names.iter().enumerate().map(|(j, n)| (n.as_str(), j)).collect();
        let cols: Vec<usize> = names
            .iter()
            .map(|n| {
                index.get(n.as_str()).copied().with_context(|| format!("feature {n:?} is not in the feature table"))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(FeatureTable {
            ids: self.ids.clone(),
            names: names.to_vec(),
            rows: self.rows.iter().map(|r| cols.iter().map(|&j| r[j]).collect()).collect(),
        })
    }
}

/// Quotes a CSV field when it needs it.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

/// One patient's outcome and clinical values.
#[derive(Debug, Clone, PartialEq)]
pub struct ClinicalRow {
    /// Patient id.
    pub id: String,
    /// Discovery or validation.
    pub cohort: Cohort,
    /// Follow-up time; `None` when unknown.
    pub time: Option<f64>,
    /// Event indicator; `None` when unknown.
    pub event: Option<bool>,
    /// Clinical values as written, in [`ClinicalTable::columns`] order.
    pub values: Vec<String>,
}

/// `OUT/clinical.csv`: the outcome and clinical columns the model stages join to the features.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClinicalTable {
    /// Clinical column names.
    pub columns: Vec<String>,
    /// One row per patient.
    pub rows: Vec<ClinicalRow>,
}

impl ClinicalTable {
    /// The clinical table of a manifest.
    pub fn from_manifest(manifest: &Manifest) -> Self {
        Self {
            columns: manifest.clinical_columns.clone(),
            rows: manifest
                .patients
                .iter()
                .map(|p| ClinicalRow {
                    id: p.id.clone(),
                    cohort: p.cohort,
                    time: p.time,
                    event: p.event,
                    values: p.clinical.iter().map(|(_, v)| v.clone()).collect(),
                })
                .collect(),
        }
    }

    /// Writes `id,cohort,time,event,<columns>`.
    pub fn write_csv(&self, path: &Path) -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["id".to_string(), "cohort".into(), "time".into(), "event".into()];
        header.extend(self.columns.iter().cloned());
        w.write_record(&header)?;
        for r in &self.rows {
            let mut rec = vec![
                r.id.clone(),
                r.cohort.as_str().to_string(),
                r.time.map(format_cell).unwrap_or_default(),
                r.event.map(|e| u8::from(e).to_string()).unwrap_or_default(),
            ];
            rec.extend(r.values.iter().cloned());
            w.write_record(&rec)?;
        }
        write_atomic(path, &w.into_inner().context("cannot format the clinical table")?)
    }

    /// Reads a table written by [`ClinicalTable::write_csv`].
    pub fn read_csv(path: &Path) -> anyhow::Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
        if header.len() < 4 || header[..4] != ["id", "cohort", "time", "event"] {
            bail!("{}: the header must start with id,cohort,time,event", path.display());
        }
        let mut table = ClinicalTable { columns: header[4..].to_vec(), rows: Vec::new() };
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let r = record.with_context(|| format!("{}, line {line}: malformed row", path.display()))?;
            let cohort = Cohort::parse(&r[1]).with_context(|| {
                format!("{}, line {line}: cohort {:?} is not discovery/validation", path.display(), &r[1])
            })?;
            let time =
                parse_optional_number(&r[2]).with_context(|| format!("{}, line {line}: time", path.display()))?;
            let event = parse_optional_number(&r[3])
                .with_context(|| format!("{}, line {line}: event", path.display()))?
                .map(|e| e != 0.0);
            table.rows.push(ClinicalRow {
                id: r[0].to_string(),
                cohort,
                time,
                event,
                values: r.iter().skip(4).map(str::to_string).collect(),
            });
        }
        Ok(table)
    }

    /// The numeric values of clinical column `name` per row (`None` when missing).
    pub fn numeric_column(&self, name: &str) -> anyhow::Result<Vec<Option<f64>>> {
        let j = self.columns.iter().position(|c| c == name).with_context(|| {
            format!("there is no clinical column {name:?} (available: {})", self.columns.join(", "))
        })?;
        self.rows
            .iter()
            .map(|r| {
                parse_optional_number(&r.values[j]).with_context(|| {
                    format!("patient {}: clinical column {name} = {:?} is not a number", r.id, r.values[j])
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_table_round_trips_missing_values() {
        let t = FeatureTable {
            ids: vec!["A".into(), "B".into()],
            names: vec!["T1_WT_x".into(), "odd,name".into()],
            rows: vec![vec![1.5, f64::NAN], vec![-2e-300, 3.0]],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        t.write_csv(&path).unwrap();
        let back = FeatureTable::read_csv(&path).unwrap();
        assert_eq!(back.names, t.names);
        assert_eq!(back.rows[1], t.rows[1]);
        assert!(back.rows[0][1].is_nan());
    }

    #[test]
    fn merge_takes_the_union_of_columns() {
        let a = FeatureTable { ids: vec!["A".into()], names: vec!["x".into(), "y".into()], rows: vec![vec![1.0, 2.0]] };
        let b = FeatureTable { ids: vec!["B".into()], names: vec!["y".into(), "z".into()], rows: vec![vec![3.0, 4.0]] };
        let m = FeatureTable::merge(&[a, b]);
        assert_eq!(m.names, vec!["x", "y", "z"]);
        assert!(m.rows[0][2].is_nan() && m.rows[1][0].is_nan());
        assert_eq!(m.rows[1][1], 3.0);
        assert!(m.select_columns(&["w".into()]).is_err());
    }
}
