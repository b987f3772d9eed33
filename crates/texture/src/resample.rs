//! Resampling of image and mask to a new spacing (PyRadiomics `resampleImage`).

use radiomics_volume::{LabelMap, Volume};

use crate::error::{Result, TextureError};
use crate::settings::Interpolator;

/// Resamples the image (with `interpolator`) and the mask (nearest neighbour) to `spacing`
/// `[x, y, z]` mm as PyRadiomics' `imageoperations.resampleImage` does with SimpleITK:
///
/// * an axis with spacing 0, or along which the ROI is one voxel thick, keeps its spacing; when
///   nothing changes (numpy `allclose`) the inputs are returned unchanged;
/// * the new grid covers the ROI bounding box plus `pad` new voxels, clipped to the image, and
///   its first voxel centre sits half a new voxel from the old corner (PyRadiomics aligns grid
///   corners, not centres, unlike IBSI);
/// * points outside the image get 0; cubic B-spline interpolation uses ITK's coefficients
///   (mirror boundaries, pole `sqrt(3) - 2`);
/// * when every image voxel holds an integer (an integer image type on disk), interpolated
///   values are truncated toward zero, as SimpleITK's cast to the input pixel type does.
pub fn resample_case(
    image: &Volume<f64>,
    mask: &Volume<bool>,
    spacing: [f64; 3],
    interpolator: Interpolator,
    pad: usize,
) -> Result<(Volume<f64>, Volume<bool>)> {
    let mg = *mask.geometry();
    let mask_spacing = mg.spacing();
    let size = mask.size();
    let bbox = crate::roi::bounding_box(mask, "before resampling")?;
    let bb_size = bbox.size();
    let mut new_spacing = [0.0; 3];
    for a in 0..3 {
        new_spacing[a] = if spacing[a] == 0.0 || bb_size[a] == 1 { mask_spacing[a] } else { spacing[a] };
    }
    if (0..3).all(|a| (mask_spacing[a] - new_spacing[a]).abs() <= 1e-8 + 1e-5 * new_spacing[a].abs()) {
        return Ok((image.clone(), mask.clone()));
    }
    let mut new_size = [0usize; 3];
    let mut origin_index = [0.0; 3];
    for a in 0..3 {
        let ratio = mask_spacing[a] / new_spacing[a];
        let lo = ((bbox.min[a] as f64 - 0.5) * ratio - pad as f64).floor().max(0.0);
        let max_ub = (size[a] as f64 * ratio).ceil() - 1.0;
        let hi = (((bbox.min[a] + bb_size[a]) as f64 - 0.5) * ratio + pad as f64).ceil().min(max_ub);
        new_size[a] = (hi - lo + 1.0) as usize;
        origin_index[a] = 0.5 * (new_spacing[a] - mask_spacing[a]) / mask_spacing[a] + lo / ratio;
    }
    let origin = mg.index_to_point(origin_index);
    let geometry = radiomics_volume::Geometry::new(new_spacing, origin, mg.direction())?;
    let integer = image.array().iter().all(|v| v.fract() == 0.0);
    let coefficients = match interpolator {
        Interpolator::BSpline => Some(bspline_coefficients(image)),
        _ => None,
    };
    let ig = *image.geometry();
    let isize = image.size();
    let (nz, ny, nx) = (new_size[2], new_size[1], new_size[0]);
    let mut values = Vec::with_capacity(nx * ny * nz);
    let mut labels = Vec::with_capacity(nx * ny * nz);
    for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                let p = geometry.index_to_point([x as f64, y as f64, z as f64]);
                let c = ig.point_to_index(p);
                let inside = (0..3).all(|a| c[a] >= -0.5 && c[a] < isize[a] as f64 - 0.5);
                let v = if !inside {
                    0.0
                } else {
                    match interpolator {
                        Interpolator::NearestNeighbor => nearest(image, c),
                        Interpolator::Linear => linear(image, c),
                        Interpolator::BSpline => bspline_eval(coefficients.as_ref().unwrap(), c),
                    }
                };
                values.push(if integer { v.trunc() } else { v });
                let cm = mg.point_to_index(p);
                let inside_m = (0..3).all(|a| cm[a] >= -0.5 && cm[a] < size[a] as f64 - 0.5);
                labels.push(inside_m && nearest_bool(mask, cm));
            }
        }
    }
    let img = Volume::new(ndarray::Array3::from_shape_vec((nz, ny, nx), values).expect("grid size"), geometry)?;
    let msk = Volume::new(ndarray::Array3::from_shape_vec((nz, ny, nx), labels).expect("grid size"), geometry)?;
    Ok((img, msk))
}

