//! rms-style nomogram of a Cox model: points per covariate, total points, linear predictor and
//! survival probability axes.
//!
//! The scaling follows `rms::nomogram` (rms 6.5-0):
//! - covariate j contributes beta_j * v over its axis values v; its range is
//!   R_j = max_v beta_j v - min_v beta_j v;
//! - sc = max_scale / max_j R_j, so the covariate with the widest effect spans 0 to max_scale
//!   (100 by default);
//! - points_j(v) = sc * (beta_j v - min_v beta_j v);
//! - total points tp map back to the centred linear predictor lp = tp / sc + intercept, where
//!   intercept = sum_j min_v beta_j v - center;
//! - S(t | lp) = S0(t)^exp(lp), with S0 the baseline survival at lp = 0.
//!
//! The survival axes place each requested probability by inverting S(t | lp) with linear
//! interpolation over 1000 equally spaced lp values, as rms does, so tick positions agree with
//! rms to rounding error.

use crate::baseline::BaselineSurvival;
use crate::error::{NomogramError, Result, check_finite, check_len};
use crate::pretty::pretty;

/// One covariate of the model as the nomogram shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NomogramCovariate {
    /// Variable name, as in the model.
    pub name: String,
    /// Axis title, with the unit, e.g. "Age (years)".
    pub label: String,
    /// Cox coefficient (log hazard ratio per unit).
    pub coefficient: f64,
    /// Values at which the axis gets ticks, increasing.
    pub axis_values: Vec<f64>,
    /// Optional tick labels for categorical covariates (one per axis value).
    pub value_labels: Option<Vec<String>>,
}

/// Default number of distinct values up to which a numeric covariate is treated as categorical,
/// as `rms::datadist(n.unique = 10)`.
pub const DEFAULT_MAX_DISCRETE: usize = 10;

impl NomogramCovariate {
    /// Builds a covariate axis from the covariate's data as `rms::datadist` and
    /// `rms::nomogram` do: a covariate with at most `max_discrete` distinct values gets one tick
    /// per value; otherwise the ticks are R's `pretty(range(data), 10)`, which may extend past
    /// the data range.
    ///
    /// # Errors
    /// Empty data or non-finite values.
    pub fn from_data(name: &str, label: &str, coefficient: f64, data: &[f64], max_discrete: usize) -> Result<Self> {
        if data.is_empty() {
            return Err(NomogramError::Empty { what: format!("data of covariate {name}"), min: 1 });
        }
        check_finite(&format!("covariate {name}"), data)?;
        check_finite(&format!("coefficient of {name}"), &[coefficient])?;
        let mut unique: Vec<f64> = data.to_vec();
        unique.sort_by(f64::total_cmp);
        unique.dedup();
        let axis_values =
            if unique.len() <= max_discrete { unique } else { pretty(unique[0], unique[unique.len() - 1], 10) };
        Ok(Self { name: name.into(), label: label.into(), coefficient, axis_values, value_labels: None })
    }
}

/// What the nomogram needs from a fitted Cox model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CoxNomogramModel {
    /// Covariates in model order.
    pub covariates: Vec<NomogramCovariate>,
    /// center = sum_j beta_j * mean(x_j); lp = x'beta - center.
    pub center: f64,
    /// Baseline survival S0(t) at lp = 0 (Efron-corrected for rms; see [`BaselineSurvival`]).
    pub baseline: BaselineSurvival,
    /// Smallest and largest centred linear predictor of the fitting data; rms puts the linear
    /// predictor ticks at `pretty(range)`.
    pub linear_predictor_range: (f64, f64),
}

/// Settings of [`Nomogram::build`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NomogramOptions {
    /// Points given to the covariate with the widest effect range. Default 100.
    pub max_scale: f64,
    /// Approximate number of intervals of `pretty` axes. Default 10.
    pub intervals: usize,
    /// Times of the survival axes, in the unit of the data. Default 365, 730 and 1095
    /// (1, 2 and 3 years when time is in days).
    pub times: Vec<f64>,
    /// Axis titles of the survival axes, one per time. Default "1-year survival" and so on.
    pub time_labels: Vec<String>,
    /// Survival probabilities that get ticks; those outside the attainable range are dropped.
    /// Default 0.99, 0.95, 0.9, 0.8, ..., 0.1, 0.05, 0.01.
    pub survival_ticks: Vec<f64>,
}

impl Default for NomogramOptions {
    fn default() -> Self {
        Self {
            max_scale: 100.0,
            intervals: 10,
            times: vec![365.0, 730.0, 1095.0],
            time_labels: vec!["1-year survival".into(), "2-year survival".into(), "3-year survival".into()],
            survival_ticks: vec![0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01],
        }
    }
}

