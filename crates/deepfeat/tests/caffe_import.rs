//! Caffe `.caffemodel` import of small synthetic models in both layer formats, converted to
//! ONNX and run through tract against a naive forward pass.
//!
//! The files are written by a protobuf encoder in this file that uses the field numbers of
//! `caffe.proto` directly, so a wrong number in the importer's declarations fails here.
#![cfg(feature = "tract")]

use radiomics_deepfeat::caffe::{CaffeConversion, caffe_to_onnx, import_caffemodel, read_mean_binaryproto};
use radiomics_deepfeat::network::{LayerKind, PoolRounding};
use radiomics_deepfeat::{BackendKind, DeepFeatError, ModelOptions, OnnxModel};

/// A minimal protobuf writer.
#[derive(Default, Clone)]
struct Pb(Vec<u8>);

impl Pb {
    fn varint(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(byte);
                break;
            }
            self.0.push(byte | 0x80);
        }
    }
    fn key(&mut self, field: u64, wire: u64) {
        self.varint(field << 3 | wire);
    }
    fn uint(mut self, field: u64, v: u64) -> Self {
        self.key(field, 0);
        self.varint(v);
        self
    }
    fn float(mut self, field: u64, v: f32) -> Self {
        self.key(field, 5);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn bytes(mut self, field: u64, b: &[u8]) -> Self {
        self.key(field, 2);
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }
    fn string(self, field: u64, s: &str) -> Self {
        self.bytes(field, s.as_bytes())
    }
    fn msg(self, field: u64, m: Pb) -> Self {
        self.bytes(field, &m.0)
    }
    fn packed_floats(self, field: u64, values: &[f32]) -> Self {
        let b: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.bytes(field, &b)
    }
    fn packed_varints(self, field: u64, values: &[u64]) -> Self {
        let mut inner = Pb::default();
        for &v in values {
            inner.varint(v);
        }
        self.bytes(field, &inner.0)
    }
}

/// BlobProto with `shape` (field 7, BlobShape.dim = 1 packed) and `data` (5, packed).
fn blob(shape: &[usize], values: &[f32]) -> Pb {
    let dims: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    Pb::default().msg(7, Pb::default().packed_varints(1, &dims)).packed_floats(5, values)
}

/// BlobProto in the legacy num (1) / channels (2) / height (3) / width (4) form.
fn legacy_blob(shape: &[usize], values: &[f32]) -> Pb {
    let mut padded = vec![1usize; 4 - shape.len()];
    padded.extend_from_slice(shape);
    Pb::default()
        .uint(1, padded[0] as u64)
        .uint(2, padded[1] as u64)
        .uint(3, padded[2] as u64)
        .uint(4, padded[3] as u64)
        .packed_floats(5, values)
}

