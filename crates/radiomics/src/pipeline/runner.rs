//! `radiomics run`: every stage in order, with `OUT/run.json` rewritten after each stage and
//! `OUT/failures.csv` at the end.

use std::time::Instant;

use anyhow::Context;

use super::config::Config;
use super::failures::{FailureLog, write_failures};
use super::layout::Layout;
use super::manifest::{Manifest, Patient};
use super::provenance::{Meta, RunRecord, StageTiming, utc_now, write_csv_meta};

/// Result of a whole run.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The final run record (also in `OUT/run.json`).
    pub record: RunRecord,
    /// The output folder.
    pub layout: Layout,
}

impl RunOutcome {
    /// Patients that failed.
    pub fn failed(&self) -> usize {
        self.record.failed
    }
}

/// Runs every stage for `config` (already validated, paths resolved).
pub fn run_all(config: &Config, progress: bool) -> anyhow::Result<RunOutcome> {
    let layout = Layout::new(&config.output.dir);
    layout.create()?;
    let manifest = Manifest::from_file(&config.input.manifest)?;
    let failures = FailureLog::new();
    let mut record = RunRecord {
        meta: Meta::new("run", config, config.model.seed),
        status: "running".into(),
        started: utc_now(),
        finished: String::new(),
        stages: Vec::new(),
        patients: manifest.patients.len(),
        failed: 0,
        error: String::new(),
    };
    record.write(&layout.run_json())?;
    tracing::info!("{} patients in {}", manifest.patients.len(), manifest.path.display());

    let result = run_stages(config, &manifest, &layout, &failures, &mut record, progress);
    let entries = failures.entries();
    write_failures(&layout.failures_csv(), &entries)?;
    write_csv_meta(&layout.failures_csv(), &Meta::new("run", config, config.model.seed))?;
    record.failed = failures.failed_patients();
    record.finished = utc_now();
    match &result {
        Ok(()) => record.status = "finished".into(),
        Err(e) => {
            record.status = "error".into();
            record.error = format!("{e:#}");
        }
    }
    record.write(&layout.run_json())?;
    result?;
    Ok(RunOutcome { record, layout })
}

fn run_stages(
    config: &Config,
    manifest: &Manifest,
    layout: &Layout,
    failures: &FailureLog,
    record: &mut RunRecord,
    progress: bool,
) -> anyhow::Result<()> {
    let push = |record: &mut RunRecord, timing: StageTiming| -> anyhow::Result<()> {
        tracing::info!("stage {} done in {:.1} s", timing.stage, timing.seconds);
        record.stages.push(timing);
        record.failed = failures.failed_patients();
        record.write(&layout.run_json())
    };

    let preprocessed = config.preprocess.enabled;
    if preprocessed {
        let timing = super::preprocess::run_preprocess(config, manifest, layout, failures, progress)?;
        push(record, timing)?;
    }
    let paths = |p: &Patient| {
        if preprocessed { super::preprocess::preprocessed_paths(layout, p) } else { p.images.clone() }
    };
    let summary = super::extract::run_extract(config, manifest, layout, failures, &paths, progress)?;
    push(record, summary.timing)?;
    anyhow::ensure!(
        summary.completed > 0,
        "no patient has features; see {} for the reasons",
        layout.failures_csv().display()
    );

    let started = Instant::now();
    super::select::run_select(config, layout).context("selection stage")?;
    push(record, whole_table("select", started))?;
    let started = Instant::now();
    super::fit::run_fit(config, layout).context("fit stage")?;
    push(record, whole_table("fit", started))?;
    let started = Instant::now();
    super::validate::run_validate(config, layout).context("validation stage")?;
    push(record, whole_table("validate", started))?;
    let started = Instant::now();
    super::report::run_report(config, layout).context("report stage")?;
    push(record, whole_table("report", started))?;
    Ok(())
}

fn whole_table(stage: &str, started: Instant) -> StageTiming {
    StageTiming { stage: stage.into(), seconds: started.elapsed().as_secs_f64(), processed: 0, skipped: 0, failed: 0 }
}

/// Formats the per-stage timings as an aligned text table.
pub fn timing_summary(record: &RunRecord) -> String {
    let mut out = String::from("stage        seconds  processed  skipped  failed\n");
    let mut total = 0.0;
    for s in &record.stages {
        total += s.seconds;
        out.push_str(&format!(
            "{:<11} {:>8.1} {:>10} {:>8} {:>7}\n",
            s.stage, s.seconds, s.processed, s.skipped, s.failed
        ));
    }
    out.push_str(&format!("{:<11} {:>8.1}\n", "total", total));
    out
}
