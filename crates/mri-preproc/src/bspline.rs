//! Cubic B-spline control lattices on a voxel grid: scattered-data approximation (one level of
//! Lee, Wolberg and Shin's multilevel B-spline approximation, as ITK's
//! `BSplineScatteredDataPointSetToImageFilter` with confidence weights), evaluation on any grid
//! size (`BSplineControlPointImageFilter`) and refinement to twice the resolution.
//!
//! As in ITK's N4, the parametric domain of a lattice with `s` spans along an axis is mapped onto
//! the voxel indices `0..=n-1` of whatever grid is fitted or evaluated: voxel `i` sits at
//! parameter `u = s * i / (n - 1)`. A lattice fitted on a shrunk image therefore evaluates on the
//! full-resolution image by relative index position, exactly as ITK's
//! `N4BiasFieldCorrectionImageFilter` with `GetLogBiasFieldAsImage(full_image)`.

use ndarray::{Array3, Axis};
use rayon::prelude::*;

use crate::resample::cubic_weights;

/// Spline order (cubic).
const ORDER: usize = 3;

/// A cubic B-spline control lattice, indexed `[z, y, x]`, with `spans + 3` points per axis.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlLattice {
    /// Control point values `[z, y, x]`.
    pub phi: Array3<f64>,
}

/// Per-axis evaluation table: for each voxel index, the first control point and the 4 weights.
struct AxisTable {
    first: Vec<usize>,
    weights: Vec<[f64; 4]>,
}

impl AxisTable {
    /// Parameters `u = spans * i / (n - 1)` for `i in 0..n`, with `u = spans` moved just inside
    /// the last span as ITK does.
    fn new(n: usize, spans: usize) -> Self {
        let mut first = Vec::with_capacity(n);
        let mut weights = Vec::with_capacity(n);
        for i in 0..n {
            let mut u = if n > 1 { spans as f64 * i as f64 / (n - 1) as f64 } else { 0.0 };
            if u >= spans as f64 {
                u = spans as f64 - 1e-9;
            }
            let f = u.floor();
            first.push(f as usize);
            weights.push(cubic_weights(u - f));
        }
        Self { first, weights }
    }
}

impl ControlLattice {
    /// Number of control points `[x, y, z]`.
    pub fn size(&self) -> [usize; 3] {
        let (z, y, x) = self.phi.dim();
        [x, y, z]
    }

    /// Number of spans `[x, y, z]` (control points minus the order).
    fn spans(&self) -> [usize; 3] {
        self.size().map(|n| n - ORDER)
    }

    /// Fits a lattice with `control_points` (`[x, y, z]`, each >= 4) to the values `data` at the
    /// voxels where `weights > 0` of a grid of `size` (`[x, y, z]`); `data` and `weights` are
    /// `[z, y, x]` arrays of that size.
    ///
    /// Each point `p` with value `z_p` and confidence `w_p` contributes, to each of its 64
    /// control points `c` with tensor-product basis value `b_pc`, `phi_pc = b_pc z_p / sum_c b_pc^2`
    /// with weight `w_p b_pc^2`; `phi_c` is the weighted mean of its contributions (0 where no
    /// point contributes).
    pub fn fit(data: &Array3<f64>, weights: &Array3<f64>, control_points: [usize; 3]) -> Self {
        let (nz, ny, nx) = data.dim();
        let spans = control_points.map(|c| c - ORDER);
        let tx = AxisTable::new(nx, spans[0]);
        let ty = AxisTable::new(ny, spans[1]);
        let tz = AxisTable::new(nz, spans[2]);
        let shape = (control_points[2], control_points[1], control_points[0]);
        let zero = || (Array3::<f64>::zeros(shape), Array3::<f64>::zeros(shape));
        // Accumulate numerator (delta) and denominator (omega) per slice, in parallel.
        let (delta, omega) = (0..nz)
            .into_par_iter()
            .fold(zero, |(mut delta, mut omega), k| {
                for j in 0..ny {
                    for i in 0..nx {
                        let w = weights[[k, j, i]];
                        if w <= 0.0 {
                            continue;
                        }
                        let value = data[[k, j, i]];
                        let (bx, by, bz) = (&tx.weights[i], &ty.weights[j], &tz.weights[k]);
                        let sx: f64 = bx.iter().map(|b| b * b).sum();
                        let sy: f64 = by.iter().map(|b| b * b).sum();
                        let sz: f64 = bz.iter().map(|b| b * b).sum();
                        let w2_sum = sx * sy * sz;
                        for (c, &wz) in bz.iter().enumerate() {
                            for (b, &wy) in by.iter().enumerate() {
                                for (a, &wx) in bx.iter().enumerate() {
                                    let t = wx * wy * wz;
                                    let idx = [tz.first[k] + c, ty.first[j] + b, tx.first[i] + a];
                                    let t2 = w * t * t;
                                    delta[idx] += t2 * t * value / w2_sum;
                                    omega[idx] += t2;
                                }
                            }
                        }
                    }
                }
                (delta, omega)
            })
            .reduce(zero, |(d1, o1), (d2, o2)| (d1 + d2, o1 + o2));
        let mut phi = delta;
        phi.zip_mut_with(&omega, |d, &o| *d = if o != 0.0 { *d / o } else { 0.0 });
        Self { phi }
    }

