//! Renders the example figures of `docs/nomogram.md` from the NCCTG lung data and writes an
//! example model report.
//!
//! Usage: `cargo run -p radiomics-nomogram --example docs_figures -- [FIGURE_DIR] [REPORT_DIR]`
//! (defaults `docs/plots` and a temporary directory). The data are read from
//! `$RADIOMICS_REFERENCE_DATA/survival/lung.csv`, by default `../shared/data` next to the
//! workspace.

use std::path::PathBuf;

use radiomics_nomogram::adapters::{
    at_risk_from_km, calibrate_survival_fit, cutpoint_plot_maxstat, lasso_cv_plot, lasso_path_plot,
    nomogram_model_from_cox, step_curve_from_km,
};
use radiomics_nomogram::plot::{
    CalibrationPlot, HeatmapCohort, KaplanMeierPlot, NomogramPlot, Plot, ZScoreHeatmap, ZScoreReference,
    format_p_value, save,
};
use radiomics_nomogram::{
    CalibrationOptions, Characteristic, CohortData, ModelReport, Nomogram, NomogramOptions, c_index_table,
    cohort_table, risk_group_summary, univariate_table,
};
use radiomics_survival::{
    CompleteCases, ConfType, CoxOptions, CvOptions, KaplanMeier, MaxstatOptions, cv_coxnet, fit_cox, maxstat_logrank,
};

fn column(rows: &[csv::StringRecord], idx: usize) -> Vec<f64> {
    rows.iter().map(|r| r[idx].parse::<f64>().unwrap_or(f64::NAN)).collect()
}

