//! Rigid registration: Euler 3-D transform, Mattes mutual information, multi-resolution pyramid
//! and argmin's L-BFGS on `Vec<f64>`.
//!
//! # Method
//!
//! * **Transform**: [`Euler3D`] mapping fixed points into the moving image, centred at the fixed
//!   image's geometric centre or centre of mass ([`Initializer`]), with the initial translation
//!   aligning the moving image's centre (as SimpleITK's `CenteredTransformInitializer`).
//! * **Metric**: Mattes mutual information (ITK's `MattesMutualInformationImageToImageMetricv4`):
//!   `bins` histogram bins with 2 padding bins at each end; a zero-order (box) Parzen window for
//!   the fixed intensities and a cubic B-spline window for the moving ones; joint probability
//!   normalised over the samples that map inside the moving image. The value minimised is
//!   `-MI` (nats), so lower is better, as in ITK. The analytic gradient uses the moving image's
//!   physical gradient (central differences, trilinearly interpolated) and the transform
//!   Jacobian.
//! * **Samples**: every `ceil(1 / fraction)`-th fixed voxel of each level (ITK's `REGULAR`
//!   sampling without its random jitter), the fraction being `max_samples / voxels` of the
//!   full-resolution fixed image unless `sampling_percentage` is given. The sample points are
//!   computed once per level in physical space.
//! * **Evaluation**: one parallel pass over the samples computes the value and the analytic
//!   gradient. Each chunk of samples fills its own joint histogram and joint-histogram
//!   derivative (only the 4 non-zero B-spline bins per sample), and the chunks are summed at
//!   the end. The moving intensity and its gradient are interleaved, so one trilinear gather
//!   serves both.
//! * **Pyramid**: per level, both images are smoothed with a Gaussian of `sigma` mm and shrunk
//!   by the level's factor, anisotropically (thick slices are not merged, see
//!   [`crate::filters::shrink_factors`]).
//! * **Optimiser**: argmin's L-BFGS with More-Thuente line search, on parameters scaled so that
//!   one unit is about 1 mm of displacement (angles times the mean sample distance from the
//!   centre). If the line search fails, the best parameters seen are kept.
//!
//! # Failure modes reported
//!
//! * fewer than `min_inside_fraction` of the samples inside the moving image:
//!   [`PreprocError::OutsideFieldOfView`];
//! * final metric worse than the initial one at the finest level by more than 1 %:
//!   [`PreprocError::RegistrationDiverged`]. Within 1 % (images already aligned, which the
//!   smoothed coarse levels can move slightly off) the initial transform is kept, with a
//!   warning.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use nalgebra::{Matrix3, Vector3};
use radiomics_volume::Volume;
use rayon::prelude::*;

use crate::filters::{gaussian_smooth, physical_gradient, shrink_factors, shrink_volume};
use crate::resample::{Grid, Interpolator, inside, resample_transformed};
use crate::transform::Euler3D;
use crate::{PreprocError, Result, check_finite};

/// Choice of the centre of rotation and of the initial translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Initializer {
    /// Geometric centres of the two images (SimpleITK `GEOMETRY`).
    #[default]
    Geometry,
    /// Intensity centres of mass (SimpleITK `MOMENTS`).
    Moments,
}

/// Registration parameters.
///
/// | field | default | meaning |
/// |---|---|---|
/// | `shrink_factors` | `[4, 2, 1]` | pyramid levels, coarse to fine |
/// | `smoothing_sigmas_mm` | `[2, 1, 0]` | Gaussian sigma per level, mm |
/// | `histogram_bins` | 50 | Mattes MI bins (ITK default) |
/// | `max_samples` | 100 000 | fixed samples at the finest level (regular lattice) |
/// | `sampling_percentage` | `None` | fraction of each level's voxels sampled; `None`: `max_samples` / voxels |
/// | `max_iterations` | 100 | L-BFGS iterations per level |
/// | `initializer` | `Geometry` | centre of rotation and initial translation |
/// | `min_inside_fraction` | 0.1 | minimum share of samples inside the moving image |
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrationParams {
    /// Shrink factor of each level, coarse to fine.
    pub shrink_factors: Vec<usize>,
    /// Smoothing sigma of each level in mm (same length as `shrink_factors`).
    pub smoothing_sigmas_mm: Vec<f64>,
    /// Number of histogram bins of the Mattes metric (>= 5).
    pub histogram_bins: usize,
    /// Number of fixed-image samples at the finest level when `sampling_percentage` is `None`:
    /// every level then samples the fraction `max_samples / voxels of the fixed image` of its
    /// voxels, as SimpleITK's `SetMetricSamplingPercentage(max_samples / voxels)` does.
    pub max_samples: usize,
    /// Fraction of each level's fixed voxels used as samples (SimpleITK's
    /// `SetMetricSamplingPercentage` with the `REGULAR` strategy: every `ceil(1 / fraction)`-th
    /// voxel); overrides `max_samples`.
    pub sampling_percentage: Option<f64>,
    /// Maximum L-BFGS iterations per level.
    pub max_iterations: u64,
    /// Initialisation of the centre and translation.
    pub initializer: Initializer,
    /// Minimum fraction of samples that must map inside the moving image.
    pub min_inside_fraction: f64,
}

