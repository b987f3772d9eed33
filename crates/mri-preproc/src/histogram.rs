//! Intensity standardisation: ITK's histogram matching and Nyul-Udupa piecewise-linear
//! standardisation learned on a cohort.

use radiomics_volume::{Mask, Volume};
use rayon::prelude::*;

use crate::{PreprocError, Result, check_finite};

/// Parameters of [`match_histogram`], with SimpleITK's `HistogramMatchingImageFilter` defaults.
///
/// | field | default | valid |
/// |---|---|---|
/// | `histogram_levels` | 256 | >= 1 |
/// | `match_points` | 1 | >= 1 |
/// | `threshold_at_mean` | true | |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistogramMatching {
    /// Number of histogram bins over the valid intensity range of each image.
    pub histogram_levels: usize,
    /// Number of quantiles matched between the two histograms (at `j / (match_points + 1)`).
    pub match_points: usize,
    /// Exclude voxels below the image's mean intensity (the background) from the histograms.
    pub threshold_at_mean: bool,
}

impl Default for HistogramMatching {
    fn default() -> Self {
        Self { histogram_levels: 256, match_points: 1, threshold_at_mean: true }
    }
}

/// ITK `Histogram` of one image over `[threshold, max]`, in single precision as ITK uses for
/// `float` images: bin `j` spans `[lo + j*w, lo + (j+1)*w)` with `w = (max - lo) / levels`
/// computed in `f32`; the first bin starts at the image minimum and the last bin ends at (and
/// includes) the image maximum.
struct ItkHistogram {
    mins: Vec<f32>,
    maxs: Vec<f32>,
    counts: Vec<f64>,
    total: f64,
}

impl ItkHistogram {
    fn build(values: &[f32], levels: usize, lo: f32, hi: f32, true_min: f32, true_max: f32) -> Self {
        let interval = (hi - lo) / levels as f32;
        let mut mins: Vec<f32> = (0..levels).map(|j| lo + j as f32 * interval).collect();
        let mut maxs: Vec<f32> = (0..levels).map(|j| lo + (j as f32 + 1.0) * interval).collect();
        maxs[levels - 1] = hi;
        mins[0] = true_min;
        maxs[levels - 1] = true_max;
        let counts = values
            .par_chunks(1 << 16)
            .map(|chunk| {
                let mut c = vec![0f64; levels];
                for &v in chunk {
                    if (v as f64) >= lo as f64
                        && (v as f64) <= hi as f64
                        && let Some(b) = bin_of(&mins, &maxs, v)
                    {
                        c[b] += 1.0;
                    }
                }
                c
            })
            .reduce(
                || vec![0f64; levels],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                    a
                },
            );
        let total = counts.iter().sum();
        Self { mins, maxs, counts, total }
    }

    /// ITK `Histogram::Quantile` for one dimension: linear interpolation inside the bin where the
    /// cumulative frequency crosses `p`, searched from the low end for `p < 0.5` and from the
    /// high end otherwise.
    fn quantile(&self, p: f64) -> f64 {
        let size = self.counts.len();
        let total = self.total;
        if p < 0.5 {
            let mut n = 0usize;
            let mut cumulated = 0.0;
            let mut p_n = 0.0;
            let mut p_n_prev;
            let mut f_n;
            loop {
                f_n = self.counts[n];
                cumulated += f_n;
                p_n_prev = p_n;
                p_n = cumulated / total;
                n += 1;
                if !(n < size && p_n < p) {
                    break;
                }
            }
            let proportion = f_n / total;
            let min = self.mins[n - 1] as f64;
            let max = self.maxs[n - 1] as f64;
            min + ((p - p_n_prev) / proportion) * (max - min)
        } else {
            let mut n = size as isize - 1;
            let mut m = 0usize;
            let mut cumulated = 0.0;
            let mut p_n = 1.0;
            let mut p_n_prev;
            let mut f_n;
            loop {
                f_n = self.counts[n as usize];
                cumulated += f_n;
                p_n_prev = p_n;
                p_n = 1.0 - cumulated / total;
                n -= 1;
                m += 1;
                if !(m < size && p_n > p) {
                    break;
                }
            }
            let proportion = f_n / total;
            let min = self.mins[(n + 1) as usize] as f64;
            let max = self.maxs[(n + 1) as usize] as f64;
            max - ((p_n_prev - p) / proportion) * (max - min)
        }
    }
}