/// The points axis of one covariate.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CovariateAxis {
    /// Variable name.
    pub name: String,
    /// Axis title.
    pub label: String,
    /// Covariate values at the ticks.
    pub values: Vec<f64>,
    /// Tick labels.
    pub value_labels: Vec<String>,
    /// beta * value at each tick (uncentred).
    pub xbeta: Vec<f64>,
    /// Points at each tick.
    pub points: Vec<f64>,
    /// Smallest and largest beta * value over the axis.
    pub xbeta_range: (f64, f64),
}

/// A scale mapping total points to another quantity.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DerivedAxis {
    /// Axis title.
    pub label: String,
    /// Time of a survival axis; `None` for the linear predictor axis.
    pub time: Option<f64>,
    /// Total points at each tick.
    pub points: Vec<f64>,
    /// Value at each tick (linear predictor or survival probability).
    pub values: Vec<f64>,
}

/// Prediction for one patient.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NomogramPrediction {
    /// Sum of the covariate points.
    pub total_points: f64,
    /// Centred linear predictor x'beta - center.
    pub linear_predictor: f64,
    /// Survival probability at each nomogram time.
    pub survival: Vec<f64>,
}

/// A computed nomogram.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Nomogram {
    /// Points per unit of linear predictor (`sc` in rms).
    pub scale: f64,
    /// Linear predictor at 0 total points (`Intercept` in rms): sum_j min beta_j v - center.
    pub intercept: f64,
    /// Points axis length (`maxscale`).
    pub max_scale: f64,
    /// One axis per covariate, in model order.
    pub covariates: Vec<CovariateAxis>,
    /// Ticks of the total points axis.
    pub total_points_axis: Vec<f64>,
    /// Linear predictor axis.
    pub linear_predictor_axis: DerivedAxis,
    /// One survival axis per requested time.
    pub survival_axes: Vec<DerivedAxis>,
    /// The model the nomogram was built from.
    pub model: CoxNomogramModel,
    /// Times of the survival axes.
    pub times: Vec<f64>,
}

