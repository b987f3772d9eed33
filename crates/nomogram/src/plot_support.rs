//! Small numeric helpers shared by the table and plot builders.

/// Smallest and largest finite value (infinite bounds when there is none).
pub(crate) fn min_max(values: &[f64]) -> (f64, f64) {
    values.iter().filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)))
}
