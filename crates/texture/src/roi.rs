//! Region-of-interest preparation: label selection, normalisation, resegmentation, cropping and
//! grey-level discretisation.

use radiomics_volume::{BoundingBox, LabelMap, Volume};

use crate::error::{Result, TextureError};
use crate::settings::{Convention, ResegmentMode, Settings};

/// A cropped box of the image with its ROI mask, on a `[z, y, x]` grid (x fastest).
#[derive(Debug, Clone, PartialEq)]
pub struct Roi {
    /// Grid size `[nz, ny, nx]`.
    pub dims: [usize; 3],
    /// Voxel spacing `[z, y, x]` in mm.
    pub spacing: [f64; 3],
    /// Intensities, `nz * ny * nx` values.
    pub image: Vec<f64>,
    /// ROI membership, same layout.
    pub mask: Vec<bool>,
}

impl Roi {
    /// Builds an ROI from flat arrays; `dims` is `[nz, ny, nx]`, `spacing` is `[z, y, x]` mm.
    pub fn new(dims: [usize; 3], spacing: [f64; 3], image: Vec<f64>, mask: Vec<bool>) -> Self {
        assert_eq!(image.len(), dims.iter().product::<usize>(), "image length must equal nz*ny*nx");
        assert_eq!(mask.len(), image.len(), "mask length must equal image length");
        Self { dims, spacing, image, mask }
    }

    /// Flat index of `[z, y, x]`.
    #[inline]
    pub fn index(&self, z: usize, y: usize, x: usize) -> usize {
        (z * self.dims[1] + y) * self.dims[2] + x
    }

    /// Number of ROI voxels.
    pub fn count(&self) -> usize {
        self.mask.iter().filter(|&&m| m).count()
    }

    /// Intensities of the ROI voxels, in raster order.
    pub fn values(&self) -> Vec<f64> {
        self.image.iter().zip(&self.mask).filter(|(_, m)| **m).map(|(v, _)| *v).collect()
    }

    /// Bounding box `[min, max]` per axis `[z, y, x]` of the ROI, or `None` when it is empty.
    pub fn bounds(&self) -> Option<([usize; 3], [usize; 3])> {
        let mut lo = [usize::MAX; 3];
        let mut hi = [0usize; 3];
        let mut any = false;
        for z in 0..self.dims[0] {
            for y in 0..self.dims[1] {
                for x in 0..self.dims[2] {
                    if self.mask[self.index(z, y, x)] {
                        any = true;
                        for (a, v) in [z, y, x].into_iter().enumerate() {
                            lo[a] = lo[a].min(v);
                            hi[a] = hi[a].max(v);
                        }
                    }
                }
            }
        }
        any.then_some((lo, hi))
    }
}

/// Grey levels of an ROI after discretisation: level >= 1 inside the ROI, 0 outside.
#[derive(Debug, Clone, PartialEq)]
pub struct Discretised {
    /// Grid size `[nz, ny, nx]`.
    pub dims: [usize; 3],
    /// Voxel spacing `[z, y, x]` in mm.
    pub spacing: [f64; 3],
    /// Level per voxel (0 = outside the ROI).
    pub levels: Vec<u32>,
    /// Highest level in the ROI (PyRadiomics `Ng`).
    pub ng: u32,
    /// Levels present in the ROI, ascending.
    pub gray_levels: Vec<u32>,
}

impl Discretised {
    /// Builds the level map from levels (0 = outside); `ng` and `gray_levels` are derived.
    pub fn from_levels(dims: [usize; 3], spacing: [f64; 3], levels: Vec<u32>) -> Self {
        let mut present = vec![false; levels.iter().copied().max().unwrap_or(0) as usize + 1];
        for &l in &levels {
            present[l as usize] = true;
        }
        let gray_levels: Vec<u32> = (1..present.len() as u32).filter(|&l| present[l as usize]).collect();
        let ng = gray_levels.last().copied().unwrap_or(0);
        Self { dims, spacing, levels, ng, gray_levels }
    }

    /// Flat index of `[z, y, x]`.
    #[inline]
    pub fn index(&self, z: usize, y: usize, x: usize) -> usize {
        (z * self.dims[1] + y) * self.dims[2] + x
    }

