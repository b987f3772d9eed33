//! K-fold cross-validation of the penalised Cox path (R glmnet 4.1-6 `cv.glmnet`), folds
//! fitted in parallel with rayon.
//!
//! # Measures
//! - Deviance (glmnet `type.measure = "deviance"`, `grouped = TRUE`, Verweij and van
//!   Houwelingen 1993): for fold `k` with training fit `beta_-k`,
//!   `cvraw_k = D_all(beta_-k) - D_-k(beta_-k)`, the Breslow deviance on all rows minus the
//!   deviance on the training rows, divided by the number of events in fold `k`. `cvm` is the
//!   mean of `cvraw_k` weighted by the fold's events and
//!   `cvsd = sqrt(sum_k w_k (cvraw_k - cvm)^2 / sum_k w_k / (K - 1))`.
//! - C (`type.measure = "C"`): Harrell's C of the held-out rows ([`crate::concordance()`]),
//!   weighted by the fold's rows (glmnet's `Cindex`: `survival::concordance` of the held-out
//!   rows on their own linear predictor, per fold, not pooled). A fold with no comparable pair
//!   is left out of `cvm` but still counts in the `K - 1` of `cvsd`, as in glmnet.
//!
//! `lambda_min` is the largest lambda with the best `cvm` (lowest deviance, highest C);
//! `lambda_1se` the largest lambda whose `cvm` is within one `cvsd` (taken at `lambda_min`).
//!
//! # Lambdas of the folds
//! [`CvLambdaMode::Shared`] fits every fold at the full-data lambdas. [`CvLambdaMode::PerFold`]
//! is what a plain `cv.glmnet` call does in glmnet 4.1-6: each fold computes its own sequence
//! (and stops early by its own rule) and its coefficients are interpolated linearly in lambda
//! onto the full-data lambdas. In both modes a fold path cut short by `max_passes` (glmnet's
//! `maxit` warning) carries its last solution forward to the smaller lambdas, as glmnet's
//! `predict(fit, s = lambda)` does.
//!
//! # References
//! Verweij PJM, van Houwelingen HC (1993), Cross-validation in survival analysis, Stat Med
//! 12:2305-2314. Simon N et al. (2011), J Stat Softw 39(5). R package glmnet 4.1-6,
//! `cv.glmnet`, `cv.coxnet`, `cvstats`, `getOptcv.glmnet`.

use super::{CoxnetOptions, CoxnetPath, fit_coxnet, interpolate};
use crate::concordance::concordance;
use crate::data::{Covariates, SurvivalData, check_len};
use crate::error::{Result, SurvivalError, invalid_parameter};
use crate::lasso::core::Design;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rayon::prelude::*;

/// The cross-validated measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CvMeasure {
    /// Grouped partial-likelihood deviance (lower is better).
    #[default]
    Deviance,
    /// Harrell's C of the held-out rows (higher is better).
    C,
}

/// How fold fits choose their lambdas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CvLambdaMode {
    /// Every fold is fitted at the full-data lambdas (glmnet with `lambda = fit$lambda`).
    #[default]
    Shared,
    /// Each fold computes its own sequence, interpolated onto the full-data lambdas (a plain
    /// `cv.glmnet` call in glmnet 4.1-6).
    PerFold,
}

/// Fold assignment.
#[derive(Debug, Clone, PartialEq)]
pub enum Folds {
    /// Fold id of each row, `1..=K` or `0..K` (any `K >= 3` distinct values).
    Ids(Vec<usize>),
    /// A seeded random split into `k` folds of near-equal size (`sample(rep(1:k, length = n))`
    /// in spirit; the random stream is ChaCha8, not R's, so the ids differ from R's).
    Seeded {
        /// Number of folds (>= 3).
        k: usize,
        /// Seed.
        seed: u64,
    },
}

/// Options of [`cv_coxnet`].
#[derive(Debug, Clone, PartialEq)]
pub struct CvOptions {
    /// Fold assignment.
    pub folds: Folds,
    /// Measure (default deviance).
    pub measure: CvMeasure,
    /// Fold lambdas (default shared).
    pub lambda_mode: CvLambdaMode,
    /// Options of every fit.
    pub coxnet: CoxnetOptions,
}

impl Default for CvOptions {
    fn default() -> Self {
        Self {
            folds: Folds::Seeded { k: 10, seed: 1 },
            measure: CvMeasure::Deviance,
            lambda_mode: CvLambdaMode::Shared,
            coxnet: CoxnetOptions::default(),
        }
    }
}

