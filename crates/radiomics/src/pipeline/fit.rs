//! The `fit` stage.

use super::config::Config;
use super::layout::Layout;

/// Runs the `fit` stage on the files in `layout`.
pub fn run_fit(config: &Config, layout: &Layout) -> anyhow::Result<()> {
    let _ = (config, layout);
    // TODO: wired when the survival and nomogram crates land.
    anyhow::bail!("the fit stage is not available yet")
}
