//! The `radiomics` command line: one subcommand per stage of the method.
//!
//! Each subcommand lives in its own module under `cmd/` and only parses arguments, calls the
//! library crates and writes files; the algorithms live in the library crates.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod pipeline;

/// Brain-tumour MRI radiomics: preprocessing, features, survival models and reports.
#[derive(Debug, Parser)]
#[command(name = "radiomics", version, about, long_about = None)]
struct Cli {
    /// More log output (-v info, -vv debug, -vvv trace). RUST_LOG overrides it.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print an image's size, spacing, origin, direction, data type and voxel statistics as JSON.
    Info(cmd::info::InfoArgs),
    /// Run the whole method (preprocess, extract, select, fit, validate, report) from a config file.
    Run(cmd::run::RunArgs),
    /// Generate a synthetic cohort with a planted survival signal and run the whole method on it.
    Demo(cmd::demo::DemoArgs),
    /// Extract handcrafted and deep features of one patient (one wide row) or of a cohort.
    Extract(cmd::extract::ExtractArgs),
    /// Select robust, prognostic, non-redundant features (missing values, ICC, MAD, C-index, correlation).
    Select(cmd::select::SelectArgs),
    /// Fit the LASSO Cox signature with cross-validation on the discovery cohort.
    Fit(cmd::fit::FitArgs),
    /// Validate the signature: C-index, cut point, Kaplan-Meier, G-rho log-rank, hazard ratio, combined model.
    Validate(cmd::validate::ValidateArgs),
    /// Write the report: nomogram, calibration, Kaplan-Meier and other plots, HTML and Markdown.
    Report(cmd::report::ReportArgs),
    /// Handcrafted features (shape, first order, texture) of one image and mask as CSV.
    #[cfg(feature = "texture")]
    Features(cmd::features::FeaturesArgs),
    /// Compute CNN-S fc6/fc7 deep features of one patient (4 modalities x 3 sub-regions) as one CSV row.
    #[cfg(feature = "deepfeat")]
    DeepFeatures(cmd::deep_features::DeepFeaturesArgs),
    /// Convert a Caffe .caffemodel (e.g. VGG_CNN_S) to an ONNX model with fc6/fc7 outputs.
    #[cfg(feature = "deepfeat")]
    ConvertCaffe(cmd::convert_caffe::ConvertCaffeArgs),
    /// N4 bias field correction (SimpleITK defaults), optionally writing the bias field.
    #[cfg(feature = "preproc")]
    N4(cmd::n4::N4Args),
    /// Resample an image to a spacing or onto another image's grid (linear, nearest, B-spline).
    #[cfg(feature = "preproc")]
    Resample(cmd::resample::ResampleArgs),
    /// Rigidly register MOVING onto FIXED (Mattes MI) and write the resampled image and .tfm.
    #[cfg(feature = "preproc")]
    Register(cmd::register::RegisterArgs),
    /// Brain mask from a T1 or T1C head image.
    #[cfg(feature = "preproc")]
    SkullStrip(cmd::skull_strip::SkullStripArgs),
    /// Match an image's histogram to a reference image (ITK's quantile method).
    #[cfg(feature = "preproc")]
    MatchHistogram(cmd::match_histogram::MatchHistogramArgs),
    /// Preprocess one patient: N4, skull strip, resample, register to T1C, normalise.
    #[cfg(feature = "preproc")]
    Preprocess(cmd::preprocess::PreprocessArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let result = match cli.command {
        Command::Info(args) => cmd::info::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Demo(args) => cmd::demo::run(args),
        Command::Extract(args) => cmd::extract::run(args),
        Command::Select(args) => cmd::select::run(args),
        Command::Fit(args) => cmd::fit::run(args),
        Command::Validate(args) => cmd::validate::run(args),
        Command::Report(args) => cmd::report::run(args),
        #[cfg(feature = "texture")]
        Command::Features(args) => cmd::features::run(args),
        #[cfg(feature = "deepfeat")]
        Command::DeepFeatures(args) => cmd::deep_features::run(args),
        #[cfg(feature = "deepfeat")]
        Command::ConvertCaffe(args) => cmd::convert_caffe::run(args),
        #[cfg(feature = "preproc")]
        Command::N4(args) => cmd::n4::run(args),
        #[cfg(feature = "preproc")]
        Command::Resample(args) => cmd::resample::run(args),
        #[cfg(feature = "preproc")]
        Command::Register(args) => cmd::register::run(args),
        #[cfg(feature = "preproc")]
        Command::SkullStrip(args) => cmd::skull_strip::run(args),
        #[cfg(feature = "preproc")]
        Command::MatchHistogram(args) => cmd::match_histogram::run(args),
        #[cfg(feature = "preproc")]
        Command::Preprocess(args) => cmd::preprocess::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            ExitCode::FAILURE
        }
    }
}

/// Joins an error and its causes with ": ", leaving out a cause whose text the message before it
/// already contains (the library errors quote their source, e.g. "cannot open F: No such file").
fn error_chain(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// Sends `tracing` output to stderr at the level chosen by `-v` (warnings by default).
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colour codes only on a terminal, so that logs redirected to a file stay plain text.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

#[cfg(test)]
mod tests {
    use super::error_chain;

    #[test]
    fn error_chain_skips_a_cause_already_quoted() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
        let quoted = anyhow::Error::new(io).context("cannot open a.nii: No such file or directory");
        assert_eq!(error_chain(&quoted), "cannot open a.nii: No such file or directory");
        let plain = anyhow::anyhow!("bad header").context("reading b.nrrd");
        assert_eq!(error_chain(&plain), "reading b.nrrd: bad header");
    }
}
