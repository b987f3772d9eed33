//! First-order (intensity statistics) features.

use crate::texture::EPS;

/// numpy's linear-interpolation percentile of sorted values (`q` in percent).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let pos = q / 100.0 * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let t = pos - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    if t >= 0.5 { b - (b - a) * (1.0 - t) } else { a + (b - a) * t }
}

/// Central moment of order `k` (1/N).
fn moment(values: &[f64], mean: f64, k: i32) -> f64 {
    values.iter().map(|v| (v - mean).powi(k)).sum::<f64>() / values.len() as f64
}

/// PyRadiomics first-order features of the ROI intensities `values` (any order) and their
/// discretised levels `levels`, in the order of [`crate::names::FIRSTORDER`] followed by
/// `StandardDeviation`.
///
/// * Energy (IBSI N8CA, different: IBSI has no shift) `sum (X + c)^2`, `c` = voxelArrayShift.
/// * TotalEnergy (no IBSI code) `V_voxel * Energy`.
/// * Entropy (IBSI TLU2 of the intensity histogram) `-sum p_i log2(p_i + eps)` over the
///   discretised levels; Uniformity (BJ5W) `sum p_i^2`.
/// * Minimum (1GSF), 10Percentile (QG58), 90Percentile (8DWT), Maximum (84IY), Median (Y12H)
///   with numpy's linear interpolation; InterquartileRange (SALO) `P75 - P25`; Range (2OJQ).
/// * Mean (Q4LE), Variance (ECT3) and StandardDeviation (no IBSI code, the square root of the
///   variance) with 1/N.
/// * MeanAbsoluteDeviation (4FUA) `mean |X - mean|`; RobustMeanAbsoluteDeviation (1128) the same
///   over the voxels between P10 and P90 inclusive.
/// * RootMeanSquared (5ZWQ) `sqrt(mean (X + c)^2)` (IBSI has no shift).
/// * Skewness (KE2A) `m3 / m2^1.5`, 0 for a flat ROI.
/// * Kurtosis (IPH6) `m4 / m2^2`: **not** in excess form, PyRadiomics = IBSI + 3; 0 for a flat
///   ROI.
pub fn pyradiomics_firstorder(values: &[f64], levels: &[u32], voxel_volume: f64, shift: f64) -> Vec<f64> {
    let n = values.len() as f64;
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let mean = values.iter().sum::<f64>() / n;
    let energy: f64 = values.iter().map(|v| (v + shift) * (v + shift)).sum();
    let ng = levels.iter().copied().max().unwrap_or(0) as usize;
    let mut hist = vec![0.0; ng + 1];
    for &l in levels {
        hist[l as usize] += 1.0;
    }
    let total: f64 = hist.iter().skip(1).sum();
    let (mut entropy, mut uniformity) = (0.0, 0.0);
    for &h in hist.iter().skip(1) {
        let p = h / total;
        if p > 0.0 {
            entropy -= p * (p + EPS).log2();
        }
        uniformity += p * p;
    }
    let p10 = percentile(&sorted, 10.0);
    let p90 = percentile(&sorted, 90.0);
    let iqr = percentile(&sorted, 75.0) - percentile(&sorted, 25.0);
    let m2 = moment(values, mean, 2);
    let m3 = moment(values, mean, 3);
    let m4 = moment(values, mean, 4);
    let (skew, kurt) = if m2 == 0.0 { (0.0, 0.0) } else { (m3 / m2.powf(1.5), m4 / (m2 * m2)) };
    let mad = values.iter().map(|v| (v - mean).abs()).sum::<f64>() / n;
    let robust: Vec<f64> = values.iter().copied().filter(|v| *v >= p10 && *v <= p90).collect();
    let rmean = robust.iter().sum::<f64>() / robust.len() as f64;
    let rmad = robust.iter().map(|v| (v - rmean).abs()).sum::<f64>() / robust.len() as f64;
    let min = sorted[0];
    let max = sorted[sorted.len() - 1];
    vec![
        p10,
        p90,
        energy,
        entropy,
        iqr,
        kurt,
        max,
        mad,
        mean,
        percentile(&sorted, 50.0),
        min,
        max - min,
        rmad,
        (energy / n).sqrt(),
        skew,
        voxel_volume * energy,
        uniformity,
        m2,
        m2.sqrt(),
    ]
}