impl Default for RegistrationParams {
    fn default() -> Self {
        Self {
            shrink_factors: vec![4, 2, 1],
            smoothing_sigmas_mm: vec![2.0, 1.0, 0.0],
            histogram_bins: 50,
            max_samples: 100_000,
            sampling_percentage: None,
            max_iterations: 100,
            initializer: Initializer::Geometry,
            min_inside_fraction: 0.1,
        }
    }
}

/// Report of one pyramid level.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelReport {
    /// Shrink factors used along `[x, y, z]`.
    pub shrink: [usize; 3],
    /// Samples taken.
    pub samples: usize,
    /// Optimiser iterations.
    pub iterations: u64,
    /// Metric evaluations (value and gradient in one pass each).
    pub evaluations: usize,
    /// Metric (`-MI`) at the start and end of the level.
    pub metric_start: f64,
    /// Metric at the end of the level.
    pub metric_end: f64,
    /// Stop reason of the optimiser: argmin's termination status, or the line-search error.
    pub stop: String,
}

/// Result of [`register_rigid`].
#[derive(Debug, Clone)]
pub struct Registration {
    /// Fixed-to-moving transform.
    pub transform: Euler3D,
    /// Initial transform (centred initialiser).
    pub initial: Euler3D,
    /// Metric (`-MI`, nats) of the initial transform at the finest level.
    pub initial_metric: f64,
    /// Metric of the final transform at the finest level.
    pub final_metric: f64,
    /// Per-level reports.
    pub levels: Vec<LevelReport>,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Centre of mass in physical space of the (positive part of the) intensities.
fn centre_of_mass(image: &Volume<f32>) -> [f64; 3] {
    let mut acc = [0.0; 3];
    let mut total = 0.0;
    for ((k, j, i), &v) in image.array().indexed_iter() {
        let w = (v as f64).max(0.0);
        if w > 0.0 {
            acc[0] += w * i as f64;
            acc[1] += w * j as f64;
            acc[2] += w * k as f64;
            total += w;
        }
    }
    if total <= 0.0 {
        return Grid::of(image).center();
    }
    image.geometry().index_to_point(acc.map(|a| a / total))
}

/// Computes the centred initial transform.
pub fn initial_transform(fixed: &Volume<f32>, moving: &Volume<f32>, initializer: Initializer) -> Euler3D {
    let (cf, cm) = match initializer {
        Initializer::Geometry => (Grid::of(fixed).center(), Grid::of(moving).center()),
        Initializer::Moments => (centre_of_mass(fixed), centre_of_mass(moving)),
    };
    Euler3D { center: cf, translation: [cm[0] - cf[0], cm[1] - cf[1], cm[2] - cf[2]], ..Euler3D::default() }
}

/// Cubic B-spline kernel and its derivative.
#[inline]
fn bspline3(x: f64) -> (f64, f64) {
    let a = x.abs();
    if a < 1.0 {
        ((4.0 - 6.0 * a * a + 3.0 * a * a * a) / 6.0, -2.0 * x + 1.5 * x * a)
    } else if a < 2.0 {
        let t = 2.0 - a;
        (t * t * t / 6.0, -0.5 * t * t * x.signum())
    } else {
        (0.0, 0.0)
    }
}

/// Per-chunk accumulators of one metric evaluation: joint Parzen histogram, its derivative with
/// respect to the six parameters (`bins * bins * 6`, parameter fastest) and the count of
/// samples inside the moving image. Allocated once per level and reused.
struct Accumulator {
    joint: Vec<f64>,
    derivative: Vec<f64>,
    inside: usize,
}

/// One pyramid level prepared for metric evaluation.
struct Level {
    /// Fixed sample points in physical space.
    points: Vec<[f64; 3]>,
    /// Fixed histogram bin of each sample (zero-order Parzen window).
    fixed_bins: Vec<u32>,
    /// Moving intensity and physical gradient per voxel, interleaved `[value, gx, gy, gz]`
    /// (standard layout), so that one trilinear gather serves the value and the gradient.
    moving_values: Vec<[f32; 4]>,
    moving_size: [usize; 3],
    /// Physical point to continuous index of the moving image: `u = to_index (y - origin)`.
    to_index: Matrix3<f64>,
    moving_origin: Vector3<f64>,
    bins: usize,
    moving_bin_size: f64,
    moving_norm_min: f64,
    min_inside: f64,
    scratch: Mutex<Vec<Accumulator>>,
}

const PADDING: usize = 2;

/// Trilinear interpolation of the four interleaved channels at continuous index `u`
/// (`[x, y, z]`, inside the image), neighbours clamped to the image as in
/// [`crate::resample`]'s linear interpolator.
#[inline(always)]
fn linear4(data: &[[f32; 4]], size: &[usize; 3], u: &[f64; 3]) -> [f64; 4] {
    let mut base = [0usize; 3];
    let mut step = [0usize; 3];
    let mut w = [0f64; 3];
    let strides = [1, size[0], size[0] * size[1]];
    for a in 0..3 {
        // `u >= -0.5` inside the image: truncation of the non-negative part is the floor, and
        // indices in [-0.5, 0) take the first voxel with weight 0, as the clamped floor does.
        let b = u[a].max(0.0) as usize;
        let d = u[a] - b as f64;
        base[a] = b;
        if d > 0.0 && b + 1 < size[a] {
            step[a] = strides[a];
            w[a] = d;
        }
    }
    let o = base[0] + base[1] * strides[1] + base[2] * strides[2];
    let (sx, sy, sz) = (step[0], step[1], step[2]);
    let v = |i: usize| data[i];
    let (c000, c100, c010, c110) = (v(o), v(o + sx), v(o + sy), v(o + sx + sy));
    let (c001, c101, c011, c111) = (v(o + sz), v(o + sx + sz), v(o + sy + sz), v(o + sx + sy + sz));
    let mut out = [0.0; 4];
    for (ch, slot) in out.iter_mut().enumerate() {
        let g = |c: [f32; 4]| c[ch] as f64;
        let a00 = g(c000) + (g(c100) - g(c000)) * w[0];
        let a10 = g(c010) + (g(c110) - g(c010)) * w[0];
        let a01 = g(c001) + (g(c101) - g(c001)) * w[0];
        let a11 = g(c011) + (g(c111) - g(c011)) * w[0];
        let b0 = a00 + (a10 - a00) * w[1];
        let b1 = a01 + (a11 - a01) * w[1];
        *slot = b0 + (b1 - b0) * w[2];
    }
    out
}

impl Level {
    /// Prepares a level: fixed samples every `stride`-th voxel (linear index, as ITK's REGULAR
    /// sampling without the jitter), the moving image with its gradient, and the bin scales.
    fn new(fixed: &Volume<f32>, moving: &Volume<f32>, bins: usize, stride: usize, min_inside: f64) -> Self {
        let fdata = fixed.array();
        let (fmin, fmax) =
            fdata.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v as f64), b.max(v as f64)));
        let (mmin, mmax) = moving
            .array()
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v as f64), b.max(v as f64)));
        let usable = (bins - 2 * PADDING) as f64;
        let fbs = ((fmax - fmin) / usable).max(f64::MIN_POSITIVE);
        let fnorm = fmin / fbs - PADDING as f64;
        let mbs = ((mmax - mmin) / usable).max(f64::MIN_POSITIVE);
        let mnorm = mmin / mbs - PADDING as f64;
        let total = fdata.len();
        let stride = stride.max(1);
        let mut points = Vec::with_capacity(total / stride + 1);
        let mut fixed_bins = Vec::with_capacity(total / stride + 1);
        for (n, ((k, j, i), &v)) in fdata.indexed_iter().enumerate() {
            if n % stride != 0 {
                continue;
            }
            points.push(fixed.geometry().index_to_point([i as f64, j as f64, k as f64]));
            let b = ((v as f64) / fbs - fnorm).floor() as i64;
            fixed_bins.push(b.clamp(PADDING as i64, (bins - PADDING - 1) as i64) as u32);
        }
        let [gx, gy, gz] = physical_gradient(moving);
        let mut moving_values = Vec::with_capacity(moving.len());
        for (((&v, &x), &y), &z) in moving
            .array()
            .as_standard_layout()
            .iter()
            .zip(gx.as_standard_layout().iter())
            .zip(gy.as_standard_layout().iter())
            .zip(gz.as_standard_layout().iter())
        {
            moving_values.push([v, x, y, z]);
        }
        let geometry = moving.geometry();
        let to_index = geometry.index_to_physical_matrix().try_inverse().unwrap_or_else(Matrix3::identity);
        let chunks = (2 * rayon::current_num_threads()).clamp(1, points.len().max(1));
        let scratch = (0..chunks)
            .map(|_| Accumulator { joint: vec![0.0; bins * bins], derivative: vec![0.0; bins * bins * 6], inside: 0 })
            .collect();
        Self {
            points,
            fixed_bins,
            moving_values,
            moving_size: moving.size(),
            to_index,
            moving_origin: Vector3::from(geometry.origin()),
            bins,
            moving_bin_size: mbs,
            moving_norm_min: mnorm,
            min_inside,
            scratch: Mutex::new(scratch),
        }
    }

    /// `-MI` and, when `want_gradient`, its gradient with respect to the six Euler parameters,
    /// in one parallel pass over the samples: each chunk fills its own joint histogram and
    /// joint-histogram derivative (ITK's `JointPDFDerivatives`), summed at the end.
    fn evaluate(&self, t: &Euler3D, want_gradient: bool) -> Result<(f64, [f64; 6])> {
        let bins = self.bins;
        let r = t.matrix();
        let c = Vector3::from(t.center);
        let dr = rotation_derivatives(t);
        // Fixed physical point x -> moving continuous index u = a x + b.
        let a = self.to_index * r;
        let b = self.to_index * (t.offset() - self.moving_origin);
        let size = self.moving_size;
        let (mbs, mnorm) = (self.moving_bin_size, self.moving_norm_min);
        let mut scratch = self.scratch.lock().expect("not poisoned");
        let chunk = self.points.len().div_ceil(scratch.len()).max(1);
        let used = self.points.len().div_ceil(chunk);
        scratch[..used].par_iter_mut().enumerate().for_each(|(n, acc)| {
            acc.joint.iter_mut().for_each(|v| *v = 0.0);
            if want_gradient {
                acc.derivative.iter_mut().for_each(|v| *v = 0.0);
            }
            acc.inside = 0;
            let range = n * chunk..((n + 1) * chunk).min(self.points.len());
            for (p, &fb) in self.points[range.clone()].iter().zip(&self.fixed_bins[range]) {
                let x = Vector3::from(*p);
                let u = a * x + b;
                let u = [u.x, u.y, u.z];
                if !inside(&u, &size) {
                    continue;
                }
                let [m, gx, gy, gz] = linear4(&self.moving_values, &size, &u);
                let term = m / mbs - mnorm;
                let p0 = ((term.floor() as i64) - 1).clamp(0, bins as i64 - 4) as usize;
                let row = fb as usize * bins + p0;
                acc.inside += 1;
                if want_gradient {
                    let g = Vector3::new(gx, gy, gz);
                    let xc = x - c;
                    let ds = [g.dot(&(dr[0] * xc)), g.dot(&(dr[1] * xc)), g.dot(&(dr[2] * xc)), gx, gy, gz];
                    for k in 0..4 {
                        let (w, dw) = bspline3((p0 + k) as f64 - term);
                        acc.joint[row + k] += w;
                        let d = &mut acc.derivative[(row + k) * 6..(row + k) * 6 + 6];
                        for q in 0..6 {
                            d[q] += dw * ds[q];
                        }
                    }
                } else {
                    for k in 0..4 {
                        acc.joint[row + k] += bspline3((p0 + k) as f64 - term).0;
                    }
                }
            }
        });
        let mut joint = vec![0f64; bins * bins];
        let mut derivative = vec![0f64; if want_gradient { bins * bins * 6 } else { 0 }];
        let mut n_inside = 0;
        for acc in &scratch[..used] {
            joint.iter_mut().zip(&acc.joint).for_each(|(s, v)| *s += v);
            derivative.iter_mut().zip(&acc.derivative).for_each(|(s, v)| *s += v);
            n_inside += acc.inside;
        }
        drop(scratch);
        let total = self.points.len();
        if (n_inside as f64) < self.min_inside * total as f64 || n_inside < 16 {
            let p = t.parameters();
            return Err(PreprocError::OutsideFieldOfView {
                inside: n_inside,
                total,
                percent: 100.0 * n_inside as f64 / total as f64,
                transform: format!("angles {:.4?} rad, translation {:.2?} mm", &p[..3], &p[3..]),
            });
        }

        let sum: f64 = joint.iter().sum();
        joint.iter_mut().for_each(|p| *p /= sum);
        let mut pf = vec![0f64; bins];
        let mut pm = vec![0f64; bins];
        for i in 0..bins {
            for j in 0..bins {
                pf[i] += joint[i * bins + j];
                pm[j] += joint[i * bins + j];
            }
        }
        let eps = 1e-16;
        let mut mi = 0.0;
        let mut gradient = [0.0; 6];
        for i in 0..bins {
            for j in 0..bins {
                let p = joint[i * bins + j];
                if p > eps && pf[i] > eps && pm[j] > eps {
                    mi += p * (p / (pf[i] * pm[j])).ln();
                    if want_gradient {
                        // dMI/dmu = sum_ij dp_ij/dmu log(p_ij / pm_j) (ITK's form); the cost is
                        // -MI and d(term)/dm = 1 / bin size, hence the factor below.
                        let log_ratio = (p / pm[j]).ln();
                        let d = &derivative[(i * bins + j) * 6..(i * bins + j) * 6 + 6];
                        for q in 0..6 {
                            gradient[q] += log_ratio * d[q];
                        }
                    }
                }
            }
        }
        let scale = 1.0 / (sum * mbs);
        gradient.iter_mut().for_each(|g| *g *= scale);
        Ok((-mi, gradient))
    }
}

