//! Subcommands of the `radiomics` binary, one module each.

pub mod info;