/// R's `approx(x, y, xout, ties = mean)` with `rule = 1`: linear interpolation, `None` outside.
fn approx_ties_mean(x: &[f64], y: &[f64], xout: f64) -> Option<f64> {
    let mut pairs: Vec<(f64, f64)> =
        x.iter().copied().zip(y.iter().copied()).filter(|(a, b)| !a.is_nan() && !b.is_nan()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut xs: Vec<f64> = Vec::with_capacity(pairs.len());
    let mut ys: Vec<f64> = Vec::with_capacity(pairs.len());
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        let mut sum = 0.0;
        while j < pairs.len() && pairs[j].0 == pairs[i].0 {
            sum += pairs[j].1;
            j += 1;
        }
        xs.push(pairs[i].0);
        ys.push(sum / (j - i) as f64);
        i = j;
    }
    let n = xs.len();
    if n == 0 || xout < xs[0] || xout > xs[n - 1] {
        return None;
    }
    if n == 1 {
        return Some(ys[0]);
    }
    // Bisection exactly as R's approx1().
    let (mut lo, mut hi) = (0usize, n - 1);
    while lo < hi - 1 {
        let mid = (lo + hi) / 2;
        if xout < xs[mid] {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    if xout == xs[hi] {
        return Some(ys[hi]);
    }
    if xout == xs[lo] {
        return Some(ys[lo]);
    }
    Some(ys[lo] + (ys[hi] - ys[lo]) * ((xout - xs[lo]) / (xs[hi] - xs[lo])))
}

/// Formats a tick value without trailing zeros ("35", "0.5", "1.2").
pub(crate) fn format_tick(v: f64) -> String {
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    if s == "-0" { "0".into() } else { s }
}

impl Nomogram {
    /// Computes the nomogram scales from a fitted model.
    ///
    /// # Errors
    /// Empty or non-finite inputs, a covariate with fewer than one axis value, times and labels
    /// of different lengths, a non-positive time, or all coefficients zero (no points scale).
    pub fn build(model: &CoxNomogramModel, options: &NomogramOptions) -> Result<Self> {
        if model.covariates.is_empty() {
            return Err(NomogramError::Empty { what: "nomogram covariates".into(), min: 1 });
        }
        check_len("survival axis labels", &options.time_labels, options.times.len(), "survival time")?;
        check_finite("nomogram times", &options.times)?;
        for &t in &options.times {
            if t <= 0.0 {
                return Err(NomogramError::InvalidValue {
                    what: "nomogram time".into(),
                    value: t,
                    reason: "survival times must be positive".into(),
                });
            }
        }
        if !(options.max_scale.is_finite() && options.max_scale > 0.0) {
            return Err(NomogramError::InvalidParameter {
                name: "max_scale".into(),
                value: options.max_scale.to_string(),
                reason: "must be a positive number of points".into(),
            });
        }
        check_finite("center", &[model.center, model.linear_predictor_range.0, model.linear_predictor_range.1])?;

        // Effect ranges per covariate.
        let mut axes = Vec::with_capacity(model.covariates.len());
        for cov in &model.covariates {
            if cov.axis_values.is_empty() {
                return Err(NomogramError::Empty { what: format!("axis values of covariate {}", cov.name), min: 1 });
            }
            check_finite(&format!("axis values of {}", cov.name), &cov.axis_values)?;
            check_finite(&format!("coefficient of {}", cov.name), &[cov.coefficient])?;
            if let Some(labels) = &cov.value_labels {
                check_len(&format!("value labels of {}", cov.name), labels, cov.axis_values.len(), "axis value")?;
            }
            let xbeta: Vec<f64> = cov.axis_values.iter().map(|v| cov.coefficient * v).collect();
            let lo = xbeta.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xbeta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let value_labels =
                cov.value_labels.clone().unwrap_or_else(|| cov.axis_values.iter().map(|&v| format_tick(v)).collect());
            axes.push(CovariateAxis {
                name: cov.name.clone(),
                label: cov.label.clone(),
                values: cov.axis_values.clone(),
                value_labels,
                xbeta,
                points: Vec::new(),
                xbeta_range: (lo, hi),
            });
        }
        let widest = axes.iter().map(|a| a.xbeta_range.1 - a.xbeta_range.0).fold(0.0, f64::max);
        if widest <= 0.0 {
            return Err(NomogramError::InvalidParameter {
                name: "coefficients".into(),
                value: "all zero".into(),
                reason: "at least one covariate needs a non-zero coefficient and two axis values".into(),
            });
        }
        let scale = options.max_scale / widest;
        let intercept = -model.center + axes.iter().map(|a| a.xbeta_range.0).sum::<f64>();
        for axis in &mut axes {
            axis.points = axis.xbeta.iter().map(|xb| (xb - axis.xbeta_range.0) * scale).collect();
        }

        // Linear predictor ticks from the data range, total points axis long enough to hold them.
        let (lp_lo, lp_hi) = model.linear_predictor_range;
        let lp_at = pretty(lp_lo, lp_hi, options.intervals);
        let lp_max = lp_at.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lp_min = lp_at.iter().copied().fold(f64::INFINITY, f64::min);
        let sum_max =
            if axes.len() == 1 { options.max_scale } else { options.max_scale.max(scale * (lp_max - intercept)) };
        let total_points_axis = pretty(0.0, sum_max, options.intervals);
        let linear_predictor_axis = DerivedAxis {
            label: "Linear predictor".into(),
            time: None,
            points: lp_at.iter().map(|lp| (lp - intercept) * scale).collect(),
            values: lp_at.clone(),
        };

        // Survival axes: invert S(t | lp) on 1000 lp values between the lp ticks.
        // R: seq(min, max, length = 1000) = c(from, from + (1:998) * ((to - from) / 999), to).
        let step = (lp_max - lp_min) / 999.0;
        let mut grid: Vec<f64> = (0..1000).map(|i| lp_min + i as f64 * step).collect();
        grid[999] = lp_max;
        let mut survival_axes = Vec::with_capacity(options.times.len());
        for (t, label) in options.times.iter().zip(&options.time_labels) {
            let fu: Vec<f64> = grid.iter().map(|&lp| model.baseline.survival_at(*t, lp)).collect();
            let mut points = Vec::new();
            let mut values = Vec::new();
            for &p in &options.survival_ticks {
                if let Some(lp) = approx_ties_mean(&fu, &grid, p) {
                    points.push((lp - intercept) * scale);
                    values.push(p);
                }
            }
            survival_axes.push(DerivedAxis { label: label.clone(), time: Some(*t), points, values });
        }

        Ok(Self {
            scale,
            intercept,
            max_scale: options.max_scale,
            covariates: axes,
            total_points_axis,
            linear_predictor_axis,
            survival_axes,
            model: model.clone(),
            times: options.times.clone(),
        })
    }

    /// Returns the total points of a patient with covariate values `x` (model order):
    /// sum_j sc * (beta_j x_j - min_v beta_j v).
    pub fn total_points(&self, x: &[f64]) -> Result<f64> {
        check_len("patient covariates", x, self.covariates.len(), "model covariate")?;
        check_finite("patient covariates", x)?;
        Ok(self
            .model
            .covariates
            .iter()
            .zip(&self.covariates)
            .zip(x)
            .map(|((cov, axis), v)| self.scale * (cov.coefficient * v - axis.xbeta_range.0))
            .sum())
    }

    /// Returns the centred linear predictor for `total_points`: tp / sc + intercept.
    pub fn linear_predictor_from_points(&self, total_points: f64) -> f64 {
        total_points / self.scale + self.intercept
    }

    /// Returns S(t) = S0(t)^exp(lp) for `total_points`.
    pub fn survival_from_points(&self, total_points: f64, time: f64) -> f64 {
        self.model.baseline.survival_at(time, self.linear_predictor_from_points(total_points))
    }

    /// Predicts total points, linear predictor and survival at the nomogram times for one
    /// patient.
    pub fn predict(&self, x: &[f64]) -> Result<NomogramPrediction> {
        let total_points = self.total_points(x)?;
        let linear_predictor =
            self.model.covariates.iter().zip(x).map(|(c, v)| c.coefficient * v).sum::<f64>() - self.model.center;
        let survival = self.times.iter().map(|&t| self.model.baseline.survival_at(t, linear_predictor)).collect();
        Ok(NomogramPrediction { total_points, linear_predictor, survival })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> CoxNomogramModel {
        CoxNomogramModel {
            covariates: vec![
                NomogramCovariate {
                    name: "a".into(),
                    label: "A".into(),
                    coefficient: 0.5,
                    axis_values: vec![0.0, 1.0, 2.0, 3.0, 4.0],
                    value_labels: None,
                },
                NomogramCovariate {
                    name: "b".into(),
                    label: "B".into(),
                    coefficient: -1.0,
                    axis_values: vec![0.0, 1.0],
                    value_labels: Some(vec!["no".into(), "yes".into()]),
                },
            ],
            center: 0.5,
            baseline: BaselineSurvival::new(vec![0.0, 1.0, 2.0, 3.0], vec![1.0, 0.9, 0.7, 0.5]).unwrap(),
            linear_predictor_range: (-1.4, 1.4),
        }
    }

    #[test]
    fn widest_covariate_spans_max_scale() {
        let options = NomogramOptions { times: vec![2.0], time_labels: vec!["S(2)".into()], ..Default::default() };
        let nom = Nomogram::build(&model(), &options).unwrap();
        assert!((nom.scale - 50.0).abs() < 1e-12);
        assert_eq!(nom.covariates[0].points, vec![0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(nom.covariates[1].points, vec![50.0, 0.0]);
        assert!((nom.intercept - (-1.0 - 0.5)).abs() < 1e-12);
        let p = nom.predict(&[2.0, 1.0]).unwrap();
        assert!((p.total_points - 50.0).abs() < 1e-12);
        assert!((nom.linear_predictor_from_points(p.total_points) - p.linear_predictor).abs() < 1e-12);
        assert!((p.survival[0] - 0.7f64.powf((-0.5f64).exp())).abs() < 1e-12);
    }

    #[test]
    fn survival_ticks_invert_survival() {
        let options = NomogramOptions { times: vec![2.0], time_labels: vec!["S(2)".into()], ..Default::default() };
        let nom = Nomogram::build(&model(), &options).unwrap();
        let axis = &nom.survival_axes[0];
        assert!(!axis.values.is_empty());
        for (pt, s) in axis.points.iter().zip(&axis.values) {
            assert!((nom.survival_from_points(*pt, 2.0) - s).abs() < 1e-5);
        }
    }

    #[test]
    fn zero_coefficients_are_rejected() {
        let mut m = model();
        for c in &mut m.covariates {
            c.coefficient = 0.0;
        }
        assert!(Nomogram::build(&m, &NomogramOptions::default()).is_err());
    }

    #[test]
    fn covariate_axis_follows_datadist_rule() {
        let c = NomogramCovariate::from_data("ecog", "ECOG", 0.4, &[0.0, 1.0, 3.0, 1.0], 10).unwrap();
        assert_eq!(c.axis_values, vec![0.0, 1.0, 3.0]);
        let ages: Vec<f64> = (39..=82).map(f64::from).collect();
        let c = NomogramCovariate::from_data("age", "Age", 0.01, &ages, 10).unwrap();
        assert_eq!(c.axis_values.first(), Some(&35.0));
        assert_eq!(c.axis_values.last(), Some(&85.0));
    }
}
