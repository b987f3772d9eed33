//! The missing-value rule of a feature table before selection and modelling.
//!
//! A feature value is missing when it is NaN (for example every feature of a tumour sub-region
//! that a patient does not have). The rule, fitted on the discovery cohort only:
//!
//! 1. A feature missing in more than `max_missing_share` of the discovery patients is dropped
//!    (share = missing / patients, so a share equal to the limit is kept). A feature with no
//!    observed value is always dropped.
//! 2. Every other missing value, in any cohort, is replaced by the feature's discovery median
//!    (R's `median(x, na.rm = TRUE)`: the mean of the two middle values for an even count).
//!
//! Fitting on discovery and applying the same medians to validation keeps validation data out
//! of the model, as `sklearn.impute.SimpleImputer(strategy = "median")` fitted on a training set.
//! Infinite values are not missing values: they are rejected, because they mean a computation
//! failed rather than that a region is absent.

use crate::error::{Result, SurvivalError, invalid_parameter};

/// The fitted rule: which features are kept and the median that fills each one's gaps.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingImputer {
    /// Share of discovery patients missing each feature (input column order).
    pub missing_share: Vec<f64>,
    /// Whether each input column is kept.
    pub kept: Vec<bool>,
    /// Discovery median of each input column (NaN for a column with no observed value).
    pub median: Vec<f64>,
    /// The limit the rule was fitted with.
    pub max_missing_share: f64,
}

/// The median of the finite values of `values` (NaN are skipped); `None` when there is none.
pub fn median_ignoring_nan(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) })
}

impl MissingImputer {
    /// Fits the rule on the discovery columns (`columns[j][i]` = feature `j` of discovery
    /// patient `i`; NaN = missing). `names` are used in error messages.
    ///
    /// # Errors
    /// [`SurvivalError::InvalidParameter`] when `max_missing_share` is outside `[0, 1]`;
    /// [`SurvivalError::Empty`] when there is no patient; [`SurvivalError::LengthMismatch`] when
    /// the columns differ in length; [`SurvivalError::NonFiniteCovariate`] for an infinite value.
    pub fn fit(names: &[String], columns: &[Vec<f64>], max_missing_share: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&max_missing_share) {
            return Err(invalid_parameter("max_missing_share", max_missing_share, "must be a share between 0 and 1"));
        }
        if names.len() != columns.len() {
            return Err(SurvivalError::LengthMismatch {
                what: "feature names".into(),
                expected: columns.len(),
                found: names.len(),
            });
        }
        let n = columns.first().map_or(0, Vec::len);
        if n == 0 {
            return Err(SurvivalError::Empty { what: "missing-value rule (discovery patients)".into() });
        }
        let mut out = Self {
            missing_share: Vec::with_capacity(columns.len()),
            kept: Vec::with_capacity(columns.len()),
            median: Vec::with_capacity(columns.len()),
            max_missing_share,
        };
        for (name, column) in names.iter().zip(columns) {
            if column.len() != n {
                return Err(SurvivalError::LengthMismatch {
                    what: format!("feature {name}"),
                    expected: n,
                    found: column.len(),
                });
            }
            if let Some(row) = column.iter().position(|v| v.is_infinite()) {
                return Err(SurvivalError::NonFiniteCovariate { row, column: name.clone(), value: column[row] });
            }
            let missing = column.iter().filter(|v| v.is_nan()).count();
            let share = missing as f64 / n as f64;
            let median = median_ignoring_nan(column);
            out.missing_share.push(share);
            out.kept.push(median.is_some() && share <= max_missing_share);
            out.median.push(median.unwrap_or(f64::NAN));
        }
        Ok(out)
    }

    /// Indices of the kept columns.
    pub fn kept_columns(&self) -> Vec<usize> {
        self.kept.iter().enumerate().filter(|(_, k)| **k).map(|(j, _)| j).collect()
    }

    /// Replaces the NaN values of input column `j` by its discovery median and returns how many
    /// were replaced. A dropped column is left unchanged (and 0 is returned).
    pub fn impute_column(&self, j: usize, values: &mut [f64]) -> usize {
        if !self.kept[j] {
            return 0;
        }
        let mut replaced = 0;
        for v in values.iter_mut().filter(|v| v.is_nan()) {
            *v = self.median[j];
            replaced += 1;
        }
        replaced
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|j| format!("f{j}")).collect()
    }

    #[test]
    fn median_matches_r() {
        // R: median(c(3, NA, 1, 2)) with na.rm = TRUE is 2; median(c(4, 1, 3, 2)) is 2.5.
        assert_eq!(median_ignoring_nan(&[3.0, f64::NAN, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_ignoring_nan(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median_ignoring_nan(&[f64::NAN]), None);
    }

    #[test]
    fn drops_above_the_share_and_imputes_the_rest() {
        let nan = f64::NAN;
        let columns = vec![
            vec![1.0, 2.0, 3.0, 4.0, 5.0], // complete
            vec![1.0, nan, 3.0, 4.0, 5.0], // 20 %: kept at the limit, median 3.5
            vec![nan, nan, 3.0, 4.0, 5.0], // 40 %: dropped
            vec![nan, nan, nan, nan, nan], // no value: dropped
        ];
        let rule = MissingImputer::fit(&names(4), &columns, 0.2).unwrap();
        assert_eq!(rule.kept, vec![true, true, false, false]);
        assert_eq!(rule.kept_columns(), vec![0, 1]);
        assert_eq!(rule.missing_share[2], 0.4);
        let mut validation = vec![nan, 7.0];
        assert_eq!(rule.impute_column(1, &mut validation), 1);
        assert_eq!(validation, vec![3.5, 7.0]);
        let mut dropped = vec![nan];
        assert_eq!(rule.impute_column(2, &mut dropped), 0);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(MissingImputer::fit(&names(1), &[vec![1.0]], 1.5).is_err());
        assert!(MissingImputer::fit(&names(1), &[vec![]], 0.2).is_err());
        assert!(MissingImputer::fit(&names(2), &[vec![1.0], vec![1.0, 2.0]], 0.2).is_err());
        let err = MissingImputer::fit(&names(1), &[vec![1.0, f64::INFINITY]], 0.2).unwrap_err();
        assert!(err.to_string().contains("f0"), "{err}");
    }
}
