//! Feature-selection steps of a radiomics signature: reproducibility (ICC) from repeated
//! measurements, a dispersion filter (MAD), a univariate C-index filter, correlation pruning
//! that keeps the more prognostic feature of each correlated pair, and z-score scaling fitted on
//! one cohort and applied to another.
//!
//! # ICC
//! From a two-way layout of `n` subjects by `k` measurements (raters, repeated segmentations,
//! test-retest scans) with mean squares `MSR` (subjects), `MSC` (measurements) and `MSE`
//! (residual):
//! - ICC(2,1), two-way random effects, absolute agreement, single measurement:
//!   `(MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)`;
//! - ICC(3,1), two-way mixed effects, consistency, single measurement:
//!   `(MSR - MSE) / (MSR + (k - 1) MSE)`.
//!
//! The F test is `F = MSR / MSE` on `(n - 1, (n - 1)(k - 1))` degrees of freedom. The 95%
//! interval of ICC(3,1) uses `F / F_0.975(df1, df2)` and `F F_0.975(df2, df1)`; that of ICC(2,1)
//! uses the Satterthwaite degrees of freedom of McGraw and Wong (1996), as R psych 2.2.9 `ICC`.
//! Radiomics studies usually need ICC(2,1) (Koo and Li 2016 recommend absolute agreement when
//! measurements must be interchangeable).
//!
//! # References
//! Shrout PE, Fleiss JL (1979), Intraclass correlations: uses in assessing rater reliability,
//! Psychol Bull 86:420-428. McGraw KO, Wong SP (1996), Forming inferences about some intraclass
//! correlation coefficients, Psychol Methods 1:30-46. Koo TK, Li MY (2016), J Chiropr Med
//! 15:155-163. Harrell FE (2015), Regression Modeling Strategies, 2nd ed., Springer, chapter 4.

use crate::concordance::concordance;
use crate::data::{Covariates, SurvivalData, check_len};
use crate::error::{Result, SurvivalError, invalid_parameter};
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

/// The ICC form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IccForm {
    /// ICC(2,1): two-way random effects, absolute agreement, single measurement.
    TwoWayRandomAbsolute,
    /// ICC(3,1): two-way mixed effects, consistency, single measurement.
    TwoWayMixedConsistency,
}

/// An intraclass correlation with its F test and 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Icc {
    /// The form computed.
    pub form: IccForm,
    /// The coefficient.
    pub icc: f64,
    /// `F = MSR / MSE`.
    pub f_statistic: f64,
    /// Numerator degrees of freedom `n - 1`.
    pub df1: f64,
    /// Denominator degrees of freedom `(n - 1)(k - 1)`.
    pub df2: f64,
    /// `P(F_{df1,df2} > F)`.
    pub p_value: f64,
    /// Lower 95% limit.
    pub lower95: f64,
    /// Upper 95% limit.
    pub upper95: f64,
    /// Mean square of subjects.
    pub ms_subjects: f64,
    /// Mean square of measurements.
    pub ms_measurements: f64,
    /// Residual mean square.
    pub ms_error: f64,
    /// Number of subjects `n`.
    pub n_subjects: usize,
    /// Number of measurements per subject `k`.
    pub n_measurements: usize,
}

fn f_quantile(p: f64, d1: f64, d2: f64) -> f64 {
    FisherSnedecor::new(d1, d2).map_or(f64::NAN, |f| f.inverse_cdf(p))
}

