//! The ONNX Runtime backend through `ort` with `load-dynamic`: the library is opened from
//! `ORT_DYLIB_PATH` once per process, before any other `ort` call, because `ort` panics
//! instead of returning an error when its first API call finds no library.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use ndarray::{Array2, ArrayView4};
use ort::environment::Environment;
use ort::ep::{self, ExecutionProvider};
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::TensorRef;

use super::{Device, Engine, ModelOptions, to_matrix};
use crate::onnx::ModelInfo;
use crate::{DeepFeatError, Result};

/// The environment variable naming the ONNX Runtime shared library.
pub const ORT_DYLIB_PATH: &str = "ORT_DYLIB_PATH";

/// Opens the library and builds the process-wide ONNX Runtime environment (ONNX Runtime
/// allows one per process); later calls return the same environment or the same error.
pub(crate) fn environment() -> Result<Environment> {
    static ENV: OnceLock<std::result::Result<Environment, (String, String)>> = OnceLock::new();
    let result = ENV.get_or_init(|| {
        let Some(path) = std::env::var_os(ORT_DYLIB_PATH).map(PathBuf::from) else {
            return Err((format!("<{ORT_DYLIB_PATH} not set>"), "the variable is not set".into()));
        };
        let display = path.display().to_string();
        if !path.is_file() {
            return Err((display, "no such file".into()));
        }
        let builder = ort::init_from(&path).map_err(|e| (display.clone(), e.to_string()))?;
        builder.with_name("radiomics-deepfeat").build().map_err(|e| (display, e.to_string()))
    });
    match result {
        Ok(env) => Ok(env.clone()),
        Err((path, detail)) => Err(DeepFeatError::OrtLibrary { path: path.clone(), detail: detail.clone() }),
    }
}

pub(crate) struct OrtEngine {
    session: Mutex<Session>,
    info: ModelInfo,
}

fn ort_error(info: &ModelInfo, e: impl std::fmt::Display) -> DeepFeatError {
    DeepFeatError::Backend { backend: "ort", what: info.what.clone(), detail: e.to_string() }
}

impl OrtEngine {
    pub(crate) fn load(bytes: &[u8], info: &ModelInfo, options: &ModelOptions) -> Result<Self> {
        let env = environment()?;
        // Every graph optimisation is ONNX Runtime's default, and the Python API's too. Setting
        // it here keeps the benchmark against the Python API a like-for-like comparison.
        let mut builder = Session::builder(&env).map_err(|e| ort_error(info, e))?;
        builder = builder.with_optimization_level(GraphOptimizationLevel::All).map_err(|e| ort_error(info, e))?;
        if options.intra_threads > 0 {
            builder = builder.with_intra_threads(options.intra_threads).map_err(|e| ort_error(info, e))?;
        }
        if options.device == Device::Cuda {
            builder = with_cuda(builder, info)?;
        }
        let session = builder.commit_from_memory(bytes).map_err(|e| ort_error(info, e))?;
        Ok(Self { session: Mutex::new(session), info: info.clone() })
    }
}

/// Registers the CUDA execution provider when this ONNX Runtime has it, otherwise logs that
/// the CPU is used.
fn with_cuda(
    builder: ort::session::builder::SessionBuilder,
    info: &ModelInfo,
) -> Result<ort::session::builder::SessionBuilder> {
    match ep::CUDA::is_available() {
        Ok(true) => {
            let provider = ep::CUDA::default().build().error_on_failure();
            match builder.with_execution_providers([provider]) {
                Ok(builder) => {
                    tracing::info!(model = %info.what, "ONNX Runtime runs on CUDA");
                    Ok(builder)
                }
                Err(e) => {
                    tracing::warn!(model = %info.what, error = %e, "the CUDA execution provider failed to start; running on the CPU");
                    Ok(e.recover())
                }
            }
        }
        Ok(false) => {
            tracing::warn!(
                model = %info.what,
                "this ONNX Runtime library has no CUDA execution provider (install onnxruntime-gpu and point ORT_DYLIB_PATH at it); running on the CPU"
            );
            Ok(builder)
        }
        Err(e) => Err(ort_error(info, e)),
    }
}

impl Engine for OrtEngine {
    fn run(&self, batch: ArrayView4<'_, f32>) -> Result<Vec<Array2<f32>>> {
        let batch = batch.as_standard_layout();
        let input = TensorRef::from_array_view(&batch).map_err(|e| ort_error(&self.info, e))?;
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let outputs =
            session.run(ort::inputs![self.info.input_name.as_str() => input]).map_err(|e| ort_error(&self.info, e))?;
        self.info
            .outputs
            .iter()
            .map(|(name, _)| {
                let value = outputs.get(name.as_str()).ok_or_else(|| DeepFeatError::MissingOutput {
                    what: self.info.what.clone(),
                    output: name.clone(),
                    available: self.info.graph_outputs.clone(),
                })?;
                let view = value.try_extract_array::<f32>().map_err(|e| ort_error(&self.info, e))?;
                to_matrix(view, name, &self.info, "ort")
            })
            .collect()
    }
}
