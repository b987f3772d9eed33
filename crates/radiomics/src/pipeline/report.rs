//! The `report` stage: `OUT/report/report.html` (self-contained, SVG inline) and `report.md`
//! with its SVG figures, plus PNG copies of the main plots, all from `radiomics-nomogram`:
//! cohort table, signature coefficients, C-index per cohort, risk groups at the cut point with
//! Kaplan-Meier curves per cohort, the univariate Cox table, the nomogram and calibration of
//! the combined model (score + clinical covariates, fitted on discovery), the heat map of the
//! signature features, the LASSO path and cross-validation curve, and the cut-point plot.
//!
//! Each plot is written once: the figures of the report (`km_<cohort>`, `nomogram`,
//! `calibration`, `heatmap`) as SVG by the report writer and as PNG here, the others (`lasso_cv`,
//! `lasso_path`, `cutpoint`) as SVG and PNG here.

use anyhow::Context;
use radiomics_nomogram::adapters::{
    at_risk_from_km, calibrate_survival_fit, cutpoint_plot_maxstat, nomogram_model_from_cox, step_curve_from_km,
};
use radiomics_nomogram::plot::{
    CalibrationPlot, HeatmapCohort, KaplanMeierPlot, LassoCvPlot, LassoPathPlot, NomogramPlot, Plot, ZScoreHeatmap,
    ZScoreReference, format_p_value, render_png, render_svg,
};
use radiomics_nomogram::report::{ExtraFigure, ReportExtras, clip_c_index_ci};
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

/// Writes a plot as `<stem>.png` only (its SVG is a figure of the report, written by the
/// report writer).
fn save_png<P: Plot>(layout: &Layout, stem: &str, plot: &P, size: (u32, u32)) -> anyhow::Result<()> {
    let png = render_png(plot, size.0, size.1).with_context(|| format!("cannot draw {stem}"))?;
    write_atomic(&layout.report_dir().join(format!("{stem}.png")), &png)
}

fn cohort_label(c: Cohort) -> &'static str {
    match c {
        Cohort::Discovery => "Discovery",
        Cohort::Validation => "Validation",
    }
}

