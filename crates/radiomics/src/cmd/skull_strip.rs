//! `radiomics skull-strip IN -o BRAIN_MASK`: brain mask from a T1 or T1C head image.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use radiomics_preproc::skull_strip::{SkullStripParams, SurfaceModel, skull_strip};
use radiomics_volume::io;

use super::preprocess::{check_output, read_image};

/// Arguments of `radiomics skull-strip`.
#[derive(Debug, clap::Args)]
pub struct SkullStripArgs {
    /// T1-weighted (or T1C) head image.
    pub input: PathBuf,
    /// Brain mask (uint8, 1 = brain).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Erosion radius in mm separating brain from scalp.
    #[arg(long, allow_negative_numbers = true, default_value_t = SkullStripParams::default().erosion_mm)]
    pub erosion: f64,
    /// Tissue threshold as a fraction of the median head intensity, in (0, 1).
    #[arg(long, allow_negative_numbers = true, default_value_t = SkullStripParams::default().tissue_fraction)]
    pub tissue_fraction: f64,
    /// Fractional intensity threshold of the surface model, in (0, 1), as BET's -f: larger
    /// values usually give a smaller brain. When the surface shrinks to nothing (high values),
    /// the morphological mask is used instead.
    #[arg(long, allow_negative_numbers = true, default_value_t = SurfaceModel::default().fraction)]
    pub fraction: f64,
    /// Skip the surface model and keep the morphological mask (thresholds and erosion only).
    #[arg(long)]
    pub no_surface: bool,
}

/// Computes and writes the brain mask.
pub fn run(args: SkullStripArgs) -> anyhow::Result<ExitCode> {
    check_output(&args.output)?;
    let image = read_image(&args.input)?;
    let surface = (!args.no_surface).then_some(SurfaceModel { fraction: args.fraction, ..Default::default() });
    let params = SkullStripParams {
        erosion_mm: args.erosion,
        tissue_fraction: args.tissue_fraction,
        surface,
        ..Default::default()
    };
    let mask = skull_strip(&image, &params).with_context(|| format!("cannot skull-strip {}", args.input.display()))?;
    eprintln!("brain mask: {} voxels, {:.0} mL", mask.count(), mask.physical_volume() / 1000.0);
    io::write_mask(&mask, &args.output).with_context(|| format!("cannot write {}", args.output.display()))?;
    Ok(ExitCode::SUCCESS)
}
