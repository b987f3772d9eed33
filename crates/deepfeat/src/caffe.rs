//! Importer for Caffe `.caffemodel` files (binary `NetParameter` protobuf) of plain
//! feed-forward networks such as the released `VGG_CNN_S.caffemodel`.
//!
//! Both layer formats are read: the current `layer` field (`LayerParameter`, type names such as
//! `"Convolution"`) and the legacy `layers` field (`V1LayerParameter`, numeric types), which
//! 2014-era models such as CNN-S use. Blob shapes are read from `shape` or from the legacy
//! `num`/`channels`/`height`/`width` fields.
//!
//! Supported layers: Convolution, ReLU (slope 0), LRN (across channels), max Pooling and
//! InnerProduct. Data, Input, Dropout (the identity at inference), Softmax, loss and accuracy
//! layers are skipped. Anything else, or a network that is not a single chain, is an error
//! naming the layer.
//!
//! The message declarations below follow Caffe's `caffe.proto` field numbers; fields the
//! importer does not read are left out.

#![allow(missing_docs)]

use prost::Message;

use crate::network::{Layer, LayerKind, LayerWeights, Network, PoolRounding, Tensor, Weights};
use crate::onnx::{FeatureActivation, META_COLOUR_ORDER, META_MEAN, OnnxExportOptions, write_onnx};
use crate::{DeepFeatError, Result};

#[derive(Clone, PartialEq, Message)]
pub struct NetParameter {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(string, repeated, tag = "3")]
    pub input: Vec<String>,
    #[prost(message, repeated, tag = "8")]
    pub input_shape: Vec<BlobShape>,
    #[prost(int32, repeated, packed = "false", tag = "4")]
    pub input_dim: Vec<i32>,
    #[prost(message, repeated, tag = "100")]
    pub layer: Vec<LayerParameter>,
    #[prost(message, repeated, tag = "2")]
    pub layers: Vec<V1LayerParameter>,
}

#[derive(Clone, PartialEq, Message)]
pub struct BlobShape {
    #[prost(int64, repeated, packed = "true", tag = "1")]
    pub dim: Vec<i64>,
}

#[derive(Clone, PartialEq, Message)]
pub struct BlobProto {
    #[prost(message, optional, tag = "7")]
    pub shape: Option<BlobShape>,
    #[prost(float, repeated, packed = "true", tag = "5")]
    pub data: Vec<f32>,
    #[prost(double, repeated, packed = "true", tag = "8")]
    pub double_data: Vec<f64>,
    #[prost(int32, optional, tag = "1")]
    pub num: Option<i32>,
    #[prost(int32, optional, tag = "2")]
    pub channels: Option<i32>,
    #[prost(int32, optional, tag = "3")]
    pub height: Option<i32>,
    #[prost(int32, optional, tag = "4")]
    pub width: Option<i32>,
}

#[derive(Clone, PartialEq, Message)]
pub struct LayerParameter {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub r#type: Option<String>,
    #[prost(string, repeated, tag = "3")]
    pub bottom: Vec<String>,
    #[prost(string, repeated, tag = "4")]
    pub top: Vec<String>,
    #[prost(message, repeated, tag = "7")]
    pub blobs: Vec<BlobProto>,
    #[prost(message, optional, tag = "106")]
    pub convolution_param: Option<ConvolutionParameter>,
    #[prost(message, optional, tag = "117")]
    pub inner_product_param: Option<InnerProductParameter>,
    #[prost(message, optional, tag = "118")]
    pub lrn_param: Option<LrnParameter>,
    #[prost(message, optional, tag = "121")]
    pub pooling_param: Option<PoolingParameter>,
    #[prost(message, optional, tag = "123")]
    pub relu_param: Option<ReluParameter>,
    #[prost(message, optional, tag = "143")]
    pub input_param: Option<InputParameter>,
}

