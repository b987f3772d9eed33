//! A Cox fit that follows `rms::cph` iteration for iteration, for the calibration bootstrap.
//!
//! `rms::calibrate` refits `cph` on every bootstrap sample with its default convergence
//! criterion, `eps = 1e-4` on the relative change of the log partial likelihood, which stops
//! Newton-Raphson before full convergence. Coefficients then differ from a tight fit by up to
//! about 1e-4, and that moves predicted survival enough to change calibration groups. This fit
//! reproduces survival's `coxph.fit` (C routine `coxfit6`, survival 3.5): Efron ties, start at
//! beta = 0, Newton steps with step halving when the likelihood drops, stop when
//! |1 - loglik_old / loglik_new| <= eps. Use `radiomics-survival` for general Cox modelling.

use crate::error::{NomogramError, Result};

/// Settings of [`fit_cox_efron`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CoxFitOptions {
    /// Convergence tolerance on |1 - loglik_old / loglik_new|. Default 1e-4 (`rms::cph`).
    pub eps: f64,
    /// Maximum Newton-Raphson iterations. Default 10 (`rms::cph`).
    pub max_iter: usize,
}

impl Default for CoxFitOptions {
    fn default() -> Self {
        Self { eps: 1e-4, max_iter: 10 }
    }
}

/// A fitted Cox model (Efron ties).
#[derive(Debug, Clone)]
pub struct CoxFit {
    /// Coefficients beta, one per covariate column.
    pub coefficients: Vec<f64>,
    /// Column means of the covariates.
    pub means: Vec<f64>,
    /// sum_j beta_j * mean_j: subtracted from x'beta to give the centred linear predictor.
    pub center: f64,
    /// Log partial likelihood at beta = 0 and at the returned beta.
    pub loglik: [f64; 2],
    /// Newton-Raphson iterations used.
    pub iterations: usize,
    /// Whether the convergence criterion was met within `max_iter`.
    pub converged: bool,
}

/// Covariate matrix in row-major order with the survival outcome.
#[derive(Debug, Clone)]
pub struct CoxData<'a> {
    /// Follow-up times.
    pub time: &'a [f64],
    /// Event indicators (true = event).
    pub event: &'a [bool],
    /// Covariates, row-major, `time.len() * n_covariates` values.
    pub x: &'a [f64],
    /// Number of covariate columns.
    pub n_covariates: usize,
}

/// Log partial likelihood (Efron), score vector and information matrix at `beta`.
fn efron_derivatives(data: &CoxData<'_>, rows: &[usize], beta: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
    let p = data.n_covariates;
    let x = |i: usize, j: usize| data.x[i * p + j];
    // Process distinct times from the largest down, so that the risk set only grows.
    let mut order: Vec<usize> = rows.to_vec();
    order.sort_by(|&a, &b| data.time[b].total_cmp(&data.time[a]));

    let mut loglik = 0.0;
    let mut score = vec![0.0; p];
    let mut info = vec![0.0; p * p];
    let mut s0 = 0.0;
    let mut s1 = vec![0.0; p];
    let mut s2 = vec![0.0; p * p];
    let mut d1 = vec![0.0; p];
    let mut d2 = vec![0.0; p * p];
    let mut a = vec![0.0; p];
    let n = order.len();
    let mut i = 0;
    while i < n {
        let t = data.time[order[i]];
        let mut d0 = 0.0;
        d1.iter_mut().for_each(|v| *v = 0.0);
        d2.iter_mut().for_each(|v| *v = 0.0);
        let mut deaths = 0usize;
        let mut j = i;
        while j < n && data.time[order[j]] == t {
            let r = order[j];
            let eta: f64 = (0..p).map(|k| beta[k] * x(r, k)).sum();
            let w = eta.exp();
            s0 += w;
            for k in 0..p {
                s1[k] += w * x(r, k);
                for l in 0..p {
                    s2[k * p + l] += w * x(r, k) * x(r, l);
                }
            }
            if data.event[r] {
                deaths += 1;
                loglik += eta;
                d0 += w;
                for k in 0..p {
                    score[k] += x(r, k);
                    d1[k] += w * x(r, k);
                    for l in 0..p {
                        d2[k * p + l] += w * x(r, k) * x(r, l);
                    }
                }
            }
            j += 1;
        }
        let dd = deaths as f64;
        for m in 0..deaths {
            let frac = m as f64 / dd;
            let den = s0 - frac * d0;
            loglik -= den.ln();
            for k in 0..p {
                a[k] = (s1[k] - frac * d1[k]) / den;
                score[k] -= a[k];
            }
            for k in 0..p {
                for l in 0..p {
                    info[k * p + l] += (s2[k * p + l] - frac * d2[k * p + l]) / den - a[k] * a[l];
                }
            }
        }
        i = j;
    }
    (loglik, score, info)
}