/// Computes ICC(2,1) or ICC(3,1) from `ratings[i][r]`, the value of subject `i` under
/// measurement `r` (every subject has the same `k >= 2` measurements, no missing values).
///
/// # Errors
/// [`SurvivalError::InvalidParameter`] for fewer than 2 subjects or measurements, ragged rows
/// or non-finite values; [`SurvivalError::Numerical`] when `MSE = 0` (identical repeated
/// values make the F statistic undefined).
pub fn icc(ratings: &[Vec<f64>], form: IccForm) -> Result<Icc> {
    let n = ratings.len();
    let k = ratings.first().map_or(0, Vec::len);
    if n < 2 || k < 2 {
        return Err(invalid_parameter(
            "ratings",
            format!("{n} subjects x {k} measurements"),
            "need at least 2 subjects and 2 measurements",
        ));
    }
    for (i, row) in ratings.iter().enumerate() {
        if row.len() != k {
            return Err(invalid_parameter(
                &format!("ratings[{i}]"),
                format!("{} values", row.len()),
                "every subject needs the same number of measurements",
            ));
        }
        if let Some(r) = row.iter().position(|v| !v.is_finite()) {
            return Err(invalid_parameter(&format!("ratings[{i}][{r}]"), row[r], "values must be finite"));
        }
    }
    let (nf, kf) = (n as f64, k as f64);
    let grand = ratings.iter().flatten().sum::<f64>() / (nf * kf);
    let row_means: Vec<f64> = ratings.iter().map(|r| r.iter().sum::<f64>() / kf).collect();
    let col_means: Vec<f64> = (0..k).map(|c| ratings.iter().map(|r| r[c]).sum::<f64>() / nf).collect();
    let ssr = kf * row_means.iter().map(|m| (m - grand).powi(2)).sum::<f64>();
    let ssc = nf * col_means.iter().map(|m| (m - grand).powi(2)).sum::<f64>();
    let sst: f64 = ratings.iter().flatten().map(|v| (v - grand).powi(2)).sum();
    let sse = (sst - ssr - ssc).max(0.0);
    let (df1, df2) = (nf - 1.0, (nf - 1.0) * (kf - 1.0));
    let (msr, msc, mse) = (ssr / df1, ssc / (kf - 1.0), sse / df2);
    if !(mse > 0.0) {
        return Err(SurvivalError::Numerical {
            context: "ICC".into(),
            detail: "the residual mean square is 0 (repeated measurements agree exactly)".into(),
        });
    }
    let f = msr / mse;
    let p = FisherSnedecor::new(df1, df2).map_or(f64::NAN, |d| d.sf(f));
    let q = 0.975;
    let (value, lower, upper) = match form {
        IccForm::TwoWayMixedConsistency => {
            let v = (msr - mse) / (msr + (kf - 1.0) * mse);
            let fl = f / f_quantile(q, df1, df2);
            let fu = f * f_quantile(q, df2, df1);
            (v, (fl - 1.0) / (fl + kf - 1.0), (fu - 1.0) / (fu + kf - 1.0))
        }
        IccForm::TwoWayRandomAbsolute => {
            let v = (msr - mse) / (msr + (kf - 1.0) * mse + kf * (msc - mse) / nf);
            let fj = msc / mse;
            let vn = (kf - 1.0) * (nf - 1.0) * (kf * v * fj + nf * (1.0 + (kf - 1.0) * v) - kf * v).powi(2);
            let vd = (nf - 1.0) * kf * kf * v * v * fj * fj + (nf * (1.0 + (kf - 1.0) * v) - kf * v).powi(2);
            let dfv = vn / vd;
            let f3u = f_quantile(q, nf - 1.0, dfv);
            let f3l = f_quantile(q, dfv, nf - 1.0);
            let base = kf * msc + (kf * nf - kf - nf) * mse;
            let lo = nf * (msr - f3u * mse) / (f3u * base + nf * msr);
            let hi = nf * (f3l * msr - mse) / (base + nf * f3l * msr);
            (v, lo, hi)
        }
    };
    Ok(Icc {
        form,
        icc: value,
        f_statistic: f,
        df1,
        df2,
        p_value: p,
        lower95: lower,
        upper95: upper,
        ms_subjects: msr,
        ms_measurements: msc,
        ms_error: mse,
        n_subjects: n,
        n_measurements: k,
    })
}

/// Median of finite values (the mean of the two middle values for an even count).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { 0.5 * (values[n / 2 - 1] + values[n / 2]) }
}

/// Median absolute deviation `constant * median(|x - median(x)|)`. R's `mad` uses
/// `constant = 1.4826` (consistent for the normal standard deviation); the raw MAD is
/// `constant = 1`.
///
/// # Errors
/// [`SurvivalError::Empty`] for no values; [`SurvivalError::InvalidParameter`] for a
/// non-finite value.
pub fn mad(values: &[f64], constant: f64) -> Result<f64> {
    if values.is_empty() {
        return Err(SurvivalError::Empty { what: "MAD input".into() });
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(invalid_parameter(&format!("values[{i}]"), values[i], "must be finite"));
    }
    let mut v = values.to_vec();
    let m = median(&mut v);
    let mut dev: Vec<f64> = values.iter().map(|x| (x - m).abs()).collect();
    Ok(constant * median(&mut dev))
}

