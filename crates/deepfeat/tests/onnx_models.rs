//! ONNX models written by this crate, loaded and run through tract: shapes, validation errors
//! and ONNX Runtime reference values.
#![cfg(feature = "tract")]

mod common;

use std::sync::Arc;

use common::{small_model, wave_batch};
use radiomics_deepfeat::{
    BackendKind, CnnSWidths, DeepFeatError, FeatureActivation, ModelOptions, Network, OnnxExportOptions, OnnxModel,
    Weights, onnx::write_onnx,
};

fn tract_options() -> ModelOptions {
    ModelOptions { backend: BackendKind::Tract, ..Default::default() }
}

#[test]
fn small_model_outputs_fc6_fc7() {
    let model = OnnxModel::from_bytes(small_model(FeatureActivation::PostRelu), "small", &tract_options()).unwrap();
    assert_eq!(model.info().input_name, "data");
    assert_eq!(model.info().fixed_batch, None);
    let out = model.run(wave_batch(3).view()).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].dim(), (3, 64));
    assert_eq!(out[1].dim(), (3, 64));
    assert!(out[0].iter().all(|&v| v >= 0.0), "post-ReLU fc6 has a negative value");
    assert!(out[1].iter().any(|&v| v > 0.0), "fc7 is all zero");
}

#[test]
fn pre_relu_differs_only_below_zero() {
    let pre = OnnxModel::from_bytes(small_model(FeatureActivation::PreRelu), "pre", &tract_options()).unwrap();
    let post = OnnxModel::from_bytes(small_model(FeatureActivation::PostRelu), "post", &tract_options()).unwrap();
    let batch = wave_batch(2);
    let a = pre.run(batch.view()).unwrap();
    let b = post.run(batch.view()).unwrap();
    assert!(a[0].iter().any(|&v| v < 0.0), "pre-ReLU fc6 has no negative value");
    for (x, y) in a[0].iter().zip(b[0].iter()) {
        assert!((x.max(0.0) - y).abs() < 1e-5);
    }
}

/// Expected values from ONNX Runtime 1.31.1 (Python, CPU) on the same model and input:
///
/// ```text
/// cargo run -p radiomics-deepfeat --example write_random_model -- small 7 /tmp/deepfeat_small_seed7.onnx
/// python3 - <<'PY'
/// import numpy as np, onnxruntime as ort
/// s = ort.InferenceSession("/tmp/deepfeat_small_seed7.onnx", providers=["CPUExecutionProvider"])
/// i = np.arange(2 * 3 * 224 * 224, dtype=np.float64)
/// x = (np.sin(i.astype(np.float32) * np.float32(0.001)) * 100).astype(np.float32).reshape(2, 3, 224, 224)
/// fc6, fc7 = s.run(["fc6_out", "fc7_out"], {"data": x})
/// print(fc6[:, :6].tolist(), fc7[:, :6].tolist())
/// PY
/// ```
const ORT_FC6: [[f32; 6]; 2] =
    [[152.8023, 16.246338, 6.6985445, 0.0, 13.061483, 0.0], [156.44661, 8.161117, 7.170024, 0.0, 2.844418, 0.0]];
const ORT_FC7: [[f32; 6]; 2] = [[0.0, 0.0, 0.0, 157.2493, 0.0, 0.0], [0.0, 0.0, 0.0, 158.80116, 0.0, 0.0]];

/// `|a - b| <= 1e-4 + 1e-5 |b|`: float32 sums of up to 576 products per unit, in another order.
fn close(a: &[f32], b: &[f32]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-4 + 1e-5 * y.abs())
}

#[test]
fn small_model_matches_onnx_runtime_values() {
    let model = OnnxModel::from_bytes(small_model(FeatureActivation::PostRelu), "small", &tract_options()).unwrap();
    let out = model.run(wave_batch(2).view()).unwrap();
    for n in 0..2 {
        let fc6: Vec<f32> = out[0].row(n).iter().take(6).copied().collect();
        let fc7: Vec<f32> = out[1].row(n).iter().take(6).copied().collect();
        assert!(close(&fc6, &ORT_FC6[n]), "image {n}: fc6 {fc6:?} vs {:?}", ORT_FC6[n]);
        assert!(close(&fc7, &ORT_FC7[n]), "image {n}: fc7 {fc7:?} vs {:?}", ORT_FC7[n]);
    }
}

#[test]
fn intermediate_tensor_becomes_output() {
    // pool5 is not a graph output; the loader appends it. 16 x 6 x 6 = 576 values per image.
    let options = ModelOptions { outputs: vec!["pool5".into(), "fc7_out".into()], ..tract_options() };
    let model = OnnxModel::from_bytes(small_model(FeatureActivation::PostRelu), "small", &options).unwrap();
    let out = model.run(wave_batch(1).view()).unwrap();
    assert_eq!(out[0].dim(), (1, 16 * 6 * 6));
    assert_eq!(out[1].dim(), (1, 64));
}

