//! Cox proportional hazards regression fitted by Newton-Raphson with step halving, with the
//! Breslow baseline cumulative hazard and predicted survival.
//!
//! # Model
//! The hazard of subject `i` is `h(t | x_i) = h0(t) exp(x_i' beta + offset_i)`. A positive
//! coefficient means a higher hazard (higher risk, shorter survival), and the linear predictor
//! `x' beta` is a risk score with higher = higher risk. The partial likelihood and its
//! derivatives are in [`partial_likelihood`] (Breslow or Efron handling of tied event times).
//!
//! # Algorithm (as R `survival::coxph`, `coxfit6`)
//! Covariates are centred at their means (this changes no estimate). Starting from `beta = 0`
//! (or `init`), each Newton step solves `I(beta) delta = U(beta)` by Cholesky. When the new
//! log-likelihood is lower than the current one the step is halved (the new point moves half
//! way back). The fit stops when `|1 - l_old / l_new| <= eps` after a full step
//! ([`CoxOptions::eps`], default 1e-9 as in R) or after `max_iter` steps (default 20, R's
//! `iter.max`).
//!
//! # Separation (monotone likelihood)
//! After convergence the next Newton step `delta = I^-1 U` is computed. Column `j` is flagged as
//! diverging when `|delta_j| > eps` and `|delta_j| > sqrt(eps) |beta_j|` (R's `toler.inf` rule,
//! which R turns into the warning "coefficient may be infinite"). When the iteration limit is
//! reached instead (the log-likelihood tends to 0, so its relative change never becomes small),
//! column `j` is flagged when `|beta_j| sd(x_j) > 10` and `se_j > |beta_j| / 2`. By default this
//! is the error
//! [`SurvivalError::MonotoneLikelihood`]; with [`CoxOptions::allow_monotone`] the fit is returned
//! with [`Termination::MonotoneLikelihood`].
//!
//! # Tests and intervals
//! Wald `z = beta / se`, `se = sqrt(diag(I^-1))`, two-sided normal p; hazard ratio `exp(beta)`
//! with 95% limits `exp(beta -/+ 1.959964 se)`; likelihood-ratio `2 (l(beta) - l(init))`;
//! score `U' I^-1 U` at `init`; global Wald `beta' I beta`; each on `p` degrees of freedom.
//! (R's `summary(coxph)` rounds the global Wald statistic to 2 decimals; this crate does not.)
//!
//! # Baseline hazard
//! Breslow (Nelson-Aalen type, R `survfit(ctype = 1)`): `H0(t) = sum_{t_k <= t} d_k /
//! sum_{j in R(t_k)} exp(x_j' beta + offset_j)`, the cumulative hazard of a subject whose
//! covariates are all 0. The Efron-corrected version (R `ctype = 2`, the default of `survfit`
//! after an Efron fit) uses increments `sum_{m=0}^{d-1} 1 / (S0 - m/d E0)`. Predicted survival is
//! `S(t | x) = exp(-H0(t) exp(x' beta))`.
//!
//! # References
//! Cox DR (1972), JRSS B 34:187-220. Breslow NE (1974), Biometrics 30:89-99. Efron B (1977),
//! JASA 72:557-565. Therneau TM, Grambsch PM (2000), Modeling Survival Data: Extending the Cox
//! Model, Springer (chapters 3 and 10). R package survival 3.5-3, `coxph`, `survfit.coxph`.

mod likelihood;

pub use likelihood::{PartialLikelihood, partial_likelihood};
pub(crate) use likelihood::{RiskSetIndex, evaluate, rows_of};

use crate::convergence::{Convergence, Termination};
use crate::data::{Covariates, SurvivalData, check_len};
use crate::error::{Result, SurvivalError, invalid_parameter};
use crate::linalg::{Cholesky, SymMatrix, quadratic_form_inverse};
use crate::stats::{chi_square_sf, normal_quantile, two_sided_normal_p};

