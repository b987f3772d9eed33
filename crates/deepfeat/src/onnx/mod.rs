//! ONNX models: the hand-declared protobuf schema, the writer and the load-time checks.

pub mod proto;
mod validate;
mod write;

pub use validate::{META_COLOUR_ORDER, META_MEAN, ModelInfo, inspect_onnx};
pub use write::{FeatureActivation, INPUT_NAME, OnnxExportOptions, write_onnx};
