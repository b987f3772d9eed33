//! `radiomics register FIXED MOVING -o RESAMPLED [--transform-out T.tfm]`: rigid registration
//! (Euler 3-D, Mattes mutual information) and resampling of the moving image onto the fixed grid.

use std::path::PathBuf;
use std::process::ExitCode;

use radiomics_preproc::Interpolator;
use radiomics_preproc::registration::{Initializer, RegistrationParams, register_rigid, resample_onto_fixed};

use super::preprocess::{check_output, read_image, write_image};

/// Arguments of `radiomics register`.
#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// Fixed image (its grid is the output grid).
    pub fixed: PathBuf,
    /// Moving image.
    pub moving: PathBuf,
    /// Moving image resampled onto the fixed grid.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Write the fixed-to-moving transform in ITK's text format (Euler3DTransform_double_3_3).
    #[arg(long)]
    pub transform_out: Option<PathBuf>,
    /// Initialise the centre from image geometry (geometry) or intensity moments (moments).
    #[arg(long, default_value = "geometry")]
    pub init: String,
    /// Maximum optimiser iterations per pyramid level.
    #[arg(long, default_value_t = 100)]
    pub iterations: u64,
}

/// Registers, writes the resampled image and the transform, and prints the metric report.
pub fn run(args: RegisterArgs) -> anyhow::Result<ExitCode> {
    check_output(&args.output)?;
    let initializer = match args.init.as_str() {
        "geometry" => Initializer::Geometry,
        "moments" => Initializer::Moments,
        other => anyhow::bail!("invalid --init `{other}`: expected geometry or moments"),
    };
    let fixed = read_image(&args.fixed)?;
    let moving = read_image(&args.moving)?;
    let params = RegistrationParams { initializer, max_iterations: args.iterations, ..Default::default() };
    let result = register_rigid(&fixed, &moving, &params)?;
    for (l, level) in result.levels.iter().enumerate() {
        eprintln!(
            "level {l}: shrink {:?}, {} samples, {} iterations, -MI {:.5} -> {:.5} ({})",
            level.shrink, level.samples, level.iterations, level.metric_start, level.metric_end, level.stop
        );
    }
    eprintln!("final -MI {:.5} (initial {:.5}), {:.2} s", result.final_metric, result.initial_metric, result.seconds);
    let out = resample_onto_fixed(&fixed, &moving, &result.transform, Interpolator::Linear)?;
    write_image(&out, &args.output)?;
    if let Some(path) = &args.transform_out {
        result.transform.write_tfm(path)?;
    }
    Ok(ExitCode::SUCCESS)
}