/// Handling of tied event times in the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ties {
    /// Breslow's approximation (glmnet, SAS PHREG default).
    Breslow,
    /// Efron's approximation (R `coxph` and lifelines default).
    #[default]
    Efron,
}

/// Options of [`fit_cox`].
#[derive(Debug, Clone, PartialEq)]
pub struct CoxOptions {
    /// Tie handling (default Efron, as R `coxph`).
    pub ties: Ties,
    /// Maximum Newton steps (default 20, as R `coxph.control(iter.max)`).
    pub max_iter: usize,
    /// Relative log-likelihood change that stops the iteration (default 1e-9, as R).
    pub eps: f64,
    /// Pivot tolerance of the Cholesky factorisation, relative to the largest diagonal entry of
    /// the information (default 1e-10); a smaller pivot means collinear covariates.
    pub toler_chol: f64,
    /// Starting coefficients (default all 0).
    pub init: Option<Vec<f64>>,
    /// Offset added to each subject's linear predictor (default none).
    pub offset: Option<Vec<f64>>,
    /// Return a fit with [`Termination::MonotoneLikelihood`] instead of the error (default false).
    pub allow_monotone: bool,
}

impl Default for CoxOptions {
    fn default() -> Self {
        Self {
            ties: Ties::Efron,
            max_iter: 20,
            eps: 1e-9,
            toler_chol: 1e-10,
            init: None,
            offset: None,
            allow_monotone: false,
        }
    }
}

/// A test statistic with its chi-square reference distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquareTest {
    /// The statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// Upper-tail p-value P(chi2_df > statistic).
    pub p_value: f64,
}

impl ChiSquareTest {
    pub(crate) fn new(statistic: f64, df: f64) -> Self {
        Self { statistic, df, p_value: chi_square_sf(statistic, df) }
    }
}

/// One row of the coefficient table of a Cox fit.
#[derive(Debug, Clone, PartialEq)]
pub struct CoxTerm {
    /// Covariate name.
    pub name: String,
    /// Coefficient `beta` (log hazard ratio per unit of the covariate).
    pub coefficient: f64,
    /// Standard error `sqrt(diag(I^-1))`.
    pub std_error: f64,
    /// Wald statistic `beta / se`.
    pub z: f64,
    /// Two-sided Wald p-value.
    pub p_value: f64,
    /// Hazard ratio `exp(beta)`.
    pub hazard_ratio: f64,
    /// Lower 95% limit `exp(beta - 1.959964 se)`.
    pub hr_lower95: f64,
    /// Upper 95% limit `exp(beta + 1.959964 se)`.
    pub hr_upper95: f64,
}

/// Which baseline cumulative hazard to use for predictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BaselineType {
    /// Breslow / Nelson-Aalen type increments `d / S0` (R `ctype = 1`).
    #[default]
    Breslow,
    /// Efron-corrected increments (R `ctype = 2`, `survfit`'s default after an Efron fit).
    Efron,
}

/// The baseline cumulative hazard `H0(t)` (covariates all 0) at the distinct event times.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineHazard {
    /// Distinct event times, increasing.
    pub time: Vec<f64>,
    /// Number at risk at each time.
    pub n_risk: Vec<usize>,
    /// Number of events at each time.
    pub n_event: Vec<usize>,
    /// Breslow cumulative hazard at each time.
    pub cumhaz_breslow: Vec<f64>,
    /// Efron-corrected cumulative hazard at each time.
    pub cumhaz_efron: Vec<f64>,
}

impl BaselineHazard {
    /// `H0(t)`: the step function at `t` (right-continuous; 0 before the first event time).
    pub fn cumulative_hazard(&self, t: f64, kind: BaselineType) -> f64 {
        let k = self.time.partition_point(|&s| s <= t);
        if k == 0 {
            return 0.0;
        }
        match kind {
            BaselineType::Breslow => self.cumhaz_breslow[k - 1],
            BaselineType::Efron => self.cumhaz_efron[k - 1],
        }
    }
}

