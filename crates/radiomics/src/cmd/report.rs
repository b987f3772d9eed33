//! `radiomics report`: the report: nomogram, calibration, plots, HTML and Markdown, writing OUT/report/.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::pipeline::layout::Layout;
use crate::pipeline::study::{TableImport, import_table, stage_config};

/// Arguments of `radiomics report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Output folder of a run (reads its features.csv and clinical.csv), or where --table is
    /// imported.
    #[arg(long)]
    pub out: PathBuf,
    /// Config file (default: the settings recorded in OUT/run.json, else the defaults).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Plain survival table input.
    #[command(flatten)]
    pub import: TableImport,
}

/// Runs the stage.
pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let layout = Layout::new(&args.out);
    let config = stage_config(args.config.as_deref(), &layout, &args.import)?;
    if args.import.table.is_some() {
        import_table(&args.import, &config.model.clinical, &layout, &config)?;
    }
    crate::pipeline::report::run_report(&config, &layout)?;
    println!("report written to {}", layout.report_dir().display());
    Ok(ExitCode::SUCCESS)
}
