//! The error type of this crate.

use thiserror::Error;

/// Everything that can go wrong while building a nomogram, a calibration table, a plot or a report.
///
/// Each variant names the offending value and the fix for the input.
#[derive(Debug, Error)]
pub enum NomogramError {
    /// An input that must not be empty was empty.
    #[error("{what} is empty; pass at least {min} value(s)")]
    Empty {
        /// Which input was empty.
        what: String,
        /// The smallest accepted length.
        min: usize,
    },

    /// Two inputs that must have the same length do not.
    #[error("{what}: expected {expected} values, found {found}; pass one value per {per}")]
    LengthMismatch {
        /// Which input has the wrong length.
        what: String,
        /// The expected length.
        expected: usize,
        /// The length that was passed.
        found: usize,
        /// What each value corresponds to (patient, covariate, group, ...).
        per: String,
    },

    /// A value is NaN, infinite or outside its valid range.
    #[error("{what} = {value} is invalid: {reason}")]
    InvalidValue {
        /// Which value (with its index or name).
        what: String,
        /// The offending value.
        value: f64,
        /// Why it is invalid and what is accepted.
        reason: String,
    },

    /// An option or parameter is outside its valid range.
    #[error("parameter {name} = {value} is invalid: {reason}")]
    InvalidParameter {
        /// The parameter name.
        name: String,
        /// The value as text.
        value: String,
        /// The accepted range.
        reason: String,
    },

    /// A group of patients (risk group, calibration group, plot series) has no events, so its
    /// survival curve, median or hazard ratio is undefined.
    #[error(
        "group {group:?} has {n} patients and no events; merge it with a neighbouring group or choose another cut-off"
    )]
    NoEvents {
        /// The group label.
        group: String,
        /// Its number of patients.
        n: usize,
    },

    /// Too few events overall for the requested analysis.
    #[error("{what} has {events} events; at least {min} are needed")]
    TooFewEvents {
        /// The analysis or data set.
        what: String,
        /// The number of events found.
        events: usize,
        /// The minimum required.
        min: usize,
    },

    /// A prediction or calibration time lies beyond the follow-up of the data.
    #[error(
        "time {time} is beyond the last follow-up time {max_follow_up} of {what}; choose a time at or before {max_follow_up}"
    )]
    TimeBeyondFollowUp {
        /// The requested time.
        time: f64,
        /// The largest observed time.
        max_follow_up: f64,
        /// The data set or group.
        what: String,
    },

    /// A cut-off puts every patient in the same group.
    #[error(
        "cut-off {cutoff} puts all {n} patients in one group (scores range from {min} to {max}); choose a cut-off strictly inside that range"
    )]
    SingleGroup {
        /// The cut-off.
        cutoff: f64,
        /// The number of patients.
        n: usize,
        /// The smallest score.
        min: f64,
        /// The largest score.
        max: f64,
    },

    /// The Cox model could not be fitted on a (resampled) data set.
    #[error("Cox model fit failed: {reason}")]
    FitFailed {
        /// What went wrong (singular information matrix, no events, ...).
        reason: String,
    },

    /// An error reported by `radiomics-survival`.
    #[error("survival analysis failed: {0}")]
    Survival(String),

    /// The plotting backend failed.
    #[error("drawing {plot} failed: {reason}")]
    Plot {
        /// Which plot.
        plot: String,
        /// The backend's message.
        reason: String,
    },

    /// Reading or writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, NomogramError>;

/// Returns an error unless every value is finite.
pub(crate) fn check_finite(what: &str, values: &[f64]) -> Result<()> {
    for (i, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            return Err(NomogramError::InvalidValue {
                what: format!("{what}[{i}]"),
                value: v,
                reason: "must be finite".into(),
            });
        }
    }
    Ok(())
}

/// Returns an error unless `values` has `expected` entries.
pub(crate) fn check_len<T>(what: &str, values: &[T], expected: usize, per: &str) -> Result<()> {
    if values.len() != expected {
        return Err(NomogramError::LengthMismatch {
            what: what.into(),
            expected,
            found: values.len(),
            per: per.into(),
        });
    }
    Ok(())
}
