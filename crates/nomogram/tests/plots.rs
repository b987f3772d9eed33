//! Plot, report and bad-input tests on data generated here.

use radiomics_nomogram::plot::{
    AtRiskTable, CalibrationPlot, CutpointPlot, HeatmapCohort, KaplanMeierPlot, LassoCvPlot, LassoPathPlot,
    NomogramPlot, Plot, StepCurve, ZScoreHeatmap, ZScoreReference, render_png, render_svg, save,
};
use radiomics_nomogram::{
    BaselineMethod, BaselineSurvival, CalibrationModel, CalibrationOptions, CoxData, CoxFitOptions, CoxNomogramModel,
    ModelReport, Nomogram, NomogramCovariate, NomogramError, NomogramOptions, calibrate_cox, fit_cox_efron,
    risk_group_summary,
};

/// Deterministic pseudo-random numbers in (0, 1) (a 64-bit LCG), so that fixtures are stable.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

/// A cohort of `n` patients with two covariates (age-like and a 0/1 flag), exponential event
/// times with hazard exp(0.03 (age - 60) + 0.7 flag) / 400 and uniform censoring.
struct Synthetic {
    time: Vec<f64>,
    event: Vec<bool>,
    x: Vec<f64>,
}

fn synthetic(n: usize, seed: u64) -> Synthetic {
    let mut rng = Lcg(seed);
    let mut s = Synthetic { time: vec![], event: vec![], x: vec![] };
    for _ in 0..n {
        let age = (40.0 + 40.0 * rng.next()).round();
        let flag = if rng.next() < 0.4 { 1.0 } else { 0.0 };
        let hazard = (0.03 * (age - 60.0) + 0.7 * flag).exp() / 400.0;
        let t_event = (-rng.next().ln() / hazard).ceil();
        let t_censor = (200.0 + 1200.0 * rng.next()).ceil();
        s.time.push(t_event.min(t_censor));
        s.event.push(t_event <= t_censor);
        s.x.extend([age, flag]);
    }
    s
}

fn count(svg: &str, pattern: &str) -> usize {
    svg.matches(pattern).count()
}

/// Series lines are the 2-px polylines (see the plot module documentation).
fn series_lines(svg: &str) -> usize {
    svg.split("<polyline")
        .skip(1)
        .filter(|el| el.split("/>").next().unwrap_or("").contains("stroke-width=\"2\""))
        .count()
}

#[track_caller]
fn assert_valid_svg(svg: &str, width: u32, height: u32) {
    assert!(svg.contains("<svg"), "no <svg> element");
    assert!(svg.trim_end().ends_with("</svg>"), "SVG not closed");
    assert!(svg.contains(&format!("width=\"{width}\"")), "width {width} missing");
    assert!(svg.contains(&format!("height=\"{height}\"")), "height {height} missing");
    assert!(svg.contains("<text"), "no text in SVG");
}

#[track_caller]
fn assert_valid_png(png: &[u8], width: u32, height: u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    let img = image::load_from_memory(png).expect("PNG decodes").to_rgb8();
    assert_eq!(img.dimensions(), (width, height));
    // Text and lines must have been drawn: some pixels are dark.
    let dark = img.pixels().filter(|p| p.0.iter().all(|&c| c < 80)).count();
    assert!(dark > 200, "only {dark} dark pixels");
}

fn km_plot(groups: usize) -> KaplanMeierPlot {
    let data = synthetic(160, 7);
    let mut curves = Vec::new();
    let mut group_times: Vec<Vec<f64>> = Vec::new();
    for g in 0..groups {
        let rows: Vec<usize> = (0..160).filter(|i| groups == 1 || (data.x[2 * i + 1] as usize) == g).collect();
        let t: Vec<f64> = rows.iter().map(|&i| data.time[i]).collect();
        let e: Vec<bool> = rows.iter().map(|&i| data.event[i]).collect();
        curves.push(StepCurve::kaplan_meier(&format!("Group {g} (n = {})", rows.len()), &t, &e, 0.95).unwrap());
        group_times.push(t);
    }
    let refs: Vec<&[f64]> = group_times.iter().map(|v| v.as_slice()).collect();
    let ticks = vec![0.0, 250.0, 500.0, 750.0, 1000.0, 1250.0];
    KaplanMeierPlot {
        title: "Overall survival".into(),
        x_label: "Time (days)".into(),
        y_label: "Survival probability".into(),
        curves,
        at_risk: Some(AtRiskTable::from_groups(&ticks, &refs)),
        p_value_text: if groups > 1 { Some("Log-rank p = 0.012".into()) } else { None },
        x_max: Some(1300.0),
        x_ticks: Some(ticks),
    }
}

