//! Distribution helpers (statrs) used for p-values and confidence limits.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// Upper tail P(X > x) of a chi-square with `df` degrees of freedom (1 when `df` is 0 or `x`
/// is not positive).
pub fn chi_square_sf(x: f64, df: f64) -> f64 {
    if df <= 0.0 || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    ChiSquared::new(df).map_or(f64::NAN, |d| d.sf(x))
}

/// Standard normal quantile Phi^-1(p).
pub fn normal_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// Standard normal cumulative distribution Phi(x).
pub fn normal_cdf(x: f64) -> f64 {
    Normal::standard().cdf(x)
}

/// Two-sided p-value of a standard normal statistic: 2 * Phi(-|z|).
pub fn two_sided_normal_p(z: f64) -> f64 {
    2.0 * Normal::standard().cdf(-z.abs())
}