/// Bin of `v` by ITK's search: `[min, max)` bins, with the last bin's maximum included.
fn bin_of(mins: &[f32], maxs: &[f32], v: f32) -> Option<usize> {
    let last = mins.len() - 1;
    if v < mins[0] {
        return None;
    }
    if v >= maxs[last] {
        // ITK includes the last bin's maximum (an exact comparison of the same f32 value).
        return (v.to_bits() == maxs[last].to_bits()).then_some(last);
    }
    // Bins are sorted: the first bin whose max exceeds v.
    let idx = maxs.partition_point(|&m| m <= v);
    Some(idx.min(last))
}

/// Minimum, maximum and mean as ITK's `ComputeMinMaxMean` (mean rounded to `f32`).
fn min_max_mean(values: &[f32]) -> (f32, f32, f32) {
    let (min, max, sum) = values
        .par_iter()
        .fold(|| (f32::INFINITY, f32::NEG_INFINITY, 0f64), |(lo, hi, s), &v| (lo.min(v), hi.max(v), s + v as f64))
        .reduce(|| (f32::INFINITY, f32::NEG_INFINITY, 0f64), |a, b| (a.0.min(b.0), a.1.max(b.1), a.2 + b.2));
    (min, max, (sum / values.len() as f64) as f32)
}

/// The piecewise-linear map of ITK's filter: quantile table and gradients.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramMapping {
    /// Source landmarks: threshold, the matched quantiles, maximum.
    pub source_landmarks: Vec<f64>,
    /// Reference landmarks, same length.
    pub reference_landmarks: Vec<f64>,
    /// Source minimum and maximum.
    pub source_range: (f64, f64),
    /// Reference minimum and maximum.
    pub reference_range: (f64, f64),
    gradients: Vec<f64>,
    lower_gradient: f64,
    upper_gradient: f64,
}

impl HistogramMapping {
    /// Maps one source intensity (ITK's `DynamicThreadedGenerateData`).
    pub fn map(&self, v: f64) -> f64 {
        let q0 = &self.source_landmarks;
        let q1 = &self.reference_landmarks;
        let n = q0.len();
        let j = q0.iter().position(|&q| v < q).unwrap_or(n);
        if j == 0 {
            self.reference_range.0 + (v - self.source_range.0) * self.lower_gradient
        } else if j == n {
            self.reference_range.1 + (v - self.source_range.1) * self.upper_gradient
        } else {
            q1[j - 1] + (v - q0[j - 1]) * self.gradients[j - 1]
        }
    }
}

/// ITK's `Math::NotAlmostEquals(x, 0.0)` for the gradient denominators (difference above a few
/// machine epsilons).
fn not_almost_zero(x: f64) -> bool {
    x.abs() > 4.0 * f64::EPSILON
}