fn fitted_nomogram() -> (Synthetic, Nomogram, BaselineSurvival, Vec<f64>, f64) {
    let data = synthetic(200, 11);
    let cox = CoxData { time: &data.time, event: &data.event, x: &data.x, n_covariates: 2 };
    let rows: Vec<usize> = (0..200).collect();
    let fit = fit_cox_efron(&cox, &rows, CoxFitOptions { eps: 1e-10, max_iter: 50 }).unwrap();
    let lp: Vec<f64> = rows
        .iter()
        .map(|&i| fit.coefficients[0] * data.x[2 * i] + fit.coefficients[1] * data.x[2 * i + 1] - fit.center)
        .collect();
    let baseline = BaselineSurvival::from_cox(&data.time, &data.event, &lp, BaselineMethod::Efron).unwrap();
    let ages: Vec<f64> = rows.iter().map(|&i| data.x[2 * i]).collect();
    let flags: Vec<f64> = rows.iter().map(|&i| data.x[2 * i + 1]).collect();
    let mut flag = NomogramCovariate::from_data("flag", "Flag", fit.coefficients[1], &flags, 10).unwrap();
    flag.value_labels = Some(vec!["no".into(), "yes".into()]);
    let model = CoxNomogramModel {
        covariates: vec![
            NomogramCovariate::from_data("age", "Age (years)", fit.coefficients[0], &ages, 10).unwrap(),
            flag,
        ],
        center: fit.center,
        baseline: baseline.clone(),
        linear_predictor_range: lp.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v))),
    };
    let options = NomogramOptions {
        times: vec![365.0, 730.0],
        time_labels: vec!["1-year survival".into(), "2-year survival".into()],
        ..Default::default()
    };
    let nom = Nomogram::build(&model, &options).unwrap();
    (data, nom, baseline, fit.coefficients, fit.center)
}

#[test]
fn km_plot_svg_and_png() {
    for groups in [1, 2] {
        let plot = km_plot(groups);
        let svg = render_svg(&plot, 800, 600).unwrap();
        assert_valid_svg(&svg, 800, 600);
        assert_eq!(series_lines(&svg), groups, "one series line per curve");
        assert_eq!(count(&svg, "<polygon"), groups, "one confidence band per curve");
        assert!(svg.contains("Number at risk"));
        assert!(svg.contains("Time (days)"));
        assert_eq!(svg.contains("Log-rank p"), groups > 1);
        assert_valid_png(&render_png(&plot, 800, 600).unwrap(), 800, 600);
    }
}

#[test]
fn km_plot_golden_svg() {
    // A small fixed plot whose SVG text must not change unless the drawing code changes.
    // Regenerate with UPDATE_GOLDEN=1 after an intended change, and look at the result.
    let plot = KaplanMeierPlot {
        title: "Golden".into(),
        x_label: "Time (months)".into(),
        y_label: "Survival probability".into(),
        curves: vec![
            StepCurve::kaplan_meier(
                "A",
                &[2.0, 3.0, 3.0, 5.0, 8.0, 9.0],
                &[true, true, false, true, false, true],
                0.95,
            )
            .unwrap(),
            StepCurve::kaplan_meier("B", &[1.0, 4.0, 6.0, 7.0, 10.0], &[true, false, true, true, false], 0.95).unwrap(),
        ],
        at_risk: Some(AtRiskTable::from_groups(
            &[0.0, 5.0, 10.0],
            &[&[2.0, 3.0, 3.0, 5.0, 8.0, 9.0], &[1.0, 4.0, 6.0, 7.0, 10.0]],
        )),
        p_value_text: Some("Log-rank p = 0.51".into()),
        x_max: Some(10.0),
        x_ticks: Some(vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),
    };
    let svg = render_svg(&plot, 400, 320).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/km_small.svg");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, &svg).unwrap();
    }
    let golden = std::fs::read_to_string(path).expect("golden file present (UPDATE_GOLDEN=1 creates it)");
    assert_eq!(svg, golden, "KM SVG differs from tests/golden/km_small.svg");
}

