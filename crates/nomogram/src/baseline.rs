//! Baseline survival of a Cox model and the Kaplan-Meier estimate used for calibration.

use crate::error::{NomogramError, Result, check_finite, check_len};

/// A right-continuous step function S(t): `survival[i]` holds on `[times[i], times[i + 1])`,
/// and S(t) = 1 before the first time.
///
/// Used for the Cox baseline survival S0(t) at a centred linear predictor of zero, which is what
/// rms stores as `fit$time` / `fit$surv`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BaselineSurvival {
    /// Increasing times (same unit as the survival data, e.g. days).
    pub times: Vec<f64>,
    /// Survival probability at each time, non-increasing, in [0, 1].
    pub survival: Vec<f64>,
}

/// How tied event times enter the baseline cumulative hazard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BaselineMethod {
    /// Breslow: each event time adds d / sum(risk weights) (R `survfit(coxph, ctype = 1)`).
    Breslow,
    /// Efron-corrected (Fleming-Harrington): d tied events add
    /// sum_{k=0}^{d-1} 1 / (R - k/d * E), with R the risk-set weight and E the weight of the tied
    /// events (R `survfit(coxph, ctype = 2)`). This is what `rms::cph` stores with Efron ties.
    #[default]
    Efron,
}

impl BaselineSurvival {
    /// Builds a step function after checking lengths, order and range.
    pub fn new(times: Vec<f64>, survival: Vec<f64>) -> Result<Self> {
        if times.is_empty() {
            return Err(NomogramError::Empty { what: "baseline survival times".into(), min: 1 });
        }
        check_len("baseline survival", &survival, times.len(), "baseline time")?;
        check_finite("baseline times", &times)?;
        check_finite("baseline survival", &survival)?;
        for i in 1..times.len() {
            if times[i] <= times[i - 1] {
                return Err(NomogramError::InvalidValue {
                    what: format!("baseline times[{i}]"),
                    value: times[i],
                    reason: format!("times must increase strictly (previous {})", times[i - 1]),
                });
            }
        }
        for (i, &s) in survival.iter().enumerate() {
            if !(0.0..=1.0).contains(&s) {
                return Err(NomogramError::InvalidValue {
                    what: format!("baseline survival[{i}]"),
                    value: s,
                    reason: "survival probabilities must lie in [0, 1]".into(),
                });
            }
        }
        Ok(Self { times, survival })
    }

    /// Returns S0(t): the value at the last time <= t, or 1 before the first time.
    pub fn at(&self, t: f64) -> f64 {
        let idx = self.times.partition_point(|&x| x <= t);
        if idx == 0 { 1.0 } else { self.survival[idx - 1] }
    }

    /// Returns S(t | lp) = S0(t)^exp(lp) for a centred linear predictor `lp`.
    pub fn survival_at(&self, t: f64, lp: f64) -> f64 {
        self.at(t).powf(lp.exp())
    }

    /// Returns the last time of the step function.
    pub fn last_time(&self) -> f64 {
        *self.times.last().expect("non-empty by construction")
    }

    /// Estimates the baseline survival of a fitted Cox model at centred linear predictor 0.
    ///
    /// `lp_centered[i]` is x_i'beta - center. The result has one step at time 0 (S = 1) and one
    /// at every distinct observed time, events and censorings alike, as `rms::cph(surv = TRUE)`
    /// stores it. The Efron method matches `rms::cph`'s `fit$surv` with Efron ties to about
    /// 1e-12; the Breslow method matches `survfit(coxph, ctype = 1)`.
    pub fn from_cox(time: &[f64], event: &[bool], lp_centered: &[f64], method: BaselineMethod) -> Result<Self> {
        let n = time.len();
        if n == 0 {
            return Err(NomogramError::Empty { what: "survival times".into(), min: 1 });
        }
        check_len("event indicators", event, n, "patient")?;
        check_len("linear predictors", lp_centered, n, "patient")?;
        check_finite("survival times", time)?;
        check_finite("linear predictors", lp_centered)?;
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
        let weight: Vec<f64> = lp_centered.iter().map(|lp| lp.exp()).collect();
        let mut at_risk: f64 = weight.iter().sum();

        let mut times = vec![0.0];
        let mut survival = vec![1.0];
        let mut cumulative_hazard = 0.0;
        let mut i = 0;
        while i < n {
            let t = time[order[i]];
            let mut j = i;
            let mut deaths = 0usize;
            let mut death_weight = 0.0;
            let mut leaving_weight = 0.0;
            while j < n && time[order[j]] == t {
                let k = order[j];
                leaving_weight += weight[k];
                if event[k] {
                    deaths += 1;
                    death_weight += weight[k];
                }
                j += 1;
            }
            if deaths > 0 {
                let d = deaths as f64;
                cumulative_hazard += match method {
                    BaselineMethod::Breslow => d / at_risk,
                    BaselineMethod::Efron => (0..deaths).map(|k| 1.0 / (at_risk - k as f64 / d * death_weight)).sum(),
                };
            }
            if t > 0.0 {
                times.push(t);
                survival.push((-cumulative_hazard).exp());
            } else if let Some(s0) = survival.last_mut() {
                *s0 = (-cumulative_hazard).exp();
            }
            at_risk -= leaving_weight;
            i = j;
        }
        Ok(Self { times, survival })
    }
}

