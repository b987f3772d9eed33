//! The `report` stage.

use super::config::Config;
use super::layout::Layout;

/// Runs the `report` stage on the files in `layout`.
pub fn run_report(config: &Config, layout: &Layout) -> anyhow::Result<()> {
    let _ = (config, layout);
    // TODO: wired when the survival and nomogram crates land.
    anyhow::bail!("the report stage is not available yet")
}
