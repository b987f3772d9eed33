//! Synthetic brain-tumour MRI for demos and tests.
//!
//! [`synthesize_patient`] draws a skull-stripped, co-registered brain (as after preprocessing)
//! with a tumour made of the three BraTS sub-regions, in four modalities:
//!
//! | label | tissue | T1 | T1C | T2 | FLAIR |
//! |---|---|---|---|---|---|
//! | - | white matter | 800 | 820 | 350 | 400 |
//! | - | grey matter | 550 | 570 | 550 | 550 |
//! | - | cerebrospinal fluid | 200 | 210 | 1300 | 150 |
//! | 1 | necrosis | 350 | 400 | 1250 | 700 |
//! | 4 | enhancing tumour | 650 | 1400 | 900 | 850 |
//! | 2 | oedema | 600 | 620 | 1100 | 1000 |
//!
//! The intensities are arbitrary units chosen so that each modality contrasts the sub-regions
//! as real scans do (enhancement bright on T1C, oedema bright on T2 and FLAIR). Inside the
//! tumour, a smooth random field multiplies the intensities by `1 + heterogeneity * field`, so
//! `heterogeneity` drives the texture features; Gaussian noise of standard deviation
//! `noise_sd` is added everywhere inside the brain.
//!
//! [`simulate_cohort`] draws a cohort whose survival depends on the tumour: the log hazard is
//! a planted linear function of the necrosis radius, the texture heterogeneity, age and KPS, so
//! a working radiomics pipeline must recover a signature from the images.

use ndarray::{Array3, Zip};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::{Geometry, LabelMap, Volume};

/// BraTS label of the necrotic / non-enhancing tumour core.
pub const LABEL_NECROSIS: u32 = 1;
/// BraTS label of the peritumoral oedema.
pub const LABEL_OEDEMA: u32 = 2;
/// BraTS label of the enhancing tumour.
pub const LABEL_ENHANCING: u32 = 4;

/// Parameters of one synthetic patient's images.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientSpec {
    /// Grid size `[x, y, z]` in voxels.
    pub size: [usize; 3],
    /// Voxel spacing `(x, y, z)` in mm.
    pub spacing: [f64; 3],
    /// Tumour centre as a fraction of the grid along `x`, `y`, `z` (0.5 = middle).
    pub tumour_centre: [f64; 3],
    /// Radius of the necrotic core in mm; 0 gives a tumour without necrosis.
    pub necrosis_radius_mm: f64,
    /// Thickness of the enhancing rim around the core in mm; 0 gives a non-enhancing tumour.
    pub enhancing_thickness_mm: f64,
    /// Thickness of the oedema around the enhancing rim in mm.
    pub oedema_thickness_mm: f64,
    /// Relative amplitude of the smooth intensity field inside the tumour (0 = homogeneous).
    pub heterogeneity: f64,
    /// Amplitude of the low-frequency bumps of the tumour surface, relative to its radius.
    pub irregularity: f64,
    /// Standard deviation of the additive Gaussian noise, in intensity units.
    pub noise_sd: f64,
    /// Seed of every random draw for this patient.
    pub seed: u64,
}

impl Default for PatientSpec {
    fn default() -> Self {
        Self {
            size: [96, 96, 64],
            spacing: [1.0, 1.0, 1.0],
            tumour_centre: [0.4, 0.45, 0.5],
            necrosis_radius_mm: 6.0,
            enhancing_thickness_mm: 4.0,
            oedema_thickness_mm: 7.0,
            heterogeneity: 0.2,
            irregularity: 0.15,
            noise_sd: 25.0,
            seed: 0,
        }
    }
}

/// The four modalities and the segmentation of one synthetic patient, on one grid.
#[derive(Debug, Clone)]
pub struct SyntheticPatient {
    /// T1-weighted image.
    pub t1: Volume<f32>,
    /// T1-weighted image after contrast (gadolinium).
    pub t1c: Volume<f32>,
    /// T2-weighted image.
    pub t2: Volume<f32>,
    /// FLAIR image.
    pub flair: Volume<f32>,
    /// BraTS labels: 1 necrosis, 2 oedema, 4 enhancing tumour, 0 elsewhere.
    pub segmentation: LabelMap,
}

