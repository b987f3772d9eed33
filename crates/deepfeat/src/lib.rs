//! Deep features of the radiomics method: the fc6 and fc7 activations of the ImageNet CNN-S on
//! crops of each tumour sub-region of the largest tumour slice, run through ONNX with `tract`
//! (pure Rust, default) or ONNX Runtime (`ort` feature).
#![warn(missing_docs)]
