//! Calibration of predicted survival at a fixed time, apparent and bootstrap
//! optimism-corrected, as `rms::calibrate(fit, cmethod = "KM", method = "boot")` computes it.
//!
//! Procedure (rms 6.5-0, `calibrate.cph`, `predab.resample`, `groupkm`; Hmisc `cut2`):
//! 1. Predicted survival at u of every patient: S0(u)^exp(x'beta - center).
//! 2. g = max(1, floor(n / m)) groups; the cuts are the type-7 quantiles of
//!    c(0, 1, predictions) at probabilities 0, 1/g, ..., 1. A prediction p falls in group i when
//!    cut_i - h < p <= cut_{i+1} - h (the last upper bound is cut_g+1 itself), with h half the
//!    smallest gap between distinct predictions and cuts. This is `cut2(x, cuts)`.
//! 3. In each group with at least 2 patients: mean prediction, Kaplan-Meier survival at u and
//!    the standard error of log KM (Greenwood). A group whose last time is before u, with
//!    KM > 0, has no estimate. The calibration index is KM - mean prediction.
//! 4. Bootstrap: B resamples drawn with replacement. On each resample the Cox model is
//!    refitted (Efron ties, rms's default eps = 1e-4). With the refitted model, the index is computed on the resample
//!    ("training") and on the original data ("test"), using the original cuts. Resamples with
//!    fewer than 5 events, and groups with no estimate in either, are skipped for that group.
//! 5. optimism = mean(training - test) over the resamples that count; corrected index =
//!    index - optimism; corrected observed survival = KM - optimism.
//!
//! With [`BootstrapRng::R`] the resamples are the ones R draws after `set.seed(seed)`, so the
//! bootstrap columns reproduce `rms::calibrate` to rounding error.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::baseline::{BaselineMethod, BaselineSurvival, km_at};
use crate::coxfit::{CoxData, CoxFitOptions, fit_cox_efron};
use crate::error::{NomogramError, Result, check_finite, check_len};
use crate::rrng::RMersenneTwister;

/// Random number generator of the calibration bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BootstrapRng {
    /// R's Mersenne-Twister with `sample.kind = "Rejection"`; resamples equal R's
    /// `set.seed(seed); sample(n, replace = TRUE)` sequence.
    R,
    /// ChaCha8 seeded with the seed; faster to reason about, not comparable with R.
    ChaCha8,
}

/// Settings of [`calibrate_cox`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CalibrationOptions {
    /// Time u at which survival is predicted, in the unit of the data.
    pub time: f64,
    /// Average number of patients per group (`m`); g = max(1, floor(n / m)). Default 150, as rms.
    pub patients_per_group: usize,
    /// Explicit cuts on predicted survival (increasing, covering the predictions); replaces
    /// `patients_per_group` when set.
    pub cuts: Option<Vec<f64>>,
    /// Number of bootstrap resamples B. Default 40, as rms. 0 gives the apparent calibration only.
    pub bootstrap: usize,
    /// Seed of the resampling. Default 1.
    pub seed: i32,
    /// Generator of the resampling. Default [`BootstrapRng::R`].
    pub rng: BootstrapRng,
    /// Resamples with fewer events are skipped. Default 5, as rms.
    pub min_events: usize,
    /// Convergence settings of the refits. Default eps = 1e-4, 10 iterations, as `rms::cph`.
    pub refit: CoxFitOptions,
    /// Confidence level of the Kaplan-Meier intervals (log scale). Default 0.95.
    pub confidence: f64,
}

impl Default for CalibrationOptions {
    fn default() -> Self {
        Self {
            time: 365.0,
            patients_per_group: 150,
            cuts: None,
            bootstrap: 40,
            seed: 1,
            rng: BootstrapRng::R,
            min_events: 5,
            refit: CoxFitOptions::default(),
            confidence: 0.95,
        }
    }
}

