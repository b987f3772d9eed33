//! `radiomics n4 IN -o OUT [--mask M] [--shrink N] [--bias-out FIELD]`: N4 bias field
//! correction with SimpleITK's defaults.

use std::path::PathBuf;
use std::process::ExitCode;

use radiomics_preproc::n4::{N4Params, n4_bias_correction};

use super::preprocess::{check_output, read_image, read_mask, write_image};

/// Arguments of `radiomics n4`.
#[derive(Debug, clap::Args)]
pub struct N4Args {
    /// Input image.
    pub input: PathBuf,
    /// Corrected image.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Mask of the voxels used to estimate the field (non-zero = inside); default: all positive voxels.
    #[arg(long)]
    pub mask: Option<PathBuf>,
    /// Shrink factor applied before fitting (1 = none).
    #[arg(long, default_value_t = 4)]
    pub shrink: usize,
    /// Iterations per fitting level, comma-separated (the count sets the number of levels).
    #[arg(long, default_value = "50,50,50,50")]
    pub iterations: String,
    /// Convergence threshold.
    #[arg(long, default_value_t = 0.001)]
    pub convergence: f64,
    /// Also write the multiplicative bias field exp(log bias) at full resolution.
    #[arg(long)]
    pub bias_out: Option<PathBuf>,
}

/// Runs N4 and writes the outputs.
pub fn run(args: N4Args) -> anyhow::Result<ExitCode> {
    check_output(&args.output)?;
    if let Some(path) = &args.bias_out {
        check_output(path)?;
    }
    let image = read_image(&args.input)?;
    let mask = args.mask.as_deref().map(read_mask).transpose()?;
    let max_iterations = args
        .iterations
        .split(',')
        .map(|t| {
            t.trim()
                .parse::<usize>()
                .map_err(|_| anyhow::anyhow!("invalid --iterations `{}`: `{t}` is not a whole number", args.iterations))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let params = N4Params {
        shrink_factor: args.shrink,
        max_iterations,
        convergence_threshold: args.convergence,
        ..Default::default()
    };
    let out = n4_bias_correction(&image, mask.as_ref(), &params)?;
    for (level, l) in out.levels.iter().enumerate() {
        tracing::info!(
            "level {level}: {} iterations, convergence {:.2e}{}",
            l.iterations,
            l.convergence,
            if l.converged { "" } else { " (not converged)" }
        );
    }
    if out.excluded_non_positive > 0 {
        eprintln!("warning: {} non-positive voxels were excluded from the bias estimate", out.excluded_non_positive);
    }
    write_image(&out.corrected, &args.output)?;
    if let Some(path) = &args.bias_out {
        write_image(&out.bias_field(), path)?;
    }
    Ok(ExitCode::SUCCESS)
}
