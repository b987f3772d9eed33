//! `radiomics validate`: validation: C-index per cohort, cut point, Kaplan-Meier, G-rho log-rank, hazard ratio, combined Cox model, writing OUT/validation/scores.csv and validation.json.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::pipeline::layout::Layout;
use crate::pipeline::study::{TableImport, import_table, stage_config};

/// Arguments of `radiomics validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
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
pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let layout = Layout::new(&args.out);
    let config = stage_config(args.config.as_deref(), &layout, &args.import)?;
    if args.import.table.is_some() {
        import_table(&args.import, &config.model.clinical, &layout, &config)?;
    }
    let summary = crate::pipeline::validate::run_validate(&config, &layout)?;
    for (name, c) in [("discovery", summary.discovery_c), ("validation", summary.validation_c)] {
        if let Some((c, lo, hi)) = c {
            println!("{name} C-index {c:.3} (95% CI {lo:.3}-{hi:.3})");
        }
    }
    if summary.cut.is_nan() {
        println!(
            "empty signature: no score, cut point or risk group; details in {}",
            layout.validation_json().display()
        );
    } else {
        println!("cut point {:.4}; details in {}", summary.cut, layout.validation_json().display());
    }
    Ok(ExitCode::SUCCESS)
}
