//! Brain extraction ("skull stripping") from a T1-weighted (or T1C) head image by thresholding
//! and morphology in physical units.
//!
//! # Algorithm
//!
//! 1. *Head*: voxels above Otsu's threshold of the image (256-bin histogram, after a 1 mm
//!    Gaussian smoothing), holes filled.
//! 2. *Tissue*: voxels of the head above `tissue_fraction` times the median head intensity;
//!    this removes most of the skull and CSF, which are dark on T1.
//! 3. *Core*: the tissue eroded by `erosion_mm` (Euclidean distance transform in mm, so thick
//!    slices are handled), which breaks the thin bridges between brain and scalp.
//! 4. *Brain seed*: the connected component (6-connectivity) of the core containing the most
//!    voxels within `centre_radius_mm` of the head's centre of mass.
//! 5. *Reconstruction*: the seed dilated by `erosion_mm + 1 mm`, intersected with the tissue,
//!    then closed by `closing_mm` and hole-filled (in 3-D and slice by slice), so that the
//!    ventricles and sulcal CSF inside the brain are included.
//!
//! # Known failure modes
//!
//! * T2 or FLAIR contrast: the tissue threshold assumes a dark skull and CSF; use the T1 or T1C.
//! * Strong bias fields: run N4 first, otherwise one side of the brain falls below the tissue
//!   threshold.
//! * Brain touching the scalp over more than the erosion radius (thin skull, large tumours at
//!   the surface): the seed leaks into the scalp; increase `erosion_mm`.
//! * Very thick slices (> 6 mm): the top and bottom brain slices may be dropped by the erosion.
//! * Bright bone marrow or fat next to the brain (older patients) can be attached to the mask;
//!   the closing radius bounds how much.
//! * Dark tumour parts (necrosis) at the brain surface may be excluded; they are included when
//!   enclosed by brain tissue (hole filling).
//!
//! # Accuracy on the raw BraTS case
//!
//! On the raw TCGA-FG-6692 T1C the Dice against the reference mask (the distributed
//! skull-stripped volume mapped back by an affine registration) is 0.918: 30 135 voxels are
//! added and 29 366 missed, out of 361 823. Per axial slice (5.5 mm):
//!
//! * the lowest and the highest slices contain no brain in the reference mask. Ours has 2 665
//!   and 4 294 voxels there (cerebellum at the bottom, the partial-volume vertex at the top),
//!   which is 23 % of the added voxels;
//! * the three slices below the top slice leak into the scalp where the skull is thinner than
//!   the erosion can separate (about 9 500 added voxels);
//! * the middle slices miss 760 to 2 120 voxels each along the cortex, where the 5.5 mm
//!   slices mix grey matter with sulcal CSF and fall below the tissue threshold.
//!
//! NOTE: the defaults are a narrow optimum on this one case: a tissue fraction of 0.55 or
//! 0.65 gives 0.874 and 0.873, an erosion of 11 or 15 mm gives 0.857 and 0.884, and a final
//! opening of 3 to 7 mm does not change the Dice. A surface model (deformable sphere as in
//! FSL's BET) would be needed to reach 0.95.

use std::collections::VecDeque;

use ndarray::{Array3, Axis};
use radiomics_volume::{Mask, Volume};
use rayon::prelude::*;

use crate::filters::gaussian_smooth;
use crate::{PreprocError, Result, check_finite};

/// Parameters of [`skull_strip`] (lengths in mm).
///
/// The defaults were chosen on the raw TCGA-FG-6692 T1C (0.9 x 0.9 x 5.5 mm) against a brain
/// mask derived from the distributed skull-stripped volume: Dice 0.918 (0.74 with a 7 mm
/// erosion, which leaks into the scalp).
///
/// | field | default |
/// |---|---|
/// | `tissue_fraction` | 0.6 |
/// | `erosion_mm` | 13.0 |
/// | `closing_mm` | 6.0 |
/// | `centre_radius_mm` | 40.0 |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkullStripParams {
    /// Tissue threshold as a fraction of the median head intensity.
    pub tissue_fraction: f64,
    /// Erosion radius that separates the brain from the scalp.
    pub erosion_mm: f64,
    /// Closing radius of the final mask.
    pub closing_mm: f64,
    /// Radius around the head's centre of mass used to pick the brain component.
    pub centre_radius_mm: f64,
}