/// One group of the calibration table. Statistics without an estimate are `None`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CalibrationGroup {
    /// Lower and upper cut of predicted survival.
    pub cut_range: (f64, f64),
    /// Number of patients (0 when the group has fewer than 2).
    pub n: usize,
    /// Number of events.
    pub events: usize,
    /// Mean predicted survival at u.
    pub mean_predicted: Option<f64>,
    /// Kaplan-Meier survival at u.
    pub observed: Option<f64>,
    /// Standard error of log KM at u (Greenwood).
    pub std_err: Option<f64>,
    /// Lower and upper confidence limits of KM, KM * exp(-/+ z * se), clipped to [0, 1].
    pub observed_ci: Option<(f64, f64)>,
    /// Apparent index: observed - mean predicted (`index.orig`).
    pub index_apparent: Option<f64>,
    /// Mean index on the resamples (`training`).
    pub training: Option<f64>,
    /// Mean index of the refitted models on the original data (`test`).
    pub test: Option<f64>,
    /// Mean optimism, training - test (`mean.optimism`).
    pub optimism: Option<f64>,
    /// index - optimism (`mean.corrected`).
    pub index_corrected: Option<f64>,
    /// Number of resamples that counted for this group (`n` of rms).
    pub resamples: usize,
    /// observed - optimism (`KM.corrected`).
    pub observed_corrected: Option<f64>,
}

/// A calibration table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Calibration {
    /// Time u.
    pub time: f64,
    /// Group cuts on predicted survival.
    pub cuts: Vec<f64>,
    /// One row per group, ordered by predicted survival.
    pub groups: Vec<CalibrationGroup>,
    /// Resamples drawn (B).
    pub resamples_drawn: usize,
    /// Resamples whose refit failed or had too few events.
    pub resamples_failed: usize,
    /// Warnings, e.g. groups with fewer than 2 patients.
    pub warnings: Vec<String>,
}

/// A fitted Cox model to calibrate.
#[derive(Debug, Clone)]
pub struct CalibrationModel<'a> {
    /// Coefficients, one per covariate column of the data.
    pub coefficients: &'a [f64],
    /// center = sum beta_j mean(x_j).
    pub center: f64,
    /// Baseline survival at centred linear predictor 0.
    pub baseline: &'a BaselineSurvival,
}

/// R's `quantile(x, probs, type = 7)`.
fn quantile_type7(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    let h = (n - 1) as f64 * p;
    let lo = h.floor();
    let frac = h - lo;
    let i = lo as usize;
    if i + 1 >= n { sorted[n - 1] } else { sorted[i] + frac * (sorted[i + 1] - sorted[i]) }
}