/// Indices of the columns whose MAD (with `constant`) is strictly greater than `threshold`
/// (a threshold of 0 removes constant and near-constant features).
///
/// # Errors
/// As [`mad`].
pub fn select_by_mad(x: &Covariates, threshold: f64, constant: f64) -> Result<Vec<usize>> {
    let mut keep = Vec::new();
    for j in 0..x.n_cols() {
        if mad(x.column(j), constant)? > threshold {
            keep.push(j);
        }
    }
    Ok(keep)
}

/// Univariate concordance of one feature used as a risk score.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureConcordance {
    /// Column index.
    pub index: usize,
    /// Column name.
    pub name: String,
    /// Harrell's C with the feature as a risk score (higher value = higher risk).
    pub c_index: f64,
    /// Its infinitesimal-jackknife standard error.
    pub std_error: f64,
    /// `max(C, 1 - C)`: prognostic strength whatever the direction.
    pub strength: f64,
}

/// Harrell's C of every column as a risk score, computed in parallel. A column without
/// comparable pairs (impossible when there is an event followed by a longer follow-up) or a
/// constant column gets `C = 0.5`.
///
/// # Errors
/// [`SurvivalError::NoEvents`] and [`SurvivalError::LengthMismatch`].
pub fn univariate_concordance(data: &SurvivalData, x: &Covariates) -> Result<Vec<FeatureConcordance>> {
    check_len("covariate rows", data.len(), x.n_rows())?;
    crate::km::require_events(data, "univariate C-index")?;
    (0..x.n_cols())
        .into_par_iter()
        .map(|j| {
            let (c, se) = match concordance(data, x.column(j)) {
                Ok(k) => (k.c_index, k.std_error),
                Err(SurvivalError::NoComparablePairs) => (0.5, f64::NAN),
                Err(e) => return Err(e),
            };
            Ok(FeatureConcordance {
                index: j,
                name: x.names()[j].clone(),
                c_index: c,
                std_error: se,
                strength: c.max(1.0 - c),
            })
        })
        .collect()
}

/// Indices of the columns whose univariate strength `max(C, 1 - C)` is at least `min_strength`
/// (for example 0.6).
///
/// # Errors
/// As [`univariate_concordance`].
pub fn select_by_concordance(data: &SurvivalData, x: &Covariates, min_strength: f64) -> Result<Vec<usize>> {
    Ok(univariate_concordance(data, x)?.into_iter().filter(|f| f.strength >= min_strength).map(|f| f.index).collect())
}

/// Correlation used for pruning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CorrelationMethod {
    /// Pearson's product-moment correlation.
    #[default]
    Pearson,
    /// Spearman's rank correlation (Pearson on average ranks).
    Spearman,
}

/// A feature removed by correlation pruning.
#[derive(Debug, Clone, PartialEq)]
pub struct PrunedFeature {
    /// Column index of the removed feature.
    pub index: usize,
    /// Column index of the kept, more prognostic feature it correlates with.
    pub kept_partner: usize,
    /// Their correlation.
    pub correlation: f64,
}

/// Result of correlation pruning.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationPruning {
    /// Kept column indices, most prognostic first.
    pub kept: Vec<usize>,
    /// Removed columns with the partner that displaced them.
    pub removed: Vec<PrunedFeature>,
}

fn average_ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut s = 0;
    while s < idx.len() {
        let mut e = s + 1;
        while e < idx.len() && v[idx[e]] == v[idx[s]] {
            e += 1;
        }
        let avg = (s + e + 1) as f64 / 2.0;
        for &i in &idx[s..e] {
            r[i] = avg;
        }
        s = e;
    }
    r
}

/// Pearson correlation of two equal-length slices (NaN when either is constant).
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    sab / (saa * sbb).sqrt()
}