/// Writes the report of an empty signature: the cohort table, and in place of the score,
/// risk-group, nomogram and calibration sections the message that the LASSO kept no feature.
fn write_empty_signature_report(
    config: &Config,
    layout: &Layout,
    signature: &Signature,
    cohort_tab: Option<radiomics_nomogram::report::Table>,
    notes: Vec<String>,
    mut extras: ReportExtras,
) -> anyhow::Result<()> {
    let message =
        super::fit::empty_signature_message(&signature.lambda_choice, signature.lambda_used, config.model.lambda);
    let description = format!(
        "No signature: {message}. LASSO Cox path of {} candidate features, {}-fold cross-validation (seed {}) on {} \
         discovery patients ({} events). See validation.json for the combined model of the clinical covariates.",
        signature.candidates,
        signature.cv.folds,
        signature.cv.seed,
        signature.discovery_patients,
        signature.discovery_events
    );
    let report = ModelReport {
        title: "Radiomics survival model".into(),
        description,
        cohort_table: cohort_tab,
        coefficients: Vec::new(),
        c_index: None,
        risk_groups: Vec::new(),
        km_plots: Vec::new(),
        univariate: None,
        nomogram: None,
        calibration: None,
    };
    extras.risk_group_notes = vec![("all cohorts".into(), format!("Not shown: {message}."))];
    extras.time_unit = Some(config.validation.time_unit.clone());
    extras.warnings = signature.warnings.iter().cloned().chain(notes.iter().cloned()).collect();
    for n in &notes {
        tracing::warn!("report: {n}");
    }
    report.write_with(&layout.report_dir(), "report", &extras).context("cannot write the report")?;
    let meta = Meta::new("report", config, config.model.seed);
    write_json_with_meta(
        &layout.report_dir().join("report.json"),
        &meta,
        serde_json::json!({ "files": ["report.html", "report.md"], "notes": notes, "signature_empty": true }),
    )?;
    Ok(())
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
    let rho = config.validation.rho;
    let scores = signature.scores(&study)?;
    layout.create(Some(layout.report_dir()))?;
    let mut notes: Vec<String> = Vec::new();
    let mut extras = ReportExtras::default();
    let unit = config.validation.time_unit.as_str();

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
    let mut cohort_tab = cohort_table(&cohort_data).map_err(|e| anyhow::anyhow!("cohort table: {e}")).ok();
    if let Some(row) =
        cohort_tab.as_mut().and_then(|t| t.rows.iter_mut().find(|r| r[0].starts_with("Median follow-up")))
    {
        row[0] = format!("Median follow-up, {unit} (reverse Kaplan-Meier)");
    }

    if signature.is_empty() {
        return write_empty_signature_report(config, layout, &signature, cohort_tab, notes, extras);
    }
    let cut = validation["cut_point"]["cut"].as_f64().context("validation.json has no cut_point.cut")?;

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
                let step = if unit == "days" && t_max > 1500.0 {
                    365.0 * (t_max / 365.0 / 8.0).ceil()
                } else {
                    (t_max / 5.0).max(1.0).round()
                };
                let ticks: Vec<f64> = (0..).map(|k| k as f64 * step).take_while(|t| *t <= t_max).collect();
                let plot = KaplanMeierPlot {
                    title: format!("{label} cohort: signature risk groups"),
                    x_label: format!("Time ({unit})"),
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
                let stem = format!("km_{}", c.cohort.as_str());
                save_png(layout, &stem, &plot, (800, 600))?;
                extras.km_file_stems.push(stem);
                km_plots.push((format!("Kaplan-Meier curves, {label} cohort (cut {cut:.3})"), plot));
            }
            Err(e) => {
                tracing::warn!("report: {label} risk groups: {e}");
                extras.risk_group_notes.push((
                    label.to_string(),
                    format!(
                        "Not shown: the risk groups at the cut-off {cut:.4} cannot be summarised in the {} cohort: {e}. \
                         The C-index above does not depend on the cut-off.",
                        c.cohort.as_str()
                    ),
                ));
            }
        }
    }

    // Combined model on discovery complete cases: univariate table, nomogram, calibration.
    let disc = cohorts.iter().find(|c| c.cohort == Cohort::Discovery).context("no discovery patient")?;
    let mut names = vec![config.validation.score_name.clone()];
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
    extras.univariate_caption = Some(format!(
        "Table 2. Univariate Cox regression, discovery cohort ({} patients with complete data, {} events)",
        data.len(),
        data.n_events()
    ));
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
                time_labels: config.validation.times.iter().map(|t| format!("Survival at {t:.0} {unit}")).collect(),
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
                        let events = data.time().iter().zip(data.event()).filter(|(t, e)| **e && **t <= time).count();
                        if events < MIN_CALIBRATION_EVENTS {
                            notes.push(format!(
                                "calibration at {time:.0} {unit}: only {events} discovery events up to that time, \
                                 so the observed survival of each group is imprecise; put a later time first in \
                                 validation.times"
                            ));
                        }
                        calibration = Some((cal, format!("{time:.0} {unit}")));
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
            title: format!("Nomogram: {} and clinical covariates", mid_sentence(&config.validation.score_name)),
            show_linear_predictor: true,
        };
        save_png(layout, "nomogram", &plot, (1000, 700))?;
    }
    if let Some((cal, label)) = &calibration {
        let plot = CalibrationPlot {
            calibration: cal,
            title: format!("Calibration at {label}, discovery cohort"),
            time_label: label.clone(),
        };
        save_png(layout, "calibration", &plot, (700, 700))?;
    }

    // Heat map of the signature features.
    let cohort_rows: Vec<(Cohort, Vec<usize>)> = cohorts.iter().map(|c| (c.cohort, c.rows.clone())).collect();
    match heatmap(&study, &signature, &scores, &cohort_rows, &config.validation.score_name) {
        Ok(Some(plot)) => {
            let size = (1000, (260 + 22 * plot.feature_names.len()).min(1400) as u32);
            save_png(layout, "heatmap", &plot, size)?;
            let svg = render_svg(&plot, size.0, size.1).context("cannot draw the heat map")?;
            extras.figures.push(ExtraFigure {
                caption: format!(
                    "Signature features: z-scores (discovery mean and SD, clipped to +/- {}), patients ordered by \
                     {}; the grey strip is the score, high risk is score > {cut:.4}",
                    plot.clip,
                    mid_sentence(&config.validation.score_name)
                ),
                file_stem: "heatmap".into(),
                svg,
            });
        }
        Ok(None) => notes.push("heat map: the signature has no feature".into()),
        Err(e) => notes.push(format!("heat map: {e:#}")),
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
        save_plot(layout, "cutpoint", &cutpoint_plot_maxstat(&m, &config.validation.score_name, None), (800, 500))?;
    }

    let c_text: Vec<String> = validation["cohorts"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| {
                    let (lower, upper) =
                        clip_c_index_ci(c["concordance"]["lower95"].as_f64()?, c["concordance"]["upper95"].as_f64()?);
                    Some(format!(
                        "{} C-index {:.3} (95% CI {lower:.3} to {upper:.3})",
                        c["cohort"].as_str()?,
                        c["concordance"]["c_index"].as_f64()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let description = format!(
        "LASSO Cox signature of {} features (lambda.{} = {:.4}, {}-fold CV, seed {}), fitted on {} discovery \
         patients ({} events). {}. Risk groups: score > {cut:.4} is high risk ({}). Combined model: {} + {}. \
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
        mid_sentence(&config.validation.score_name),
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
    for n in &notes {
        tracing::warn!("report: {n}");
    }
    // The fit z-scores every feature with the discovery mean and SD (pipeline::fit).
    extras.coefficient_unit = Some("1 SD".into());
    extras.time_unit = Some(unit.to_string());
    extras.calibration_cohort = Some("discovery".into());
    extras.warnings = signature.warnings.iter().cloned().chain(notes.iter().cloned()).collect();
    report.write_with(&layout.report_dir(), "report", &extras).context("cannot write the report")?;
    let meta = Meta::new("report", config, config.model.seed);
    write_json_with_meta(
        &layout.report_dir().join("report.json"),
        &meta,
        serde_json::json!({ "files": ["report.html", "report.md"], "notes": notes }),
    )?;
    Ok(())
}

/// Builds the heat map of the signature features over the patients of `cohorts` (rows of
/// `study`). Missing values are replaced by the discovery median, as in the score, and the
/// z-scores use the discovery mean and SD. Returns `None` when the signature has no feature.
fn heatmap(
    study: &Study,
    signature: &Signature,
    scores: &[f64],
    cohorts: &[(Cohort, Vec<usize>)],
    score_name: &str,
) -> anyhow::Result<Option<ZScoreHeatmap>> {
    if signature.terms.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = signature.terms.iter().map(|t| t.feature.clone()).collect();
    let table = study.features.select_columns(&names)?;
    let heat_cohorts = cohorts
        .iter()
        .map(|(cohort, rows)| HeatmapCohort {
            name: cohort_label(*cohort).into(),
            scores: rows.iter().map(|&i| scores[i]).collect(),
            values: rows
                .iter()
                .map(|&i| {
                    table.rows[i]
                        .iter()
                        .zip(&signature.terms)
                        .map(|(&x, t)| if x.is_nan() { t.median } else { x })
                        .collect()
                })
                .collect(),
        })
        .collect();
    let plot = ZScoreHeatmap {
        title: "Signature features".into(),
        feature_names: names,
        cohorts: heat_cohorts,
        reference: ZScoreReference::FirstCohort,
        clip: 3.0,
        score_label: score_name.to_string(),
    };
    plot.z_scores().context("heat map of the signature features")?;
    Ok(Some(plot))
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

/// Fewer events than this before the calibration time add a warning to the report: with about
/// three groups, each group's observed survival then rests on three events or fewer.
const MIN_CALIBRATION_EVENTS: usize = 10;

/// `name` as it reads inside a sentence: the first letter lowered unless the second is a
/// capital too (so "Radiomics score" becomes "radiomics score" and "PET score" stays).
fn mid_sentence(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(name.chars().skip(1)).collect()
        }
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::mid_sentence;

    #[test]
    fn score_name_inside_sentence() {
        assert_eq!(mid_sentence("Radiomics score"), "radiomics score");
        assert_eq!(mid_sentence("PET score"), "PET score");
        assert_eq!(mid_sentence("x"), "x");
    }
}
