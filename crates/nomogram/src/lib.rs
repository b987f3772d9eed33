//! Model presentation on top of `radiomics-survival`: rms-style nomograms, calibration curves,
//! risk-group summaries, Kaplan-Meier and other survival plots as SVG and PNG, and HTML/Markdown
//! model reports.
//!
//! Numbers follow R's rms 6.5-0 (`nomogram`, `calibrate` with `cmethod = "KM"`) and are tested
//! against its output. Plots take plain input structs, so they work with any estimator; the
//! [`adapters`] module converts `radiomics-survival` results into them.
//!
//! Conventions: times are in the unit of the data (days in the examples); the linear predictor
//! is centred, lp = x'beta - center with center = sum_j beta_j mean(x_j), as rms stores it;
//! a higher linear predictor means higher risk.
#![warn(missing_docs)]

pub mod adapters;
pub mod baseline;
pub mod calibration;
pub mod coxfit;
pub mod error;
pub mod nomogram;
pub mod plot;
mod plot_support;
pub mod pretty;
pub mod report;
pub mod risk_groups;
pub mod rrng;

pub use baseline::{BaselineMethod, BaselineSurvival};
pub use calibration::{
    BootstrapRng, Calibration, CalibrationGroup, CalibrationModel, CalibrationOptions, calibrate_cox,
};
pub use coxfit::{CoxData, CoxFit, CoxFitOptions, fit_cox_efron};
pub use error::{NomogramError, Result};
pub use nomogram::{
    CovariateAxis, CoxNomogramModel, DerivedAxis, Nomogram, NomogramCovariate, NomogramOptions, NomogramPrediction,
};
pub use report::{Characteristic, CohortData, ModelReport, Table, c_index_table, cohort_table, univariate_table};
pub use risk_groups::{RiskGroupRow, RiskGroupSummary, risk_group_summary};
