//! Every bad NIfTI input named in the issue gets its typed error, naming the file.

mod common;

use common::{Nifti1, gz};
use radiomics_volume::VolumeError;
use radiomics_volume::io::read_volume;

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn missing_file() {
    let err = read_volume("/nonexistent/t1.nii.gz").unwrap_err();
    assert!(matches!(err, VolumeError::Open { .. }), "{err}");
    assert!(err.to_string().contains("/nonexistent/t1.nii.gz"));
}

#[test]
fn wrong_magic_and_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "png.nii", b"\x89PNG\r\n\x1a\n0000000000");
    let err = read_volume(&path).unwrap_err();
    assert!(matches!(err, VolumeError::UnknownFormat { .. }), "{err}");
    assert!(err.to_string().contains("89 50 4e 47"), "{err}");
    let path = write(&dir, "empty.nii.gz", b"");
    assert!(matches!(read_volume(&path), Err(VolumeError::UnknownFormat { .. })));
    // Analyze 7.5 and .hdr/.img pairs are rejected with a conversion hint.
    let analyze = Nifti1 { magic: [0; 4], ..Nifti1::default() };
    let err = read_volume(write(&dir, "a.hdr", &analyze.bytes())).unwrap_err();
    assert!(matches!(err, VolumeError::Unsupported { .. }) && err.to_string().contains("Analyze"), "{err}");
    let pair = Nifti1 { magic: *b"ni1\0", ..Nifti1::default() };
    let err = read_volume(write(&dir, "p.hdr", &pair.bytes())).unwrap_err();
    assert!(err.to_string().contains(".hdr + .img"), "{err}");
}

#[test]
fn truncated_data_and_gzip_stream() {
    let dir = tempfile::tempdir().unwrap();
    let file = Nifti1::default().file_with_i16_ramp(24);
    let err = read_volume(write(&dir, "cut.nii", &file[..file.len() - 10])).unwrap_err();
    assert!(matches!(err, VolumeError::DataLength { expected: 48, found: 38, .. }), "{err}");
    // A gzip stream cut in the middle of the deflate data.
    let big = Nifti1 { dim: [3, 64, 64, 8, 1, 1, 1, 1], ..Nifti1::default() };
    let compressed = gz(&big.file_with_i16_ramp(64 * 64 * 8));
    let err = read_volume(write(&dir, "cut.nii.gz", &compressed[..compressed.len() / 2])).unwrap_err();
    assert!(matches!(err, VolumeError::CorruptCompressedData { .. }), "{err}");
    // A complete gzip stream whose content is shorter than the header announces.
    let compressed = gz(&file[..file.len() - 2]);
    let err = read_volume(write(&dir, "short.nii.gz", &compressed)).unwrap_err();
    assert!(matches!(err, VolumeError::DataLength { .. }), "{err}");
}

#[test]
fn unsupported_datatypes() {
    let dir = tempfile::tempdir().unwrap();
    for (code, name) in [(32i16, "complex64"), (128, "rgb24"), (1280, "uint64"), (77, "code 77")] {
        let header = Nifti1 { datatype: code, ..Nifti1::default() };
        let err = read_volume(write(&dir, "t.nii", &header.file_with_i16_ramp(200))).unwrap_err();
        assert!(matches!(err, VolumeError::UnsupportedDatatype { .. }), "{err}");
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn four_dimensional_image_names_its_dimensions() {
    let dir = tempfile::tempdir().unwrap();
    let header = Nifti1 { dim: [4, 2, 3, 4, 5, 1, 1, 1], ..Nifti1::default() };
    let err = read_volume(write(&dir, "bold.nii", &header.file_with_i16_ramp(120))).unwrap_err();
    match &err {
        VolumeError::NotThreeDimensional { ndim, dims, .. } => {
            assert_eq!(*ndim, 4);
            assert_eq!(dims, &vec![2, 3, 4, 5]);
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("fslroi"), "{err}");
}

#[test]
fn corrupt_dimensions() {
    let dir = tempfile::tempdir().unwrap();
    for dim in [[0i16, 2, 3, 4, 1, 1, 1, 1], [3, 2, 0, 4, 1, 1, 1, 1], [3, -2, 3, 4, 1, 1, 1, 1]] {
        let header = Nifti1 { dim, ..Nifti1::default() };
        let err = read_volume(write(&dir, "d.nii", &header.file_with_i16_ramp(24))).unwrap_err();
        assert!(matches!(err, VolumeError::InvalidHeader { .. }), "{dim:?}: {err}");
    }
    let header = Nifti1 { pixdim: [1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], ..Nifti1::default() };
    let err = read_volume(write(&dir, "p.nii", &header.file_with_i16_ramp(24))).unwrap_err();
    assert!(err.to_string().contains("pixdim[1]"), "{err}");
}

#[test]
fn sheared_sform_without_qform_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let header = Nifti1 {
        sform_code: 1,
        srow: [[1.5, 1.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 2.5, 0.0]],
        ..Nifti1::default()
    };
    let err = read_volume(write(&dir, "shear.nii", &header.file_with_i16_ramp(24))).unwrap_err();
    assert!(matches!(err, VolumeError::NonOrthonormalOrientation { .. }), "{err}");
    assert!(err.to_string().contains("shear.nii"), "{err}");
}
