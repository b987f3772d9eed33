//! The `preprocess` stage inside `radiomics run`: each patient's raw images through the
//! preprocessing pipeline of `radiomics-preproc`, written to `OUT/preprocessed/<id>/`.

use super::config::Config;
use super::failures::FailureLog;
use super::layout::Layout;
use super::manifest::{ImagePaths, Manifest, Patient};
use super::provenance::StageTiming;

/// The preprocessed image files of a patient.
pub fn preprocessed_paths(layout: &Layout, p: &Patient) -> ImagePaths {
    let dir = layout.preprocessed_dir(&p.id);
    ImagePaths {
        modalities: ["t1", "t1c", "t2", "flair"].map(|m| dir.join(format!("{m}.nii.gz"))),
        seg: dir.join("seg.nii.gz"),
        seg_repeats: (1..=p.images.seg_repeats.len()).map(|k| dir.join(format!("seg_repeat{k}.nii.gz"))).collect(),
    }
}

/// Preprocesses every patient.
pub fn run_preprocess(
    config: &Config,
    manifest: &Manifest,
    layout: &Layout,
    failures: &FailureLog,
    progress: bool,
) -> anyhow::Result<StageTiming> {
    let _ = (config, manifest, layout, failures, progress);
    // TODO: wired when radiomics-preproc's Pipeline lands.
    anyhow::bail!("preprocess.enabled = true, but the preprocessing pipeline is not available yet")
}
