//! Every bad input of the issue gives a typed error or the documented value.

use ndarray::Array3;
use radiomics_texture::{Extractor, Settings, TextureError};
use radiomics_volume::{Geometry, LabelMap, Volume, VolumeError};

fn image(nz: usize, ny: usize, nx: usize) -> Volume<f64> {
    Volume::new(
        Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| ((x * 31 + y * 17 + z * 7) % 23) as f64 * 10.0),
        Geometry::with_spacing([1.0, 1.0, 2.0]),
    )
    .unwrap()
}

fn labels(nz: usize, ny: usize, nx: usize, f: impl Fn(usize, usize, usize) -> u32) -> LabelMap {
    LabelMap(
        Volume::new(
            Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| f(z, y, x)),
            Geometry::with_spacing([1.0, 1.0, 2.0]),
        )
        .unwrap(),
    )
}

fn run(settings: Settings, img: &Volume<f64>, lab: &LabelMap) -> Result<radiomics_texture::FeatureSet, TextureError> {
    Extractor::new(settings)?.execute(img, lab)
}

#[test]
fn empty_mask_and_absent_label() {
    let img = image(4, 6, 6);
    let err = run(Settings::default(), &img, &labels(4, 6, 6, |_, _, _| 0)).unwrap_err();
    assert!(matches!(err, TextureError::LabelAbsent { ref present, .. } if present.is_empty()), "{err}");
    let lab = labels(4, 6, 6, |z, _, _| if z == 1 { 2 } else { 0 });
    let err = run(Settings::default(), &img, &lab).unwrap_err();
    assert!(matches!(err, TextureError::LabelAbsent { ref present, .. } if present == &vec![2]), "{err}");
    assert!(err.to_string().contains("labels present: [2]"), "{err}");
}

#[test]
fn resegmentation_that_empties_the_roi() {
    let img = image(4, 6, 6);
    let lab = labels(4, 6, 6, |_, _, _| 1);
    let s = Settings { resegment_range: Some(vec![1e6]), ..Settings::default() };
    assert!(matches!(run(s, &img, &lab), Err(TextureError::EmptyRoi { .. })));
}

#[test]
fn single_voxel_roi() {
    let img = image(4, 6, 6);
    let lab = labels(4, 6, 6, |z, y, x| u32::from((z, y, x) == (2, 3, 3)));
    // PyRadiomics refuses a single-voxel ROI whatever minimumROIDimensions is (checkMask).
    assert!(matches!(run(Settings::default(), &img, &lab), Err(TextureError::RoiTooSmall { .. })));
    let s = Settings { minimum_roi_dimensions: 1, ..Settings::default() };
    let err = run(s, &img, &lab).unwrap_err();
    assert!(err.to_string().contains("single voxel"), "{err}");
    // A two-voxel line passes with minimumROIDimensions = 1; its GLCM has pairs in one direction
    // only, the other 12 are dropped as PyRadiomics does.
    let lab = labels(4, 6, 6, |z, y, x| u32::from(z == 2 && y == 3 && (3..5).contains(&x)));
    let s = Settings { minimum_roi_dimensions: 1, ..Settings::default() };
    let f = run(s, &img, &lab).unwrap();
    assert!(f.get("original_glcm_Contrast").unwrap().is_finite());
    assert_eq!(f.get("original_shape_VoxelVolume"), Some(4.0));
}

#[test]
fn single_slice_roi() {
    let img = image(5, 8, 8);
    let lab = labels(5, 8, 8, |z, y, x| u32::from(z == 2 && (2..6).contains(&y) && (1..7).contains(&x)));
    let f = run(Settings::default(), &img, &lab).unwrap();
    // Only the 4 in-plane directions have pairs; the features stay finite.
    for (name, v) in f.iter() {
        if name.contains("glcm") || name.contains("glrlm") || name.contains("firstorder") {
            assert!(v.is_finite(), "{name} = {v}");
        }
    }
    let s = Settings { minimum_roi_dimensions: 3, ..Settings::default() };
    assert!(matches!(run(s, &img, &lab), Err(TextureError::RoiTooSmall { .. })));
}

#[test]
fn flat_roi_gives_pyradiomics_values() {
    let img = Volume::new(Array3::from_elem((4, 5, 5), 7.0), Geometry::with_spacing([1.0, 1.0, 1.0])).unwrap();
    let lab =
        LabelMap(Volume::new(Array3::from_elem((4, 5, 5), 1u32), Geometry::with_spacing([1.0, 1.0, 1.0])).unwrap());
    let f = run(Settings::default(), &img, &lab).unwrap();
    assert_eq!(f.get("original_firstorder_Skewness"), Some(0.0));
    assert_eq!(f.get("original_firstorder_Kurtosis"), Some(0.0));
    assert_eq!(f.get("original_firstorder_Uniformity"), Some(1.0));
    assert_eq!(f.get("original_glcm_Correlation"), Some(1.0));
    assert_eq!(f.get("original_glcm_Imc1"), Some(0.0));
    assert_eq!(f.get("original_glcm_MCC"), Some(1.0));
    assert_eq!(f.get("original_ngtdm_Coarseness"), Some(1e6));
    assert_eq!(f.get("original_ngtdm_Contrast"), Some(0.0));
    assert_eq!(f.get("original_ngtdm_Busyness"), Some(0.0));
    assert_eq!(f.get("original_ngtdm_Strength"), Some(0.0));
}

#[test]
fn nan_inside_roi_is_refused() {
    let mut img = image(4, 6, 6);
    img.data_mut()[[1, 2, 3]] = f64::NAN;
    img.data_mut()[[0, 0, 0]] = f64::NAN; // outside the ROI: harmless
    let lab = labels(4, 6, 6, |z, _, _| u32::from(z >= 1));
    let err = run(Settings::default(), &img, &lab).unwrap_err();
    assert!(matches!(err, TextureError::NonFiniteInRoi { count: 1, first: [3, 2, 1] }), "{err}");
}

#[test]
fn grid_mismatch_is_refused() {
    let img = image(4, 6, 6);
    let lab =
        LabelMap(Volume::new(Array3::from_elem((4, 6, 6), 1u32), Geometry::with_spacing([1.0, 1.0, 2.5])).unwrap());
    let err = run(Settings::default(), &img, &lab).unwrap_err();
    assert!(matches!(err, TextureError::Volume(VolumeError::GeometryMismatch { .. })), "{err}");
    let lab =
        LabelMap(Volume::new(Array3::from_elem((4, 6, 5), 1u32), Geometry::with_spacing([1.0, 1.0, 2.0])).unwrap());
    assert!(run(Settings::default(), &img, &lab).is_err());
}

#[test]
fn bad_bin_widths() {
    let img = image(4, 6, 6);
    let lab = labels(4, 6, 6, |_, _, _| 1);
    for w in [0.0, -25.0, f64::NAN] {
        let s = Settings { bin_width: w, ..Settings::default() };
        assert!(matches!(Extractor::new(s), Err(TextureError::InvalidSetting { ref name, .. }) if name == "binWidth"));
    }
    // 220 / 1e-4 = 2.2 million levels: the GLCM would need 4.8e12 cells.
    let s = Settings { bin_width: 1e-4, ..Settings::default() };
    let err = run(s, &img, &lab).unwrap_err();
    assert!(matches!(err, TextureError::MatrixTooLarge { .. }), "{err}");
    assert!(err.to_string().contains("binWidth"), "{err}");
}
