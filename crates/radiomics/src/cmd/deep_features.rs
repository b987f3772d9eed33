//! `radiomics deep-features`: CNN-S fc6/fc7 features of one patient as one wide CSV row.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use radiomics_deepfeat::{
    BackendKind, CnnSWidths, ColourOrder, Device, EmptyRegionPolicy, FeatureActivation, FeatureExtractor,
    GreyscaleInput, Modality, ModelOptions, NormalisationScope, OnnxModel, PrepareSettings, RegionLabels,
};

/// Inference backend on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    /// Pure-Rust tract (CPU).
    Tract,
    /// ONNX Runtime, loaded from ORT_DYLIB_PATH.
    Ort,
}

/// Device on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceArg {
    /// CPU.
    Cpu,
    /// NVIDIA GPU through ONNX Runtime's CUDA execution provider (falls back to the CPU with a warning).
    Cuda,
}

/// Size of the seeded random network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RandomSizeArg {
    /// The full CNN-S (4096 fc units; builds a 412 MB model in memory).
    Full,
    /// A down-scaled CNN-S with the same layers and 64 fc units, for quick checks.
    Small,
}

/// Channel layout on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GreyscaleArg {
    /// The image in the red channel only, green and blue zero ("G and B turned off").
    Red,
    /// The image in all three channels.
    Replicate,
}

/// Normalisation range on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NormaliseArg {
    /// Minimum and maximum of the whole axial slice.
    Slice,
    /// Minimum and maximum inside each crop.
    Crop,
}

/// Empty sub-region handling on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EmptyRegionArg {
    /// Fail with an error naming the region and slice.
    Error,
    /// Write NaN for that region's features.
    Nan,
}

