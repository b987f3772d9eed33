//! The `select` stage: the missing-value rule, then the four selection steps of the method on
//! the discovery cohort, in this order:
//!
//! 1. missing values: drop features missing in more than `selection.max_missing_share` of
//!    discovery patients, impute the rest with the discovery median
//!    ([`radiomics_survival::missing`]);
//! 2. robustness: ICC over the original and the repeat segmentations at least
//!    `selection.icc_min` (skipped, and recorded as skipped, when there are no repeats);
//! 3. dispersion: raw median absolute deviation on discovery greater than `selection.mad_min`;
//! 4. prognostic value: univariate Harrell's C, as `max(C, 1 - C)`, at least
//!    `selection.cindex_min`;
//! 5. redundancy: of every pair with |Pearson r| above `selection.correlation_max`, the feature
//!    with the higher univariate C stays.
//!
//! Writes `OUT/selection/selection.csv` (one row per feature: statistics, kept or the step
//! that dropped it) and `OUT/selection/selected.txt`.

use std::collections::HashMap;

use anyhow::Context;
use radiomics_survival::missing::MissingImputer;
use radiomics_survival::selection::{CorrelationMethod, IccForm, icc, mad, prune_correlated, univariate_concordance};
use radiomics_survival::{Covariates, SurvivalData};
use rayon::prelude::*;

use super::config::{Config, IccFormSetting};
use super::layout::{Layout, write_atomic};
use super::manifest::Cohort;
use super::provenance::{Meta, write_csv_meta};
use super::study::Study;
use super::table::{FeatureTable, format_cell};

/// Statistics and fate of one feature.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeatureFate {
    /// Feature name.
    pub name: String,
    /// Share of discovery patients missing it.
    pub missing_share: f64,
    /// ICC over the segmentations (NaN when not computed).
    pub icc: f64,
    /// Raw MAD on discovery (NaN when not computed).
    pub mad: f64,
    /// Univariate Harrell's C on discovery (NaN when not computed).
    pub c_index: f64,
    /// The step that dropped it; empty when kept.
    pub dropped_at: String,
    /// Why, in words.
    pub detail: String,
}

/// Summary of the selection.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectionSummary {
    /// Features in, and the number left after each step.
    pub counts: Vec<(String, usize)>,
    /// The kept features.
    pub selected: Vec<String>,
}

/// Groups the repeat rows `<id>__rep<k>` by patient id: `id -> [(k, row)]`, sorted by `k`.
fn repeat_rows(repeats: &FeatureTable) -> HashMap<String, Vec<(usize, usize)>> {
    let mut map: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    for (row, rid) in repeats.ids.iter().enumerate() {
        if let Some((id, k)) = rid.rsplit_once("__rep")
            && let Ok(k) = k.parse::<usize>()
        {
            map.entry(id.to_string()).or_default().push((k, row));
        }
    }
    for v in map.values_mut() {
        v.sort();
    }
    map
}

