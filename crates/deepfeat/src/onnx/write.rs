//! Writing a [`Network`] with its [`Weights`] as an ONNX model.

use prost::Message;

use super::proto::*;
use crate::network::{ActivationShape, LayerKind, Network, PoolRounding, Tensor, Weights};
use crate::{DeepFeatError, Result};

/// Name of the image input of the models this crate writes: `[N, C, H, W]` float32 with a
/// symbolic batch dimension `N`.
pub const INPUT_NAME: &str = "data";

/// Whether a feature output is taken before or after the layer's ReLU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FeatureActivation {
    /// The inner product's output `W x + b`, which can be negative.
    PreRelu,
    /// `max(W x + b, 0)`, the input of the next layer. This is the default, as in Caffe's
    /// in-place ReLU blobs.
    #[default]
    PostRelu,
}

impl FeatureActivation {
    /// `pre-relu` or `post-relu`, as stored in the model metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PreRelu => "pre-relu",
            Self::PostRelu => "post-relu",
        }
    }
}

/// Options of [`write_onnx`].
#[derive(Debug, Clone, PartialEq)]
pub struct OnnxExportOptions {
    /// Layers whose activations become graph outputs named `{layer}_out` (default `fc6`,
    /// `fc7`). The last layer is always an output as well.
    pub feature_layers: Vec<String>,
    /// Pre- or post-ReLU feature outputs.
    pub activation: FeatureActivation,
    /// ONNX operator set version (default 17; every operator used exists unchanged from
    /// opset 10 on).
    pub opset: i64,
    /// Extra `metadata_props` entries, e.g. the colour order and mean (see
    /// [`crate::ModelInfo`]).
    pub metadata: Vec<(String, String)>,
}

impl Default for OnnxExportOptions {
    fn default() -> Self {
        Self {
            feature_layers: vec!["fc6".into(), "fc7".into()],
            activation: FeatureActivation::PostRelu,
            opset: 17,
            metadata: Vec::new(),
        }
    }
}

fn int_attr(name: &str, value: i64) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: ATTRIBUTE_INT, i: value, ..Default::default() }
}

fn ints_attr(name: &str, values: &[usize]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: ATTRIBUTE_INTS,
        ints: values.iter().map(|&v| v as i64).collect(),
        ..Default::default()
    }
}

fn float_attr(name: &str, value: f32) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: ATTRIBUTE_FLOAT, f: value, ..Default::default() }
}

fn node(op: &str, name: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.to_string()],
        name: name.to_string(),
        op_type: op.to_string(),
        attribute,
        ..Default::default()
    }
}

fn initializer(name: String, tensor: &Tensor) -> TensorProto {
    let mut raw_data = Vec::with_capacity(tensor.data.len() * 4);
    for v in &tensor.data {
        raw_data.extend_from_slice(&v.to_le_bytes());
    }
    TensorProto {
        dims: tensor.shape.iter().map(|&d| d as i64).collect(),
        data_type: DATA_TYPE_FLOAT,
        name,
        raw_data,
        ..Default::default()
    }
}

/// Builds a float32 tensor type `[N, dims...]` with a symbolic batch `N`.
fn tensor_type(dims: &[usize]) -> TypeProto {
    let mut dim = vec![DimensionProto { dim_value: None, dim_param: Some("N".into()) }];
    dim.extend(dims.iter().map(|&d| DimensionProto { dim_value: Some(d as i64), dim_param: None }));
    TypeProto {
        tensor_type: Some(TensorTypeProto { elem_type: DATA_TYPE_FLOAT, shape: Some(TensorShapeProto { dim }) }),
    }
}

