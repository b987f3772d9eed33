//! Small image filters shared by the steps: Gaussian smoothing, anisotropic shrinking and
//! physical-space gradients.

use ndarray::{Array3, Axis};
use radiomics_volume::{Geometry, Volume};
use rayon::prelude::*;

/// Discrete Gaussian smoothing with standard deviation `sigma_mm` in physical units, separable
/// along x, y and z, kernel truncated at 3 sigma and normalised, borders replicated. Axes whose
/// sigma is below 0.01 voxel are left untouched.
pub fn gaussian_smooth(image: &Volume<f32>, sigma_mm: f64) -> Volume<f32> {
    if sigma_mm <= 0.0 {
        return image.clone();
    }
    let spacing = image.spacing();
    let mut data = image.array().clone();
    for (axis, &s) in [2usize, 1, 0].iter().zip([spacing[0], spacing[1], spacing[2]].iter()) {
        let sigma = sigma_mm / s;
        if sigma < 0.01 {
            continue;
        }
        let radius = (3.0 * sigma).ceil() as i64;
        let mut kernel: Vec<f64> =
            (-radius..=radius).map(|d| (-(d * d) as f64 / (2.0 * sigma * sigma)).exp()).collect();
        let total: f64 = kernel.iter().sum();
        kernel.iter_mut().for_each(|k| *k /= total);
        let len = data.len_of(Axis(*axis)) as i64;
        let lanes: Vec<_> = data.lanes_mut(Axis(*axis)).into_iter().collect();
        lanes.into_par_iter().for_each(|mut lane| {
            let src: Vec<f64> = lane.iter().map(|&v| v as f64).collect();
            for (i, dst) in lane.iter_mut().enumerate() {
                let mut acc = 0.0;
                for (t, k) in kernel.iter().enumerate() {
                    let j = (i as i64 + t as i64 - radius).clamp(0, len - 1);
                    acc += k * src[j as usize];
                }
                *dst = acc as f32;
            }
        });
    }
    Volume::new(data, *image.geometry()).expect("same shape")
}

/// Per-axis integer shrink factors for a nominal factor on an anisotropic grid: each axis is
/// shrunk by `max(1, floor(factor * min_spacing / spacing))`, so thick slices are not merged.
pub fn shrink_factors(spacing: [f64; 3], factor: usize) -> [usize; 3] {
    let min = spacing.iter().cloned().fold(f64::INFINITY, f64::min);
    spacing.map(|s| ((factor as f64 * min / s + 1e-9).floor() as usize).max(1))
}

/// Shrinks an image by per-axis factors, keeping the block-centre voxels (ITK's
/// `ShrinkImageFilter`); the geometry keeps the physical centre of the image.
pub fn shrink_volume(image: &Volume<f32>, factors: [usize; 3]) -> Volume<f32> {
    let data = image.array();
    let size = image.size();
    let out = [0, 1, 2].map(|a| (size[a] / factors[a]).max(1));
    let centre_in = size.map(|n| (n as f64 - 1.0) / 2.0);
    let start = [0, 1, 2].map(|a| centre_in[a] - factors[a] as f64 * (out[a] as f64 - 1.0) / 2.0);
    let offset = [0, 1, 2].map(|a| ((start[a] + 0.5).floor().max(0.0) as usize).min(size[a] - 1));
    let shrunk = Array3::from_shape_fn((out[2], out[1], out[0]), |(k, j, i)| {
        data[[
            (offset[2] + factors[2] * k).min(size[2] - 1),
            (offset[1] + factors[1] * j).min(size[1] - 1),
            (offset[0] + factors[0] * i).min(size[0] - 1),
        ]]
    });
    let g = image.geometry();
    let spacing = [0, 1, 2].map(|a| g.spacing()[a] * factors[a] as f64);
    let origin = g.index_to_point(start);
    let geometry = Geometry::new(spacing, origin, g.direction()).expect("valid geometry");
    Volume::new(shrunk, geometry).expect("non-empty")
}

/// Gradient in physical space (mm⁻¹, LPS), by central differences in index space (one-sided at
/// the borders) rotated by the direction matrix. Returns `[gx, gy, gz]` arrays `[z, y, x]`.
pub fn physical_gradient(image: &Volume<f32>) -> [Array3<f32>; 3] {
    let data = image.array();
    let (nz, ny, nx) = data.dim();
    let spacing = image.spacing();
    let d = image.geometry().direction_matrix();
    let mut out =
        [Array3::<f32>::zeros((nz, ny, nx)), Array3::<f32>::zeros((nz, ny, nx)), Array3::<f32>::zeros((nz, ny, nx))];
    let diff = |k: usize, j: usize, i: usize, axis: usize| -> f64 {
        let (n, pos) = match axis {
            0 => (nx, i),
            1 => (ny, j),
            _ => (nz, k),
        };
        if n < 2 {
            return 0.0;
        }
        let lo = pos.saturating_sub(1);
        let hi = (pos + 1).min(n - 1);
        let at = |p: usize| match axis {
            0 => data[[k, j, p]],
            1 => data[[k, p, i]],
            _ => data[[p, j, i]],
        } as f64;
        (at(hi) - at(lo)) / ((hi - lo) as f64 * spacing[axis])
    };
    let [gx, gy, gz] = &mut out;
    ndarray::Zip::indexed(gx).and(gy).and(gz).par_for_each(|(k, j, i), x, y, z| {
        let g = nalgebra::Vector3::new(diff(k, j, i, 0), diff(k, j, i, 1), diff(k, j, i, 2));
        let p = d * g;
        *x = p.x as f32;
        *y = p.y as f32;
        *z = p.z as f32;
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_keeps_constant() {
        let v = Volume::new(Array3::from_elem((5, 6, 7), 3.0f32), Geometry::with_spacing([1.0, 1.0, 2.0])).unwrap();
        let s = gaussian_smooth(&v, 2.0);
        assert!(s.array().iter().all(|&x| (x - 3.0).abs() < 1e-5));
    }

    #[test]
    fn anisotropic_shrink_keeps_thick_slices() {
        assert_eq!(shrink_factors([0.9, 0.9, 5.5], 4), [4, 4, 1]);
        assert_eq!(shrink_factors([1.0, 1.0, 1.0], 2), [2, 2, 2]);
    }

    #[test]
    fn gradient_of_ramp() {
        let data = Array3::from_shape_fn((4, 5, 6), |(_, _, x)| 2.0 * x as f32);
        let v = Volume::new(data, Geometry::with_spacing([0.5, 1.0, 1.0])).unwrap();
        let [gx, gy, _] = physical_gradient(&v);
        assert!((gx[[1, 2, 3]] - 4.0).abs() < 1e-6);
        assert!(gy[[1, 2, 3]].abs() < 1e-6);
    }
}
