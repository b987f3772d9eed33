//! Histogram matching against SimpleITK 2.5.7 (ITK 5.4 `HistogramMatchingImageFilter`).
//!
//! Expected values: `python3 tests/reference/histogram_reference.py > histogram_expected.rs`.

mod common;

use common::probes;
use ndarray::Array3;
use radiomics_preproc::histogram::{HistogramMatching, match_histogram};
use radiomics_volume::{Geometry, Volume};

use common::HistogramExpected as Expected;
use common::histogram_expected as expected;

/// The synthetic "head" of `histogram_reference.py`.
fn head(n: [usize; 3], a: f64, b: f64, c: f64) -> Volume<f32> {
    let [nx, ny, nz] = n;
    let data = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        let (xf, yf, zf) = (x as f64, y as f64, z as f64);
        let (hx, hy, hz) = (nx as f64 / 2.0, ny as f64 / 2.0, nz as f64 / 2.0);
        let r = ((xf - hx) / (nx as f64 / 2.3)).powi(2)
            + ((yf - hy) / (ny as f64 / 2.2)).powi(2)
            + ((zf - hz) / (nz as f64 / 2.1)).powi(2);
        let v = a
            + b * (0.21 * xf + 0.13 * yf).sin().powi(2)
            + c * (0.17 * zf * yf / ny as f64).cos()
            + 3.0 * ((x * 7 + y * 13 + z * 29) % 17) as f64;
        if r < 1.0 { v as f32 } else { 0.0 }
    });
    Volume::new(data, Geometry::default()).unwrap()
}

fn compare(out: &Volume<f32>, e: &Expected) {
    for (p, &want) in probes(out.size(), e.probes.len()).iter().zip(e.probes) {
        let got = out.data()[[p[2], p[1], p[0]]] as f64;
        assert!((got - want).abs() <= 1e-4 * want.abs().max(1.0), "{}: voxel {p:?} = {got}, SimpleITK {want}", e.case);
    }
    let sum: f64 = out.array().iter().map(|&v| v as f64).sum();
    assert!((sum - e.sum).abs() <= 1e-6 * e.abs_sum, "{}: sum {sum} vs SimpleITK {}", e.case, e.sum);
}

#[test]
fn synthetic_matches_simpleitk() {
    let source = head([30, 28, 20], 200.0, 150.0, 60.0);
    let reference = head([26, 32, 18], 800.0, 500.0, -90.0);
    assert_eq!(expected::SYNTHETIC.len(), 5);
    for e in expected::SYNTHETIC {
        let params = HistogramMatching {
            histogram_levels: e.levels,
            match_points: e.match_points,
            threshold_at_mean: e.threshold_at_mean,
        };
        let out = match_histogram(&source, &reference, &params).unwrap();
        compare(&out, e);
    }
}
