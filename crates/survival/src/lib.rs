//! Survival analysis without imaging dependencies: Cox regression (Breslow and Efron ties),
//! LASSO and elastic-net Cox with cross-validation, Harrell's C-index with confidence
//! intervals, Kaplan-Meier, the G-rho log-rank family, cut points and the feature-selection
//! steps of a radiomics signature (ICC, MAD, univariate C-index, correlation pruning,
//! z-score scaling).
//!
//! # Conventions
//! - Outcomes are [`SurvivalData`]: finite times `>= 0` and 0/1 events (1 = event). What a time
//!   of 0 means is stated in [`data`].
//! - Every risk score has higher = higher risk (earlier event), as survcomp and scikit-survival:
//!   Cox linear predictors, LASSO scores and the score given to [`concordance()`].
//! - At a tied time, events precede censorings (a subject censored at `t` is at risk at `t`).
//! - Numbers are checked against R 4.2.2 (survival 3.5-3, glmnet 4.1-6, maxstat 0.7-25) in
//!   `tests/conformance*.rs`.
#![warn(missing_docs)]
// Numeric kernels index several arrays with one loop variable, and `!(x > 0.0)` is the
// intended NaN-rejecting test, so these two lints are off for the crate.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

pub mod concordance;
pub mod convergence;
pub mod cox;
pub mod cutpoint;
pub mod data;
pub mod error;
pub mod km;
pub mod lasso;
mod linalg;
pub mod logrank;
pub mod missing;
pub mod selection;
pub mod stats;

pub use concordance::{Concordance, SurvcompConcordance, SurvcompMethod, concordance, concordance_survcomp};
pub use convergence::{Convergence, Termination};
pub use cox::{
    BaselineHazard, BaselineType, ChiSquareTest, CoxFit, CoxOptions, CoxTerm, HazardRatio, Ties, fit_cox, hazard_ratio,
    partial_likelihood,
};
pub use cutpoint::{
    ExhaustiveCutpoint, MaxstatCutpoint, MaxstatOptions, cutpoint_logrank, exact_gauss_pvalue, logrank_scores,
    maxstat_logrank,
};
pub use data::{CompleteCases, Covariates, SurvivalData};
pub use error::{Result, SurvivalError};
pub use km::{ConfType, ConfidenceBand, KaplanMeier, MedianSurvival, SurvivalAtTimes};
pub use lasso::{
    CoxnetCv, CoxnetOptions, CoxnetPath, CvLambdaMode, CvMeasure, CvOptions, Folds, cv_coxnet, fit_coxnet,
};
pub use logrank::{LogRankTest, logrank_test, logrank_two_groups};
pub use selection::{
    CorrelationMethod, CorrelationPruning, FeatureConcordance, Icc, IccForm, PrunedFeature, ZScoreScaler, icc, mad,
    prune_correlated, select_by_concordance, select_by_mad, univariate_concordance,
};
