//! The error type of the crate.

use thiserror::Error;

/// Errors of radiomics-survival. Each message names the offending value and its position and
/// says how to fix the input.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum SurvivalError {
    /// Two inputs that must have one entry per subject differ in length.
    #[error("{what}: expected {expected} values (one per subject), got {found}")]
    LengthMismatch {
        /// The input whose length is wrong.
        what: String,
        /// The number of subjects.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// No subjects at all.
    #[error("{what}: no subjects; pass at least one row")]
    Empty {
        /// The input that is empty.
        what: String,
    },
    /// A survival time is NaN, infinite or negative.
    #[error("time at row {row} (0-based) is {value}; survival times must be finite and >= 0")]
    InvalidTime {
        /// Row index (0-based).
        row: usize,
        /// The rejected time.
        value: f64,
    },
    /// Events coded 1/2 as R's `Surv(time, status)` allows.
    #[error(
        "event indicators are coded 1/2 (R's Surv convention, first bad value at row {row}); \
         recode as event = status - 1 so that 1 = event and 0 = censored"
    )]
    EventsCodedOneTwo {
        /// The first row whose value is 2.
        row: usize,
    },
    /// An event indicator that is neither 0 nor 1.
    #[error("event indicator at row {row} (0-based) is {value}; use 1 for an event and 0 for censored")]
    InvalidEvent {
        /// Row index (0-based).
        row: usize,
        /// The rejected value.
        value: f64,
    },
    /// A covariate value is NaN or infinite.
    #[error(
        "covariate '{column}' at row {row} (0-based) is {value}; remove the row, impute it, or \
         build the data with CompleteCases::filter to drop incomplete rows"
    )]
    NonFiniteCovariate {
        /// Row index (0-based).
        row: usize,
        /// Column name.
        column: String,
        /// The rejected value (NaN or infinite).
        value: f64,
    },
    /// Every subject is censored.
    #[error("{context}: all {n} subjects are censored; the method needs at least one event")]
    NoEvents {
        /// The method that needs events.
        context: String,
        /// Number of subjects.
        n: usize,
    },
    /// Too few events for the requested method.
    #[error("{context}: {found} events, at least {needed} needed")]
    TooFewEvents {
        /// The method and part of the data (for example a cross-validation fold).
        context: String,
        /// Events found.
        found: usize,
        /// Events required.
        needed: usize,
    },
    /// A covariate column has a single value, so its coefficient is not identifiable.
    #[error(
        "covariate '{column}' is constant (every value is {value}); drop it before fitting \
         (penalised fits keep its coefficient at 0 instead)"
    )]
    ConstantCovariate {
        /// Column name.
        column: String,
        /// Its value.
        value: f64,
    },
    /// A covariate column is a linear combination of earlier ones (for example a duplicate).
    #[error(
        "covariate '{column}' is collinear with the preceding columns (for example a duplicated \
         column); drop it or use a penalised fit"
    )]
    Collinear {
        /// Column name.
        column: String,
    },
    /// The partial likelihood keeps increasing as coefficients grow without bound.
    #[error(
        "monotone likelihood: the coefficient(s) of {columns:?} diverge (perfect separation of \
         events by these covariates); the maximum likelihood estimate is infinite. Remove or \
         merge the covariate(s), or use a penalised fit (LASSO/ridge) or Firth's correction"
    )]
    MonotoneLikelihood {
        /// The columns whose coefficients diverge.
        columns: Vec<String>,
    },
    /// A parameter value is outside its allowed range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: String,
        /// The rejected value, formatted.
        value: String,
        /// What is allowed.
        reason: String,
    },
    /// Fewer groups than a comparison needs.
    #[error("{context}: {found} group(s) with subjects, at least {needed} needed")]
    TooFewGroups {
        /// The method.
        context: String,
        /// Groups found.
        found: usize,
        /// Groups required.
        needed: usize,
    },
    /// No pair of subjects can be ordered (for the concordance index).
    #[error("concordance: no comparable pairs (need an event followed by a longer follow-up time)")]
    NoComparablePairs,
    /// A numeric routine failed (a singular matrix that should not be singular).
    #[error("numerical failure in {context}: {detail}")]
    Numerical {
        /// The routine.
        context: String,
        /// What happened.
        detail: String,
    },
}

/// Result alias of the crate.
pub type Result<T> = std::result::Result<T, SurvivalError>;

pub(crate) fn invalid_parameter(name: &str, value: impl ToString, reason: &str) -> SurvivalError {
    SurvivalError::InvalidParameter { name: name.to_string(), value: value.to_string(), reason: reason.to_string() }
}
