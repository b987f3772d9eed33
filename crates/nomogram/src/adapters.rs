//! Conversions from `radiomics-survival` results to the inputs of this crate.

use radiomics_survival::{
    ConfType, Covariates, CoxFit as SurvivalCoxFit, CoxnetCv, CoxnetPath, ExhaustiveCutpoint, KaplanMeier,
    MaxstatCutpoint, SurvivalData,
};

use crate::baseline::{BaselineMethod, BaselineSurvival};
use crate::calibration::{Calibration, CalibrationModel, CalibrationOptions, calibrate_cox};
use crate::coxfit::CoxData;
use crate::error::{NomogramError, Result, check_len};
use crate::nomogram::{CoxNomogramModel, DEFAULT_MAX_DISCRETE, NomogramCovariate};
use crate::plot::{AtRiskTable, CutpointPlot, LassoCvPlot, LassoPathPlot, StepCurve};

fn survival_error(e: radiomics_survival::SurvivalError) -> NomogramError {
    NomogramError::Survival(e.to_string())
}

/// Builds a plot curve from a Kaplan-Meier fit, with pointwise limits of `conf_type` at
/// `level` (R's default is [`ConfType::Log`], 0.95).
pub fn step_curve_from_km(label: &str, km: &KaplanMeier, conf_type: ConfType, level: f64) -> Result<StepCurve> {
    let band = km.confidence_band(conf_type, level).map_err(survival_error)?;
    let censor_times = km.time.iter().zip(&km.n_censor).filter(|(_, c)| **c > 0).map(|(t, _)| *t).collect();
    Ok(StepCurve {
        label: label.into(),
        times: km.time.clone(),
        survival: km.surv.clone(),
        lower: Some(band.lower),
        upper: Some(band.upper),
        censor_times,
    })
}

/// Number-at-risk table of several Kaplan-Meier fits at `times`.
pub fn at_risk_from_km(kms: &[&KaplanMeier], times: &[f64]) -> AtRiskTable {
    AtRiskTable { times: times.to_vec(), counts: kms.iter().map(|km| km.number_at_risk(times)).collect() }
}

/// Centred linear predictors x'beta - center of a `radiomics-survival` Cox fit, with
/// center = sum_j beta_j mean_j (the fit's `means`), as rms stores them.
pub fn centered_linear_predictor(fit: &SurvivalCoxFit, x: &Covariates) -> Result<Vec<f64>> {
    let center: f64 = fit.coefficients.iter().zip(&fit.means).map(|(b, m)| b * m).sum();
    Ok(fit.linear_predictor(x).map_err(survival_error)?.into_iter().map(|v| v - center).collect())
}

/// Builds the nomogram input from a `radiomics-survival` Cox fit on `data` / `x`.
///
/// Axis values follow `rms::datadist` (see [`NomogramCovariate::from_data`]); `labels` gives
/// the axis title of each covariate (None keeps the covariate names). The baseline survival is
/// the Efron-corrected one that `rms::cph` stores when the fit used Efron ties, and Breslow's
/// otherwise.
pub fn nomogram_model_from_cox(
    fit: &SurvivalCoxFit,
    data: &SurvivalData,
    x: &Covariates,
    labels: Option<&[&str]>,
) -> Result<CoxNomogramModel> {
    if let Some(l) = labels {
        check_len("covariate labels", l, fit.names.len(), "covariate")?;
    }
    let lp = centered_linear_predictor(fit, x)?;
    let method = match fit.ties {
        radiomics_survival::Ties::Efron => BaselineMethod::Efron,
        radiomics_survival::Ties::Breslow => BaselineMethod::Breslow,
    };
    let baseline = BaselineSurvival::from_cox(data.time(), data.event(), &lp, method)?;
    let mut covariates = Vec::with_capacity(fit.names.len());
    for (j, name) in fit.names.iter().enumerate() {
        let label = labels.map_or(name.as_str(), |l| l[j]);
        covariates.push(NomogramCovariate::from_data(
            name,
            label,
            fit.coefficients[j],
            x.column(j),
            DEFAULT_MAX_DISCRETE,
        )?);
    }
    let range = crate::plot_support::min_max(&lp);
    Ok(CoxNomogramModel {
        covariates,
        center: fit.coefficients.iter().zip(&fit.means).map(|(b, m)| b * m).sum(),
        baseline,
        linear_predictor_range: range,
    })
}