#[test]
fn nomogram_plot_has_one_axis_per_row() {
    let (_, nom, ..) = fitted_nomogram();
    let plot = NomogramPlot { nomogram: &nom, title: "Nomogram".into(), show_linear_predictor: true };
    let svg = render_svg(&plot, 1000, 640).unwrap();
    assert_valid_svg(&svg, 1000, 640);
    // Points, 2 covariates, total points, linear predictor, 2 survival axes.
    assert_eq!(series_lines(&svg), 7);
    for label in
        ["Points", "Age (years)", "Flag", "Total points", "Linear predictor", "1-year survival", "2-year survival"]
    {
        assert!(svg.contains(label), "{label} missing");
    }
    assert_valid_png(&render_png(&plot, 1000, 640).unwrap(), 1000, 640);
}

#[test]
fn calibration_plot_and_errors() {
    let (data, _, baseline, coef, center) = fitted_nomogram();
    let cox = CoxData { time: &data.time, event: &data.event, x: &data.x, n_covariates: 2 };
    let model = CalibrationModel { coefficients: &coef, center, baseline: &baseline };
    let options = CalibrationOptions { time: 365.0, patients_per_group: 50, bootstrap: 20, ..Default::default() };
    let cal = calibrate_cox(&cox, &model, &options).unwrap();
    assert_eq!(cal.groups.len(), 4);
    assert_eq!(cal.groups.iter().map(|g| g.n).sum::<usize>(), 200);
    for g in &cal.groups {
        let (lo, hi) = g.observed_ci.unwrap();
        assert!(lo <= g.observed.unwrap() && g.observed.unwrap() <= hi);
    }
    let plot = CalibrationPlot { calibration: &cal, title: String::new(), time_label: "1-year".into() };
    let svg = render_svg(&plot, 640, 600).unwrap();
    assert_valid_svg(&svg, 640, 600);
    assert_eq!(series_lines(&svg), 2, "apparent and bias-corrected lines");
    assert!(svg.contains("Ideal"));
    assert_valid_png(&render_png(&plot, 640, 600).unwrap(), 640, 600);

    // A time beyond the last follow-up is rejected with the largest usable time.
    let late = CalibrationOptions { time: 10_000.0, ..options.clone() };
    let err = calibrate_cox(&cox, &model, &late).unwrap_err();
    assert!(matches!(err, NomogramError::TimeBeyondFollowUp { .. }), "{err}");
    assert!(err.to_string().contains("10000"));
}

#[test]
fn heatmap_draws_every_cell() {
    let mut rng = Lcg(3);
    let features = ["glcm_contrast", "firstorder_mean", "shape_volume"];
    let cohort = |name: &str, n: usize, rng: &mut Lcg| HeatmapCohort {
        name: name.into(),
        scores: (0..n).map(|_| rng.next()).collect(),
        values: (0..n).map(|_| (0..3).map(|f| rng.next() * (f + 1) as f64).collect()).collect(),
    };
    let plot = ZScoreHeatmap {
        title: "Signature features".into(),
        feature_names: features.iter().map(|s| s.to_string()).collect(),
        cohorts: vec![cohort("Training", 40, &mut rng), cohort("Validation", 25, &mut rng)],
        reference: ZScoreReference::FirstCohort,
        clip: 3.0,
        score_label: "Score".into(),
    };
    let z = plot.z_scores().unwrap();
    let mean0: f64 = z[0].iter().map(|r| r[0]).sum::<f64>() / 40.0;
    assert!(mean0.abs() < 1e-12, "training z-scores are centred");
    let svg = render_svg(&plot, 900, 500).unwrap();
    assert_valid_svg(&svg, 900, 500);
    // 65 patients x 3 features + 65 score cells + 60 colour-bar steps + legend-free background.
    assert!(count(&svg, "<rect") >= 65 * 3 + 65 + 60);
    assert!(svg.contains("Validation (n = 25)"));
    assert_valid_png(&render_png(&plot, 900, 500).unwrap(), 900, 500);

    let mut bad = plot.clone();
    bad.cohorts[1].values[0].pop();
    assert!(matches!(render_svg(&bad, 900, 500), Err(NomogramError::LengthMismatch { .. })));
}

