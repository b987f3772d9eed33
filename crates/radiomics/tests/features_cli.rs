//! `radiomics features` run as a user runs it, on files the test writes.
#![cfg(feature = "texture")]

use std::path::Path;
use std::process::Command;

use radiomics::texture::{Extractor, Settings};
use radiomics::volume::io::{self, DataType};
use radiomics::volume::ndarray::Array3;
use radiomics::volume::{Geometry, LabelMap, Volume};

/// A 24 x 20 x 8 ([x, y, z]) int16 image with a textured sphere, and a label map with a core
/// (label 1) inside a ring (label 4) and a separate label 2.
fn case(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, Volume<f64>, LabelMap) {
    let geometry =
        Geometry::new([0.9, 0.9, 3.0], [-10.0, 5.0, 2.0], [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]).unwrap();
    let data = Array3::from_shape_fn((8, 20, 24), |(z, y, x)| ((x * 37 + y * 11 + z * 53) % 61) as f64 * 7.0 + 100.0);
    let image = Volume::new(data, geometry).unwrap();
    let labels = Array3::from_shape_fn((8, 20, 24), |(z, y, x)| {
        let r2 = (x as f64 - 12.0).powi(2) + (y as f64 - 10.0).powi(2) + ((z as f64 - 4.0) * 3.3).powi(2);
        if r2 <= 16.0 {
            1
        } else if r2 <= 49.0 {
            4
        } else if x < 2 && y < 2 {
            2
        } else {
            0
        }
    });
    let labels = LabelMap(Volume::new(labels, geometry).unwrap());
    let image_path = dir.join("t1.nii.gz");
    let mask_path = dir.join("seg.nrrd");
    io::write_volume_as(&image, &image_path, DataType::I16).unwrap();
    io::write_label_map(&labels, &mask_path).unwrap();
    // Compare with what the files hold (NIfTI stores the spacing in f32).
    let image = io::read_volume(&image_path).unwrap();
    let labels = io::read_label_map(&mask_path).unwrap();
    (image_path, mask_path, image, labels)
}

fn features(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_radiomics")).arg("features").args(args).output().unwrap()
}

#[test]
fn wide_row_matches_library_for_label_union() {
    let dir = tempfile::tempdir().unwrap();
    let (img, msk, image, labels) = case(dir.path());
    let out_csv = dir.path().join("out.csv");
    let out = features(&[
        img.to_str().unwrap(),
        msk.to_str().unwrap(),
        "--label",
        "1,4",
        "--threads",
        "2",
        "-o",
        out_csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&out_csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(lines.next().is_none(), "one row per case");
    assert_eq!(&header[..2], &["Image", "Mask"]);
    assert_eq!(header.len(), 2 + 107, "PyRadiomics' 107 default features");
    let settings = Settings { labels: vec![1, 4], ..Settings::default() };
    let want = Extractor::new(settings).unwrap().execute(&image, &labels).unwrap();
    for (name, value) in header.iter().zip(&row).skip(2) {
        let got: f64 = value.parse().unwrap();
        let w = want.get(name).unwrap_or_else(|| panic!("{name} missing from the library output"));
        assert!(got == w || (got.is_nan() && w.is_nan()), "{name}: {got} vs {w}");
    }
    // The union is larger than the core alone.
    let core = Extractor::new(Settings::default()).unwrap().execute(&image, &labels).unwrap();
    assert!(core.get("original_shape_VoxelVolume").unwrap() < want.get("original_shape_VoxelVolume").unwrap());
}

#[test]
fn long_layout_and_params_file() {
    let dir = tempfile::tempdir().unwrap();
    let (img, msk, image, labels) = case(dir.path());
    let params = dir.path().join("params.yaml");
    std::fs::write(&params, "imageType:\n  Original: {}\nfeatureClass:\n  glcm: [Contrast, Correlation]\n  firstorder:\nsetting:\n  binWidth: 10\n  label: 4\n").unwrap();
    let out = features(&[
        img.to_str().unwrap(),
        msk.to_str().unwrap(),
        "--params",
        params.to_str().unwrap(),
        "--format",
        "long",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "Image,Mask,feature,value");
    assert_eq!(rows.len(), 1 + 18 + 2, "18 first-order + 2 GLCM features");
    let settings = Settings::from_yaml_file(&params).unwrap();
    let want = Extractor::new(settings).unwrap().execute(&image, &labels).unwrap();
    let contrast = rows.iter().find(|r| r.contains("original_glcm_Contrast")).unwrap();
    let value: f64 = contrast.rsplit(',').next().unwrap().parse().unwrap();
    assert_eq!(value, want.get("original_glcm_Contrast").unwrap());
}

#[test]
fn bad_inputs_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (img, msk, _, _) = case(dir.path());
    let params = dir.path().join("bad.yaml");
    std::fs::write(&params, "setting:\n  binWidht: 10\n").unwrap();
    let out = features(&[img.to_str().unwrap(), msk.to_str().unwrap(), "--params", params.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("binWidht"), "{err}");

    let out = features(&[img.to_str().unwrap(), msk.to_str().unwrap(), "--label", "7"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[7]") && err.contains("[1, 2, 4]"), "{err}");

    // A mask on another grid.
    let other = dir.path().join("other.nrrd");
    let shifted =
        LabelMap(Volume::new(Array3::from_elem((8, 20, 24), 1u32), Geometry::with_spacing([1.0, 1.0, 1.0])).unwrap());
    io::write_label_map(&shifted, &other).unwrap();
    let out = features(&[img.to_str().unwrap(), other.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("spacing"), "{err}");
}

#[test]
fn absent_label_warns_and_keeps_present() {
    let dir = tempfile::tempdir().unwrap();
    let (img, msk, _, _) = case(dir.path());
    let run = |labels: &str, csv: &str| {
        let path = dir.path().join(csv);
        let out =
            features(&[img.to_str().unwrap(), msk.to_str().unwrap(), "--label", labels, "-o", path.to_str().unwrap()]);
        (out, std::fs::read_to_string(&path).unwrap_or_default())
    };

    let (out, with_absent) = run("1,3,4", "with_absent.csv");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("WARN"), "{log}");
    assert!(log.contains("[3]"), "absent label named: {log}");
    assert!(log.contains(msk.to_str().unwrap()), "mask file named: {log}");
    assert!(log.contains("[1, 2, 4]"), "present labels named: {log}");

    // The ROI is the union of the present labels only.
    let (out, present_only) = run("1,4", "present_only.csv");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("WARN"));
    let values = |text: &str| text.lines().nth(1).unwrap().split(',').skip(2).map(String::from).collect::<Vec<_>>();
    assert_eq!(values(&with_absent), values(&present_only));

    let (out, _) = run("3,5", "none.csv");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[3, 5]"), "{err}");
    assert!(err.contains(msk.to_str().unwrap()), "{err}");
    assert!(err.contains("[1, 2, 4]"), "{err}");
}