/// Kaplan-Meier survival at one time point with the standard error of log S (Greenwood).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct KmAtTime {
    /// S(u), or `None` when u lies beyond the last observed time and S has not reached 0
    /// (the rule of `rms::groupkm`).
    pub survival: Option<f64>,
    /// sqrt(sum d / (n (n - d))) over event times <= u: the standard error of log S(u).
    pub std_err: Option<f64>,
    /// The largest observed time of the group.
    pub last_time: f64,
}

/// Kaplan-Meier estimate at time `u` for the subjects in `rows`, as `rms::groupkm` reads it.
///
/// The tolerance of 1e-6 on `u` is the one `groupkm` uses.
pub(crate) fn km_at(time: &[f64], event: &[bool], rows: &[usize], u: f64) -> KmAtTime {
    let mut order: Vec<usize> = rows.to_vec();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let n = order.len();
    let mut surv = 1.0;
    let mut var_sum = 0.0;
    let mut at_risk = n as f64;
    let mut i = 0;
    let mut s_at_u = 1.0;
    let mut se_at_u = 0.0;
    let mut last_time = f64::NEG_INFINITY;
    while i < n {
        let t = time[order[i]];
        let mut j = i;
        let mut deaths = 0.0;
        while j < n && time[order[j]] == t {
            if event[order[j]] {
                deaths += 1.0;
            }
            j += 1;
        }
        if deaths > 0.0 {
            surv *= 1.0 - deaths / at_risk;
            if at_risk > deaths {
                var_sum += deaths / (at_risk * (at_risk - deaths));
            }
        }
        if t <= u + 1e-6 {
            s_at_u = surv;
            se_at_u = var_sum.sqrt();
        }
        last_time = t;
        at_risk -= (j - i) as f64;
        i = j;
    }
    let beyond = u > last_time + 1e-6 && surv > 0.0;
    KmAtTime {
        survival: if beyond { None } else { Some(s_at_u) },
        std_err: if beyond { None } else { Some(se_at_u) },
        last_time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_function_is_right_continuous() {
        let s = BaselineSurvival::new(vec![0.0, 2.0, 5.0], vec![1.0, 0.8, 0.5]).unwrap();
        assert_eq!(s.at(-1.0), 1.0);
        assert_eq!(s.at(1.9), 1.0);
        assert_eq!(s.at(2.0), 0.8);
        assert_eq!(s.at(4.9), 0.8);
        assert_eq!(s.at(100.0), 0.5);
        assert!((s.survival_at(3.0, 2f64.ln()) - 0.64).abs() < 1e-15);
    }

    #[test]
    fn baseline_without_covariates_is_nelson_aalen() {
        // With lp = 0 and no ties, Breslow and Efron both give exp(-sum 1/n_at_risk).
        let time = [1.0, 2.0, 3.0, 4.0];
        let event = [true, false, true, true];
        let lp = [0.0; 4];
        for method in [BaselineMethod::Breslow, BaselineMethod::Efron] {
            let s = BaselineSurvival::from_cox(&time, &event, &lp, method).unwrap();
            let h: [f64; 4] = [1.0 / 4.0, 1.0 / 4.0, 1.0 / 4.0 + 1.0 / 2.0, 1.0 / 4.0 + 1.0 / 2.0 + 1.0];
            assert_eq!(s.times, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
            for (k, hk) in h.iter().enumerate() {
                assert!((s.survival[k + 1] - (-hk).exp()).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn efron_baseline_splits_tied_deaths() {
        // Two tied deaths among three subjects with weight 1: Efron adds 1/3 + 1/(3 - 1).
        let s = BaselineSurvival::from_cox(&[1.0, 1.0, 2.0], &[true, true, false], &[0.0; 3], BaselineMethod::Efron)
            .unwrap();
        assert!((s.at(1.0) - (-(1.0 / 3.0 + 0.5_f64)).exp()).abs() < 1e-15);
        let b = BaselineSurvival::from_cox(&[1.0, 1.0, 2.0], &[true, true, false], &[0.0; 3], BaselineMethod::Breslow)
            .unwrap();
        assert!((b.at(1.0) - (-(2.0_f64 / 3.0)).exp()).abs() < 1e-15);
    }

    #[test]
    fn km_at_time_and_beyond_follow_up() {
        let time = [1.0, 2.0, 3.0, 4.0];
        let event = [true, false, true, false];
        let rows = [0, 1, 2, 3];
        let km = km_at(&time, &event, &rows, 3.5);
        let s = 0.75 * 0.5;
        assert!((km.survival.unwrap() - s).abs() < 1e-15);
        let se = (1.0_f64 / (4.0 * 3.0) + 1.0 / (2.0 * 1.0)).sqrt();
        assert!((km.std_err.unwrap() - se).abs() < 1e-15);
        assert!(km_at(&time, &event, &rows, 10.0).survival.is_none());
    }
}