#[test]
fn lasso_and_cutpoint_plots() {
    let lambdas: Vec<f64> = (0..30).map(|k| 0.5 * 0.85f64.powi(k)).collect();
    let coefficients: Vec<Vec<f64>> = (0..4)
        .map(|f| {
            lambdas
                .iter()
                .map(|l| ((0.3 - l) * (f as f64 + 1.0) * if f % 2 == 0 { 1.0 } else { -0.5 }).max(0.0))
                .collect()
        })
        .collect();
    let path = LassoPathPlot {
        title: "LASSO path".into(),
        lambdas: lambdas.clone(),
        feature_names: (0..4).map(|f| format!("feature_{f}")).collect(),
        coefficients,
        lambda_min: Some(lambdas[20]),
        lambda_1se: Some(lambdas[12]),
        max_legend: 8,
    };
    let svg = render_svg(&path, 800, 600).unwrap();
    assert_valid_svg(&svg, 800, 600);
    assert_eq!(series_lines(&svg), 4);
    assert!(svg.contains("lambda.min") && svg.contains("lambda.1se") && svg.contains("log(lambda)"));
    assert_valid_png(&render_png(&path, 800, 600).unwrap(), 800, 600);

    let cv = LassoCvPlot {
        title: String::new(),
        lambdas: lambdas.clone(),
        mean: lambdas.iter().map(|l| 10.0 + (l.ln() + 2.5).powi(2)).collect(),
        std_err: vec![0.4; 30],
        nonzero: Some((0..30).map(|k| k / 6).collect()),
        lambda_min: lambdas[20],
        lambda_1se: lambdas[12],
        y_label: "Partial likelihood deviance".into(),
    };
    let svg = render_svg(&cv, 800, 600).unwrap();
    assert_valid_svg(&svg, 800, 600);
    assert_eq!(series_lines(&svg), 1);
    assert_valid_png(&render_png(&cv, 800, 600).unwrap(), 800, 600);

    let cuts: Vec<f64> = (0..40).map(|k| -1.0 + 0.05 * k as f64).collect();
    let cut = CutpointPlot {
        title: String::new(),
        x_label: "Score cut-off".into(),
        y_label: "Standardised log-rank statistic".into(),
        statistics: cuts.iter().map(|c| 3.0 - (c - 0.2).powi(2) * 4.0).collect(),
        cuts,
        chosen: 0.2,
        critical_value: Some(2.8),
    };
    let svg = render_svg(&cut, 800, 600).unwrap();
    assert_valid_svg(&svg, 800, 600);
    assert_eq!(series_lines(&svg), 1);
    assert!(svg.contains("chosen cut = 0.2"));
    assert_valid_png(&render_png(&cut, 800, 600).unwrap(), 800, 600);
    let mut outside = cut.clone();
    outside.chosen = 5.0;
    assert!(matches!(render_svg(&outside, 800, 600), Err(NomogramError::InvalidValue { .. })));
}

#[test]
fn plot_sizes_and_paths_are_checked() {
    let plot = km_plot(1);
    assert!(matches!(render_svg(&plot, 10, 10), Err(NomogramError::InvalidParameter { .. })));
    let dir = tempfile::tempdir().unwrap();
    assert!(save(&plot, &dir.path().join("km.gif"), 800, 600).is_err());
    save(&plot, &dir.path().join("km.png"), 800, 600).unwrap();
    save(&plot, &dir.path().join("km.svg"), 800, 600).unwrap();
    assert!(dir.path().join("km.png").metadata().unwrap().len() > 1000);
    let empty = KaplanMeierPlot { curves: vec![], ..plot };
    assert!(matches!(render_svg(&empty, 800, 600), Err(NomogramError::Empty { .. })));
    assert_eq!(empty.name(), "Kaplan-Meier plot");
}

