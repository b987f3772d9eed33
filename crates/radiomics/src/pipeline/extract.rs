//! The extraction stage: per patient, handcrafted features over five sub-regions and four
//! modalities plus deep features, written as one wide CSV row per patient (and per repeat
//! segmentation), then merged into `OUT/features.csv`.
//!
//! Feature names: handcrafted `<MODALITY>_<REGION>_<PyRadiomics name>` (e.g.
//! `T1C_ET_original_glcm_Contrast`), shape features once per region as
//! `<REGION>_<PyRadiomics name>` (e.g. `WT_original_shape_MeshVolume`), deep features as the
//! deepfeat crate names them (e.g. `T1C_SNE_F7_1508`). Regions: `NEC` necrosis, `ET` enhancing
//! tumour, `ED` oedema, `TC` tumour core (necrosis + enhancing), `WT` whole tumour (all three).
//!
//! Missing-value rule: a region without voxels (or too small for the texture settings) gives
//! its features as missing values (empty cells) with a warning; the patient does not fail.
//! A patient fails (and is listed in `failures.csv`) when a file is missing or unreadable or
//! the images and segmentation are not on the same grid.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use radiomics_volume::io::{read_label_map, read_volume};
use radiomics_volume::{LabelMap, Volume};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::config::{Config, FeatureSection, LabelSection};
use super::failures::FailureLog;
use super::layout::Layout;
use super::manifest::{ImagePaths, MODALITIES, Manifest, Patient};
use super::provenance::{Meta, StageTiming, write_csv_meta};
use super::table::{ClinicalTable, FeatureTable};

/// Tolerance in mm (and for direction cosines) when checking that images share the
/// segmentation's grid; a larger difference fails the patient.
pub const GRID_TOLERANCE: f64 = 1e-3;

/// One tumour sub-region: its code in feature names and its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// `NEC`, `ET`, `ED`, `TC` or `WT`.
    pub code: &'static str,
    /// Label values whose union is the region.
    pub labels: Vec<u32>,
}

/// The five regions of a label scheme.
pub fn regions(labels: &LabelSection) -> Vec<Region> {
    let core: Vec<u32> = labels.necrosis.iter().chain(&labels.enhancing).copied().collect();
    let whole: Vec<u32> = core.iter().chain(&labels.oedema).copied().collect();
    vec![
        Region { code: "NEC", labels: labels.necrosis.clone() },
        Region { code: "ET", labels: labels.enhancing.clone() },
        Region { code: "ED", labels: labels.oedema.clone() },
        Region { code: "TC", labels: core },
        Region { code: "WT", labels: whole },
    ]
}

/// The settings that determine the per-patient feature files; stored in
/// `OUT/features/settings.json` so that a resumed run re-extracts when they change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractionRecord {
    /// Crate version.
    pub version: String,
    /// Label scheme.
    pub labels: LabelSection,
    /// Feature settings.
    pub features: FeatureSection,
    /// Content of the PyRadiomics params file (empty when none), so an edited file counts as a
    /// change.
    pub params_text: String,
    /// Whether the images came from the preprocessing stage.
    pub preprocessed: bool,
}

impl ExtractionRecord {
    /// The record of a config.
    pub fn of(config: &Config) -> anyhow::Result<Self> {
        let params = &config.features.params;
        let params_text = if params.as_os_str().is_empty() {
            String::new()
        } else {
            std::fs::read_to_string(params)
                .with_context(|| format!("cannot read features.params {}", params.display()))?
        };
        Ok(Self {
            version: super::provenance::VERSION.into(),
            labels: config.labels.clone(),
            features: config.features.clone(),
            params_text,
            preprocessed: config.preprocess.enabled,
        })
    }
}

/// The images of one patient, on one grid.
pub struct PatientImages {
    /// T1, T1C, T2, FLAIR.
    pub modalities: [Volume<f64>; 4],
    /// The segmentation.
    pub seg: LabelMap,
}

