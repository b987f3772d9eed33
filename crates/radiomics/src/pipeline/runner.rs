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
    layout.create(None)?;
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
    let selection = super::select::run_select(config, layout).context("selection stage")?;
    let input = selection.counts.first().map_or(0, |c| c.1);
    let detail = format!("{input} features in, {} kept", selection.selected.len());
    push(record, whole_table("select", started, detail))?;
    let started = Instant::now();
    let signature = super::fit::run_fit(config, layout).context("fit stage")?;
    let detail = format!(
        "{} candidates, {} in the signature; {} discovery patients, {} events",
        signature.candidates,
        signature.terms.len(),
        signature.discovery_patients,
        signature.discovery_events
    );
    push(record, whole_table("fit", started, detail))?;
    let started = Instant::now();
    let validation = super::validate::run_validate(config, layout).context("validation stage")?;
    let c_text = |c: Option<(f64, f64, f64)>| c.map_or("undefined".to_string(), |c| format!("{:.2}", c.0));
    let cut_text =
        if validation.cut.is_nan() { "none (empty signature)".to_string() } else { format!("{:.3}", validation.cut) };
    let detail = format!(
        "C-index discovery {}, validation {}; cut {cut_text}",
        c_text(validation.discovery_c),
        c_text(validation.validation_c),
    );
    push(record, whole_table("validate", started, detail))?;
    let started = Instant::now();
    super::report::run_report(config, layout).context("report stage")?;
    push(record, whole_table("report", started, "report/report.html, report.md and plots".into()))?;
    Ok(())
}

fn whole_table(stage: &str, started: Instant, detail: String) -> StageTiming {
    StageTiming {
        stage: stage.into(),
        seconds: started.elapsed().as_secs_f64(),
        processed: 0,
        skipped: 0,
        failed: 0,
        detail,
    }
}

/// Formats the per-stage timings as an aligned text table: seconds, patients processed, skipped
/// and failed for the per-patient stages, "-" and a `detail` text for the whole-table stages.
pub fn timing_summary(record: &RunRecord) -> String {
    let mut out = String::from("stage        seconds  patients  skipped  failed  detail\n");
    let mut total = 0.0;
    for s in &record.stages {
        total += s.seconds;
        // Whole-table stages have no per-patient counts: "-" there, and what they did in `detail`.
        let count = |n: usize| if s.detail.is_empty() { n.to_string() } else { "-".to_string() };
        out.push_str(&format!(
            "{:<11} {:>8.1} {:>9} {:>8} {:>7}  {}\n",
            s.stage,
            s.seconds,
            count(s.processed),
            count(s.skipped),
            count(s.failed),
            s.detail
        ));
    }
    out.push_str(&format!("{:<11} {:>8.1}\n", "total", total));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_table_stages_show_a_dash_and_their_detail() {
        let mut record: RunRecord = serde_json::from_value(serde_json::json!({
            "meta": serde_json::to_value(Meta::new("run", &Config::default(), 42)).unwrap(),
            "status": "finished", "started": "", "finished": "", "stages": [], "patients": 3, "failed": 0, "error": ""
        }))
        .unwrap();
        record.stages.push(StageTiming {
            stage: "extract".into(),
            seconds: 2.0,
            processed: 3,
            skipped: 0,
            failed: 0,
            detail: String::new(),
        });
        record.stages.push(whole_table("select", Instant::now(), "10 features in, 4 kept".into()));
        let text = timing_summary(&record);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].starts_with("extract"), "{text}");
        assert!(lines[1].contains(" 3 "), "{text}");
        assert!(lines[2].contains(" - "), "{text}");
        assert!(lines[2].ends_with("10 features in, 4 kept"), "{text}");
        // A run.json written before `detail` existed still reads.
        let old: StageTiming =
            serde_json::from_str(r#"{"stage":"fit","seconds":1.0,"processed":0,"skipped":0,"failed":0}"#).unwrap();
        assert!(old.detail.is_empty());
    }
}
