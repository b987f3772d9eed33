//! The extraction pipeline: image + label map + settings -> ordered features.

use radiomics_volume::{LabelMap, Volume};
use rayon::prelude::*;

use crate::error::{Result, TextureError};
use crate::features::FeatureSet;
use crate::matrices::{self, Offset};
use crate::names;
use crate::roi::{self, Discretised, Roi};
use crate::settings::{Convention, FeatureClass, Settings, WeightingNorm};
use crate::texture::{self, EPS};

/// Computes the enabled features of one case.
#[derive(Debug, Clone)]
pub struct Extractor {
    settings: Settings,
}

/// The prepared inputs of one case, before any feature is computed.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Texture and first-order ROI (resegmented, cropped with `padDistance`).
    pub roi: Roi,
    /// Discretised grey levels of `roi`.
    pub levels: Discretised,
    /// Shape mask `[nz, ny, nx]` (not resegmented unless `resegmentShape`), cropped to the ROI
    /// bounding box.
    pub shape_mask: Vec<bool>,
    /// Size of `shape_mask`.
    pub shape_dims: [usize; 3],
    /// Resegmentation thresholds in image units, if any.
    pub thresholds: Option<Vec<f64>>,
    /// Position `[z, y, x]` of the shape mask's first voxel in the `roi` grid.
    pub pad: [usize; 3],
}

