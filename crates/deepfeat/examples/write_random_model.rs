//! Writes a CNN-S with seeded He-normal weights as ONNX, e.g. to produce ONNX Runtime
//! reference outputs for the tests:
//!
//! ```text
//! cargo run -p radiomics-deepfeat --example write_random_model -- small 7 /tmp/deepfeat_small_seed7.onnx
//! cargo run -p radiomics-deepfeat --example write_random_model -- full 0 /tmp/cnn_s_seed0.onnx [pre-relu]
//! ```

use radiomics_deepfeat::{CnnSWidths, FeatureActivation, random_cnn_s_onnx};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [size, seed, path, rest @ ..] = args.as_slice() else {
        return Err("usage: write_random_model full|small SEED OUT.onnx [pre-relu]".into());
    };
    let widths = match size.as_str() {
        "full" => CnnSWidths::FULL,
        "small" => CnnSWidths::SMALL,
        other => return Err(format!("size must be full or small, not {other}").into()),
    };
    let activation = if rest.first().map(String::as_str) == Some("pre-relu") {
        FeatureActivation::PreRelu
    } else {
        FeatureActivation::PostRelu
    };
    let bytes = random_cnn_s_onnx(widths, seed.parse()?, activation)?;
    std::fs::write(path, &bytes)?;
    eprintln!("wrote {path}: {:.1} MB", bytes.len() as f64 / 1e6);
    Ok(())
}
