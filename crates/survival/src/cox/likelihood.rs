//! The Cox partial log-likelihood with its gradient and information matrix (Breslow and Efron
//! ties).
//!
//! With linear predictor `eta_i = x_i' beta + offset_i`, risk set `R(t) = {j : t_j >= t}` and
//! `D(t)` the `d` events at the distinct event time `t`:
//!
//! - Breslow: `l = sum_t [ sum_{i in D(t)} eta_i - d log S0(t) ]`, `S0 = sum_{R(t)} exp(eta_j)`.
//! - Efron: `l = sum_t [ sum_{i in D(t)} eta_i - sum_{k=0}^{d-1} log(S0(t) - k/d E0(t)) ]` with
//!   `E0(t) = sum_{D(t)} exp(eta_i)`. With no tied event times both equal the exact likelihood.
//!
//! The gradient is `U = sum_t [ sum_{D(t)} x_i - sum_k a_k ]` with `a_k = (S1 - k/d E1) /
//! (S0 - k/d E0)`, and the information (minus the Hessian) is `I = sum_t sum_k [ (S2 - k/d E2) /
//! (S0 - k/d E0) - a_k a_k' ]`, where `S1, E1` (vectors) and `S2, E2` (matrices) are the sums
//! of `exp(eta) x` and `exp(eta) x x'` over the risk set and the tied events.
//!
//! References: Cox DR (1972), Regression models and life-tables, JRSS B 34:187-220;
//! Breslow NE (1974), Biometrics 30:89-99; Efron B (1977), JASA 72:557-565;
//! Therneau TM, Grambsch PM (2000), Modeling Survival Data, section 3.3.

use super::Ties;
use crate::data::{Covariates, SurvivalData};
use crate::linalg::SymMatrix;

/// Subjects sorted by decreasing time, split into groups of equal time.
#[derive(Debug, Clone)]
pub(crate) struct RiskSetIndex {
    /// Row indices by decreasing time (events after censorings within a time, which does not
    /// matter because whole groups enter the risk set together).
    pub order: Vec<usize>,
    /// `(start, end)` ranges into `order`, one per distinct time, from the largest time.
    pub groups: Vec<(usize, usize)>,
}

impl RiskSetIndex {
    pub fn new(data: &SurvivalData) -> Self {
        let mut order = data.order_by_time();
        order.reverse();
        let t = data.time();
        let mut groups = Vec::new();
        let mut s = 0;
        while s < order.len() {
            let mut e = s + 1;
            while e < order.len() && t[order[e]] == t[order[s]] {
                e += 1;
            }
            groups.push((s, e));
            s = e;
        }
        Self { order, groups }
    }
}

/// Value, gradient and information of the partial log-likelihood at one `beta`.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialLikelihood {
    /// Log partial likelihood `l(beta)`.
    pub loglik: f64,
    /// Gradient (score vector) `dl/dbeta`.
    pub gradient: Vec<f64>,
    /// Observed information `-d2l/dbeta2`, row by row.
    pub information: Vec<Vec<f64>>,
}

/// Evaluates the partial log-likelihood, its gradient and information at `beta`.
///
/// `offset` (one per subject) is added to the linear predictor; pass `None` for none.
///
/// # Errors
/// [`crate::SurvivalError::LengthMismatch`] when the shapes disagree.
pub fn partial_likelihood(
    data: &SurvivalData,
    x: &Covariates,
    beta: &[f64],
    offset: Option<&[f64]>,
    ties: Ties,
) -> crate::Result<PartialLikelihood> {
    crate::data::check_len("covariate rows", data.len(), x.n_rows())?;
    crate::data::check_len("coefficients", x.n_cols(), beta.len())?;
    if let Some(o) = offset {
        crate::data::check_len("offset", data.len(), o.len())?;
    }
    let idx = RiskSetIndex::new(data);
    let mut eta = x.linear_predictor(beta)?;
    if let Some(o) = offset {
        eta.iter_mut().zip(o).for_each(|(e, o)| *e += o);
    }
    let rows = rows_of(x);
    let (loglik, u, imat) = evaluate(data, &idx, &rows, x.n_cols(), &eta, ties, true);
    Ok(PartialLikelihood { loglik, gradient: u, information: imat.to_rows() })
}

/// Row-major copy of the (centred or raw) covariates for cache-friendly outer products.
pub(crate) fn rows_of(x: &Covariates) -> Vec<f64> {
    let (n, p) = (x.n_rows(), x.n_cols());
    let mut r = vec![0.0; n * p];
    for j in 0..p {
        for (i, &v) in x.column(j).iter().enumerate() {
            r[i * p + j] = v;
        }
    }
    r
}