/// Runs the `select` stage on the files of `layout`.
pub fn run_select(config: &Config, layout: &Layout) -> anyhow::Result<SelectionSummary> {
    let s = &config.selection;
    let study = Study::load(layout)?;
    let names = &study.features.names;
    let rows = study.rows_with_outcome(Cohort::Discovery);
    anyhow::ensure!(
        rows.len() >= 10,
        "the discovery cohort has {} patients with time and event; at least 10 are needed",
        rows.len()
    );
    let (time, event) = study.outcome(&rows);
    let data = SurvivalData::new(&time, &event).context("discovery outcomes")?;
    let mut fates: Vec<FeatureFate> = names
        .iter()
        .map(|n| FeatureFate {
            name: n.clone(),
            icc: f64::NAN,
            mad: f64::NAN,
            c_index: f64::NAN,
            ..FeatureFate::default()
        })
        .collect();
    let mut counts = vec![("input".to_string(), names.len())];

    // 1. Missing values.
    let mut columns: Vec<Vec<f64>> =
        (0..names.len()).into_par_iter().map(|j| rows.iter().map(|&i| study.features.rows[i][j]).collect()).collect();
    let rule = MissingImputer::fit(names, &columns, s.max_missing_share)?;
    let mut alive: Vec<usize> = Vec::new();
    for j in 0..names.len() {
        fates[j].missing_share = rule.missing_share[j];
        if rule.kept[j] {
            rule.impute_column(j, &mut columns[j]);
            alive.push(j);
        } else {
            fates[j].dropped_at = "missing".into();
            fates[j].detail = format!(
                "missing in {:.0} % of discovery patients (limit {:.0} %)",
                100.0 * rule.missing_share[j],
                100.0 * s.max_missing_share
            );
        }
    }
    counts.push(("missing".into(), alive.len()));

    // 2. ICC over segmentations.
    let repeats = study.repeats.as_ref().map(|r| (r, repeat_rows(r)));
    match &repeats {
        Some((table, by_id)) if !by_id.is_empty() => {
            let k = by_id.values().map(Vec::len).max().unwrap_or(0);
            let subjects: Vec<(usize, Vec<usize>)> = study
                .features
                .ids
                .iter()
                .enumerate()
                .filter_map(|(i, id)| {
                    by_id.get(id).filter(|v| v.len() == k).map(|v| (i, v.iter().map(|(_, r)| *r).collect()))
                })
                .collect();
            let col_of: HashMap<&str, usize> = table.names.iter().enumerate().map(|(j, n)| (n.as_str(), j)).collect();
            let form = match s.icc_form {
                IccFormSetting::Absolute => IccForm::TwoWayRandomAbsolute,
                IccFormSetting::Consistency => IccForm::TwoWayMixedConsistency,
            };
            anyhow::ensure!(
                subjects.len() >= 2,
                "only {} patient(s) have {k} repeat segmentation(s): the ICC needs at least 2",
                subjects.len()
            );
            tracing::info!("ICC over {} patients x {} segmentations", subjects.len(), k + 1);
            let iccs: Vec<(usize, Result<f64, String>)> = alive
                .par_iter()
                .map(|&j| {
                    let Some(&rj) = col_of.get(names[j].as_str()) else {
                        return (j, Err("not computed on the repeat segmentations".to_string()));
                    };
                    let fill = |v: f64| if v.is_nan() { rule.median[j] } else { v };
                    let ratings: Vec<Vec<f64>> = subjects
                        .iter()
                        .map(|(i, reps)| {
                            std::iter::once(fill(study.features.rows[*i][j]))
                                .chain(reps.iter().map(|&r| fill(table.rows[r][rj])))
                                .collect()
                        })
                        .collect();
                    (j, icc(&ratings, form).map(|r| r.icc).map_err(|e| e.to_string()))
                })
                .collect();
            alive.clear();
            for (j, result) in iccs {
                match result {
                    Ok(v) if v >= s.icc_min => {
                        fates[j].icc = v;
                        alive.push(j);
                    }
                    Ok(v) => {
                        fates[j].icc = v;
                        fates[j].dropped_at = "icc".into();
                        fates[j].detail = format!("ICC {v:.3} < {}", s.icc_min);
                    }
                    Err(why) => {
                        fates[j].dropped_at = "icc".into();
                        fates[j].detail = format!("ICC undefined: {why}");
                    }
                }
            }
            counts.push(("icc".into(), alive.len()));
        }
        _ => {
            tracing::warn!("no repeat segmentations: the ICC step is skipped");
            counts.push(("icc (skipped: no repeat segmentations)".into(), alive.len()));
        }
    }

    // 3. MAD.
    let mads: Vec<f64> = alive.par_iter().map(|&j| mad(&columns[j], 1.0).unwrap_or(f64::NAN)).collect();
    let mut next = Vec::new();
    for (&j, &m) in alive.iter().zip(&mads) {
        fates[j].mad = m;
        if m > s.mad_min {
            next.push(j);
        } else {
            fates[j].dropped_at = "mad".into();
            fates[j].detail = format!("MAD {m} <= {}", s.mad_min);
        }
    }
    alive = next;
    counts.push(("mad".into(), alive.len()));

    // 4. Univariate C-index.
    let x_of = |cols: &[usize]| -> anyhow::Result<Covariates> {
        let refs: Vec<&str> = cols.iter().map(|&j| names[j].as_str()).collect();
        let data: Vec<Vec<f64>> = cols.iter().map(|&j| columns[j].clone()).collect();
        Ok(Covariates::from_columns(&refs, &data)?)
    };
    let mut strength: HashMap<usize, f64> = HashMap::new();
    if !alive.is_empty() {
        let c = univariate_concordance(&data, &x_of(&alive)?)?;
        let mut next = Vec::new();
        for f in c {
            let j = alive[f.index];
            fates[j].c_index = f.c_index;
            if f.strength >= s.cindex_min {
                strength.insert(j, f.strength);
                next.push(j);
            } else {
                fates[j].dropped_at = "cindex".into();
                fates[j].detail = format!("max(C, 1 - C) = {:.3} < {}", f.strength, s.cindex_min);
            }
        }
        alive = next;
    }
    counts.push(("cindex".into(), alive.len()));

    // 5. Correlation pruning.
    if !alive.is_empty() {
        let st: Vec<f64> = alive.iter().map(|j| strength[j]).collect();
        let pruned = prune_correlated(&x_of(&alive)?, &st, s.correlation_max, CorrelationMethod::Pearson)?;
        for p in &pruned.removed {
            let j = alive[p.index];
            fates[j].dropped_at = "correlation".into();
            fates[j].detail = format!("|r| = {:.3} with {}", p.correlation.abs(), names[alive[p.kept_partner]]);
        }
        alive = pruned.kept.iter().map(|&k| alive[k]).collect();
    }
    counts.push(("correlation".into(), alive.len()));

    // Outputs.
    layout.create(Some(layout.selection_dir()))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["feature", "missing_share", "icc", "mad", "c_index", "kept", "dropped_at", "detail"])?;
    for f in &fates {
        w.write_record([
            f.name.as_str(),
            &format_cell(f.missing_share),
            &format_cell(f.icc),
            &format_cell(f.mad),
            &format_cell(f.c_index),
            if f.dropped_at.is_empty() { "1" } else { "0" },
            &f.dropped_at,
            &f.detail,
        ])?;
    }
    write_atomic(&layout.selection_csv(), &w.into_inner().context("cannot format selection.csv")?)?;
    let meta = Meta::new("select", config, config.model.seed);
    write_csv_meta(&layout.selection_csv(), &meta)?;
    let selected: Vec<String> = alive.iter().map(|&j| names[j].clone()).collect();
    let mut text = selected.join("\n");
    text.push('\n');
    write_atomic(&layout.selected_txt(), text.as_bytes())?;
    let line: Vec<String> = counts.iter().map(|(step, n)| format!("{step} {n}")).collect();
    tracing::info!("selection: {}", line.join(" -> "));
    Ok(SelectionSummary { counts, selected })
}
