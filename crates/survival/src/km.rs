//! Kaplan-Meier estimator with Greenwood standard errors, pointwise confidence intervals,
//! median survival and number-at-risk tables, matching R `survival::survfit` (3.5-3).
//!
//! # Formulas
//! At each distinct observed time `t_k` (events and censorings) with `n_k` at risk and `d_k`
//! events: `S(t) = prod_{t_k <= t} (1 - d_k / n_k)`. The standard error reported as
//! [`KaplanMeier::std_err`] is survfit's `std.err`: the Greenwood standard error of the
//! cumulative hazard `-log S`, `sqrt(sum_{t_k <= t} d_k / (n_k (n_k - d_k)))`. The standard
//! error of `S` itself is `S * std_err` ([`KaplanMeier::std_err_survival`]).
//!
//! Pointwise intervals with `z = Phi^-1(1 - (1 - level)/2)`:
//! - plain: `S -/+ z S std_err`, clipped to [0, 1];
//! - log (survfit's default): `S exp(-/+ z std_err)`, upper limit clipped to 1;
//! - log-log (lifelines' default): `exp(-exp(log(-log S) -/+ z std_err / log S))`.
//!
//! Where R reports NA the value here is NaN: log limits when `S = 0`, log-log limits when
//! `S = 0` or `S = 1`, and every standard error after `S` reaches 0 (Greenwood divides by zero).
//!
//! Median survival follows `summary.survfit`: the first time at which the curve is `<= 0.5`;
//! when the curve equals 0.5 exactly (within `sqrt(machine epsilon)`) over an interval, the
//! median is the midpoint between that time and the next time the curve drops. Its confidence
//! limits apply the same rule to the lower band (lower limit) and the upper band (upper limit).
//!
//! A time of 0 is an ordinary time: an event at 0 makes `S(0) < 1`.
//!
//! # References
//! Kaplan EL, Meier P (1958), JASA 53:457-481. Greenwood M (1926), Reports on Public Health and
//! Medical Subjects 33. Kalbfleisch JD, Prentice RL (2002), The Statistical Analysis of Failure
//! Time Data, 2nd ed., Wiley, section 1.4. Brookmeyer R, Crowley J (1982), Biometrics 38:29-41
//! (median confidence interval). R package survival 3.5-3, `survfit.formula`, `summary.survfit`.

use crate::data::SurvivalData;
use crate::error::{Result, SurvivalError, invalid_parameter};
use crate::stats::normal_quantile;

/// Transformation used for pointwise confidence intervals of the survival curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConfType {
    /// Untransformed: `S -/+ z se(S)`, clipped to [0, 1].
    Plain,
    /// Log transform (R `survfit` default).
    #[default]
    Log,
    /// Complementary log-log transform (lifelines default).
    LogLog,
}

/// A Kaplan-Meier curve: one row per distinct observed time.
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    /// Distinct observed times (events and censorings), increasing.
    pub time: Vec<f64>,
    /// Number at risk just before each time.
    pub n_risk: Vec<usize>,
    /// Events at each time.
    pub n_event: Vec<usize>,
    /// Censorings at each time.
    pub n_censor: Vec<usize>,
    /// Survival `S(t)` just after each time.
    pub surv: Vec<f64>,
    /// Greenwood standard error of `-log S(t)` (R's `std.err`).
    pub std_err: Vec<f64>,
    /// Number of subjects.
    pub n: usize,
    /// Number of events.
    pub n_events: usize,
}

/// Pointwise confidence limits of a survival curve.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfidenceBand {
    /// Lower limits.
    pub lower: Vec<f64>,
    /// Upper limits.
    pub upper: Vec<f64>,
}

/// Median survival time with its confidence interval (`None` where the curve, or the band,
/// never reaches 0.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MedianSurvival {
    /// Median survival time.
    pub median: Option<f64>,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
}

/// Survival at chosen times (R `summary(fit, times = , extend = TRUE)`).
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalAtTimes {
    /// The requested times.
    pub time: Vec<f64>,
    /// Number at risk at each time (subjects with follow-up `>= t`).
    pub n_risk: Vec<usize>,
    /// Survival at each time (the last value carries forward beyond the last observation).
    pub surv: Vec<f64>,
    /// Standard error of `S(t)` (not of the cumulative hazard).
    pub std_err_surv: Vec<f64>,
    /// Lower confidence limits.
    pub lower: Vec<f64>,
    /// Upper confidence limits.
    pub upper: Vec<f64>,
}