/// Greedy correlation pruning: features are visited from the most to the least prognostic
/// (`strength`, one value per column, for example [`FeatureConcordance::strength`]; ties keep
/// column order), and a feature is kept unless its absolute correlation with an already kept
/// feature exceeds `threshold`. So of every pair above the threshold the more prognostic one
/// stays. Constant columns (undefined correlation) are kept unless removed by another filter.
///
/// # Errors
/// [`SurvivalError::LengthMismatch`] when `strength` does not have one value per column;
/// [`SurvivalError::InvalidParameter`] unless `0 <= threshold <= 1`.
pub fn prune_correlated(
    x: &Covariates,
    strength: &[f64],
    threshold: f64,
    method: CorrelationMethod,
) -> Result<CorrelationPruning> {
    check_len("strength", x.n_cols(), strength.len())?;
    if !(0.0..=1.0).contains(&threshold) {
        return Err(invalid_parameter("threshold", threshold, "must be in [0, 1]"));
    }
    let cols: Vec<Vec<f64>> = (0..x.n_cols())
        .map(|j| match method {
            CorrelationMethod::Pearson => x.column(j).to_vec(),
            CorrelationMethod::Spearman => average_ranks(x.column(j)),
        })
        .collect();
    let mut order: Vec<usize> = (0..x.n_cols()).collect();
    order.sort_by(|&a, &b| strength[b].total_cmp(&strength[a]).then(a.cmp(&b)));
    let mut out = CorrelationPruning { kept: Vec::new(), removed: Vec::new() };
    for &j in &order {
        let hit = out.kept.iter().find_map(|&k| {
            let r = pearson(&cols[j], &cols[k]);
            (r.abs() > threshold).then_some((k, r))
        });
        match hit {
            Some((k, r)) => out.removed.push(PrunedFeature { index: j, kept_partner: k, correlation: r }),
            None => out.kept.push(j),
        }
    }
    Ok(out)
}

/// Z-score scaling fitted on one cohort (means and standard deviations with the `n - 1`
/// denominator, as R `scale()`) and applied to any cohort with the same columns.
#[derive(Debug, Clone, PartialEq)]
pub struct ZScoreScaler {
    /// Column names of the fitting cohort.
    pub names: Vec<String>,
    /// Column means.
    pub mean: Vec<f64>,
    /// Column standard deviations.
    pub sd: Vec<f64>,
}