/// Core evaluation on row-major `rows` (n x p). Returns (loglik, gradient, information); the
/// information is only filled when `want_info`.
pub(crate) fn evaluate(
    data: &SurvivalData,
    idx: &RiskSetIndex,
    rows: &[f64],
    p: usize,
    eta: &[f64],
    ties: Ties,
    want_info: bool,
) -> (f64, Vec<f64>, SymMatrix) {
    let ev = data.event();
    // Shift eta for stability; the likelihood is invariant to a common shift.
    let shift = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let shift = if shift.is_finite() { shift } else { 0.0 };
    let mut s0 = 0.0;
    let mut s1 = vec![0.0; p];
    let mut s2 = SymMatrix::zeros(if want_info { p } else { 0 });
    let mut e1 = vec![0.0; p];
    let mut e2 = SymMatrix::zeros(if want_info { p } else { 0 });
    let mut a = vec![0.0; p];
    let mut loglik = 0.0;
    let mut u = vec![0.0; p];
    let mut imat = SymMatrix::zeros(p);
    for &(gs, ge) in &idx.groups {
        let mut d = 0usize;
        let mut e0 = 0.0;
        e1.iter_mut().for_each(|v| *v = 0.0);
        if want_info {
            e2.a.iter_mut().for_each(|v| *v = 0.0);
        }
        for &i in &idx.order[gs..ge] {
            let r = (eta[i] - shift).exp();
            let xi = &rows[i * p..(i + 1) * p];
            s0 += r;
            for j in 0..p {
                s1[j] += r * xi[j];
            }
            if want_info {
                for j in 0..p {
                    let rx = r * xi[j];
                    for k in 0..=j {
                        s2.a[j * p + k] += rx * xi[k];
                    }
                }
            }
            if ev[i] {
                d += 1;
                e0 += r;
                loglik += eta[i] - shift;
                for j in 0..p {
                    e1[j] += r * xi[j];
                    u[j] += xi[j];
                }
                if want_info {
                    for j in 0..p {
                        let rx = r * xi[j];
                        for k in 0..=j {
                            e2.a[j * p + k] += rx * xi[k];
                        }
                    }
                }
            }
        }
        if d == 0 {
            continue;
        }
        let steps = match ties {
            Ties::Breslow => 1,
            Ties::Efron => d,
        };
        let weight = match ties {
            Ties::Breslow => d as f64,
            Ties::Efron => 1.0,
        };
        for k in 0..steps {
            let f = match ties {
                Ties::Breslow => 0.0,
                Ties::Efron => k as f64 / d as f64,
            };
            let den = s0 - f * e0;
            loglik -= weight * den.ln();
            for j in 0..p {
                a[j] = (s1[j] - f * e1[j]) / den;
                u[j] -= weight * a[j];
            }
            if want_info {
                for j in 0..p {
                    for l in 0..=j {
                        let v = (s2.a[j * p + l] - f * e2.a[j * p + l]) / den - a[j] * a[l];
                        imat.a[j * p + l] += weight * v;
                    }
                }
            }
        }
    }
    if want_info {
        for j in 0..p {
            for l in 0..j {
                imat.a[l * p + j] = imat.a[j * p + l];
            }
        }
    }
    (loglik, u, imat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_covariate_without_ties_matches_a_hand_computation() {
        // times 1,2,3 all events, x = 0,1,0, beta = 0.5:
        // l = (0 - log(1 + e^.5 + 1)) + (.5 - log(e^.5 + 1)) + (0 - log 1)
        let data = SurvivalData::new(&[1.0, 2.0, 3.0], &[1.0, 1.0, 1.0]).unwrap();
        let x = Covariates::from_columns(&["x"], &[vec![0.0, 1.0, 0.0]]).unwrap();
        let pl = partial_likelihood(&data, &x, &[0.5], None, Ties::Breslow).unwrap();
        let e = 0.5f64.exp();
        let expected = -(2.0 + e).ln() + 0.5 - (e + 1.0).ln();
        assert!((pl.loglik - expected).abs() < 1e-12);
        let g = -e / (2.0 + e) + 1.0 - e / (e + 1.0);
        assert!((pl.gradient[0] - g).abs() < 1e-12);
    }

    #[test]
    fn efron_equals_breslow_without_tied_events() {
        let data = SurvivalData::new(&[1.0, 2.0, 2.0, 4.0], &[1.0, 1.0, 0.0, 1.0]).unwrap();
        let x = Covariates::from_columns(&["x"], &[vec![0.3, -1.0, 2.0, 0.5]]).unwrap();
        let b = partial_likelihood(&data, &x, &[0.7], None, Ties::Breslow).unwrap();
        let e = partial_likelihood(&data, &x, &[0.7], None, Ties::Efron).unwrap();
        assert!((b.loglik - e.loglik).abs() < 1e-12);
    }
}