/// A fitted Cox model.
#[derive(Debug, Clone, PartialEq)]
pub struct CoxFit {
    /// Covariate names.
    pub names: Vec<String>,
    /// Coefficients `beta`, one per covariate.
    pub coefficients: Vec<f64>,
    /// Coefficient table.
    pub terms: Vec<CoxTerm>,
    /// Covariance matrix of `beta`, `I(beta)^-1`, row by row.
    pub variance: Vec<Vec<f64>>,
    /// Log partial likelihood at `init` (0 by default).
    pub loglik_null: f64,
    /// Log partial likelihood at `beta`.
    pub loglik: f64,
    /// Likelihood-ratio test `2 (loglik - loglik_null)`.
    pub lr_test: ChiSquareTest,
    /// Global Wald test `beta' I beta`.
    pub wald_test: ChiSquareTest,
    /// Score (log-rank type) test `U' I^-1 U` at `init`.
    pub score_test: ChiSquareTest,
    /// Covariate means (the centring used internally, as R's `fit$means`).
    pub means: Vec<f64>,
    /// Number of subjects.
    pub n: usize,
    /// Number of events.
    pub n_events: usize,
    /// Tie handling used.
    pub ties: Ties,
    /// Newton iterations, final relative log-likelihood change and termination reason.
    pub convergence: Convergence,
    /// Baseline cumulative hazard at covariates 0 (offset included in the risk sets).
    pub baseline: BaselineHazard,
}

impl CoxFit {
    /// Linear predictor `x_i' beta` (uncentred, without offset) for each row: the risk score,
    /// higher = higher risk.
    ///
    /// # Errors
    /// [`SurvivalError::LengthMismatch`] when `x` has the wrong number of columns.
    pub fn linear_predictor(&self, x: &Covariates) -> Result<Vec<f64>> {
        x.linear_predictor(&self.coefficients)
    }

    /// Predicted survival `S(t | x) = exp(-H0(t) exp(x' beta))` of one subject with covariate
    /// values `x` (one per covariate, in fit order) at each time in `times`.
    ///
    /// # Errors
    /// [`SurvivalError::LengthMismatch`] when `x` has the wrong length.
    pub fn predict_survival(&self, x: &[f64], times: &[f64], kind: BaselineType) -> Result<Vec<f64>> {
        check_len("covariate values", self.coefficients.len(), x.len())?;
        let lp: f64 = x.iter().zip(&self.coefficients).map(|(a, b)| a * b).sum();
        Ok(times.iter().map(|&t| (-self.baseline.cumulative_hazard(t, kind) * lp.exp()).exp()).collect())
    }

    /// Cumulative hazard `H(t | x) = H0(t) exp(x' beta)` of one subject.
    ///
    /// # Errors
    /// [`SurvivalError::LengthMismatch`] when `x` has the wrong length.
    pub fn predict_cumulative_hazard(&self, x: &[f64], times: &[f64], kind: BaselineType) -> Result<Vec<f64>> {
        check_len("covariate values", self.coefficients.len(), x.len())?;
        let lp: f64 = x.iter().zip(&self.coefficients).map(|(a, b)| a * b).sum();
        Ok(times.iter().map(|&t| self.baseline.cumulative_hazard(t, kind) * lp.exp()).collect())
    }
}