/// Group index of each prediction as Hmisc `cut2(x, cuts)` assigns it (None = outside).
fn cut2_groups(x: &[f64], cuts: &[f64]) -> Result<Vec<Option<usize>>> {
    let mut unique: Vec<f64> = x.iter().chain(cuts).copied().collect();
    unique.sort_by(f64::total_cmp);
    unique.dedup();
    let min_dif = unique.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min) / 2.0;
    let min_dif = if min_dif.is_finite() { min_dif } else { 0.0 };
    let l = cuts.len();
    let mut breaks: Vec<f64> = cuts.iter().map(|c| c - min_dif).collect();
    breaks[l - 1] = cuts[l - 1];
    for w in breaks.windows(2) {
        if w[1] <= w[0] {
            return Err(NomogramError::InvalidParameter {
                name: "calibration cuts".into(),
                value: format!("{cuts:?}"),
                reason: "cuts are not distinct; use fewer groups (larger patients_per_group)".into(),
            });
        }
    }
    // R's .bincode(right = TRUE, include.lowest = FALSE): group i when b_i < x <= b_{i+1}.
    Ok(x.iter()
        .map(|&v| {
            if v <= breaks[0] || v > breaks[l - 1] {
                return None;
            }
            let (mut lo, mut hi) = (0usize, l - 1);
            while hi - lo >= 2 {
                let mid = (hi + lo) / 2;
                if v > breaks[mid] {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            Some(lo)
        })
        .collect())
}

/// Per-group mean prediction and KM, as `rms::groupkm`.
struct GroupKm {
    mean_predicted: Vec<Option<f64>>,
    n: Vec<usize>,
    events: Vec<usize>,
    km: Vec<Option<f64>>,
    std_err: Vec<Option<f64>>,
    small_group: bool,
}

fn group_km(pred: &[f64], time: &[f64], event: &[bool], rows: &[usize], cuts: &[f64], u: f64) -> Result<GroupKm> {
    let x: Vec<f64> = rows.iter().map(|&r| if pred[r].abs() < 1e-10 { 0.0 } else { pred[r] }).collect();
    let groups = cut2_groups(&x, cuts)?;
    let g = cuts.len() - 1;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); g];
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); g];
    for (k, grp) in groups.iter().enumerate() {
        if let Some(i) = grp {
            members[*i].push(rows[k]);
            values[*i].push(x[k]);
        }
    }
    let mut out = GroupKm {
        mean_predicted: vec![None; g],
        n: vec![0; g],
        events: vec![0; g],
        km: vec![None; g],
        std_err: vec![None; g],
        small_group: false,
    };
    for i in 0..g {
        let nobs = members[i].len();
        if nobs < 2 {
            out.small_group = true;
            out.mean_predicted[i] = if nobs == 1 { Some(values[i][0]) } else { None };
            continue;
        }
        out.mean_predicted[i] = Some(values[i].iter().sum::<f64>() / nobs as f64);
        out.n[i] = nobs;
        out.events[i] = members[i].iter().filter(|&&r| event[r]).count();
        let km = km_at(time, event, &members[i], u);
        out.km[i] = km.survival;
        out.std_err[i] = km.std_err;
    }
    Ok(out)
}

/// Calibration index (KM - mean prediction) per group, or all `None` with fewer than
/// `min_events` events (the `distance` function of `calibrate.cph`).
#[allow(clippy::too_many_arguments)]
fn distance(
    pred: &[f64],
    time: &[f64],
    event: &[bool],
    rows: &[usize],
    cuts: &[f64],
    u: f64,
    min_events: usize,
) -> Result<(Vec<Option<f64>>, bool)> {
    let g = cuts.len() - 1;
    if rows.iter().filter(|&&r| event[r]).count() < min_events {
        return Ok((vec![None; g], false));
    }
    let gk = group_km(pred, time, event, rows, cuts, u)?;
    let d = (0..g)
        .map(|i| match (gk.km[i], gk.mean_predicted[i]) {
            (Some(k), Some(p)) => Some(k - p),
            _ => None,
        })
        .collect();
    Ok((d, gk.small_group))
}

/// Standard normal quantile, from `radiomics-survival`.
pub(crate) fn normal_quantile(p: f64) -> f64 {
    radiomics_survival::stats::normal_quantile(p)
}