#[test]
fn risk_groups_reject_bad_cutoffs() {
    let data = synthetic(120, 5);
    let score: Vec<f64> = (0..120).map(|i| 0.03 * data.x[2 * i] + 0.7 * data.x[2 * i + 1]).collect();
    let summary = risk_group_summary(&data.time, &data.event, &score, 2.0, 0.0, ["Low", "High"]).unwrap();
    assert_eq!(summary.groups.iter().map(|g| g.n).sum::<usize>(), 120);
    assert!(summary.groups[1].hazard_ratio.unwrap().0 > 1.0, "high scores carry higher risk");
    assert!(summary.p_value > 0.0 && summary.p_value < 1.0);

    // Every score on one side of the cut-off.
    let err = risk_group_summary(&data.time, &data.event, &score, 100.0, 0.0, ["Low", "High"]).unwrap_err();
    assert!(matches!(err, NomogramError::SingleGroup { .. }), "{err}");
    assert!(err.to_string().contains("strictly inside"));

    // A group without events.
    let mut events = data.event.clone();
    for (e, s) in events.iter_mut().zip(&score) {
        if *s > 2.0 {
            *e = false;
        }
    }
    let err = risk_group_summary(&data.time, &events, &score, 2.0, 0.0, ["Low", "High"]).unwrap_err();
    assert!(matches!(err, NomogramError::NoEvents { ref group, .. } if group == "High"), "{err}");
}

#[test]
fn report_from_small_fitted_model() {
    use radiomics_nomogram::{Characteristic, CohortData, cohort_table};
    let (data, nom, baseline, coef, center) = fitted_nomogram();
    let cox = CoxData { time: &data.time, event: &data.event, x: &data.x, n_covariates: 2 };
    let cal = calibrate_cox(
        &cox,
        &CalibrationModel { coefficients: &coef, center, baseline: &baseline },
        &CalibrationOptions { time: 365.0, patients_per_group: 50, bootstrap: 10, ..Default::default() },
    )
    .unwrap();
    let score: Vec<f64> = (0..200).map(|i| coef[0] * data.x[2 * i] + coef[1] * data.x[2 * i + 1]).collect();
    let mut sorted = score.clone();
    sorted.sort_by(f64::total_cmp);
    let cutoff = sorted[100];
    let groups = risk_group_summary(&data.time, &data.event, &score, cutoff, 0.0, ["Low risk", "High risk"]).unwrap();
    let cohort = CohortData {
        name: "Training".into(),
        time: data.time.clone(),
        event: data.event.clone(),
        characteristics: vec![
            ("Age (years)".into(), Characteristic::Continuous((0..200).map(|i| data.x[2 * i]).collect())),
            (
                "Flag".into(),
                Characteristic::Categorical(
                    (0..200).map(|i| if data.x[2 * i + 1] > 0.0 { "yes".into() } else { "no".into() }).collect(),
                ),
            ),
        ],
    };
    let report = ModelReport {
        title: "Synthetic model".into(),
        description: "Cox model of age and flag on 200 generated patients.".into(),
        cohort_table: Some(cohort_table(&[cohort]).unwrap()),
        coefficients: vec![("age".into(), coef[0]), ("flag".into(), coef[1])],
        c_index: None,
        risk_groups: vec![("Training".into(), groups)],
        km_plots: vec![("Training cohort by risk group".into(), km_plot(2))],
        univariate: None,
        nomogram: Some(&nom),
        calibration: Some((&cal, "1-year".into())),
    };
    let html = report.to_html().unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert_eq!(count(&html, "<svg"), 3, "KM, nomogram and calibration figures inline");
    assert!(!html.contains("<?xml"), "inline SVG carries no XML declaration");
    assert!(html.contains("Table 1. Cohort characteristics"));
    assert!(html.contains("Median follow-up"));
    assert!(html.contains("High risk"));
    let (md, files) = report.to_markdown().unwrap();
    assert!(md.starts_with("# Synthetic model"));
    assert_eq!(files.len(), 3);
    for (name, svg) in &files {
        assert!(md.contains(&format!("]({name})")), "{name} not linked");
        assert!(svg.contains("<svg"));
    }
    assert!(md.contains("| Characteristic | Training |"));
    let dir = tempfile::tempdir().unwrap();
    report.write(dir.path(), "model").unwrap();
    assert!(dir.path().join("model.html").exists() && dir.path().join("nomogram.svg").exists());
}