impl Default for SkullStripParams {
    fn default() -> Self {
        Self { tissue_fraction: 0.6, erosion_mm: 13.0, closing_mm: 6.0, centre_radius_mm: 40.0 }
    }
}

/// Otsu's threshold over a 256-bin histogram of `values`.
pub fn otsu_threshold(values: &[f32]) -> f64 {
    let (lo, hi) =
        values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v as f64), b.max(v as f64)));
    let bins = 256;
    let width = (hi - lo) / bins as f64;
    if width <= 0.0 {
        return lo;
    }
    let mut hist = vec![0f64; bins];
    for &v in values {
        hist[(((v as f64 - lo) / width) as usize).min(bins - 1)] += 1.0;
    }
    let total: f64 = hist.iter().sum();
    let sum_all: f64 = hist.iter().enumerate().map(|(i, h)| i as f64 * h).sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0.0, 0.0, -1.0, 0);
    for (t, h) in hist.iter().enumerate() {
        w0 += h;
        sum0 += t as f64 * h;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t;
        }
    }
    lo + (best_t as f64 + 1.0) * width
}

/// Squared Euclidean distance (mm²) from every voxel to the nearest voxel where `target` is
/// true (exact, separable algorithm of Felzenszwalb and Huttenlocher, anisotropic spacing).
/// Voxels with no target anywhere get `f64::INFINITY`.
pub fn distance_squared(target: &Array3<bool>, spacing: [f64; 3]) -> Array3<f64> {
    let mut d = target.mapv(|t| if t { 0.0 } else { f64::INFINITY });
    for (axis, s) in [(2usize, spacing[0]), (1, spacing[1]), (0, spacing[2])] {
        let w = s * s;
        let lanes: Vec<_> = d.lanes_mut(Axis(axis)).into_iter().collect();
        lanes.into_par_iter().for_each(|mut lane| {
            let f: Vec<f64> = lane.iter().copied().collect();
            let out = lower_envelope(&f, w);
            lane.iter_mut().zip(out).for_each(|(dst, v)| *dst = v);
        });
    }
    d
}

/// One-dimensional squared distance transform `min_q (f[q] + w (p - q)^2)`.
fn lower_envelope(f: &[f64], w: f64) -> Vec<f64> {
    let n = f.len();
    let mut out = vec![f64::INFINITY; n];
    let sites: Vec<usize> = (0..n).filter(|&q| f[q].is_finite()).collect();
    if sites.is_empty() {
        return out;
    }
    let mut v: Vec<usize> = Vec::with_capacity(sites.len());
    let mut z: Vec<f64> = Vec::with_capacity(sites.len() + 1);
    let intersect = |q: usize, p: usize| {
        ((f[q] + w * (q * q) as f64) - (f[p] + w * (p * p) as f64)) / (2.0 * w * (q as f64 - p as f64))
    };
    for &q in &sites {
        while let Some(&p) = v.last() {
            let s = intersect(q, p);
            if s <= *z.last().expect("paired with v") {
                v.pop();
                z.pop();
            } else {
                break;
            }
        }
        let s = match v.last() {
            Some(&p) => intersect(q, p),
            None => f64::NEG_INFINITY,
        };
        v.push(q);
        z.push(s);
    }
    let mut k = 0;
    for (p, o) in out.iter_mut().enumerate() {
        while k + 1 < v.len() && z[k + 1] < p as f64 {
            k += 1;
        }
        let q = v[k];
        *o = f[q] + w * ((p as f64 - q as f64).powi(2));
    }
    out
}

