//! Survival analysis without imaging dependencies: Cox regression (Breslow and Efron ties),
//! LASSO and elastic-net Cox with cross-validation, Harrell's C-index with confidence
//! intervals, Kaplan-Meier, the G-rho log-rank family, cut points and the feature-selection
//! steps (ICC, MAD, univariate C-index, correlation pruning).
#![warn(missing_docs)]
