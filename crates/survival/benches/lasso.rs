//! Criterion benchmarks of the LASSO Cox path and of the path plus 10-fold cross-validation
//! (deviance, per-fold lambdas as a plain `cv.glmnet` call) on seeded synthetic 112 x 150 and
//! 112 x 2000 matrices and on breast_cancer (198 x 76, skipped when the reference data are
//! missing). `benches/glmnet_compare.sh` at the workspace root times R glmnet on the same data.

#[path = "synthetic.rs"]
mod synthetic;

use criterion::{Criterion, criterion_group, criterion_main};
use radiomics_survival::{
    Covariates, CoxnetOptions, CvLambdaMode, CvOptions, Folds, SurvivalData, cv_coxnet, fit_coxnet,
};
use std::hint::black_box;

fn cases() -> Vec<(String, SurvivalData, Covariates, Vec<usize>)> {
    let mut out = Vec::new();
    for p in [150, 2000] {
        let (d, x) = synthetic::synthetic(112, p, 42);
        out.push((format!("synthetic_112x{p}"), d, x, synthetic::fold_ids(112)));
    }
    match synthetic::breast_cancer() {
        Some((d, x, f)) => out.push(("breast_cancer_198x76".into(), d, x, f)),
        None => eprintln!("breast_cancer.csv not found: set RADIOMICS_REFERENCE_DATA"),
    }
    out
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("coxnet");
    group.sample_size(10);
    for (name, d, x, folds) in cases() {
        // Defaults on both sides: thresh = 1e-7 with glmnet's meaning.
        let opts = CoxnetOptions::default();
        group.bench_function(format!("{name}/path"), |b| b.iter(|| black_box(fit_coxnet(&d, &x, &opts).unwrap())));
        let cv = CvOptions {
            folds: Folds::Ids(folds.clone()),
            lambda_mode: CvLambdaMode::PerFold,
            coxnet: opts.clone(),
            ..CvOptions::default()
        };
        group.bench_function(format!("{name}/path_cv10"), |b| b.iter(|| black_box(cv_coxnet(&d, &x, &cv).unwrap())));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