impl Extractor {
    /// An extractor with validated settings.
    pub fn new(settings: Settings) -> Result<Self> {
        settings.validate()?;
        Ok(Self { settings })
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Prepares a case: grid check, label union, normalisation, resampling, ROI checks,
    /// resegmentation, cropping and discretisation.
    pub fn prepare(&self, image: &Volume<f64>, labels: &LabelMap) -> Result<Prepared> {
        let s = &self.settings;
        let corrected;
        let labels = match image.same_grid(&labels.0, s.geometry_tolerance, "image and mask") {
            Ok(()) => labels,
            Err(e) if !s.correct_mask => return Err(e.into()),
            Err(_) => {
                corrected = crate::resample::mask_onto_grid(labels, image)?;
                &corrected
            }
        };
        let mut mask = roi::label_mask(labels, &s.labels)?;
        // Copy the image only when it is modified.
        let mut owned: Option<Volume<f64>> = None;
        if s.normalize {
            let mut copy = image.clone();
            roi::normalize(&mut copy, s.normalize_scale, s.remove_outliers);
            owned = Some(copy);
        }
        if let Some(spacing) = s.resampled_pixel_spacing {
            let (img, msk) = crate::resample::resample_case(
                owned.as_ref().unwrap_or(image),
                &mask,
                spacing,
                s.interpolator,
                s.pad_distance,
            )?;
            owned = Some(img);
            mask = msk;
        }
        let image = owned.as_ref().unwrap_or(image);
        let bbox = roi::bounding_box(&mask, "for the requested labels")?;
        self.check_roi(&bbox, &mask)?;
        let (texture_mask, thresholds, bbox) = match &s.resegment_range {
            Some(range) => {
                let (m, t) = roi::resegment(image, &mask, range, s.resegment_mode)?;
                let b = roi::bounding_box(&m, "after resegmentation")?;
                self.check_roi(&b, &m)?;
                (m, Some(t), b)
            }
            None => (mask.clone(), None, bbox),
        };
        let shape_source = if s.resegment_shape { &texture_mask } else { &mask };
        let shape_crop = shape_source.crop(&bbox)?;
        let (sz, sy, sx) = shape_crop.array().dim();
        let shape_mask: Vec<bool> = shape_crop.array().iter().copied().collect();
        let roi = roi::crop(image, &texture_mask, &bbox, s.pad_distance)?;
        let lower = thresholds.as_ref().map(|t| t[0]);
        let levels = roi::discretise(&roi, s, lower)?;
        let padded = bbox.padded(s.pad_distance, image.size());
        let pad = [2, 1, 0].map(|a| bbox.min[a] - padded.min[a]);
        Ok(Prepared { roi, levels, shape_mask, shape_dims: [sz, sy, sx], thresholds, pad })
    }

    fn check_roi(&self, bbox: &radiomics_volume::BoundingBox, mask: &Volume<bool>) -> Result<()> {
        let s = &self.settings;
        let dims = bbox.size().iter().filter(|&&n| n > 1).count();
        if dims == 0 {
            return Err(TextureError::RoiTooSmall {
                detail: "the mask holds a single voxel, which has no texture or shape (PyRadiomics refuses it too)"
                    .into(),
            });
        }
        if dims < s.minimum_roi_dimensions {
            return Err(TextureError::RoiTooSmall {
                detail: format!(
                    "it spans {dims} dimension(s) with more than one voxel (bounding box {:?} [x, y, z]), minimumROIDimensions = {}",
                    bbox.size(),
                    s.minimum_roi_dimensions
                ),
            });
        }
        if let Some(min) = s.minimum_roi_size {
            let n = mask.array().iter().filter(|&&b| b).count();
            if n < min {
                return Err(TextureError::RoiTooSmall { detail: format!("{n} voxels, minimumROISize = {min}") });
            }
        }
        Ok(())
    }

    /// Computes every enabled feature of a case (image and label map on the same grid).
    pub fn execute(&self, image: &Volume<f64>, labels: &LabelMap) -> Result<FeatureSet> {
        let prepared = self.prepare(image, labels)?;
        self.features(&prepared)
    }

    /// Computes the enabled features of a prepared case.
    pub fn features(&self, p: &Prepared) -> Result<FeatureSet> {
        let s = &self.settings;
        if s.convention == Convention::Ibsi {
            return crate::ibsi::ibsi_features(p, s);
        }
        let classes: Vec<FeatureClass> = s.enabled.keys().copied().collect();
        let results: Vec<Result<Vec<(String, f64)>>> = classes.par_iter().map(|&c| self.class_features(c, p)).collect();
        let mut out = FeatureSet::default();
        for (class, result) in classes.iter().zip(results) {
            let values = result?;
            let wanted: Vec<String> = match &s.enabled[class] {
                Some(list) => list.clone(),
                None => names::default_feature_names(*class).iter().map(|n| n.to_string()).collect(),
            };
            for name in &wanted {
                if let Some((_, v)) = values.iter().find(|(n, _)| n == name) {
                    out.push(format!("original_{}_{}", class.name(), name), *v);
                }
            }
        }
        Ok(out)
    }

    /// The values of one class as `(feature name, value)`, all features of the class.
    fn class_features(&self, class: FeatureClass, p: &Prepared) -> Result<Vec<(String, f64)>> {
        let s = &self.settings;
        let spacing = p.roi.spacing;
        let named = |names: &[&str], values: Vec<f64>| -> Vec<(String, f64)> {
            names.iter().zip(values).map(|(n, v)| (n.to_string(), v)).collect()
        };
        Ok(match class {
            FeatureClass::Shape => shape_named(crate::shape::shape_features(&p.shape_mask, p.shape_dims, spacing)),
            FeatureClass::Shape2D => {
                let axis = s.force_2d_dimension;
                if !s.force_2d || p.shape_dims[axis] != 1 {
                    // PyRadiomics logs a warning and skips shape2D unless force2D is set and the
                    // ROI is one voxel thick along force2Ddimension.
                    return Ok(Vec::new());
                }
                let (dims2, sp2): ([usize; 2], [f64; 2]) = match axis {
                    0 => ([p.shape_dims[1], p.shape_dims[2]], [spacing[1], spacing[2]]),
                    1 => ([p.shape_dims[0], p.shape_dims[2]], [spacing[0], spacing[2]]),
                    _ => ([p.shape_dims[0], p.shape_dims[1]], [spacing[0], spacing[1]]),
                };
                shape_named(crate::shape::shape2d_features(&p.shape_mask, dims2[0], dims2[1], sp2))
            }
            FeatureClass::FirstOrder => {
                let values = p.roi.values();
                let levels: Vec<u32> = p.levels.levels.iter().copied().filter(|&l| l > 0).collect();
                let f = crate::firstorder::pyradiomics_firstorder(
                    &values,
                    &levels,
                    spacing.iter().product(),
                    s.voxel_array_shift,
                );
                let mut out = named(names::FIRSTORDER, f.clone());
                out.push(("StandardDeviation".into(), f[18]));
                out
            }
            FeatureClass::Glcm => named(names::GLCM, pyradiomics_glcm(&self.slab(p), s)?),
            FeatureClass::Glrlm => named(names::GLRLM, pyradiomics_glrlm(&self.slab(p), s)),
            FeatureClass::Glszm => named(names::GLSZM, pyradiomics_glszm(&self.slab(p), s.force_2d)),
            FeatureClass::Gldm => named(names::GLDM, pyradiomics_gldm(&self.slab(p), s)),
            FeatureClass::Ngtdm => named(names::NGTDM, pyradiomics_ngtdm(&self.slab(p), s)),
            other => {
                return Err(TextureError::NotApplicable {
                    family: other.name().into(),
                    reason: "this IBSI family is computed with the IBSI convention (--convention ibsi)".into(),
                });
            }
        })
    }

    /// The level map with the `force2Ddimension` axis moved first, so that slices are along z.
    fn slab(&self, p: &Prepared) -> Discretised {
        if self.settings.force_2d && self.settings.force_2d_dimension != 0 {
            permute_slices_first(&p.levels, self.settings.force_2d_dimension)
        } else {
            p.levels.clone()
        }
    }
}

fn shape_named(v: Vec<(&'static str, f64)>) -> Vec<(String, f64)> {
    v.into_iter().map(|(n, x)| (n.to_string(), x)).collect()
}

/// Moves grid axis `axis` (0 = z, 1 = y, 2 = x) to the front.
pub fn permute_slices_first(d: &Discretised, axis: usize) -> Discretised {
    let [nz, ny, nx] = d.dims;
    let order: [usize; 3] = match axis {
        1 => [1, 0, 2],
        2 => [2, 0, 1],
        _ => [0, 1, 2],
    };
    let old = [nz, ny, nx];
    let dims = order.map(|a| old[a]);
    let spacing = order.map(|a| d.spacing[a]);
    let mut levels = vec![0u32; d.levels.len()];
    for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                let c = [z, y, x];
                let n = order.map(|a| c[a]);
                levels[(n[0] * dims[1] + n[1]) * dims[2] + n[2]] = d.levels[d.index(z, y, x)];
            }
        }
    }
    Discretised { dims, spacing, levels, ng: d.ng, gray_levels: d.gray_levels.clone() }
}

