//! Write/read round trips for every format and data type, cross-checked against the `nifti`
//! crate's independent reader, and hand-built headers that exercise ITK's orientation rules.

mod common;

use approx::assert_abs_diff_eq;
use common::{Nifti1, gz, oblique_geometry, ramp};
use radiomics_volume::io::{
    self, ByteOrder, DataType, Format, NiftiVersion, OrientationSource, WriteOptions, read_image, write_volume_as,
    write_volume_with,
};
use radiomics_volume::{Geometry, LabelMap, Volume, VolumeError};

/// Values that every data type holds exactly: 0..104 shifted into the type's range.
fn values_for(datatype: DataType) -> impl Fn(usize) -> f64 {
    move |i| match datatype {
        DataType::U8 | DataType::U16 | DataType::U32 => i as f64 * 2.0,
        DataType::F32 | DataType::F64 => i as f64 * 0.25 - 7.5,
        _ => i as f64 - 50.0,
    }
}

fn assert_geometry_eq(a: &Geometry, b: &Geometry, tolerance: f64) {
    for axis in 0..3 {
        assert_abs_diff_eq!(
            a.spacing()[axis],
            b.spacing()[axis],
            epsilon = tolerance * a.spacing()[axis].abs().max(1.0)
        );
        assert_abs_diff_eq!(a.origin()[axis], b.origin()[axis], epsilon = tolerance * a.origin()[axis].abs().max(1.0));
    }
    for (x, y) in a.direction().iter().zip(b.direction()) {
        assert_abs_diff_eq!(*x, y, epsilon = tolerance);
    }
}

#[test]
fn every_format_and_datatype_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let geometry = oblique_geometry();
    let cases = [
        ("a.nii", Format::Nifti1, false, NiftiVersion::Auto, 2e-7),
        ("a.nii.gz", Format::Nifti1, true, NiftiVersion::Auto, 2e-7),
        ("b.nii.gz", Format::Nifti2, true, NiftiVersion::Nifti2, 1e-14),
        ("a.nrrd", Format::Nrrd, true, NiftiVersion::Auto, 1e-14),
    ];
    for (name, format, compressed, version, tolerance) in cases {
        for datatype in DataType::ALL {
            let volume = ramp(values_for(datatype), geometry);
            let path = dir.path().join(format!("{}_{name}", datatype.name()));
            let options = WriteOptions { nifti_version: version, ..WriteOptions::with_datatype(datatype) };
            write_volume_with(&volume, &path, &options).unwrap();
            let (back, info) = read_image(&path).unwrap();
            assert_eq!(back.array(), volume.array(), "{name} {datatype}");
            assert_eq!(info.datatype, datatype, "{name}");
            assert_eq!(info.format, format, "{name}");
            assert_eq!(info.compressed, compressed, "{name}");
            assert_eq!(info.size, [7, 5, 3]);
            assert_geometry_eq(back.geometry(), volume.geometry(), tolerance);
        }
    }
}

#[test]
fn raw_nrrd_and_nifti2_keep_every_geometry_bit_of_axis_aligned_grids() {
    let dir = tempfile::tempdir().unwrap();
    let geometry = Geometry::new(
        [0.7812499999999999, 0.7812499999999999, 6.499999999999998],
        [-99.60937499999999, 99.60937499999999, -77.99999999999996],
        [1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0],
    )
    .unwrap();
    let volume = ramp(|i| i as f64, geometry);
    for (name, options) in [
        ("raw.nrrd", WriteOptions { nrrd_gzip: false, ..WriteOptions::default() }),
        ("v2.nii", WriteOptions { nifti_version: NiftiVersion::Nifti2, ..WriteOptions::default() }),
    ] {
        let path = dir.path().join(name);
        write_volume_with(&volume, &path, &options).unwrap();
        let back = io::read_volume(&path).unwrap();
        assert_eq!(back.geometry(), volume.geometry(), "{name}");
    }
}

#[test]
fn nifti_crate_reads_our_files_identically() {
    // The nifti crate is an independent NIfTI-1 reader: voxels and the sform must agree with ours.
    let dir = tempfile::tempdir().unwrap();
    let volume = ramp(|i| i as f64 * 3.0 - 20.0, oblique_geometry());
    let path = dir.path().join("x.nii.gz");
    write_volume_as(&volume, &path, DataType::I16).unwrap();
    let object = nifti::ReaderOptions::new().read_file(&path).unwrap();
    let header = nifti::NiftiObject::header(&object).clone();
    use nifti::{IntoNdArray, NiftiObject};
    let array = object.into_volume().into_ndarray::<f64>().unwrap(); // [x, y, z]
    assert_eq!(array.shape(), &[7, 5, 3]);
    for ((z, y, x), v) in volume.array().indexed_iter() {
        assert_eq!(array[[x, y, z]], *v);
    }
    assert_eq!(header.sform_code, 1);
    assert_eq!(header.qform_code, 1);
    // RAS affine = diag(-1, -1, 1) * [D * diag(spacing) | origin].
    let g = volume.geometry();
    let m = g.index_to_physical_matrix();
    for r in 0..3 {
        let sign = if r < 2 { -1.0 } else { 1.0 };
        let row = [header.srow_x, header.srow_y, header.srow_z][r];
        for c in 0..3 {
            assert_abs_diff_eq!(row[c] as f64, sign * m[(r, c)], epsilon = 1e-6);
        }
        assert_abs_diff_eq!(row[3] as f64, sign * g.origin()[r], epsilon = 1e-4);
    }
}

