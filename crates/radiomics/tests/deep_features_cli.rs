//! `radiomics deep-features` and `radiomics convert-caffe` run as a user would, on files
//! written by the test.
#![cfg(all(feature = "cli", feature = "deepfeat", feature = "tract"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use radiomics_deepfeat::ndarray::{self, Array3};
use radiomics_deepfeat::{BackendKind, CnnSWidths, FeatureActivation, ModelOptions, OnnxModel};
use radiomics_volume::{Geometry, LabelMap, Volume};

fn radiomics(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_radiomics")).args(args).output().expect("the radiomics binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Four images and a BraTS-style segmentation (largest tumour slice z = 3) in `dir`.
fn write_patient(dir: &Path) -> Vec<PathBuf> {
    let geometry = Geometry::with_spacing([1.0, 1.0, 2.0]);
    let (nz, ny, nx) = (6, 40, 48);
    let mut paths = Vec::new();
    for (m, name) in ["t1", "t1c", "t2", "flair"].iter().enumerate() {
        let data = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
            (m as f64 + 1.0) * 10.0 + (x as f64 * 0.3 + m as f64).sin() * 20.0 + y as f64 + z as f64 * 2.0
        });
        let path = dir.join(format!("{name}.nii.gz"));
        radiomics_volume::io::write_volume(&Volume::new(data, geometry).unwrap(), &path).unwrap();
        paths.push(path);
    }
    let seg = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        if !(1..5).contains(&z) {
            return 0u32;
        }
        let radius: i64 = if z == 3 { 12 } else { 6 };
        let d2 = (y as i64 - 20).pow(2) + (x as i64 - 24).pow(2);
        if d2 <= (radius / 3).pow(2) {
            1
        } else if d2 <= (radius / 2).pow(2) {
            4
        } else if d2 <= radius.pow(2) {
            2
        } else {
            0
        }
    });
    let path = dir.join("seg.nii.gz");
    radiomics_volume::io::write_label_map(&LabelMap(Volume::new(seg, geometry).unwrap()), &path).unwrap();
    paths.push(path);
    paths
}

fn patient_args(paths: &[PathBuf]) -> Vec<String> {
    let mut args = vec!["deep-features".to_string()];
    for (flag, path) in ["--t1", "--t1c", "--t2", "--flair", "--seg"].iter().zip(paths) {
        args.push(flag.to_string());
        args.push(path.display().to_string());
    }
    args
}

fn run_strings(args: &[String]) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    radiomics(&refs)
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(str::to_string).collect();
    let row = lines.next().unwrap().split(',').map(str::to_string).collect();
    assert!(lines.next().is_none(), "one row expected");
    (header, row)
}

#[test]
fn deep_features_with_model_file() {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_patient(dir.path());
    let model = dir.path().join("small.onnx");
    std::fs::write(
        &model,
        radiomics_deepfeat::random_cnn_s_onnx(CnnSWidths::SMALL, 7, FeatureActivation::PostRelu).unwrap(),
    )
    .unwrap();
    let csv = dir.path().join("out.csv");
    let mut args = patient_args(&paths);
    args.extend(["--model".into(), model.display().to_string(), "-o".into(), csv.display().to_string()]);
    args.extend(["--labels".into(), "necrosis=1,core=1,4,whole=1,2,4".into()]);
    let out = run_strings(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let (header, row) = read_csv(&csv);
    assert_eq!(header.len(), 1 + 4 * 3 * 2 * 64);
    assert_eq!(header[0], "patient");
    assert_eq!(row[0], "seg");
    assert_eq!(header[1], "T1_SNE_F6_1");
    assert!(header.contains(&"T1C_SNE_F7_15".to_string()));
    assert_eq!(header.last().unwrap(), "FLAIR_SWT_F7_64");
    let values: Vec<f32> = row[1..].iter().map(|v| v.parse().unwrap()).collect();
    assert!(values.iter().all(|v| v.is_finite() && *v >= 0.0));
    assert!(values.iter().any(|&v| v > 0.0));
}

#[test]
fn deep_features_random_weights_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_patient(dir.path());
    let mut args = patient_args(&paths);
    args.extend(
        ["--random-weights", "3", "--random-size", "small", "--id", "P001", "--greyscale", "replicate"]
            .map(String::from),
    );
    let out = run_strings(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let second = text.lines().nth(1).unwrap();
    assert!(second.starts_with("P001,"), "{second}");
    assert_eq!(second.split(',').count(), 1537);
}

#[test]
fn empty_region_is_error_or_nan() {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_patient(dir.path());
    let mut args = patient_args(&paths);
    args.extend(["--random-weights", "1", "--random-size", "small", "--labels", "necrosis=3"].map(String::from));
    let out = run_strings(&args);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(message.contains("SNE") && message.contains("z = 3"), "{message}");

    args.extend(["--empty-region", "nan"].map(String::from));
    let out = run_strings(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().nth(1).unwrap().split(',').nth(1) == Some("NaN"));
}

#[test]
fn bad_model_file_is_error() {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_patient(dir.path());
    let model = dir.path().join("broken.onnx");
    std::fs::write(&model, b"\x08\x07garbage").unwrap();
    let mut args = patient_args(&paths);
    args.extend(["--model".into(), model.display().to_string()]);
    let out = run_strings(&args);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("broken.onnx"), "{}", stderr(&out));

    let mut args = patient_args(&paths);
    args.extend(["--random-weights", "1", "--random-size", "small", "--outputs", "fc9_out"].map(String::from));
    let out = run_strings(&args);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("fc9_out"), "{}", stderr(&out));
}

