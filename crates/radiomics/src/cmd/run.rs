//! `radiomics run CONFIG.toml`: every stage of the method over a cohort.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::pipeline::config::Config;
use crate::pipeline::runner::{RunOutcome, run_all, timing_summary};

/// Arguments of `radiomics run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Config file (TOML); see docs/pipeline.md for every key and its default.
    pub config: PathBuf,
    /// Output folder, overriding `[output] dir`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Hide the progress bars.
    #[arg(long)]
    pub no_progress: bool,
}

/// Runs the pipeline; exit status 2 when any patient failed.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let mut config = Config::from_file(&args.config)?;
    if let Some(out) = args.out {
        config.output.dir = out;
    }
    let outcome = run_all(&config, !args.no_progress)?;
    print_summary(&outcome);
    Ok(exit_code(&outcome))
}

/// Exit status of a finished run: 0, or 2 when any patient failed.
pub fn exit_code(outcome: &RunOutcome) -> ExitCode {
    if outcome.failed() > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS }
}

/// Prints the timing table, the failure count and where the outputs are.
pub fn print_summary(outcome: &RunOutcome) {
    let layout = &outcome.layout;
    println!("{}", timing_summary(&outcome.record));
    println!("{} patients, {} failed", outcome.record.patients, outcome.failed());
    if outcome.failed() > 0 {
        println!("failed patients and reasons: {}", layout.failures_csv().display());
    }
    println!("outputs: {}", layout.root.display());
}
