//! tract against ONNX Runtime on the same model and input: the two must agree to 1e-4
//! relative to the output scale, `max |tract - ort| <= 1e-4 * max(1, max |ort|)` per output.
//! float32 sums of thousands of terms in a different order differ in their last bits, so an
//! absolute bound would depend on the activations' magnitude (hundreds for these inputs).
//!
//! The non-ignored test runs when `ORT_DYLIB_PATH` is set and is skipped otherwise. The
//! ignored one (run with `-- --ignored`, as CI does) fails when the library is missing.
#![cfg(all(feature = "tract", feature = "ort"))]

mod common;

use common::{max_abs_diff, small_model, wave_batch};
use radiomics_deepfeat::{BackendKind, CnnSWidths, FeatureActivation, ModelOptions, OnnxModel, random_cnn_s_onnx};

const TOLERANCE: f32 = 1e-4;

fn ort_library_present() -> bool {
    std::env::var_os("ORT_DYLIB_PATH").is_some()
}

fn require_ort_library() {
    assert!(
        ort_library_present(),
        "ORT_DYLIB_PATH is not set: install the ONNX Runtime library with \
         `pip install onnxruntime==1.31.1` and set ORT_DYLIB_PATH to \
         site-packages/onnxruntime/capi/libonnxruntime.so.1.31.1"
    );
}

fn compare(bytes: Vec<u8>, batch: usize) {
    let tract = OnnxModel::from_bytes(bytes.clone(), "model", &ModelOptions::default()).unwrap();
    let ort_options = ModelOptions { backend: BackendKind::Ort, ..Default::default() };
    let ort = OnnxModel::from_bytes(bytes, "model", &ort_options).unwrap();
    let input = wave_batch(batch);
    let a = tract.run(input.view()).unwrap();
    let b = ort.run(input.view()).unwrap();
    for (k, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x.dim(), y.dim());
        let diff = max_abs_diff(x.as_slice().unwrap(), y.as_slice().unwrap());
        let scale = y.iter().fold(1.0f32, |m, v| m.max(v.abs()));
        eprintln!("output {k}: max |tract - ort| = {diff:e}, max |ort| = {scale}");
        assert!(
            diff <= TOLERANCE * scale,
            "output {k}: max |tract - ort| = {diff:e} > {TOLERANCE:e} x output scale {scale}"
        );
        assert!(y.iter().any(|&v| v > 0.0), "output {k} is all zero; the comparison would not discriminate");
    }
}

#[test]
fn small_model_backends_agree() {
    if !ort_library_present() {
        eprintln!("skipped: ORT_DYLIB_PATH is not set (the ignored test backends_agree_full_cnn_s requires it)");
        return;
    }
    compare(small_model(FeatureActivation::PostRelu), 12);
    compare(small_model(FeatureActivation::PreRelu), 3);
}

#[test]
#[ignore = "needs ONNX Runtime: ORT_DYLIB_PATH must name libonnxruntime.so"]
fn backends_agree_full_cnn_s() {
    require_ort_library();
    compare(random_cnn_s_onnx(CnnSWidths::FULL, 0, FeatureActivation::PostRelu).unwrap(), 12);
}

#[test]
fn missing_ort_library_is_typed_error() {
    // Only meaningful in a process where ORT_DYLIB_PATH is unset or wrong; with a valid
    // library, loading must succeed.
    let options = ModelOptions { backend: BackendKind::Ort, ..Default::default() };
    match OnnxModel::from_bytes(small_model(FeatureActivation::PostRelu), "small", &options) {
        Ok(_) => assert!(ort_library_present()),
        Err(e) => {
            assert!(matches!(e, radiomics_deepfeat::DeepFeatError::OrtLibrary { .. }), "{e}");
            assert!(e.to_string().contains("ORT_DYLIB_PATH"), "{e}");
        }
    }
}
