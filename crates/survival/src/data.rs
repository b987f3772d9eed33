//! Validated survival outcomes and covariate matrices.
//!
//! # Conventions
//! - `time` is the follow-up time in any unit (days, weeks, years); every method is invariant to
//!   the unit except where a result is itself a time (medians, cut-free restricted means).
//! - `event` is 1 for the event (death, relapse) and 0 for right censoring.
//! - A time of 0 is accepted. An event at time 0 counts at time 0: Kaplan-Meier drops at 0 and
//!   the subject is in the Cox risk set of time 0 only. A censoring at time 0 removes the subject
//!   before any event at a positive time, so it contributes nothing to Cox, Kaplan-Meier or the
//!   log-rank test except to the at-risk count of events at time 0. (R glmnet rejects times <= 0;
//!   this crate does not.)
//! - At a tied time, events come before censorings: a subject censored at `t` is in the risk
//!   set of an event at `t` (the convention of R survival, glmnet and scikit-survival).

use crate::error::{Result, SurvivalError};
use ndarray::ArrayView2;

/// Right-censored survival outcomes, validated on construction.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalData {
    time: Vec<f64>,
    event: Vec<bool>,
}

impl SurvivalData {
    /// Builds outcomes from times and 0/1 event indicators.
    ///
    /// # Errors
    /// [`SurvivalError::InvalidTime`] for a NaN, infinite or negative time;
    /// [`SurvivalError::EventsCodedOneTwo`] when the indicators are coded 1/2 (R's `Surv`
    /// alternative coding); [`SurvivalError::InvalidEvent`] for any other value than 0 or 1;
    /// [`SurvivalError::LengthMismatch`] and [`SurvivalError::Empty`].
    pub fn new(time: &[f64], event: &[f64]) -> Result<Self> {
        check_len("event", time.len(), event.len())?;
        if event.iter().all(|&e| e == 1.0 || e == 2.0) && event.contains(&2.0) {
            let row = event.iter().position(|&e| e == 2.0).unwrap_or(0);
            return Err(SurvivalError::EventsCodedOneTwo { row });
        }
        let mut ev = Vec::with_capacity(event.len());
        for (row, &e) in event.iter().enumerate() {
            if e == 0.0 {
                ev.push(false);
            } else if e == 1.0 {
                ev.push(true);
            } else if e == 2.0 && !event.contains(&0.0) {
                return Err(SurvivalError::EventsCodedOneTwo { row });
            } else {
                return Err(SurvivalError::InvalidEvent { row, value: e });
            }
        }
        Self::from_bool(time, &ev)
    }

    /// Builds outcomes from times and boolean event indicators (`true` = event).
    ///
    /// # Errors
    /// As [`SurvivalData::new`], for the times.
    pub fn from_bool(time: &[f64], event: &[bool]) -> Result<Self> {
        check_len("event", time.len(), event.len())?;
        if time.is_empty() {
            return Err(SurvivalError::Empty { what: "survival data".into() });
        }
        for (row, &t) in time.iter().enumerate() {
            if !t.is_finite() || t < 0.0 {
                return Err(SurvivalError::InvalidTime { row, value: t });
            }
        }
        Ok(Self { time: time.to_vec(), event: event.to_vec() })
    }

    /// Number of subjects.
    pub fn len(&self) -> usize {
        self.time.len()
    }

    /// Whether there are no subjects (never true for a constructed value).
    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Follow-up times.
    pub fn time(&self) -> &[f64] {
        &self.time
    }

    /// Event indicators (`true` = event, `false` = censored).
    pub fn event(&self) -> &[bool] {
        &self.event
    }

    /// Number of events.
    pub fn n_events(&self) -> usize {
        self.event.iter().filter(|&&e| e).count()
    }

    /// The subset of rows `rows` (in that order).
    pub fn subset(&self, rows: &[usize]) -> Self {
        Self {
            time: rows.iter().map(|&i| self.time[i]).collect(),
            event: rows.iter().map(|&i| self.event[i]).collect(),
        }
    }

    /// Indices sorting the subjects by increasing time, events before censorings at a tied
    /// time, then by row (a stable order).
    pub fn order_by_time(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.len()).collect();
        idx.sort_by(|&a, &b| {
            self.time[a].total_cmp(&self.time[b]).then(self.event[b].cmp(&self.event[a])).then(a.cmp(&b))
        });
        idx
    }
}

pub(crate) fn check_len(what: &str, expected: usize, found: usize) -> Result<()> {
    if expected != found {
        return Err(SurvivalError::LengthMismatch { what: what.to_string(), expected, found });
    }
    Ok(())
}

