//! Subcommands of the `radiomics` binary, one module each.

pub mod demo;
pub mod extract;
#[cfg(feature = "texture")]
pub mod features;
pub mod fit;
pub mod info;
pub mod report;
pub mod run;
pub mod select;
pub mod validate;