/// Tissue classes, in the column order of the intensity table.
#[derive(Clone, Copy)]
enum Tissue {
    Background,
    WhiteMatter,
    GreyMatter,
    Csf,
    Necrosis,
    Enhancing,
    Oedema,
}

/// Mean intensity of each tissue in T1, T1C, T2 and FLAIR (see the module table).
fn tissue_intensity(tissue: Tissue) -> [f32; 4] {
    match tissue {
        Tissue::Background => [0.0; 4],
        Tissue::WhiteMatter => [800.0, 820.0, 350.0, 400.0],
        Tissue::GreyMatter => [550.0, 570.0, 550.0, 550.0],
        Tissue::Csf => [200.0, 210.0, 1300.0, 150.0],
        Tissue::Necrosis => [350.0, 400.0, 1250.0, 700.0],
        Tissue::Enhancing => [650.0, 1400.0, 900.0, 850.0],
        Tissue::Oedema => [600.0, 620.0, 1100.0, 1000.0],
    }
}

/// Draws one patient's four modalities and segmentation from `spec`.
///
/// The result is deterministic for a given `spec` (including its seed).
pub fn synthesize_patient(spec: &PatientSpec) -> SyntheticPatient {
    let [nx, ny, nz] = spec.size;
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let geometry = Geometry::with_spacing(spec.spacing);

    // Physical coordinates (mm) relative to the grid centre and to the tumour centre.
    let centre_mm = [0, 1, 2].map(|a| (spec.size[a] as f64 - 1.0) * 0.5 * spec.spacing[a]);
    let tumour_mm = [0, 1, 2].map(|a| spec.tumour_centre[a] * (spec.size[a] as f64 - 1.0) * spec.spacing[a]);
    let brain_semi_axes = [0, 1, 2].map(|a| 0.44 * spec.size[a] as f64 * spec.spacing[a]);

    // Low-frequency surface bumps: r(direction) = r0 * (1 + irregularity * bump(direction)).
    let phases: [f64; 4] = std::array::from_fn(|_| rng.random_range(0.0..std::f64::consts::TAU));
    let lobes = [rng.random_range(2..=4) as f64, rng.random_range(2..=3) as f64];
    let bump = |d: [f64; 3], norm: f64| -> f64 {
        if norm == 0.0 {
            return 0.0;
        }
        let theta = (d[2] / norm).clamp(-1.0, 1.0).acos();
        let phi = d[1].atan2(d[0]);
        0.6 * (lobes[0] * phi + phases[0]).sin() * (lobes[1] * theta + phases[1]).cos()
            + 0.4 * (2.0 * phi + phases[2]).cos() * (theta + phases[3]).sin()
    };

    let r_necrosis = spec.necrosis_radius_mm.max(0.0);
    let r_enhancing = r_necrosis + spec.enhancing_thickness_mm.max(0.0);
    let r_oedema = r_enhancing + spec.oedema_thickness_mm.max(0.0);

    let mut tissue = Array3::from_elem((nz, ny, nx), Tissue::Background);
    let mut labels = Array3::<u32>::zeros((nz, ny, nx));
    for ((z, y, x), cell) in tissue.indexed_iter_mut() {
        let p = [x as f64 * spec.spacing[0], y as f64 * spec.spacing[1], z as f64 * spec.spacing[2]];
        let b = [0, 1, 2].map(|a| (p[a] - centre_mm[a]) / brain_semi_axes[a]);
        let brain_radius = (b[0] * b[0] + b[1] * b[1] + b[2] * b[2]).sqrt();
        if brain_radius > 1.0 {
            continue;
        }
        // Two ventricles either side of the midline, cortex as the outer shell.
        let ventricle = [-0.18, 0.18].iter().any(|&offset| {
            let v = [(b[0] - offset) / 0.1, b[1] / 0.35, b[2] / 0.25];
            v[0] * v[0] + v[1] * v[1] + v[2] * v[2] <= 1.0
        });
        *cell = if ventricle {
            Tissue::Csf
        } else if brain_radius > 0.8 {
            Tissue::GreyMatter
        } else {
            Tissue::WhiteMatter
        };

        let d = [0, 1, 2].map(|a| p[a] - tumour_mm[a]);
        let norm = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        let scaled = norm / (1.0 + spec.irregularity * bump(d, norm));
        let label = if scaled < r_necrosis {
            LABEL_NECROSIS
        } else if scaled < r_enhancing {
            LABEL_ENHANCING
        } else if scaled < r_oedema {
            LABEL_OEDEMA
        } else {
            0
        };
        if label != 0 {
            labels[[z, y, x]] = label;
            *cell = match label {
                LABEL_NECROSIS => Tissue::Necrosis,
                LABEL_ENHANCING => Tissue::Enhancing,
                _ => Tissue::Oedema,
            };
        }
    }

    let field = smooth_noise(&mut rng, (nz, ny, nx), 2, 3);
    let noise = Normal::new(0.0, spec.noise_sd.max(0.0)).expect("standard deviation is finite and >= 0");
    let modalities: [Array3<f32>; 4] = std::array::from_fn(|m| {
        let mut image = Array3::<f32>::zeros((nz, ny, nx));
        Zip::from(&mut image).and(&tissue).and(&labels).and(&field).for_each(|v, &t, &l, &f| {
            let base = tissue_intensity(t)[m];
            if base == 0.0 {
                return;
            }
            let texture = if l != 0 { 1.0 + spec.heterogeneity * f } else { 1.0 + 0.03 * f };
            *v = (base as f64 * texture) as f32;
        });
        for v in image.iter_mut().filter(|v| **v != 0.0) {
            *v = (*v as f64 + noise.sample(&mut rng)).max(1.0) as f32;
        }
        image
    });
    let [t1, t1c, t2, flair] = modalities.map(|data| Volume::new(data, geometry).expect("non-empty grid"));
    SyntheticPatient {
        t1,
        t1c,
        t2,
        flair,
        segmentation: LabelMap(Volume::new(labels, geometry).expect("non-empty grid")),
    }
}