/// Cross-validation result.
#[derive(Debug, Clone, PartialEq)]
pub struct CoxnetCv {
    /// The full-data path.
    pub path: CoxnetPath,
    /// Lambdas (those of the full-data path).
    pub lambda: Vec<f64>,
    /// Mean cross-validated measure per lambda.
    pub cvm: Vec<f64>,
    /// Its standard error per lambda.
    pub cvsd: Vec<f64>,
    /// Nonzero coefficients of the full-data fit per lambda.
    pub nzero: Vec<usize>,
    /// Lambda with the best `cvm` (the largest such lambda).
    pub lambda_min: f64,
    /// Largest lambda with `cvm` within one `cvsd` of the best.
    pub lambda_1se: f64,
    /// Index (0-based) of `lambda_min`.
    pub index_min: usize,
    /// Index (0-based) of `lambda_1se`.
    pub index_1se: usize,
    /// Fold id (0-based) of each row.
    pub fold_ids: Vec<usize>,
    /// Measure used.
    pub measure: CvMeasure,
}

impl CoxnetCv {
    /// Full-data coefficients at `lambda_min`.
    pub fn coefficients_min(&self) -> Vec<f64> {
        self.path.beta[self.index_min].clone()
    }

    /// Full-data coefficients at `lambda_1se`.
    pub fn coefficients_1se(&self) -> Vec<f64> {
        self.path.beta[self.index_1se].clone()
    }
}

fn fold_ids(folds: &Folds, n: usize) -> Result<(Vec<usize>, usize)> {
    match folds {
        Folds::Ids(ids) => {
            check_len("fold ids", n, ids.len())?;
            let mut labels = ids.clone();
            labels.sort_unstable();
            labels.dedup();
            if labels.len() < 3 {
                return Err(invalid_parameter(
                    "fold ids",
                    format!("{} distinct", labels.len()),
                    "need at least 3 folds",
                ));
            }
            let mapped = ids.iter().map(|v| labels.binary_search(v).unwrap_or(0)).collect();
            Ok((mapped, labels.len()))
        }
        Folds::Seeded { k, seed } => {
            if *k < 3 || *k > n {
                return Err(invalid_parameter("k", k, "need 3 <= k <= number of rows"));
            }
            let mut ids: Vec<usize> = (0..n).map(|i| i % k).collect();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(*seed);
            ids.shuffle(&mut rng);
            Ok((ids, *k))
        }
    }
}

/// Breslow (or Efron) deviance `2 (l_sat - l)` of the rows `rows` at linear predictor `eta`
/// (indexed by original row).
fn deviance(data: &SurvivalData, rows: &[usize], eta: &[f64], ties: crate::cox::Ties) -> f64 {
    let sub = data.subset(rows);
    let order = sub.order_by_time();
    let time: Vec<f64> = order.iter().map(|&i| sub.time()[i]).collect();
    let event: Vec<bool> = order.iter().map(|&i| sub.event()[i]).collect();
    let design = Design::new(&time, event, Vec::new(), 0, ties);
    let e: Vec<f64> = order.iter().map(|&i| eta[rows[i]]).collect();
    2.0 * (design.loglik_saturated - design.loglik(&e))
}

