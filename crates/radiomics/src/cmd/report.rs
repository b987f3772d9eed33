//! `radiomics report`: the report: nomogram, calibration, plots, HTML and Markdown, writing OUT/report/.

use std::process::ExitCode;

/// Arguments of `radiomics report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Output folder, config and table input.
    #[command(flatten)]
    pub stage: super::StageArgs,
}

/// Runs the stage.
pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let (layout, config) = args.stage.prepare()?;
    crate::pipeline::report::run_report(&config, &layout)?;
    println!("report written to {}", layout.report_dir().display());
    Ok(ExitCode::SUCCESS)
}
