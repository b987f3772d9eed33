//! The preprocessing pipeline of one patient: N4, skull stripping, resampling, registration to
//! T1C and intensity normalisation, each step switchable, with per-step timings.
//!
//! # Order and spaces
//!
//! 1. **N4** on each modality, with the Otsu head mask of that modality (background excluded).
//! 2. **Skull stripping** on the (corrected) T1C, or the user's brain mask, which must lie on
//!    the T1C grid.
//! 3. **Resampling**: the output grid is the T1C grid at the target spacing
//!    ([`Grid::with_spacing`], origin kept). T1C is resampled onto it.
//! 4. **Registration**: T1, T2 and FLAIR are registered rigidly onto the T1C at native
//!    resolution, then resampled through the transform onto the output grid in one
//!    interpolation. Without registration they are resampled by physical position only.
//!    The label map (on any grid in the same physical space) is resampled by nearest neighbour.
//! 5. **Brain masking and normalisation**: voxels outside the brain mask are set to 0, and the
//!    brain voxels are normalised ([`Normalization`]).

use std::time::Instant;

use radiomics_volume::{LabelMap, Mask, Volume};

use crate::histogram::NyulModel;
use crate::n4::{N4Params, n4_bias_correction};
use crate::registration::{Registration, RegistrationParams, register_rigid};
use crate::resample::{Alignment, Grid, Interpolator, resample_labels, resample_nearest, resample_transformed};
use crate::skull_strip::{SkullStripParams, check_brain_mask, otsu_threshold, skull_strip};
use crate::transform::Euler3D;
use crate::{PreprocError, Result};

/// The four MRI modalities of the method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modality {
    /// T1-weighted.
    T1,
    /// T1-weighted after gadolinium (the registration target).
    T1c,
    /// T2-weighted.
    T2,
    /// T2 FLAIR.
    Flair,
}

impl Modality {
    /// All modalities in the method's order.
    pub const ALL: [Modality; 4] = [Modality::T1, Modality::T1c, Modality::T2, Modality::Flair];

    /// Lower-case name used in file names (`t1`, `t1c`, `t2`, `flair`).
    pub fn name(self) -> &'static str {
        match self {
            Modality::T1 => "t1",
            Modality::T1c => "t1c",
            Modality::T2 => "t2",
            Modality::Flair => "flair",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Intensity normalisation of the last step.
#[derive(Debug, Clone, Default)]
pub enum Normalization {
    /// Leave intensities as they are.
    None,
    /// `(v - mean) / sd` over the brain voxels (the usual choice for BraTS-style inputs).
    #[default]
    ZScore,
    /// Nyul-Udupa standardisation with one trained model per modality (order of
    /// [`Modality::ALL`]), landmarks taken within the brain mask.
    Nyul(Box<[NyulModel; 4]>),
}

/// Switches and parameters of the pipeline; a `None` step is skipped.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// N4 parameters, or `None` to skip bias correction.
    pub n4: Option<N4Params>,
    /// Skull-stripping parameters, or `None` to skip (no masking unless a brain mask is given).
    pub skull_strip: Option<SkullStripParams>,
    /// Target spacing in mm `(x, y, z)`, or `None` to keep the T1C grid.
    pub spacing: Option<[f64; 3]>,
    /// Interpolation of the intensity images (label maps always use nearest neighbour).
    pub interpolator: Interpolator,
    /// Registration parameters, or `None` to skip registration.
    pub registration: Option<RegistrationParams>,
    /// Normalisation of the brain voxels.
    pub normalization: Normalization,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            n4: Some(N4Params::default()),
            skull_strip: Some(SkullStripParams::default()),
            spacing: Some([1.0, 1.0, 1.0]),
            interpolator: Interpolator::Linear,
            registration: Some(RegistrationParams::default()),
            normalization: Normalization::ZScore,
        }
    }
}

/// The inputs of one patient.
#[derive(Debug, Clone)]
pub struct PatientImages {
    /// The four modalities in the order of [`Modality::ALL`].
    pub images: [Volume<f32>; 4],
    /// Tumour label map, optional.
    pub labels: Option<LabelMap>,
    /// User-supplied brain mask on the T1C grid, optional (replaces skull stripping).
    pub brain_mask: Option<Mask>,
}

/// Wall time of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepTiming {
    /// Step name, e.g. `"n4 t2"`.
    pub step: String,
    /// Seconds.
    pub seconds: f64,
}

/// Outputs of [`run_pipeline`].
#[derive(Debug, Clone)]
pub struct PipelineOutput {
    /// The four preprocessed modalities on the output grid, in the order of [`Modality::ALL`].
    pub images: [Volume<f32>; 4],
    /// The label map on the output grid.
    pub labels: Option<LabelMap>,
    /// The brain mask on the output grid (all voxels when no stripping was done).
    pub brain_mask: Mask,
    /// Fixed (T1C) to moving transforms of T1, T2 and FLAIR (identity for T1C).
    pub transforms: [Euler3D; 4],
    /// Registration reports of T1, T2 and FLAIR.
    pub registrations: Vec<(Modality, Registration)>,
    /// Per-step timings.
    pub timings: Vec<StepTiming>,
}