/// Labels 6-connected components of `mask`; returns labels (0 = background) and sizes
/// (index 0 unused).
pub fn connected_components(mask: &Array3<bool>) -> (Array3<u32>, Vec<usize>) {
    let (nz, ny, nx) = mask.dim();
    let mut labels = Array3::<u32>::zeros((nz, ny, nx));
    let mut sizes = vec![0usize];
    let mut queue = VecDeque::new();
    for start in mask.indexed_iter().filter(|(_, m)| **m).map(|(i, _)| i) {
        if labels[start] != 0 {
            continue;
        }
        let label = sizes.len() as u32;
        let mut size = 0;
        labels[start] = label;
        queue.push_back(start);
        while let Some((k, j, i)) = queue.pop_front() {
            size += 1;
            let neighbours = [
                (k.wrapping_sub(1), j, i),
                (k + 1, j, i),
                (k, j.wrapping_sub(1), i),
                (k, j + 1, i),
                (k, j, i.wrapping_sub(1)),
                (k, j, i + 1),
            ];
            for n in neighbours {
                if n.0 < nz && n.1 < ny && n.2 < nx && mask[n] && labels[n] == 0 {
                    labels[n] = label;
                    queue.push_back(n);
                }
            }
        }
        sizes.push(size);
    }
    (labels, sizes)
}

/// Fills holes: background components that do not touch the border of the volume.
pub fn fill_holes(mask: &Array3<bool>) -> Array3<bool> {
    let background = mask.mapv(|m| !m);
    let (labels, sizes) = connected_components(&background);
    let (nz, ny, nx) = mask.dim();
    let mut outside = vec![false; sizes.len()];
    for ((k, j, i), &l) in labels.indexed_iter() {
        if l != 0 && (k == 0 || j == 0 || i == 0 || k + 1 == nz || j + 1 == ny || i + 1 == nx) {
            outside[l as usize] = true;
        }
    }
    Array3::from_shape_fn(mask.dim(), |idx| mask[idx] || !outside[labels[idx] as usize])
}

/// Fills holes in every axial slice (`z` fixed).
fn fill_holes_slices(mask: &Array3<bool>) -> Array3<bool> {
    let mut out = mask.clone();
    for k in 0..mask.len_of(Axis(0)) {
        let slice = mask.index_axis(Axis(0), k).to_owned().insert_axis(Axis(0));
        let filled = fill_holes(&slice);
        out.index_axis_mut(Axis(0), k).assign(&filled.index_axis(Axis(0), 0));
    }
    out
}

