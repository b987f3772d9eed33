//! The `preprocess` stage inside `radiomics run`: each patient's raw images through
//! `radiomics_preproc::pipeline::run_pipeline` with its default configuration (N4, skull
//! stripping on T1C, resampling to 1 mm on the T1C grid, rigid registration of T1, T2 and FLAIR
//! to T1C, z-score normalisation in the brain), written to `OUT/preprocessed/<id>/`.
//!
//! The segmentation is resampled onto the output grid by nearest neighbour. Repeat
//! segmentations (`seg_repeat<k>`) must be on the grid of the segmentation. They go through the
//! same nearest-neighbour resampling into `OUT/preprocessed/<id>/seg_repeat<k>.nii.gz`, so the
//! ICC step reads them on a preprocessed cohort as on a raw one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use radiomics_preproc::pipeline::{PatientImages, PipelineConfig, run_pipeline};
use radiomics_preproc::resample::{Grid, resample_labels};
use radiomics_volume::io::{read_label_map, read_volume, write_label_map, write_volume};
use rayon::prelude::*;

use super::config::Config;
use super::failures::FailureLog;
use super::layout::Layout;
use super::manifest::{ImagePaths, Manifest, Patient};
use super::provenance::StageTiming;

/// The preprocessed image files of a patient, with one `seg_repeat<k>.nii.gz` per repeat
/// segmentation of the manifest.
pub fn preprocessed_paths(layout: &Layout, p: &Patient) -> ImagePaths {
    let dir = layout.preprocessed_dir(&p.id);
    ImagePaths {
        modalities: ["t1", "t1c", "t2", "flair"].map(|m| dir.join(format!("{m}.nii.gz"))),
        seg: dir.join("seg.nii.gz"),
        seg_repeats: (1..=p.images.seg_repeats.len()).map(|k| dir.join(format!("seg_repeat{k}.nii.gz"))).collect(),
    }
}

/// Preprocesses one patient; the error names the file or step.
fn preprocess_patient(layout: &Layout, p: &Patient) -> Result<(), String> {
    p.images.check_exist()?;
    let read = |i: usize| {
        read_volume(&p.images.modalities[i])
            .map(|v| v.map(|x| *x as f32))
            .map_err(|e| format!("{}: {e}", p.images.modalities[i].display()))
    };
    let images = [read(0)?, read(1)?, read(2)?, read(3)?];
    let labels = read_label_map(&p.images.seg).map_err(|e| format!("seg {}: {e}", p.images.seg.display()))?;
    // Repeat segmentations are read and checked before the (slow) pipeline runs.
    let mut repeats = Vec::with_capacity(p.images.seg_repeats.len());
    for (k, path) in p.images.seg_repeats.iter().enumerate() {
        let column = format!("seg_repeat{}", k + 1);
        let rep = read_label_map(path).map_err(|e| format!("{column} {}: {e}", path.display()))?;
        labels
            .0
            .same_grid(&rep.0, super::extract::GRID_TOLERANCE, &format!("seg and {column}"))
            .map_err(|e| format!("{e} ({} vs {})", p.images.seg.display(), path.display()))?;
        repeats.push(rep);
    }
    let out =
        run_pipeline(PatientImages { images, labels: Some(labels), brain_mask: None }, &PipelineConfig::default())
            .map_err(|e| format!("preprocessing: {e}"))?;
    let paths = preprocessed_paths(layout, p);
    let dir = layout.preprocessed_dir(&p.id);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (image, path) in out.images.iter().zip(&paths.modalities) {
        write_volume(image, path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let seg = out.labels.ok_or("preprocessing returned no segmentation")?;
    // The transform of the segmentation in `run_pipeline`: nearest neighbour onto the output
    // grid, no spatial transform (the segmentation is on the T1C grid, which is the reference).
    let grid = Grid::of(&seg.0);
    for (rep, path) in repeats.iter().zip(&paths.seg_repeats) {
        let resampled = resample_labels(rep, &grid, None).map_err(|e| format!("{}: {e}", path.display()))?;
        write_label_map(&resampled, path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    write_label_map(&seg, &paths.seg).map_err(|e| format!("{}: {e}", paths.seg.display()))?;
    Ok(())
}

/// Preprocesses every patient whose preprocessed files are not all present yet.
pub fn run_preprocess(
    config: &Config,
    manifest: &Manifest,
    layout: &Layout,
    failures: &FailureLog,
    progress: bool,
) -> anyhow::Result<StageTiming> {
    let _ = config;
    let started = Instant::now();
    let done = |p: &Patient| {
        let paths = preprocessed_paths(layout, p);
        paths.modalities.iter().all(|m| m.is_file())
            && paths.seg.is_file()
            && paths.seg_repeats.iter().all(|r| r.is_file())
    };
    let todo: Vec<&Patient> = manifest.patients.iter().filter(|p| !done(p)).collect();
    let bar = super::progress_bar(todo.len() as u64, "preprocess", progress);
    let failed = AtomicUsize::new(0);
    todo.par_iter().for_each(|p| {
        if let Err(reason) = preprocess_patient(layout, p) {
            failures.record(&p.id, "preprocess", reason);
            failed.fetch_add(1, Ordering::Relaxed);
        }
        bar.inc(1);
    });
    bar.finish_and_clear();
    let failed = failed.into_inner();
    Ok(StageTiming {
        stage: "preprocess".into(),
        seconds: started.elapsed().as_secs_f64(),
        processed: todo.len() - failed,
        skipped: manifest.patients.len() - todo.len(),
        failed,
        detail: String::new(),
    })
}