#[test]
fn qform_only_file_with_negative_qfac_reads_as_written() {
    // Write with both transforms, then zero the sform code: the qform alone must give the same
    // grid (this exercises the quaternion, qfac = -1, and the RAS -> LPS flip).
    let dir = tempfile::tempdir().unwrap();
    let d = oblique_geometry().direction_matrix()
        * nalgebra::Matrix3::from_diagonal(&nalgebra::Vector3::new(1.0, 1.0, -1.0));
    let row_major = [d[(0, 0)], d[(0, 1)], d[(0, 2)], d[(1, 0)], d[(1, 1)], d[(1, 2)], d[(2, 0)], d[(2, 1)], d[(2, 2)]];
    let geometry = oblique_geometry().with_direction(row_major).unwrap();
    let volume = ramp(|i| i as f64, geometry);
    let path = dir.path().join("q.nii");
    write_volume_as(&volume, &path, DataType::I16).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(f32::from_le_bytes(bytes[76..80].try_into().unwrap()) < 0.0, "qfac must be -1 for a left-handed grid");
    bytes[254..256].copy_from_slice(&0i16.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let (back, info) = read_image(&path).unwrap();
    assert_eq!(info.orientation_source, OrientationSource::Qform);
    assert_geometry_eq(back.geometry(), volume.geometry(), 1e-6);
}

#[test]
fn hand_built_headers_big_endian_scaling_units_and_no_transform() {
    let dir = tempfile::tempdir().unwrap();
    let header = Nifti1 {
        big_endian: true,
        scl_slope: 0.5,
        scl_inter: -3.0,
        xyzt_units: 3,   // microns: spacing x 0.001
        vox_offset: 0.0, // nifti1_io reads such files from byte 352
        ..Nifti1::default()
    };
    let path = dir.path().join("be.nii");
    std::fs::write(&path, header.file_with_i16_ramp(24)).unwrap();
    let (v, info) = read_image(&path).unwrap();
    assert_eq!(info.byte_order, ByteOrder::Big);
    assert_eq!(info.orientation_source, OrientationSource::NiftiNone);
    assert_eq!(v.size(), [2, 3, 4]);
    assert_eq!(v.data()[[0, 0, 1]], 1.0 * 0.5 - 3.0);
    assert_eq!(v.data()[[3, 2, 1]], 23.0 * 0.5 - 3.0);
    assert_abs_diff_eq!(v.spacing()[0], 1.5e-3, epsilon = 1e-12);
    assert_eq!(v.geometry().origin(), [0.0; 3]);

    // A 4-D header whose fourth axis has one volume is a 3-D image, as in ITK.
    let header = Nifti1 { dim: [4, 2, 3, 4, 1, 1, 1, 1], ..Nifti1::default() };
    std::fs::write(&path, header.file_with_i16_ramp(24)).unwrap();
    assert_eq!(io::read_volume(&path).unwrap().size(), [2, 3, 4]);

    // The same file gzip-compressed, with a .nii.gz name.
    let gz_path = dir.path().join("g.nii.gz");
    std::fs::write(&gz_path, gz(&header.file_with_i16_ramp(24))).unwrap();
    assert_eq!(io::read_volume(&gz_path).unwrap().array().sum(), (0..24).sum::<i32>() as f64);
}

#[test]
fn sform_with_aligned_code_is_used_when_no_qform() {
    let dir = tempfile::tempdir().unwrap();
    // RAS sform: x axis flipped (L->R), origin (10, 20, 30) RAS.
    let header = Nifti1 {
        sform_code: 2,
        srow: [[-1.5, 0.0, 0.0, 10.0], [0.0, 2.0, 0.0, 20.0], [0.0, 0.0, 2.5, 30.0]],
        ..Nifti1::default()
    };
    let path = dir.path().join("s.nii");
    std::fs::write(&path, header.file_with_i16_ramp(24)).unwrap();
    let (v, info) = read_image(&path).unwrap();
    assert_eq!(info.orientation_source, OrientationSource::Sform);
    assert_eq!(v.geometry().origin(), [-10.0, -20.0, 30.0]);
    assert_eq!(v.geometry().direction(), [1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0]);
}

#[test]
fn label_maps_and_masks() {
    let dir = tempfile::tempdir().unwrap();
    let labels = ramp(|i| [0.0, 1.0, 2.0, 4.0][i % 4], Geometry::with_spacing([1.0, 1.0, 1.0]));
    let label_map = LabelMap::from_volume(&labels).unwrap();
    let path = dir.path().join("seg.nii.gz");
    io::write_label_map(&label_map, &path).unwrap();
    assert_eq!(io::read_header(&path).unwrap().datatype, DataType::U8);
    let back = io::read_label_map(&path).unwrap();
    assert_eq!(back, label_map);
    let core = io::read_mask(&path, &[1, 4]).unwrap();
    assert_eq!(core.count(), label_map.count(1) + label_map.count(4));
    let whole = io::read_mask(&path, &[]).unwrap();
    assert_eq!(whole.count(), 105 - label_map.count(0));
    let err = io::read_mask(&path, &[3]).unwrap_err().to_string();
    assert!(err.contains("[1, 2, 4]") && err.contains("seg.nii.gz"), "{err}");

    let mask_path = dir.path().join("mask.nrrd");
    io::write_mask(&core, &mask_path).unwrap();
    assert_eq!(io::read_mask(&mask_path, &[1]).unwrap(), core);

    // Big labels need a wider type.
    let big = LabelMap(label_map.0.map(|&l| l * 1000));
    io::write_label_map(&big, &path).unwrap();
    assert_eq!(io::read_header(&path).unwrap().datatype, DataType::U16);
}

#[test]
fn writing_f64_as_integers_rounds_and_rejects_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.nii");
    let volume = ramp(|i| i as f64 + 0.4, Geometry::default());
    write_volume_as(&volume, &path, DataType::I16).unwrap();
    assert_eq!(io::read_volume(&path).unwrap().array(), volume.map(|v| v.round()).array());
    let too_big = ramp(|i| i as f64 * 1000.0, Geometry::default());
    let err = write_volume_as(&too_big, &path, DataType::U8).unwrap_err();
    assert!(matches!(err, VolumeError::ValueOutOfRange { datatype: DataType::U8, .. }), "{err}");
    // The failed write left the earlier file in place.
    assert_eq!(io::read_volume(&path).unwrap().size(), [7, 5, 3]);
    let err = write_volume_as(&volume, dir.path().join("x.png"), DataType::U8).unwrap_err();
    assert!(matches!(err, VolumeError::UnknownFormat { .. }), "{err}");
}

