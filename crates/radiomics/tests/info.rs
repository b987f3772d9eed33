//! `radiomics info` run as a user runs it, on files the test writes.

use std::process::Command;

use radiomics::volume::io::{self, DataType};
use radiomics::volume::ndarray::Array3;
use radiomics::volume::{Geometry, Volume};

fn info(path: &std::path::Path) -> (std::process::Output, Option<serde_json::Value>) {
    let output = Command::new(env!("CARGO_BIN_EXE_radiomics")).arg("info").arg(path).output().unwrap();
    let json = serde_json::from_slice(&output.stdout).ok();
    (output, json)
}

#[test]
fn prints_geometry_and_statistics_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let geometry =
        Geometry::new([0.5, 0.75, 2.0], [-10.0, 20.5, 3.25], [1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0]).unwrap();
    // 4 x 3 x 2 ([x, y, z]) voxels with values -5 .. 18.
    let data = Array3::from_shape_fn((2, 3, 4), |(z, y, x)| (x + 4 * (y + 3 * z)) as f64 - 5.0);
    let volume = Volume::new(data, geometry).unwrap();
    for name in ["t1.nii.gz", "t1.nrrd"] {
        let path = dir.path().join(name);
        io::write_volume_as(&volume, &path, DataType::I16).unwrap();
        let (output, json) = info(&path);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let json = json.expect("stdout is one JSON object");
        assert_eq!(json["size"], serde_json::json!([4, 3, 2]));
        assert_eq!(json["spacing"], serde_json::json!([0.5, 0.75, 2.0]));
        assert_eq!(json["origin"], serde_json::json!([-10.0, 20.5, 3.25]));
        assert_eq!(json["direction"], serde_json::json!([1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0]));
        assert_eq!(json["datatype"], "i16");
        assert_eq!(json["min"], -5.0);
        assert_eq!(json["max"], 18.0);
        assert_eq!(json["sum"], (-5..=18).sum::<i32>() as f64);
        assert_eq!(json["nan_count"], 0);
        assert_eq!(json["voxel_count"], 24);
    }
}

#[test]
fn counts_nan_voxels_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = Array3::from_elem((1, 2, 2), 1.5f32);
    data[[0, 0, 0]] = f32::NAN;
    let volume = Volume::new(data, Geometry::default()).unwrap();
    let path = dir.path().join("nan.nii");
    io::write_volume(&volume, &path).unwrap();
    let (output, json) = info(&path);
    assert!(output.status.success());
    let json = json.unwrap();
    assert_eq!(json["nan_count"], 1);
    assert_eq!(json["sum"], 4.5);
    assert_eq!(json["datatype"], "f32");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("1 NaN"), "{stderr}");
}

#[test]
fn bad_file_fails_with_a_message_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.nii.gz");
    std::fs::write(&path, b"not an image").unwrap();
    let (output, json) = info(&path);
    assert!(!output.status.success());
    assert!(json.is_none());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.nii.gz") && stderr.contains("unknown image format"), "{stderr}");
    let (output, _) = info(&dir.path().join("missing.nrrd"));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.nrrd"));
}