fn values(n: usize, seed: u32, scale: f32) -> Vec<f32> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((state >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect()
}

/// The test network's parameters.
struct Params {
    conv_w: Vec<f32>, // [4, 3, 3, 3]
    conv_b: Vec<f32>, // [4]
    fc6_w: Vec<f32>,  // [5, 64]
    fc6_b: Vec<f32>,
    fc7_w: Vec<f32>, // [3, 5]
    fc7_b: Vec<f32>,
}

fn params() -> Params {
    Params {
        conv_w: values(108, 1, 0.5),
        conv_b: values(4, 2, 0.1),
        fc6_w: values(320, 3, 0.2),
        fc6_b: values(5, 4, 0.1),
        fc7_w: values(15, 5, 0.5),
        fc7_b: values(3, 6, 0.1).iter().map(|v| v + 0.2).collect(),
    }
}

/// data 3x8x8 -> conv1 (4, 3x3, pad 1) -> relu1 -> norm1 (LRN 3, alpha 0.3, beta 0.75, k 2)
/// -> pool1 (max 3x3, stride 2, ceil: 4x4) -> fc6 (5) -> relu6 -> drop6 -> fc7 (3) -> relu7 -> prob.
fn v2_model(p: &Params) -> Vec<u8> {
    // LayerParameter: name 1, type 2, bottom 3, top 4, blobs 7, convolution_param 106,
    // inner_product_param 117, lrn_param 118, pooling_param 121, dropout_param 108.
    let layer = |name: &str, kind: &str, bottom: &str, top: &str| {
        Pb::default().string(1, name).string(2, kind).string(3, bottom).string(4, top)
    };
    let conv = layer("conv1", "Convolution", "data", "conv1")
        .msg(7, blob(&[4, 3, 3, 3], &p.conv_w))
        .msg(7, blob(&[4], &p.conv_b))
        .msg(106, Pb::default().uint(1, 4).uint(3, 1).uint(4, 3).uint(6, 1));
    let relu1 = layer("relu1", "ReLU", "conv1", "conv1");
    let norm = layer("norm1", "LRN", "conv1", "norm1")
        .msg(118, Pb::default().uint(1, 3).float(2, 0.3).float(3, 0.75).float(5, 2.0));
    let pool = layer("pool1", "Pooling", "norm1", "pool1").msg(121, Pb::default().uint(1, 0).uint(2, 3).uint(3, 2));
    let fc6 = layer("fc6", "InnerProduct", "pool1", "fc6")
        .msg(7, blob(&[5, 64], &p.fc6_w))
        .msg(7, blob(&[5], &p.fc6_b))
        .msg(117, Pb::default().uint(1, 5));
    let relu6 = layer("relu6", "ReLU", "fc6", "fc6");
    let drop6 = layer("drop6", "Dropout", "fc6", "fc6").msg(108, Pb::default().float(1, 0.5));
    let fc7 = layer("fc7", "InnerProduct", "fc6", "fc7")
        .msg(7, blob(&[3, 5], &p.fc7_w))
        .msg(7, blob(&[3], &p.fc7_b))
        .msg(117, Pb::default().uint(1, 3));
    let relu7 = layer("relu7", "ReLU", "fc7", "fc7");
    let prob = layer("prob", "Softmax", "fc7", "prob");
    // NetParameter: name 1, input 3, input_shape 8, layer 100.
    let mut net =
        Pb::default().string(1, "tiny_v2").string(3, "data").msg(8, Pb::default().packed_varints(1, &[1, 3, 8, 8]));
    for l in [conv, relu1, norm, pool, fc6, relu6, drop6, fc7, relu7, prob] {
        net = net.msg(100, l);
    }
    net.0
}

/// The same network in the V1 format: NetParameter.layers (2) of V1LayerParameter with
/// bottom 2, top 3, name 4, type 5 (enum), blobs 6, convolution_param 10,
/// inner_product_param 17, lrn_param 18, pooling_param 19; legacy 4-D blobs; input_dim (4).
fn v1_model(p: &Params) -> Vec<u8> {
    let layer = |name: &str, kind: u64, bottom: &str, top: &str| {
        Pb::default().string(2, bottom).string(3, top).string(4, name).uint(5, kind)
    };
    let conv = layer("conv1", 4, "data", "conv1")
        .msg(6, legacy_blob(&[4, 3, 3, 3], &p.conv_w))
        .msg(6, legacy_blob(&[4], &p.conv_b))
        .msg(10, Pb::default().uint(1, 4).uint(3, 1).uint(4, 3).uint(6, 1));
    let relu1 = layer("relu1", 18, "conv1", "conv1");
    let norm = layer("norm1", 15, "conv1", "norm1")
        .msg(18, Pb::default().uint(1, 3).float(2, 0.3).float(3, 0.75).float(5, 2.0));
    let pool = layer("pool1", 17, "norm1", "pool1").msg(19, Pb::default().uint(1, 0).uint(2, 3).uint(3, 2));
    let fc6 = layer("fc6", 14, "pool1", "fc6")
        .msg(6, legacy_blob(&[5, 64], &p.fc6_w))
        .msg(6, legacy_blob(&[5], &p.fc6_b))
        .msg(17, Pb::default().uint(1, 5));
    let relu6 = layer("relu6", 18, "fc6", "fc6");
    let drop6 = layer("drop6", 6, "fc6", "fc6");
    let fc7 = layer("fc7", 14, "fc6", "fc7")
        .msg(6, legacy_blob(&[3, 5], &p.fc7_w))
        .msg(6, legacy_blob(&[3], &p.fc7_b))
        .msg(17, Pb::default().uint(1, 3));
    let relu7 = layer("relu7", 18, "fc7", "fc7");
    let prob = layer("prob", 20, "fc7", "prob");
    let mut net = Pb::default().string(1, "tiny_v1").string(3, "data");
    for d in [1u64, 3, 8, 8] {
        net = net.uint(4, d);
    }
    for l in [conv, relu1, norm, pool, fc6, relu6, drop6, fc7, relu7, prob] {
        net = net.msg(2, l);
    }
    net.0
}

/// Naive forward pass of the test network for one image `[3, 8, 8]`; returns (fc6, fc7) post-ReLU.
fn reference_forward(p: &Params, x: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let at = |c: usize, y: i64, xx: i64| -> f64 {
        if (0..8).contains(&y) && (0..8).contains(&xx) { x[c * 64 + y as usize * 8 + xx as usize] as f64 } else { 0.0 }
    };
    // conv1 + relu: [4, 8, 8]
    let mut conv = vec![0f64; 4 * 64];
    for o in 0..4 {
        for y in 0..8i64 {
            for xx in 0..8i64 {
                let mut sum = p.conv_b[o] as f64;
                for c in 0..3 {
                    for ky in 0..3i64 {
                        for kx in 0..3i64 {
                            let w = p.conv_w[((o * 3 + c) * 3 + ky as usize) * 3 + kx as usize] as f64;
                            sum += w * at(c, y + ky - 1, xx + kx - 1);
                        }
                    }
                }
                conv[o * 64 + (y * 8 + xx) as usize] = sum.max(0.0);
            }
        }
    }
    // LRN across 3 channels: x / (2 + 0.3 / 3 * sum x^2)^0.75.
    let mut norm = vec![0f64; 4 * 64];
    for c in 0..4usize {
        for i in 0..64 {
            let sum: f64 = (c.saturating_sub(1)..=(c + 1).min(3)).map(|k| conv[k * 64 + i].powi(2)).sum();
            norm[c * 64 + i] = conv[c * 64 + i] / (2.0 + 0.3 / 3.0 * sum).powf(0.75);
        }
    }
    // Max pool 3x3 stride 2, ceil: output 4x4, windows clipped at the border.
    let mut pooled = vec![0f64; 4 * 16];
    for c in 0..4 {
        for oy in 0..4 {
            for ox in 0..4 {
                let mut m = f64::NEG_INFINITY;
                for y in oy * 2..(oy * 2 + 3).min(8) {
                    for xx in ox * 2..(ox * 2 + 3).min(8) {
                        m = m.max(norm[c * 64 + y * 8 + xx]);
                    }
                }
                pooled[c * 16 + oy * 4 + ox] = m;
            }
        }
    }
    let fc = |w: &[f32], b: &[f32], input: &[f64]| -> Vec<f64> {
        b.iter()
            .enumerate()
            .map(|(o, &bias)| {
                let dot: f64 = input.iter().enumerate().map(|(i, v)| w[o * input.len() + i] as f64 * v).sum();
                (dot + bias as f64).max(0.0)
            })
            .collect()
    };
    let fc6 = fc(&p.fc6_w, &p.fc6_b, &pooled);
    let fc7 = fc(&p.fc7_w, &p.fc7_b, &fc6);
    (fc6.iter().map(|&v| v as f32).collect(), fc7.iter().map(|&v| v as f32).collect())
}

fn run_converted(bytes: &[u8], what: &str) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let (onnx, import) = caffe_to_onnx(bytes, what, &CaffeConversion::default()).unwrap();
    assert_eq!(import.network.input_size, [8, 8]);
    assert_eq!(import.network.input_channels, 3);
    assert_eq!(import.skipped, vec!["drop6".to_string(), "prob".to_string()]);
    let options = ModelOptions { backend: BackendKind::Tract, input_size: 8, ..Default::default() };
    let model = OnnxModel::from_bytes(onnx, what, &options).unwrap();
    assert_eq!(model.info().colour_order(), Some(radiomics_deepfeat::ColourOrder::Bgr));
    let input = values(2 * 3 * 64, 99, 1.0);
    let batch = ndarray::Array4::from_shape_vec((2, 3, 8, 8), input).unwrap();
    let out = model.run(batch.view()).unwrap();
    let rows = |k: usize| (0..2).map(|n| out[k].row(n).to_vec()).collect();
    (rows(0), rows(1))
}