#[test]
fn non_finite_voxels_are_kept_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut volume = ramp(|i| i as f64, Geometry::default());
    volume.data_mut()[[0, 0, 0]] = f64::NAN;
    volume.data_mut()[[1, 0, 0]] = f64::NAN;
    volume.data_mut()[[2, 0, 0]] = f64::NEG_INFINITY;
    let path = dir.path().join("nan.nrrd");
    io::write_volume_as(&volume, &path, DataType::F32).unwrap();
    let back = io::read_volume(&path).unwrap();
    let stats = back.statistics();
    assert_eq!((stats.nan_count, stats.infinite_count), (2, 1));
    assert_eq!(stats.max, 104.0);
}

#[test]
fn large_axes_switch_to_nifti2() {
    let dir = tempfile::tempdir().unwrap();
    let volume = Volume::new(ndarray::Array3::<u8>::ones((1, 1, 40_000)), Geometry::default()).unwrap();
    let path = dir.path().join("long.nii.gz");
    io::write_volume(&volume, &path).unwrap();
    let (back, info) = read_image(&path).unwrap();
    assert_eq!(info.format, Format::Nifti2);
    assert_eq!(back.size(), [40_000, 1, 1]);
    let options = WriteOptions { nifti_version: NiftiVersion::Nifti1, ..WriteOptions::default() };
    assert!(matches!(write_volume_with(&volume, &path, &options), Err(VolumeError::Unsupported { .. })));
}

/// Byte-swaps every numeric field of a little-endian NIfTI-2 header written by this crate.
fn swap_nifti2_header(bytes: &mut [u8]) {
    // (offset, field size, count) for the numeric fields of the 540-byte NIfTI-2 header.
    let fields: [(usize, usize, usize); 12] = [
        (0, 4, 1),
        (12, 2, 2),
        (16, 8, 8),
        (80, 8, 3),
        (104, 8, 8),
        (168, 8, 1),
        (176, 8, 6),
        (224, 8, 2),
        (344, 4, 2),
        (352, 8, 6),
        (400, 8, 12),
        (496, 4, 3),
    ];
    for (offset, size, count) in fields {
        for k in 0..count {
            bytes[offset + k * size..offset + (k + 1) * size].reverse();
        }
    }
}

#[test]
fn big_endian_nifti2_reads_like_little_endian() {
    let dir = tempfile::tempdir().unwrap();
    let volume = ramp(|i| i as f64 - 40.0, oblique_geometry());
    let path = dir.path().join("le.nii");
    let options = WriteOptions { nifti_version: NiftiVersion::Nifti2, ..WriteOptions::with_datatype(DataType::I16) };
    write_volume_with(&volume, &path, &options).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    swap_nifti2_header(&mut bytes);
    for voxel in bytes[544..].chunks_exact_mut(2) {
        voxel.reverse();
    }
    let swapped = dir.path().join("be.nii");
    std::fs::write(&swapped, &bytes).unwrap();
    let (back, info) = read_image(&swapped).unwrap();
    assert_eq!(info.format, Format::Nifti2);
    assert_eq!(info.byte_order, ByteOrder::Big);
    assert_eq!(back.array(), volume.array());
    assert_geometry_eq(back.geometry(), volume.geometry(), 1e-14);
}
