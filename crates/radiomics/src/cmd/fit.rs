//! `radiomics fit`: the LASSO Cox signature with cross-validation on the discovery cohort, writing OUT/model/signature.json and lasso_path.csv.

use std::process::ExitCode;

/// Arguments of `radiomics fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// Output folder, config and table input.
    #[command(flatten)]
    pub stage: super::StageArgs,
}

/// Runs the stage.
pub fn run(args: FitArgs) -> anyhow::Result<ExitCode> {
    let (layout, config) = args.stage.prepare()?;
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
