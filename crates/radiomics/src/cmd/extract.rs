//! `radiomics extract`: handcrafted and deep features of one patient (one wide CSV row) or of a
//! cohort (`--manifest`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::pipeline::config::{Backend, Config, DeepWidths};
use crate::pipeline::extract::{Engine, load_images, run_extract};
use crate::pipeline::failures::{FailureLog, write_failures};
use crate::pipeline::layout::Layout;
use crate::pipeline::manifest::{Manifest, Patient, check_id};
use crate::pipeline::provenance::{Meta, write_csv_meta};

/// Arguments of `radiomics extract`.
#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// T1-weighted image (single patient).
    #[arg(long, requires_all = ["t1c", "t2", "flair", "seg", "output"], conflicts_with = "manifest")]
    pub t1: Option<PathBuf>,
    /// Contrast-enhanced T1 image (single patient).
    #[arg(long)]
    pub t1c: Option<PathBuf>,
    /// T2-weighted image (single patient).
    #[arg(long)]
    pub t2: Option<PathBuf>,
    /// FLAIR image (single patient).
    #[arg(long)]
    pub flair: Option<PathBuf>,
    /// Segmentation with the sub-region labels (single patient).
    #[arg(long)]
    pub seg: Option<PathBuf>,
    /// Patient id written in the `id` column (single patient; default: the segmentation's
    /// parent folder name).
    #[arg(long)]
    pub id: Option<String>,
    /// Output CSV of the single patient (one wide row); required with --t1 ... (single
    /// patient).
    #[arg(short, long, value_name = "OUT.csv")]
    pub output: Option<PathBuf>,
    /// Manifest CSV of a cohort (see docs/pipeline.md).
    #[arg(long, requires = "out")]
    pub manifest: Option<PathBuf>,
    /// Output folder of the cohort (features in OUT/features/, merged in OUT/features.csv).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Config file for the label scheme and feature settings (default: built-in defaults).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// PyRadiomics YAML parameter file, overriding `features.params`.
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// Skip the handcrafted features.
    #[arg(long)]
    pub no_handcrafted: bool,
    /// Skip the deep features.
    #[arg(long)]
    pub no_deep: bool,
    /// ONNX model for the deep features, overriding `features.deep_model` (default: seeded
    /// random CNN-S weights).
    #[arg(long)]
    pub deep_model: Option<PathBuf>,
    /// Seed of the random CNN-S weights, overriding `features.deep_seed`.
    #[arg(long)]
    pub deep_seed: Option<u64>,
    /// Size of the random CNN-S: `full` or `small`.
    #[arg(long, value_parser = ["full", "small"])]
    pub deep_size: Option<String>,
    /// ONNX backend: `tract` or `ort`.
    #[arg(long, value_parser = ["tract", "ort"])]
    pub backend: Option<String>,
    /// Hide the progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

impl ExtractArgs {
    /// The config file (or defaults) with the command-line overrides applied.
    fn config(&self) -> anyhow::Result<Config> {
        let mut config = match &self.config {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        let f = &mut config.features;
        if let Some(p) = &self.params {
            f.params = p.clone();
        }
        if self.no_handcrafted {
            f.handcrafted = false;
        }
        if self.no_deep {
            f.deep = false;
        }
        if let Some(m) = &self.deep_model {
            f.deep_model = m.clone();
        }
        if let Some(s) = self.deep_seed {
            f.deep_seed = s;
        }
        if let Some(s) = &self.deep_size {
            f.deep_widths = if s == "small" { DeepWidths::Small } else { DeepWidths::Full };
        }
        if let Some(b) = &self.backend {
            f.backend = if b == "ort" { Backend::Ort } else { Backend::Tract };
        }
        config.validate()?;
        Ok(config)
    }
}

/// Extracts one patient or a cohort.
pub fn run(args: ExtractArgs) -> anyhow::Result<ExitCode> {
    let config = args.config()?;
    if let Some(manifest_path) = &args.manifest {
        let out = args.out.clone().context("--manifest needs --out DIR")?;
        let manifest = Manifest::from_file(manifest_path)?;
        let layout = Layout::new(out);
        let failures = FailureLog::new();
        let paths = |p: &Patient| p.images.clone();
        let summary = run_extract(&config, &manifest, &layout, &failures, &paths, !args.no_progress)?;
        write_failures(&layout.failures_csv(), &failures.entries())?;
        let failed = failures.failed_patients();
        println!(
            "{} of {} patients have features ({} extracted, {} skipped as complete, {} failed) in {:.1} s: {}",
            summary.completed,
            manifest.patients.len(),
            summary.timing.processed,
            summary.timing.skipped,
            failed,
            summary.timing.seconds,
            layout.features_csv().display()
        );
        if failed > 0 {
            println!("failed patients and reasons: {}", layout.failures_csv().display());
            return Ok(ExitCode::from(2));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(t1), Some(t1c), Some(t2), Some(flair), Some(seg), Some(output)) =
        (&args.t1, &args.t1c, &args.t2, &args.flair, &args.seg, &args.output)
    else {
        bail!(
            "give either --t1 F --t1c F --t2 F --flair F --seg F -o OUT.csv for one patient, or --manifest FILE --out DIR for a cohort"
        );
    };
    let id = match &args.id {
        Some(id) => id.clone(),
        None => seg
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().and_then(|d| d.file_name()).map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "patient".into()),
    };
    check_id(&id).map_err(|e| anyhow::anyhow!("--id: {e}"))?;
    let started = std::time::Instant::now();
    let images = load_images(&[t1.as_path(), t1c.as_path(), t2.as_path(), flair.as_path()], seg)
        .map_err(|e| anyhow::anyhow!("patient {id}: {e}"))?;
    let engine = Engine::new(&config)?;
    let row = engine.extract(&images, &images.seg, &id).map_err(|e| anyhow::anyhow!("patient {id}: {e}"))?;
    for w in &row.warnings {
        tracing::warn!("patient {id}: {w}");
    }
    let n = row.names.len();
    let missing = row.values.iter().filter(|v| v.is_nan()).count();
    row.into_table(&id).write_csv(output)?;
    write_csv_meta(output, &Meta::new("extract", &config, config.model.seed))?;
    println!(
        "patient {id}: {n} features ({missing} missing) in {:.1} s written to {}",
        started.elapsed().as_secs_f64(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}
