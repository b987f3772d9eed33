//! Resampling against SimpleITK 2.5.7 on a synthetic oblique, anisotropic image.
//!
//! Expected values: `python3 tests/reference/resample_reference.py` (see that script), pasted
//! into `tests/reference/resample_expected.rs`.

mod common;

use std::f64::consts::PI;

use common::probes;

use ndarray::Array3;
use radiomics_preproc::resample::{Alignment, Grid, Interpolator, resample};
use radiomics_volume::{Geometry, Volume};

use common::ResampleExpected as Expected;
use common::resample_expected as expected;

/// The synthetic image of `resample_reference.py`: 23 x 19 x 11 voxels of 0.9 x 1.1 x 5.5 mm,
/// direction Rz(17 deg) Rx(-8 deg), origin (-10, 20, 3).
fn synthetic() -> Volume<f32> {
    let data = Array3::from_shape_fn((11, 19, 23), |(z, y, x)| {
        let (x, y, z) = (x as f64, y as f64, z as f64);
        (100.0 + 40.0 * (0.37 * x).sin() * (0.23 * y).cos() + 7.0 * z + 0.5 * x * y - 0.25 * (z * x)) as f32
    });
    let a = 17.0 * PI / 180.0;
    let b = -8.0 * PI / 180.0;
    let rz = nalgebra::Matrix3::new(a.cos(), -a.sin(), 0.0, a.sin(), a.cos(), 0.0, 0.0, 0.0, 1.0);
    let rx = nalgebra::Matrix3::new(1.0, 0.0, 0.0, 0.0, b.cos(), -b.sin(), 0.0, b.sin(), b.cos());
    let d = rz * rx;
    let direction = [d[(0, 0)], d[(0, 1)], d[(0, 2)], d[(1, 0)], d[(1, 1)], d[(1, 2)], d[(2, 0)], d[(2, 1)], d[(2, 2)]];
    let geometry = Geometry::new([0.9, 1.1, 5.5], [-10.0, 20.0, 3.0], direction).unwrap();
    Volume::new(data, geometry).unwrap()
}

/// Compares one resampled image with SimpleITK's values: every probe within 1e-5 relative
/// (1e-5 absolute below 1), the voxel sum within 1e-6 relative.
fn compare(out: &Volume<f32>, e: &Expected) {
    assert_eq!(out.size(), e.size, "{}: size", e.case);
    for (p, &want) in probes(out.size(), e.probes.len()).iter().zip(e.probes) {
        let got = out.data()[[p[2], p[1], p[0]]] as f64;
        let tol = 1e-5 * want.abs().max(1.0);
        assert!((got - want).abs() <= tol, "{}: voxel {p:?} = {got}, SimpleITK {want}", e.case);
    }
    let sum: f64 = out.array().iter().map(|&v| v as f64).sum();
    assert!((sum - e.sum).abs() <= 1e-6 * e.abs_sum, "{}: sum {sum} vs SimpleITK {}", e.case, e.sum);
}

#[test]
fn synthetic_matches_simpleitk() {
    let image = synthetic();
    assert_eq!(expected::SYNTHETIC.len(), 6);
    for e in expected::SYNTHETIC {
        let interpolator: Interpolator = e.interpolation.parse().unwrap();
        let grid = Grid::with_spacing(&Grid::of(&image), e.spacing, Alignment::Origin).unwrap();
        let out = resample(&image, &grid, interpolator, 0.0).unwrap();
        compare(&out, e);
    }
}