/// Reads and checks the images of a patient; the error text names the file and the fix.
pub fn load_images(paths: &[&Path; 4], seg: &Path) -> Result<PatientImages, String> {
    let read = |column: &str, path: &Path| read_volume(path).map_err(|e| format!("{column} {}: {e}", path.display()));
    let t1 = read("t1", paths[0])?;
    let t1c = read("t1c", paths[1])?;
    let t2 = read("t2", paths[2])?;
    let flair = read("flair", paths[3])?;
    let seg_map = read_label_map(seg).map_err(|e| format!("seg {}: {e}", seg.display()))?;
    let modalities = [t1, t1c, t2, flair];
    for (((column, _), image), path) in MODALITIES.iter().zip(&modalities).zip(paths) {
        image
            .same_grid(&seg_map.0, GRID_TOLERANCE, &format!("{column} and seg"))
            .map_err(|e| format!("{e} ({} vs {})", path.display(), seg.display()))?;
    }
    Ok(PatientImages { modalities, seg: seg_map })
}

/// Reads a repeat segmentation and checks it against the images' grid.
pub fn load_repeat(path: &Path, column: &str, grid: &Volume<f64>) -> Result<LabelMap, String> {
    let seg = read_label_map(path).map_err(|e| format!("{column} {}: {e}", path.display()))?;
    grid.same_grid(&seg.0, GRID_TOLERANCE, &format!("images and {column}")).map_err(|e| e.to_string())?;
    Ok(seg)
}

/// One patient's features: names and values in output order (`NaN` = missing).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeatureRow {
    /// Feature names.
    pub names: Vec<String>,
    /// Values.
    pub values: Vec<f64>,
    /// Warnings (empty regions) raised while computing them.
    pub warnings: Vec<String>,
}

impl FeatureRow {
    fn push(&mut self, name: String, value: f64) {
        self.names.push(name);
        self.values.push(value);
    }

    /// The row as a one-row table.
    pub fn into_table(self, id: &str) -> FeatureTable {
        FeatureTable { ids: vec![id.to_string()], names: self.names, rows: vec![self.values] }
    }
}

#[cfg(feature = "texture")]
mod handcrafted {
    //! Handcrafted features through `radiomics-texture`.

    use radiomics_texture::{Extractor, FeatureClass, Settings, TextureError};
    use radiomics_volume::{Geometry, LabelMap, Volume};

    use super::{FeatureRow, PatientImages, Region};
    use crate::pipeline::manifest::MODALITIES;

    /// Extractors per region, with and without the shape classes.
    pub struct Handcrafted {
        with_shape: Vec<Extractor>,
        without_shape: Vec<Extractor>,
        shape_names: Vec<String>,
        texture_names: Vec<String>,
    }

    fn is_shape(name: &str) -> bool {
        name.starts_with("original_shape")
    }

    impl Handcrafted {
        pub fn new(base: &Settings, regions: &[Region]) -> anyhow::Result<Self> {
            let mut no_shape = base.clone();
            no_shape.enabled.remove(&FeatureClass::Shape);
            no_shape.enabled.remove(&FeatureClass::Shape2D);
            let build = |settings: &Settings, labels: &[u32]| {
                let mut s = settings.clone();
                s.labels = labels.to_vec();
                Extractor::new(s)
            };
            let with_shape = regions.iter().map(|r| build(base, &r.labels)).collect::<Result<Vec<_>, _>>()?;
            let without_shape = regions.iter().map(|r| build(&no_shape, &r.labels)).collect::<Result<Vec<_>, _>>()?;
            // Names of the enabled features, from a small phantom, so that an empty region still
            // yields every column (as missing values).
            let phantom_image = Volume::new(
                ndarray::Array3::from_shape_fn((9, 9, 9), |(z, y, x)| ((x * 7 + y * 13 + z * 29) % 97) as f64),
                Geometry::with_spacing([1.0, 1.0, 1.0]),
            )?;
            let phantom_labels = LabelMap(Volume::new(
                ndarray::Array3::from_shape_fn((9, 9, 9), |(z, y, x)| {
                    let d = |v: usize| (v as i64 - 4).pow(2);
                    u32::from(d(x) + d(y) + d(z) <= 9)
                }),
                Geometry::with_spacing([1.0, 1.0, 1.0]),
            )?);
            let mut template = base.clone();
            template.labels = vec![1];
            template.resampled_pixel_spacing = None;
            template.resegment_range = None;
            template.minimum_roi_size = None;
            let names: Vec<String> = Extractor::new(template)?
                .execute(&phantom_image, &phantom_labels)
                .map_err(|e| anyhow::anyhow!("cannot list the enabled handcrafted features: {e}"))?
                .iter()
                .map(|(n, _)| n.to_string())
                .collect();
            let (shape_names, texture_names) = names.into_iter().partition(|n| is_shape(n));
            Ok(Self { with_shape, without_shape, shape_names, texture_names })
        }

