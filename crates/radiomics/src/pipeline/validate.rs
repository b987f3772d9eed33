//! The `validate` stage.

use super::config::Config;
use super::layout::Layout;

/// Runs the `validate` stage on the files in `layout`.
pub fn run_validate(config: &Config, layout: &Layout) -> anyhow::Result<()> {
    let _ = (config, layout);
    // TODO: wired when the survival and nomogram crates land.
    anyhow::bail!("the validate stage is not available yet")
}
