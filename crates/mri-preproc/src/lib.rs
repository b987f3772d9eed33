//! MRI preprocessing of the radiomics method, natively in Rust: N4 bias field correction, skull
//! stripping, resampling to 1 mm isotropic spacing, rigid registration onto T1C and histogram
//! matching, with a `Pipeline` that runs them in the method's order for one patient.
#![warn(missing_docs)]