        /// Features of every region x modality (shape once per region, from the first modality).
        pub fn extract(
            &self,
            images: &PatientImages,
            seg: &LabelMap,
            regions: &[Region],
            out: &mut FeatureRow,
        ) -> Result<(), String> {
            use rayon::prelude::*;
            let jobs: Vec<(usize, usize)> = (0..regions.len()).flat_map(|r| (0..4).map(move |m| (r, m))).collect();
            // Outer error: the patient fails. Inner error: the region's features are missing, with why.
            type RegionResult = Result<Result<Vec<(String, f64)>, String>, String>;
            let results: Vec<RegionResult> = jobs
                .par_iter()
                .map(|&(r, m)| {
                    let region = &regions[r];
                    if region.labels.iter().all(|&l| seg.count(l) == 0) {
                        return Ok(Err("it has no voxel".to_string()));
                    }
                    let extractor = if m == 0 { &self.with_shape[r] } else { &self.without_shape[r] };
                    match extractor.execute(&images.modalities[m], seg) {
                        Ok(set) => Ok(Ok(set.iter().map(|(n, v)| (n.to_string(), v)).collect())),
                        Err(
                            e @ (TextureError::EmptyRoi { .. }
                            | TextureError::RoiTooSmall { .. }
                            | TextureError::LabelAbsent { .. }),
                        ) => Ok(Err(e.to_string())),
                        Err(e) => Err(format!("{} {}: {e}", MODALITIES[m].1, region.code)),
                    }
                })
                .collect();
            let mut reported = vec![false; regions.len()];
            for (&(r, m), result) in jobs.iter().zip(results) {
                let region = &regions[r];
                let modality = MODALITIES[m].1;
                match result? {
                    Ok(features) => {
                        for (name, value) in features {
                            if is_shape(&name) {
                                out.push(format!("{}_{name}", region.code), value);
                            } else {
                                out.push(format!("{modality}_{}_{name}", region.code), value);
                            }
                        }
                    }
                    Err(why) => {
                        if !reported[r] {
                            reported[r] = true;
                            out.warnings.push(format!(
                                "region {} (labels {:?}): {why}; its handcrafted features are missing values",
                                region.code, region.labels
                            ));
                        }
                        if m == 0 {
                            for name in &self.shape_names {
                                out.push(format!("{}_{name}", region.code), f64::NAN);
                            }
                        }
                        for name in &self.texture_names {
                            out.push(format!("{modality}_{}_{name}", region.code), f64::NAN);
                        }
                    }
                }
            }
            Ok(())
        }
    }
}

#[cfg(feature = "deepfeat")]
mod deep {
    //! Deep features through `radiomics-deepfeat`: one model load per process, one batch of
    //! 12 crops per patient.

    use std::sync::Arc;

    use radiomics_deepfeat::{
        BackendKind, CnnSWidths, EmptyRegionPolicy, FeatureActivation, FeatureExtractor, Modality, ModelOptions,
        OnnxModel, PrepareSettings, RegionLabels, random_cnn_s_onnx,
    };
    use radiomics_volume::LabelMap;