/// Extracts a brain mask from a T1-weighted head image (see the module docs).
///
/// # Errors
/// NaN voxels, a constant image, or no tissue left after the erosion (image too small or
/// `erosion_mm` too large).
pub fn skull_strip(image: &Volume<f32>, params: &SkullStripParams) -> Result<Mask> {
    check_finite(image, "image to skull-strip")?;
    let spacing = image.spacing();
    let smooth = gaussian_smooth(image, 1.0);
    let values: Vec<f32> = smooth.array().iter().copied().collect();
    let threshold = otsu_threshold(&values);
    let head = fill_holes(&smooth.array().mapv(|v| v as f64 > threshold));
    let head_values: Vec<f64> = {
        let mut v: Vec<f64> =
            smooth.array().iter().zip(head.iter()).filter(|(_, h)| **h).map(|(x, _)| *x as f64).collect();
        v.sort_unstable_by(|a, b| a.total_cmp(b));
        v
    };
    if head_values.len() < 100 {
        return Err(PreprocError::ConstantImage {
            what: "image to skull-strip".into(),
            value: threshold,
            count: head_values.len(),
            hint: "fewer than 100 voxels lie above Otsu's threshold; is this a head image?",
        });
    }
    let median = head_values[head_values.len() / 2];
    let tissue = Array3::from_shape_fn(head.dim(), |idx| {
        head[idx] && smooth.array()[idx] as f64 > params.tissue_fraction * median
    });

    // Erode by distance to non-tissue.
    let to_background = distance_squared(&tissue.mapv(|t| !t), spacing);
    let r2 = params.erosion_mm * params.erosion_mm;
    let core = to_background.mapv(|d| d > r2);
    let (labels, sizes) = connected_components(&core);
    if sizes.len() < 2 {
        return Err(PreprocError::EmptyMask {
            what: "skull-stripping core".into(),
            detail: format!("no tissue remains after an erosion of {} mm; lower erosion_mm", params.erosion_mm),
        });
    }
    // Pick the component with most voxels near the head's centre of mass.
    let mut com = [0.0; 3];
    let mut n = 0.0;
    for ((k, j, i), &h) in head.indexed_iter() {
        if h {
            com[0] += i as f64;
            com[1] += j as f64;
            com[2] += k as f64;
            n += 1.0;
        }
    }
    let com = com.map(|c| c / n);
    let mut near = vec![0usize; sizes.len()];
    for ((k, j, i), &l) in labels.indexed_iter() {
        if l == 0 {
            continue;
        }
        let d2 = ((i as f64 - com[0]) * spacing[0]).powi(2)
            + ((j as f64 - com[1]) * spacing[1]).powi(2)
            + ((k as f64 - com[2]) * spacing[2]).powi(2);
        if d2 <= params.centre_radius_mm * params.centre_radius_mm {
            near[l as usize] += 1;
        }
    }
    let best = (1..sizes.len()).max_by_key(|&l| (near[l], sizes[l])).expect("at least one component") as u32;
    let seed = labels.mapv(|l| l == best);

    // Conditional dilation back to the tissue, closing and hole filling.
    let dilate_r = params.erosion_mm + 1.0;
    let to_seed = distance_squared(&seed, spacing);
    let brain = Array3::from_shape_fn(seed.dim(), |idx| tissue[idx] && to_seed[idx] <= dilate_r * dilate_r);
    let (blabels, bsizes) = connected_components(&brain);
    let largest = (1..bsizes.len()).max_by_key(|&l| bsizes[l]).unwrap_or(0) as u32;
    let brain = blabels.mapv(|l| l != 0 && l == largest);
    let c2 = params.closing_mm * params.closing_mm;
    let dilated = distance_squared(&brain, spacing).mapv(|d| d <= c2);
    let closed = distance_squared(&dilated.mapv(|d| !d), spacing).mapv(|d| d > c2);
    let closed = Array3::from_shape_fn(closed.dim(), |idx| closed[idx] || brain[idx]);
    let filled = fill_holes_slices(&fill_holes(&closed));
    let count = filled.iter().filter(|&&b| b).count();
    tracing::info!(
        "skull strip: Otsu threshold {threshold:.1}, tissue > {:.1}, brain {count} voxels ({:.0} mL)",
        params.tissue_fraction * median,
        count as f64 * image.geometry().voxel_volume() / 1000.0
    );
    Ok(Mask(Volume::new(filled, *image.geometry())?))
}

/// Dice overlap `2 |A ∩ B| / (|A| + |B|)` of two masks on the same grid.
pub fn dice(a: &Mask, b: &Mask) -> Result<f64> {
    a.volume().same_grid(b.volume(), radiomics_volume::DEFAULT_GEOMETRY_TOLERANCE, "Dice of two masks")?;
    let (mut both, mut na, mut nb) = (0usize, 0usize, 0usize);
    for (&x, &y) in a.volume().array().iter().zip(b.volume().array().iter()) {
        both += (x && y) as usize;
        na += x as usize;
        nb += y as usize;
    }
    Ok(if na + nb == 0 { 1.0 } else { 2.0 * both as f64 / (na + nb) as f64 })
}