/// Cross-validates the penalised Cox path (see the module documentation).
///
/// # Errors
/// As [`fit_coxnet`] on the full data and on every training set; [`SurvivalError::TooFewEvents`]
/// naming the fold when a held-out fold has no event (deviance) or a training set has fewer
/// than 2 events; [`SurvivalError::InvalidParameter`] for fewer than 3 folds.
pub fn cv_coxnet(data: &SurvivalData, x: &Covariates, options: &CvOptions) -> Result<CoxnetCv> {
    let n = data.len();
    let (ids, k) = fold_ids(&options.folds, n)?;
    let path = fit_coxnet(data, x, &options.coxnet)?;
    let lambda = path.lambda.clone();
    for f in 0..k {
        let held_events = (0..n).filter(|&i| ids[i] == f && data.event()[i]).count();
        let train_events = data.n_events() - held_events;
        if train_events < 2 {
            return Err(SurvivalError::TooFewEvents {
                context: format!("cross-validation training set without fold {}", f + 1),
                found: train_events,
                needed: 2,
            });
        }
        if options.measure == CvMeasure::Deviance && held_events == 0 {
            return Err(SurvivalError::TooFewEvents {
                context: format!(
                    "cross-validation fold {} (grouped deviance weights folds by their events; \
                     use more events per fold or fewer folds)",
                    f + 1
                ),
                found: 0,
                needed: 1,
            });
        }
    }
    let all_rows: Vec<usize> = (0..n).collect();
    let per_fold: Vec<Result<(Vec<f64>, f64)>> = (0..k)
        .into_par_iter()
        .map(|f| {
            let train: Vec<usize> = (0..n).filter(|&i| ids[i] != f).collect();
            let test: Vec<usize> = (0..n).filter(|&i| ids[i] == f).collect();
            let mut opts = options.coxnet.clone();
            if options.lambda_mode == CvLambdaMode::Shared {
                opts.lambda = Some(lambda.clone());
            }
            let fit = fit_coxnet(&data.subset(&train), &x.subset_rows(&train), &opts)?;
            let mut raw = Vec::with_capacity(lambda.len());
            for &lam in &lambda {
                // glmnet's `predict(fit, s = lambda)`: linear interpolation in lambda, clamped to
                // the fold's range, so a fold path cut short by `max_passes` carries its last
                // solution forward (exact at the shared lambdas).
                let beta = interpolate(&fit.lambda, &fit.beta, lam);
                let eta = x.linear_predictor(&beta)?;
                let v = match options.measure {
                    CvMeasure::Deviance => {
                        deviance(data, &all_rows, &eta, opts.ties) - deviance(data, &train, &eta, opts.ties)
                    }
                    CvMeasure::C => {
                        let sub = data.subset(&test);
                        let risk: Vec<f64> = test.iter().map(|&i| eta[i]).collect();
                        concordance(&sub, &risk).map_or(f64::NAN, |c| c.c_index)
                    }
                };
                raw.push(v);
            }
            let weight = match options.measure {
                CvMeasure::Deviance => test.iter().filter(|&&i| data.event()[i]).count() as f64,
                CvMeasure::C => test.len() as f64,
            };
            if options.measure == CvMeasure::Deviance {
                raw.iter_mut().for_each(|v| *v /= weight);
            }
            Ok((raw, weight))
        })
        .collect();
    let per_fold: Vec<(Vec<f64>, f64)> = per_fold.into_iter().collect::<Result<_>>()?;
    let nl = lambda.len();
    let mut cvm = vec![f64::NAN; nl];
    let mut cvsd = vec![f64::NAN; nl];
    for m in 0..nl {
        let vals: Vec<(f64, f64)> = per_fold.iter().filter(|(r, _)| !r[m].is_nan()).map(|(r, w)| (r[m], *w)).collect();
        let sw: f64 = vals.iter().map(|v| v.1).sum();
        // glmnet's `N` counts the folds with a value for the deviance, and every fold for C,
        // even one whose Harrell C is undefined (left out of the means only).
        let n_folds = match options.measure {
            CvMeasure::Deviance => vals.len(),
            CvMeasure::C => k,
        };
        if vals.is_empty() || n_folds < 2 || sw <= 0.0 {
            continue;
        }
        let mean = vals.iter().map(|(v, w)| v * w).sum::<f64>() / sw;
        let var = vals.iter().map(|(v, w)| w * (v - mean).powi(2)).sum::<f64>() / sw;
        cvm[m] = mean;
        cvsd[m] = (var / (n_folds as f64 - 1.0)).sqrt();
    }
    let sign = if options.measure == CvMeasure::C { -1.0 } else { 1.0 };
    let best = (0..nl).filter(|&m| !cvm[m].is_nan()).map(|m| sign * cvm[m]).fold(f64::INFINITY, f64::min);
    if !best.is_finite() {
        return Err(SurvivalError::Numerical {
            context: "cross-validation".into(),
            detail: "no lambda has a cross-validated value in at least two folds".into(),
        });
    }
    // Lambdas decrease, so the first index reaching the optimum is the largest lambda.
    let index_min = (0..nl).find(|&m| !cvm[m].is_nan() && sign * cvm[m] <= best).unwrap_or(0);
    let bound = sign * cvm[index_min] + cvsd[index_min];
    let index_1se = (0..nl).find(|&m| !cvm[m].is_nan() && sign * cvm[m] <= bound).unwrap_or(index_min);
    Ok(CoxnetCv {
        nzero: path.df.clone(),
        lambda_min: lambda[index_min],
        lambda_1se: lambda[index_1se],
        lambda,
        cvm,
        cvsd,
        index_min,
        index_1se,
        fold_ids: ids,
        measure: options.measure,
        path,
    })
}
