//! A Cox fit with `rms::cph`'s convergence rule, for the calibration bootstrap.
//!
//! `rms::calibrate` refits `cph` on every bootstrap sample with its default convergence
//! criterion, `eps = 1e-4` on the relative change of the log partial likelihood, which stops
//! Newton-Raphson before full convergence. Coefficients then differ from a tight fit by up to
//! about 1e-4, and that moves predicted survival enough to change calibration groups.
//! [`fit_cox_efron`] therefore calls `radiomics_survival::fit_cox` (Efron ties, start at
//! beta = 0, Newton steps with step halving, stop when |1 - loglik_old / loglik_new| <= eps,
//! as survival's `coxph.fit`) with `eps` and `max_iter` set from [`CoxFitOptions`] and the
//! bootstrap rows copied out, repeats included. The conformance tests compare the coefficients
//! at eps 1e-4 and 1e-10 with `rms::cph` on the lung and veteran cohorts to 1e-10 and 1e-9.
//!
//! NOTE: corner cases follow `radiomics_survival::fit_cox`. At the iteration limit it keeps the
//! last coefficients that raised the likelihood and it halves a failed step by 1/2 each time.
//! Versions of `coxfit6` differ here: older ones return the last step taken, later ones the
//! last good coefficients, moving (new + k old) / (k + 1) after k failed steps in a row.
//! Collinearity is a Cholesky pivot below 1e-10 times the largest diagonal of the information.

use radiomics_survival::{Covariates, CoxOptions, SurvivalData, Termination, Ties, fit_cox};

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

/// Fits a Cox model with Efron ties on the subjects `rows` (repeats allowed, as in a
/// bootstrap sample) by `radiomics_survival::fit_cox` with `options.eps` and
/// `options.max_iter`. A coefficient that diverges (monotone likelihood) is returned as
/// reached, as `cph` does.
///
/// # Errors
/// [`NomogramError::FitFailed`] when there are no events, a covariate is constant or collinear
/// in the sample, or a coefficient is not finite.
pub fn fit_cox_efron(data: &CoxData<'_>, rows: &[usize], options: CoxFitOptions) -> Result<CoxFit> {
    let p = data.n_covariates;
    if !rows.iter().any(|&r| data.event[r]) {
        return Err(NomogramError::FitFailed { reason: "the sample has no events".into() });
    }
    let failed = |e: radiomics_survival::SurvivalError| NomogramError::FitFailed { reason: e.to_string() };
    let time: Vec<f64> = rows.iter().map(|&r| data.time[r]).collect();
    let event: Vec<bool> = rows.iter().map(|&r| data.event[r]).collect();
    let x: Vec<f64> = rows.iter().flat_map(|&r| data.x[r * p..(r + 1) * p].iter().copied()).collect();
    let names: Vec<String> = (0..p).map(|k| format!("x{}", k + 1)).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let outcome = SurvivalData::from_bool(&time, &event).map_err(failed)?;
    let covariates = Covariates::from_row_major(&name_refs, rows.len(), &x).map_err(failed)?;
    let cox_options = CoxOptions {
        ties: Ties::Efron,
        max_iter: options.max_iter,
        eps: options.eps,
        allow_monotone: true,
        ..CoxOptions::default()
    };
    let fit = fit_cox(&outcome, &covariates, &cox_options).map_err(failed)?;
    if fit.coefficients.iter().any(|b| !b.is_finite()) {
        return Err(NomogramError::FitFailed { reason: "coefficients diverged".into() });
    }
    let converged = match fit.convergence.termination {
        Termination::Converged => true,
        Termination::MonotoneLikelihood { .. } => fit.convergence.final_change <= options.eps,
        _ => false,
    };
    let center = fit.coefficients.iter().zip(&fit.means).map(|(b, m)| b * m).sum();
    Ok(CoxFit {
        coefficients: fit.coefficients,
        means: fit.means,
        center,
        loglik: [fit.loglik_null, fit.loglik],
        iterations: fit.convergence.iterations,
        converged,
    })
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
        let outcome = SurvivalData::from_bool(&time, &event).unwrap();
        let covariates = Covariates::from_row_major(&["x"], 10, &x).unwrap();
        let at_fit =
            radiomics_survival::partial_likelihood(&outcome, &covariates, &fit.coefficients, None, Ties::Efron)
                .unwrap();
        assert!(at_fit.gradient[0].abs() < 1e-8, "score {:?}", at_fit.gradient);
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