/// IBSI intensity statistics (IBSI-1 family UHIW), names `stat_*`, from the ROI intensities.
///
/// Differs from PyRadiomics in: kurtosis is excess kurtosis (`m4/m2^2 - 3`); energy and RMS
/// have no shift; adds the median absolute deviation `mean |X - median|`, the coefficient of
/// variation `sd/mean` and the quartile coefficient of dispersion `(P75-P25)/(P75+P25)`.
///
/// Tags and their IBSI identifiers:
/// * `stat_mean`: mean (Q4LE)
/// * `stat_var`: variance (ECT3)
/// * `stat_skew`: skewness (KE2A)
/// * `stat_kurt`: excess kurtosis (IPH6)
/// * `stat_median`: median (Y12H)
/// * `stat_min`: minimum (1GSF)
/// * `stat_p10`: 10th percentile (QG58)
/// * `stat_p90`: 90th percentile (8DWT)
/// * `stat_max`: maximum (84IY)
/// * `stat_iqr`: interquartile range (SALO)
/// * `stat_range`: range (2OJQ)
/// * `stat_mad`: mean absolute deviation (4FUA)
/// * `stat_rmad`: robust mean absolute deviation (1128)
/// * `stat_medad`: median absolute deviation (N72L)
/// * `stat_cov`: coefficient of variation (7TET)
/// * `stat_qcod`: quartile coefficient of dispersion (9S40)
/// * `stat_energy`: energy (N8CA)
/// * `stat_rms`: root mean square (5ZWQ)
pub fn ibsi_statistics(values: &[f64]) -> Vec<(String, f64)> {
    let n = values.len() as f64;
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let mean = values.iter().sum::<f64>() / n;
    let m2 = moment(values, mean, 2);
    let m3 = moment(values, mean, 3);
    let m4 = moment(values, mean, 4);
    let (skew, kurt) = if m2 == 0.0 { (0.0, 0.0) } else { (m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0) };
    let p10 = percentile(&sorted, 10.0);
    let p90 = percentile(&sorted, 90.0);
    let p25 = percentile(&sorted, 25.0);
    let p75 = percentile(&sorted, 75.0);
    let median = percentile(&sorted, 50.0);
    let robust: Vec<f64> = values.iter().copied().filter(|v| *v >= p10 && *v <= p90).collect();
    let rmean = robust.iter().sum::<f64>() / robust.len() as f64;
    let energy: f64 = values.iter().map(|v| v * v).sum();
    let out = [
        ("stat_mean", mean),
        ("stat_var", m2),
        ("stat_skew", skew),
        ("stat_kurt", kurt),
        ("stat_median", median),
        ("stat_min", sorted[0]),
        ("stat_p10", p10),
        ("stat_p90", p90),
        ("stat_max", sorted[sorted.len() - 1]),
        ("stat_iqr", p75 - p25),
        ("stat_range", sorted[sorted.len() - 1] - sorted[0]),
        ("stat_mad", values.iter().map(|v| (v - mean).abs()).sum::<f64>() / n),
        ("stat_rmad", robust.iter().map(|v| (v - rmean).abs()).sum::<f64>() / robust.len() as f64),
        ("stat_medad", values.iter().map(|v| (v - median).abs()).sum::<f64>() / n),
        ("stat_cov", m2.sqrt() / mean),
        ("stat_qcod", (p75 - p25) / (p75 + p25)),
        ("stat_energy", energy),
        ("stat_rms", (energy / n).sqrt()),
    ];
    out.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_percentile() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&s, 50.0), 2.5);
        assert!((percentile(&s, 10.0) - 1.3).abs() < 1e-12);
        assert_eq!(percentile(&[5.0], 90.0), 5.0);
    }

    #[test]
    fn flat_roi_has_zero_skewness_and_kurtosis() {
        let f = pyradiomics_firstorder(&[7.0; 5], &[1; 5], 1.0, 0.0);
        assert_eq!(f[5], 0.0);
        assert_eq!(f[14], 0.0);
        assert_eq!(f[16], 1.0);
    }
}