/// Arguments of `radiomics deep-features`.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("weights").required(true).args(["model", "random_weights"]))]
pub struct DeepFeaturesArgs {
    /// T1-weighted image.
    #[arg(long)]
    pub t1: PathBuf,
    /// Contrast-enhanced T1-weighted image.
    #[arg(long)]
    pub t1c: PathBuf,
    /// T2-weighted image.
    #[arg(long)]
    pub t2: PathBuf,
    /// FLAIR image.
    #[arg(long)]
    pub flair: PathBuf,
    /// Segmentation (integer labels on the same grid as the images).
    #[arg(long)]
    pub seg: PathBuf,
    /// Labels of each sub-region, e.g. `necrosis=1,core=1,4,whole=1,2,4` (BraTS defaults).
    #[arg(long)]
    pub labels: Option<String>,
    /// ONNX model with a [N, 3, 224, 224] input and the feature outputs (see --outputs),
    /// e.g. written by `radiomics convert-caffe`.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Use a CNN-S with seeded He-normal random weights instead of a model file (for tests and demos).
    #[arg(long, value_name = "SEED")]
    pub random_weights: Option<u64>,
    /// Size of the random network of --random-weights.
    #[arg(long, value_enum, default_value = "full")]
    pub random_size: RandomSizeArg,
    /// Take fc6/fc7 of the random network before the ReLU instead of after it.
    #[arg(long)]
    pub pre_relu: bool,
    /// Model outputs used as features, comma-separated; `fc6_out` becomes `F6` in feature names.
    #[arg(long, value_delimiter = ',', default_value = "fc6_out,fc7_out")]
    pub outputs: Vec<String>,
    /// Inference backend.
    #[arg(long, value_enum, default_value = "tract")]
    pub backend: BackendArg,
    /// Device (CUDA needs --backend ort with the onnxruntime-gpu library).
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceArg,
    /// How the greyscale crop fills the three input channels.
    #[arg(long, value_enum, default_value = "red")]
    pub greyscale: GreyscaleArg,
    /// Which pixels set the [0, 255] normalisation range.
    #[arg(long, value_enum, default_value = "slice")]
    pub normalise: NormaliseArg,
    /// What to do when a sub-region has no pixel on the chosen slice.
    #[arg(long, value_enum, default_value = "error")]
    pub empty_region: EmptyRegionArg,
    /// Per-channel mean subtracted after normalisation, three numbers in the model's channel
    /// order (default: the model's metadata, else the ImageNet BGR mean 103.939,116.779,123.68).
    #[arg(long, value_delimiter = ',', num_args = 3, value_name = "M1,M2,M3")]
    pub mean: Option<Vec<f32>>,
    /// Channel order of the model (default: the model's metadata, else BGR as in Caffe models).
    #[arg(long, value_parser = ["rgb", "bgr"])]
    pub colour_order: Option<String>,
    /// Patient identifier written in the first column (default: the segmentation's file name).
    #[arg(long)]
    pub id: Option<String>,
    /// Output CSV (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

fn file_stem(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    for ext in [".nii.gz", ".nii", ".nrrd"] {
        if let Some(stem) = name.strip_suffix(ext) {
            return stem.to_string();
        }
    }
    name
}

fn load_model(args: &DeepFeaturesArgs, options: &ModelOptions) -> anyhow::Result<Arc<OnnxModel>> {
    if let Some(path) = &args.model {
        return Ok(OnnxModel::shared(path, options)?);
    }
    let seed = args.random_weights.context("give --model FILE.onnx or --random-weights SEED")?;
    let widths = match args.random_size {
        RandomSizeArg::Full => CnnSWidths::FULL,
        RandomSizeArg::Small => CnnSWidths::SMALL,
    };
    let activation = if args.pre_relu { FeatureActivation::PreRelu } else { FeatureActivation::PostRelu };
    tracing::info!(seed, ?widths, "building CNN-S with seeded random weights");
    let bytes = radiomics_deepfeat::random_cnn_s_onnx(widths, seed, activation)?;
    Ok(Arc::new(OnnxModel::from_bytes(bytes, &format!("random CNN-S (seed {seed})"), options)?))
}

/// Computes the features and writes the CSV.
pub fn run(args: DeepFeaturesArgs) -> anyhow::Result<ExitCode> {
    if args.device == DeviceArg::Cuda && args.backend != BackendArg::Ort {
        bail!("--device cuda needs --backend ort (tract runs on the CPU only)");
    }
    let options = ModelOptions {
        backend: match args.backend {
            BackendArg::Tract => BackendKind::Tract,
            BackendArg::Ort => BackendKind::Ort,
        },
        device: match args.device {
            DeviceArg::Cpu => Device::Cpu,
            DeviceArg::Cuda => Device::Cuda,
        },
        outputs: args.outputs.clone(),
        ..ModelOptions::default()
    };

    let read =
        |path: &Path| radiomics_volume::io::read_volume(path).with_context(|| format!("reading {}", path.display()));
    let images = [read(&args.t1)?, read(&args.t1c)?, read(&args.t2)?, read(&args.flair)?];
    let segmentation =
        radiomics_volume::io::read_label_map(&args.seg).with_context(|| format!("reading {}", args.seg.display()))?;

    let model = load_model(&args, &options)?;
    let mut settings = PrepareSettings::for_model(model.info(), options.input_size);
    if let Some(text) = &args.labels {
        settings.labels = RegionLabels::parse(text)?;
    }
    settings.greyscale = match args.greyscale {
        GreyscaleArg::Red => GreyscaleInput::RedOnly,
        GreyscaleArg::Replicate => GreyscaleInput::Replicated,
    };
    settings.normalisation = match args.normalise {
        NormaliseArg::Slice => NormalisationScope::Slice,
        NormaliseArg::Crop => NormalisationScope::Crop,
    };
    settings.empty_region = match args.empty_region {
        EmptyRegionArg::Error => EmptyRegionPolicy::Error,
        EmptyRegionArg::Nan => EmptyRegionPolicy::NanFeatures,
    };
    if let Some(mean) = &args.mean {
        settings.mean = [mean[0], mean[1], mean[2]];
    }
    match args.colour_order.as_deref() {
        Some("rgb") => settings.colour_order = ColourOrder::Rgb,
        Some("bgr") => settings.colour_order = ColourOrder::Bgr,
        _ => {}
    }

    let id = args.id.clone().unwrap_or_else(|| file_stem(&args.seg));
    let extractor = FeatureExtractor::new(model, settings)?;
    let inputs: Vec<(Modality, &radiomics_volume::Volume<f64>)> =
        Modality::ALL.into_iter().zip(images.iter()).collect();
    let features = extractor.extract(&inputs, &segmentation, &id)?;
    tracing::info!(patient = %id, slice = features.slice, count = features.values.len(), "deep features computed");

    let sink: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(sink));
    writer.write_record(std::iter::once("patient").chain(features.names.iter().map(String::as_str)))?;
    let values = features.values.iter().map(|v| if v.is_nan() { "NaN".to_string() } else { v.to_string() });
    writer.write_record(std::iter::once(id).chain(values))?;
    writer.flush()?;
    Ok(ExitCode::SUCCESS)
}
