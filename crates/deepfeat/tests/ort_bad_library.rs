//! A file that is not an ONNX Runtime library, named by ORT_DYLIB_PATH, gives a typed error
//! naming the variable instead of the panic `ort` raises on its own.
//!
//! This binary contains a single test because it sets the process environment.
#![cfg(feature = "ort")]

use radiomics_deepfeat::{BackendKind, CnnSWidths, DeepFeatError, FeatureActivation, ModelOptions, OnnxModel};

#[test]
fn non_library_file_is_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("libonnxruntime.so.1.31.1");
    std::fs::write(&fake, b"not a shared library").unwrap();
    // SAFETY: this test binary runs this one test, so no other thread reads the environment.
    unsafe { std::env::set_var("ORT_DYLIB_PATH", &fake) };
    let bytes = radiomics_deepfeat::random_cnn_s_onnx(CnnSWidths::SMALL, 1, FeatureActivation::PostRelu).unwrap();
    let options = ModelOptions { backend: BackendKind::Ort, ..Default::default() };
    let err = OnnxModel::from_bytes(bytes, "small", &options).unwrap_err();
    match &err {
        DeepFeatError::OrtLibrary { path, .. } => assert!(path.contains("libonnxruntime.so.1.31.1"), "{path}"),
        other => panic!("expected OrtLibrary, got {other}"),
    }
    assert!(err.to_string().contains("ORT_DYLIB_PATH"), "{err}");
}
