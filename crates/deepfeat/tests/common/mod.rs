//! Helpers shared by the integration tests.
#![allow(dead_code)]

use ndarray::{Array3, Array4};
use radiomics_deepfeat::{CnnSWidths, FeatureActivation, random_cnn_s_onnx};
use radiomics_volume::{Geometry, LabelMap, Volume};

/// Writes the down-scaled CNN-S with seed 7 as ONNX.
pub fn small_model(activation: FeatureActivation) -> Vec<u8> {
    random_cnn_s_onnx(CnnSWidths::SMALL, 7, activation).unwrap()
}

/// Builds a deterministic input batch `[n, 3, 224, 224]`: `sin(0.001 i) * 100` over the flat index `i`.
pub fn wave_batch(n: usize) -> Array4<f32> {
    let mut i = 0f32;
    Array4::from_shape_simple_fn((n, 3, 224, 224), || {
        i += 1.0;
        ((i - 1.0) * 0.001).sin() * 100.0
    })
}

/// Builds a synthetic patient: four 40 x 48 x 6 images and a BraTS-style segmentation whose largest
/// tumour slice is z = 3 (necrosis, enhancing rim and oedema).
pub fn synthetic_patient() -> (Vec<Volume<f32>>, LabelMap) {
    let (nz, ny, nx) = (6, 40, 48);
    let images = (0..4)
        .map(|m| {
            let data = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
                (m as f32 + 1.0) * 10.0 + (x as f32 * 0.3 + m as f32).sin() * 20.0 + y as f32 + z as f32 * 2.0
            });
            Volume::new(data, Geometry::with_spacing([1.0, 1.0, 2.0])).unwrap()
        })
        .collect();
    let mut seg = Array3::<u32>::zeros((nz, ny, nx));
    for z in 1..5 {
        let radius: i64 = if z == 3 { 12 } else { 6 };
        for y in 0..ny {
            for x in 0..nx {
                let d2 = (y as i64 - 20).pow(2) + (x as i64 - 24).pow(2);
                seg[[z, y, x]] = if d2 <= (radius / 3).pow(2) {
                    1
                } else if d2 <= (radius / 2).pow(2) {
                    4
                } else if d2 <= radius.pow(2) {
                    2
                } else {
                    0
                };
            }
        }
    }
    (images, LabelMap(Volume::new(seg, Geometry::with_spacing([1.0, 1.0, 2.0])).unwrap()))
}

/// Maximum absolute difference of two equally long slices.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}