    use super::{FeatureRow, PatientImages};
    use crate::pipeline::config::{Backend, DeepWidths, FeatureSection, LabelSection};

    pub struct Deep {
        extractor: FeatureExtractor,
    }

    impl Deep {
        pub fn new(features: &FeatureSection, labels: &LabelSection) -> anyhow::Result<Self> {
            let options = ModelOptions {
                backend: match features.backend {
                    Backend::Tract => BackendKind::Tract,
                    Backend::Ort => BackendKind::Ort,
                },
                ..ModelOptions::default()
            };
            let model = if features.deep_model.as_os_str().is_empty() {
                let widths = match features.deep_widths {
                    DeepWidths::Full => CnnSWidths::FULL,
                    DeepWidths::Small => CnnSWidths::SMALL,
                };
                let bytes = random_cnn_s_onnx(widths, features.deep_seed, FeatureActivation::default())?;
                let what = format!("seeded random CNN-S (seed {})", features.deep_seed);
                Arc::new(OnnxModel::from_bytes(bytes, &what, &options)?)
            } else {
                OnnxModel::shared(&features.deep_model, &options)?
            };
            let core: Vec<u32> = labels.necrosis.iter().chain(&labels.enhancing).copied().collect();
            let whole: Vec<u32> = core.iter().chain(&labels.oedema).copied().collect();
            let settings = PrepareSettings {
                labels: RegionLabels { necrosis: labels.necrosis.clone(), core, whole },
                empty_region: EmptyRegionPolicy::NanFeatures,
                ..PrepareSettings::for_model(model.info(), model.options().input_size)
            };
            Ok(Self { extractor: FeatureExtractor::new(model, settings)? })
        }

        pub fn extract(
            &self,
            images: &PatientImages,
            seg: &LabelMap,
            what: &str,
            out: &mut FeatureRow,
        ) -> Result<(), String> {
            let list = [
                (Modality::T1, &images.modalities[0]),
                (Modality::T1c, &images.modalities[1]),
                (Modality::T2, &images.modalities[2]),
                (Modality::Flair, &images.modalities[3]),
            ];
            let features = self.extractor.extract(&list, seg, what).map_err(|e| format!("deep features: {e}"))?;
            let mut empty = false;
            for (name, value) in features.names.into_iter().zip(features.values) {
                empty |= value.is_nan();
                out.push(name, f64::from(value));
            }
            if empty {
                out.warnings.push(
                    "a deep-feature region (SNE, STC or SWT) has no voxel on the largest tumour slice: its deep features are missing".into(),
                );
            }
            Ok(())
        }
    }
}

/// The feature computers of one process: extractors built and the model loaded once.
pub struct Engine {
    regions: Vec<Region>,
    #[cfg(feature = "texture")]
    handcrafted: Option<handcrafted::Handcrafted>,
    #[cfg(feature = "deepfeat")]
    deep: Option<deep::Deep>,
}