/// White Gaussian noise blurred by `passes` box filters of half-width `radius`, rescaled to
/// unit standard deviation.
fn smooth_noise(rng: &mut ChaCha8Rng, shape: (usize, usize, usize), radius: usize, passes: usize) -> Array3<f64> {
    let normal = Normal::new(0.0, 1.0).expect("unit normal");
    let mut field = Array3::from_shape_simple_fn(shape, || normal.sample(rng));
    for _ in 0..passes {
        for axis in 0..3 {
            let mut out = field.clone();
            for mut lane in out.lanes_mut(ndarray::Axis(axis)) {
                let len = lane.len();
                let input: Vec<f64> = lane.to_vec();
                for i in 0..len {
                    let lo = i.saturating_sub(radius);
                    let hi = (i + radius).min(len - 1);
                    lane[i] = input[lo..=hi].iter().sum::<f64>() / (hi - lo + 1) as f64;
                }
            }
            field = out;
        }
    }
    let n = field.len() as f64;
    let mean = field.sum() / n;
    let sd = (field.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
    field.mapv_inplace(|v| if sd > 0.0 { (v - mean) / sd } else { 0.0 });
    field
}

/// A second segmentation of the same tumour, as a second rater would draw it: each voxel on a
/// boundary between two labels takes its neighbour's label with probability `flip_probability`.
///
/// Used for the ICC robustness step, which compares features over repeat segmentations.
pub fn perturb_segmentation(segmentation: &LabelMap, flip_probability: f64, seed: u64) -> LabelMap {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let labels = segmentation.0.array();
    let (nz, ny, nx) = labels.dim();
    let mut out = labels.clone();
    let offsets: [(isize, isize, isize); 6] = [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)];
    for ((z, y, x), &label) in labels.indexed_iter() {
        let (dz, dy, dx) = offsets[rng.random_range(0..offsets.len())];
        let (zz, yy, xx) = (z as isize + dz, y as isize + dy, x as isize + dx);
        if zz < 0 || yy < 0 || xx < 0 || zz >= nz as isize || yy >= ny as isize || xx >= nx as isize {
            continue;
        }
        let neighbour = labels[[zz as usize, yy as usize, xx as usize]];
        if neighbour != label && rng.random_bool(flip_probability.clamp(0.0, 1.0)) {
            out[[z, y, x]] = neighbour;
        }
    }
    LabelMap(Volume::new(out, *segmentation.0.geometry()).expect("same grid as the input"))
}