/// Derivatives of the rotation matrix with respect to the three angles.
fn rotation_derivatives(t: &Euler3D) -> [Matrix3<f64>; 3] {
    let [ax, ay, az] = t.angles;
    let (sx, cx) = ax.sin_cos();
    let (sy, cy) = ay.sin_cos();
    let (sz, cz) = az.sin_cos();
    let rx = Matrix3::new(1.0, 0.0, 0.0, 0.0, cx, -sx, 0.0, sx, cx);
    let ry = Matrix3::new(cy, 0.0, sy, 0.0, 1.0, 0.0, -sy, 0.0, cy);
    let rz = Matrix3::new(cz, -sz, 0.0, sz, cz, 0.0, 0.0, 0.0, 1.0);
    let drx = Matrix3::new(0.0, 0.0, 0.0, 0.0, -sx, -cx, 0.0, cx, -sx);
    let dry = Matrix3::new(-sy, 0.0, cy, 0.0, 0.0, 0.0, -cy, 0.0, -sy);
    let drz = Matrix3::new(-sz, -cz, 0.0, cz, -sz, 0.0, 0.0, 0.0, 0.0);
    if t.compute_zyx {
        [rz * ry * drx, rz * dry * rx, drz * ry * rx]
    } else {
        [rz * drx * ry, rz * rx * dry, drz * rx * ry]
    }
}

