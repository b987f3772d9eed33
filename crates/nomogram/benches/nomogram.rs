//! Nomogram, calibration and plot timings on the NCCTG lung data (227 patients, age + sex +
//! ph.ecog), the same work as `rms::nomogram` and `rms::calibrate(B = 200, m = 40, u = 365)`.
//!
//! Run: `cargo bench -p radiomics-nomogram --bench nomogram`. Needs
//! `$RADIOMICS_REFERENCE_DATA/survival/lung.csv` (default `../shared/data`).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use radiomics_nomogram::plot::{KaplanMeierPlot, StepCurve, render_png, render_svg};
use radiomics_nomogram::{
    BaselineMethod, BaselineSurvival, CalibrationModel, CalibrationOptions, CoxData, CoxFitOptions, CoxNomogramModel,
    Nomogram, NomogramCovariate, NomogramOptions, calibrate_cox, fit_cox_efron,
};

struct Lung {
    time: Vec<f64>,
    event: Vec<bool>,
    x: Vec<f64>,
}

fn lung() -> Lung {
    let root = std::env::var_os("RADIOMICS_REFERENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")));
    let mut reader = csv::Reader::from_path(root.join("survival/lung.csv")).expect("lung.csv readable");
    let headers = reader.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let (ct, ce, cols) = (col("time"), col("event"), [col("age"), col("sex"), col("ph.ecog")]);
    let mut lung = Lung { time: vec![], event: vec![], x: vec![] };
    for rec in reader.records() {
        let rec = rec.unwrap();
        if cols.iter().any(|&c| rec[c].is_empty()) {
            continue;
        }
        lung.time.push(rec[ct].parse().unwrap());
        lung.event.push(&rec[ce] == "1");
        lung.x.extend(cols.iter().map(|&c| rec[c].parse::<f64>().unwrap()));
    }
    lung
}

fn bench(c: &mut Criterion) {
    let lung = lung();
    let n = lung.time.len();
    let data = CoxData { time: &lung.time, event: &lung.event, x: &lung.x, n_covariates: 3 };
    let rows: Vec<usize> = (0..n).collect();
    let fit = fit_cox_efron(&data, &rows, CoxFitOptions { eps: 1e-10, max_iter: 100 }).unwrap();
    let lp: Vec<f64> =
        (0..n).map(|i| (0..3).map(|k| fit.coefficients[k] * lung.x[3 * i + k]).sum::<f64>() - fit.center).collect();
    let baseline = BaselineSurvival::from_cox(&lung.time, &lung.event, &lp, BaselineMethod::Efron).unwrap();
    let names = ["age", "sex", "ph.ecog"];
    let model = CoxNomogramModel {
        covariates: (0..3)
            .map(|k| {
                let column: Vec<f64> = (0..n).map(|i| lung.x[3 * i + k]).collect();
                NomogramCovariate::from_data(names[k], names[k], fit.coefficients[k], &column, 10).unwrap()
            })
            .collect(),
        center: fit.center,
        baseline: baseline.clone(),
        linear_predictor_range: lp.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v))),
    };
    let options = NomogramOptions {
        times: vec![180.0, 365.0, 730.0],
        time_labels: vec!["a".into(), "b".into(), "c".into()],
        ..Default::default()
    };
    c.bench_function("nomogram_lung", |b| b.iter(|| Nomogram::build(black_box(&model), &options).unwrap()));

    let cal_model = CalibrationModel { coefficients: &fit.coefficients, center: fit.center, baseline: &baseline };
    let cal_options = CalibrationOptions { time: 365.0, patients_per_group: 40, bootstrap: 200, ..Default::default() };
    let mut group = c.benchmark_group("calibrate");
    group.sample_size(10);
    group.bench_function("calibrate_lung_B200", |b| {
        b.iter(|| calibrate_cox(&data, black_box(&cal_model), &cal_options).unwrap())
    });
    group.finish();

    let plot = KaplanMeierPlot {
        title: "Overall survival".into(),
        x_label: "Time (days)".into(),
        y_label: "Survival probability".into(),
        curves: vec![StepCurve::kaplan_meier("All", &lung.time, &lung.event, 0.95).unwrap()],
        at_risk: None,
        p_value_text: None,
        x_max: None,
        x_ticks: None,
    };
    c.bench_function("km_plot_svg", |b| b.iter(|| render_svg(black_box(&plot), 800, 600).unwrap()));
    c.bench_function("km_plot_png", |b| b.iter(|| render_png(black_box(&plot), 800, 600).unwrap()));
}

// Criterion's own HTML plots go through plotters, which this workspace builds with the
// ab_glyph font backend, so they would need a registered font; the timings need no plots.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
