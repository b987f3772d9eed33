//! The G-rho family of weighted log-rank tests for `k` groups, as R `survival::survdiff`.
//!
//! # Formulas
//! At each distinct event time `t` with `n` at risk (`n_g` in group `g`) and `d` events
//! (`d_g`), the weight is `w(t) = S(t-)^rho`, where `S` is the Kaplan-Meier estimate of the
//! pooled sample and `S(t-)` its value just before `t`. Then
//! `O_g = sum_t w d_g`, `E_g = sum_t w d n_g / n`, and
//! `V_gh = sum_t w^2 d (n - d) / (n (n - 1)) (delta_gh n_g - n_g n_h / n)` (skipped when
//! `n = 1`). The statistic is `chi2 = (O - E)' V^- (O - E)` over the groups with `E_g > 0`,
//! with the first of them dropped, on `k' - 1` degrees of freedom (`k'` groups with `E_g > 0`).
//! `rho = 0` is the log-rank (Mantel-Haenszel) test, `rho = 1` the Peto-Peto modification of
//! the Gehan-Wilcoxon test. survdiff reports the weighted `O` and `E` for `rho != 0`, and so
//! does this module.
//!
//! Subjects censored at time 0 are never at risk at a positive event time; events at time 0
//! count at time 0.
//!
//! # References
//! Harrington DP, Fleming TR (1982), A class of rank test procedures for censored survival
//! data, Biometrika 69:553-566. Peto R, Peto J (1972), JRSS A 135:185-207. R package survival
//! 3.5-3, `survdiff` (src/survdiff2.c).

use crate::cox::ChiSquareTest;
use crate::data::{SurvivalData, check_len};
use crate::error::{Result, SurvivalError, invalid_parameter};
use crate::linalg::{Cholesky, SymMatrix, quadratic_form_inverse};

/// Result of a G-rho test.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRankTest {
    /// The `rho` of the weights `S(t-)^rho`.
    pub rho: f64,
    /// Group labels, increasing (the distinct values of the input).
    pub groups: Vec<usize>,
    /// Subjects per group.
    pub n: Vec<usize>,
    /// Weighted observed events per group.
    pub observed: Vec<f64>,
    /// Weighted expected events per group.
    pub expected: Vec<f64>,
    /// Variance matrix of `O - E`, row by row.
    pub variance: Vec<Vec<f64>>,
    /// Chi-square statistic, degrees of freedom and p-value.
    pub test: ChiSquareTest,
}

