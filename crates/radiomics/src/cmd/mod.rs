//! Subcommands of the `radiomics` binary, one module each.

pub mod info;
pub mod run;
pub mod demo;
pub mod extract;
#[cfg(feature = "texture")]
pub mod features;
