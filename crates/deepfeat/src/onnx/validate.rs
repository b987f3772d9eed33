//! Checks on an ONNX model before a backend loads it: one float32 image input of the expected
//! size, and the requested feature tensors present.

use std::collections::BTreeMap;

use prost::Message;

use super::proto::{DimensionProto, ModelHeader, ValueInfoProto, append_graph_outputs};
use crate::{DeepFeatError, Result};

/// What [`inspect_onnx`] found in a model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// The model file or a label for an in-memory model.
    pub what: String,
    /// Name of the image input.
    pub input_name: String,
    /// Batch size fixed by the model's input shape, `None` when the batch axis is symbolic.
    pub fixed_batch: Option<usize>,
    /// The requested feature outputs, in request order, with their unit counts when the
    /// model declares them.
    pub outputs: Vec<(String, Option<usize>)>,
    /// All graph outputs of the model as stored in the file.
    pub graph_outputs: Vec<String>,
    /// The model's `metadata_props`.
    pub metadata: BTreeMap<String, String>,
}

/// Metadata key for the colour order of the input channels (`RGB` or `BGR`).
pub const META_COLOUR_ORDER: &str = "radiomics.colour_order";
/// Metadata key for the per-channel mean in input channel order, three comma-separated
/// numbers on the 0-255 scale.
pub const META_MEAN: &str = "radiomics.mean";

impl ModelInfo {
    /// The per-channel mean stored in the metadata ([`META_MEAN`]), if present and valid.
    pub fn mean(&self) -> Option<[f32; 3]> {
        let text = self.metadata.get(META_MEAN)?;
        let values: Vec<f32> = text.split(',').map(|v| v.trim().parse().ok()).collect::<Option<_>>()?;
        values.try_into().ok()
    }

    /// The colour order stored in the metadata ([`META_COLOUR_ORDER`]), if present.
    pub fn colour_order(&self) -> Option<crate::ColourOrder> {
        match self.metadata.get(META_COLOUR_ORDER)?.to_ascii_uppercase().as_str() {
            "RGB" => Some(crate::ColourOrder::Rgb),
            "BGR" => Some(crate::ColourOrder::Bgr),
            _ => None,
        }
    }
}

fn format_dim(d: &DimensionProto) -> String {
    match (&d.dim_value, &d.dim_param) {
        (Some(v), _) => v.to_string(),
        (None, Some(p)) if !p.is_empty() => p.clone(),
        _ => "?".into(),
    }
}

fn dims_of(v: &ValueInfoProto) -> Option<&[DimensionProto]> {
    Some(&v.r#type.as_ref()?.tensor_type.as_ref()?.shape.as_ref()?.dim)
}

/// Validates an encoded ONNX model and returns what it found, plus the model bytes with the
/// requested outputs added as graph outputs when some were only intermediate tensors.
///
/// The model must have exactly one graph input that is not an initializer, of type float32
/// and shape `[N, 3, input_size, input_size]` (each dimension fixed to that value or
/// symbolic). Each name in `outputs` must be a graph output or the output of some node.
pub fn inspect_onnx(
    bytes: &[u8],
    what: &str,
    outputs: &[String],
    input_size: usize,
) -> Result<(ModelInfo, Option<Vec<u8>>)> {
    let corrupt = |detail: String| DeepFeatError::CorruptModel { what: what.to_string(), format: "ONNX", detail };
    let header = ModelHeader::decode(bytes).map_err(|e| corrupt(e.to_string()))?;
    let graph = header.graph.as_ref().ok_or_else(|| corrupt("the model has no graph".into()))?;
    if graph.node.is_empty() {
        return Err(corrupt("the graph has no node".into()));
    }

    // The image input: graph inputs that are not weights.
    let weights: std::collections::HashSet<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let images: Vec<&ValueInfoProto> = graph.input.iter().filter(|i| !weights.contains(i.name.as_str())).collect();
    let [input] = images.as_slice() else {
        let names: Vec<&str> = images.iter().map(|i| i.name.as_str()).collect();
        return Err(DeepFeatError::ModelInput {
            what: what.into(),
            input: names.join(", "),
            found: format!("{} image inputs", names.len()),
            size: input_size,
        });
    };
    let dims = dims_of(input).unwrap_or(&[]);
    let found: Vec<String> = dims.iter().map(format_dim).collect();
    let elem_type = input.r#type.as_ref().and_then(|t| t.tensor_type.as_ref()).map(|t| t.elem_type);
    let expected = [None, Some(3), Some(input_size), Some(input_size)];
    let shape_ok = dims.len() == 4
        && dims.iter().zip(expected).all(|(d, e)| match (d.dim_value, e) {
            (Some(v), Some(e)) => v == e as i64,
            (Some(v), None) => v >= 1,
            (None, _) => true,
        });
    if !shape_ok || elem_type != Some(super::proto::DATA_TYPE_FLOAT) {
        let type_note = if elem_type == Some(super::proto::DATA_TYPE_FLOAT) { "" } else { " (not float32)" };
        return Err(DeepFeatError::ModelInput {
            what: what.into(),
            input: input.name.clone(),
            found: format!("[{}]{type_note}", found.join(", ")),
            size: input_size,
        });
    }
    let fixed_batch = dims[0].dim_value.map(|v| v as usize);

    // The feature outputs.
    let graph_outputs: Vec<String> = graph.output.iter().map(|o| o.name.clone()).collect();
    let mut missing = Vec::new();
    let mut found_outputs = Vec::new();
    for name in outputs {
        if let Some(o) = graph.output.iter().find(|o| &o.name == name) {
            let units = dims_of(o).and_then(|d| if d.len() == 2 { d[1].dim_value } else { None });
            found_outputs.push((name.clone(), units.map(|u| u as usize)));
        } else if graph.node.iter().any(|n| n.output.iter().any(|o| o == name)) {
            missing.push(name.clone());
            found_outputs.push((name.clone(), None));
        } else {
            return Err(DeepFeatError::MissingOutput {
                what: what.into(),
                output: name.clone(),
                available: graph_outputs.clone(),
            });
        }
    }
    let patched = (!missing.is_empty()).then(|| {
        let extra = missing
            .iter()
            .map(|name| ValueInfoProto {
                name: name.clone(),
                r#type: Some(super::proto::TypeProto {
                    tensor_type: Some(super::proto::TensorTypeProto {
                        elem_type: super::proto::DATA_TYPE_FLOAT,
                        shape: None,
                    }),
                }),
            })
            .collect();
        append_graph_outputs(bytes, extra)
    });
    let metadata = header.metadata_props.iter().map(|e| (e.key.clone(), e.value.clone())).collect();
    let info = ModelInfo {
        what: what.to_string(),
        input_name: input.name.clone(),
        fixed_batch,
        outputs: found_outputs,
        graph_outputs,
        metadata,
    };
    Ok((info, patched))
}