fn timed<T>(timings: &mut Vec<StepTiming>, step: String, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let start = Instant::now();
    let out = f()?;
    let seconds = start.elapsed().as_secs_f64();
    tracing::info!("{step}: {seconds:.2} s");
    timings.push(StepTiming { step, seconds });
    Ok(out)
}

/// Head mask by Otsu's threshold (used as the N4 mask).
fn head_mask(image: &Volume<f32>) -> Mask {
    let values: Vec<f32> = image.array().iter().copied().collect();
    let t = otsu_threshold(&values);
    Mask(image.map(|&v| v as f64 > t))
}

/// Runs the pipeline (see the module docs).
///
/// # Errors
/// Any step's error, with the modality named in the message for registration and N4 failures.
pub fn run_pipeline(patient: PatientImages, config: &PipelineConfig) -> Result<PipelineOutput> {
    let mut timings = Vec::new();
    let t1c_index = Modality::T1c.index();
    let [a, b, c, d] = patient.images;
    let mut images = [a, b, c, d];

    // 1. N4.
    if let Some(params) = &config.n4 {
        for m in Modality::ALL {
            let image = &images[m.index()];
            let mask = head_mask(image);
            let out = timed(&mut timings, format!("n4 {}", m.name()), || {
                n4_bias_correction(image, Some(&mask), params).map_err(|e| annotate(e, m, "N4"))
            })?;
            images[m.index()] = out.corrected;
        }
    }

    // 2. Brain mask on the T1C grid.
    let brain = match (&patient.brain_mask, &config.skull_strip) {
        (Some(mask), _) => {
            check_brain_mask(&images[t1c_index], mask, "user brain mask and T1C")?;
            Some(mask.clone())
        }
        (None, Some(params)) => {
            Some(timed(&mut timings, "skull strip t1c".into(), || skull_strip(&images[t1c_index], params))?)
        }
        (None, None) => None,
    };

    // 3. Output grid.
    let t1c_grid = Grid::of(&images[t1c_index]);
    let grid = match config.spacing {
        Some(spacing) => Grid::with_spacing(&t1c_grid, spacing, Alignment::Origin)?,
        None => t1c_grid,
    };

    // 4. Registration and resampling.
    let mut transforms = [Euler3D::identity_about(t1c_grid.center()); 4];
    let mut registrations = Vec::new();
    if let Some(params) = &config.registration {
        for m in [Modality::T1, Modality::T2, Modality::Flair] {
            let r = timed(&mut timings, format!("register {} to t1c", m.name()), || {
                register_rigid(&images[t1c_index], &images[m.index()], params)
                    .map_err(|e| annotate(e, m, "registration"))
            })?;
            transforms[m.index()] = r.transform;
            registrations.push((m, r));
        }
    }
    let mut resampled = Vec::with_capacity(4);
    for m in Modality::ALL {
        let transform = (m != Modality::T1c && config.registration.is_some()).then_some(&transforms[m.index()]);
        let out = timed(&mut timings, format!("resample {}", m.name()), || {
            resample_transformed(&images[m.index()], &grid, transform, config.interpolator, 0.0)
        })?;
        resampled.push(out);
    }
    let labels = match &patient.labels {
        Some(l) => Some(timed(&mut timings, "resample labels".into(), || resample_labels(l, &grid, None))?),
        None => None,
    };
    let brain_mask = match &brain {
        Some(mask) => Mask(resample_nearest(mask.volume(), &grid, None, false)?),
        None => Mask(Volume::new(
            ndarray::Array3::from_elem((grid.size[2], grid.size[1], grid.size[0]), true),
            grid.geometry,
        )?),
    };
    if brain_mask.count() == 0 {
        return Err(PreprocError::EmptyMask {
            what: "brain mask on the output grid".into(),
            detail: "no voxel left after resampling".into(),
        });
    }

    // 5. Masking and normalisation.
    let mut images: Vec<Volume<f32>> = resampled;
    timed(&mut timings, "normalise".into(), || {
        for (m, image) in Modality::ALL.iter().zip(images.iter_mut()) {
            if brain.is_some() {
                for (v, &inside) in image.data_mut().iter_mut().zip(brain_mask.volume().array().iter()) {
                    if !inside {
                        *v = 0.0;
                    }
                }
            }
            match &config.normalization {
                Normalization::None => {}
                Normalization::ZScore => z_score(image, &brain_mask, *m)?,
                Normalization::Nyul(models) => {
                    let mut out = models[m.index()].apply(image, Some(&brain_mask))?;
                    for (v, &inside) in out.data_mut().iter_mut().zip(brain_mask.volume().array().iter()) {
                        if !inside {
                            *v = 0.0;
                        }
                    }
                    *image = out;
                }
            }
        }
        Ok(())
    })?;
    let images: [Volume<f32>; 4] = images.try_into().expect("four modalities");
    let total: f64 = timings.iter().map(|t| t.seconds).sum();
    tracing::info!("pipeline total: {total:.2} s");
    Ok(PipelineOutput { images, labels, brain_mask, transforms, registrations, timings })
}