/// Checks a user-supplied brain mask against an image: same grid and at least one voxel.
pub fn check_brain_mask(image: &Volume<f32>, mask: &Mask, what: &str) -> Result<()> {
    image.same_grid(mask.volume(), radiomics_volume::DEFAULT_GEOMETRY_TOLERANCE, what)?;
    if mask.count() == 0 {
        return Err(PreprocError::EmptyMask {
            what: what.to_string(),
            detail: "the brain mask has no voxel set".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use radiomics_volume::Geometry;

    /// Synthetic head: bright brain ellipsoid, dark skull shell, bright scalp shell.
    fn head() -> Volume<f32> {
        let data = Array3::from_shape_fn((30, 60, 60), |(k, j, i)| {
            let p = [(i as f64 - 30.0) * 3.0, (j as f64 - 30.0) * 3.0, (k as f64 - 15.0) * 5.0];
            let r = ((p[0] / 70.0).powi(2) + (p[1] / 80.0).powi(2) + (p[2] / 60.0).powi(2)).sqrt();
            let v = if r < 0.8 {
                400.0 + 50.0 * ((i + j) % 3) as f64
            } else if r < 0.9 {
                30.0
            } else if r < 1.0 {
                500.0
            } else {
                5.0
            };
            v as f32
        });
        Volume::new(data, Geometry::with_spacing([3.0, 3.0, 5.0])).unwrap()
    }

    #[test]
    fn separates_brain_from_scalp() {
        let image = head();
        let mask = skull_strip(&image, &SkullStripParams::default()).unwrap();
        let truth = Mask(
            Volume::new(
                Array3::from_shape_fn((30, 60, 60), |(k, j, i)| {
                    let p = [(i as f64 - 30.0) * 3.0, (j as f64 - 30.0) * 3.0, (k as f64 - 15.0) * 5.0];
                    ((p[0] / 70.0).powi(2) + (p[1] / 80.0).powi(2) + (p[2] / 60.0).powi(2)).sqrt() < 0.8
                }),
                *image.geometry(),
            )
            .unwrap(),
        );
        let d = dice(&mask, &truth).unwrap();
        assert!(d > 0.95, "Dice {d}");
    }

    #[test]
    fn distance_transform_is_exact() {
        let mut t = Array3::from_elem((5, 7, 9), false);
        t[[2, 3, 4]] = true;
        let d = distance_squared(&t, [1.0, 2.0, 3.0]);
        assert!((d[[2, 3, 6]] - 4.0).abs() < 1e-12);
        assert!((d[[2, 4, 4]] - 4.0).abs() < 1e-12);
        assert!((d[[4, 3, 4]] - 36.0).abs() < 1e-12);
        assert!((d[[3, 4, 5]] - (1.0 + 4.0 + 9.0)).abs() < 1e-12);
    }

    #[test]
    fn holes_are_filled() {
        let mut m = Array3::from_elem((5, 5, 5), false);
        for idx in [(1, 1, 1), (1, 1, 2), (1, 1, 3)] {
            m[idx] = true;
        }
        let shell = Array3::from_shape_fn((5, 5, 5), |(k, j, i)| {
            (1..=3).contains(&k) && (1..=3).contains(&j) && (1..=3).contains(&i) && !(k == 2 && j == 2 && i == 2)
        });
        let filled = fill_holes(&shell);
        assert!(filled[[2, 2, 2]]);
        assert!(!filled[[0, 0, 0]]);
    }

    #[test]
    fn constant_image_rejected() {
        let image = Volume::new(Array3::from_elem((10, 10, 10), 3.0f32), Geometry::default()).unwrap();
        assert!(skull_strip(&image, &SkullStripParams::default()).is_err());
    }

    #[test]
    fn empty_user_mask_rejected() {
        let image = head();
        let mask = Mask(image.map(|_| false));
        let err = check_brain_mask(&image, &mask, "brain mask m.nii.gz").unwrap_err();
        assert!(err.to_string().contains("m.nii.gz"), "{err}");
    }
}
