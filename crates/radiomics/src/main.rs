//! The `radiomics` command line: one subcommand per stage of the method.
//!
//! Each subcommand lives in its own module under `cmd/` and only parses arguments, calls the
//! library crates and writes files; the algorithms live in the library crates.

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
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
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
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}
