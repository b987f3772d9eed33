//! Provenance: the `meta` block of every output (settings, crate version, seed, time) and the
//! run record `OUT/run.json`.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::layout::write_atomic;

/// Version of the `radiomics` crate that wrote an output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The `meta` block of a JSON output, or the content of a CSV's sibling `<name>.meta.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// Always `"radiomics"`.
    pub tool: String,
    /// Crate version, e.g. `0.1.0`.
    pub version: String,
    /// The stage that wrote the file, e.g. `extract`.
    pub stage: String,
    /// Seed of the randomised steps (cross-validation folds, bootstrap).
    pub seed: u64,
    /// The settings in force (the resolved config, or the options of a single command).
    pub settings: serde_json::Value,
    /// UTC time the file was written, RFC 3339.
    pub created: String,
    /// Command line that produced the file.
    pub command: Vec<String>,
}

impl Meta {
    /// A meta block for `stage` with the given settings and seed, stamped now.
    pub fn new(stage: &str, settings: &impl Serialize, seed: u64) -> Self {
        Self {
            tool: "radiomics".into(),
            version: VERSION.into(),
            stage: stage.into(),
            seed,
            settings: serde_json::to_value(settings).unwrap_or(serde_json::Value::Null),
            created: utc_now(),
            command: std::env::args().collect(),
        }
    }
}

/// Writes `body` (a JSON object) to `path` with `"meta"` as its first key.
pub fn write_json_with_meta(path: &Path, meta: &Meta, body: serde_json::Value) -> anyhow::Result<()> {
    let mut object = serde_json::Map::new();
    object.insert("meta".into(), serde_json::to_value(meta)?);
    match body {
        serde_json::Value::Object(map) => object.extend(map),
        other => {
            object.insert("data".into(), other);
        }
    }
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(object))?;
    write_atomic(path, text.as_bytes())
}

/// The sibling meta file of a CSV output: `x/name.csv` -> `x/name.meta.json`.
pub fn meta_path(csv: &Path) -> PathBuf {
    csv.with_extension("meta.json")
}

/// Writes the sibling `<name>.meta.json` of a CSV output.
pub fn write_csv_meta(csv: &Path, meta: &Meta) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(meta)?;
    write_atomic(&meta_path(csv), text.as_bytes())
}

/// Reads a JSON file.
pub fn read_json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// Wall time and patient counts of one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTiming {
    /// Stage name.
    pub stage: String,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Patients processed in this run (0 for stages that work on the whole table, whose work is
    /// in `detail`).
    pub processed: usize,
    /// Patients skipped because their outputs were complete.
    pub skipped: usize,
    /// Patients that failed in this stage.
    pub failed: usize,
    /// Summary of a whole-table stage (features in and out, patients used). Empty for the
    /// per-patient stages.
    #[serde(default)]
    pub detail: String,
}

/// `OUT/run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Provenance; `meta.settings` is the whole resolved config.
    pub meta: Meta,
    /// `running`, `finished` or `error`.
    pub status: String,
    /// UTC start time, RFC 3339.
    pub started: String,
    /// UTC end time, RFC 3339 (empty while running).
    pub finished: String,
    /// Per-stage timings in run order.
    pub stages: Vec<StageTiming>,
    /// Patients in the manifest.
    pub patients: usize,
    /// Patients that failed (listed in `failures.csv`).
    pub failed: usize,
    /// The error that stopped the run, if any.
    pub error: String,
}

impl RunRecord {
    /// Writes the record to `path` (rewritten after every stage so it shows progress).
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        write_atomic(path, serde_json::to_string_pretty(self)?.as_bytes())
    }
}

/// The current UTC time as RFC 3339 with seconds, e.g. `2026-12-04T21:29:39Z`.
pub fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    format_utc(secs)
}

/// Formats seconds since the Unix epoch as RFC 3339 UTC (proleptic Gregorian calendar).
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from a day count (H. Hinnant's days-to-civil algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        // `date -u -d @1796420979 +%FT%TZ` gives 2026-12-04T21:49:39Z.
        assert_eq!(format_utc(1_796_420_979), "2026-12-04T21:49:39Z");
        // Leap day: `date -u -d @951782400` is 2000-02-29T00:00:00Z.
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn json_outputs_start_with_meta() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        let meta = Meta::new("fit", &serde_json::json!({"folds": 10}), 42);
        write_json_with_meta(&path, &meta, serde_json::json!({"c_index": 0.7})).unwrap();
        let v = read_json(&path).unwrap();
        assert_eq!(v["meta"]["version"], VERSION);
        assert_eq!(v["meta"]["seed"], 42);
        assert_eq!(v["meta"]["settings"]["folds"], 10);
        assert_eq!(v["c_index"], 0.7);
        assert_eq!(meta_path(Path::new("a/b.csv")), Path::new("a/b.meta.json"));
    }
}