    /// Number of ROI voxels.
    pub fn count(&self) -> usize {
        self.levels.iter().filter(|&&l| l > 0).count()
    }

    /// Map from level to its rank among the present levels (`u32::MAX` for absent levels).
    pub fn rank_of_level(&self) -> Vec<u32> {
        let mut rank = vec![u32::MAX; self.ng as usize + 1];
        for (r, &g) in self.gray_levels.iter().enumerate() {
            rank[g as usize] = r as u32;
        }
        rank
    }
}

/// Python's floor modulo, `a % b` with the sign of `b`.
fn py_mod(a: f64, b: f64) -> f64 {
    let r = a % b;
    if r != 0.0 && (r < 0.0) != (b < 0.0) { r + b } else { r }
}

/// PyRadiomics' bin edges (`imageoperations.getBinEdges`) for the ROI values.
///
/// Fixed bin width: edges `floor(min / w) * w, ... , < max + 2w` (numpy `arange`), so the lowest
/// value is in bin 1 and the edges are multiples of `w` counted from 0. A single edge (flat ROI on
/// an edge) becomes `[e - w/2, e + w/2]`. Fixed bin count: numpy `histogram` edges over
/// `[min, max]` (`[min - 0.5, max + 0.5]` when flat) with the last edge raised by 1.
pub fn pyradiomics_bin_edges(min: f64, max: f64, bin_width: f64, bin_count: Option<usize>) -> Vec<f64> {
    if let Some(n) = bin_count {
        let (lo, hi) = if min == max { (min - 0.5, max + 0.5) } else { (min, max) };
        let step = (hi - lo) / n as f64;
        let mut edges: Vec<f64> = (0..=n).map(|k| k as f64 * step + lo).collect();
        edges[n] = hi + 1.0;
        return edges;
    }
    let low = min - py_mod(min, bin_width);
    let high = max + 2.0 * bin_width;
    let len = ((high - low) / bin_width).ceil().max(0.0) as usize;
    let delta = (low + bin_width) - low;
    let mut edges: Vec<f64> = (0..len).map(|k| if k == 0 { low } else { low + k as f64 * delta }).collect();
    if edges.len() == 1 {
        edges = vec![edges[0] - 0.5 * bin_width, edges[0] + 0.5 * bin_width];
    }
    edges
}

/// numpy `digitize(x, edges)` for ascending edges: the number of edges `<= x`.
#[inline]
pub fn digitize(x: f64, edges: &[f64]) -> u32 {
    edges.partition_point(|&e| e <= x) as u32
}

/// Discretises the ROI intensities.
///
/// * PyRadiomics: [`pyradiomics_bin_edges`] then [`digitize`].
/// * IBSI fixed bin size (3.4.2): `floor((X - X_min) / w) + 1`, with `X_min` the lower
///   resegmentation bound when one is given (`lower_bound`) and the ROI minimum otherwise.
/// * IBSI fixed bin number: `floor(N (X - min) / (max - min)) + 1`, the maximum in bin `N`; a flat
///   ROI is one bin.
///
/// Errors when the number of levels makes a matrix exceed `settings.max_matrix_cells`.
pub fn discretise(roi: &Roi, settings: &Settings, lower_bound: Option<f64>) -> Result<Discretised> {
    let values = roi.values();
    if values.is_empty() {
        return Err(TextureError::EmptyRoi { stage: "before discretisation".into() });
    }
    let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    // Level count before building anything, to refuse absurd bin widths early.
    let estimated_levels = match settings.bin_count {
        Some(n) => n as u64,
        None => ((max - min) / settings.bin_width).floor().max(0.0) as u64 + 2,
    };
    let cells = estimated_levels.saturating_mul(estimated_levels);
    if cells > settings.max_matrix_cells {
        return Err(TextureError::MatrixTooLarge {
            what: "the GLCM".into(),
            elements: cells,
            levels: estimated_levels,
            limit: settings.max_matrix_cells,
            bin_width: if settings.bin_count.is_some() { f64::NAN } else { settings.bin_width },
        });
    }
    let levels: Vec<u32> = match settings.convention {
        Convention::PyRadiomics => {
            let edges = pyradiomics_bin_edges(min, max, settings.bin_width, settings.bin_count);
            roi.image.iter().zip(&roi.mask).map(|(&v, &m)| if m { digitize(v, &edges) } else { 0 }).collect()
        }
        Convention::Ibsi => match settings.bin_count {
            None => {
                let lo = lower_bound.unwrap_or(min);
                let w = settings.bin_width;
                roi.image
                    .iter()
                    .zip(&roi.mask)
                    .map(|(&v, &m)| if m { (((v - lo) / w).floor() + 1.0).max(1.0) as u32 } else { 0 })
                    .collect()
            }
            Some(n) => roi
                .image
                .iter()
                .zip(&roi.mask)
                .map(|(&v, &m)| {
                    if !m {
                        0
                    } else if max == min {
                        1
                    } else {
                        ((n as f64 * (v - min) / (max - min)).floor() as u32 + 1).min(n as u32)
                    }
                })
                .collect(),
        },
    };
    Ok(Discretised::from_levels(roi.dims, roi.spacing, levels))
}