impl KaplanMeier {
    /// Estimates the curve. All-censored data give `S = 1` at every time (a documented result,
    /// not an error).
    ///
    /// # Errors
    /// None beyond those of [`SurvivalData`] construction; the `Result` is kept for future
    /// weighted variants.
    pub fn fit(data: &SurvivalData) -> Result<Self> {
        let order = data.order_by_time();
        let (t, e) = (data.time(), data.event());
        let n = data.len();
        let mut km = Self {
            time: Vec::new(),
            n_risk: Vec::new(),
            n_event: Vec::new(),
            n_censor: Vec::new(),
            surv: Vec::new(),
            std_err: Vec::new(),
            n,
            n_events: data.n_events(),
        };
        let (mut s, mut green) = (1.0, 0.0);
        let mut at_risk = n;
        let mut k = 0;
        while k < n {
            let tk = t[order[k]];
            let (mut d, mut c) = (0, 0);
            while k < n && t[order[k]] == tk {
                if e[order[k]] {
                    d += 1
                } else {
                    c += 1
                }
                k += 1;
            }
            let nr = at_risk as f64;
            if d > 0 {
                s *= 1.0 - d as f64 / nr;
                green += if d == at_risk { f64::INFINITY } else { d as f64 / (nr * (nr - d as f64)) };
            }
            km.time.push(tk);
            km.n_risk.push(at_risk);
            km.n_event.push(d);
            km.n_censor.push(c);
            km.surv.push(s);
            km.std_err.push(if green.is_finite() { green.sqrt() } else { f64::NAN });
            at_risk -= d + c;
        }
        Ok(km)
    }

    /// Standard error of `S(t)`: `S * std_err`.
    pub fn std_err_survival(&self) -> Vec<f64> {
        self.surv.iter().zip(&self.std_err).map(|(s, e)| s * e).collect()
    }

    /// `S(t)` at any `t` (1 before the first time; right-continuous).
    pub fn survival_at(&self, t: f64) -> f64 {
        let k = self.time.partition_point(|&s| s <= t);
        if k == 0 { 1.0 } else { self.surv[k - 1] }
    }

    /// Pointwise confidence limits at every curve time.
    ///
    /// # Errors
    /// [`SurvivalError::InvalidParameter`] unless `0 < level < 1`.
    pub fn confidence_band(&self, conf_type: ConfType, level: f64) -> Result<ConfidenceBand> {
        let z = z_of(level)?;
        let (lower, upper) = self.surv.iter().zip(&self.std_err).map(|(&s, &se)| limits(s, se, z, conf_type)).unzip();
        Ok(ConfidenceBand { lower, upper })
    }

    /// Median survival with its confidence interval (see the module documentation).
    ///
    /// # Errors
    /// [`SurvivalError::InvalidParameter`] unless `0 < level < 1`.
    pub fn median(&self, conf_type: ConfType, level: f64) -> Result<MedianSurvival> {
        let band = self.confidence_band(conf_type, level)?;
        Ok(MedianSurvival {
            median: quantile_crossing(&self.time, &self.surv),
            lower: quantile_crossing(&self.time, &band.lower),
            upper: quantile_crossing(&self.time, &band.upper),
        })
    }

    /// Number at risk (follow-up `>= t`) at each of `times`.
    pub fn number_at_risk(&self, times: &[f64]) -> Vec<usize> {
        times
            .iter()
            .map(|&t| {
                let k = self.time.partition_point(|&s| s < t);
                if k < self.time.len() { self.n_risk[k] } else { 0 }
            })
            .collect()
    }

    /// Survival, its standard error and confidence limits at chosen times.
    ///
    /// # Errors
    /// [`SurvivalError::InvalidParameter`] unless `0 < level < 1`, or for a NaN time.
    pub fn at_times(&self, times: &[f64], conf_type: ConfType, level: f64) -> Result<SurvivalAtTimes> {
        let z = z_of(level)?;
        if let Some(t) = times.iter().find(|t| t.is_nan()) {
            return Err(invalid_parameter("times", t, "times must not be NaN"));
        }
        let mut out = SurvivalAtTimes {
            time: times.to_vec(),
            n_risk: self.number_at_risk(times),
            surv: Vec::new(),
            std_err_surv: Vec::new(),
            lower: Vec::new(),
            upper: Vec::new(),
        };
        for &t in times {
            let k = self.time.partition_point(|&s| s <= t);
            let (s, se) = if k == 0 { (1.0, 0.0) } else { (self.surv[k - 1], self.std_err[k - 1]) };
            let (lo, hi) = if k == 0 { (1.0, 1.0) } else { limits(s, se, z, conf_type) };
            out.surv.push(s);
            out.std_err_surv.push(s * se);
            out.lower.push(lo);
            out.upper.push(hi);
        }
        Ok(out)
    }

    /// Restricted mean survival time `integral_0^tau S(t) dt` (R `print(fit, rmean = tau)`).
    ///
    /// # Errors
    /// [`SurvivalError::InvalidParameter`] for a negative or non-finite `tau`.
    pub fn restricted_mean(&self, tau: f64) -> Result<f64> {
        if !(tau.is_finite() && tau >= 0.0) {
            return Err(invalid_parameter("tau", tau, "must be finite and >= 0"));
        }
        let (mut area, mut prev_t, mut prev_s) = (0.0, 0.0, 1.0);
        for (&t, &s) in self.time.iter().zip(&self.surv) {
            if t >= tau {
                break;
            }
            area += prev_s * (t - prev_t);
            prev_t = t;
            prev_s = s;
        }
        Ok(area + prev_s * (tau - prev_t))
    }
}