#[derive(Clone, PartialEq, Message)]
pub struct V1LayerParameter {
    #[prost(string, repeated, tag = "2")]
    pub bottom: Vec<String>,
    #[prost(string, repeated, tag = "3")]
    pub top: Vec<String>,
    #[prost(string, optional, tag = "4")]
    pub name: Option<String>,
    #[prost(int32, optional, tag = "5")]
    pub r#type: Option<i32>,
    #[prost(message, repeated, tag = "6")]
    pub blobs: Vec<BlobProto>,
    #[prost(message, optional, tag = "10")]
    pub convolution_param: Option<ConvolutionParameter>,
    #[prost(message, optional, tag = "17")]
    pub inner_product_param: Option<InnerProductParameter>,
    #[prost(message, optional, tag = "18")]
    pub lrn_param: Option<LrnParameter>,
    #[prost(message, optional, tag = "19")]
    pub pooling_param: Option<PoolingParameter>,
    #[prost(message, optional, tag = "30")]
    pub relu_param: Option<ReluParameter>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ConvolutionParameter {
    #[prost(uint32, optional, tag = "1")]
    pub num_output: Option<u32>,
    #[prost(bool, optional, tag = "2")]
    pub bias_term: Option<bool>,
    #[prost(uint32, repeated, packed = "false", tag = "3")]
    pub pad: Vec<u32>,
    #[prost(uint32, repeated, packed = "false", tag = "4")]
    pub kernel_size: Vec<u32>,
    #[prost(uint32, repeated, packed = "false", tag = "6")]
    pub stride: Vec<u32>,
    #[prost(uint32, repeated, packed = "false", tag = "18")]
    pub dilation: Vec<u32>,
    #[prost(uint32, optional, tag = "9")]
    pub pad_h: Option<u32>,
    #[prost(uint32, optional, tag = "10")]
    pub pad_w: Option<u32>,
    #[prost(uint32, optional, tag = "11")]
    pub kernel_h: Option<u32>,
    #[prost(uint32, optional, tag = "12")]
    pub kernel_w: Option<u32>,
    #[prost(uint32, optional, tag = "13")]
    pub stride_h: Option<u32>,
    #[prost(uint32, optional, tag = "14")]
    pub stride_w: Option<u32>,
    #[prost(uint32, optional, tag = "5")]
    pub group: Option<u32>,
}

#[derive(Clone, PartialEq, Message)]
pub struct PoolingParameter {
    /// 0 MAX, 1 AVE, 2 STOCHASTIC.
    #[prost(int32, optional, tag = "1")]
    pub pool: Option<i32>,
    #[prost(uint32, optional, tag = "4")]
    pub pad: Option<u32>,
    #[prost(uint32, optional, tag = "9")]
    pub pad_h: Option<u32>,
    #[prost(uint32, optional, tag = "10")]
    pub pad_w: Option<u32>,
    #[prost(uint32, optional, tag = "2")]
    pub kernel_size: Option<u32>,
    #[prost(uint32, optional, tag = "5")]
    pub kernel_h: Option<u32>,
    #[prost(uint32, optional, tag = "6")]
    pub kernel_w: Option<u32>,
    #[prost(uint32, optional, tag = "3")]
    pub stride: Option<u32>,
    #[prost(uint32, optional, tag = "7")]
    pub stride_h: Option<u32>,
    #[prost(uint32, optional, tag = "8")]
    pub stride_w: Option<u32>,
    #[prost(bool, optional, tag = "12")]
    pub global_pooling: Option<bool>,
    /// 0 CEIL (default), 1 FLOOR.
    #[prost(int32, optional, tag = "13")]
    pub round_mode: Option<i32>,
}

#[derive(Clone, PartialEq, Message)]
pub struct LrnParameter {
    #[prost(uint32, optional, tag = "1")]
    pub local_size: Option<u32>,
    #[prost(float, optional, tag = "2")]
    pub alpha: Option<f32>,
    #[prost(float, optional, tag = "3")]
    pub beta: Option<f32>,
    /// 0 ACROSS_CHANNELS (default), 1 WITHIN_CHANNEL.
    #[prost(int32, optional, tag = "4")]
    pub norm_region: Option<i32>,
    #[prost(float, optional, tag = "5")]
    pub k: Option<f32>,
}

#[derive(Clone, PartialEq, Message)]
pub struct InnerProductParameter {
    #[prost(uint32, optional, tag = "1")]
    pub num_output: Option<u32>,
    #[prost(bool, optional, tag = "2")]
    pub bias_term: Option<bool>,
    #[prost(int32, optional, tag = "5")]
    pub axis: Option<i32>,
    #[prost(bool, optional, tag = "6")]
    pub transpose: Option<bool>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ReluParameter {
    #[prost(float, optional, tag = "1")]
    pub negative_slope: Option<f32>,
}

#[derive(Clone, PartialEq, Message)]
pub struct InputParameter {
    #[prost(message, repeated, tag = "1")]
    pub shape: Vec<BlobShape>,
}

/// `V1LayerParameter.LayerType` values the importer handles.
mod v1 {
    pub const CONVOLUTION: i32 = 4;
    pub const DATA: i32 = 5;
    pub const DROPOUT: i32 = 6;
    pub const IMAGE_DATA: i32 = 12;
    pub const INNER_PRODUCT: i32 = 14;
    pub const LRN: i32 = 15;
    pub const MEMORY_DATA: i32 = 29;
    pub const POOLING: i32 = 17;
    pub const RELU: i32 = 18;
    pub const SOFTMAX: i32 = 20;
    pub const SOFTMAX_LOSS: i32 = 21;
    pub const ACCURACY: i32 = 1;
    pub const SPLIT: i32 = 22;
    pub const WINDOW_DATA: i32 = 24;
    pub const HDF5_DATA: i32 = 9;
    pub const DUMMY_DATA: i32 = 32;
}

/// A layer in a format-independent form.
struct CaffeLayer {
    name: String,
    kind: &'static str,
    bottom: Vec<String>,
    top: Vec<String>,
    blobs: Vec<BlobProto>,
    convolution: Option<ConvolutionParameter>,
    inner_product: Option<InnerProductParameter>,
    lrn: Option<LrnParameter>,
    pooling: Option<PoolingParameter>,
    relu: Option<ReluParameter>,
}

fn v2_kind(name: &str) -> &'static str {
    match name {
        "Convolution" => "Convolution",
        "InnerProduct" => "InnerProduct",
        "LRN" => "LRN",
        "Pooling" => "Pooling",
        "ReLU" => "ReLU",
        "Data" | "Input" | "ImageData" | "MemoryData" | "HDF5Data" | "DummyData" | "WindowData" => "skip",
        "Dropout" | "Softmax" | "SoftmaxWithLoss" | "Accuracy" | "Silence" => "skip",
        _ => "unsupported",
    }
}

fn v1_kind(code: i32) -> &'static str {
    match code {
        v1::CONVOLUTION => "Convolution",
        v1::INNER_PRODUCT => "InnerProduct",
        v1::LRN => "LRN",
        v1::POOLING => "Pooling",
        v1::RELU => "ReLU",
        v1::DATA | v1::IMAGE_DATA | v1::MEMORY_DATA | v1::WINDOW_DATA | v1::HDF5_DATA | v1::DUMMY_DATA => "skip",
        v1::DROPOUT | v1::SOFTMAX | v1::SOFTMAX_LOSS | v1::ACCURACY | v1::SPLIT => "skip",
        _ => "unsupported",
    }
}

