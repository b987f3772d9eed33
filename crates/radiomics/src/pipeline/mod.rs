//! The cohort pipeline behind `radiomics run` and the stage subcommands: configuration,
//! manifest, output layout, provenance, failures, resume, and the stage runners. Every
//! computation is a call into a library crate; this module only orchestrates and writes files.

pub mod config;
pub mod demo;
pub mod extract;
pub mod failures;
pub mod fit;
pub mod layout;
pub mod manifest;
pub mod preprocess;
pub mod provenance;
pub mod report;
pub mod runner;
pub mod select;
pub mod study;
pub mod table;
pub mod validate;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on stderr for `len` items, hidden when `visible` is false or stderr is not a
/// terminal.
pub fn progress_bar(len: u64, stage: &str, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{prefix:>9} [{bar:30}] {pos}/{len} patients, {elapsed} elapsed, ETA {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(stage.to_string());
    bar
}
