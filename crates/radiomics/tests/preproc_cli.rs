//! Integration tests of the preprocessing subcommands: `n4`, `resample`, `register`,
//! `skull-strip`, `match-histogram` and `preprocess`, on synthetic images written to a
//! temporary directory.
#![cfg(all(feature = "cli", feature = "preproc"))]

use std::path::Path;
use std::process::{Command, Output};

use ndarray::Array3;
use radiomics_volume::io::{read_volume, write_volume};
use radiomics_volume::{Geometry, Volume};

fn radiomics(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_radiomics")).args(args).output().expect("the binary runs")
}

fn assert_success(out: &Output, what: &str) {
    assert!(out.status.success(), "{what} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Synthetic head: bright "brain" with a brighter blob, dark skull, bright scalp, times a smooth
/// field; `shift` moves everything along x in voxels.
fn head(shift: f64) -> Volume<f32> {
    let data = Array3::from_shape_fn((16, 40, 40), |(k, j, i)| {
        let p = [(i as f64 - 20.0 - shift) * 3.0, (j as f64 - 20.0) * 3.0, (k as f64 - 8.0) * 5.0];
        let r = ((p[0] / 45.0).powi(2) + (p[1] / 52.0).powi(2) + (p[2] / 35.0).powi(2)).sqrt();
        let blob = (((p[0] - 10.0) / 12.0).powi(2) + (p[1] / 10.0).powi(2) + (p[2] / 10.0).powi(2)).sqrt();
        let v = if blob < 1.0 {
            700.0
        } else if r < 0.8 {
            400.0 + p[0]
        } else if r < 0.9 {
            30.0
        } else if r < 1.0 {
            500.0
        } else {
            5.0
        };
        (v * (0.002 * p[1]).exp()) as f32
    });
    Volume::new(data, Geometry::with_spacing([3.0, 3.0, 5.0])).unwrap()
}

fn write(dir: &Path, name: &str, image: &Volume<f32>) -> String {
    let path = dir.join(name);
    write_volume(image, &path).unwrap();
    path.display().to_string()
}

#[test]
fn resample_to_spacing_and_reference() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.nii.gz", &head(0.0));
    let out = dir.path().join("out.nii.gz").display().to_string();
    assert_success(&radiomics(&["resample", &input, "-o", &out, "--spacing", "1.5,1.5,2.5"]), "resample");
    let image = read_volume(&out).unwrap();
    assert_eq!(image.size(), [80, 80, 32]);
    assert_eq!(image.spacing(), [1.5, 1.5, 2.5]);
    let out2 = dir.path().join("out2.nii.gz").display().to_string();
    assert_success(
        &radiomics(&["resample", &input, "-o", &out2, "--reference", &out, "--interpolation", "bspline"]),
        "resample onto reference",
    );
    assert_eq!(read_volume(&out2).unwrap().size(), [80, 80, 32]);
}

#[test]
fn resample_rejects_bad_spacing() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.nii.gz", &head(0.0));
    let out = radiomics(&["resample", &input, "-o", "x.nii.gz", "--spacing", "1,0,1"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("spacing") && stderr.contains("[1.0, 0.0, 1.0]"), "{stderr}");
    let out = radiomics(&["resample", &input, "-o", "x.nii.gz", "--interpolation", "cubicish"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cubicish"));
}

#[test]
fn n4_writes_corrected_and_bias_field() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.nii.gz", &head(0.0));
    let out = dir.path().join("n4.nii.gz").display().to_string();
    let bias = dir.path().join("bias.nii.gz").display().to_string();
    assert_success(
        &radiomics(&["n4", &input, "-o", &out, "--shrink", "2", "--iterations", "10,10", "--bias-out", &bias]),
        "n4",
    );
    let field = read_volume(&bias).unwrap();
    assert_eq!(field.size(), [40, 40, 16]);
    let stats = field.statistics();
    assert!(stats.min > 0.0 && stats.max > stats.min, "{stats:?}");
}

#[test]
fn n4_rejects_empty_mask() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.nii.gz", &head(0.0));
    let mask = write(dir.path(), "mask.nii.gz", &head(0.0).map(|_| 0.0f32));
    let out = radiomics(&["n4", &input, "-o", "x.nii.gz", "--mask", &mask]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("mask"), "{stderr}");
}

#[test]
fn register_writes_itk_transform() {
    let dir = tempfile::tempdir().unwrap();
    let fixed = write(dir.path(), "fixed.nii.gz", &head(0.0));
    let moving = write(dir.path(), "moving.nii.gz", &head(1.0));
    let out = dir.path().join("reg.nii.gz").display().to_string();
    let tfm = dir.path().join("t.tfm");
    assert_success(
        &radiomics(&["register", &fixed, &moving, "-o", &out, "--transform-out", tfm.to_str().unwrap()]),
        "register",
    );
    let text = std::fs::read_to_string(&tfm).unwrap();
    assert!(text.contains("Transform: Euler3DTransform_double_3_3"), "{text}");
    let t = radiomics_preproc::Euler3D::from_tfm_str(&text, "t.tfm").unwrap();
    // The moving head is shifted by +1 voxel = 3 mm along x.
    assert!((t.translation[0] - 3.0).abs() < 1.0, "{t:?}");
    assert_eq!(read_volume(&out).unwrap().size(), [40, 40, 16]);
}

#[test]
fn skull_strip_and_match_histogram() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.nii.gz", &head(0.0));
    let mask = dir.path().join("brain.nii.gz").display().to_string();
    assert_success(&radiomics(&["skull-strip", &input, "-o", &mask, "--erosion", "7"]), "skull-strip");
    let m = read_volume(&mask).unwrap();
    let inside = m.array().iter().filter(|&&v| v != 0.0).count();
    // The synthetic brain ellipsoid holds about 175 mL, i.e. 3900 voxels of 45 mm³.
    assert!(inside > 3000 && inside < 5000, "{inside} brain voxels");

    let reference = write(dir.path(), "ref.nii.gz", &head(0.0).map(|&v| 2.0 * v + 10.0));
    let out = dir.path().join("matched.nii.gz").display().to_string();
    assert_success(&radiomics(&["match-histogram", &input, &reference, "-o", &out]), "match-histogram");
    let matched = read_volume(&out).unwrap().statistics();
    assert!(matched.max > 1000.0, "{matched:?}");
}

