//! The tract backend: the ONNX model is parsed once, and optimised once per batch size.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ndarray::{Array2, ArrayView4};
use tract_onnx::prelude::*;

use super::tract_lrn::{LrnParams, replace_lrn};
use super::{Engine, ModelOptions, to_matrix};
use crate::onnx::ModelInfo;
use crate::onnx::proto::ModelHeader;
use crate::{DeepFeatError, Result};

type Runnable = Arc<TypedRunnableModel>;

pub(crate) struct TractEngine {
    model: InferenceModel,
    info: ModelInfo,
    input_size: usize,
    /// The attributes of the model's `LRN` nodes, by node name and by output name.
    lrn: HashMap<String, LrnParams>,
    /// Optimised plans by batch size (optimising the full CNN-S takes about half a second).
    plans: Mutex<HashMap<usize, Runnable>>,
}

fn tract_error(info: &ModelInfo, e: impl std::fmt::Display) -> DeepFeatError {
    DeepFeatError::Backend { backend: "tract", what: info.what.clone(), detail: format!("{e:#}") }
}

impl TractEngine {
    pub(crate) fn load(bytes: &[u8], info: &ModelInfo, options: &ModelOptions) -> Result<Self> {
        let mut model = tract_onnx::onnx().model_for_read(&mut &bytes[..]).map_err(|e| tract_error(info, e))?;
        model.select_outputs_by_name(&options.outputs).map_err(|e| tract_error(info, e))?;
        model.set_input_names([info.input_name.as_str()]).map_err(|e| tract_error(info, e))?;
        let engine = Self {
            model,
            info: info.clone(),
            input_size: options.input_size,
            lrn: lrn_nodes(bytes),
            plans: Mutex::new(HashMap::new()),
        };
        // Optimising once here surfaces unsupported operators at load time, not at the first batch.
        engine.plan(info.fixed_batch.unwrap_or(1))?;
        Ok(engine)
    }

    fn plan(&self, batch: usize) -> Result<Runnable> {
        let mut plans = self.plans.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(plan) = plans.get(&batch) {
            return Ok(Arc::clone(plan));
        }
        let s = self.input_size;
        // The batch size is fixed in the plan, so tract optimises for concrete shapes.
        let mut typed = self
            .model
            .clone()
            .with_input_fact(0, f32::fact([batch, 3, s, s]).into())
            .and_then(|m| m.into_typed())
            .map_err(|e| tract_error(&self.info, e))?;
        let replaced = replace_lrn(&mut typed, &self.lrn);
        let plan = typed.into_optimized().and_then(|m| m.into_runnable()).map_err(|e| tract_error(&self.info, e))?;
        tracing::debug!(model = %self.info.what, batch, lrn_replaced = replaced, "tract plan built");
        plans.insert(batch, Arc::clone(&plan));
        Ok(plan)
    }
}

/// Collects the attributes of each `LRN` node of an encoded model, under its node name and its
/// output name, because tract names a node after either. An undecodable model gives an empty
/// map, so tract's own operator stays in place (the model was validated before).
fn lrn_nodes(bytes: &[u8]) -> HashMap<String, LrnParams> {
    use prost::Message;
    let mut map = HashMap::new();
    let Ok(header) = ModelHeader::decode(bytes) else { return map };
    for node in header.graph.iter().flat_map(|g| &g.node) {
        if let Some(params) = LrnParams::from_node(node) {
            for name in std::iter::once(&node.name).chain(node.output.first()).filter(|n| !n.is_empty()) {
                map.insert(name.clone(), params);
            }
        }
    }
    map
}

impl Engine for TractEngine {
    fn run(&self, batch: ArrayView4<'_, f32>) -> Result<Vec<Array2<f32>>> {
        let plan = self.plan(batch.dim().0)?;
        let input: Tensor = batch.as_standard_layout().into_owned().into_tensor();
        let outputs = plan.run(tvec!(input.into_tvalue())).map_err(|e| tract_error(&self.info, e))?;
        outputs
            .iter()
            .zip(&self.info.outputs)
            .map(|(value, (name, _))| {
                let view = value.to_plain_array_view::<f32>().map_err(|e| tract_error(&self.info, e))?;
                to_matrix(view, name, &self.info, "tract")
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CnnSWidths, FeatureActivation, random_cnn_s_onnx};

    #[test]
    fn plan_replaces_tract_lrn() {
        let bytes = random_cnn_s_onnx(CnnSWidths::SMALL, 3, FeatureActivation::PostRelu).unwrap();
        let options = ModelOptions::default();
        let (info, patched) = crate::onnx::inspect_onnx(&bytes, "small", &options.outputs, 224).unwrap();
        let bytes = patched.unwrap_or(bytes);
        assert_eq!(
            lrn_nodes(&bytes).get("norm1").map(|p| (p.size, p.alpha, p.beta, p.bias)),
            Some((5, 5e-4, 0.75, 2.0))
        );
        let engine = TractEngine::load(&bytes, &info, &options).unwrap();
        let plan = engine.plan(2).unwrap();
        let ops: Vec<String> = plan.model().nodes.iter().map(|n| n.op.name().to_string()).collect();
        assert_eq!(ops.iter().filter(|o| *o == "ChannelLrn").count(), 1, "{ops:?}");
        assert!(!ops.iter().any(|o| o == "Lrn"), "{ops:?}");
    }
}