fn z_of(level: f64) -> Result<f64> {
    if !(level > 0.0 && level < 1.0) {
        return Err(invalid_parameter("level", level, "must be in (0, 1)"));
    }
    Ok(normal_quantile(1.0 - (1.0 - level) / 2.0))
}

/// Confidence limits of one survival value `s` with log-scale standard error `se`.
pub(crate) fn limits(s: f64, se: f64, z: f64, conf_type: ConfType) -> (f64, f64) {
    if se.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    match conf_type {
        ConfType::Plain => {
            let h = z * se * s;
            ((s - h).max(0.0), (s + h).min(1.0))
        }
        ConfType::Log => {
            if s == 0.0 {
                return (f64::NAN, f64::NAN);
            }
            let h = z * se;
            (s * (-h).exp(), (s * h.exp()).min(1.0))
        }
        ConfType::LogLog => {
            if s == 0.0 || s == 1.0 {
                return (f64::NAN, f64::NAN);
            }
            let ls = s.ln();
            let c = (-ls).ln();
            let a = (-(c + z * se / ls).exp()).exp();
            let b = (-(c - z * se / ls).exp()).exp();
            (a.min(b), a.max(b))
        }
    }
}

/// survfit's `minmin` rule: first time the curve is <= 0.5 (NaN values skipped), with the
/// midpoint rule when the curve sits exactly at 0.5.
fn quantile_crossing(time: &[f64], y: &[f64]) -> Option<f64> {
    let tol = f64::EPSILON.sqrt();
    let keep: Vec<usize> = (0..y.len()).filter(|&k| !y[k].is_nan() && y[k] < 0.5 + tol).collect();
    let &first = keep.first()?;
    if (y[first] - 0.5).abs() < tol
        && let Some(&next) = keep.iter().find(|&&k| y[k] < y[first])
    {
        return Some((time[first] + time[next]) / 2.0);
    }
    Some(time[first])
}

/// Checks that `data` has at least one event (helper for methods that need one).
pub(crate) fn require_events(data: &SurvivalData, context: &str) -> Result<()> {
    if data.n_events() == 0 {
        return Err(SurvivalError::NoEvents { context: context.into(), n: data.len() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_curve_and_greenwood() {
        // times 1,2,2,3,4 with events 1,1,0,1,0.
        let d = SurvivalData::new(&[1.0, 2.0, 2.0, 3.0, 4.0], &[1.0, 1.0, 0.0, 1.0, 0.0]).unwrap();
        let km = KaplanMeier::fit(&d).unwrap();
        assert_eq!(km.time, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(km.n_risk, vec![5, 4, 2, 1]);
        let s = [0.8, 0.8 * 0.75, 0.8 * 0.75 * 0.5, 0.3];
        for k in 0..4 {
            assert!((km.surv[k] - s[k]).abs() < 1e-15);
        }
        let g = (1.0 / 20.0 + 1.0 / 12.0 + 1.0 / 2.0f64).sqrt();
        assert!((km.std_err[2] - g).abs() < 1e-15);
        let m = km.median(ConfType::Log, 0.95).unwrap();
        assert_eq!(m.median, Some(3.0));
        assert_eq!(km.number_at_risk(&[0.0, 2.0, 2.5, 9.0]), vec![5, 4, 2, 0]);
        // rmean to 4: 1*1 + 0.8*1 + 0.6*1 + 0.3*1
        assert!((km.restricted_mean(4.0).unwrap() - 2.7).abs() < 1e-12);
    }

    #[test]
    fn median_midpoint_rule_when_the_curve_sits_at_one_half() {
        let d = SurvivalData::new(&[1.0, 2.0, 3.0, 4.0], &[1.0, 1.0, 1.0, 1.0]).unwrap();
        let km = KaplanMeier::fit(&d).unwrap();
        assert_eq!(km.median(ConfType::Log, 0.95).unwrap().median, Some(2.5));
    }

    #[test]
    fn all_censored_curve_stays_at_one_and_has_no_median() {
        let d = SurvivalData::new(&[1.0, 2.0], &[0.0, 0.0]).unwrap();
        let km = KaplanMeier::fit(&d).unwrap();
        assert_eq!(km.surv, vec![1.0, 1.0]);
        assert_eq!(km.median(ConfType::LogLog, 0.95).unwrap().median, None);
    }

    #[test]
    fn event_at_time_zero_drops_the_curve_at_zero() {
        let d = SurvivalData::new(&[0.0, 2.0], &[1.0, 0.0]).unwrap();
        let km = KaplanMeier::fit(&d).unwrap();
        assert_eq!(km.survival_at(0.0), 0.5);
    }

    #[test]
    fn invalid_level_is_rejected() {
        let d = SurvivalData::new(&[1.0], &[1.0]).unwrap();
        let km = KaplanMeier::fit(&d).unwrap();
        assert!(km.confidence_band(ConfType::Log, 1.5).is_err());
    }
}
