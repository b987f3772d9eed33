//! Handcrafted radiomics features: shape, first order, GLCM, GLRLM, GLSZM, GLDM and NGTDM, with
//! the PyRadiomics 3.1 feature names and numbers and the IBSI-1 definitions as a second
//! convention.
#![warn(missing_docs)]