/// Runs the G-rho test of equal survival across the groups given by `group` (any integer
/// labels; at least two distinct values needed).
///
/// # Errors
/// [`SurvivalError::TooFewGroups`] for fewer than two groups; [`SurvivalError::NoEvents`] when
/// no subject has an event; [`SurvivalError::InvalidParameter`] for a negative or non-finite
/// `rho`.
pub fn logrank_test(data: &SurvivalData, group: &[usize], rho: f64) -> Result<LogRankTest> {
    check_len("group", data.len(), group.len())?;
    if !(rho.is_finite() && rho >= 0.0) {
        return Err(invalid_parameter("rho", rho, "must be finite and >= 0"));
    }
    let mut labels: Vec<usize> = group.to_vec();
    labels.sort_unstable();
    labels.dedup();
    let k = labels.len();
    if k < 2 {
        return Err(SurvivalError::TooFewGroups { context: "log-rank test".into(), found: k, needed: 2 });
    }
    crate::km::require_events(data, "log-rank test")?;
    let g: Vec<usize> = group.iter().map(|v| labels.binary_search(v).unwrap_or(0)).collect();
    let mut n_g = vec![0usize; k];
    for &gi in &g {
        n_g[gi] += 1;
    }
    let order = data.order_by_time();
    let (t, e) = (data.time(), data.event());
    let mut at_risk = n_g.iter().map(|&v| v as f64).collect::<Vec<_>>();
    let mut obs = vec![0.0; k];
    let mut exp = vec![0.0; k];
    let mut var = SymMatrix::zeros(k);
    let mut km: f64 = 1.0;
    let mut pos = 0;
    let n_total = data.len();
    let mut d_g = vec![0.0; k];
    let mut left_g = vec![0.0; k];
    while pos < n_total {
        let tk = t[order[pos]];
        d_g.iter_mut().for_each(|v| *v = 0.0);
        left_g.iter_mut().for_each(|v| *v = 0.0);
        while pos < n_total && t[order[pos]] == tk {
            let i = order[pos];
            if e[i] {
                d_g[g[i]] += 1.0;
            }
            left_g[g[i]] += 1.0;
            pos += 1;
        }
        let d: f64 = d_g.iter().sum();
        let n: f64 = at_risk.iter().sum();
        if d > 0.0 {
            let w = km.powf(rho);
            for a in 0..k {
                obs[a] += w * d_g[a];
                exp[a] += w * d * at_risk[a] / n;
            }
            if n > 1.0 {
                let f = w * w * d * (n - d) / (n * (n - 1.0));
                for a in 0..k {
                    for b in 0..k {
                        let delta = if a == b { at_risk[a] } else { 0.0 };
                        let v = var.get(a, b) + f * (delta - at_risk[a] * at_risk[b] / n);
                        var.set(a, b, v);
                    }
                }
            }
            km *= 1.0 - d / n;
        }
        for a in 0..k {
            at_risk[a] -= left_g[a];
        }
    }
    let used: Vec<usize> = (0..k).filter(|&a| exp[a] > 0.0).collect();
    let df = used.len().saturating_sub(1);
    let chisq = if df == 0 {
        0.0
    } else {
        let keep = &used[1..];
        let mut v = SymMatrix::zeros(df);
        for (a, &ga) in keep.iter().enumerate() {
            for (b, &gb) in keep.iter().enumerate() {
                v.set(a, b, var.get(ga, gb));
            }
        }
        let diff: Vec<f64> = keep.iter().map(|&a| obs[a] - exp[a]).collect();
        let ch = Cholesky::new(&v, 1e-12).map_err(|_| SurvivalError::Numerical {
            context: "log-rank test".into(),
            detail: "the variance matrix of O - E is singular (a group without subjects at \
                     risk at any event time)"
                .into(),
        })?;
        quadratic_form_inverse(&ch, &diff)
    };
    Ok(LogRankTest {
        rho,
        groups: labels,
        n: n_g,
        observed: obs,
        expected: exp,
        variance: var.to_rows(),
        test: ChiSquareTest::new(chisq, df as f64),
    })
}

/// Two-group convenience form of [`logrank_test`]: `high[i] = true` puts subject `i` in
/// group 1, otherwise group 0.
///
/// # Errors
/// As [`logrank_test`].
pub fn logrank_two_groups(data: &SurvivalData, high: &[bool], rho: f64) -> Result<LogRankTest> {
    let g: Vec<usize> = high.iter().map(|&h| usize::from(h)).collect();
    logrank_test(data, &g, rho)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_group_statistic_matches_the_hand_formula() {
        let d = SurvivalData::new(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[1.0, 1.0, 0.0, 1.0, 1.0, 0.0]).unwrap();
        let g = [0, 1, 0, 1, 0, 1];
        let r = logrank_test(&d, &g, 0.0).unwrap();
        // Hand computation: event times 1 (n=6,n0=3,d0=1), 2 (n=5,n0=2,d1=1),
        // 4 (n=3,n0=1,d1=1), 5 (n=2,n0=1,d0=1).
        let e0 = 3.0 / 6.0 + 2.0 / 5.0 + 1.0 / 3.0 + 1.0 / 2.0;
        let v = 3.0 * 3.0 / 36.0 + 2.0 * 3.0 / 25.0 + 2.0 / 9.0 + 1.0 / 4.0;
        assert!((r.expected[0] - e0).abs() < 1e-12);
        assert!((r.test.statistic - (2.0 - e0).powi(2) / v).abs() < 1e-12);
        assert_eq!(r.test.df, 1.0);
        assert!(logrank_test(&d, &[0; 6], 0.0).is_err());
    }

    #[test]
    fn three_groups_have_two_degrees_of_freedom() {
        let d = SurvivalData::new(
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
            &[1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0],
        )
        .unwrap();
        let r = logrank_test(&d, &[0, 1, 2, 0, 1, 2, 0, 1, 2], 1.0).unwrap();
        assert_eq!(r.test.df, 2.0);
        let total_o: f64 = r.observed.iter().sum();
        let total_e: f64 = r.expected.iter().sum();
        assert!((total_o - total_e).abs() < 1e-12);
    }

    #[test]
    fn all_censored_is_an_error() {
        let d = SurvivalData::new(&[1.0, 2.0], &[0.0, 0.0]).unwrap();
        assert!(matches!(logrank_test(&d, &[0, 1], 0.0), Err(SurvivalError::NoEvents { .. })));
    }
}
