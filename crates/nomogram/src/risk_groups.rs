//! Risk-group summary of a score dichotomised at a cut-off.

use radiomics_survival::{ConfType, KaplanMeier, SurvivalData, Ties, hazard_ratio, logrank_two_groups};

use crate::error::{NomogramError, Result, check_finite, check_len};

/// One risk group.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RiskGroupRow {
    /// Group label.
    pub label: String,
    /// Patients.
    pub n: usize,
    /// Events.
    pub events: usize,
    /// Median survival time (None when the curve stays above 0.5).
    pub median: Option<f64>,
    /// 95% confidence interval of the median (R `survfit`, log transform).
    pub median_ci: (Option<f64>, Option<f64>),
    /// Hazard ratio against the low-risk group with its 95% Wald interval (None for the
    /// reference group).
    pub hazard_ratio: Option<(f64, f64, f64)>,
}

/// Low/high risk groups at a cut-off with the G-rho test.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RiskGroupSummary {
    /// The cut-off: high risk when score > cut-off.
    pub cutoff: f64,
    /// Low-risk then high-risk group.
    pub groups: Vec<RiskGroupRow>,
    /// rho of the G-rho test (0 = log-rank, 1 = Peto-Peto).
    pub rho: f64,
    /// Chi-square statistic (1 df).
    pub chi_square: f64,
    /// Its p-value.
    pub p_value: f64,
}

/// Splits patients at `cutoff` (high risk when `score > cutoff`, as survminer's
/// `surv_categorize`) and summarises both groups: n, events, median survival with 95% CI, the
/// Cox hazard ratio of high against low (Efron ties) with its 95% Wald interval, and the G-rho
/// test (`survival::survdiff(rho = rho)`).
///
/// # Errors
/// - [`NomogramError::SingleGroup`] when every score falls on the same side of the cut-off;
/// - [`NomogramError::NoEvents`] when a group has no events (its hazard ratio is infinite);
/// - length mismatches, non-finite scores, errors of `radiomics-survival`.
pub fn risk_group_summary(
    time: &[f64],
    event: &[bool],
    score: &[f64],
    cutoff: f64,
    rho: f64,
    labels: [&str; 2],
) -> Result<RiskGroupSummary> {
    check_len("scores", score, time.len(), "patient")?;
    check_len("event indicators", event, time.len(), "patient")?;
    check_finite("scores", score)?;
    check_finite("cut-off", &[cutoff])?;
    let high: Vec<bool> = score.iter().map(|&s| s > cutoff).collect();
    let n_high = high.iter().filter(|&&h| h).count();
    if n_high == 0 || n_high == score.len() {
        let (min, max) = crate::plot_support::min_max(score);
        return Err(NomogramError::SingleGroup { cutoff, n: score.len(), min, max });
    }
    let data = SurvivalData::from_bool(time, event).map_err(|e| NomogramError::Survival(e.to_string()))?;
    let mut groups = Vec::with_capacity(2);
    for (g, label) in labels.iter().enumerate() {
        let rows: Vec<usize> = (0..score.len()).filter(|&i| high[i] == (g == 1)).collect();
        let events = rows.iter().filter(|&&i| event[i]).count();
        if events == 0 {
            return Err(NomogramError::NoEvents { group: (*label).to_string(), n: rows.len() });
        }
        let km = KaplanMeier::fit(&data.subset(&rows)).map_err(|e| NomogramError::Survival(e.to_string()))?;
        let median = km.median(ConfType::Log, 0.95).map_err(|e| NomogramError::Survival(e.to_string()))?;
        groups.push(RiskGroupRow {
            label: (*label).to_string(),
            n: rows.len(),
            events,
            median: median.median,
            median_ci: (median.lower, median.upper),
            hazard_ratio: None,
        });
    }
    let hr = hazard_ratio(&data, &high, Ties::Efron).map_err(|e| NomogramError::Survival(e.to_string()))?;
    groups[1].hazard_ratio = Some((hr.hazard_ratio, hr.lower95, hr.upper95));
    let test = logrank_two_groups(&data, &high, rho).map_err(|e| NomogramError::Survival(e.to_string()))?;
    Ok(RiskGroupSummary { cutoff, groups, rho, chi_square: test.test.statistic, p_value: test.test.p_value })
}
