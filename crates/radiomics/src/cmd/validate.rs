//! `radiomics validate`: validation: C-index per cohort, cut point, Kaplan-Meier, G-rho log-rank, hazard ratio, combined Cox model, writing OUT/validation/scores.csv and validation.json.

use std::process::ExitCode;

/// Arguments of `radiomics validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Output folder, config and table input.
    #[command(flatten)]
    pub stage: super::StageArgs,
}

/// Runs the stage.
pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let (layout, config) = args.stage.prepare()?;
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
