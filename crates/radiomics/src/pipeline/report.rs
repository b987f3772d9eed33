//! The `report` stage: `OUT/report/report.html` (self-contained, SVG inline) and `report.md`
//! with its SVG figures, plus PNG copies of the main plots, all from `radiomics-nomogram`:
//! cohort table, signature coefficients, C-index per cohort, risk groups at the cut point with
//! Kaplan-Meier curves per cohort, the univariate Cox table, the nomogram and calibration of
//! the combined model (score + clinical covariates, fitted on discovery), the LASSO path and
//! cross-validation curve, and the cut-point plot.

use anyhow::Context;
use radiomics_nomogram::adapters::{
    at_risk_from_km, calibrate_survival_fit, cutpoint_plot_maxstat, nomogram_model_from_cox, step_curve_from_km,
};
use radiomics_nomogram::plot::{
    CalibrationPlot, KaplanMeierPlot, LassoCvPlot, LassoPathPlot, NomogramPlot, Plot, format_p_value, render_png,
    render_svg,
};
use radiomics_nomogram::{
    CalibrationOptions, Characteristic, CohortData, ModelReport, Nomogram, NomogramOptions, c_index_table,
    cohort_table, risk_group_summary, univariate_table,
};
use radiomics_survival::{
    ConfType, Covariates, CoxOptions, KaplanMeier, MaxstatOptions, SurvivalData, fit_cox, maxstat_logrank,
};

use super::config::Config;
use super::fit::Signature;
use super::layout::{Layout, write_atomic};
use super::manifest::Cohort;
use super::provenance::{Meta, read_json, write_json_with_meta};
use super::study::Study;

/// Writes a plot as `<stem>.svg` and `<stem>.png` in the report folder.
fn save_plot<P: Plot>(layout: &Layout, stem: &str, plot: &P, size: (u32, u32)) -> anyhow::Result<()> {
    let dir = layout.report_dir();
    let svg = render_svg(plot, size.0, size.1).with_context(|| format!("cannot draw {stem}"))?;
    write_atomic(&dir.join(format!("{stem}.svg")), svg.as_bytes())?;
    let png = render_png(plot, size.0, size.1).with_context(|| format!("cannot draw {stem}"))?;
    write_atomic(&dir.join(format!("{stem}.png")), &png)?;
    Ok(())
}

fn cohort_label(c: Cohort) -> &'static str {
    match c {
        Cohort::Discovery => "Discovery",
        Cohort::Validation => "Validation",
    }
}