/// Solves `matrix * x = rhs` for a symmetric positive definite `matrix` (Cholesky).
fn cholesky_solve(matrix: &[f64], rhs: &[f64]) -> Option<Vec<f64>> {
    let p = rhs.len();
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut sum = matrix[i * p + j];
            for k in 0..j {
                sum -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if sum <= 1e-12 * matrix[i * p + i].abs().max(f64::MIN_POSITIVE) {
                    return None;
                }
                l[i * p + i] = sum.sqrt();
            } else {
                l[i * p + j] = sum / l[j * p + j];
            }
        }
    }
    let mut y = vec![0.0; p];
    for i in 0..p {
        let s: f64 = (0..i).map(|k| l[i * p + k] * y[k]).sum();
        y[i] = (rhs[i] - s) / l[i * p + i];
    }
    let mut out = vec![0.0; p];
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|k| l[k * p + i] * out[k]).sum();
        out[i] = (y[i] - s) / l[i * p + i];
    }
    Some(out)
}

/// Fits a Cox model with Efron ties on the subjects `rows` (repeats allowed, as in a
/// bootstrap sample), iterating exactly as survival's `coxph.fit` does.
///
/// # Errors
/// [`NomogramError::FitFailed`] when there are no events or the information matrix is singular.
pub fn fit_cox_efron(data: &CoxData<'_>, rows: &[usize], options: CoxFitOptions) -> Result<CoxFit> {
    let p = data.n_covariates;
    if !rows.iter().any(|&r| data.event[r]) {
        return Err(NomogramError::FitFailed { reason: "the sample has no events".into() });
    }
    let singular = || NomogramError::FitFailed {
        reason: "the information matrix is singular (a covariate is constant or collinear)".into(),
    };
    let mut beta = vec![0.0; p];
    let (loglik0, score, info) = efron_derivatives(data, rows, &beta);
    let step = cholesky_solve(&info, &score).ok_or_else(singular)?;
    let mut new_beta: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + s).collect();
    let mut loglik = loglik0;
    let mut halving = false;
    let mut converged = false;
    let mut iterations = 0;
    for iter in 1..=options.max_iter {
        iterations = iter;
        let (new_loglik, score, info) = efron_derivatives(data, rows, &new_beta);
        if (1.0 - loglik / new_loglik).abs() <= options.eps && !halving {
            loglik = new_loglik;
            beta.clone_from(&new_beta);
            converged = true;
            break;
        }
        if iter == options.max_iter {
            loglik = new_loglik;
            beta.clone_from(&new_beta);
            break;
        }
        if new_loglik < loglik {
            halving = true;
            for k in 0..p {
                new_beta[k] = (new_beta[k] + beta[k]) / 2.0;
            }
        } else {
            halving = false;
            loglik = new_loglik;
            let step = cholesky_solve(&info, &score).ok_or_else(singular)?;
            beta.copy_from_slice(&new_beta);
            for (b, s) in new_beta.iter_mut().zip(&step) {
                *b += s;
            }
        }
    }
    if beta.iter().any(|b| !b.is_finite()) {
        return Err(NomogramError::FitFailed { reason: "coefficients diverged".into() });
    }
    let nrows = rows.len() as f64;
    let means: Vec<f64> = (0..p).map(|k| rows.iter().map(|&r| data.x[r * p + k]).sum::<f64>() / nrows).collect();
    let center = beta.iter().zip(&means).map(|(b, m)| b * m).sum();
    Ok(CoxFit { coefficients: beta, means, center, loglik: [loglik0, loglik], iterations, converged })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_is_zero_at_tight_fit() {
        let time = [5.0, 8.0, 3.0, 9.0, 2.0, 7.0, 6.0, 4.0, 8.0, 1.0];
        let event = [true, true, false, true, true, false, true, true, true, false];
        let x = [1.0, 0.5, 0.0, 1.5, 2.0, 0.2, 0.3, 1.1, 0.9, 0.0];
        let data = CoxData { time: &time, event: &event, x: &x, n_covariates: 1 };
        let rows: Vec<usize> = (0..10).collect();
        let fit = fit_cox_efron(&data, &rows, CoxFitOptions { eps: 1e-12, max_iter: 50 }).unwrap();
        assert!(fit.converged);
        let (_, score, _) = efron_derivatives(&data, &rows, &fit.coefficients);
        assert!(score[0].abs() < 1e-8, "score {score:?}");
        assert!(fit.loglik[1] > fit.loglik[0]);
    }

    #[test]
    fn fit_without_events_fails() {
        let data = CoxData { time: &[1.0, 2.0], event: &[false, false], x: &[0.0, 1.0], n_covariates: 1 };
        assert!(matches!(
            fit_cox_efron(&data, &[0, 1], CoxFitOptions::default()),
            Err(NomogramError::FitFailed { .. })
        ));
    }
}