/// Calibrates a Cox model at time `options.time`, apparent and bootstrap optimism-corrected.
///
/// `data` holds the patients the model was fitted on (covariate columns in the model's order).
///
/// # Errors
/// - [`NomogramError::TimeBeyondFollowUp`] when u exceeds the largest follow-up time (rms fails
///   there with an obscure message);
/// - [`NomogramError::TooFewEvents`] with fewer than `min_events` events;
/// - [`NomogramError::InvalidParameter`] for u <= 0, `patients_per_group` = 0, cuts that are not
///   distinct or not increasing, or a confidence outside (0, 1);
/// - length mismatches and non-finite values.
pub fn calibrate_cox(
    data: &CoxData<'_>,
    model: &CalibrationModel<'_>,
    options: &CalibrationOptions,
) -> Result<Calibration> {
    let n = data.time.len();
    let p = data.n_covariates;
    if n == 0 {
        return Err(NomogramError::Empty { what: "calibration data".into(), min: 2 });
    }
    check_len("event indicators", data.event, n, "patient")?;
    check_len("covariate matrix", data.x, n * p, "patient x covariate")?;
    check_len("coefficients", model.coefficients, p, "covariate")?;
    check_finite("survival times", data.time)?;
    check_finite("covariates", data.x)?;
    let u = options.time;
    if !(u.is_finite() && u > 0.0) {
        return Err(NomogramError::InvalidParameter {
            name: "time".into(),
            value: u.to_string(),
            reason: "the calibration time must be positive".into(),
        });
    }
    let max_time = data.time.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if u > max_time {
        return Err(NomogramError::TimeBeyondFollowUp {
            time: u,
            max_follow_up: max_time,
            what: "the calibration data".into(),
        });
    }
    let events = data.event.iter().filter(|&&e| e).count();
    if events < options.min_events.max(1) {
        return Err(NomogramError::TooFewEvents {
            what: "the calibration data".into(),
            events,
            min: options.min_events.max(1),
        });
    }
    if options.patients_per_group == 0 && options.cuts.is_none() {
        return Err(NomogramError::InvalidParameter {
            name: "patients_per_group".into(),
            value: "0".into(),
            reason: "must be at least 1".into(),
        });
    }
    if !(options.confidence > 0.0 && options.confidence < 1.0) {
        return Err(NomogramError::InvalidParameter {
            name: "confidence".into(),
            value: options.confidence.to_string(),
            reason: "must lie strictly between 0 and 1".into(),
        });
    }

    let xbeta =
        |coef: &[f64]| -> Vec<f64> { (0..n).map(|i| (0..p).map(|k| coef[k] * data.x[i * p + k]).sum()).collect() };
    let s0_u = model.baseline.at(u);
    let xb = xbeta(model.coefficients);
    let pred: Vec<f64> = xb.iter().map(|v| s0_u.powf((v - model.center).exp())).collect();

    let cuts = match &options.cuts {
        Some(c) => {
            if c.len() < 2 || c.windows(2).any(|w| w[1] <= w[0]) {
                return Err(NomogramError::InvalidParameter {
                    name: "cuts".into(),
                    value: format!("{c:?}"),
                    reason: "need at least two strictly increasing cuts".into(),
                });
            }
            c.clone()
        }
        None => {
            let g = (n / options.patients_per_group).max(1);
            let mut sorted: Vec<f64> = pred.clone();
            sorted.push(0.0);
            sorted.push(1.0);
            sorted.sort_by(f64::total_cmp);
            (0..=g).map(|i| quantile_type7(&sorted, i as f64 / g as f64)).collect()
        }
    };
    let g = cuts.len() - 1;
    let all_rows: Vec<usize> = (0..n).collect();
    let mut warnings = Vec::new();
    let apparent = group_km(&pred, data.time, data.event, &all_rows, &cuts, u)?;
    if apparent.small_group {
        warnings.push("a calibration group of the original data has fewer than 2 patients".to_string());
    }
    let index_orig: Vec<Option<f64>> =
        (0..g).map(|i| apparent.km[i].zip(apparent.mean_predicted[i]).map(|(k, m)| k - m)).collect();

    let resamples_drawn = options.bootstrap;
    let samples: Vec<Vec<usize>> = match options.rng {
        BootstrapRng::R => {
            let mut rng = RMersenneTwister::new(options.seed);
            (0..resamples_drawn).map(|_| rng.sample_with_replacement(n, n)).collect()
        }
        BootstrapRng::ChaCha8 => {
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed as u64);
            (0..resamples_drawn).map(|_| (0..n).map(|_| rng.random_range(0..n)).collect()).collect()
        }
    };

    struct Replicate {
        training: Vec<Option<f64>>,
        test: Vec<Option<f64>>,
        small_group: bool,
    }
    let replicates: Vec<Option<Replicate>> = samples
        .par_iter()
        .map(|rows| -> Result<Option<Replicate>> {
            if rows.iter().filter(|&&r| data.event[r]).count() < options.min_events {
                return Ok(None);
            }
            let Ok(fit) = fit_cox_efron(data, rows, options.refit) else {
                return Ok(None);
            };
            let xb_boot = xbeta(&fit.coefficients);
            let lp_rows: Vec<f64> = rows.iter().map(|&r| xb_boot[r] - fit.center).collect();
            let time_rows: Vec<f64> = rows.iter().map(|&r| data.time[r]).collect();
            let event_rows: Vec<bool> = rows.iter().map(|&r| data.event[r]).collect();
            let baseline = BaselineSurvival::from_cox(&time_rows, &event_rows, &lp_rows, BaselineMethod::Efron)?;
            let s0 = baseline.at(u);
            let pred_boot: Vec<f64> = xb_boot.iter().map(|v| s0.powf((v - fit.center).exp())).collect();
            let (training, small_train) =
                distance(&pred_boot, data.time, data.event, rows, &cuts, u, options.min_events)?;
            let (test, small_test) =
                distance(&pred_boot, data.time, data.event, &all_rows, &cuts, u, options.min_events)?;
            Ok(Some(Replicate { training, test, small_group: small_train || small_test }))
        })
        .collect::<Result<_>>()?;

    let resamples_failed = replicates.iter().filter(|r| r.is_none()).count();
    let small = replicates.iter().flatten().filter(|r| r.small_group).count();
    if small > 0 {
        warnings.push(format!("{small} resample(s) had a calibration group with fewer than 2 patients"));
    }
    let mut groups = Vec::with_capacity(g);
    for i in 0..g {
        let (mut train_sum, mut test_sum, mut count) = (0.0, 0.0, 0usize);
        for rep in &replicates {
            let Some(rep) = rep else { continue };
            if let (Some(a), Some(b)) = (rep.training[i], rep.test[i]) {
                train_sum += a;
                test_sum += b;
                count += 1;
            }
        }
        let mean = |s: f64, c: usize| if c > 0 { Some(s / c as f64) } else { None };
        let optimism = mean(train_sum - test_sum, count);
        let z = normal_quantile(0.5 + options.confidence / 2.0);
        let observed_ci = apparent.km[i].zip(apparent.std_err[i]).map(|(s, se)| {
            if s == 0.0 { (0.0, 0.0) } else { ((s * (-z * se).exp()).max(0.0), (s * (z * se).exp()).min(1.0)) }
        });
        groups.push(CalibrationGroup {
            cut_range: (cuts[i], cuts[i + 1]),
            n: apparent.n[i],
            events: apparent.events[i],
            mean_predicted: apparent.mean_predicted[i],
            observed: apparent.km[i],
            std_err: apparent.std_err[i],
            observed_ci,
            index_apparent: index_orig[i],
            training: mean(train_sum, count),
            test: mean(test_sum, count),
            optimism,
            index_corrected: index_orig[i].zip(optimism).map(|(a, o)| a - o),
            resamples: count,
            observed_corrected: apparent.km[i].zip(optimism).map(|(k, o)| k - o),
        });
    }
    Ok(Calibration { time: u, cuts, groups, resamples_drawn, resamples_failed, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_type7_interpolates() {
        let v = [0.0, 1.0, 2.0, 3.0];
        assert_eq!(quantile_type7(&v, 0.5), 1.5);
        assert_eq!(quantile_type7(&v, 1.0), 3.0);
        assert_eq!(quantile_type7(&v, 0.0), 0.0);
    }

    #[test]
    fn cut2_is_left_closed() {
        // cut2(c(0.1, 0.2, 0.5, 0.9, 1), c(0, 0.5, 1)) puts 0.5 in the second group.
        let g = cut2_groups(&[0.1, 0.2, 0.5, 0.9, 1.0], &[0.0, 0.5, 1.0]).unwrap();
        assert_eq!(g, vec![Some(0), Some(0), Some(1), Some(1), Some(1)]);
    }

    #[test]
    fn normal_quantile_is_accurate() {
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-12);
        assert!((normal_quantile(0.5)).abs() < 1e-15);
        assert!((normal_quantile(0.05) + 1.6448536269514722).abs() < 1e-12);
    }
}
