//! `radiomics convert-caffe MODEL.caffemodel -o cnn_s.onnx`: the Caffe importer.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use radiomics_deepfeat::FeatureActivation;
use radiomics_deepfeat::caffe::{CaffeConversion, caffe_to_onnx, read_mean_binaryproto};

/// Arguments of `radiomics convert-caffe`.
#[derive(Debug, clap::Args)]
pub struct ConvertCaffeArgs {
    /// Caffe weights (binary NetParameter), e.g. your copy of VGG_CNN_S.caffemodel. The
    /// published CNN-S weights are licensed for non-commercial use only.
    pub caffemodel: PathBuf,
    /// ONNX file to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Caffe mean file (.binaryproto); its per-channel means are stored in the model
    /// (default: the ImageNet BGR mean 103.939, 116.779, 123.68).
    #[arg(long)]
    pub mean: Option<PathBuf>,
    /// Layers exposed as feature outputs `{layer}_out`, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "fc6,fc7")]
    pub features: Vec<String>,
    /// Expose the features before the ReLU instead of after it.
    #[arg(long)]
    pub pre_relu: bool,
    /// Input height and width when the file declares no input shape.
    #[arg(long, default_value_t = 224)]
    pub input_size: usize,
}

/// Converts the model and writes the ONNX file.
pub fn run(args: ConvertCaffeArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.caffemodel).with_context(|| format!("reading {}", args.caffemodel.display()))?;
    let mut options = CaffeConversion {
        input_size: [args.input_size, args.input_size],
        feature_layers: args.features.clone(),
        activation: if args.pre_relu { FeatureActivation::PreRelu } else { FeatureActivation::PostRelu },
        ..CaffeConversion::default()
    };
    if let Some(mean_path) = &args.mean {
        let mean_bytes = std::fs::read(mean_path).with_context(|| format!("reading {}", mean_path.display()))?;
        options.mean = read_mean_binaryproto(&mean_bytes, &mean_path.display().to_string())?;
    }
    let what = args.caffemodel.display().to_string();
    let (onnx, import) = caffe_to_onnx(&bytes, &what, &options)?;
    std::fs::write(&args.output, &onnx).with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!(
        "wrote {}: network {}, {} layers ({} skipped: {}), {} parameters, {:.1} MB",
        args.output.display(),
        import.network.name,
        import.network.layers.len(),
        import.skipped.len(),
        import.skipped.join(", "),
        import.weights.parameter_count(),
        onnx.len() as f64 / 1e6
    );
    Ok(ExitCode::SUCCESS)
}