/// Computes the quantile mapping of ITK's `HistogramMatchingImageFilter`.
///
/// Each image's histogram covers `[threshold, max]` with `histogram_levels` bins, where the
/// threshold is the mean intensity (or the minimum when `threshold_at_mean` is off). Quantiles at
/// `j / (match_points + 1)`, `j = 1..=match_points`, plus the threshold and the maximum, are
/// matched; intensities are mapped piecewise linearly between them and extrapolated below the
/// threshold (towards the minima) and above the maximum.
///
/// Reference: Nyul, Udupa and Zhang, "New variants of a method of MRI scale standardization",
/// IEEE TMI 19(2):143-150, 2000; ITK 5.4 `HistogramMatchingImageFilter`.
///
/// # Errors
/// Invalid parameters, NaN or infinite voxels, and constant images (whose histogram is empty).
pub fn histogram_mapping(
    source: &Volume<f32>,
    reference: &Volume<f32>,
    params: &HistogramMatching,
) -> Result<HistogramMapping> {
    if params.histogram_levels < 1 {
        return Err(PreprocError::InvalidParameter {
            name: "histogram_levels",
            value: params.histogram_levels.to_string(),
            reason: "at least 1 bin is needed (ITK's default is 256)".into(),
        });
    }
    if params.match_points < 1 {
        return Err(PreprocError::InvalidParameter {
            name: "match_points",
            value: params.match_points.to_string(),
            reason: "at least 1 match point is needed (ITK's default is 1)".into(),
        });
    }
    check_finite(source, "source image of histogram matching")?;
    check_finite(reference, "reference image of histogram matching")?;
    let src = source.array().as_standard_layout();
    let refr = reference.array().as_standard_layout();
    let src = src.as_slice().expect("standard layout");
    let refr = refr.as_slice().expect("standard layout");

    let side = |values: &[f32], what: &str| -> Result<(f32, f32, f32, ItkHistogram)> {
        let (min, max, mean) = min_max_mean(values);
        if min >= max {
            return Err(PreprocError::ConstantImage {
                what: format!("{what} of histogram matching"),
                value: min as f64,
                count: values.len(),
                hint: "a constant image has no histogram to match; check that the right file was given",
            });
        }
        let threshold = if params.threshold_at_mean { mean } else { min };
        let hist = ItkHistogram::build(values, params.histogram_levels, threshold, max, min, max);
        Ok((min, max, threshold, hist))
    };
    let (s_min, s_max, s_thr, s_hist) = side(src, "source image")?;
    let (r_min, r_max, r_thr, r_hist) = side(refr, "reference image")?;

    let m = params.match_points;
    let delta = 1.0 / (m as f64 + 1.0);
    let mut q0 = vec![s_thr as f64];
    let mut q1 = vec![r_thr as f64];
    for j in 1..=m {
        q0.push(s_hist.quantile(j as f64 * delta));
        q1.push(r_hist.quantile(j as f64 * delta));
    }
    q0.push(s_max as f64);
    q1.push(r_max as f64);
    let gradients = (0..=m)
        .map(|j| {
            let d = q0[j + 1] - q0[j];
            if not_almost_zero(d) { (q1[j + 1] - q1[j]) / d } else { 0.0 }
        })
        .collect();
    let d = q0[0] - s_min as f64;
    let lower_gradient = if not_almost_zero(d) { (q1[0] - r_min as f64) / d } else { 0.0 };
    let d = q0[m + 1] - s_max as f64;
    let upper_gradient = if not_almost_zero(d) { (q1[m + 1] - r_max as f64) / d } else { 0.0 };
    Ok(HistogramMapping {
        source_landmarks: q0,
        reference_landmarks: q1,
        source_range: (s_min as f64, s_max as f64),
        reference_range: (r_min as f64, r_max as f64),
        gradients,
        lower_gradient,
        upper_gradient,
    })
}

/// Matches the histogram of `source` to `reference` as ITK's `HistogramMatchingImageFilter`
/// (see [`histogram_mapping`]); the two images need not share a grid.
pub fn match_histogram(
    source: &Volume<f32>,
    reference: &Volume<f32>,
    params: &HistogramMatching,
) -> Result<Volume<f32>> {
    let mapping = histogram_mapping(source, reference, params)?;
    let mut out = source.clone();
    out.data_mut().par_mapv_inplace(|v| mapping.map(v as f64) as f32);
    Ok(out)
}

/// Parameters of Nyul-Udupa standardisation, with the defaults of Shah et al. (2011) and the
/// `intensity-normalization` package: landmarks at the 10th, 20th, ..., 90th percentiles of the
/// foreground, scale defined by the 1st and 99th percentiles mapped onto `[1, 100]`.
#[derive(Debug, Clone, PartialEq)]
pub struct NyulParams {
    /// Lower end of the intensity range of interest, percentile (default 1).
    pub lower_percentile: f64,
    /// Upper end of the intensity range of interest, percentile (default 99).
    pub upper_percentile: f64,
    /// Landmark percentiles strictly between the two ends (default 10, 20, ..., 90).
    pub landmarks: Vec<f64>,
    /// Standard scale value of the lower end (default 1).
    pub scale_min: f64,
    /// Standard scale value of the upper end (default 100).
    pub scale_max: f64,
}

impl Default for NyulParams {
    fn default() -> Self {
        Self {
            lower_percentile: 1.0,
            upper_percentile: 99.0,
            landmarks: (1..=9).map(|k| 10.0 * k as f64).collect(),
            scale_min: 1.0,
            scale_max: 100.0,
        }
    }
}