/// Weight of a direction for `weightingNorm` (PyRadiomics `glcm._calculateMatrix`), with the
/// spacing `[z, y, x]`.
pub fn direction_weight(norm: WeightingNorm, a: Offset, spacing: [f64; 3]) -> f64 {
    let d = [0, 1, 2].map(|k| (a[k] as f64).abs() * spacing[k]);
    match norm {
        WeightingNorm::Infinity => (-(d[0].max(d[1]).max(d[2])).powi(2)).exp(),
        WeightingNorm::Euclidean => (-(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])).exp(),
        WeightingNorm::Manhattan => (-(d[0] + d[1] + d[2]).powi(2)).exp(),
        WeightingNorm::NoWeighting => 1.0,
    }
}

fn level_values(d: &Discretised) -> Vec<f64> {
    d.gray_levels.iter().map(|&g| f64::from(g)).collect()
}

/// PyRadiomics GLCM: per-direction matrices (empty directions dropped), symmetrised, weighted and
/// merged when `weightingNorm` is set, normalised, features averaged over directions.
pub fn pyradiomics_glcm(d: &Discretised, s: &Settings) -> Result<Vec<f64>> {
    let n = d.gray_levels.len() as u64;
    let dirs = matrices::directions(&s.distances, s.force_2d);
    let cells = n * n * dirs.len() as u64;
    if cells > s.max_matrix_cells.saturating_mul(16) {
        return Err(TextureError::MatrixTooLarge {
            what: "the GLCM".into(),
            elements: cells,
            levels: n,
            limit: s.max_matrix_cells,
            bin_width: s.bin_width,
        });
    }
    let mats = glcm_matrices(d, &dirs, s.symmetrical_glcm);
    let mats = merge_directions(mats, &dirs, d.spacing, s.weighting_norm);
    let values = level_values(d);
    let rows: Vec<Vec<f64>> = mats
        .into_par_iter()
        .map(|mut m| {
            let total: f64 = m.iter().sum();
            m.iter_mut().for_each(|v| *v /= total);
            texture::glcm_features(&m, &values, d.ng, EPS)
        })
        .collect();
    Ok(texture::average(&rows, texture::GLCM_COUNT))
}