/// Parameters of a synthetic cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortSpec {
    /// Number of patients in the discovery cohort.
    pub discovery: usize,
    /// Number of patients in the validation cohort.
    pub validation: usize,
    /// Grid size `[x, y, z]` of every patient's images.
    pub size: [usize; 3],
    /// Voxel spacing in mm.
    pub spacing: [f64; 3],
    /// Share of patients whose tumour has no enhancing rim (common in lower-grade gliomas).
    pub non_enhancing_share: f64,
    /// Median survival in days of a patient with average covariates.
    pub median_survival_days: f64,
    /// Administrative censoring: follow-up ends uniformly between these two times (days).
    pub follow_up_days: (f64, f64),
    /// Seed of every random draw.
    pub seed: u64,
}

impl Default for CohortSpec {
    fn default() -> Self {
        Self {
            discovery: 60,
            validation: 40,
            size: [80, 80, 56],
            spacing: [1.0, 1.0, 1.0],
            non_enhancing_share: 0.1,
            median_survival_days: 450.0,
            follow_up_days: (500.0, 1800.0),
            seed: 2024,
        }
    }
}

/// One synthetic patient's clinical and survival record, with the spec of their images.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortMember {
    /// Patient identifier, e.g. `SYN-007`.
    pub id: String,
    /// `"discovery"` or `"validation"`.
    pub cohort: &'static str,
    /// Age at diagnosis in years.
    pub age: f64,
    /// Karnofsky performance status (40 to 100, steps of 10).
    pub kps: f64,
    /// The planted log hazard (higher = higher risk), for checking what a model recovers.
    pub true_log_hazard: f64,
    /// Observed time in days (death or censoring).
    pub time: f64,
    /// 1 if death was observed, 0 if censored.
    pub event: u8,
    /// Parameters of this patient's images.
    pub images: PatientSpec,
}

