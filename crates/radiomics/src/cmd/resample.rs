//! `radiomics resample IN -o OUT [--spacing 1,1,1 | --reference IMG] [--interpolation
//! linear|nearest|bspline]`: resampling on ITK's grid convention.

use std::path::PathBuf;
use std::process::ExitCode;

use radiomics_preproc::resample::{Alignment, Grid, Interpolator, resample, resample_like};

use super::preprocess::{check_output, parse_spacing, read_image, write_image};

/// Arguments of `radiomics resample`.
#[derive(Debug, clap::Args)]
pub struct ResampleArgs {
    /// Input image.
    pub input: PathBuf,
    /// Resampled image.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Target spacing in mm, `x,y,z` or one value (origin and direction kept).
    #[arg(long, conflicts_with = "reference")]
    pub spacing: Option<String>,
    /// Resample onto this image's grid instead.
    #[arg(long)]
    pub reference: Option<PathBuf>,
    /// Interpolation: linear, nearest (use for label maps) or bspline (cubic).
    #[arg(long, default_value = "linear")]
    pub interpolation: String,
}

/// Resamples and writes the output.
pub fn run(args: ResampleArgs) -> anyhow::Result<ExitCode> {
    check_output(&args.output)?;
    let interpolator: Interpolator = args.interpolation.parse()?;
    let image = read_image(&args.input)?;
    let out = match (&args.reference, &args.spacing) {
        (Some(reference), _) => resample_like(&image, &read_image(reference)?, interpolator)?,
        (None, spacing) => {
            let spacing = parse_spacing(spacing.as_deref().unwrap_or("1,1,1"))?;
            let grid = Grid::with_spacing(&Grid::of(&image), spacing, Alignment::Origin)?;
            resample(&image, &grid, interpolator, 0.0)?
        }
    };
    write_image(&out, &args.output)?;
    Ok(ExitCode::SUCCESS)
}