/// ITK's nearest-neighbour index: round half up, clamped into the grid.
fn nearest_index(c: [f64; 3], size: [usize; 3]) -> [usize; 3] {
    [0, 1, 2].map(|a| ((c[a] + 0.5).floor().max(0.0) as usize).min(size[a] - 1))
}

fn nearest(v: &Volume<f64>, c: [f64; 3]) -> f64 {
    let i = nearest_index(c, v.size());
    v.array()[[i[2], i[1], i[0]]]
}

fn nearest_bool(v: &Volume<bool>, c: [f64; 3]) -> bool {
    let i = nearest_index(c, v.size());
    v.array()[[i[2], i[1], i[0]]]
}

/// Trilinear interpolation with edge clamping.
fn linear(v: &Volume<f64>, c: [f64; 3]) -> f64 {
    let size = v.size();
    let base = [0, 1, 2].map(|a| c[a].floor());
    let frac = [0, 1, 2].map(|a| c[a] - base[a]);
    let mut acc = 0.0;
    for corner in 0..8 {
        let mut w = 1.0;
        let mut idx = [0usize; 3];
        for a in 0..3 {
            let up = (corner >> a) & 1 == 1;
            w *= if up { frac[a] } else { 1.0 - frac[a] };
            let i = base[a] as i64 + i64::from(up);
            idx[a] = i.clamp(0, size[a] as i64 - 1) as usize;
        }
        if w != 0.0 {
            acc += w * v.array()[[idx[2], idx[1], idx[0]]];
        }
    }
    acc
}

/// Cubic B-spline coefficients of the image (ITK `BSplineDecompositionImageFilter`): the
/// separable recursive prefilter with pole `z = sqrt(3) - 2` and mirror boundaries, along x, y
/// and z.
fn bspline_coefficients(v: &Volume<f64>) -> ndarray::Array3<f64> {
    let mut c = v.array().to_owned();
    for axis in 0..3 {
        for mut lane in c.lanes_mut(ndarray::Axis(axis)) {
            let mut line: Vec<f64> = lane.iter().copied().collect();
            prefilter(&mut line);
            for (dst, src) in lane.iter_mut().zip(line) {
                *dst = src;
            }
        }
    }
    c
}

fn prefilter(c: &mut [f64]) {
    let n = c.len();
    if n == 1 {
        return;
    }
    let z = 3f64.sqrt() - 2.0;
    let gain = (1.0 - z) * (1.0 - 1.0 / z);
    for v in c.iter_mut() {
        *v *= gain;
    }
    // Initial causal coefficient (ITK: tolerance 1e-10 sets the horizon).
    let horizon = ((1e-10f64).ln() / z.abs().ln()).ceil() as usize;
    let c0 = if horizon < n {
        let mut zn = z;
        let mut sum = c[0];
        for v in c.iter().take(horizon).skip(1) {
            sum += zn * v;
            zn *= z;
        }
        sum
    } else {
        let mut zn = z;
        let iz = 1.0 / z;
        let mut z2n = z.powi(n as i32 - 1);
        let mut sum = c[0] + z2n * c[n - 1];
        z2n = z2n * z2n * iz;
        for v in c.iter().take(n - 1).skip(1) {
            sum += (zn + z2n) * v;
            zn *= z;
            z2n *= iz;
        }
        sum / (1.0 - zn * zn)
    };
    c[0] = c0;
    for k in 1..n {
        c[k] += z * c[k - 1];
    }
    c[n - 1] = (z / (z * z - 1.0)) * (z * c[n - 2] + c[n - 1]);
    for k in (0..n - 1).rev() {
        c[k] = z * (c[k + 1] - c[k]);
    }
}

