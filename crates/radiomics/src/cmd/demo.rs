//! `radiomics demo`: writes a synthetic cohort with a planted survival signal and runs the whole
//! method on it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::pipeline::config::{Config, DeepWidths};
use crate::pipeline::demo::{DEMO_MIN_PATIENTS, DEMO_MIN_SIZE, DemoSpec, write_demo_cohort};
use crate::pipeline::runner::run_all;

/// Size of the random deep network in the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeepSizeArg {
    /// The full CNN-S (98,304 deep features per patient).
    Full,
    /// The down-scaled CNN-S (1,536 deep features per patient).
    Small,
}

/// The default of `--size`, written as the option takes it (`DemoSpec::default().size`).
const DEFAULT_SIZE: &str = "64,64,48";

/// Arguments of `radiomics demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Folder for the synthetic images, manifest, config and outputs (`DIR/out`).
    #[arg(long, default_value = "radiomics-demo")]
    pub out: PathBuf,
    /// Patients in the cohort (60 % discovery, 40 % validation); at least 60, below which the
    /// signature does not recover the planted signal.
    #[arg(long, default_value_t = DemoSpec::default().patients)]
    pub patients: usize,
    /// Skip the deep features (handcrafted features only).
    #[arg(long)]
    pub no_deep: bool,
    /// Size of the seeded random CNN-S. `small` (the default) keeps the demo to a few minutes on
    /// 2 cores; `full` gives the method's 98,304 deep features per patient.
    #[arg(long, value_enum, default_value = "small")]
    pub deep_size: DeepSizeArg,
    /// Seed of the synthetic cohort.
    #[arg(long, default_value_t = DemoSpec::default().seed)]
    pub seed: u64,
    /// Image grid `X,Y,Z` in 1 mm voxels; at least 40,40,30.
    #[arg(long, value_delimiter = ',', default_value = DEFAULT_SIZE)]
    pub size: Vec<usize>,
    /// Run a cohort below the minimum of `--patients` and `--size` anyway, for quick tests.
    /// The signature then overfits, and the report warns about it.
    #[arg(long)]
    pub allow_small: bool,
    /// Hide the progress bars.
    #[arg(long)]
    pub no_progress: bool,
    /// Only write the synthetic images, manifest and config; run nothing (then use
    /// `radiomics run DIR/config.toml`).
    #[arg(long)]
    pub write_only: bool,
}

/// Writes the demo cohort, runs the pipeline and prints the validation C-index next to the
/// C-index of the planted risk.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.size.len() == 3, "--size takes three numbers X,Y,Z, got {:?}", args.size);
    anyhow::ensure!(
        args.allow_small || args.patients >= DEMO_MIN_PATIENTS,
        "--patients {} is below the demo's minimum of {DEMO_MIN_PATIENTS}: with fewer patients the LASSO signature \
         overfits the discovery cohort and the validation C-index falls to about 0.5 (docs/pipeline.md, \
         \"Cohort size\"); use --patients {DEMO_MIN_PATIENTS} or more (or --allow-small to run it anyway)",
        args.patients
    );
    if let Some(axis) = (0..3).find(|&a| !args.allow_small && args.size[a] < DEMO_MIN_SIZE[a]) {
        anyhow::bail!(
            "--size {} is below the demo's minimum of {} along {}: a smaller grid clips the simulated tumour and \
             oedema; use --size {} or larger (or --allow-small to run it anyway)",
            args.size.iter().map(usize::to_string).collect::<Vec<_>>().join(","),
            DEMO_MIN_SIZE[axis],
            ["X", "Y", "Z"][axis],
            DEMO_MIN_SIZE.map(|v| v.to_string()).join(",")
        );
    }
    let spec = DemoSpec {
        patients: args.patients,
        size: [args.size[0], args.size[1], args.size[2]],
        seed: args.seed,
        deep: !args.no_deep,
        deep_widths: match args.deep_size {
            DeepSizeArg::Full => DeepWidths::Full,
            DeepSizeArg::Small => DeepWidths::Small,
        },
        ..DemoSpec::default()
    };
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let started = std::time::Instant::now();
    let cohort = write_demo_cohort(&args.out, &spec)?;
    println!(
        "synthetic cohort: {} patients written to {} (manifest {}) in {:.1} s",
        cohort.members.len(),
        args.out.display(),
        cohort.manifest.display(),
        started.elapsed().as_secs_f64()
    );
    if args.write_only {
        println!("run it with: radiomics run {}", cohort.config.display());
        return Ok(ExitCode::SUCCESS);
    }
    let config = Config::from_file(&cohort.config)?;
    let outcome = run_all(&config, !args.no_progress)?;
    super::run::print_summary(&outcome);
    print_recovery(&outcome.layout, &cohort.members)?;
    Ok(super::run::exit_code(&outcome))
}

/// Prints the validation C-index of the signature next to the C-index of the planted log
/// hazard (the best any model can do on these outcomes) and says whether the signal was
/// recovered.
fn print_recovery(
    layout: &crate::pipeline::layout::Layout,
    members: &[radiomics_volume::synthetic::CohortMember],
) -> anyhow::Result<()> {
    let validation = crate::pipeline::provenance::read_json(&layout.validation_json())?;
    let Some(cohort) = validation["cohorts"].as_array().and_then(|a| a.iter().find(|c| c["cohort"] == "validation"))
    else {
        println!("no validation cohort result");
        return Ok(());
    };
    let c = &cohort["concordance"];
    let (Some(ci), Some(lo), Some(hi)) = (c["c_index"].as_f64(), c["lower95"].as_f64(), c["upper95"].as_f64()) else {
        println!("the validation C-index is undefined: {}", cohort["notes"]);
        return Ok(());
    };
    let planted: Vec<&radiomics_volume::synthetic::CohortMember> =
        members.iter().filter(|m| m.cohort == "validation").collect();
    let time: Vec<f64> = planted.iter().map(|m| m.time).collect();
    let event: Vec<f64> = planted.iter().map(|m| f64::from(m.event)).collect();
    let risk: Vec<f64> = planted.iter().map(|m| m.true_log_hazard).collect();
    let data = radiomics_survival::SurvivalData::new(&time, &event)?;
    let best = radiomics_survival::concordance(&data, &risk)?.c_index;
    println!("validation C-index {ci:.2} (95% CI {lo:.2}-{hi:.2}); planted-risk C-index {best:.2}");
    if lo > 0.5 {
        println!("the signature recovers the planted signal: its validation C-index is above 0.5 with 95% confidence");
    } else {
        println!("the signature does not recover the planted signal with 95% confidence (lower limit {lo:.2} <= 0.5)");
    }
    println!("report: {}", layout.report_dir().join("report.html").display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_default_matches_spec() {
        let parsed: Vec<usize> = DEFAULT_SIZE.split(',').map(|v| v.parse().unwrap()).collect();
        assert_eq!(parsed, DemoSpec::default().size.to_vec());
    }

    #[derive(clap::Parser)]
    struct Wrapper {
        #[command(flatten)]
        demo: DemoArgs,
    }

    #[test]
    fn size_default_parses_to_three_numbers() {
        use clap::Parser;
        let w = Wrapper::try_parse_from(["demo"]).unwrap();
        assert_eq!(w.demo.size, vec![64, 64, 48]);
        let w = Wrapper::try_parse_from(["demo", "--size", "40,40,30"]).unwrap();
        assert_eq!(w.demo.size, vec![40, 40, 30]);
    }
}