/// Per-direction co-occurrence counts (symmetrised when asked), directions without any pair
/// removed.
pub fn glcm_matrices(d: &Discretised, dirs: &[Offset], symmetric: bool) -> Vec<(usize, Vec<f64>)> {
    let rank = d.rank_of_level();
    let n = d.gray_levels.len();
    let nz = d.dims[0];
    dirs.par_iter()
        .enumerate()
        .map(|(k, &o)| {
            let mut m = matrices::glcm_counts(d, &rank, o, 0..nz);
            if symmetric {
                matrices::symmetrise(&mut m, n);
            }
            (k, m)
        })
        .filter(|(_, m)| m.iter().any(|&v| v > 0.0))
        .collect()
}

/// Applies PyRadiomics' `weightingNorm`: without it the matrices stay per direction; with it
/// they are weighted and summed into one.
fn merge_directions(
    mats: Vec<(usize, Vec<f64>)>,
    dirs: &[Offset],
    spacing: [f64; 3],
    norm: Option<WeightingNorm>,
) -> Vec<Vec<f64>> {
    match norm {
        None => mats.into_iter().map(|(_, m)| m).collect(),
        Some(norm) => {
            let Some(len) = mats.first().map(|(_, m)| m.len()) else {
                return Vec::new();
            };
            let mut sum = vec![0.0; len];
            for (k, m) in &mats {
                let w = direction_weight(norm, dirs[*k], spacing);
                for (a, b) in sum.iter_mut().zip(m) {
                    *a += w * b;
                }
            }
            vec![sum]
        }
    }
}

/// PyRadiomics GLRLM: run-length matrix per direction (distance 1), features averaged over
/// directions, or one weighted merged matrix with `weightingNorm`.
pub fn pyradiomics_glrlm(d: &Discretised, s: &Settings) -> Vec<f64> {
    let rank = d.rank_of_level();
    let dirs = matrices::directions(&[1], s.force_2d);
    let nz = d.dims[0];
    let mats: Vec<(usize, (Vec<f64>, usize))> = dirs
        .par_iter()
        .enumerate()
        .map(|(k, &o)| (k, matrices::glrlm_counts(d, &rank, o, 0..nz)))
        .filter(|(_, (m, _))| m.iter().any(|&v| v > 0.0))
        .collect();
    let max_run = mats.first().map(|(_, (_, r))| *r).unwrap_or(1);
    let mats =
        merge_directions(mats.into_iter().map(|(k, (m, _))| (k, m)).collect(), &dirs, d.spacing, s.weighting_norm);
    let values = level_values(d);
    let cols: Vec<f64> = (1..=max_run).map(|j| j as f64).collect();
    let rows: Vec<Vec<f64>> = mats
        .iter()
        .map(|m| {
            let f = texture::zone_features(m, &values, &cols, None, EPS);
            glrlm_order(&f)
        })
        .collect();
    texture::average(&rows, 16)
}

/// Reorders [`texture::zone_features`] output to [`names::GLRLM`] / [`names::GLSZM`] order.
fn glrlm_order(f: &[f64]) -> Vec<f64> {
    // GLNU, GLNUN, GLV, HGRE, LRE, LRHGE, LRLGE, LGRE, entropy, RLNU, RLNUN, RP, RV, SRE, SRHGE, SRLGE
    [8, 9, 13, 3, 1, 7, 6, 2, 15, 10, 11, 12, 14, 0, 5, 4].iter().map(|&k| f[k]).collect()
}