/// The ROI mask of a label map: the union of `labels`. Errors name the labels present.
pub fn label_mask(labels: &LabelMap, wanted: &[u32]) -> Result<Volume<bool>> {
    let mask = labels.0.map(|l| wanted.contains(l));
    if !mask.array().iter().any(|&b| b) {
        return Err(TextureError::LabelAbsent { requested: wanted.to_vec(), present: labels.labels() });
    }
    Ok(mask)
}

/// Whole-image normalisation as SimpleITK `Normalize` + PyRadiomics `normalizeImage`:
/// `(X - mean) / sd` with the N-1 standard deviation over every voxel, optional clamping to
/// `± remove_outliers`, then multiplication by `scale`.
pub fn normalize(image: &mut Volume<f64>, scale: f64, remove_outliers: Option<f64>) {
    let n = image.len() as f64;
    let mean = image.array().iter().sum::<f64>() / n;
    let var = image.array().iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0).max(1.0);
    let sd = var.sqrt();
    let sd = if sd > 0.0 { sd } else { 1.0 };
    image.data_mut().mapv_inplace(|v| {
        let mut z = (v - mean) / sd;
        if let Some(o) = remove_outliers {
            z = z.clamp(-o, o);
        }
        z * scale
    });
}

/// Resegmentation (PyRadiomics `resegmentMask`, IBSI 3.3): keeps ROI voxels with
/// `lower <= X` (one bound) or `lower <= X <= upper` (two bounds). Returns the new mask and the
/// thresholds in image units.
pub fn resegment(
    image: &Volume<f64>,
    mask: &Volume<bool>,
    range: &[f64],
    mode: ResegmentMode,
) -> Result<(Volume<bool>, Vec<f64>)> {
    let mut sorted = range.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let values: Vec<f64> =
        image.array().iter().zip(mask.array().iter()).filter(|(_, m)| **m).map(|(v, _)| *v).collect();
    if values.is_empty() {
        return Err(TextureError::EmptyRoi { stage: "before resegmentation".into() });
    }
    let thresholds: Vec<f64> = match mode {
        ResegmentMode::Absolute => sorted,
        ResegmentMode::Relative => {
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            sorted.iter().map(|t| max * t).collect()
        }
        ResegmentMode::Sigma => {
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let sd = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
            sorted.iter().map(|t| mean + sd * t).collect()
        }
    };
    let new = Volume::new(
        ndarray::Zip::from(image.array())
            .and(mask.array())
            .map_collect(|&v, &m| m && v >= thresholds[0] && (thresholds.len() == 1 || v <= thresholds[1])),
        *image.geometry(),
    )?;
    if !new.array().iter().any(|&b| b) {
        return Err(TextureError::EmptyRoi { stage: format!("after resegmentation to {thresholds:?}") });
    }
    Ok((new, thresholds))
}

/// Bounding box of a mask, or an [`TextureError::EmptyRoi`].
pub fn bounding_box(mask: &Volume<bool>, stage: &str) -> Result<BoundingBox> {
    let mut min = [usize::MAX; 3];
    let mut max = [0usize; 3];
    let (nz, ny, nx) = mask.array().dim();
    let data = mask.array().as_slice();
    let at = |z: usize, y: usize, x: usize| match data {
        Some(d) => d[(z * ny + y) * nx + x],
        None => mask.array()[[z, y, x]],
    };
    for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                if at(z, y, x) {
                    for (a, i) in [x, y, z].into_iter().enumerate() {
                        min[a] = min[a].min(i);
                        max[a] = max[a].max(i);
                    }
                }
            }
        }
    }
    if min[0] == usize::MAX {
        return Err(TextureError::EmptyRoi { stage: stage.into() });
    }
    Ok(BoundingBox { min, max })
}