fn check_against_reference(bytes: &[u8], what: &str) {
    let p = params();
    let (fc6, fc7) = run_converted(bytes, what);
    let input = values(2 * 3 * 64, 99, 1.0);
    for n in 0..2 {
        let (r6, r7) = reference_forward(&p, &input[n * 192..(n + 1) * 192]);
        for (a, b) in fc6[n].iter().zip(&r6).chain(fc7[n].iter().zip(&r7)) {
            assert!((a - b).abs() < 1e-5, "image {n}: {:?} {:?} vs {r6:?} {r7:?}", fc6[n], fc7[n]);
        }
        assert!(r7.iter().any(|&v| v > 0.0), "reference fc7 is all zero; the test would not discriminate");
    }
}

#[test]
fn v2_caffemodel_matches_reference_forward() {
    check_against_reference(&v2_model(&params()), "tiny_v2.caffemodel");
}

#[test]
fn v1_caffemodel_matches_reference_forward() {
    check_against_reference(&v1_model(&params()), "tiny_v1.caffemodel");
}

#[test]
fn imported_layers_keep_caffe_parameters() {
    let import = import_caffemodel(&v1_model(&params()), "tiny", [224, 224]).unwrap();
    let names: Vec<&str> = import.network.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["conv1", "relu1", "norm1", "pool1", "fc6", "relu6", "fc7", "relu7"]);
    assert_eq!(import.network.layers[2].kind, LayerKind::Lrn { size: 3, alpha: 0.3, beta: 0.75, bias: 2.0 });
    assert_eq!(
        import.network.layers[3].kind,
        LayerKind::MaxPool { kernel: [3, 3], stride: [2, 2], pad: [0, 0], rounding: PoolRounding::Ceil }
    );
    assert_eq!(import.weights.get("fc6").unwrap().weight.shape, vec![5, 64]);
}