/// A Caffe network converted to this crate's [`Network`] and [`Weights`].
#[derive(Debug, Clone, PartialEq)]
pub struct CaffeImport {
    /// The layer chain.
    pub network: Network,
    /// The weights.
    pub weights: Weights,
    /// Layers that were skipped (data, dropout, softmax, loss), by name.
    pub skipped: Vec<String>,
}

fn blob_shape(blob: &BlobProto) -> Vec<usize> {
    match &blob.shape {
        Some(shape) if !shape.dim.is_empty() => shape.dim.iter().map(|&d| d.max(0) as usize).collect(),
        _ => {
            [blob.num, blob.channels, blob.height, blob.width].iter().map(|d| d.unwrap_or(0).max(0) as usize).collect()
        }
    }
}

fn blob_values(blob: &BlobProto) -> Vec<f32> {
    if blob.data.is_empty() { blob.double_data.iter().map(|&v| v as f32).collect() } else { blob.data.clone() }
}

/// Reads a blob as a tensor of shape `expected`. A legacy 4-D shape such as
/// `[1, 1, out, in]` is accepted when it has the same number of values.
fn blob_tensor(blob: &BlobProto, expected: &[usize], invalid: &dyn Fn(String) -> DeepFeatError) -> Result<Tensor> {
    let data = blob_values(blob);
    let count: usize = expected.iter().product();
    let stored = blob_shape(blob);
    let stored_count: usize = stored.iter().product();
    if data.len() != count || (stored_count != count && !stored.is_empty()) {
        return Err(invalid(format!(
            "blob of shape {stored:?} with {} values, expected shape {expected:?} ({count} values)",
            data.len()
        )));
    }
    Ok(Tensor { shape: expected.to_vec(), data })
}