/// Crops image and mask to the box padded by `pad` voxels (clipped to the image) and returns the
/// [`Roi`]. NaN or infinite intensities inside the mask give [`TextureError::NonFiniteInRoi`].
pub fn crop(image: &Volume<f64>, mask: &Volume<bool>, bbox: &BoundingBox, pad: usize) -> Result<Roi> {
    let padded = bbox.padded(pad, image.size());
    let img = image.crop(&padded)?;
    let msk = mask.crop(&padded)?;
    let (z, y, x) = img.array().dim();
    let s = image.spacing();
    let roi = Roi::new(
        [z, y, x],
        [s[2], s[1], s[0]],
        img.array().iter().copied().collect(),
        msk.array().iter().copied().collect(),
    );
    let mut count = 0;
    let mut first = None;
    for zz in 0..z {
        for yy in 0..y {
            for xx in 0..x {
                let i = roi.index(zz, yy, xx);
                if roi.mask[i] && !roi.image[i].is_finite() {
                    count += 1;
                    first.get_or_insert([xx + padded.min[0], yy + padded.min[1], zz + padded.min[2]]);
                }
            }
        }
    }
    if let Some(first) = first {
        return Err(TextureError::NonFiniteInRoi { count, first });
    }
    Ok(roi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_counted_from_zero() {
        // ROI 54..166, w = 25 -> edges 50, 75, ..., 175 (reference-methods.md worked example).
        let e = pyradiomics_bin_edges(54.0, 166.0, 25.0, None);
        assert_eq!(e, vec![50.0, 75.0, 100.0, 125.0, 150.0, 175.0, 200.0]);
        assert_eq!(digitize(54.0, &e), 1);
        assert_eq!(digitize(75.0, &e), 2);
        assert_eq!(digitize(166.0, &e), 5);
    }

    #[test]
    fn negative_minimum_uses_floor_modulo() {
        let e = pyradiomics_bin_edges(-3.0, 3.0, 2.0, None);
        assert_eq!(e[0], -4.0);
        assert_eq!(digitize(-3.0, &e), 1);
    }

    #[test]
    fn flat_region_on_edge_gets_two_edges() {
        let e = pyradiomics_bin_edges(50.0, 50.0, 25.0, None);
        assert!(e.len() >= 2);
        assert_eq!(digitize(50.0, &e), 1);
    }

    #[test]
    fn bin_count_puts_maximum_in_last_bin() {
        let e = pyradiomics_bin_edges(0.0, 10.0, 25.0, Some(5));
        assert_eq!(digitize(10.0, &e), 5);
        assert_eq!(digitize(0.0, &e), 1);
        assert_eq!(digitize(1.99, &e), 1);
        assert_eq!(digitize(2.0, &e), 2);
    }

    #[test]
    fn ibsi_fixed_bin_size_starts_at_minimum() {
        let roi = Roi::new([1, 1, 4], [1.0; 3], vec![54.0, 60.0, 79.0, 80.0], vec![true; 4]);
        let s = Settings { convention: Convention::Ibsi, ..Settings::default() };
        let d = discretise(&roi, &s, None).unwrap();
        assert_eq!(d.levels, vec![1, 1, 2, 2]);
        let d = discretise(&roi, &s, Some(50.0)).unwrap();
        assert_eq!(d.levels, vec![1, 1, 2, 2]);
        let d = discretise(&roi, &s, Some(30.0)).unwrap();
        assert_eq!(d.levels, vec![1, 2, 2, 3]);
    }

    #[test]
    fn tiny_bin_width_is_refused() {
        let roi = Roi::new([1, 1, 2], [1.0; 3], vec![0.0, 1e6], vec![true; 2]);
        let s = Settings { bin_width: 1e-3, ..Settings::default() };
        assert!(matches!(discretise(&roi, &s, None), Err(TextureError::MatrixTooLarge { .. })));
    }
}
