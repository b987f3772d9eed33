//! NRRD header variants written by hand: spaces, aliases, encodings, detached data, 2-D images.

use std::io::Write;

use radiomics_volume::VolumeError;
use radiomics_volume::io::{self, ByteOrder, DataType, OrientationSource, read_image};

fn write(dir: &std::path::Path, name: &str, header: &str, data: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend_from_slice(data);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn i16_be(values: impl Iterator<Item = i16>) -> Vec<u8> {
    values.flat_map(|v| v.to_be_bytes()).collect()
}

#[test]
fn ras_space_big_endian_alias_is_converted_to_lps() {
    let dir = tempfile::tempdir().unwrap();
    let header = "NRRD0005\n# comment\ntype: signed short int\ndimension: 3\nspace: right-anterior-superior\n\
                  sizes: 2 3 4\nspace directions: (-0.5,0,0) (0,-2,0) (0,0,3)\nkinds: domain domain domain\n\
                  endian: big\nencoding: raw\nspace origin: (10,20,30)\nsome key:=some value\n\n";
    let path = write(dir.path(), "ras.nrrd", header, &i16_be(0..24));
    let (v, info) = read_image(&path).unwrap();
    assert_eq!(info.datatype, DataType::I16);
    assert_eq!(info.byte_order, ByteOrder::Big);
    assert_eq!(info.space.as_deref(), Some("right-anterior-superior"));
    assert_eq!(info.orientation_source, OrientationSource::NrrdSpaceDirections);
    assert_eq!(v.spacing(), [0.5, 2.0, 3.0]);
    assert_eq!(v.geometry().origin(), [-10.0, -20.0, 30.0]);
    assert_eq!(v.geometry().direction(), [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    assert_eq!(v.data()[[3, 2, 1]], 23.0);
}

#[test]
fn two_dimensional_image_and_gzip_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&(0..6u8).collect::<Vec<_>>()).unwrap();
    let data = e.finish().unwrap();
    let header = "NRRD0004\ntype: uchar\ndimension: 2\nspace: left-posterior-superior\nsizes: 3 2\n\
                  space directions: (0,1,0) (1,0,0)\nencoding: gzip\nspace origin: (1,2,3)\n\n";
    let path = write(dir.path(), "2d.nrrd", header, &data);
    let v = io::read_volume(&path).unwrap();
    assert_eq!(v.size(), [3, 2, 1]);
    // Third direction completes a right-handed frame: (0,1,0) x (1,0,0) = (0,0,-1).
    assert_eq!(v.geometry().direction(), [0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, -1.0]);
    assert_eq!(v.data()[[0, 1, 2]], 5.0);
}

#[test]
fn detached_header_text_encoding_and_spacings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("values.txt"), "1 2 3\n4, 5, 6\n7 8\n").unwrap();
    let header = "NRRD0004\ntype: float\ndimension: 3\nsizes: 2 2 2\nspacings: 0.5 0.25 4\n\
                  encoding: text\ndata file: values.txt\n";
    let path = write(dir.path(), "d.nhdr", header, b"");
    let (v, info) = read_image(&path).unwrap();
    assert_eq!(info.orientation_source, OrientationSource::NrrdSpacings);
    assert_eq!(v.spacing(), [0.5, 0.25, 4.0]);
    assert_eq!(v.array().sum(), 36.0);
}

#[test]
fn byte_skip_minus_one_reads_data_from_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let header = "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 2 1 1\nencoding: raw\nbyte skip: -1\n\n";
    let path = write(dir.path(), "skip.nrrd", header, &[9, 9, 9, 7, 8]);
    assert_eq!(io::read_volume(&path).unwrap().array().iter().copied().collect::<Vec<_>>(), vec![7.0, 8.0]);
}

#[test]
fn faults_get_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let base = "NRRD0004\ntype: short\ndimension: 3\nsizes: 2 2 2\nendian: little\nencoding: raw\n\n";
    // Data longer than the sizes announce (a wrong `sizes` line).
    let path = write(dir.path(), "long.nrrd", base, &[0u8; 18]);
    assert!(matches!(io::read_volume(&path), Err(VolumeError::DataLength { expected: 16, found: 18, .. })));
    // Shorter.
    let path = write(dir.path(), "short.nrrd", base, &[0u8; 10]);
    assert!(matches!(io::read_volume(&path), Err(VolumeError::DataLength { expected: 16, found: 10, .. })));
    // A vector image (first axis of kind vector with 3 components) is not a 3-D scalar volume.
    let header = "NRRD0004\ntype: float\ndimension: 4\nspace: left-posterior-superior\nsizes: 3 2 2 2\n\
                  space directions: none (1,0,0) (0,1,0) (0,0,1)\nkinds: vector domain domain domain\n\
                  endian: little\nencoding: raw\n\n";
    let path = write(dir.path(), "vec.nrrd", header, &[0u8; 96]);
    let err = io::read_volume(&path).unwrap_err();
    assert!(matches!(err, VolumeError::NotThreeDimensional { ndim: 4, .. }), "{err}");
    // Unsupported type and encoding, missing endian, unknown space.
    for (header, check) in [
        (
            "NRRD0004\ntype: uint64\ndimension: 1\nsizes: 1\nendian: little\nencoding: raw\n\n",
            "unsupported voxel data type uint64",
        ),
        ("NRRD0004\ntype: short\ndimension: 1\nsizes: 1\nendian: little\nencoding: bzip2\n\n", "encoding"),
        ("NRRD0004\ntype: short\ndimension: 1\nsizes: 1\nencoding: raw\n\n", "endian"),
        (
            "NRRD0004\ntype: short\ndimension: 1\nsizes: 1\nspace: sideways\nendian: little\nencoding: raw\n\n",
            "sideways",
        ),
        ("NRRD0004\ntype: short\nsizes: 1\nendian: little\nencoding: raw\n\n", "dimension"),
    ] {
        let path = write(dir.path(), "bad.nrrd", header, &[0u8; 8]);
        let err = io::read_volume(&path).unwrap_err().to_string();
        assert!(err.contains(check) && err.contains("bad.nrrd"), "{err}");
    }
    // A sheared direction matrix.
    let header = "NRRD0004\ntype: uint8\ndimension: 3\nspace: LPS\nsizes: 1 1 1\n\
                  space directions: (1,0,0) (1,1,0) (0,0,1)\nencoding: raw\n\n";
    let path = write(dir.path(), "shear.nrrd", header, &[0u8]);
    let err = io::read_volume(&path).unwrap_err().to_string();
    assert!(err.contains("orthonormal") && err.contains("shear.nrrd"), "{err}");
    // A truncated gzip stream.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&[1u8; 4000]).unwrap();
    let data = e.finish().unwrap();
    let header = "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 10 20 20\nencoding: gzip\n\n";
    let path = write(dir.path(), "cut.nrrd", header, &data[..data.len() / 2]);
    let err = io::read_volume(&path).unwrap_err();
    assert!(matches!(err, VolumeError::CorruptCompressedData { .. }), "{err}");
}
