//! Shared helpers of the conformance tests: locating the reference data, reading the CSV data
//! sets and the expected JSON written by the R scripts in shared/tools/survival-reference.
#![allow(dead_code)]

use radiomics_survival::{CompleteCases, Covariates, SurvivalData};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// `$RADIOMICS_REFERENCE_DATA/survival`, defaulting to the shared data next to the workspace.
/// Panics (so the test fails) when the folder is missing.
pub fn survival_dir() -> PathBuf {
    let root = std::env::var("RADIOMICS_REFERENCE_DATA")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").to_string());
    let dir = PathBuf::from(root).join("survival");
    assert!(dir.is_dir(), "reference data folder {} is missing; set RADIOMICS_REFERENCE_DATA", dir.display());
    dir
}

/// A data set as named numeric columns (empty cells and non-numeric labels are NaN).
pub struct Table {
    pub columns: HashMap<String, Vec<f64>>,
    pub header: Vec<String>,
}

impl Table {
    pub fn col(&self, name: &str) -> &[f64] {
        self.columns.get(name).unwrap_or_else(|| panic!("column {name} missing"))
    }
}

pub fn read_csv(rel: &str) -> Table {
    let path = survival_dir().join(rel);
    let mut rdr = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); header.len()];
    for rec in rdr.records() {
        let rec = rec.unwrap();
        for (j, v) in rec.iter().enumerate() {
            cols[j].push(v.trim().parse::<f64>().unwrap_or(f64::NAN));
        }
    }
    Table { columns: header.iter().cloned().zip(cols).collect(), header }
}

pub fn read_json(rel: &str) -> Value {
    let path = survival_dir().join("expected").join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Complete cases of `table` on `covs` (R's `complete.cases` on time, event and `covs`).
pub fn complete(table: &Table, covs: &[&str]) -> (CompleteCases, Vec<f64>) {
    let cols: Vec<Vec<f64>> = covs.iter().map(|c| table.col(c).to_vec()).collect();
    let cc = CompleteCases::filter(table.col("time"), table.col("event"), covs, &cols).unwrap();
    let ids = cc.kept_rows.iter().map(|&i| table.col("id")[i]).collect();
    (cc, ids)
}

pub fn data_and_x(table: &Table, covs: &[&str]) -> (SurvivalData, Covariates, Vec<f64>) {
    let (cc, ids) = complete(table, covs);
    (cc.data, cc.covariates, ids)
}

pub fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| if v.is_null() { f64::NAN } else { panic!("not a number: {v}") })
}

pub fn vec_f(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().map(f).collect(),
        other => vec![f(other)],
    }
}

/// Asserts `|a - b| <= rel * max(|b|, floor)`; NaN on both sides (R's NA) counts as equal.
#[track_caller]
pub fn close(a: f64, b: f64, rel: f64, floor: f64, what: &str) {
    if a.is_nan() && b.is_nan() {
        return;
    }
    let tol = rel * b.abs().max(floor);
    assert!(
        (a - b).abs() <= tol,
        "{what}: got {a:.17e}, expected {b:.17e} (diff {:.3e}, tol {tol:.1e})",
        (a - b).abs()
    );
}

#[track_caller]
pub fn close_vec(a: &[f64], b: &[f64], rel: f64, floor: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: length");
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        close(*x, *y, rel, floor, &format!("{what}[{k}]"));
    }
}