/// Calibrates a `radiomics-survival` Cox fit on the data it was fitted on.
pub fn calibrate_survival_fit(
    fit: &SurvivalCoxFit,
    data: &SurvivalData,
    x: &Covariates,
    options: &CalibrationOptions,
) -> Result<Calibration> {
    let lp = centered_linear_predictor(fit, x)?;
    let baseline = BaselineSurvival::from_cox(data.time(), data.event(), &lp, BaselineMethod::Efron)?;
    let n = data.len();
    let p = x.n_cols();
    let values: Vec<f64> = (0..n).flat_map(|i| (0..p).map(move |j| (i, j))).map(|(i, j)| x.get(i, j)).collect();
    let center = fit.coefficients.iter().zip(&fit.means).map(|(b, m)| b * m).sum();
    let cox_data = CoxData { time: data.time(), event: data.event(), x: &values, n_covariates: p };
    calibrate_cox(
        &cox_data,
        &CalibrationModel { coefficients: &fit.coefficients, center, baseline: &baseline },
        options,
    )
}

/// Coefficient path plot of a LASSO Cox path, with lambda.min and lambda.1se from `cv` when
/// given.
pub fn lasso_path_plot(path: &CoxnetPath, cv: Option<&CoxnetCv>, title: &str) -> LassoPathPlot {
    let p = path.names.len();
    let coefficients = (0..p).map(|j| path.beta.iter().map(|b| b[j]).collect()).collect();
    LassoPathPlot {
        title: title.into(),
        lambdas: path.lambda.clone(),
        feature_names: path.names.clone(),
        coefficients,
        lambda_min: cv.map(|c| c.lambda_min),
        lambda_1se: cv.map(|c| c.lambda_1se),
        max_legend: 8,
    }
}

/// Cross-validation plot of a LASSO Cox fit.
pub fn lasso_cv_plot(cv: &CoxnetCv, title: &str) -> LassoCvPlot {
    LassoCvPlot {
        title: title.into(),
        lambdas: cv.lambda.clone(),
        mean: cv.cvm.clone(),
        std_err: cv.cvsd.clone(),
        nonzero: Some(cv.nzero.clone()),
        lambda_min: cv.lambda_min,
        lambda_1se: cv.lambda_1se,
        y_label: "Partial likelihood deviance".into(),
    }
}

/// Cut-point plot of maxstat's standardised log-rank statistics, with the 95% critical value
/// when given.
pub fn cutpoint_plot_maxstat(result: &MaxstatCutpoint, x_label: &str, critical_value: Option<f64>) -> CutpointPlot {
    CutpointPlot {
        title: String::new(),
        x_label: x_label.into(),
        y_label: "Standardised log-rank statistic".into(),
        cuts: result.cuts.clone(),
        statistics: result.stats.clone(),
        chosen: result.estimate,
        critical_value,
    }
}

/// Cut-point plot of the exhaustive log-rank chi-square search.
pub fn cutpoint_plot_exhaustive(result: &ExhaustiveCutpoint, x_label: &str) -> CutpointPlot {
    CutpointPlot {
        title: String::new(),
        x_label: x_label.into(),
        y_label: "Log-rank chi-square".into(),
        cuts: result.candidates.clone(),
        statistics: result.chisq.clone(),
        chosen: result.best_cut,
        critical_value: Some(3.841_458_820_694_124),
    }
}
