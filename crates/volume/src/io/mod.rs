//! Reading and writing NIfTI-1/2 (`.nii`, `.nii.gz`) and NRRD (`.nrrd`) images.
//!
//! TODO: the readers and writers are being written; see the crate README.
