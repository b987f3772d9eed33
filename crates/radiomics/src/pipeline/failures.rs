//! `OUT/failures.csv`: patients that failed, with the stage and the reason. A failed patient
//! never stops the run; the exit status is 2 when the file has any row.

use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;

use super::layout::write_atomic;

/// One failed patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Patient id.
    pub id: String,
    /// Stage that failed, e.g. `extract`.
    pub stage: String,
    /// What went wrong and how to fix it.
    pub reason: String,
}

/// Failures collected from parallel workers.
#[derive(Debug, Default)]
pub struct FailureLog {
    entries: Mutex<Vec<Failure>>,
}

impl FailureLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a failure and logs it as a warning.
    pub fn record(&self, id: &str, stage: &str, reason: impl Into<String>) {
        let reason = reason.into();
        tracing::warn!("patient {id} failed in {stage}: {reason}");
        let failure = Failure { id: id.into(), stage: stage.into(), reason };
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).push(failure);
    }

    /// The failures so far, sorted by id.
    pub fn entries(&self) -> Vec<Failure> {
        let mut v = self.entries.lock().unwrap_or_else(|e| e.into_inner()).clone();
        v.sort_by(|a, b| a.id.cmp(&b.id).then(a.stage.cmp(&b.stage)));
        v
    }

    /// Number of distinct failed patients.
    pub fn failed_patients(&self) -> usize {
        let mut ids: Vec<String> = self.entries().into_iter().map(|f| f.id).collect();
        ids.dedup();
        ids.len()
    }

    /// Whether `id` has failed.
    pub fn contains(&self, id: &str) -> bool {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).iter().any(|f| f.id == id)
    }
}

/// Writes `id,stage,reason` rows (a header only when nothing failed).
pub fn write_failures(path: &Path, failures: &[Failure]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["id", "stage", "reason"])?;
    for f in failures {
        writer.write_record([&f.id, &f.stage, &f.reason])?;
    }
    let bytes = writer.into_inner().context("cannot format failures.csv")?;
    write_atomic(path, &bytes)
}

/// Reads a failures file written by [`write_failures`].
#[cfg(test)]
fn read_failures(path: &Path) -> anyhow::Result<Vec<Failure>> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for record in reader.records() {
        let r = record.with_context(|| format!("malformed row in {}", path.display()))?;
        out.push(Failure {
            id: r.get(0).unwrap_or("").into(),
            stage: r.get(1).unwrap_or("").into(),
            reason: r.get(2).unwrap_or("").into(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_round_trip_with_commas_in_reasons() {
        let log = FailureLog::new();
        log.record("B", "extract", "t1 file b/t1.nii.gz cannot be opened: not found, check the path");
        log.record("A", "extract", "grids differ");
        assert_eq!(log.failed_patients(), 2);
        assert!(log.contains("A"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("failures.csv");
        write_failures(&path, &log.entries()).unwrap();
        let back = read_failures(&path).unwrap();
        assert_eq!(back, log.entries());
        assert_eq!(back[0].id, "A");
    }
}
