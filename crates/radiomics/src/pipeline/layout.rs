//! File layout of an output folder: every stage reads and writes plain files here, so a user
//! can stop after any stage, inspect the files and resume.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Paths inside one output folder (`OUT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The output folder.
    pub root: PathBuf,
}

impl Layout {
    /// The layout of folder `root` (nothing is created).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Creates the output folder and, when given, one stage subfolder. Each stage creates only
    /// its own subfolder, so a run from a table leaves no empty `features/` behind.
    pub fn create(&self, stage_dir: Option<PathBuf>) -> anyhow::Result<()> {
        for dir in std::iter::once(self.root.clone()).chain(stage_dir) {
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create folder {}", dir.display()))?;
        }
        Ok(())
    }

    /// `OUT/run.json`: settings, version, seed, times and counts of the last run.
    pub fn run_json(&self) -> PathBuf {
        self.root.join("run.json")
    }
    /// `OUT/failures.csv`: `id,stage,reason` of every patient that failed.
    pub fn failures_csv(&self) -> PathBuf {
        self.root.join("failures.csv")
    }
    /// `OUT/clinical.csv`: `id,cohort,time,event` and the clinical columns.
    pub fn clinical_csv(&self) -> PathBuf {
        self.root.join("clinical.csv")
    }
    /// `OUT/preprocessed/<id>/`: preprocessed images of one patient.
    pub fn preprocessed_dir(&self, id: &str) -> PathBuf {
        self.root.join("preprocessed").join(id)
    }
    /// `OUT/features/`: one CSV per patient and repeat segmentation.
    pub fn features_dir(&self) -> PathBuf {
        self.root.join("features")
    }
    /// `OUT/features/<id>.csv`, or `OUT/features/<id>__rep<k>.csv` for repeat segmentation `k`
    /// (counted from 1).
    pub fn patient_features(&self, id: &str, repeat: Option<usize>) -> PathBuf {
        match repeat {
            None => self.features_dir().join(format!("{id}.csv")),
            Some(k) => self.features_dir().join(format!("{id}__rep{k}.csv")),
        }
    }
    /// `OUT/features/settings.json`: the feature settings the per-patient files were made with.
    pub fn features_settings(&self) -> PathBuf {
        self.features_dir().join("settings.json")
    }
    /// `OUT/features.csv`: all patients merged, the table the later stages read.
    pub fn features_csv(&self) -> PathBuf {
        self.root.join("features.csv")
    }
    /// `OUT/features_repeats.csv`: features of the repeat segmentations (`id` is `<id>__rep<k>`).
    pub fn repeats_csv(&self) -> PathBuf {
        self.root.join("features_repeats.csv")
    }
    /// `OUT/selection/`.
    pub fn selection_dir(&self) -> PathBuf {
        self.root.join("selection")
    }
    /// `OUT/selection/selection.csv`: one row per feature with its statistics and fate.
    pub fn selection_csv(&self) -> PathBuf {
        self.selection_dir().join("selection.csv")
    }
    /// `OUT/selection/selected.txt`: the kept feature names, one per line.
    pub fn selected_txt(&self) -> PathBuf {
        self.selection_dir().join("selected.txt")
    }
    /// `OUT/model/`.
    pub fn model_dir(&self) -> PathBuf {
        self.root.join("model")
    }
    /// `OUT/model/signature.json`.
    pub fn signature_json(&self) -> PathBuf {
        self.model_dir().join("signature.json")
    }
    /// `OUT/model/lasso_path.csv`.
    pub fn lasso_path_csv(&self) -> PathBuf {
        self.model_dir().join("lasso_path.csv")
    }
    /// `OUT/validation/`.
    pub fn validation_dir(&self) -> PathBuf {
        self.root.join("validation")
    }
    /// `OUT/validation/scores.csv`.
    pub fn scores_csv(&self) -> PathBuf {
        self.validation_dir().join("scores.csv")
    }
    /// `OUT/validation/validation.json`.
    pub fn validation_json(&self) -> PathBuf {
        self.validation_dir().join("validation.json")
    }
    /// `OUT/report/`.
    pub fn report_dir(&self) -> PathBuf {
        self.root.join("report")
    }
}

/// Writes `bytes` to `path` through a temporary sibling and a rename, so that an interrupted
/// run never leaves a half-written file that a resumed run would take as complete.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create folder {}", dir.display()))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    Ok(())
}