/// PyRadiomics GLSZM: one size-zone matrix of 26-connected (8 in-plane with force2D) zones;
/// ZonePercentage uses the number of ROI voxels.
pub fn pyradiomics_glszm(d: &Discretised, in_plane: bool) -> Vec<f64> {
    let rank = d.rank_of_level();
    let zones = matrices::zones(d, &rank, 0..d.dims[0], in_plane, false);
    let n = d.gray_levels.len();
    let max_size = zones.iter().map(|z| z.1).max().unwrap_or(1);
    let mut m = vec![0.0; n * max_size];
    for (r, size, _) in &zones {
        m[*r as usize * max_size + size - 1] += 1.0;
    }
    let cols: Vec<f64> = (1..=max_size).map(|j| j as f64).collect();
    let f = texture::zone_features(&m, &level_values(d), &cols, Some(d.count() as f64), EPS);
    // GLNU, GLNUN, GLV, HGZE, LAE, LAHGLE, LALGLE, LGZE, SZNU, SZNUN, SAE, SAHGLE, SALGLE,
    // ZoneEntropy, ZonePercentage, ZoneVariance
    [8, 9, 13, 3, 1, 7, 6, 2, 10, 11, 0, 5, 4, 15, 12, 14].iter().map(|&k| f[k]).collect()
}

/// PyRadiomics GLDM: dependence = number of neighbours (Chebyshev distances `distances`, both
/// signs) in the ROI with `|level difference| <= gldm_a`; column `j` = dependence + 1.
pub fn pyradiomics_gldm(d: &Discretised, s: &Settings) -> Vec<f64> {
    let rank = d.rank_of_level();
    let offsets = matrices::neighbourhood(&s.distances, s.force_2d);
    let stats = matrices::neighbour_stats(d, &rank, &offsets, 0..d.dims[0], s.gldm_a);
    let n = d.gray_levels.len();
    let m_cols = offsets.len() + 1;
    let mut m = vec![0.0; n * m_cols];
    for (r, _, dep, _) in &stats {
        m[*r as usize * m_cols + *dep as usize] += 1.0;
    }
    let cols: Vec<f64> = (1..=m_cols).map(|j| j as f64).collect();
    let f = texture::zone_features(&m, &level_values(d), &cols, None, EPS);
    // DependenceEntropy, DNU, DNUN, DV, GLNU, GLV, HGLE, LDE, LDHGLE, LDLGLE, LGLE, SDE, SDHGLE, SDLGLE
    [15, 10, 11, 14, 8, 13, 3, 1, 7, 6, 2, 0, 5, 4].iter().map(|&k| f[k]).collect()
}

/// PyRadiomics NGTDM: for each ROI voxel with at least one neighbour in the ROI,
/// `s_i += |i - mean of neighbour levels|`.
pub fn pyradiomics_ngtdm(d: &Discretised, s: &Settings) -> Vec<f64> {
    let (n_i, s_i, v) = ngtdm_vectors(d, &s.distances, s.force_2d, 0..d.dims[0]);
    texture::ngtdm_features(&n_i, &s_i, &v)
}

/// NGTDM columns `(n_i, s_i, v_i)` over the levels that have at least one counted voxel.
pub fn ngtdm_vectors(
    d: &Discretised,
    distances: &[usize],
    in_plane: bool,
    z_range: std::ops::Range<usize>,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let rank = d.rank_of_level();
    let offsets = matrices::neighbourhood(distances, in_plane);
    let stats = matrices::neighbour_stats(d, &rank, &offsets, z_range, 0.0);
    let n = d.gray_levels.len();
    let mut n_i = vec![0.0; n];
    let mut s_i = vec![0.0; n];
    for (r, count, _, sum) in &stats {
        if *count > 0 {
            let level = f64::from(d.gray_levels[*r as usize]);
            n_i[*r as usize] += 1.0;
            s_i[*r as usize] += (level - sum / f64::from(*count)).abs();
        }
    }
    let keep: Vec<usize> = (0..n).filter(|&k| n_i[k] > 0.0).collect();
    (
        keep.iter().map(|&k| n_i[k]).collect(),
        keep.iter().map(|&k| s_i[k]).collect(),
        keep.iter().map(|&k| f64::from(d.gray_levels[k])).collect(),
    )
}
