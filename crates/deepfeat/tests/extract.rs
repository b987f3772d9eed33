//! End-to-end extraction on a synthetic patient with the down-scaled CNN-S.
#![cfg(feature = "tract")]

mod common;

use std::sync::Arc;

use common::{small_model, synthetic_patient};
use radiomics_deepfeat::{
    BackendKind, EmptyRegionPolicy, FeatureActivation, FeatureExtractor, Modality, ModelOptions, OnnxModel,
    PrepareSettings, RegionLabels,
};

fn extractor(settings: impl FnOnce(&mut PrepareSettings)) -> FeatureExtractor {
    let options = ModelOptions { backend: BackendKind::Tract, ..Default::default() };
    let model = Arc::new(OnnxModel::from_bytes(small_model(FeatureActivation::PostRelu), "small", &options).unwrap());
    let mut prepare = PrepareSettings::for_model(model.info(), 224);
    settings(&mut prepare);
    FeatureExtractor::new(model, prepare).unwrap()
}

#[test]
fn patient_gives_named_features() {
    let (images, seg) = synthetic_patient();
    let inputs: Vec<(Modality, &_)> = Modality::ALL.iter().copied().zip(images.iter()).collect();
    let ex = extractor(|_| {});
    let features = ex.extract(&inputs, &seg, "synthetic").unwrap();
    // 4 modalities x 3 regions x 2 layers x 64 units.
    assert_eq!(features.names.len(), 4 * 3 * 2 * 64);
    assert_eq!(features.values.len(), features.names.len());
    assert_eq!(features.slice, 3);
    assert_eq!(features.names[0], "T1_SNE_F6_1");
    assert_eq!(features.names[64], "T1_SNE_F7_1");
    assert_eq!(features.names.last().unwrap(), "FLAIR_SWT_F7_64");
    assert!(features.names.contains(&"T1C_SNE_F7_15".to_string()));
    assert!(features.values.iter().all(|v| v.is_finite() && *v >= 0.0));
    // Different modalities and regions give different features.
    assert_ne!(features.values[..64], features.values[128..192]);
    assert_ne!(features.values[..64], features.values[384..448]);
}

#[test]
fn one_batch_equals_single_crops() {
    // The 12-crop batch gives the same rows as running each crop alone.
    let (images, seg) = synthetic_patient();
    let inputs: Vec<(Modality, &_)> = Modality::ALL.iter().copied().zip(images.iter()).collect();
    let ex = extractor(|_| {});
    let prepared = radiomics_deepfeat::prepare_patient(&inputs, &seg, ex.settings(), "p").unwrap();
    assert_eq!(prepared.batch.dim().0, 12);
    let all = ex.model().run(prepared.batch.view()).unwrap();
    for k in [0, 5, 11] {
        let one = ex.model().run(prepared.batch.slice(ndarray::s![k..k + 1, .., .., ..])).unwrap();
        for (a, b) in one[1].row(0).iter().zip(all[1].row(k).iter()) {
            assert!((a - b).abs() < 1e-4, "crop {k}: {a} vs {b}");
        }
    }
}

#[test]
fn empty_necrosis_gives_nan_features() {
    let (images, seg) = synthetic_patient();
    let inputs: Vec<(Modality, &_)> = Modality::ALL.iter().copied().zip(images.iter()).collect();
    let ex = extractor(|s| {
        s.labels = RegionLabels { necrosis: vec![3], ..Default::default() };
        s.empty_region = EmptyRegionPolicy::NanFeatures;
    });
    let features = ex.extract(&inputs, &seg, "p").unwrap();
    assert_eq!(features.names.len(), 1536);
    assert!(features.values[..128].iter().all(|v| v.is_nan()));
    assert!(features.values[128..256].iter().all(|v| v.is_finite()));
}

#[test]
fn input_size_must_match_model() {
    let options = ModelOptions { backend: BackendKind::Tract, ..Default::default() };
    let model = Arc::new(OnnxModel::from_bytes(small_model(FeatureActivation::PostRelu), "small", &options).unwrap());
    let settings = PrepareSettings { input_size: 227, ..Default::default() };
    assert!(FeatureExtractor::new(model, settings).is_err());
}