/// Z-score normalisation over the brain voxels; voxels outside stay 0.
fn z_score(image: &mut Volume<f32>, mask: &Mask, modality: Modality) -> Result<()> {
    let values: Vec<f64> =
        image.array().iter().zip(mask.volume().array().iter()).filter(|(_, m)| **m).map(|(v, _)| *v as f64).collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
    if sd.is_nan() || sd <= 0.0 {
        return Err(PreprocError::ConstantImage {
            what: format!("{} inside the brain mask", modality.name()),
            value: mean,
            count: values.len(),
            hint: "z-score normalisation needs intensity variation; check the registration and the mask",
        });
    }
    for (v, &inside) in image.data_mut().iter_mut().zip(mask.volume().array().iter()) {
        *v = if inside { ((*v as f64 - mean) / sd) as f32 } else { 0.0 };
    }
    Ok(())
}

/// Prefixes the modality and step to errors whose message does not name the image.
fn annotate(error: PreprocError, modality: Modality, step: &str) -> PreprocError {
    match error {
        PreprocError::ExtentMismatch { what, detail } => {
            PreprocError::ExtentMismatch { what: format!("{step} of {}: {what}", modality.name()), detail }
        }
        PreprocError::EmptyMask { what, detail } => {
            PreprocError::EmptyMask { what: format!("{step} of {}: {what}", modality.name()), detail }
        }
        PreprocError::ConstantImage { what, value, count, hint } => {
            PreprocError::ConstantImage { what: format!("{step} of {}: {what}", modality.name()), value, count, hint }
        }
        other => {
            tracing::error!("{step} of {} failed", modality.name());
            other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;
    use radiomics_volume::Geometry;

    fn head(shift: f64) -> Volume<f32> {
        let data = Array3::from_shape_fn((16, 40, 40), |(k, j, i)| {
            let p = [(i as f64 - 20.0 - shift) * 3.0, (j as f64 - 20.0) * 3.0, (k as f64 - 8.0) * 5.0];
            let r = ((p[0] / 45.0).powi(2) + (p[1] / 52.0).powi(2) + (p[2] / 35.0).powi(2)).sqrt();
            let inner = (((p[0] - 10.0) / 12.0).powi(2) + (p[1] / 10.0).powi(2) + (p[2] / 10.0).powi(2)).sqrt();
            let v = if inner < 1.0 {
                700.0
            } else if r < 0.8 {
                400.0 + p[0]
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
    fn pipeline_runs_all_steps() {
        let images = [head(0.0), head(0.0), head(1.0), head(-1.0)];
        let labels = LabelMap(images[1].map(|&v| u32::from(v > 600.0)));
        let config = PipelineConfig {
            n4: Some(N4Params { shrink_factor: 2, max_iterations: vec![5, 5], ..Default::default() }),
            skull_strip: Some(SkullStripParams { erosion_mm: 7.0, ..Default::default() }),
            spacing: Some([2.0, 2.0, 2.0]),
            registration: Some(RegistrationParams {
                shrink_factors: vec![2, 1],
                smoothing_sigmas_mm: vec![3.0, 1.0],
                ..Default::default()
            }),
            ..Default::default()
        };
        let out = run_pipeline(PatientImages { images, labels: Some(labels), brain_mask: None }, &config).unwrap();
        assert_eq!(out.images[0].size(), [60, 60, 40]);
        assert!(out.labels.as_ref().unwrap().count(1) > 0);
        assert_eq!(out.registrations.len(), 3);
        for step in ["n4 t1", "skull strip t1c", "register t2 to t1c", "resample flair", "normalise"] {
            assert!(out.timings.iter().any(|t| t.step == step), "missing timing {step}");
        }
        // T2 was shifted by +1 voxel (3 mm) along x: the transform recovers about 3 mm.
        let tx = out.transforms[Modality::T2.index()].translation[0];
        assert!((tx - 3.0).abs() < 1.0, "T2 translation {tx}");
    }

    #[test]
    fn user_mask_on_other_grid_rejected() {
        let images = [head(0.0), head(0.0), head(0.0), head(0.0)];
        let mask = Mask(Volume::new(Array3::from_elem((2, 2, 2), true), Geometry::default()).unwrap());
        let config = PipelineConfig { n4: None, registration: None, ..Default::default() };
        let err = run_pipeline(PatientImages { images, labels: None, brain_mask: Some(mask) }, &config).unwrap_err();
        assert!(err.to_string().contains("user brain mask"), "{err}");
    }
}
