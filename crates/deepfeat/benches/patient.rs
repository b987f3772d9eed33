//! One patient (12 crops of 224 x 224) through the full-size CNN-S with seeded weights, per
//! backend: input preparation, inference of the batch, and the two end to end.
//!
//! The ONNX model is written to `$TMPDIR/radiomics-deepfeat-bench/cnn_s_seed0.onnx` so that
//! `benches/onnxruntime_compare.py` can time ONNX Runtime's Python API on the same file.
//! The `ort` benchmarks run when the crate is built with `--features ort` and
//! `ORT_DYLIB_PATH` is set. Both backends use one intra-op thread. This bench runs the
//! backends one after the other, so ratios against ONNX Runtime's Python API come from the
//! script, which interleaves them through the `time_batch` example.

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use ndarray::{Array3, Array4};
use radiomics_deepfeat::{
    BackendKind, CnnSWidths, FeatureActivation, FeatureExtractor, Modality, ModelOptions, OnnxModel, PrepareSettings,
    prepare_patient, random_cnn_s_onnx,
};
use radiomics_volume::{Geometry, LabelMap, Volume};

fn patient() -> (Vec<Volume<f32>>, LabelMap) {
    // 155 x 240 x 240 like a BraTS case, an ellipsoidal tumour of about 60 x 50 voxels in-plane.
    let (nz, ny, nx) = (155, 240, 240);
    let images = (0..4)
        .map(|m| {
            let data = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
                100.0 + m as f32 * 30.0 + ((x * 7 + y * 3 + z) % 50) as f32
            });
            Volume::new(data, Geometry::default()).unwrap()
        })
        .collect();
    let seg = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        let d = ((z as f64 - 77.0) / 20.0).powi(2)
            + ((y as f64 - 120.0) / 25.0).powi(2)
            + ((x as f64 - 110.0) / 30.0).powi(2);
        if d < 0.1 {
            1u32
        } else if d < 0.4 {
            4
        } else if d < 1.0 {
            2
        } else {
            0
        }
    });
    (images, LabelMap(Volume::new(seg, Geometry::default()).unwrap()))
}

fn model_bytes() -> Vec<u8> {
    let dir = std::env::temp_dir().join("radiomics-deepfeat-bench");
    let path = dir.join("cnn_s_seed0.onnx");
    if let Ok(bytes) = std::fs::read(&path) {
        return bytes;
    }
    let bytes = random_cnn_s_onnx(CnnSWidths::FULL, 0, FeatureActivation::PostRelu).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    bytes
}

fn backends() -> Vec<BackendKind> {
    let mut kinds = vec![BackendKind::Tract];
    if cfg!(feature = "ort") && std::env::var_os("ORT_DYLIB_PATH").is_some() {
        kinds.push(BackendKind::Ort);
    }
    kinds
}

fn bench(c: &mut Criterion) {
    let (images, seg) = patient();
    let inputs: Vec<(Modality, &Volume<f32>)> = Modality::ALL.into_iter().zip(images.iter()).collect();
    let settings = PrepareSettings::default();

    c.bench_function("prepare_12_crops", |b| b.iter(|| prepare_patient(&inputs, &seg, &settings, "bench").unwrap()));

    let bytes = model_bytes();
    let batch: Array4<f32> = prepare_patient(&inputs, &seg, &settings, "bench").unwrap().batch;
    let mut group = c.benchmark_group("cnn_s");
    // About one second per batch: ten samples of one iteration each.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .warm_up_time(Duration::from_secs(3));
    for kind in backends() {
        let options = ModelOptions { backend: kind, intra_threads: 1, ..Default::default() };
        let model = Arc::new(OnnxModel::from_bytes(bytes.clone(), "cnn_s_seed0", &options).unwrap());
        group.bench_function(format!("{}_batch12", kind.as_str()), |b| b.iter(|| model.run(batch.view()).unwrap()));
        let extractor = FeatureExtractor::new(Arc::clone(&model), settings.clone()).unwrap();
        group.bench_function(format!("{}_patient_end_to_end", kind.as_str()), |b| {
            b.iter(|| extractor.extract(&inputs, &seg, "bench").unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