fn value_info(name: &str, dims: &[usize]) -> ValueInfoProto {
    ValueInfoProto { name: name.into(), r#type: Some(tensor_type(dims)) }
}

fn shape_dims(shape: ActivationShape) -> Vec<usize> {
    match shape {
        ActivationShape::Spatial(s) => s.to_vec(),
        ActivationShape::Flat(n) => vec![n],
    }
}

/// Builds the ONNX graph of `network` with `weights` as initializers and returns the encoded
/// model (IR version 8).
///
/// Each layer becomes one node whose output tensor carries the layer's name: `Conv`, `Relu`,
/// `LRN`, `MaxPool` (`ceil_mode` from [`PoolRounding`]), `Gemm` with `transB = 1` (preceded by
/// `Flatten` when its input is spatial) and `Softmax`. Every feature layer `L` gets an
/// `Identity` output `L_out`, fed by `L` itself ([`FeatureActivation::PreRelu`]) or by the
/// ReLU layer right after it ([`FeatureActivation::PostRelu`]). The last layer is exposed as
/// `{last}_out`.
pub fn write_onnx(network: &Network, weights: &Weights, options: &OnnxExportOptions) -> Result<Vec<u8>> {
    weights.check(network)?;
    let shapes = network.shapes()?;
    let invalid = |layer: &str, detail: String| DeepFeatError::InvalidNetwork {
        network: network.name.clone(),
        layer: layer.to_string(),
        detail,
    };
    let mut nodes = Vec::new();
    let mut initializers = Vec::new();
    let mut previous = INPUT_NAME.to_string();
    let mut previous_shape =
        ActivationShape::Spatial([network.input_channels, network.input_size[0], network.input_size[1]]);

    for (layer, (_, shape)) in network.layers.iter().zip(&shapes) {
        let name = layer.name.as_str();
        let params = weights.get(name);
        match &layer.kind {
            LayerKind::Convolution { kernel, stride, pad, group, .. } => {
                let params = params.ok_or_else(|| invalid(name, "no weights".into()))?;
                let w_name = format!("{name}_W");
                initializers.push(initializer(w_name.clone(), &params.weight));
                let mut inputs = vec![previous.clone(), w_name];
                if let Some(bias) = &params.bias {
                    inputs.push(format!("{name}_B"));
                    initializers.push(initializer(format!("{name}_B"), bias));
                }
                let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
                let attributes = vec![
                    ints_attr("kernel_shape", kernel),
                    ints_attr("strides", stride),
                    ints_attr("pads", &[pad[0], pad[1], pad[0], pad[1]]),
                    int_attr("group", *group as i64),
                ];
                nodes.push(node("Conv", name, &inputs, name, attributes));
            }
            LayerKind::Relu => nodes.push(node("Relu", name, &[&previous], name, vec![])),
            LayerKind::Lrn { size, alpha, beta, bias } => {
                let attributes = vec![
                    int_attr("size", *size as i64),
                    float_attr("alpha", *alpha),
                    float_attr("beta", *beta),
                    float_attr("bias", *bias),
                ];
                nodes.push(node("LRN", name, &[&previous], name, attributes));
            }
            LayerKind::MaxPool { kernel, stride, pad, rounding } => {
                let attributes = vec![
                    ints_attr("kernel_shape", kernel),
                    ints_attr("strides", stride),
                    ints_attr("pads", &[pad[0], pad[1], pad[0], pad[1]]),
                    int_attr("ceil_mode", i64::from(*rounding == PoolRounding::Ceil)),
                ];
                nodes.push(node("MaxPool", name, &[&previous], name, attributes));
            }
            LayerKind::InnerProduct { .. } => {
                let params = params.ok_or_else(|| invalid(name, "no weights".into()))?;
                if matches!(previous_shape, ActivationShape::Spatial(_)) {
                    let flat = format!("{name}_flatten");
                    nodes.push(node("Flatten", &flat, &[&previous], &flat, vec![int_attr("axis", 1)]));
                    previous = flat;
                }
                let w_name = format!("{name}_W");
                initializers.push(initializer(w_name.clone(), &params.weight));
                let mut inputs = vec![previous.clone(), w_name];
                if let Some(bias) = &params.bias {
                    inputs.push(format!("{name}_B"));
                    initializers.push(initializer(format!("{name}_B"), bias));
                }
                let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
                nodes.push(node("Gemm", name, &inputs, name, vec![int_attr("transB", 1)]));
            }
            LayerKind::Softmax => {
                nodes.push(node("Softmax", name, &[&previous], name, vec![int_attr("axis", 1)]));
            }
        }
        previous = name.to_string();
        previous_shape = *shape;
    }

    // Feature outputs.
    let mut outputs = Vec::new();
    for feature in &options.feature_layers {
        let (index, layer) = network
            .layer(feature)
            .ok_or_else(|| invalid(feature, "no such layer to expose as a feature output".into()))?;
        let source = match options.activation {
            FeatureActivation::PreRelu => layer.name.clone(),
            FeatureActivation::PostRelu => match network.layers.get(index + 1) {
                Some(next) if next.kind == LayerKind::Relu => next.name.clone(),
                _ => {
                    return Err(invalid(
                        feature,
                        "post-ReLU features need a ReLU layer right after this layer; use pre-ReLU".into(),
                    ));
                }
            },
        };
        let out_name = format!("{feature}_out");
        nodes.push(node("Identity", &out_name, &[&source], &out_name, vec![]));
        outputs.push(value_info(&out_name, &shape_dims(shapes[index].1)));
    }
    if let Some((last, shape)) = shapes.last()
        && !options.feature_layers.contains(last)
    {
        let out_name = format!("{last}_out");
        nodes.push(node("Identity", &out_name, &[last], &out_name, vec![]));
        outputs.push(value_info(&out_name, &shape_dims(*shape)));
    }

    let input = value_info(INPUT_NAME, &[network.input_channels, network.input_size[0], network.input_size[1]]);
    let graph = GraphProto {
        node: nodes,
        name: network.name.clone(),
        initializer: initializers,
        input: vec![input],
        output: outputs,
        ..Default::default()
    };
    let mut metadata_props = vec![
        StringStringEntryProto { key: "radiomics.network".into(), value: network.name.clone() },
        StringStringEntryProto {
            key: "radiomics.feature_outputs".into(),
            value: options.feature_layers.iter().map(|f| format!("{f}_out")).collect::<Vec<_>>().join(","),
        },
        StringStringEntryProto { key: "radiomics.activation".into(), value: options.activation.as_str().into() },
    ];
    metadata_props
        .extend(options.metadata.iter().map(|(k, v)| StringStringEntryProto { key: k.clone(), value: v.clone() }));
    let model = ModelProto {
        ir_version: 8,
        opset_import: vec![OperatorSetIdProto { domain: String::new(), version: options.opset }],
        producer_name: "radiomics-deepfeat".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        doc_string: String::new(),
        graph: Some(graph),
        metadata_props,
    };
    Ok(model.encode_to_vec())
}
