//! `radiomics select`: the four-step feature selection (missing-value rule, ICC, MAD, univariate C-index, correlation), writing OUT/selection/selection.csv and selected.txt.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::pipeline::layout::Layout;
use crate::pipeline::study::{TableImport, import_table, stage_config};

/// Arguments of `radiomics select`.
#[derive(Debug, clap::Args)]
pub struct SelectArgs {
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
pub fn run(args: SelectArgs) -> anyhow::Result<ExitCode> {
    let layout = Layout::new(&args.out);
    let config = stage_config(args.config.as_deref(), &layout, &args.import)?;
    if args.import.table.is_some() {
        import_table(&args.import, &config.model.clinical, &layout, &config)?;
    }
    let summary = crate::pipeline::select::run_select(&config, &layout)?;
    let steps: Vec<String> = summary.counts.iter().map(|(step, n)| format!("{step} {n}")).collect();
    println!("selection: {}; {} features kept", steps.join(", "), summary.selected.len());
    Ok(ExitCode::SUCCESS)
}