/// Standard landmarks learned on a training cohort; apply with [`NyulModel::apply`].
#[derive(Debug, Clone, PartialEq)]
pub struct NyulModel {
    /// The parameters used for training.
    pub params: NyulParams,
    /// Standard-scale positions of `[lower end, landmarks..., upper end]`: the mean over the
    /// training images of each image's landmarks mapped linearly from `[p_lower, p_upper]` onto
    /// `[scale_min, scale_max]`.
    pub standard_landmarks: Vec<f64>,
}

/// Percentile by linear interpolation between order statistics (`numpy.percentile`'s default).
fn percentile_sorted(sorted: &[f64], p: f64) -> f64 {
    let pos = p / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (pos - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Foreground intensities, sorted: the mask's voxels, or voxels above the image mean.
fn foreground(image: &Volume<f32>, mask: Option<&Mask>, what: &str) -> Result<Vec<f64>> {
    check_finite(image, what)?;
    let mut values: Vec<f64> = match mask {
        Some(m) => {
            image.same_grid(
                m.volume(),
                radiomics_volume::DEFAULT_GEOMETRY_TOLERANCE,
                &format!("{what} and its mask"),
            )?;
            image.array().iter().zip(m.volume().array().iter()).filter(|(_, b)| **b).map(|(v, _)| *v as f64).collect()
        }
        None => {
            let mean = image.array().iter().map(|&v| v as f64).sum::<f64>() / image.len() as f64;
            image.array().iter().map(|&v| v as f64).filter(|&v| v > mean).collect()
        }
    };
    if values.len() < 2 {
        return Err(PreprocError::EmptyMask {
            what: format!("foreground of {what}"),
            detail: format!("{} voxels selected, at least 2 are needed", values.len()),
        });
    }
    values.par_sort_unstable_by(|a, b| a.total_cmp(b));
    Ok(values)
}

impl NyulParams {
    fn check(&self) -> Result<()> {
        let mut all = vec![self.lower_percentile];
        all.extend(&self.landmarks);
        all.push(self.upper_percentile);
        let increasing = all.windows(2).all(|w| w[0] < w[1]);
        if !increasing
            || all[0] < 0.0
            || all[all.len() - 1] > 100.0
            || self.scale_min.partial_cmp(&self.scale_max) != Some(std::cmp::Ordering::Less)
        {
            return Err(PreprocError::InvalidParameter {
                name: "nyul landmarks",
                value: format!("{all:?}, scale [{}, {}]", self.scale_min, self.scale_max),
                reason: "percentiles must increase strictly within [0, 100] and scale_min < scale_max".into(),
            });
        }
        Ok(())
    }

    /// Image landmarks `[p_lower, landmarks..., p_upper]` of one image.
    fn image_landmarks(&self, sorted: &[f64]) -> Vec<f64> {
        let mut out = vec![percentile_sorted(sorted, self.lower_percentile)];
        out.extend(self.landmarks.iter().map(|&p| percentile_sorted(sorted, p)));
        out.push(percentile_sorted(sorted, self.upper_percentile));
        out
    }
}

impl NyulModel {
    /// Learns the standard landmarks from training images, each with an optional foreground
    /// mask (brain mask); without a mask the voxels above the image mean are used.
    ///
    /// Reference: Nyul and Udupa, "On standardizing the MR image intensity scale", Magn Reson Med
    /// 42:1072-1081, 1999; Shah et al., Med Image Anal 15:267-282, 2011.
    ///
    /// # Errors
    /// No training image, invalid parameters, an empty foreground, or an image whose range of
    /// interest is constant.
    pub fn fit(training: &[(&Volume<f32>, Option<&Mask>)], params: NyulParams) -> Result<Self> {
        params.check()?;
        if training.is_empty() {
            return Err(PreprocError::InvalidParameter {
                name: "training",
                value: "0 images".into(),
                reason: "Nyul-Udupa standardisation needs at least one training image".into(),
            });
        }
        let mut sum = vec![0.0; params.landmarks.len() + 2];
        for (k, (image, mask)) in training.iter().enumerate() {
            let what = format!("training image {k}");
            let sorted = foreground(image, *mask, &what)?;
            let lm = params.image_landmarks(&sorted);
            let (lo, hi) = (lm[0], lm[lm.len() - 1]);
            if hi <= lo {
                return Err(PreprocError::ConstantImage {
                    what: format!(
                        "{what} between percentiles {} and {}",
                        params.lower_percentile, params.upper_percentile
                    ),
                    value: lo,
                    count: sorted.len(),
                    hint: "the foreground has no intensity range; check the mask",
                });
            }
            for (s, v) in sum.iter_mut().zip(&lm) {
                *s += params.scale_min + (v - lo) / (hi - lo) * (params.scale_max - params.scale_min);
            }
        }
        let n = training.len() as f64;
        Ok(Self { standard_landmarks: sum.into_iter().map(|s| s / n).collect(), params })
    }

    /// Maps an image onto the standard scale: piecewise linear between its own landmarks and the
    /// standard ones, extended linearly beyond both ends with the first and last segments'
    /// slopes. Every voxel is mapped (the mask only selects the voxels that define landmarks).
    pub fn apply(&self, image: &Volume<f32>, mask: Option<&Mask>) -> Result<Volume<f32>> {
        let sorted = foreground(image, mask, "image to standardise")?;
        let lm = self.params.image_landmarks(&sorted);
        if lm.windows(2).any(|w| w[1] <= w[0]) {
            return Err(PreprocError::ConstantImage {
                what: "image to standardise (landmarks not strictly increasing)".into(),
                value: lm[0],
                count: sorted.len(),
                hint: "too few distinct intensities in the foreground for the landmark percentiles",
            });
        }
        let std = &self.standard_landmarks;
        let last = lm.len() - 1;
        let map = |v: f64| {
            let seg = if v < lm[0] { 0 } else { lm.partition_point(|&l| l <= v).saturating_sub(1).min(last - 1) };
            std[seg] + (v - lm[seg]) * (std[seg + 1] - std[seg]) / (lm[seg + 1] - lm[seg])
        };
        let mut out = image.clone();
        out.data_mut().par_mapv_inplace(|v| map(v as f64) as f32);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;
    use radiomics_volume::Geometry;

    fn image(f: impl Fn(usize) -> f32) -> Volume<f32> {
        let data = Array3::from_shape_fn((8, 9, 10), |(z, y, x)| f(x + 10 * y + 90 * z));
        Volume::new(data, Geometry::default()).unwrap()
    }

    #[test]
    fn matching_identical_images_is_identity() {
        let a = image(|i| ((i * 37) % 101) as f32);
        let out = match_histogram(&a, &a, &HistogramMatching::default()).unwrap();
        for (x, y) in out.array().iter().zip(a.array().iter()) {
            assert!((x - y).abs() < 1e-3, "{x} vs {y}");
        }
    }

    #[test]
    fn constant_source_rejected() {
        let a = image(|_| 5.0);
        let b = image(|i| i as f32);
        let err = match_histogram(&a, &b, &HistogramMatching::default()).unwrap_err();
        assert!(matches!(err, PreprocError::ConstantImage { .. }), "{err}");
        assert!(err.to_string().contains('5'), "{err}");
    }

    #[test]
    fn zero_match_points_rejected() {
        let a = image(|i| i as f32);
        let p = HistogramMatching { match_points: 0, ..Default::default() };
        assert!(matches!(match_histogram(&a, &a, &p), Err(PreprocError::InvalidParameter { .. })));
    }

    #[test]
    fn nyul_maps_landmarks_onto_standard() {
        let a = image(|i| i as f32);
        let b = image(|i| 3.0 * i as f32 + 50.0);
        let model = NyulModel::fit(&[(&a, None), (&b, None)], NyulParams::default()).unwrap();
        // Both images are linear in the index, so both map onto the same standard image.
        let sa = model.apply(&a, None).unwrap();
        let sb = model.apply(&b, None).unwrap();
        for (x, y) in sa.array().iter().zip(sb.array().iter()) {
            assert!((x - y).abs() < 1e-3, "{x} vs {y}");
        }
        assert!((model.standard_landmarks[0] - 1.0).abs() < 1e-9);
        assert!((model.standard_landmarks[10] - 100.0).abs() < 1e-9);
    }

    #[test]
    fn nyul_empty_mask_rejected() {
        let a = image(|i| i as f32);
        let mask = Mask(a.map(|_| false));
        let err = NyulModel::fit(&[(&a, Some(&mask))], NyulParams::default()).unwrap_err();
        assert!(matches!(err, PreprocError::EmptyMask { .. }), "{err}");
    }
}