impl Engine {
    /// Builds the extractors and loads (or generates) the deep model.
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let regions = regions(&config.labels);
        let f = &config.features;
        anyhow::ensure!(
            f.handcrafted || f.deep,
            "features.handcrafted and features.deep are both false: enable at least one"
        );
        #[cfg(feature = "texture")]
        let handcrafted = if f.handcrafted {
            let settings = if f.params.as_os_str().is_empty() {
                radiomics_texture::Settings::default()
            } else {
                radiomics_texture::Settings::from_yaml_file(&f.params)
                    .with_context(|| format!("features.params {}", f.params.display()))?
            };
            Some(handcrafted::Handcrafted::new(&settings, &regions)?)
        } else {
            None
        };
        #[cfg(not(feature = "texture"))]
        anyhow::ensure!(
            !f.handcrafted,
            "this radiomics binary was built without the `texture` feature: rebuild with default features, or set features.handcrafted = false"
        );
        #[cfg(feature = "deepfeat")]
        let deep = if f.deep {
            let started = Instant::now();
            let d = deep::Deep::new(f, &config.labels).context("cannot load the deep-feature model")?;
            tracing::info!("deep model ready in {:.1} s", started.elapsed().as_secs_f64());
            Some(d)
        } else {
            None
        };
        #[cfg(not(feature = "deepfeat"))]
        anyhow::ensure!(
            !f.deep,
            "this radiomics binary was built without the `deepfeat` feature: rebuild with default features, or set features.deep = false"
        );
        Ok(Self {
            regions,
            #[cfg(feature = "texture")]
            handcrafted,
            #[cfg(feature = "deepfeat")]
            deep,
        })
    }

    /// Computes one row of features for `images` with segmentation `seg`; `what` names the
    /// patient in messages.
    pub fn extract(&self, images: &PatientImages, seg: &LabelMap, what: &str) -> Result<FeatureRow, String> {
        let mut row = FeatureRow::default();
        let present: Vec<u32> = seg.labels();
        let scheme: Vec<u32> = self.regions.iter().next_back().map(|r| r.labels.clone()).unwrap_or_default();
        let unknown: Vec<u32> = present.iter().copied().filter(|l| *l != 0 && !scheme.contains(l)).collect();
        if !unknown.is_empty() {
            row.warnings.push(format!(
                "labels {unknown:?} are not in the label scheme {scheme:?} and are ignored; set [labels] in the config if they are tumour"
            ));
        }
        #[cfg(feature = "texture")]
        if let Some(h) = &self.handcrafted {
            h.extract(images, seg, &self.regions, &mut row)?;
        }
        #[cfg(feature = "deepfeat")]
        if let Some(d) = &self.deep {
            d.extract(images, seg, what, &mut row)?;
        }
        let _ = (images, what);
        Ok(row)
    }
}

/// Whether `path` is a complete feature file of patient `id`: it parses and has exactly one
/// row, with that id.
pub fn is_complete(path: &Path, id: &str) -> bool {
    match FeatureTable::read_csv(path) {
        Ok(t) => t.ids.len() == 1 && t.ids[0] == id && !t.names.is_empty(),
        Err(_) => false,
    }
}

/// Outcome of the extraction stage.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractSummary {
    /// Timing and counts.
    pub timing: StageTiming,
    /// Patients with complete features (computed now or before).
    pub completed: usize,
}

