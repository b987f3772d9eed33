//! The synthetic 256 x 256 x 160 texture case shared by the `families` bench and the
//! `time_matrices` example: a smooth pattern plus xorshift noise, with an ellipsoid ROI of about
//! half a million voxels.

use ndarray::Array3;
use radiomics_volume::{Geometry, LabelMap, Volume};

/// Builds the image and its label map (label 1 inside the ellipsoid).
pub fn synthetic_case() -> (Volume<f64>, LabelMap) {
    let (nz, ny, nx) = (160, 256, 256);
    let geometry = Geometry::with_spacing([0.9, 0.9, 1.0]);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let image = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let smooth = 400.0 + 150.0 * ((x as f64 / 9.0).sin() + (y as f64 / 13.0).cos() + (z as f64 / 7.0).sin());
        smooth + (state % 200) as f64
    });
    let labels = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        let r = ((x as f64 - 128.0) / 60.0).powi(2)
            + ((y as f64 - 128.0) / 50.0).powi(2)
            + ((z as f64 - 80.0) / 40.0).powi(2);
        u32::from(r <= 1.0)
    });
    (
        Volume::new(image, geometry).expect("valid synthetic image"),
        LabelMap(Volume::new(labels, geometry).expect("valid synthetic labels")),
    )
}