/// A scaled parameter vector with its cost and scaled gradient.
type Evaluated = (Vec<f64>, f64, Vec<f64>);

/// The optimisation problem of one level, in scaled parameters.
struct Problem<'a> {
    level: &'a Level,
    base: Euler3D,
    scales: [f64; 6],
    best: &'a Mutex<(f64, Vec<f64>)>,
    error: &'a Mutex<Option<PreprocError>>,
    /// Last evaluated point with its value and scaled gradient: argmin's line search requests
    /// the cost and then the gradient at the same point, and L-BFGS requests again the
    /// gradient of the accepted point; the value and gradient come from one pass.
    cache: Mutex<Option<Evaluated>>,
    /// Number of metric evaluations.
    evaluations: &'a AtomicUsize,
}

impl Problem<'_> {
    fn transform(&self, scaled: &[f64]) -> Euler3D {
        let p: Vec<f64> = scaled.iter().zip(&self.scales).map(|(v, s)| v / s).collect();
        self.base.with_parameters(&p)
    }

    fn run(&self, scaled: &[f64]) -> std::result::Result<(f64, Vec<f64>), argmin::core::Error> {
        let same = |p: &[f64]| p.len() == scaled.len() && p.iter().zip(scaled).all(|(a, b)| a.to_bits() == b.to_bits());
        if let Some((p, value, g)) = self.cache.lock().expect("not poisoned").as_ref()
            && same(p)
        {
            return Ok((*value, g.clone()));
        }
        self.evaluations.fetch_add(1, Ordering::Relaxed);
        match self.level.evaluate(&self.transform(scaled), true) {
            Ok((value, g)) => {
                let mut best = self.best.lock().expect("not poisoned");
                if value < best.0 {
                    *best = (value, scaled.to_vec());
                }
                let g: Vec<f64> = g.iter().zip(&self.scales).map(|(g, s)| g / s).collect();
                *self.cache.lock().expect("not poisoned") = Some((scaled.to_vec(), value, g.clone()));
                Ok((value, g))
            }
            Err(e) => {
                let message = e.to_string();
                *self.error.lock().expect("not poisoned") = Some(e);
                Err(argmin::core::Error::msg(message))
            }
        }
    }
}

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        self.run(p).map(|(v, _)| v)
    }
}