/// Fits a Cox proportional hazards model (see the module documentation).
///
/// # Errors
/// [`SurvivalError::NoEvents`] when every subject is censored;
/// [`SurvivalError::ConstantCovariate`] and [`SurvivalError::Collinear`] for an unidentifiable
/// column (constant, duplicated, or a linear combination of others);
/// [`SurvivalError::MonotoneLikelihood`] when a coefficient diverges (unless
/// `allow_monotone`); [`SurvivalError::InvalidParameter`] when `p >= n` (p >> n needs
/// [`crate::fit_coxnet`]); [`SurvivalError::LengthMismatch`] and
/// [`SurvivalError::InvalidParameter`] for inconsistent inputs. A single event is accepted:
/// the fit usually ends in monotone
/// likelihood because the one event subject is extreme in its risk set.
pub fn fit_cox(data: &SurvivalData, x: &Covariates, options: &CoxOptions) -> Result<CoxFit> {
    let n = data.len();
    let p = x.n_cols();
    check_len("covariate rows", n, x.n_rows())?;
    if !(options.eps > 0.0) {
        return Err(invalid_parameter("eps", options.eps, "must be > 0"));
    }
    if options.max_iter == 0 {
        return Err(invalid_parameter("max_iter", 0, "must be >= 1"));
    }
    if p >= n {
        return Err(invalid_parameter(
            "covariates",
            format!("{p} columns for {n} subjects"),
            "an unpenalised Cox model needs fewer covariates than subjects; select features \
             first or use fit_coxnet (LASSO / elastic net)",
        ));
    }
    let n_events = data.n_events();
    if n_events == 0 {
        return Err(SurvivalError::NoEvents { context: "Cox regression".into(), n });
    }
    if let Some(o) = &options.offset {
        check_len("offset", n, o.len())?;
        if let Some(i) = o.iter().position(|v| !v.is_finite()) {
            return Err(invalid_parameter(&format!("offset[{i}]"), o[i], "offsets must be finite"));
        }
    }
    let mut beta = match &options.init {
        Some(b) => {
            check_len("init", p, b.len())?;
            b.clone()
        }
        None => vec![0.0; p],
    };
    // Centre the covariates and reject constant columns.
    let means: Vec<f64> = (0..p).map(|j| x.column(j).iter().sum::<f64>() / n as f64).collect();
    for j in 0..p {
        let c = x.column(j);
        if c.iter().all(|&v| v == c[0]) {
            return Err(SurvivalError::ConstantCovariate { column: x.names()[j].clone(), value: c[0] });
        }
    }
    let mut rows = rows_of(x);
    for i in 0..n {
        for j in 0..p {
            rows[i * p + j] -= means[j];
        }
    }
    let idx = RiskSetIndex::new(data);
    let offset = options.offset.clone().unwrap_or_else(|| vec![0.0; n]);
    let eta_of = |b: &[f64]| -> Vec<f64> {
        (0..n).map(|i| offset[i] + rows[i * p..(i + 1) * p].iter().zip(b).map(|(a, c)| a * c).sum::<f64>()).collect()
    };
    let eval = |b: &[f64]| evaluate(data, &idx, &rows, p, &eta_of(b), options.ties, true);
    let factor = |imat: &SymMatrix| -> Result<Cholesky> {
        Cholesky::new(imat, options.toler_chol)
            .map_err(|e| SurvivalError::Collinear { column: x.names()[e.column].clone() })
    };

    let (mut loglik, u0, i0) = eval(&beta);
    let loglik_null = loglik;
    let (score_stat, mut step) = if p > 0 {
        let ch0 = factor(&i0)?;
        (quadratic_form_inverse(&ch0, &u0), ch0.solve(&u0))
    } else {
        (0.0, Vec::new())
    };
    let mut new_beta: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + s).collect();
    let mut halving = false;
    let mut iterations = 0;
    let mut final_change = f64::NAN;
    let mut termination = Termination::MaxIterations;
    let mut last = (loglik, u0, i0);
    if p == 0 {
        termination = Termination::Converged;
        final_change = 0.0;
    } else {
        for iter in 1..=options.max_iter {
            iterations = iter;
            let (new_ll, u, imat) = eval(&new_beta);
            final_change = (1.0 - loglik / new_ll).abs();
            if !halving && final_change <= options.eps {
                loglik = new_ll;
                beta = new_beta.clone();
                last = (new_ll, u, imat);
                termination = Termination::Converged;
                break;
            }
            if iter == options.max_iter {
                if new_ll >= loglik {
                    loglik = new_ll;
                    beta = new_beta.clone();
                    last = (new_ll, u, imat);
                }
                break;
            }
            if !(new_ll >= loglik) {
                halving = true;
                for (nb, b) in new_beta.iter_mut().zip(&beta) {
                    *nb = 0.5 * (*nb + b);
                }
            } else {
                halving = false;
                loglik = new_ll;
                let ch = factor(&imat)?;
                step = ch.solve(&u);
                beta = new_beta.clone();
                new_beta = beta.iter().zip(&step).map(|(b, s)| b + s).collect();
                last = (new_ll, u, imat);
            }
        }
    }
    let (_, u_final, i_final) = last;
    let (variance, next_step) = if p > 0 {
        let ch = factor(&i_final)?;
        (ch.inverse(), ch.solve(&u_final))
    } else {
        (SymMatrix::zeros(0), Vec::new())
    };
    let sd: Vec<f64> = (0..p)
        .map(|j| {
            let ss: f64 = x.column(j).iter().map(|v| (v - means[j]).powi(2)).sum();
            (ss / n as f64).sqrt()
        })
        .collect();
    let diverging: Vec<usize> = match termination {
        Termination::Converged => {
            let tol_inf = options.eps.sqrt();
            (0..p)
                .filter(|&j| next_step[j].abs() > options.eps && next_step[j].abs() > tol_inf * beta[j].abs())
                .collect()
        }
        // Out of iterations: a coefficient of more than 10 per standard deviation of its
        // covariate whose standard error exceeds half its size is taken as diverging.
        _ => (0..p)
            .filter(|&j| beta[j].abs() * sd[j] > 10.0 && variance.get(j, j).sqrt() > 0.5 * beta[j].abs())
            .collect(),
    };
    if !diverging.is_empty() {
        if !options.allow_monotone {
            return Err(SurvivalError::MonotoneLikelihood {
                columns: diverging.iter().map(|&j| x.names()[j].clone()).collect(),
            });
        }
        termination = Termination::MonotoneLikelihood { columns: diverging };
    }
    let z975 = normal_quantile(0.975);
    let terms: Vec<CoxTerm> = (0..p)
        .map(|j| {
            let se = variance.get(j, j).sqrt();
            let z = beta[j] / se;
            CoxTerm {
                name: x.names()[j].clone(),
                coefficient: beta[j],
                std_error: se,
                z,
                p_value: two_sided_normal_p(z),
                hazard_ratio: beta[j].exp(),
                hr_lower95: (beta[j] - z975 * se).exp(),
                hr_upper95: (beta[j] + z975 * se).exp(),
            }
        })
        .collect();
    let wald: f64 = (0..p).map(|j| beta[j] * (0..p).map(|k| i_final.get(j, k) * beta[k]).sum::<f64>()).sum();
    let raw_eta: Vec<f64> = x.linear_predictor(&beta)?.iter().zip(&offset).map(|(a, b)| a + b).collect();
    let baseline = baseline_hazard(data, &idx, &raw_eta);
    let df = p as f64;
    Ok(CoxFit {
        names: x.names().to_vec(),
        coefficients: beta,
        terms,
        variance: variance.to_rows(),
        loglik_null,
        loglik,
        lr_test: ChiSquareTest::new(2.0 * (loglik - loglik_null), df),
        wald_test: ChiSquareTest::new(wald, df),
        score_test: ChiSquareTest::new(score_stat, df),
        means,
        n,
        n_events,
        ties: options.ties,
        convergence: Convergence { iterations, final_change, termination },
        baseline,
    })
}

