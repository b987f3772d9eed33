//! Subcommands of the `radiomics` binary, one module each.

#[cfg(feature = "deepfeat")]
pub mod convert_caffe;
#[cfg(feature = "deepfeat")]
pub mod deep_features;
pub mod demo;
pub mod extract;
#[cfg(feature = "texture")]
pub mod features;
pub mod fit;
pub mod info;
#[cfg(feature = "preproc")]
pub mod match_histogram;
#[cfg(feature = "preproc")]
pub mod n4;
#[cfg(feature = "preproc")]
pub mod preprocess;
#[cfg(feature = "preproc")]
pub mod register;
pub mod report;
#[cfg(feature = "preproc")]
pub mod resample;
pub mod run;
pub mod select;
#[cfg(feature = "preproc")]
pub mod skull_strip;
pub mod validate;

/// Arguments shared by the stages that read a run's tables (`select`, `fit`, `validate`,
/// `report`).
#[derive(Debug, clap::Args)]
pub struct StageArgs {
    /// Output folder of a run (reads its features.csv and clinical.csv), or where --table is
    /// imported.
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Config file (default: the settings recorded in OUT/run.json, else the defaults).
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
    /// Plain survival table input.
    #[command(flatten)]
    pub import: crate::pipeline::study::TableImport,
}

impl StageArgs {
    /// Reads the stage's config and, with `--table`, imports the table into the output folder.
    pub fn prepare(&self) -> anyhow::Result<(crate::pipeline::layout::Layout, crate::pipeline::config::Config)> {
        use crate::pipeline::study::{import_table, stage_config};
        let layout = crate::pipeline::layout::Layout::new(&self.out);
        let config = stage_config(self.config.as_deref(), &layout, &self.import)?;
        if self.import.table.is_some() {
            import_table(&self.import, &config.model.clinical, &layout, &config)?;
        }
        Ok((layout, config))
    }
}