/// Extracts features for every manifest patient into `OUT/features/`, skipping complete ones,
/// recording failures, then merges `OUT/features.csv`, `OUT/features_repeats.csv` and writes
/// `OUT/clinical.csv`. `image_paths` gives each patient's images (the manifest's, or the
/// preprocessed ones).
pub fn run_extract(
    config: &Config,
    manifest: &Manifest,
    layout: &Layout,
    failures: &FailureLog,
    image_paths: &(dyn Fn(&Patient) -> ImagePaths + Sync),
    progress: bool,
) -> anyhow::Result<ExtractSummary> {
    let started = Instant::now();
    layout.create(Some(layout.features_dir()))?;
    let record = ExtractionRecord::of(config)?;
    let record_path = layout.features_settings();
    let previous: Option<ExtractionRecord> =
        std::fs::read_to_string(&record_path).ok().and_then(|t| serde_json::from_str(&t).ok());
    let settings_changed = previous.as_ref().is_some_and(|p| p != &record);
    if settings_changed {
        tracing::warn!(
            "the feature settings differ from those of the files in {}: every patient is extracted again",
            layout.features_dir().display()
        );
    }
    super::layout::write_atomic(&record_path, serde_json::to_string_pretty(&record)?.as_bytes())?;

    let is_done = |p: &Patient| {
        !settings_changed
            && is_complete(&layout.patient_features(&p.id, None), &p.id)
            && (1..=image_paths(p).seg_repeats.len())
                .all(|k| is_complete(&layout.patient_features(&p.id, Some(k)), &format!("{}__rep{k}", p.id)))
    };
    let todo: Vec<&Patient> = manifest.patients.iter().filter(|p| !failures.contains(&p.id) && !is_done(p)).collect();
    let skipped =
        manifest.patients.len() - todo.len() - manifest.patients.iter().filter(|p| failures.contains(&p.id)).count();
    if skipped > 0 {
        tracing::info!("{skipped} patient(s) already have complete feature files and are skipped");
    }

    let engine = if todo.is_empty() { None } else { Some(Engine::new(config)?) };
    let bar = super::progress_bar(todo.len() as u64, "extract", progress);
    let failed = AtomicUsize::new(0);
    todo.par_iter().for_each(|p| {
        let engine = engine.as_ref().expect("built when there is work");
        if let Err(reason) = extract_patient(engine, p, &image_paths(p), layout) {
            failures.record(&p.id, "extract", reason);
            failed.fetch_add(1, Ordering::Relaxed);
        }
        bar.inc(1);
    });
    bar.finish_and_clear();

    // Merge the complete patients.
    let mut tables = Vec::new();
    let mut repeats = Vec::new();
    for p in &manifest.patients {
        if failures.contains(&p.id) {
            continue;
        }
        let path = layout.patient_features(&p.id, None);
        tables.push(FeatureTable::read_csv(&path).with_context(|| format!("patient {}", p.id))?);
        for k in 1..=image_paths(p).seg_repeats.len() {
            repeats.push(FeatureTable::read_csv(&layout.patient_features(&p.id, Some(k)))?);
        }
    }
    let meta = Meta::new("extract", config, config.model.seed);
    let merged = FeatureTable::merge(&tables);
    merged.write_csv(&layout.features_csv())?;
    write_csv_meta(&layout.features_csv(), &meta)?;
    let merged_repeats = FeatureTable::merge(&repeats);
    merged_repeats.write_csv(&layout.repeats_csv())?;
    write_csv_meta(&layout.repeats_csv(), &meta)?;
    let mut clinical = ClinicalTable::from_manifest(manifest);
    clinical.rows.retain(|r| !failures.contains(&r.id));
    clinical.write_csv(&layout.clinical_csv())?;
    write_csv_meta(&layout.clinical_csv(), &meta)?;

    let failed = failed.into_inner();
    Ok(ExtractSummary {
        timing: StageTiming {
            stage: "extract".into(),
            seconds: started.elapsed().as_secs_f64(),
            processed: todo.len() - failed,
            skipped,
            failed,
            detail: String::new(),
        },
        completed: tables.len(),
    })
}

/// Extracts one patient (and its repeat segmentations) and writes the feature files.
fn extract_patient(engine: &Engine, p: &Patient, paths: &ImagePaths, layout: &Layout) -> Result<(), String> {
    let started = Instant::now();
    paths.check_exist()?;
    let m = &paths.modalities;
    let images = load_images(&[&m[0], &m[1], &m[2], &m[3]], &paths.seg)?;
    let row = engine.extract(&images, &images.seg, &p.id)?;
    for w in &row.warnings {
        tracing::warn!("patient {}: {w}", p.id);
    }
    let n = row.names.len();
    row.into_table(&p.id).write_csv(&layout.patient_features(&p.id, None)).map_err(|e| format!("{e:#}"))?;
    for (k, path) in paths.seg_repeats.iter().enumerate() {
        let column = format!("seg_repeat{}", k + 1);
        let seg = load_repeat(path, &column, &images.modalities[0])?;
        let id = format!("{}__rep{}", p.id, k + 1);
        let row = engine.extract(&images, &seg, &id)?;
        for w in &row.warnings {
            tracing::warn!("patient {} ({column}): {w}", p.id);
        }
        row.into_table(&id).write_csv(&layout.patient_features(&p.id, Some(k + 1))).map_err(|e| format!("{e:#}"))?;
    }
    tracing::debug!("patient {}: {n} features in {:.2} s", p.id, started.elapsed().as_secs_f64());
    Ok(())
}