/// Breslow and Efron baseline cumulative hazards for the linear predictors `eta`.
pub(crate) fn baseline_hazard(data: &SurvivalData, idx: &RiskSetIndex, eta: &[f64]) -> BaselineHazard {
    let ev = data.event();
    let t = data.time();
    let mut s0 = 0.0;
    let mut at_risk = 0usize;
    let mut rev: Vec<(f64, usize, usize, f64, f64)> = Vec::new();
    for &(gs, ge) in &idx.groups {
        let mut d = 0usize;
        let mut e0 = 0.0;
        for &i in &idx.order[gs..ge] {
            let r = eta[i].exp();
            s0 += r;
            at_risk += 1;
            if ev[i] {
                d += 1;
                e0 += r;
            }
        }
        if d > 0 {
            let breslow = d as f64 / s0;
            let efron: f64 = (0..d).map(|k| 1.0 / (s0 - k as f64 / d as f64 * e0)).sum();
            rev.push((t[idx.order[gs]], at_risk, d, breslow, efron));
        }
    }
    rev.reverse();
    let mut out = BaselineHazard {
        time: Vec::with_capacity(rev.len()),
        n_risk: Vec::with_capacity(rev.len()),
        n_event: Vec::with_capacity(rev.len()),
        cumhaz_breslow: Vec::with_capacity(rev.len()),
        cumhaz_efron: Vec::with_capacity(rev.len()),
    };
    let (mut hb, mut he) = (0.0, 0.0);
    for (time, r, d, b, e) in rev {
        hb += b;
        he += e;
        out.time.push(time);
        out.n_risk.push(r);
        out.n_event.push(d);
        out.cumhaz_breslow.push(hb);
        out.cumhaz_efron.push(he);
    }
    out
}

