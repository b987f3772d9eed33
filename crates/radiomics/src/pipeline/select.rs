//! The `select` stage.

use super::config::Config;
use super::layout::Layout;

/// Runs the `select` stage on the files in `layout`.
pub fn run_select(config: &Config, layout: &Layout) -> anyhow::Result<()> {
    let _ = (config, layout);
    // TODO: wired when the survival and nomogram crates land.
    anyhow::bail!("the select stage is not available yet")
}