/// Runs the `report` stage on the files of `layout`.
pub fn run_report(config: &Config, layout: &Layout) -> anyhow::Result<()> {
    let study = Study::load(layout)?;
    let signature = Signature::read(layout)?;
    let validation_path = layout.validation_json();
    anyhow::ensure!(
        validation_path.is_file(),
        "{} does not exist: run `radiomics validate --out {}` first",
        validation_path.display(),
        layout.root.display()
    );
    let validation = read_json(&validation_path)?;
    let cut = validation["cut_point"]["cut"].as_f64().context("validation.json has no cut_point.cut")?;
    let rho = config.validation.rho;
    let scores = signature.scores(&study)?;
    layout.create()?;
    let mut notes: Vec<String> = Vec::new();

    // Per-cohort outcomes and scores.
    struct CohortRows {
        cohort: Cohort,
        rows: Vec<usize>,
        data: SurvivalData,
        scores: Vec<f64>,
    }
    let mut cohorts = Vec::new();
    for cohort in [Cohort::Discovery, Cohort::Validation] {
        let rows = study.rows_with_outcome(cohort);
        if rows.is_empty() {
            continue;
        }
        let (t, e) = study.outcome(&rows);
        let data = SurvivalData::new(&t, &e)?;
        let s = rows.iter().map(|&i| scores[i]).collect();
        cohorts.push(CohortRows { cohort, rows, data, scores: s });
    }
    anyhow::ensure!(!cohorts.is_empty(), "no patient has time and event");

    // Cohort table: the clinical columns complete in every cohort.
    let clinical = &config.model.clinical;
    let mut numeric: Vec<(String, Vec<Option<f64>>)> = Vec::new();
    for c in clinical {
        match study.clinical.numeric_column(c) {
            Ok(v) => numeric.push((c.clone(), v)),
            Err(e) => notes.push(format!("clinical column {c}: {e:#}")),
        }
    }
    let cohort_data: Vec<CohortData> = cohorts
        .iter()
        .map(|c| CohortData {
            name: cohort_label(c.cohort).into(),
            time: c.data.time().to_vec(),
            event: c.data.event().to_vec(),
            characteristics: numeric
                .iter()
                .filter(|(_, v)| cohorts.iter().all(|cc| cc.rows.iter().all(|&i| v[i].is_some())))
                .map(|(name, v)| {
                    (
                        name.clone(),
                        Characteristic::Continuous(c.rows.iter().map(|&i| v[i].unwrap_or(f64::NAN)).collect()),
                    )
                })
                .collect(),
        })
        .collect();
    let cohort_tab = cohort_table(&cohort_data).map_err(|e| anyhow::anyhow!("cohort table: {e}")).ok();

    // C-index and risk groups per cohort.
    let c_rows: Vec<(&str, &SurvivalData, &[f64])> =
        cohorts.iter().map(|c| (cohort_label(c.cohort), &c.data, c.scores.as_slice())).collect();
    let c_index = match c_index_table(&c_rows) {
        Ok(t) => Some(t),
        Err(e) => {
            notes.push(format!("C-index table: {e}"));
            None
        }
    };
    let mut risk_groups = Vec::new();
    let mut km_plots = Vec::new();
    for c in &cohorts {
        let label = cohort_label(c.cohort);
        match risk_group_summary(c.data.time(), c.data.event(), &c.scores, cut, rho, ["Low risk", "High risk"]) {
            Ok(summary) => {
                let p_text = format!("G-rho (rho = {rho}) log-rank {}", format_p_value(summary.p_value));
                risk_groups.push((label.to_string(), summary));
                let high: Vec<bool> = c.scores.iter().map(|s| *s > cut).collect();
                let low_rows: Vec<usize> = (0..high.len()).filter(|&i| !high[i]).collect();
                let high_rows: Vec<usize> = (0..high.len()).filter(|&i| high[i]).collect();
                let km_low = KaplanMeier::fit(&c.data.subset(&low_rows))?;
                let km_high = KaplanMeier::fit(&c.data.subset(&high_rows))?;
                let t_max = c.data.time().iter().copied().fold(0.0, f64::max);
                // About eight ticks, on whole years when the follow-up spans years.
                let step =
                    if t_max > 1500.0 { 365.0 * (t_max / 365.0 / 8.0).ceil() } else { (t_max / 5.0).max(1.0).round() };
                let ticks: Vec<f64> = (0..).map(|k| k as f64 * step).take_while(|t| *t <= t_max).collect();
                let plot = KaplanMeierPlot {
                    title: format!("{label} cohort: signature risk groups"),
                    x_label: "Time (days)".into(),
                    y_label: "Survival probability".into(),
                    curves: vec![
                        step_curve_from_km("Low risk", &km_low, ConfType::Log, 0.95)?,
                        step_curve_from_km("High risk", &km_high, ConfType::Log, 0.95)?,
                    ],
                    at_risk: Some(at_risk_from_km(&[&km_low, &km_high], &ticks)),
                    p_value_text: Some(p_text),
                    x_max: None,
                    x_ticks: Some(ticks),
                };
                save_plot(layout, &format!("km_{}", c.cohort.as_str()), &plot, (800, 600))?;
                km_plots.push((format!("Kaplan-Meier curves, {label} cohort (cut {cut:.3})"), plot));
            }
            Err(e) => notes.push(format!("{label} risk groups: {e}")),
        }
    }

    // Combined model on discovery complete cases: univariate table, nomogram, calibration.
    let disc = cohorts.iter().find(|c| c.cohort == Cohort::Discovery).context("no discovery patient")?;
    let mut names = vec!["Radiomics score".to_string()];
    let mut columns: Vec<Vec<Option<f64>>> = vec![scores.iter().map(|s| Some(*s)).collect()];
    for (name, v) in &numeric {
        names.push(name.clone());
        columns.push(v.clone());
    }
    let complete: Vec<usize> = disc.rows.iter().copied().filter(|&i| columns.iter().all(|c| c[i].is_some())).collect();
    let (t, e) = study.outcome(&complete);
    let data = SurvivalData::new(&t, &e)?;
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let x_cols: Vec<Vec<f64>> =
        columns.iter().map(|c| complete.iter().map(|&i| c[i].unwrap_or(f64::NAN)).collect()).collect();
    let x = Covariates::from_columns(&refs, &x_cols)?;
    let univariate = match univariate_table(&data, &x) {
        Ok(t) => Some(t),
        Err(e) => {
            notes.push(format!("univariate table: {e}"));
            None
        }
    };
    let mut nomogram: Option<Nomogram> = None;
    let mut calibration = None;
    match fit_cox(&data, &x, &CoxOptions::default()) {
        Ok(fit) => {
            let options = NomogramOptions {
                times: config.validation.times.clone(),
                time_labels: config.validation.times.iter().map(|t| format!("{t:.0}-day survival")).collect(),
                ..NomogramOptions::default()
            };
            match nomogram_model_from_cox(&fit, &data, &x, None).and_then(|m| Nomogram::build(&m, &options)) {
                Ok(n) => nomogram = Some(n),
                Err(e) => notes.push(format!("nomogram: {e}")),
            }
            // Calibration at the first configured time the follow-up supports; about three
            // groups of predicted survival (rms' default of 150 patients per group is for
            // larger cohorts), 40 bootstrap resamples as rms.
            for &time in &config.validation.times {
                let options = CalibrationOptions {
                    time,
                    patients_per_group: (complete.len() / 3).max(5),
                    ..CalibrationOptions::default()
                };
                match calibrate_survival_fit(&fit, &data, &x, &options) {
                    Ok(cal) => {
                        calibration = Some((cal, format!("{time:.0}-day")));
                        break;
                    }
                    Err(e) => notes.push(format!("calibration at {time}: {e}")),
                }
            }
        }
        Err(e) => notes.push(format!("combined Cox model: {e}")),
    }
    if let Some(n) = &nomogram {
        let plot = NomogramPlot {
            nomogram: n,
            title: "Nomogram: radiomics score and clinical covariates".into(),
            show_linear_predictor: true,
        };
        save_plot(layout, "nomogram", &plot, (1000, 700))?;
    }
    if let Some((cal, label)) = &calibration {
        let plot =
            CalibrationPlot { calibration: cal, title: format!("Calibration at {label}"), time_label: label.clone() };
        save_plot(layout, "calibration", &plot, (700, 700))?;
    }

    // LASSO path and cross-validation curve, from the fit stage's files.
    let cv = &signature.cv;
    // Lambdas whose cross-validated deviance is undefined (NaN in the CV curve) are not drawn.
    let finite: Vec<usize> =
        (0..cv.lambda.len()).filter(|&k| cv.cvm[k].is_finite() && cv.cvsd[k].is_finite()).collect();
    let pick = |v: &[f64]| -> Vec<f64> { finite.iter().map(|&k| v[k]).collect() };
    let cv_plot = LassoCvPlot {
        title: format!("{}-fold cross-validation", cv.folds),
        lambdas: pick(&cv.lambda),
        mean: pick(&cv.cvm),
        std_err: pick(&cv.cvsd),
        nonzero: Some(finite.iter().map(|&k| cv.nzero[k]).collect()),
        lambda_min: signature.lambda_min,
        lambda_1se: signature.lambda_1se,
        y_label: "Partial likelihood deviance".into(),
    };
    save_plot(layout, "lasso_cv", &cv_plot, (800, 600))?;
    if let Some((header, columns)) = read_numeric_csv(&layout.lasso_path_csv()).filter(|(h, _)| h.len() > 6) {
        let path_plot = LassoPathPlot {
            title: "LASSO coefficient paths".into(),
            lambdas: columns[0].clone(),
            feature_names: header[6..].to_vec(),
            coefficients: columns[6..].to_vec(),
            lambda_min: Some(signature.lambda_min),
            lambda_1se: Some(signature.lambda_1se),
            max_legend: 8,
        };
        save_plot(layout, "lasso_path", &path_plot, (900, 600))?;
    }
    let options = MaxstatOptions { permutations: 0, ..MaxstatOptions::default() };
    if let Ok(m) = maxstat_logrank(&disc.data, &disc.scores, &options) {
        save_plot(layout, "cutpoint", &cutpoint_plot_maxstat(&m, "Radiomics score", None), (800, 500))?;
    }

    let c_text: Vec<String> = validation["cohorts"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| {
                    Some(format!(
                        "{} C-index {:.3} (95% CI {:.3}-{:.3})",
                        c["cohort"].as_str()?,
                        c["concordance"]["c_index"].as_f64()?,
                        c["concordance"]["lower95"].as_f64()?,
                        c["concordance"]["upper95"].as_f64()?
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let description = format!(
        "LASSO Cox radiomics signature of {} features (lambda.{} = {:.4}, {}-fold CV, seed {}), fitted on {} discovery \
         patients ({} events). {}. Risk groups: score > {cut:.4} is high risk ({}). Combined model: radiomics score + {}. \
         Written by radiomics {} on {}.",
        signature.terms.len(),
        signature.lambda_choice,
        signature.lambda_used,
        cv.folds,
        cv.seed,
        signature.discovery_patients,
        signature.discovery_events,
        c_text.join("; "),
        validation["cut_point"]["rule"].as_str().unwrap_or(""),
        if numeric.is_empty() {
            "no clinical covariate".to_string()
        } else {
            numeric.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(" + ")
        },
        super::provenance::VERSION,
        super::provenance::utc_now(),
    );
    let report = ModelReport {
        title: "Radiomics survival model".into(),
        description,
        cohort_table: cohort_tab,
        coefficients: signature.terms.iter().map(|t| (t.feature.clone(), t.coefficient)).collect(),
        c_index,
        risk_groups,
        km_plots,
        univariate,
        nomogram: nomogram.as_ref(),
        calibration: calibration.as_ref().map(|(c, l)| (c, l.clone())),
    };
    report.write(&layout.report_dir(), "report").context("cannot write the report")?;
    for n in &notes {
        tracing::warn!("report: {n}");
    }
    let meta = Meta::new("report", config, config.model.seed);
    write_json_with_meta(
        &layout.report_dir().join("report.json"),
        &meta,
        serde_json::json!({ "files": ["report.html", "report.md"], "notes": notes }),
    )?;
    Ok(())
}

/// Reads a CSV of numbers into its header and columns (`None` when unreadable).
fn read_numeric_csv(path: &std::path::Path) -> Option<(Vec<String>, Vec<Vec<f64>>)> {
    let mut reader = csv::Reader::from_path(path).ok()?;
    let header: Vec<String> = reader.headers().ok()?.iter().map(str::to_string).collect();
    let mut columns = vec![Vec::new(); header.len()];
    for record in reader.records() {
        let record = record.ok()?;
        for (column, cell) in columns.iter_mut().zip(record.iter()) {
            column.push(cell.parse::<f64>().unwrap_or(f64::NAN));
        }
    }
    Some((header, columns))
}
