//! `radiomics fit`: the LASSO Cox signature with cross-validation on the discovery cohort, writing OUT/model/signature.json and lasso_path.csv.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::pipeline::layout::Layout;
use crate::pipeline::study::{TableImport, import_table, stage_config};

/// Arguments of `radiomics fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
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
pub fn run(args: FitArgs) -> anyhow::Result<ExitCode> {
    let layout = Layout::new(&args.out);
    let config = stage_config(args.config.as_deref(), &layout, &args.import)?;
    if args.import.table.is_some() {
        import_table(&args.import, &config.model.clinical, &layout, &config)?;
    }
    let signature = crate::pipeline::fit::run_fit(&config, &layout)?;
    println!(
        "signature: {} of {} candidate features at lambda.{} = {:.4} ({} discovery patients, {} events): {}",
        signature.terms.len(),
        signature.candidates,
        signature.lambda_choice,
        signature.lambda_used,
        signature.discovery_patients,
        signature.discovery_events,
        layout.signature_json().display()
    );
    // The reason was logged as a warning by the stage; add what the next stages will do.
    if signature.is_empty() {
        eprintln!(
            "warning: `validate` and `report` will state that the signature is empty (no score, cut point or risk group)"
        );
    }
    Ok(ExitCode::SUCCESS)
}