/// Draws a cohort with a planted survival signal.
///
/// For patient `i` with standardised necrosis radius `n_i` and heterogeneity `h_i`:
/// `log hazard = 0.8 n_i + 0.6 h_i + 0.03 (age - 55) - 0.02 (KPS - 80)`.
/// Death times are exponential with that hazard, scaled so that the median survival at zero log
/// hazard is `median_survival_days`; censoring times are uniform over `follow_up_days`.
pub fn simulate_cohort(spec: &CohortSpec) -> Vec<CohortMember> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let total = spec.discovery + spec.validation;
    let normal = Normal::<f64>::new(0.0, 1.0).expect("unit normal");
    let base_rate = std::f64::consts::LN_2 / spec.median_survival_days;
    (0..total)
        .map(|i| {
            let n = normal.sample(&mut rng).clamp(-2.0, 2.0);
            let h = normal.sample(&mut rng).clamp(-2.0, 2.0);
            let age = (55.0 + 11.0 * normal.sample(&mut rng)).clamp(20.0, 85.0).round();
            let kps = (80.0 + 10.0 * normal.sample(&mut rng)).clamp(40.0, 100.0);
            let kps = (kps / 10.0).round() * 10.0;
            let log_hazard = 0.8 * n + 0.6 * h + 0.03 * (age - 55.0) - 0.02 * (kps - 80.0);
            let death = -(1.0 - rng.random::<f64>()).ln() / (base_rate * log_hazard.exp());
            let censor = rng.random_range(spec.follow_up_days.0..=spec.follow_up_days.1);
            let non_enhancing = rng.random_bool(spec.non_enhancing_share.clamp(0.0, 1.0));
            let images = PatientSpec {
                size: spec.size,
                spacing: spec.spacing,
                tumour_centre: [rng.random_range(0.35..0.65), rng.random_range(0.35..0.65), rng.random_range(0.4..0.6)],
                necrosis_radius_mm: (5.0 + 2.0 * n).max(1.5),
                enhancing_thickness_mm: if non_enhancing { 0.0 } else { rng.random_range(2.5..4.5) },
                oedema_thickness_mm: rng.random_range(4.0..8.0),
                heterogeneity: (0.2 + 0.08 * h).max(0.02),
                irregularity: rng.random_range(0.05..0.25),
                noise_sd: 20.0,
                seed: spec.seed.wrapping_mul(1_000_003).wrapping_add(i as u64),
            };
            CohortMember {
                id: format!("SYN-{:03}", i + 1),
                cohort: if i < spec.discovery { "discovery" } else { "validation" },
                age,
                kps,
                true_log_hazard: log_hazard,
                time: death.min(censor).max(1.0).round(),
                event: u8::from(death <= censor),
                images,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> PatientSpec {
        PatientSpec { size: [40, 40, 30], tumour_centre: [0.5, 0.5, 0.5], ..PatientSpec::default() }
    }

    #[test]
    fn patient_has_three_subregions() {
        let p = synthesize_patient(&small());
        let seg = &p.segmentation;
        assert_eq!(seg.labels(), vec![1, 2, 4]);
        assert!(seg.count(LABEL_NECROSIS) > 100);
        assert!(p.t1c.geometry() == seg.0.geometry());
        // Enhancement is bright on T1C relative to necrosis.
        let mean = |labels: &[u32]| {
            let mask = seg.mask(labels);
            let sum: f64 = Zip::from(p.t1c.array())
                .and(mask.0.array())
                .fold(0.0, |acc, &v, &m| if m { acc + v as f64 } else { acc });
            sum / mask.count() as f64
        };
        assert!(mean(&[LABEL_ENHANCING]) > 2.0 * mean(&[LABEL_NECROSIS]));
    }

    #[test]
    fn patient_is_deterministic() {
        let a = synthesize_patient(&small());
        let b = synthesize_patient(&small());
        assert_eq!(a.flair, b.flair);
        let c = synthesize_patient(&PatientSpec { seed: 1, ..small() });
        assert_ne!(a.flair, c.flair);
    }

    #[test]
    fn no_enhancing_rim_when_thickness_zero() {
        let p = synthesize_patient(&PatientSpec { enhancing_thickness_mm: 0.0, ..small() });
        assert_eq!(p.segmentation.count(LABEL_ENHANCING), 0);
    }

    #[test]
    fn perturbation_changes_only_boundaries() {
        let p = synthesize_patient(&small());
        let q = perturb_segmentation(&p.segmentation, 0.5, 7);
        let changed =
            Zip::from(p.segmentation.0.array()).and(q.0.array()).fold(0usize, |acc, a, b| acc + usize::from(a != b));
        let tumour = p.segmentation.mask(&[1, 2, 4]).count();
        assert!(changed > 0 && changed < tumour / 2, "changed {changed} of {tumour}");
    }

    #[test]
    fn cohort_risk_shortens_survival() {
        let cohort = simulate_cohort(&CohortSpec { discovery: 300, validation: 100, ..CohortSpec::default() });
        assert_eq!(cohort.len(), 400);
        assert_eq!(cohort.iter().filter(|m| m.cohort == "validation").count(), 100);
        let events = cohort.iter().filter(|m| m.event == 1).count();
        assert!(events > 150 && events < 400, "events {events}");
        // Patients with above-median planted risk die earlier on average.
        let mut sorted: Vec<_> = cohort.iter().collect();
        sorted.sort_by(|a, b| a.true_log_hazard.total_cmp(&b.true_log_hazard));
        let mean_time = |s: &[&CohortMember]| s.iter().map(|m| m.time).sum::<f64>() / s.len() as f64;
        assert!(mean_time(&sorted[..200]) > 1.5 * mean_time(&sorted[200..]));
    }
}