#[test]
fn weights_source_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_patient(dir.path());
    let out = run_strings(&patient_args(&paths));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--model"), "{}", stderr(&out));
}

/// A protobuf writer for the Caffe test file (field numbers from caffe.proto).
#[derive(Default)]
struct Pb(Vec<u8>);

impl Pb {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }
    fn uint(mut self, field: u64, v: u64) -> Self {
        self.varint(field << 3);
        self.varint(v);
        self
    }
    fn bytes(mut self, field: u64, b: &[u8]) -> Self {
        self.varint(field << 3 | 2);
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }
    fn string(self, field: u64, s: &str) -> Self {
        self.bytes(field, s.as_bytes())
    }
    fn blob(self, field: u64, shape: &[u64]) -> Self {
        let mut dims = Pb::default();
        for &d in shape {
            dims.varint(d);
        }
        let count: u64 = shape.iter().product();
        let data: Vec<u8> = (0..count).flat_map(|i| ((i % 7) as f32 * 0.01 - 0.03).to_le_bytes()).collect();
        let blob = Pb::default().bytes(7, &Pb::default().bytes(1, &dims.0).0).bytes(5, &data);
        self.bytes(field, &blob.0)
    }
}

/// conv1 (2 x 3x3 on 3 x 8 x 8) -> relu1 -> pool1 (2x2, stride 2) -> fc6 (4) -> relu6 -> fc7 (4) -> relu7.
fn tiny_caffemodel() -> Vec<u8> {
    let layer = |name: &str, kind: &str, bottom: &str, top: &str| {
        Pb::default().string(1, name).string(2, kind).string(3, bottom).string(4, top)
    };
    let layers = [
        layer("conv1", "Convolution", "data", "conv1")
            .blob(7, &[2, 3, 3, 3])
            .blob(7, &[2])
            .bytes(106, &Pb::default().uint(1, 2).uint(4, 3).0),
        layer("relu1", "ReLU", "conv1", "conv1"),
        layer("pool1", "Pooling", "conv1", "pool1").bytes(121, &Pb::default().uint(2, 2).uint(3, 2).0),
        layer("fc6", "InnerProduct", "pool1", "fc6")
            .blob(7, &[4, 18])
            .blob(7, &[4])
            .bytes(117, &Pb::default().uint(1, 4).0),
        layer("relu6", "ReLU", "fc6", "fc6"),
        layer("fc7", "InnerProduct", "fc6", "fc7")
            .blob(7, &[4, 4])
            .blob(7, &[4])
            .bytes(117, &Pb::default().uint(1, 4).0),
        layer("relu7", "ReLU", "fc7", "fc7"),
    ];
    let mut shape = Pb::default();
    for d in [1u64, 3, 8, 8] {
        shape.varint(d);
    }
    let mut net = Pb::default().string(1, "tiny").string(3, "data").bytes(8, &Pb::default().bytes(1, &shape.0).0);
    for l in layers {
        net = net.bytes(100, &l.0);
    }
    net.0
}

#[test]
fn convert_caffe_writes_loadable_onnx() {
    let dir = tempfile::tempdir().unwrap();
    let caffemodel = dir.path().join("tiny.caffemodel");
    std::fs::write(&caffemodel, tiny_caffemodel()).unwrap();
    let onnx = dir.path().join("tiny.onnx");
    let out = radiomics(&["convert-caffe", caffemodel.to_str().unwrap(), "-o", onnx.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("tiny"), "{}", stderr(&out));
    let options = ModelOptions { backend: BackendKind::Tract, input_size: 8, ..Default::default() };
    let model = OnnxModel::from_file(&onnx, &options).unwrap();
    let outputs = model.run(ndarray::Array4::<f32>::ones((2, 3, 8, 8)).view()).unwrap();
    assert_eq!(outputs[0].dim(), (2, 4));
    assert_eq!(outputs[1].dim(), (2, 4));
}

#[test]
fn convert_caffe_rejects_corrupt_file() {
    let dir = tempfile::tempdir().unwrap();
    let caffemodel = dir.path().join("cut.caffemodel");
    let bytes = tiny_caffemodel();
    std::fs::write(&caffemodel, &bytes[..bytes.len() - 5]).unwrap();
    let onnx = dir.path().join("cut.onnx");
    let out = radiomics(&["convert-caffe", caffemodel.to_str().unwrap(), "-o", onnx.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cut.caffemodel"), "{}", stderr(&out));
    assert!(!onnx.exists());
}