#[test]
fn missing_output_is_error() {
    let options = ModelOptions { outputs: vec!["fc9_out".into()], ..tract_options() };
    let err = OnnxModel::from_bytes(small_model(FeatureActivation::PostRelu), "small.onnx", &options).unwrap_err();
    match &err {
        DeepFeatError::MissingOutput { output, available, .. } => {
            assert_eq!(output, "fc9_out");
            assert!(available.contains(&"fc6_out".to_string()), "{available:?}");
        }
        other => panic!("expected MissingOutput, got {other}"),
    }
    assert!(err.to_string().contains("small.onnx"), "{err}");
}

#[test]
fn wrong_input_size_is_error() {
    let mut network = Network::cnn_s_with_widths(CnnSWidths::SMALL);
    network.input_size = [227, 227];
    let weights = Weights::he_normal(&network, 1).unwrap();
    let bytes = write_onnx(&network, &weights, &OnnxExportOptions::default()).unwrap();
    let err = OnnxModel::from_bytes(bytes, "alexnet-size.onnx", &tract_options()).unwrap_err();
    assert!(matches!(&err, DeepFeatError::ModelInput { found, size: 224, .. } if found == "[N, 3, 227, 227]"), "{err}");
}

#[test]
fn wrong_batch_shape_is_error() {
    let model = OnnxModel::from_bytes(small_model(FeatureActivation::PostRelu), "small", &tract_options()).unwrap();
    let batch = ndarray::Array4::<f32>::zeros((1, 3, 200, 224));
    let err = model.run(batch.view()).unwrap_err();
    assert!(matches!(err, DeepFeatError::BatchShape { .. }), "{err}");
}

#[test]
fn corrupt_model_is_error() {
    let bytes = small_model(FeatureActivation::PostRelu);
    let truncated = bytes[..bytes.len() / 2].to_vec();
    let err = OnnxModel::from_bytes(truncated, "cut.onnx", &tract_options()).unwrap_err();
    assert!(matches!(err, DeepFeatError::CorruptModel { .. }), "{err}");
    let err = OnnxModel::from_bytes(b"this is not a model".to_vec(), "text.onnx", &tract_options()).unwrap_err();
    assert!(matches!(err, DeepFeatError::CorruptModel { .. }), "{err}");
    let err = OnnxModel::from_bytes(Vec::new(), "empty.onnx", &tract_options()).unwrap_err();
    assert!(matches!(err, DeepFeatError::CorruptModel { .. }), "{err}");
}

#[test]
fn missing_file_is_error() {
    let err = OnnxModel::from_file(std::path::Path::new("/nonexistent/cnn_s.onnx"), &tract_options()).unwrap_err();
    assert!(matches!(err, DeepFeatError::Io { .. }), "{err}");
    assert!(err.to_string().contains("/nonexistent/cnn_s.onnx"), "{err}");
}

#[test]
fn shared_model_loads_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.onnx");
    std::fs::write(&path, small_model(FeatureActivation::PostRelu)).unwrap();
    let a = OnnxModel::shared(&path, &tract_options()).unwrap();
    let b = OnnxModel::shared(&path, &tract_options()).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    // Threads share the one model.
    let batch = wave_batch(1);
    let expected = a.run(batch.view()).unwrap();
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| assert_eq!(b.run(batch.view()).unwrap(), expected));
        }
    });
}

#[test]
fn post_relu_needs_relu_layer() {
    let mut network = Network::cnn_s_with_widths(CnnSWidths::SMALL);
    network.layers.retain(|l| l.name != "relu7");
    let weights = Weights::he_normal(&network, 1).unwrap();
    let err = write_onnx(&network, &weights, &OnnxExportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("fc7"), "{err}");
}

/// The full-size CNN-S with seeded weights, run once: pool5, the input of fc6, has
/// 512 x 6 x 6 = 18432 values per image (flattened by the extractor).
#[test]
fn full_cnn_s_runs_with_6x6x512_pool5() {
    let started = std::time::Instant::now();
    let bytes = radiomics_deepfeat::random_cnn_s_onnx(CnnSWidths::FULL, 0, FeatureActivation::PostRelu).unwrap();
    assert!(bytes.len() > 411_000_000, "{} bytes", bytes.len());
    let options = ModelOptions { outputs: vec!["pool5".into(), "fc6_out".into(), "fc7_out".into()], ..tract_options() };
    let model = OnnxModel::from_bytes(bytes, "cnn_s", &options).unwrap();
    let out = model.run(wave_batch(1).view()).unwrap();
    assert_eq!(out[0].dim(), (1, 512 * 6 * 6));
    assert_eq!(out[1].dim(), (1, 4096));
    assert_eq!(out[2].dim(), (1, 4096));
    eprintln!("full CNN-S build, load and run: {:.1} s", started.elapsed().as_secs_f64());
}