fn save_both<P: Plot>(
    plot: &P,
    dir: &std::path::Path,
    stem: &str,
    w: u32,
    h: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    save(plot, &dir.join(format!("{stem}.png")), w, h)?;
    save(plot, &dir.join(format!("{stem}.svg")), w, h)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let figures = PathBuf::from(args.get(1).map_or("docs/plots", String::as_str));
    let report_dir = args.get(2).map_or_else(|| std::env::temp_dir().join("radiomics-nomogram-report"), PathBuf::from);
    std::fs::create_dir_all(&figures)?;
    let root = std::env::var_os("RADIOMICS_REFERENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")));
    let mut reader = csv::Reader::from_path(root.join("survival/lung.csv"))?;
    let headers = reader.headers()?.clone();
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    let col = |name: &str| column(&rows, headers.iter().position(|h| h == name).expect("column present"));
    let (time, event) = (col("time"), col("event"));

    // Cox model of age, sex and ECOG (rms::cph(Surv(time, event) ~ age + sex + ph.ecog)).
    let names = ["age", "sex", "ph.ecog"];
    let cc = CompleteCases::filter(&time, &event, &names, &names.map(col))?;
    let fit = fit_cox(&cc.data, &cc.covariates, &CoxOptions::default())?;
    let model = nomogram_model_from_cox(
        &fit,
        &cc.data,
        &cc.covariates,
        Some(&["Age (years)", "Sex (1 = male, 2 = female)", "ECOG performance status"]),
    )?;
    let options = NomogramOptions {
        times: vec![180.0, 365.0, 730.0],
        time_labels: vec!["6-month survival".into(), "1-year survival".into(), "2-year survival".into()],
        ..Default::default()
    };
    let nom = Nomogram::build(&model, &options)?;
    save_both(
        &NomogramPlot { nomogram: &nom, title: "Lung cancer nomogram".into(), show_linear_predictor: true },
        &figures,
        "nomogram",
        1000,
        640,
    )?;

    let cal = calibrate_survival_fit(
        &fit,
        &cc.data,
        &cc.covariates,
        &CalibrationOptions { time: 365.0, patients_per_group: 40, bootstrap: 200, ..Default::default() },
    )?;
    let cal_plot =
        CalibrationPlot { calibration: &cal, title: "Calibration at 1 year".into(), time_label: "1-year".into() };
    save_both(&cal_plot, &figures, "calibration", 640, 600)?;

    // Risk groups at the median linear predictor.
    let lp = fit.linear_predictor(&cc.covariates)?;
    let mut sorted = lp.clone();
    sorted.sort_by(f64::total_cmp);
    let cutoff = sorted[sorted.len() / 2];
    let groups = risk_group_summary(cc.data.time(), cc.data.event(), &lp, cutoff, 0.0, ["Low risk", "High risk"])?;
    let mut kms = Vec::new();
    for high in [false, true] {
        let rows: Vec<usize> = (0..lp.len()).filter(|&i| (lp[i] > cutoff) == high).collect();
        kms.push(KaplanMeier::fit(&cc.data.subset(&rows))?);
    }
    let ticks = vec![0.0, 200.0, 400.0, 600.0, 800.0, 1000.0];
    let curves = vec![
        step_curve_from_km(&format!("Low risk (n = {})", kms[0].n), &kms[0], ConfType::Log, 0.95)?,
        step_curve_from_km(&format!("High risk (n = {})", kms[1].n), &kms[1], ConfType::Log, 0.95)?,
    ];
    let km_plot = KaplanMeierPlot {
        title: "Overall survival by risk group".into(),
        x_label: "Time (days)".into(),
        y_label: "Survival probability".into(),
        curves,
        at_risk: Some(at_risk_from_km(&[&kms[0], &kms[1]], &ticks)),
        p_value_text: Some(format!("Log-rank {}", format_p_value(groups.p_value))),
        x_max: Some(1030.0),
        x_ticks: Some(ticks.clone()),
    };
    save_both(&km_plot, &figures, "km_risk_groups", 800, 600)?;
    let all = KaplanMeier::fit(&cc.data)?;
    let single = KaplanMeierPlot {
        title: "Overall survival".into(),
        curves: vec![step_curve_from_km(&format!("All patients (n = {})", all.n), &all, ConfType::Log, 0.95)?],
        at_risk: Some(at_risk_from_km(&[&all], &ticks)),
        p_value_text: None,
        ..km_plot.clone()
    };
    save_both(&single, &figures, "km_single", 800, 600)?;

    // Cut-point search on the linear predictor (maxstat, standardised log-rank).
    let maxstat = maxstat_logrank(&cc.data, &lp, &MaxstatOptions::default())?;
    let mut cut_plot = cutpoint_plot_maxstat(&maxstat, "Cox linear predictor cut-off", None);
    cut_plot.title = "Maximally selected log-rank statistic".into();
    save_both(&cut_plot, &figures, "cutpoint", 800, 600)?;

    // LASSO Cox on seven clinical covariates.
    let lasso_names = ["age", "sex", "ph.ecog", "ph.karno", "pat.karno", "meal.cal", "wt.loss"];
    let lc = CompleteCases::filter(&time, &event, &lasso_names, &lasso_names.map(col))?;
    let cv = cv_coxnet(&lc.data, &lc.covariates, &CvOptions::default())?;
    save_both(&lasso_path_plot(&cv.path, Some(&cv), "LASSO coefficient paths"), &figures, "lasso_path", 800, 600)?;
    save_both(&lasso_cv_plot(&cv, "10-fold cross-validation"), &figures, "lasso_cv", 800, 600)?;

    // Heat map of four features in two halves of the data (odd and even row numbers).
    let features = ["ph.karno", "pat.karno", "meal.cal", "wt.loss"];
    let lasso_lp = cv.path.predict(&lc.covariates, cv.lambda_min)?;
    let mut cohorts = Vec::new();
    for (name, parity) in [("Cohort A", 0), ("Cohort B", 1)] {
        let rows: Vec<usize> = (0..lc.kept_rows.len()).filter(|i| lc.kept_rows[*i] % 2 == parity).collect();
        cohorts.push(HeatmapCohort {
            name: name.into(),
            scores: rows.iter().map(|&i| lasso_lp[i]).collect(),
            values: rows
                .iter()
                .map(|&i| {
                    features
                        .iter()
                        .map(|f| lc.covariates.get(i, lc.covariates.column_index(f).expect("feature")))
                        .collect()
                })
                .collect(),
        });
    }
    let heat = ZScoreHeatmap {
        title: "Feature z-scores by LASSO score".into(),
        feature_names: features.iter().map(|s| s.to_string()).collect(),
        cohorts,
        reference: ZScoreReference::FirstCohort,
        clip: 2.5,
        score_label: "LASSO score".into(),
    };
    save_both(&heat, &figures, "heatmap", 900, 420)?;

    // Model report.
    let char_rows = |j: usize| cc.covariates.column(j).to_vec();
    let cohort = CohortData {
        name: "NCCTG lung".into(),
        time: cc.data.time().to_vec(),
        event: cc.data.event().to_vec(),
        characteristics: vec![
            ("Age (years)".into(), Characteristic::Continuous(char_rows(0))),
            (
                "Sex".into(),
                Characteristic::Categorical(
                    char_rows(1).iter().map(|s| if *s == 1.0 { "male".into() } else { "female".into() }).collect(),
                ),
            ),
            ("ECOG".into(), Characteristic::Categorical(char_rows(2).iter().map(|s| format!("{s}")).collect())),
        ],
    };
    let report = ModelReport {
        title: "Cox model of NCCTG lung cancer survival".into(),
        description: "Surv(time, event) ~ age + sex + ph.ecog, Efron ties; time in days.".into(),
        cohort_table: Some(cohort_table(&[cohort])?),
        coefficients: fit.names.iter().cloned().zip(fit.coefficients.iter().copied()).collect(),
        c_index: Some(c_index_table(&[("NCCTG lung", &cc.data, &lp)])?),
        risk_groups: vec![("NCCTG lung".into(), groups)],
        km_plots: vec![("Overall survival by risk group".into(), km_plot)],
        univariate: Some(univariate_table(&cc.data, &cc.covariates)?),
        nomogram: Some(&nom),
        calibration: Some((&cal, "1-year".into())),
    };
    report.write(&report_dir, "lung_model")?;
    println!("figures in {}, report in {}", figures.display(), report_dir.display());
    Ok(())
}