/// A dense covariate matrix with `n` rows (subjects) and `p` named columns, stored column by
/// column. Every value is finite (checked on construction).
#[derive(Debug, Clone, PartialEq)]
pub struct Covariates {
    n_rows: usize,
    names: Vec<String>,
    data: Vec<f64>,
}

impl Covariates {
    /// Builds the matrix from columns (each of length `n`).
    ///
    /// # Errors
    /// [`SurvivalError::LengthMismatch`] when the columns differ in length or the names do not
    /// match the columns, [`SurvivalError::NonFiniteCovariate`] naming the row and column of the
    /// first NaN or infinite value.
    pub fn from_columns(names: &[&str], columns: &[Vec<f64>]) -> Result<Self> {
        check_len("covariate names", columns.len(), names.len())?;
        let n_rows = columns.first().map_or(0, Vec::len);
        let mut data = Vec::with_capacity(n_rows * columns.len());
        for (j, col) in columns.iter().enumerate() {
            check_len(&format!("covariate '{}'", names[j]), n_rows, col.len())?;
            data.extend_from_slice(col);
        }
        let out = Self { n_rows, names: names.iter().map(|s| s.to_string()).collect(), data };
        out.check_finite()?;
        Ok(out)
    }

    /// Builds the matrix from a row-major slice of `n_rows * names.len()` values.
    ///
    /// # Errors
    /// As [`Covariates::from_columns`].
    pub fn from_row_major(names: &[&str], n_rows: usize, values: &[f64]) -> Result<Self> {
        let p = names.len();
        check_len("row-major covariate values", n_rows * p, values.len())?;
        let mut data = vec![0.0; n_rows * p];
        for i in 0..n_rows {
            for j in 0..p {
                data[j * n_rows + i] = values[i * p + j];
            }
        }
        let out = Self { n_rows, names: names.iter().map(|s| s.to_string()).collect(), data };
        out.check_finite()?;
        Ok(out)
    }

    /// Builds the matrix from an `ndarray` view of shape `[n, p]`.
    ///
    /// # Errors
    /// As [`Covariates::from_columns`].
    pub fn from_ndarray(names: &[&str], x: ArrayView2<'_, f64>) -> Result<Self> {
        check_len("covariate names", x.ncols(), names.len())?;
        let columns: Vec<Vec<f64>> = x.columns().into_iter().map(|c| c.to_vec()).collect();
        let mut out = Self::from_columns(names, &columns)?;
        out.n_rows = x.nrows();
        Ok(out)
    }

    /// A matrix with no columns and `n_rows` rows (a null model).
    pub fn empty(n_rows: usize) -> Self {
        Self { n_rows, names: Vec::new(), data: Vec::new() }
    }

    fn check_finite(&self) -> Result<()> {
        for j in 0..self.n_cols() {
            for (i, &v) in self.column(j).iter().enumerate() {
                if !v.is_finite() {
                    return Err(SurvivalError::NonFiniteCovariate { row: i, column: self.names[j].clone(), value: v });
                }
            }
        }
        Ok(())
    }

    /// Number of rows (subjects).
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns (covariates).
    pub fn n_cols(&self) -> usize {
        self.names.len()
    }

    /// Column names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Column `j` as a slice of length `n_rows`.
    pub fn column(&self, j: usize) -> &[f64] {
        &self.data[j * self.n_rows..(j + 1) * self.n_rows]
    }

    /// Value at row `i`, column `j`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[j * self.n_rows + i]
    }

    /// Row `i` as a new vector.
    pub fn row(&self, i: usize) -> Vec<f64> {
        (0..self.n_cols()).map(|j| self.get(i, j)).collect()
    }

    /// The rows `rows` (in that order).
    pub fn subset_rows(&self, rows: &[usize]) -> Self {
        let mut data = Vec::with_capacity(rows.len() * self.n_cols());
        for j in 0..self.n_cols() {
            let c = self.column(j);
            data.extend(rows.iter().map(|&i| c[i]));
        }
        Self { n_rows: rows.len(), names: self.names.clone(), data }
    }

    /// The columns `cols` (in that order).
    pub fn subset_columns(&self, cols: &[usize]) -> Self {
        let mut data = Vec::with_capacity(self.n_rows * cols.len());
        for &j in cols {
            data.extend_from_slice(self.column(j));
        }
        Self { n_rows: self.n_rows, names: cols.iter().map(|&j| self.names[j].clone()).collect(), data }
    }

    /// Index of the column named `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|s| s == name)
    }

    /// Linear predictor `x_i' beta` for every row.
    ///
    /// # Errors
    /// [`SurvivalError::LengthMismatch`] when `beta` does not have one entry per column.
    pub fn linear_predictor(&self, beta: &[f64]) -> Result<Vec<f64>> {
        check_len("coefficients", self.n_cols(), beta.len())?;
        let mut eta = vec![0.0; self.n_rows];
        for (j, &b) in beta.iter().enumerate() {
            if b != 0.0 {
                for (e, &x) in eta.iter_mut().zip(self.column(j)) {
                    *e += b * x;
                }
            }
        }
        Ok(eta)
    }
}