    /// Evaluates the spline at every voxel of a grid of `size` (`[x, y, z]`), returning a
    /// `[z, y, x]` array. Separable: the lattice is contracted along z, then y, then x.
    pub fn evaluate(&self, size: [usize; 3]) -> Array3<f64> {
        let [nx, ny, nz] = size;
        let spans = self.spans();
        let tx = AxisTable::new(nx, spans[0]);
        let ty = AxisTable::new(ny, spans[1]);
        let tz = AxisTable::new(nz, spans[2]);
        let [cx, cy, _] = self.size();
        let mut out = Array3::<f64>::zeros((nz, ny, nx));
        out.axis_iter_mut(Axis(0)).into_par_iter().enumerate().for_each(|(k, mut slice)| {
            // Contract z: plane[y, x] over control points.
            let mut plane = vec![0f64; cy * cx];
            for (c, &wz) in tz.weights[k].iter().enumerate() {
                let zc = tz.first[k] + c;
                for yc in 0..cy {
                    for xc in 0..cx {
                        plane[yc * cx + xc] += wz * self.phi[[zc, yc, xc]];
                    }
                }
            }
            let mut row = vec![0f64; cx];
            for j in 0..ny {
                row.iter_mut().for_each(|r| *r = 0.0);
                for (b, &wy) in ty.weights[j].iter().enumerate() {
                    let yc = ty.first[j] + b;
                    for xc in 0..cx {
                        row[xc] += wy * plane[yc * cx + xc];
                    }
                }
                for i in 0..nx {
                    let f = tx.first[i];
                    let w = &tx.weights[i];
                    slice[[j, i]] = w[0] * row[f] + w[1] * row[f + 1] + w[2] * row[f + 2] + w[3] * row[f + 3];
                }
            }
        });
        out
    }

    /// The same spline on a lattice with twice as many spans along every axis (`2 s + 3` control
    /// points), by cubic B-spline subdivision: fine points at coarse knots take
    /// `(c[i-1] + 6 c[i] + c[i+1]) / 8`, fine points at span midpoints `(c[i] + c[i+1]) / 2`.
    pub fn refine(&self) -> Self {
        let mut phi = self.phi.clone();
        for axis in 0..3 {
            phi = refine_axis(&phi, Axis(axis));
        }
        Self { phi }
    }

    /// Adds another lattice of the same size.
    pub fn add(&mut self, other: &ControlLattice) {
        self.phi += &other.phi;
    }
}

/// Subdivides along one axis: `n + 3` control points become `2 n + 3`.
fn refine_axis(phi: &Array3<f64>, axis: Axis) -> Array3<f64> {
    let coarse = phi.len_of(axis);
    let spans = coarse - ORDER;
    let fine = 2 * spans + ORDER;
    let mut shape = phi.raw_dim();
    shape[axis.index()] = fine;
    let mut out = Array3::<f64>::zeros(shape);
    for j in 0..fine {
        let mut lane = out.index_axis_mut(axis, j);
        if j % 2 == 0 {
            // Midpoint between coarse points j/2 and j/2 + 1.
            let i = j / 2;
            lane.assign(&((&phi.index_axis(axis, i) + &phi.index_axis(axis, i + 1)) * 0.5));
        } else {
            // At the knot of coarse point (j + 1) / 2.
            let i = j.div_ceil(2);
            let v =
                (&phi.index_axis(axis, i - 1) + &(&phi.index_axis(axis, i) * 6.0) + phi.index_axis(axis, i + 1)) / 8.0;
            lane.assign(&v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_reproduces_smooth_polynomial() {
        // A quadratic in the parameters lies in the cubic spline space, so with dense points
        // the approximation is close to exact even with one span.
        let (nx, ny, nz) = (20, 16, 12);
        let f = |i: usize, j: usize, k: usize| {
            let (u, v, w) = (i as f64 / (nx - 1) as f64, j as f64 / (ny - 1) as f64, k as f64 / (nz - 1) as f64);
            0.3 * u - 0.2 * v * v + 0.1 * w + 0.05 * u * w
        };
        let data = Array3::from_shape_fn((nz, ny, nx), |(k, j, i)| f(i, j, k));
        let weights = Array3::from_elem((nz, ny, nx), 1.0);
        let mut lattice = ControlLattice::fit(&data, &weights, [4, 4, 4]);
        let residual = &data - &lattice.evaluate([nx, ny, nz]);
        // Lee's single-level approximation is not a least-squares solve; refine and refit the
        // residual as multilevel B-splines do, and the error must shrink.
        let first = residual.iter().map(|r| r.abs()).fold(0.0, f64::max);
        lattice = lattice.refine();
        let correction = ControlLattice::fit(&residual, &weights, lattice.size());
        lattice.add(&correction);
        let second = (&data - &lattice.evaluate([nx, ny, nz])).iter().map(|r| r.abs()).fold(0.0, f64::max);
        assert!(second < first, "{second} !< {first}");
        assert!(second < 0.5 * first, "{second} vs {first}");
    }

    #[test]
    fn refine_preserves_function() {
        let phi = Array3::from_shape_fn((5, 4, 6), |(k, j, i)| ((i * 3 + j * 5 + k * 7) % 11) as f64);
        let lattice = ControlLattice { phi };
        let fine = lattice.refine();
        assert_eq!(fine.size(), [9, 5, 7]);
        let a = lattice.evaluate([13, 9, 11]);
        let b = fine.evaluate([13, 9, 11]);
        for (x, y) in a.iter().zip(b.iter()) {
            assert!((x - y).abs() < 1e-9, "{x} vs {y}");
        }
    }
}
