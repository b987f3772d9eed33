//! `radiomics info FILE`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `radiomics info`.
#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// Image file (.nii, .nii.gz or .nrrd).
    pub file: PathBuf,
}

/// Prints the image summary as one JSON object.
pub fn run(args: InfoArgs) -> anyhow::Result<ExitCode> {
    // TODO: filled in with the NIfTI/NRRD readers.
    anyhow::bail!("cannot read {}: image reading is not implemented yet", args.file.display())
}