#[test]
fn corrupt_caffemodel_is_error() {
    let bytes = v2_model(&params());
    let err = import_caffemodel(&bytes[..bytes.len() - 7], "cut.caffemodel", [224, 224]).unwrap_err();
    assert!(matches!(err, DeepFeatError::CorruptModel { .. }), "{err}");
    assert!(err.to_string().contains("cut.caffemodel"), "{err}");
}

#[test]
fn unsupported_layer_is_error() {
    let net = Pb::default()
        .msg(100, Pb::default().string(1, "conv1").string(2, "Convolution").string(3, "data").string(4, "conv1"))
        .msg(100, Pb::default().string(1, "cat").string(2, "Concat").string(3, "conv1").string(4, "cat"));
    let err = import_caffemodel(&net.0, "dag.caffemodel", [224, 224]).unwrap_err();
    assert!(matches!(&err, DeepFeatError::InvalidNetwork { layer, .. } if layer == "cat"), "{err}");
}

#[test]
fn wrong_blob_size_is_error() {
    let mut p = params();
    p.fc6_w.pop();
    let err = import_caffemodel(&v2_model(&p), "bad.caffemodel", [224, 224]).unwrap_err();
    assert!(matches!(&err, DeepFeatError::InvalidNetwork { layer, .. } if layer == "fc6"), "{err}");
}

#[test]
fn mean_binaryproto_per_channel() {
    // [1, 3, 2, 2] with channel values 1..4, 10..13, 100..103.
    let data: Vec<f32> = [1.0f32, 10.0, 100.0].iter().flat_map(|&b| (0..4).map(move |i| b + i as f32)).collect();
    let bytes = blob(&[1, 3, 2, 2], &data).0;
    assert_eq!(read_mean_binaryproto(&bytes, "mean").unwrap(), [2.5, 11.5, 101.5]);
    let err = read_mean_binaryproto(&blob(&[1, 1, 2, 2], &data[..4]).0, "grey.binaryproto").unwrap_err();
    assert!(err.to_string().contains("3-channel"), "{err}");
}