/// Hazard ratio of group 1 versus group 0 from a univariate Cox model on the group indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct HazardRatio {
    /// `exp(beta)`: hazard of group 1 relative to group 0.
    pub hazard_ratio: f64,
    /// Lower 95% Wald limit.
    pub lower95: f64,
    /// Upper 95% Wald limit.
    pub upper95: f64,
    /// Log hazard ratio `beta`.
    pub coefficient: f64,
    /// Standard error of `beta`.
    pub std_error: f64,
    /// Two-sided Wald p-value.
    pub wald_p: f64,
    /// Likelihood-ratio test.
    pub lr_test: ChiSquareTest,
    /// Score test (equal to the log-rank test for two groups without tied event times).
    pub score_test: ChiSquareTest,
    /// Subjects in group 0 and group 1.
    pub n: [usize; 2],
    /// Events in group 0 and group 1.
    pub events: [usize; 2],
}

/// Hazard ratio between two groups (`group[i] = true` for group 1, the numerator) with its 95%
/// Wald interval, from a Cox model on the 0/1 indicator.
///
/// # Errors
/// [`SurvivalError::TooFewGroups`] when one group is empty; otherwise as [`fit_cox`]
/// (a group without events gives [`SurvivalError::MonotoneLikelihood`]).
pub fn hazard_ratio(data: &SurvivalData, group: &[bool], ties: Ties) -> Result<HazardRatio> {
    check_len("group", data.len(), group.len())?;
    let n1 = group.iter().filter(|&&g| g).count();
    let n0 = group.len() - n1;
    if n1 == 0 || n0 == 0 {
        return Err(SurvivalError::TooFewGroups { context: "hazard ratio".into(), found: 1, needed: 2 });
    }
    let xcol: Vec<f64> = group.iter().map(|&g| f64::from(u8::from(g))).collect();
    let x = Covariates::from_columns(&["group"], &[xcol])?;
    let fit = fit_cox(data, &x, &CoxOptions { ties, ..CoxOptions::default() })?;
    let t = &fit.terms[0];
    let e1 = data.event().iter().zip(group).filter(|&(&e, &g)| e && g).count();
    Ok(HazardRatio {
        hazard_ratio: t.hazard_ratio,
        lower95: t.hr_lower95,
        upper95: t.hr_upper95,
        coefficient: t.coefficient,
        std_error: t.std_error,
        wald_p: t.p_value,
        lr_test: fit.lr_test,
        score_test: fit.score_test,
        n: [n0, n1],
        events: [fit.n_events - e1, e1],
    })
}

#[cfg(test)]
mod tests;
