//! `radiomics match-histogram IN REFERENCE -o OUT`: ITK's histogram matching.

use std::path::PathBuf;
use std::process::ExitCode;

use radiomics_preproc::histogram::{HistogramMatching, match_histogram};

use super::preprocess::{check_output, read_image, write_image};

/// Arguments of `radiomics match-histogram`.
#[derive(Debug, clap::Args)]
pub struct MatchHistogramArgs {
    /// Image whose intensities are mapped.
    pub input: PathBuf,
    /// Reference image.
    pub reference: PathBuf,
    /// Output image.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Number of histogram bins.
    #[arg(long, default_value_t = 256)]
    pub levels: usize,
    /// Number of quantiles matched.
    #[arg(long, default_value_t = 1)]
    pub match_points: usize,
    /// Keep voxels below the mean intensity in the histograms.
    #[arg(long)]
    pub no_threshold_at_mean: bool,
}

/// Matches and writes the output.
pub fn run(args: MatchHistogramArgs) -> anyhow::Result<ExitCode> {
    check_output(&args.output)?;
    let source = read_image(&args.input)?;
    let reference = read_image(&args.reference)?;
    let params = HistogramMatching {
        histogram_levels: args.levels,
        match_points: args.match_points,
        threshold_at_mean: !args.no_threshold_at_mean,
    };
    let out = match_histogram(&source, &reference, &params)?;
    write_image(&out, &args.output)?;
    Ok(ExitCode::SUCCESS)
}
