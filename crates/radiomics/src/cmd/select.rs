//! `radiomics select`: the four-step feature selection (missing-value rule, ICC, MAD, univariate C-index, correlation), writing OUT/selection/selection.csv and selected.txt.

use std::process::ExitCode;

/// Arguments of `radiomics select`.
#[derive(Debug, clap::Args)]
pub struct SelectArgs {
    /// Output folder, config and table input.
    #[command(flatten)]
    pub stage: super::StageArgs,
}

/// Runs the stage.
pub fn run(args: SelectArgs) -> anyhow::Result<ExitCode> {
    let (layout, config) = args.stage.prepare()?;
    let summary = crate::pipeline::select::run_select(&config, &layout)?;
    let steps: Vec<String> = summary.counts.iter().map(|(step, n)| format!("{step} {n}")).collect();
    println!("selection: {}; {} features kept", steps.join(", "), summary.selected.len());
    Ok(ExitCode::SUCCESS)
}