impl Gradient for Problem<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        self.run(p).map(|(_, g)| g)
    }
}

/// Registers `moving` onto `fixed` with a rigid transform (see the module docs).
///
/// # Errors
/// Invalid parameters, NaN voxels, constant images, images that do not overlap,
/// [`PreprocError::OutsideFieldOfView`] and [`PreprocError::RegistrationDiverged`].
pub fn register_rigid(fixed: &Volume<f32>, moving: &Volume<f32>, params: &RegistrationParams) -> Result<Registration> {
    let start = Instant::now();
    let levels_n = params.shrink_factors.len();
    if levels_n == 0 || params.smoothing_sigmas_mm.len() != levels_n || params.shrink_factors.contains(&0) {
        return Err(PreprocError::InvalidParameter {
            name: "shrink_factors/smoothing_sigmas_mm",
            value: format!("{:?} / {:?}", params.shrink_factors, params.smoothing_sigmas_mm),
            reason: "give one shrink factor (>= 1) and one sigma per level, e.g. [4, 2, 1] and [2, 1, 0]".into(),
        });
    }
    if params.histogram_bins < 5 {
        return Err(PreprocError::InvalidParameter {
            name: "histogram_bins",
            value: params.histogram_bins.to_string(),
            reason: "Mattes mutual information needs at least 5 bins (default 50)".into(),
        });
    }
    check_finite(fixed, "fixed image")?;
    check_finite(moving, "moving image")?;
    for (image, what) in [(fixed, "fixed image"), (moving, "moving image")] {
        let first = image.array()[[0, 0, 0]];
        if image.array().iter().all(|&v| v.to_bits() == first.to_bits()) {
            return Err(PreprocError::ConstantImage {
                what: what.to_string(),
                value: first as f64,
                count: image.len(),
                hint: "mutual information is undefined for a constant image",
            });
        }
    }
    crate::resample::check_overlap(&Grid::of(fixed), &Grid::of(moving), "fixed and moving images")?;

    let fraction = match params.sampling_percentage {
        Some(p) if p > 0.0 && p <= 1.0 => p,
        Some(p) => {
            return Err(PreprocError::InvalidParameter {
                name: "sampling_percentage",
                value: p.to_string(),
                reason: "give a fraction of the voxels in (0, 1], e.g. 0.05, or None to use max_samples".into(),
            });
        }
        None => (params.max_samples.max(1) as f64 / fixed.len() as f64).min(1.0),
    };
    // ITK's REGULAR sampling: every ceil(1 / fraction)-th voxel of each level's fixed image.
    let stride = ((1.0 / fraction).ceil() as usize).max(1);
    let initial = initial_transform(fixed, moving, params.initializer);
    let mut current = initial;
    let mut reports = Vec::with_capacity(levels_n);
    let mut finest = None;
    for (l, (&factor, &sigma)) in params.shrink_factors.iter().zip(&params.smoothing_sigmas_mm).enumerate() {
        let factors = shrink_factors(fixed.spacing(), factor);
        let f = shrink_volume(&gaussian_smooth(fixed, sigma), factors);
        let m = shrink_volume(&gaussian_smooth(moving, sigma), shrink_factors(moving.spacing(), factor));
        let level = Level::new(&f, &m, params.histogram_bins, stride, params.min_inside_fraction);
        // Angle scale: mean distance of the samples from the centre (mm per radian).
        let c = Vector3::from(current.center);
        let radius =
            level.points.iter().map(|p| (Vector3::from(*p) - c).norm()).sum::<f64>() / level.points.len() as f64;
        let radius = radius.max(1.0);
        let scales = [radius, radius, radius, 1.0, 1.0, 1.0];
        let (metric_start, _) = level.evaluate(&current, false)?;
        let best = Mutex::new((
            metric_start,
            current.parameters().iter().zip(&scales).map(|(p, s)| p * s).collect::<Vec<f64>>(),
        ));
        let error = Mutex::new(None);
        let evaluations = AtomicUsize::new(0);
        let problem = Problem {
            level: &level,
            base: current,
            scales,
            best: &best,
            error: &error,
            cache: Mutex::new(None),
            evaluations: &evaluations,
        };
        let base = current;
        let init: Vec<f64> = current.parameters().iter().zip(&scales).map(|(p, s)| p * s).collect();
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
            .with_tolerance_grad(1e-8)
            .and_then(|s| s.with_tolerance_cost(1e-10))
            .map_err(|e| PreprocError::InvalidParameter {
                name: "optimizer",
                value: String::new(),
                reason: e.to_string(),
            })?;
        let outcome =
            Executor::new(problem, solver).configure(|state| state.param(init).max_iters(params.max_iterations)).run();
        if let Some(e) = error.lock().expect("not poisoned").take()
            && matches!(e, PreprocError::OutsideFieldOfView { .. })
            && outcome.is_err()
        {
            return Err(e);
        }
        let (iterations, stop) = match &outcome {
            Ok(result) => (result.state().get_iter(), format!("{}", result.state().get_termination_status())),
            Err(e) => (0, format!("line search stopped: {e}")),
        };
        let (metric_end, best) = best.lock().expect("not poisoned").clone();
        let unscaled: Vec<f64> = best.iter().zip(&scales).map(|(v, s)| v / s).collect();
        current = base.with_parameters(&unscaled);
        tracing::info!(
            "registration level {l}: shrink {factors:?}, {} samples, {iterations} iterations, {} evaluations, -MI {metric_start:.5} -> {metric_end:.5} ({stop})",
            level.points.len(),
            evaluations.load(Ordering::Relaxed)
        );
        reports.push(LevelReport {
            shrink: factors,
            samples: level.points.len(),
            iterations,
            evaluations: evaluations.load(Ordering::Relaxed),
            metric_start,
            metric_end,
            stop,
        });
        if l + 1 == levels_n {
            finest = Some(level);
        }
    }
    let finest = finest.expect("at least one level");
    let (initial_metric, _) = finest.evaluate(&initial, false)?;
    let (mut final_metric, _) = finest.evaluate(&current, false)?;
    let iterations = reports.iter().map(|r| r.iterations as usize).sum();
    if keep_initial(initial_metric, final_metric, iterations)? {
        tracing::warn!(
            "registration: -MI at full resolution ended at {final_metric:.6}, slightly above its start \
             {initial_metric:.6}, as happens when the images start aligned; keeping the initial transform"
        );
        current = initial;
        final_metric = initial_metric;
    }
    Ok(Registration {
        transform: current,
        initial,
        initial_metric,
        final_metric,
        levels: reports,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Relative worsening of the full-resolution metric below which the registration keeps its
/// initial transform instead of failing. The coarse levels optimise a smoothed metric, so on
/// images that are already aligned the finest level can start, and end, slightly above the
/// initial metric (by 7e-5 to 1.7e-3 relative on the synthetic demo heads).
const DIVERGENCE_TOLERANCE: f64 = 1e-2;

/// Compares the final metric with the initial one (both `-MI`, lower is better). Returns
/// `Ok(false)` when the final one is not worse, and `Ok(true)` (keep the initial transform)
/// when it is worse by at most [`DIVERGENCE_TOLERANCE`] relative. Beyond that it fails.
fn keep_initial(initial: f64, last: f64, iterations: usize) -> Result<bool> {
    if last <= initial {
        return Ok(false);
    }
    if last - initial <= DIVERGENCE_TOLERANCE * initial.abs() {
        return Ok(true);
    }
    Err(PreprocError::RegistrationDiverged { initial, last, iterations })
}

/// Evaluates the Mattes metric (`-MI`) of a transform at full resolution with the given number
/// of bins and samples (for comparing transforms, e.g. ours and SimpleITK's, under one metric).
pub fn mattes_metric(
    fixed: &Volume<f32>,
    moving: &Volume<f32>,
    transform: &Euler3D,
    bins: usize,
    max_samples: usize,
) -> Result<f64> {
    let stride = fixed.len().div_ceil(max_samples.max(1)).max(1);
    let level = Level::new(fixed, moving, bins, stride, 0.0);
    Ok(level.evaluate(transform, false)?.0)
}

/// Resamples `moving` onto `fixed`'s grid through the registration transform.
pub fn resample_onto_fixed(
    fixed: &Volume<f32>,
    moving: &Volume<f32>,
    transform: &Euler3D,
    interpolator: Interpolator,
) -> Result<Volume<f32>> {
    resample_transformed(moving, &Grid::of(fixed), Some(transform), interpolator, 0.0)
}

/// Target registration error: mean and maximum distance (mm) between `a(x)` and `b(x)` over
/// `points`.
pub fn target_registration_error(a: &Euler3D, b: &Euler3D, points: &[[f64; 3]]) -> (f64, f64) {
    let mut sum = 0.0;
    let mut max = 0f64;
    for p in points {
        let (x, y) = (a.transform_point(*p), b.transform_point(*p));
        let d = ((x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2) + (x[2] - y[2]).powi(2)).sqrt();
        sum += d;
        max = max.max(d);
    }
    (sum / points.len().max(1) as f64, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;
    use radiomics_volume::Geometry;

    /// A blobby synthetic "head" on a 1.5 mm grid.
    fn phantom() -> Volume<f32> {
        let n = 40;
        let data = Array3::from_shape_fn((n, n, n), |(k, j, i)| {
            let p = [i as f64 - 20.0, j as f64 - 18.0, k as f64 - 21.0];
            let r2 = (p[0] / 14.0).powi(2) + (p[1] / 16.0).powi(2) + (p[2] / 12.0).powi(2);
            let inner = ((p[0] - 4.0) / 5.0).powi(2) + ((p[1] + 3.0) / 4.0).powi(2) + (p[2] / 6.0).powi(2);
            let v = if inner < 1.0 {
                300.0
            } else if r2 < 1.0 {
                100.0 + 2.0 * p[0]
            } else {
                0.0
            };
            v as f32
        });
        Volume::new(data, Geometry::with_spacing([1.5, 1.5, 1.5])).unwrap()
    }

    #[test]
    fn gradient_matches_finite_differences() {
        // The fixed image is the centre of the moving one, so no sample leaves the moving image
        // under the small perturbations (ITK's gradient ignores samples entering or leaving).
        let moving = gaussian_smooth(&phantom(), 2.0);
        let fixed = moving.crop(&radiomics_volume::BoundingBox { min: [8, 8, 8], max: [31, 31, 31] }).unwrap();
        let level = Level::new(&fixed, &moving, 32, fixed.len().div_ceil(20_000), 0.0);
        let t = Euler3D {
            angles: [0.05, -0.03, 0.04],
            translation: [1.0, -2.0, 1.5],
            center: Grid::of(&fixed).center(),
            compute_zyx: false,
        };
        let (_, g) = level.evaluate(&t, true).unwrap();
        for a in 0..6 {
            let h = if a < 3 { 1e-3 } else { 0.03 };
            let mut p = t.parameters();
            p[a] += h;
            let (up, _) = level.evaluate(&t.with_parameters(&p), false).unwrap();
            p[a] -= 2.0 * h;
            let (down, _) = level.evaluate(&t.with_parameters(&p), false).unwrap();
            let fd = (up - down) / (2.0 * h);
            // 25 %: the moving gradient is a central difference, not the derivative of the
            // trilinear interpolant that the finite difference measures.
            assert!(
                (fd - g[a]).abs() < 0.25 * fd.abs().max(1e-3),
                "parameter {a}: analytic {} vs finite difference {fd}",
                g[a]
            );
        }
    }

    #[test]
    fn recovers_known_transform() {
        let fixed = phantom();
        let truth = Euler3D {
            angles: [0.06, -0.04, 0.08],
            translation: [3.0, -2.0, 2.5],
            center: Grid::of(&fixed).center(),
            compute_zyx: false,
        };
        let moving =
            resample_transformed(&fixed, &Grid::of(&fixed), Some(&truth.inverse()), Interpolator::Linear, 0.0).unwrap();
        let params = RegistrationParams {
            shrink_factors: vec![2, 1],
            smoothing_sigmas_mm: vec![2.0, 1.0],
            ..Default::default()
        };
        let result = register_rigid(&fixed, &moving, &params).unwrap();
        let points: Vec<[f64; 3]> = (0..27)
            .map(|n| {
                fixed.geometry().index_to_point([
                    (10 + 10 * (n % 3)) as f64,
                    (10 + 10 * ((n / 3) % 3)) as f64,
                    (10 + 10 * (n / 9)) as f64,
                ])
            })
            .collect();
        let (mean, max) = target_registration_error(&result.transform, &truth, &points);
        assert!(mean < 1.0, "TRE mean {mean}: {:?}", result.transform);
        assert!(max < 1.5, "TRE max {max}: {:?}", result.transform);
        assert!(result.final_metric < result.initial_metric);
    }

    #[test]
    fn disjoint_images_rejected() {
        let fixed = phantom();
        let mut moving = phantom();
        moving.set_geometry(moving.geometry().with_origin([500.0, 0.0, 0.0]).unwrap());
        let err = register_rigid(&fixed, &moving, &RegistrationParams::default()).unwrap_err();
        assert!(matches!(err, PreprocError::ExtentMismatch { .. }), "{err}");
    }

    #[test]
    fn constant_image_rejected() {
        let fixed = phantom();
        let moving = fixed.map(|_| 1.0f32);
        let err = register_rigid(&fixed, &moving, &RegistrationParams::default()).unwrap_err();
        assert!(matches!(err, PreprocError::ConstantImage { .. }), "{err}");
    }

    #[test]
    fn small_worsening_keeps_initial_transform() {
        assert!(!keep_initial(-0.9, -0.95, 10).unwrap());
        assert!(keep_initial(-0.907576, -0.907512, 26).unwrap());
        assert!(keep_initial(-0.746710, -0.745416, 21).unwrap());
        let err = keep_initial(-0.9, -0.8, 26).unwrap_err();
        assert!(matches!(err, PreprocError::RegistrationDiverged { iterations: 26, .. }), "{err}");
        assert!(err.to_string().contains("-0.900000 to -0.800000"), "{err}");
    }
}

#[cfg(test)]
mod derivative_tests {
    use super::*;

    #[test]
    fn rotation_derivatives_match_finite_differences() {
        for zyx in [false, true] {
            let t = Euler3D { angles: [0.3, -0.2, 0.5], translation: [0.0; 3], center: [0.0; 3], compute_zyx: zyx };
            let dr = rotation_derivatives(&t);
            for a in 0..3 {
                let mut p = t.parameters();
                p[a] += 1e-6;
                let up = t.with_parameters(&p).matrix();
                p[a] -= 2e-6;
                let down = t.with_parameters(&p).matrix();
                let fd = (up - down) / 2e-6;
                assert!((fd - dr[a]).abs().max() < 1e-6, "angle {a} zyx {zyx}: {fd} vs {}", dr[a]);
            }
        }
    }
}