fn pair(single: &[u32], h: Option<u32>, w: Option<u32>, default: u32) -> [usize; 2] {
    let base = single.first().copied().unwrap_or(default);
    let second = single.get(1).copied().unwrap_or(base);
    [h.unwrap_or(base) as usize, w.unwrap_or(second) as usize]
}

/// Decodes a `.caffemodel` and converts it to a [`Network`] with [`Weights`].
///
/// `input_size` is the input `[height, width]` used when the file declares no input shape
/// (trained models usually have a data layer instead); CNN-S takes 224 x 224.
pub fn import_caffemodel(bytes: &[u8], what: &str, input_size: [usize; 2]) -> Result<CaffeImport> {
    let corrupt =
        |detail: String| DeepFeatError::CorruptModel { what: what.to_string(), format: "Caffe .caffemodel", detail };
    let net = NetParameter::decode(bytes).map_err(|e| corrupt(e.to_string()))?;
    let layers: Vec<CaffeLayer> = if !net.layer.is_empty() {
        net.layer
            .into_iter()
            .map(|l| CaffeLayer {
                kind: v2_kind(l.r#type.as_deref().unwrap_or("")),
                name: l.name.unwrap_or_default(),
                bottom: l.bottom,
                top: l.top,
                blobs: l.blobs,
                convolution: l.convolution_param,
                inner_product: l.inner_product_param,
                lrn: l.lrn_param,
                pooling: l.pooling_param,
                relu: l.relu_param,
            })
            .collect()
    } else {
        net.layers
            .into_iter()
            .map(|l| CaffeLayer {
                kind: v1_kind(l.r#type.unwrap_or(0)),
                name: l.name.unwrap_or_default(),
                bottom: l.bottom,
                top: l.top,
                blobs: l.blobs,
                convolution: l.convolution_param,
                inner_product: l.inner_product_param,
                lrn: l.lrn_param,
                pooling: l.pooling_param,
                relu: l.relu_param,
            })
            .collect()
    };
    if layers.is_empty() {
        return Err(corrupt("the file has no layer".into()));
    }
    let network_name = net.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| "caffe".into());

    // Input shape: input_shape, input_dim, or the caller's size.
    let declared: Option<Vec<usize>> =
        net.input_shape.first().map(|s| s.dim.iter().map(|&d| d.max(0) as usize).collect()).or_else(|| {
            (net.input_dim.len() >= 4).then(|| net.input_dim[..4].iter().map(|&d| d.max(0) as usize).collect())
        });
    let input_size = match &declared {
        Some(d) if d.len() == 4 => [d[2], d[3]],
        _ => input_size,
    };

    let mut network = Network { name: network_name.clone(), input_channels: 0, input_size, layers: Vec::new() };
    let mut blobs: Vec<(String, Vec<BlobProto>)> = Vec::new();
    let mut skipped = Vec::new();
    let mut current_top: Option<String> = None;
    for layer in layers {
        let invalid = |detail: String| DeepFeatError::InvalidNetwork {
            network: network_name.clone(),
            layer: layer.name.clone(),
            detail,
        };
        match layer.kind {
            "skip" => {
                skipped.push(layer.name.clone());
                continue;
            }
            "unsupported" => {
                return Err(invalid(
                    "unsupported layer type; the importer handles Convolution, ReLU, LRN, max Pooling and InnerProduct chains".into(),
                ));
            }
            _ => {}
        }
        // The network must be a single chain: each layer reads the previous layer's output.
        if let (Some(top), Some(bottom)) = (&current_top, layer.bottom.first())
            && (top != bottom || layer.bottom.len() != 1)
        {
            return Err(invalid(format!(
                "reads {:?} but the previous layer writes `{top}`; only single-chain networks are supported",
                layer.bottom
            )));
        }
        current_top = layer.top.first().cloned();
        let kind = match layer.kind {
            "Convolution" => {
                let p = layer.convolution.clone().unwrap_or_default();
                if p.dilation.iter().any(|&d| d != 1) {
                    return Err(invalid(format!("dilation {:?} is not supported", p.dilation)));
                }
                let out_channels = p.num_output.unwrap_or(0) as usize;
                LayerKind::Convolution {
                    out_channels,
                    kernel: pair(&p.kernel_size, p.kernel_h, p.kernel_w, 0),
                    stride: pair(&p.stride, p.stride_h, p.stride_w, 1),
                    pad: pair(&p.pad, p.pad_h, p.pad_w, 0),
                    group: p.group.unwrap_or(1) as usize,
                    bias: p.bias_term.unwrap_or(true),
                }
            }
            "InnerProduct" => {
                let p = layer.inner_product.clone().unwrap_or_default();
                if p.transpose.unwrap_or(false) || p.axis.unwrap_or(1) != 1 {
                    return Err(invalid("transposed inner products or axis != 1 are not supported".into()));
                }
                LayerKind::InnerProduct {
                    out_features: p.num_output.unwrap_or(0) as usize,
                    bias: p.bias_term.unwrap_or(true),
                }
            }
            "LRN" => {
                let p = layer.lrn.clone().unwrap_or_default();
                if p.norm_region.unwrap_or(0) != 0 {
                    return Err(invalid("only ACROSS_CHANNELS LRN is supported".into()));
                }
                LayerKind::Lrn {
                    size: p.local_size.unwrap_or(5) as usize,
                    alpha: p.alpha.unwrap_or(1.0),
                    beta: p.beta.unwrap_or(0.75),
                    bias: p.k.unwrap_or(1.0),
                }
            }
            "Pooling" => {
                let p = layer.pooling.clone().unwrap_or_default();
                if p.pool.unwrap_or(0) != 0 {
                    return Err(invalid("only MAX pooling is supported".into()));
                }
                if p.global_pooling.unwrap_or(false) {
                    return Err(invalid("global pooling is not supported".into()));
                }
                let k = p.kernel_size.as_slice();
                let s = p.stride.as_slice();
                let pad = p.pad.as_slice();
                LayerKind::MaxPool {
                    kernel: pair(k, p.kernel_h, p.kernel_w, 0),
                    stride: pair(s, p.stride_h, p.stride_w, 1),
                    pad: pair(pad, p.pad_h, p.pad_w, 0),
                    rounding: if p.round_mode.unwrap_or(0) == 1 { PoolRounding::Floor } else { PoolRounding::Ceil },
                }
            }
            "ReLU" => {
                let slope = layer.relu.as_ref().and_then(|r| r.negative_slope).unwrap_or(0.0);
                if slope != 0.0 {
                    return Err(invalid(format!("leaky ReLU (negative_slope {slope}) is not supported")));
                }
                LayerKind::Relu
            }
            _ => unreachable!("layer kinds are mapped above"),
        };
        if network.input_channels == 0
            && let LayerKind::Convolution { group, .. } = kind
        {
            // The first convolution's weights [out, in / group, kh, kw] give the input channels.
            let shape = layer.blobs.first().map(blob_shape).unwrap_or_default();
            let per_group = if shape.len() == 4 { shape[1] } else { 0 };
            network.input_channels = declared.as_ref().filter(|d| d.len() == 4).map_or(per_group * group, |d| d[1]);
        }
        network.layers.push(Layer { name: layer.name.clone(), kind });
        blobs.push((layer.name, layer.blobs));
    }
    if network.input_channels == 0 {
        return Err(DeepFeatError::InvalidNetwork {
            network: network_name,
            layer: network.layers.first().map(|l| l.name.clone()).unwrap_or_default(),
            detail: "the network must start with a convolution that has weights".into(),
        });
    }

    // Weights, reshaped to the shapes the layer definitions imply.
    let mut weights = Weights::new();
    for shape in network.parameter_shapes()? {
        let invalid = |detail: String| DeepFeatError::InvalidNetwork {
            network: network.name.clone(),
            layer: shape.layer.clone(),
            detail,
        };
        let layer_blobs = &blobs.iter().find(|(n, _)| *n == shape.layer).expect("every layer has a blob list").1;
        let needed = 1 + usize::from(shape.bias.is_some());
        if layer_blobs.len() < needed {
            return Err(invalid(format!("{} blobs stored, {needed} needed (weights and bias)", layer_blobs.len())));
        }
        let weight = blob_tensor(&layer_blobs[0], &shape.weight, &invalid)?;
        let bias = match &shape.bias {
            Some(b) => Some(blob_tensor(&layer_blobs[1], b, &invalid)?),
            None => None,
        };
        weights.insert(&shape.layer, LayerWeights { weight, bias });
    }
    Ok(CaffeImport { network, weights, skipped })
}

/// Reads a Caffe mean file (`.binaryproto`, one `BlobProto` `[1, C, H, W]`) and returns the
/// mean of each of its three channels, in the file's channel order (BGR for Caffe models).
pub fn read_mean_binaryproto(bytes: &[u8], what: &str) -> Result<[f32; 3]> {
    let corrupt = |detail: String| DeepFeatError::CorruptModel {
        what: what.to_string(),
        format: "Caffe mean .binaryproto",
        detail,
    };
    let blob = BlobProto::decode(bytes).map_err(|e| corrupt(e.to_string()))?;
    let values = blob_values(&blob);
    let shape = blob_shape(&blob);
    let channels = if shape.len() == 4 {
        shape[1]
    } else if shape.len() == 3 {
        shape[0]
    } else {
        0
    };
    if channels != 3 || values.is_empty() || !values.len().is_multiple_of(3) {
        return Err(corrupt(format!("expected a 3-channel blob, found shape {shape:?} with {} values", values.len())));
    }
    let plane = values.len() / 3;
    let mut mean = [0f32; 3];
    for (c, m) in mean.iter_mut().enumerate() {
        *m = (values[c * plane..(c + 1) * plane].iter().map(|&v| v as f64).sum::<f64>() / plane as f64) as f32;
    }
    Ok(mean)
}

/// Options of [`caffe_to_onnx`].
#[derive(Debug, Clone, PartialEq)]
pub struct CaffeConversion {
    /// Input size used when the file declares none (default 224 x 224).
    pub input_size: [usize; 2],
    /// Layers exposed as feature outputs (default `fc6`, `fc7`).
    pub feature_layers: Vec<String>,
    /// Pre- or post-ReLU features.
    pub activation: FeatureActivation,
    /// Per-channel mean in BGR order stored in the model metadata (default the ImageNet mean).
    pub mean: [f32; 3],
}

impl Default for CaffeConversion {
    fn default() -> Self {
        Self {
            input_size: [224, 224],
            feature_layers: vec!["fc6".into(), "fc7".into()],
            activation: FeatureActivation::PostRelu,
            mean: crate::IMAGENET_MEAN_BGR,
        }
    }
}

/// Imports a `.caffemodel` and writes it as ONNX, with the colour order `BGR` and the mean
/// recorded in the model metadata so that the extractor prepares inputs the way Caffe did.
pub fn caffe_to_onnx(bytes: &[u8], what: &str, options: &CaffeConversion) -> Result<(Vec<u8>, CaffeImport)> {
    let import = import_caffemodel(bytes, what, options.input_size)?;
    let export = OnnxExportOptions {
        feature_layers: options.feature_layers.clone(),
        activation: options.activation,
        metadata: vec![
            (META_COLOUR_ORDER.into(), "BGR".into()),
            (META_MEAN.into(), options.mean.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(",")),
            ("radiomics.source".into(), what.into()),
        ],
        ..Default::default()
    };
    let onnx = write_onnx(&import.network, &import.weights, &export)?;
    Ok((onnx, import))
}