/// ITK `BSplineInterpolateImageFunction` (order 3) at continuous index `c` `[x, y, z]`.
fn bspline_eval(coef: &ndarray::Array3<f64>, c: [f64; 3]) -> f64 {
    let (nz, ny, nx) = coef.dim();
    let len = [nx, ny, nz];
    let mut idx = [[0usize; 4]; 3];
    let mut w = [[0.0f64; 4]; 3];
    for a in 0..3 {
        let start = c[a].floor() as i64 - 1;
        let t = c[a] - (start + 1) as f64;
        let w3 = t * t * t / 6.0;
        let w0 = 1.0 / 6.0 + 0.5 * t * (t - 1.0) - w3;
        let w2 = t + w0 - 2.0 * w3;
        let w1 = 1.0 - w0 - w2 - w3;
        w[a] = [w0, w1, w2, w3];
        let n = len[a] as i64;
        for (k, slot) in idx[a].iter_mut().enumerate() {
            let mut i = start + k as i64;
            if n == 1 {
                i = 0;
            } else {
                let period = 2 * n - 2;
                i = if i < 0 { -i - period * ((-i) / period) } else { i - period * (i / period) };
                if i >= n {
                    i = period - i;
                }
            }
            *slot = i as usize;
        }
    }
    let mut acc = 0.0;
    for kz in 0..4 {
        for ky in 0..4 {
            let wzy = w[2][kz] * w[1][ky];
            for kx in 0..4 {
                acc += wzy * w[0][kx] * coef[[idx[2][kz], idx[1][ky], idx[0][kx]]];
            }
        }
    }
    acc
}

/// Nearest-neighbour resampling of a label map onto the grid of `reference` (PyRadiomics
/// `correctMask`). Errors when no labelled voxel falls inside the reference grid.
pub fn mask_onto_grid<T>(labels: &LabelMap, reference: &Volume<T>) -> Result<LabelMap> {
    let g = *reference.geometry();
    let src = labels.0.geometry();
    let [sx, sy, sz] = labels.0.size();
    let data = labels.0.array();
    let (nz, ny, nx) = reference.array().dim();
    let out = ndarray::Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        let p = g.index_to_point([x as f64, y as f64, z as f64]);
        let c = src.point_to_index(p);
        let r = c.map(|v| v.round());
        if r.iter().zip([sx, sy, sz]).any(|(v, n)| *v < 0.0 || *v >= n as f64) {
            0
        } else {
            data[[r[2] as usize, r[1] as usize, r[0] as usize]]
        }
    });
    let v = Volume::new(out, g)?;
    if !v.array().iter().any(|&l| l != 0) {
        return Err(TextureError::EmptyRoi {
            stage: "after resampling the mask onto the image grid (correctMask)".into(),
        });
    }
    Ok(LabelMap(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use radiomics_volume::Geometry;

    /// SimpleITK 2.5.7 reference, made with:
    /// `img = sitk.GetImageFromArray(np.array([[[0,10,0,-10,0,7]]], dtype=np.int16))`;
    /// `ResampleImageFilter` with spacing (0.5,1,1), size (11,1,1), origin 0, sitkBSpline,
    /// output sitkFloat64 (and sitkInt16 for the truncated row).
    #[test]
    fn bspline_matches_simpleitk() {
        let img = Volume::new(
            ndarray::Array3::from_shape_vec((1, 1, 6), vec![0.0, 10.0, 0.0, -10.0, 0.0, 7.0]).unwrap(),
            Geometry::with_spacing([1.0, 1.0, 1.0]),
        )
        .unwrap();
        let coef = bspline_coefficients(&img);
        let want = [0.0, 4.49222488, 10.0, 7.53887560, 0.0, -7.14772727, -10.0, -6.44796651, 0.0, 5.06459330, 7.0];
        for (k, w) in want.iter().enumerate() {
            let v = bspline_eval(&coef, [k as f64 * 0.5, 0.0, 0.0]);
            assert!((v - w).abs() < 1e-7, "x = {}: {v} vs {w}", k as f64 * 0.5);
        }
    }
}