#[test]
fn skull_strip_options() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.nii.gz", &head(0.0));
    let mask = dir.path().join("brain.nii.gz").display().to_string();
    let out = radiomics(&["skull-strip", &input, "-o", &mask, "--erosion", "7", "--no-surface"]);
    assert_success(&out, "skull-strip --no-surface");
    let inside = read_volume(&mask).unwrap().array().iter().filter(|&&v| v != 0.0).count();
    assert!(inside > 3000, "{inside} brain voxels");
    assert!(inside < 5000, "{inside} brain voxels");

    let out = radiomics(&["skull-strip", &input, "-o", &mask, "--fraction", "1.2"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("fraction = 1.2"), "{stderr}");
}

#[test]
fn skull_strip_warns_on_whole_head() {
    // The synthetic head with its dark skull ring filled with scalp intensity.
    let dir = tempfile::tempdir().unwrap();
    let no_skull = head(0.0).map(|&v| if v < 50.0 && v > 20.0 { 500.0 } else { v });
    let input = write(dir.path(), "no_skull.nii.gz", &no_skull);
    let mask = dir.path().join("brain.nii.gz").display().to_string();
    let out = radiomics(&["skull-strip", &input, "-o", &mask]);
    assert_success(&out, "skull-strip without a skull");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("so the skull was probably not separated"), "{stderr}");

    // With its dark skull the same head gives no such warning.
    let input = write(dir.path(), "head.nii.gz", &head(0.0));
    let out = radiomics(&["skull-strip", &input, "-o", &mask]);
    assert_success(&out, "skull-strip with a skull");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("not separated"), "{stderr}");
}

#[test]
fn outputs_checked_before_computing() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.nii.gz", &head(0.0));
    let missing = dir.path().join("missing").join("brain.nii.gz").display().to_string();
    let out = radiomics(&["skull-strip", &input, "-o", &missing]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not exist; create it first"), "{stderr}");
    let text = dir.path().join("out.txt").display().to_string();
    let out = radiomics(&["n4", &input, "-o", &text]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown image extension"), "{stderr}");
}

#[test]
fn match_histogram_rejects_constant_reference() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.nii.gz", &head(0.0));
    let reference = write(dir.path(), "ref.nii.gz", &head(0.0).map(|_| 3.0f32));
    let out = radiomics(&["match-histogram", &input, &reference, "-o", "x.nii.gz"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("same value 3"));
}

#[test]
fn preprocess_writes_all_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let t1 = write(dir.path(), "t1.nii.gz", &head(0.0));
    let t1c = write(dir.path(), "t1c.nii.gz", &head(0.0));
    let t2 = write(dir.path(), "t2.nii.gz", &head(1.0));
    let flair = write(dir.path(), "flair.nii.gz", &head(-1.0));
    let seg = write(dir.path(), "seg.nii.gz", &head(0.0).map(|&v| if v > 650.0 { 1.0f32 } else { 0.0 }));
    let out = dir.path().join("out");
    let out_s = out.display().to_string();
    let result = radiomics(&[
        "preprocess",
        "--t1",
        &t1,
        "--t1c",
        &t1c,
        "--t2",
        &t2,
        "--flair",
        &flair,
        "--seg",
        &seg,
        "--out",
        &out_s,
        "--spacing",
        "2",
        "--shrink",
        "2",
    ]);
    assert_success(&result, "preprocess");
    for name in [
        "t1.nii.gz",
        "t1c.nii.gz",
        "t2.nii.gz",
        "flair.nii.gz",
        "brain_mask.nii.gz",
        "seg.nii.gz",
        "t2_to_t1c.tfm",
        "timings.json",
    ] {
        assert!(out.join(name).is_file(), "missing {name}");
    }
    let timings = std::fs::read_to_string(out.join("timings.json")).unwrap();
    assert!(timings.contains("register flair to t1c"), "{timings}");
    assert_eq!(read_volume(out.join("t1c.nii.gz")).unwrap().size(), [60, 60, 40]);
}
