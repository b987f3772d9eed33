//! Seeded synthetic survival data for the LASSO benchmarks (shared by the criterion bench and
//! the `lasso_timing` example through `#[path]`).

use radiomics_survival::{Covariates, SurvivalData};
use rand::{Rng, SeedableRng};

/// `n` subjects, `p` standard-normal features (Box-Muller on ChaCha8), exponential event times
/// with log hazard `0.8 x0 - 0.6 x1 + 0.5 x2 - 0.4 x3 + 0.3 x4`, and uniform censoring on
/// [0, 3] (about 60% events). Continuous times, so no ties.
pub fn synthetic(n: usize, p: usize, seed: u64) -> (SurvivalData, Covariates) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut normal = || {
        let u1: f64 = rng.random::<f64>().max(1e-300);
        let u2: f64 = rng.random::<f64>();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    let cols: Vec<Vec<f64>> = (0..p).map(|_| (0..n).map(|_| normal()).collect()).collect();
    let effect = [0.8, -0.6, 0.5, -0.4, 0.3];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut time = Vec::with_capacity(n);
    let mut event = Vec::with_capacity(n);
    for i in 0..n {
        let lp: f64 = effect.iter().zip(&cols).map(|(b, c)| b * c[i]).sum();
        let u: f64 = rng.random::<f64>().max(1e-300);
        let t = -u.ln() / lp.exp();
        let c = 3.0 * rng.random::<f64>();
        time.push(t.min(c));
        event.push(t <= c);
    }
    let names: Vec<String> = (0..p).map(|j| format!("x{j}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    (
        SurvivalData::from_bool(&time, &event).expect("valid synthetic times"),
        Covariates::from_columns(&refs, &cols).expect("finite synthetic features"),
    )
}

/// Fold ids `1..=10` assigned by row (`i % 10 + 1`), written next to the data so that R uses
/// the same folds.
pub fn fold_ids(n: usize) -> Vec<usize> {
    (0..n).map(|i| i % 10 + 1).collect()
}

/// Reads `breast_cancer.csv` (the 76 gene columns, prefixed `X`) from the reference data
/// folder, with its 10 fixed folds; `None` when the data are not there.
pub fn breast_cancer() -> Option<(SurvivalData, Covariates, Vec<usize>)> {
    let root = std::env::var("RADIOMICS_REFERENCE_DATA")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").to_string());
    let dir = std::path::Path::new(&root).join("survival");
    let text = std::fs::read_to_string(dir.join("breast_cancer.csv")).ok()?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    let genes: Vec<usize> = (0..header.len()).filter(|&j| header[j].starts_with('X')).collect();
    let (mut time, mut event, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    let mut cols = vec![Vec::new(); genes.len()];
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        ids.push(f[0].to_string());
        time.push(f[1].parse::<f64>().ok()?);
        event.push(f[2].parse::<f64>().ok()?);
        for (k, &j) in genes.iter().enumerate() {
            cols[k].push(f[j].parse::<f64>().ok()?);
        }
    }
    let folds_text = std::fs::read_to_string(dir.join("folds/breast_cancer_foldid10.csv")).ok()?;
    let mut fold_of = std::collections::HashMap::new();
    for line in folds_text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        fold_of.insert(f[0].to_string(), f[1].parse::<usize>().ok()?);
    }
    let folds = ids.iter().map(|id| fold_of.get(id).copied()).collect::<Option<Vec<_>>>()?;
    let names: Vec<&str> = genes.iter().map(|&j| header[j]).collect();
    Some((SurvivalData::new(&time, &event).ok()?, Covariates::from_columns(&names, &cols).ok()?, folds))
}
