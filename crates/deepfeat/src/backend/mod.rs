//! Inference backends: `tract` (pure Rust) and ONNX Runtime through `ort`, behind one
//! [`OnnxModel`] type that loads a model once and is shared across threads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ndarray::{Array2, ArrayView4, Axis, s};

use crate::onnx::{ModelInfo, inspect_onnx};
use crate::{DeepFeatError, Result};

#[cfg(feature = "ort")]
mod ort_backend;
#[cfg(feature = "tract")]
mod tract_backend;
#[cfg(feature = "tract")]
mod tract_lrn;

/// Inference engine that runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BackendKind {
    /// tract, pure Rust, CPU only (cargo feature `tract`, on by default).
    #[default]
    Tract,
    /// ONNX Runtime, loaded at run time from `ORT_DYLIB_PATH` (cargo feature `ort`).
    Ort,
}

impl BackendKind {
    /// `tract` or `ort`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tract => "tract",
            Self::Ort => "ort",
        }
    }
}

/// Device on which ONNX Runtime runs the model (tract always runs on the CPU).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Device {
    /// CPU.
    #[default]
    Cpu,
    /// NVIDIA GPU through ONNX Runtime's CUDA execution provider (needs the `onnxruntime-gpu`
    /// library with CUDA and cuDNN). When the provider is missing, the model runs on the CPU
    /// and a warning is logged.
    Cuda,
}

/// Options for loading a model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModelOptions {
    /// Inference engine.
    pub backend: BackendKind,
    /// Device (ONNX Runtime only).
    pub device: Device,
    /// The tensors to return, in this order (default `fc6_out`, `fc7_out`).
    pub outputs: Vec<String>,
    /// Expected input height and width (224 for CNN-S).
    pub input_size: usize,
    /// Threads ONNX Runtime uses inside one operator; 0 lets ONNX Runtime choose.
    pub intra_threads: usize,
}

impl Default for ModelOptions {
    fn default() -> Self {
        Self {
            backend: BackendKind::default(),
            device: Device::Cpu,
            outputs: vec!["fc6_out".into(), "fc7_out".into()],
            input_size: 224,
            intra_threads: 0,
        }
    }
}

/// The engine-specific part of a loaded model.
pub(crate) trait Engine: Send + Sync {
    /// Runs one batch `[n, 3, s, s]` and returns one `[n, units]` array per output.
    fn run(&self, batch: ArrayView4<'_, f32>) -> Result<Vec<Array2<f32>>>;
}

/// A validated ONNX model loaded into a backend, ready to run batches of images.
///
/// `OnnxModel` is `Send + Sync`: load it once per process ([`OnnxModel::shared`] caches by
/// file and options) and share it across threads. tract runs concurrent calls in parallel;
/// ONNX Runtime sessions are used one call at a time (a mutex), each call already using
/// `intra_threads` threads.
pub struct OnnxModel {
    info: ModelInfo,
    options: ModelOptions,
    engine: Box<dyn Engine>,
}

impl std::fmt::Debug for OnnxModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxModel").field("info", &self.info).field("options", &self.options).finish()
    }
}

type ModelCache = Mutex<HashMap<(PathBuf, ModelOptions), Arc<OnnxModel>>>;

fn cache() -> &'static ModelCache {
    static CACHE: OnceLock<ModelCache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

