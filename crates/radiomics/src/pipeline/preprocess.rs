//! The `preprocess` stage inside `radiomics run`: each patient's raw images through
//! `radiomics_preproc::pipeline::run_pipeline` with its default configuration (N4, skull
//! stripping on T1C, resampling to 1 mm on the T1C grid, rigid registration of T1, T2 and FLAIR
//! to T1C, z-score normalisation in the brain), written to `OUT/preprocessed/<id>/`.
//!
//! The segmentation is resampled onto the output grid by nearest neighbour. NOTE: repeat
//! segmentations are not carried through preprocessing, so the ICC step is skipped for a
//! preprocessed cohort.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use radiomics_preproc::pipeline::{PatientImages, PipelineConfig, run_pipeline};
use radiomics_volume::io::{read_label_map, read_volume, write_label_map, write_volume};
use rayon::prelude::*;

use super::config::Config;
use super::failures::FailureLog;
use super::layout::Layout;
use super::manifest::{ImagePaths, Manifest, Patient};
use super::provenance::StageTiming;

/// The preprocessed image files of a patient (no repeat segmentations, see the module note).
pub fn preprocessed_paths(layout: &Layout, p: &Patient) -> ImagePaths {
    let dir = layout.preprocessed_dir(&p.id);
    ImagePaths {
        modalities: ["t1", "t1c", "t2", "flair"].map(|m| dir.join(format!("{m}.nii.gz"))),
        seg: dir.join("seg.nii.gz"),
        seg_repeats: Vec::new(),
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
    let out =
        run_pipeline(PatientImages { images, labels: Some(labels), brain_mask: None }, &PipelineConfig::default())
            .map_err(|e| format!("preprocessing: {e}"))?;
    let paths = preprocessed_paths(layout, p);
    for (image, path) in out.images.iter().zip(&paths.modalities) {
        write_volume(image, path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let seg = out.labels.ok_or("preprocessing returned no segmentation")?;
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
        paths.modalities.iter().all(|m| m.is_file()) && paths.seg.is_file()
    };
    let todo: Vec<&Patient> = manifest.patients.iter().filter(|p| !done(p)).collect();
    if manifest.patients.iter().any(|p| !p.images.seg_repeats.is_empty()) {
        tracing::warn!("repeat segmentations are not preprocessed: the ICC step will be skipped");
    }
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
    })
}
