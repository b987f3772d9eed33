//! `radiomics preprocess --t1 F --t1c F --t2 F --flair F [--seg F] --out DIR`: the whole
//! preprocessing of one patient (N4, skull stripping, resampling, registration to T1C,
//! normalisation), plus the file helpers shared by the single-step subcommands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use radiomics_preproc::Interpolator;
use radiomics_preproc::n4::N4Params;
use radiomics_preproc::pipeline::{Modality, Normalization, PatientImages, PipelineConfig, run_pipeline};
use radiomics_preproc::registration::RegistrationParams;
use radiomics_preproc::skull_strip::SkullStripParams;
use radiomics_volume::io::{self, read_volume};
use radiomics_volume::{Mask, Volume};

/// Reads an intensity image as `f32`.
pub(crate) fn read_image(path: &Path) -> anyhow::Result<Volume<f32>> {
    let volume = read_volume(path).with_context(|| format!("cannot read image {}", path.display()))?;
    Ok(volume.map(|&v| v as f32))
}

/// Reads a mask: every non-zero voxel is inside.
pub(crate) fn read_mask(path: &Path) -> anyhow::Result<Mask> {
    io::read_mask(path, &[]).with_context(|| format!("cannot read mask {}", path.display()))
}

/// Checks, before any computation, that `path` can take an image: a known extension and an
/// existing folder.
pub(crate) fn check_output(path: &Path) -> anyhow::Result<()> {
    if io::Format::from_path(path).is_none() {
        anyhow::bail!("cannot write {}: unknown image extension; use .nii, .nii.gz, .nrrd or .nhdr", path.display());
    }
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.is_dir()
    {
        anyhow::bail!("cannot write {}: folder {} does not exist; create it first", path.display(), dir.display());
    }
    Ok(())
}

/// Writes an `f32` image.
pub(crate) fn write_image(image: &Volume<f32>, path: &Path) -> anyhow::Result<()> {
    io::write_volume(image, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Parses `x,y,z` (or one value for all axes) as a spacing in mm.
pub(crate) fn parse_spacing(text: &str) -> anyhow::Result<[f64; 3]> {
    let values: Vec<f64> = text
        .split(',')
        .map(|t| t.trim().parse::<f64>().with_context(|| format!("invalid spacing `{text}`: `{t}` is not a number")))
        .collect::<anyhow::Result<_>>()?;
    match values.as_slice() {
        [s] => Ok([*s; 3]),
        [x, y, z] => Ok([*x, *y, *z]),
        _ => {
            anyhow::bail!("invalid spacing `{text}`: give one value or three comma-separated values in mm, e.g. 1,1,1")
        }
    }
}

/// Arguments of `radiomics preprocess`.
#[derive(Debug, clap::Args)]
pub struct PreprocessArgs {
    /// T1-weighted image.
    #[arg(long)]
    pub t1: PathBuf,
    /// T1-weighted post-contrast image (registration target and output grid).
    #[arg(long)]
    pub t1c: PathBuf,
    /// T2-weighted image.
    #[arg(long)]
    pub t2: PathBuf,
    /// FLAIR image.
    #[arg(long)]
    pub flair: PathBuf,
    /// Tumour label map (resampled with nearest neighbour).
    #[arg(long)]
    pub seg: Option<PathBuf>,
    /// Brain mask on the T1C grid; replaces skull stripping.
    #[arg(long)]
    pub brain_mask: Option<PathBuf>,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Output spacing in mm, `x,y,z` or one value.
    #[arg(long, default_value = "1,1,1")]
    pub spacing: String,
    /// N4 shrink factor.
    #[arg(long, default_value_t = 4)]
    pub shrink: usize,
    /// Skip N4 bias correction.
    #[arg(long)]
    pub no_n4: bool,
    /// Skip skull stripping (ignored when --brain-mask is given).
    #[arg(long)]
    pub no_skull_strip: bool,
    /// Skip registration (images are resampled by physical position only).
    #[arg(long)]
    pub no_register: bool,
    /// Normalisation of the brain voxels: zscore or none.
    #[arg(long, default_value = "zscore")]
    pub normalize: String,
}

/// Runs the pipeline and writes `t1.nii.gz`, `t1c.nii.gz`, `t2.nii.gz`, `flair.nii.gz`,
/// `brain_mask.nii.gz`, `seg.nii.gz` (when given), one `<modality>_to_t1c.tfm` per registered
/// modality and `timings.json` into the output directory.
pub fn run(args: PreprocessArgs) -> anyhow::Result<ExitCode> {
    let normalization = match args.normalize.as_str() {
        "zscore" => Normalization::ZScore,
        "none" => Normalization::None,
        other => anyhow::bail!("invalid --normalize `{other}`: expected zscore or none"),
    };
    let config = PipelineConfig {
        n4: (!args.no_n4).then(|| N4Params { shrink_factor: args.shrink, ..Default::default() }),
        skull_strip: (!args.no_skull_strip).then(SkullStripParams::default),
        spacing: Some(parse_spacing(&args.spacing)?),
        interpolator: Interpolator::Linear,
        registration: (!args.no_register).then(RegistrationParams::default),
        normalization,
    };
    let images = [read_image(&args.t1)?, read_image(&args.t1c)?, read_image(&args.t2)?, read_image(&args.flair)?];
    let labels = match &args.seg {
        Some(p) => Some(io::read_label_map(p).with_context(|| format!("cannot read label map {}", p.display()))?),
        None => None,
    };
    let brain_mask = match &args.brain_mask {
        Some(p) => Some(read_mask(p)?),
        None => None,
    };
    let out = run_pipeline(PatientImages { images, labels, brain_mask }, &config)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output directory {}", args.out.display()))?;
    for (m, image) in Modality::ALL.iter().zip(&out.images) {
        write_image(image, &args.out.join(format!("{}.nii.gz", m.name())))?;
    }
    io::write_mask(&out.brain_mask, args.out.join("brain_mask.nii.gz")).context("cannot write brain_mask.nii.gz")?;
    if let Some(labels) = &out.labels {
        io::write_label_map(labels, args.out.join("seg.nii.gz")).context("cannot write seg.nii.gz")?;
    }
    for (m, r) in &out.registrations {
        r.transform.write_tfm(&args.out.join(format!("{}_to_t1c.tfm", m.name())))?;
    }
    let timings: Vec<serde_json::Value> =
        out.timings.iter().map(|t| serde_json::json!({"step": t.step, "seconds": t.seconds})).collect();
    std::fs::write(args.out.join("timings.json"), serde_json::to_string_pretty(&timings)?)
        .context("cannot write timings.json")?;
    for t in &out.timings {
        eprintln!("{:<24} {:>8.2} s", t.step, t.seconds);
    }
    Ok(ExitCode::SUCCESS)
}