impl OnnxModel {
    /// Reads, validates and loads an ONNX file.
    pub fn from_file(path: &Path, options: &ModelOptions) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| DeepFeatError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(bytes, &path.display().to_string(), options)
    }

    /// Validates and loads an encoded ONNX model; `what` names it in messages.
    pub fn from_bytes(bytes: Vec<u8>, what: &str, options: &ModelOptions) -> Result<Self> {
        if options.outputs.is_empty() {
            return Err(DeepFeatError::InvalidSetting {
                name: "outputs",
                value: "[]".into(),
                reason: "name at least one feature output".into(),
            });
        }
        let (info, patched) = inspect_onnx(&bytes, what, &options.outputs, options.input_size)?;
        let bytes = patched.unwrap_or(bytes);
        let engine: Box<dyn Engine> = match options.backend {
            #[cfg(feature = "tract")]
            BackendKind::Tract => Box::new(tract_backend::TractEngine::load(&bytes, &info, options)?),
            #[cfg(not(feature = "tract"))]
            BackendKind::Tract => return Err(DeepFeatError::BackendUnavailable { backend: "tract" }),
            #[cfg(feature = "ort")]
            BackendKind::Ort => Box::new(ort_backend::OrtEngine::load(&bytes, &info, options)?),
            #[cfg(not(feature = "ort"))]
            BackendKind::Ort => return Err(DeepFeatError::BackendUnavailable { backend: "ort" }),
        };
        tracing::debug!(model = what, backend = options.backend.as_str(), "model loaded");
        Ok(Self { info, options: options.clone(), engine })
    }

    /// Loads the file once per process and options: later calls with the same canonical path
    /// and options return the same model.
    pub fn shared(path: &Path, options: &ModelOptions) -> Result<Arc<Self>> {
        let key_path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let key = (key_path, options.clone());
        // The lock is held while loading so that two threads never load the same model twice.
        let mut models = cache().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(model) = models.get(&key) {
            return Ok(Arc::clone(model));
        }
        let model = Arc::new(Self::from_file(path, options)?);
        models.insert(key, Arc::clone(&model));
        Ok(model)
    }

    /// Returns what validation found in the model.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Returns the options the model was loaded with.
    pub fn options(&self) -> &ModelOptions {
        &self.options
    }

    /// Runs a batch `[n, 3, s, s]` (`s` = [`ModelOptions::input_size`]) and returns one
    /// `[n, units]` array per requested output, in [`ModelOptions::outputs`] order.
    ///
    /// A model whose input fixes the batch size `b` is run on slices of `b` images (the last
    /// one zero-padded).
    pub fn run(&self, batch: ArrayView4<'_, f32>) -> Result<Vec<Array2<f32>>> {
        let (n, c, h, w) = batch.dim();
        let size = self.options.input_size;
        if n == 0 || c != 3 || h != size || w != size {
            return Err(DeepFeatError::BatchShape { found: vec![n, c, h, w], size });
        }
        let outputs = match self.info.fixed_batch {
            Some(b) if b != n => self.run_fixed(batch, b)?,
            _ => self.engine.run(batch)?,
        };
        for (array, (name, units)) in outputs.iter().zip(&self.info.outputs) {
            if array.nrows() != n || units.is_some_and(|u| u != array.ncols()) {
                return Err(DeepFeatError::Backend {
                    backend: self.options.backend.as_str(),
                    what: self.info.what.clone(),
                    detail: format!("output {name} has shape {:?}, expected [{n}, {units:?}]", array.dim()),
                });
            }
        }
        Ok(outputs)
    }

    fn run_fixed(&self, batch: ArrayView4<'_, f32>, b: usize) -> Result<Vec<Array2<f32>>> {
        let n = batch.len_of(Axis(0));
        let mut parts: Vec<Vec<Array2<f32>>> = Vec::new();
        for start in (0..n).step_by(b) {
            let end = (start + b).min(n);
            let mut chunk = ndarray::Array4::<f32>::zeros((b, batch.dim().1, batch.dim().2, batch.dim().3));
            chunk.slice_mut(s![..end - start, .., .., ..]).assign(&batch.slice(s![start..end, .., .., ..]));
            let out = self.engine.run(chunk.view())?;
            parts.push(out.into_iter().map(|a| a.slice(s![..end - start, ..]).to_owned()).collect());
        }
        let outputs = (0..self.info.outputs.len())
            .map(|k| {
                let views: Vec<_> = parts.iter().map(|p| p[k].view()).collect();
                ndarray::concatenate(Axis(0), &views).map_err(|e| DeepFeatError::Backend {
                    backend: self.options.backend.as_str(),
                    what: self.info.what.clone(),
                    detail: format!("outputs of different widths across batches: {e}"),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(outputs)
    }
}

/// Turns a backend output of shape `[n, d1, d2, ...]` into `[n, d1 * d2 * ...]`, flattening
/// each image's values in row-major (`C, H, W`) order, so that a feature map such as pool5
/// can serve as a feature output too.
#[cfg_attr(not(any(feature = "tract", feature = "ort")), allow(dead_code))]
pub(crate) fn to_matrix(
    view: ndarray::ArrayViewD<'_, f32>,
    name: &str,
    info: &ModelInfo,
    backend: &'static str,
) -> Result<Array2<f32>> {
    let shape = view.shape().to_vec();
    if shape.len() < 2 {
        return Err(DeepFeatError::Backend {
            backend,
            what: info.what.clone(),
            detail: format!("output {name} has shape {shape:?}; a feature output needs a batch axis and units"),
        });
    }
    let n = shape[0];
    let units: usize = shape[1..].iter().product();
    let owned: Vec<f32> = view.iter().copied().collect();
    Array2::from_shape_vec((n, units), owned).map_err(|e| DeepFeatError::Backend {
        backend,
        what: info.what.clone(),
        detail: e.to_string(),
    })
}
