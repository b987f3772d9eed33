//! The tract backend: the ONNX model is parsed once, and optimised once per batch size.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ndarray::{Array2, ArrayView4};
use tract_onnx::prelude::*;

use super::{Engine, ModelOptions, to_matrix};
use crate::onnx::ModelInfo;
use crate::{DeepFeatError, Result};

type Runnable = Arc<TypedRunnableModel>;

pub(crate) struct TractEngine {
    model: InferenceModel,
    info: ModelInfo,
    input_size: usize,
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
        let engine =
            Self { model, info: info.clone(), input_size: options.input_size, plans: Mutex::new(HashMap::new()) };
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
        let plan = self
            .model
            .clone()
            .with_input_fact(0, f32::fact([batch, 3, s, s]).into())
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(|e| tract_error(&self.info, e))?;
        plans.insert(batch, Arc::clone(&plan));
        Ok(plan)
    }
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