impl ZScoreScaler {
    /// Fits the scaler on `x`.
    ///
    /// # Errors
    /// [`SurvivalError::ConstantCovariate`] for a constant column (its z-score is undefined);
    /// [`SurvivalError::InvalidParameter`] for fewer than 2 rows.
    pub fn fit(x: &Covariates) -> Result<Self> {
        let n = x.n_rows();
        if n < 2 {
            return Err(invalid_parameter("rows", n, "need at least 2 rows to fit a z-score"));
        }
        let mut mean = Vec::with_capacity(x.n_cols());
        let mut sd = Vec::with_capacity(x.n_cols());
        for j in 0..x.n_cols() {
            let c = x.column(j);
            let m = c.iter().sum::<f64>() / n as f64;
            let s = (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
            if !(s > 0.0) {
                return Err(SurvivalError::ConstantCovariate { column: x.names()[j].clone(), value: c[0] });
            }
            mean.push(m);
            sd.push(s);
        }
        Ok(Self { names: x.names().to_vec(), mean, sd })
    }

    /// Applies `(x - mean) / sd` column by column.
    ///
    /// # Errors
    /// [`SurvivalError::InvalidParameter`] when the columns of `x` are not those of the fitting
    /// cohort (same names, same order).
    pub fn transform(&self, x: &Covariates) -> Result<Covariates> {
        if x.names() != self.names.as_slice() {
            return Err(invalid_parameter(
                "columns",
                format!("{:?}", x.names()),
                &format!("must equal the fitted columns {:?} in order", self.names),
            ));
        }
        let cols: Vec<Vec<f64>> =
            (0..x.n_cols()).map(|j| x.column(j).iter().map(|v| (v - self.mean[j]) / self.sd[j]).collect()).collect();
        let names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        Covariates::from_columns(&names, &cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shrout and Fleiss (1979), Table 2: 6 targets rated by 4 judges. Their published values:
    /// ICC(2,1) = 0.29, ICC(3,1) = 0.71.
    fn shrout_fleiss() -> Vec<Vec<f64>> {
        vec![
            vec![9.0, 2.0, 5.0, 8.0],
            vec![6.0, 1.0, 3.0, 2.0],
            vec![8.0, 4.0, 6.0, 8.0],
            vec![7.0, 1.0, 2.0, 6.0],
            vec![10.0, 5.0, 6.0, 9.0],
            vec![6.0, 2.0, 4.0, 7.0],
        ]
    }

    #[test]
    fn icc_reproduces_shrout_and_fleiss_and_r_psych() {
        // Expected: R 4.2.2, psych 2.2.9:
        //   sf <- matrix(c(9,2,5,8, 6,1,3,2, 8,4,6,8, 7,1,2,6, 10,5,6,9, 6,2,4,7), ncol = 4,
        //                byrow = TRUE); ICC(sf, lmer = FALSE)$results
        // rows Single_random_raters (ICC2) and Single_fixed_raters (ICC3).
        let r = shrout_fleiss();
        let i2 = icc(&r, IccForm::TwoWayRandomAbsolute).unwrap();
        let i3 = icc(&r, IccForm::TwoWayMixedConsistency).unwrap();
        let close = |a: f64, b: f64| assert!((a - b).abs() <= 1e-6 * b.abs(), "{a} vs {b}");
        close(i2.icc, 0.289_763_779_527_559_2);
        close(i3.icc, 0.714_840_714_840_714_9);
        close(i2.f_statistic, 11.027_247_956_403_272);
        close(i2.p_value, 0.000_134_566_516_484_336_9);
        assert_eq!((i2.df1, i2.df2), (5.0, 15.0));
        close(i2.lower95, 0.018_786_513_374_712_047);
        close(i2.upper95, 0.761_084_369_648_953_1);
        close(i3.lower95, 0.342_464_765_033_925_4);
        close(i3.upper95, 0.945_858_259_955_359_6);
        assert!(icc(&r[..1], IccForm::TwoWayMixedConsistency).is_err());
        let same = vec![vec![1.0, 1.0], vec![2.0, 2.0]];
        assert!(matches!(icc(&same, IccForm::TwoWayRandomAbsolute), Err(SurvivalError::Numerical { .. })));
    }

    #[test]
    fn mad_and_its_filter() {
        assert_eq!(mad(&[1.0, 2.0, 3.0, 4.0, 100.0], 1.0).unwrap(), 1.0);
        let x = Covariates::from_columns(&["flat", "spread"], &[vec![1.0; 5], vec![1.0, 2.0, 3.0, 4.0, 5.0]]).unwrap();
        assert_eq!(select_by_mad(&x, 0.0, 1.4826).unwrap(), vec![1]);
    }

    #[test]
    fn pruning_keeps_the_more_prognostic_of_a_correlated_pair() {
        let a = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b: Vec<f64> = a.iter().map(|v| 2.0 * v + 0.01 * v * v).collect();
        let c = vec![3.0, 1.0, 4.0, 1.0, 5.0, 9.0];
        let x = Covariates::from_columns(&["a", "b", "c"], &[a, b, c]).unwrap();
        let p = prune_correlated(&x, &[0.6, 0.7, 0.55], 0.9, CorrelationMethod::Pearson).unwrap();
        assert_eq!(p.kept, vec![1, 2]);
        assert_eq!(p.removed.len(), 1);
        assert_eq!((p.removed[0].index, p.removed[0].kept_partner), (0, 1));
        let s = prune_correlated(&x, &[0.6, 0.7, 0.55], 0.9, CorrelationMethod::Spearman).unwrap();
        assert_eq!(s.kept, vec![1, 2]);
    }

    #[test]
    fn univariate_concordance_and_its_filter() {
        let d = SurvivalData::new(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0, 1.0, 1.0, 1.0, 0.0]).unwrap();
        let x = Covariates::from_columns(
            &["risk", "protective", "flat"],
            &[vec![5.0, 4.0, 3.0, 2.0, 1.0], vec![1.0, 2.0, 3.0, 4.0, 5.0], vec![1.0; 5]],
        )
        .unwrap();
        let u = univariate_concordance(&d, &x).unwrap();
        assert_eq!(u[0].c_index, 1.0);
        assert_eq!(u[1].c_index, 0.0);
        assert_eq!(u[1].strength, 1.0);
        assert_eq!(u[2].c_index, 0.5);
        assert_eq!(select_by_concordance(&d, &x, 0.6).unwrap(), vec![0, 1]);
    }

    #[test]
    fn zscore_fitted_on_discovery_is_applied_to_validation() {
        let disc = Covariates::from_columns(&["f"], &[vec![1.0, 2.0, 3.0]]).unwrap();
        let val = Covariates::from_columns(&["f"], &[vec![2.0, 4.0]]).unwrap();
        let sc = ZScoreScaler::fit(&disc).unwrap();
        assert_eq!(sc.transform(&val).unwrap().column(0), &[0.0, 2.0]);
        let other = Covariates::from_columns(&["g"], &[vec![2.0, 4.0]]).unwrap();
        assert!(sc.transform(&other).is_err());
        let flat = Covariates::from_columns(&["f"], &[vec![1.0, 1.0]]).unwrap();
        assert!(matches!(ZScoreScaler::fit(&flat), Err(SurvivalError::ConstantCovariate { .. })));
    }
}