/// The rows kept by complete-case filtering, with the filtered outcomes and covariates.
#[derive(Debug, Clone, PartialEq)]
pub struct CompleteCases {
    /// Outcomes of the kept rows.
    pub data: SurvivalData,
    /// Covariates of the kept rows.
    pub covariates: Covariates,
    /// Indices (0-based, into the input) of the kept rows.
    pub kept_rows: Vec<usize>,
    /// Indices (0-based, into the input) of the dropped rows.
    pub dropped_rows: Vec<usize>,
}

impl CompleteCases {
    /// Drops every row whose time, event or any covariate is NaN (R's `complete.cases`), then
    /// validates the rest. Infinite values are not treated as missing and still raise an error.
    ///
    /// # Errors
    /// As [`SurvivalData::new`] and [`Covariates::from_columns`] on the kept rows.
    pub fn filter(time: &[f64], event: &[f64], names: &[&str], columns: &[Vec<f64>]) -> Result<Self> {
        check_len("event", time.len(), event.len())?;
        check_len("covariate names", columns.len(), names.len())?;
        for (j, c) in columns.iter().enumerate() {
            check_len(&format!("covariate '{}'", names[j]), time.len(), c.len())?;
        }
        let (kept_rows, dropped_rows): (Vec<usize>, Vec<usize>) = (0..time.len())
            .partition(|&i| !time[i].is_nan() && !event[i].is_nan() && columns.iter().all(|c| !c[i].is_nan()));
        let t: Vec<f64> = kept_rows.iter().map(|&i| time[i]).collect();
        let e: Vec<f64> = kept_rows.iter().map(|&i| event[i]).collect();
        let cols: Vec<Vec<f64>> = columns.iter().map(|c| kept_rows.iter().map(|&i| c[i]).collect()).collect();
        Ok(Self {
            data: SurvivalData::new(&t, &e)?,
            covariates: Covariates::from_columns(names, &cols)?,
            kept_rows,
            dropped_rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_coded_one_two_are_rejected_with_recoding_advice() {
        let err = SurvivalData::new(&[1.0, 2.0, 3.0], &[1.0, 2.0, 2.0]).unwrap_err();
        assert_eq!(err, SurvivalError::EventsCodedOneTwo { row: 1 });
        assert!(err.to_string().contains("status - 1"));
    }

    #[test]
    fn other_event_codes_and_bad_times_are_rejected() {
        assert!(matches!(SurvivalData::new(&[1.0, 2.0], &[0.0, 3.0]), Err(SurvivalError::InvalidEvent { row: 1, .. })));
        assert!(matches!(SurvivalData::new(&[1.0, -2.0], &[0.0, 1.0]), Err(SurvivalError::InvalidTime { row: 1, .. })));
        assert!(matches!(SurvivalData::new(&[f64::NAN], &[1.0]), Err(SurvivalError::InvalidTime { row: 0, .. })));
        assert!(SurvivalData::new(&[0.0, 1.0], &[1.0, 0.0]).is_ok());
        assert!(matches!(SurvivalData::new(&[], &[]), Err(SurvivalError::Empty { .. })));
    }

    #[test]
    fn nan_covariate_names_row_and_column_unless_filtered() {
        let cols = vec![vec![1.0, 2.0, 3.0], vec![0.5, f64::NAN, 1.0]];
        let err = Covariates::from_columns(&["a", "b"], &cols).unwrap_err();
        assert!(matches!(err, SurvivalError::NonFiniteCovariate { row: 1, ref column, .. } if column == "b"));
        let cc = CompleteCases::filter(&[1.0, 2.0, 3.0], &[1.0, 0.0, 1.0], &["a", "b"], &cols).unwrap();
        assert_eq!(cc.kept_rows, vec![0, 2]);
        assert_eq!(cc.dropped_rows, vec![1]);
        assert_eq!(cc.covariates.column(1), &[0.5, 1.0]);
    }

    #[test]
    fn row_major_and_ndarray_constructors_agree() {
        let a = Covariates::from_row_major(&["a", "b"], 2, &[1.0, 2.0, 3.0, 4.0]).unwrap();
        let arr = ndarray::array![[1.0, 2.0], [3.0, 4.0]];
        let b = Covariates::from_ndarray(&["a", "b"], arr.view()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.column(1), &[2.0, 4.0]);
        assert_eq!(a.linear_predictor(&[1.0, 1.0]).unwrap(), vec![3.0, 7.0]);
    }
}
