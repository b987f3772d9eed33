//! Times the LASSO Cox path and path + 10-fold CV on the benchmark data sets and writes the
//! synthetic data as CSV so that R glmnet can be timed on identical input
//! (`benches/glmnet_compare.sh` at the workspace root runs both).
//!
//! Usage: `lasso_timing OUT_DIR [REPS]`. Prints `dataset,task,threshold,median_seconds` at the
//! default `thresh = 1e-7` (glmnet's default, same meaning); set `LASSO_TIMING_TIGHT=1` to
//! time `thresh = 1e-10` as well.

#[path = "../benches/synthetic.rs"]
mod synthetic;

use radiomics_survival::{
    Covariates, CoxnetOptions, CvLambdaMode, CvOptions, Folds, SurvivalData, cv_coxnet, fit_coxnet,
};
use std::io::Write;
use std::time::Instant;

fn write_csv(path: &std::path::Path, d: &SurvivalData, x: &Covariates, folds: &[usize]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create CSV"));
    write!(f, "id,time,event,foldid").unwrap();
    for name in x.names() {
        write!(f, ",{name}").unwrap();
    }
    writeln!(f).unwrap();
    for (i, fold) in folds.iter().enumerate() {
        write!(f, "{},{:.17e},{},{fold}", i + 1, d.time()[i], u8::from(d.event()[i])).unwrap();
        for j in 0..x.n_cols() {
            write!(f, ",{:.17e}", x.get(i, j)).unwrap();
        }
        writeln!(f).unwrap();
    }
}

fn median_seconds(reps: usize, mut run: impl FnMut()) -> f64 {
    run(); // warm-up
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            run();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = std::path::PathBuf::from(args.get(1).map_or("/tmp/lasso_timing", String::as_str));
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    std::fs::create_dir_all(&out).expect("create output folder");
    let mut cases: Vec<(String, SurvivalData, Covariates, Vec<usize>)> = Vec::new();
    for p in [150, 2000] {
        let (d, x) = synthetic::synthetic(112, p, 42);
        let folds = synthetic::fold_ids(112);
        let name = format!("synthetic_112x{p}");
        write_csv(&out.join(format!("{name}.csv")), &d, &x, &folds);
        cases.push((name, d, x, folds));
    }
    if let Some((d, x, folds)) = synthetic::breast_cancer() {
        write_csv(&out.join("breast_cancer_198x76.csv"), &d, &x, &folds);
        cases.push(("breast_cancer_198x76".into(), d, x, folds));
    }
    println!("dataset,task,threshold,median_seconds");
    for (name, d, x, folds) in &cases {
        // The default thresh (1e-7, glmnet's) and, with LASSO_TIMING_TIGHT=1, also 1e-10.
        let tight = std::env::var("LASSO_TIMING_TIGHT").is_ok_and(|v| v == "1");
        let thresholds: &[f64] = if tight { &[1e-7, 1e-10] } else { &[1e-7] };
        for &thresh in thresholds {
            let opts = CoxnetOptions { thresh, ..CoxnetOptions::default() };
            let t = median_seconds(reps, || {
                fit_coxnet(d, x, &opts).expect("path");
            });
            println!("{name},path,{thresh:e},{t:.6}");
            let cv = CvOptions {
                folds: Folds::Ids(folds.clone()),
                lambda_mode: CvLambdaMode::PerFold,
                coxnet: opts.clone(),
                ..CvOptions::default()
            };
            let t = median_seconds(reps, || {
                cv_coxnet(d, x, &cv).expect("cv");
            });
            println!("{name},path_cv10,{thresh:e},{t:.6}");
        }
    }
}
