//! Harrell's concordance index of a risk score, in O(n log n), with the conventions of R
//! `survival::concordance` and the confidence intervals of survcomp's `concordance.index`.
//!
//! # Conventions
//! The score is a **risk** score: higher = earlier event (Cox linear predictor, LASSO score),
//! as survcomp and scikit-survival. For a score where higher means longer survival (a
//! Karnofsky score, lifelines' convention) pass its negation.
//!
//! A pair `(i, j)` is comparable when `i` has an event and `t_i < t_j`, or `t_i = t_j` and `j`
//! is censored (the censored subject is taken to outlive the event; survival, Hmisc). Two events
//! at the same time are not comparable (counted in `tied_time`, or `tied_time_and_risk` when the
//! scores are also equal). A comparable pair is concordant when `risk_i > risk_j`, discordant
//! when `risk_i < risk_j`, and tied when equal (exact equality of the `f64` values).
//! `C = (concordant + tied_risk / 2) / (concordant + discordant + tied_risk)`.
//!
//! The standard error is the infinitesimal jackknife of R `survival::concordance` (3.5-3),
//! `var = sum_i (dC/dw_i)^2` with `dC/dw_i = (c_i + t_i/2 - C (c_i + d_i + t_i)) / P`, where
//! `c_i, d_i, t_i` count the concordant, discordant and tied comparable pairs that contain
//! subject `i` and `P` is the number of comparable pairs. The interval is `C -/+ z se` (not
//! clipped), as R reports it.
//!
//! [`concordance_survcomp`] follows survcomp 1.45 `concordance.index`: pairs need strict time
//! order (an event and a censoring at the same time are not comparable), risk ties are dropped
//! (`outx = TRUE`, survcomp's default) or count 1/2 on each side (`outx = FALSE`), and the
//! interval is Noether's (Pencina and D'Agostino 2004) or the "conservative" one, clipped to
//! [0, 1].
//!
//! # References
//! Harrell FE, Califf RM, Pryor DB, Lee KL, Rosati RA (1982), JAMA 247:2543-2546. Harrell FE,
//! Lee KL, Mark DB (1996), Stat Med 15:361-387. Pencina MJ, D'Agostino RB (2004), Stat Med
//! 23:2109-2123. Therneau TM, Atkinson EJ (2023), Concordance, vignette of R survival.
//! Schroeder MS et al. (2011), survcomp, Bioinformatics 27:3206-3208.

use crate::data::{SurvivalData, check_len};
use crate::error::{Result, SurvivalError};
use crate::stats::{normal_quantile, two_sided_normal_p};

/// Harrell's C with its pair counts and infinitesimal-jackknife interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Concordance {
    /// `C = (concordant + tied_risk / 2) / comparable`.
    pub c_index: f64,
    /// Concordant comparable pairs.
    pub concordant: u64,
    /// Discordant comparable pairs.
    pub discordant: u64,
    /// Comparable pairs with equal risk (R `tied.x`).
    pub tied_risk: u64,
    /// Pairs of events at the same time with different risk (R `tied.y`), not comparable.
    pub tied_time: u64,
    /// Pairs of events at the same time with equal risk (R `tied.xy`), not comparable.
    pub tied_time_and_risk: u64,
    /// Comparable pairs `concordant + discordant + tied_risk`.
    pub comparable: u64,
    /// Infinitesimal-jackknife standard error (R `sqrt(concordance(...)$var)`).
    pub std_error: f64,
    /// Lower 95% limit `C - 1.959964 se`.
    pub lower95: f64,
    /// Upper 95% limit `C + 1.959964 se`.
    pub upper95: f64,
}

/// Interval method of survcomp's `concordance.index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SurvcompMethod {
    /// Noether's standard error (Pencina and D'Agostino 2004); gives a p-value.
    #[default]
    Noether,
    /// survcomp's "conservative" interval (its default method); no standard error.
    Conservative,
}

/// survcomp-style concordance index and interval.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvcompConcordance {
    /// `C = pc / (pc + pd)`.
    pub c_index: f64,
    /// Noether standard error (`None` for the conservative method).
    pub std_error: Option<f64>,
    /// Lower 95% limit, clipped to [0, 1].
    pub lower95: f64,
    /// Upper 95% limit, clipped to [0, 1].
    pub upper95: f64,
    /// Two-sided p-value of `C = 0.5` (`None` for the conservative method).
    pub p_value: Option<f64>,
    /// Comparable pairs (risk ties excluded when `outx`).
    pub comparable: f64,
    /// Concordant pairs (plus half the risk ties when not `outx`).
    pub concordant: f64,
    /// Discordant pairs (plus half the risk ties when not `outx`).
    pub discordant: f64,
}

/// Per-subject counts of concordant, discordant and risk-tied comparable pairs, and totals.
struct PairCounts {
    conc: Vec<f64>,
    disc: Vec<f64>,
    tied: Vec<f64>,
    total_conc: u64,
    total_disc: u64,
    total_tied: u64,
    tied_time: u64,
    tied_time_and_risk: u64,
}

/// Fenwick tree of counts over risk ranks.
struct Fenwick {
    tree: Vec<u64>,
    total: u64,
}

impl Fenwick {
    fn new(n: usize) -> Self {
        Self { tree: vec![0; n + 1], total: 0 }
    }
    fn add(&mut self, rank: usize) {
        self.total += 1;
        let mut i = rank + 1;
        while i < self.tree.len() {
            self.tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    /// Count of ranks `< rank`.
    fn below(&self, rank: usize) -> u64 {
        let mut i = rank;
        let mut s = 0;
        while i > 0 {
            s += self.tree[i];
            i -= i & i.wrapping_neg();
        }
        s
    }
    /// (below, equal, above) counts for `rank`.
    fn split(&self, rank: usize) -> (u64, u64, u64) {
        let lo = self.below(rank);
        let le = self.below(rank + 1);
        (lo, le - lo, self.total - le)
    }
}

fn pair_counts(data: &SurvivalData, risk: &[f64], censored_tie_comparable: bool) -> PairCounts {
    let n = data.len();
    let (t, e) = (data.time(), data.event());
    let mut sorted: Vec<f64> = risk.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    let rank: Vec<usize> = risk.iter().map(|r| sorted.partition_point(|s| s < r)).collect();
    let order = data.order_by_time();
    let mut groups = Vec::new();
    let mut s = 0;
    while s < n {
        let mut g = s + 1;
        while g < n && t[order[g]] == t[order[s]] {
            g += 1;
        }
        groups.push((s, g));
        s = g;
    }
    let mut pc = PairCounts {
        conc: vec![0.0; n],
        disc: vec![0.0; n],
        tied: vec![0.0; n],
        total_conc: 0,
        total_disc: 0,
        total_tied: 0,
        tied_time: 0,
        tied_time_and_risk: 0,
    };
    // Pass 1, ascending time: counts of each subject as the later member of a pair (the tree
    // holds the earlier events).
    let mut tree = Fenwick::new(sorted.len());
    for &(gs, ge) in &groups {
        let members = &order[gs..ge];
        for &j in members.iter().filter(|&&j| e[j]) {
            let (below, equal, above) = tree.split(rank[j]);
            pc.conc[j] += above as f64;
            pc.disc[j] += below as f64;
            pc.tied[j] += equal as f64;
        }
        let mut group_events = Vec::new();
        for &i in members.iter().filter(|&&i| e[i]) {
            group_events.push(rank[i]);
        }
        if censored_tie_comparable {
            for &r in &group_events {
                tree.add(r);
            }
        }
        for &j in members.iter().filter(|&&j| !e[j]) {
            let (below, equal, above) = tree.split(rank[j]);
            pc.conc[j] += above as f64;
            pc.disc[j] += below as f64;
            pc.tied[j] += equal as f64;
        }
        if !censored_tie_comparable {
            for &r in &group_events {
                tree.add(r);
            }
        }
        // Tied event times.
        let mut ranks = group_events;
        ranks.sort_unstable();
        let d = ranks.len() as u64;
        let mut same = 0u64;
        let mut k = 0;
        while k < ranks.len() {
            let mut m = k + 1;
            while m < ranks.len() && ranks[m] == ranks[k] {
                m += 1;
            }
            let c = (m - k) as u64;
            same += c * (c - 1) / 2;
            k = m;
        }
        pc.tied_time_and_risk += same;
        pc.tied_time += d * d.saturating_sub(1) / 2 - same;
    }
    // Pass 2, descending time: counts of each event as the earlier member (the tree holds the
    // subjects with longer follow-up).
    let mut tree = Fenwick::new(sorted.len());
    for &(gs, ge) in groups.iter().rev() {
        let members = &order[gs..ge];
        if censored_tie_comparable {
            for &j in members.iter().filter(|&&j| !e[j]) {
                tree.add(rank[j]);
            }
        }
        for &i in members.iter().filter(|&&i| e[i]) {
            let (below, equal, above) = tree.split(rank[i]);
            pc.conc[i] += below as f64;
            pc.disc[i] += above as f64;
            pc.tied[i] += equal as f64;
            pc.total_conc += below;
            pc.total_disc += above;
            pc.total_tied += equal;
        }
        for &j in members {
            if e[j] || !censored_tie_comparable {
                tree.add(rank[j]);
            }
        }
    }
    pc
}

fn check_inputs(data: &SurvivalData, risk: &[f64]) -> Result<()> {
    check_len("risk score", data.len(), risk.len())?;
    if let Some(row) = risk.iter().position(|r| !r.is_finite()) {
        return Err(SurvivalError::NonFiniteCovariate { row, column: "risk score".into(), value: risk[row] });
    }
    crate::km::require_events(data, "concordance")
}

/// Harrell's C of `risk` (higher = earlier event) with R `survival::concordance` conventions
/// (see the module documentation).
///
/// # Errors
/// [`SurvivalError::NoEvents`] when all subjects are censored, [`SurvivalError::NoComparablePairs`]
/// when no pair is comparable (for example one event at the largest time), and
/// [`SurvivalError::NonFiniteCovariate`] for a NaN or infinite score.
pub fn concordance(data: &SurvivalData, risk: &[f64]) -> Result<Concordance> {
    check_inputs(data, risk)?;
    let pc = pair_counts(data, risk, true);
    let comparable = pc.total_conc + pc.total_disc + pc.total_tied;
    if comparable == 0 {
        return Err(SurvivalError::NoComparablePairs);
    }
    let p = comparable as f64;
    let c = (pc.total_conc as f64 + 0.5 * pc.total_tied as f64) / p;
    let var: f64 = (0..data.len())
        .map(|i| {
            let u = (pc.conc[i] + 0.5 * pc.tied[i] - c * (pc.conc[i] + pc.disc[i] + pc.tied[i])) / p;
            u * u
        })
        .sum();
    let se = var.sqrt();
    let z = normal_quantile(0.975);
    Ok(Concordance {
        c_index: c,
        concordant: pc.total_conc,
        discordant: pc.total_disc,
        tied_risk: pc.total_tied,
        tied_time: pc.tied_time,
        tied_time_and_risk: pc.tied_time_and_risk,
        comparable,
        std_error: se,
        lower95: c - z * se,
        upper95: c + z * se,
    })
}

/// survcomp's `concordance.index` (strict time order; see the module documentation).
///
/// # Errors
/// As [`concordance`]; [`SurvivalError::NoComparablePairs`] also when every comparable pair is
/// concordant or every one is discordant with the Noether method (survcomp returns NA there
/// because the variance terms vanish).
pub fn concordance_survcomp(
    data: &SurvivalData,
    risk: &[f64],
    outx: bool,
    method: SurvcompMethod,
) -> Result<SurvcompConcordance> {
    check_inputs(data, risk)?;
    let pc = pair_counts(data, risk, false);
    let n = data.len() as f64;
    let half = if outx { 0.0 } else { 0.5 };
    let ch: Vec<f64> = (0..data.len()).map(|i| pc.conc[i] + half * pc.tied[i]).collect();
    let dh: Vec<f64> = (0..data.len()).map(|i| pc.disc[i] + half * pc.tied[i]).collect();
    let sum_c: f64 = ch.iter().sum();
    let sum_d: f64 = dh.iter().sum();
    if sum_c + sum_d == 0.0 {
        return Err(SurvivalError::NoComparablePairs);
    }
    let pcv = sum_c / (n * (n - 1.0));
    let pdv = sum_d / (n * (n - 1.0));
    let c = pcv / (pcv + pdv);
    let z = normal_quantile(0.975);
    let clip = |v: f64| v.clamp(0.0, 1.0);
    let (se, lower, upper, p) = match method {
        SurvcompMethod::Noether => {
            if sum_c == 0.0 || sum_d == 0.0 {
                return Err(SurvivalError::NoComparablePairs);
            }
            let n3 = n * (n - 1.0) * (n - 2.0);
            let pcc: f64 = ch.iter().map(|v| v * (v - 1.0)).sum::<f64>() / n3;
            let pdd: f64 = dh.iter().map(|v| v * (v - 1.0)).sum::<f64>() / n3;
            let pcd: f64 = ch.iter().zip(&dh).map(|(a, b)| a * b).sum::<f64>() / n3;
            let var = 4.0 / (pcv + pdv).powi(4) * (pdv * pdv * pcc - 2.0 * pcv * pdv * pcd + pcv * pcv * pdd);
            let se = (var / n).sqrt();
            (Some(se), c - z * se, c + z * se, Some(two_sided_normal_p((c - 0.5) / se)))
        }
        SurvcompMethod::Conservative => {
            let w = 2.0 * z * z / (n * (pcv + pdv));
            let half_width = (w * w + 4.0 * w * c * (1.0 - c)).sqrt() / (2.0 * (1.0 + w));
            let centre = (w + 2.0 * c) / (2.0 * (1.0 + w));
            (None, centre - half_width, centre + half_width, None)
        }
    };
    Ok(SurvcompConcordance {
        c_index: c,
        std_error: se,
        lower95: clip(lower),
        upper95: clip(upper),
        p_value: p,
        comparable: (sum_c + sum_d) / 2.0,
        concordant: sum_c / 2.0,
        discordant: sum_d / 2.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// O(n^2) reference count with the survival::concordance rules.
    fn brute(t: &[f64], e: &[bool], r: &[f64]) -> (u64, u64, u64) {
        let (mut c, mut d, mut tie) = (0, 0, 0);
        for i in 0..t.len() {
            for j in 0..t.len() {
                let comparable = e[i] && (t[i] < t[j] || (t[i] == t[j] && !e[j]));
                if comparable {
                    if r[i] > r[j] {
                        c += 1
                    } else if r[i] < r[j] {
                        d += 1
                    } else {
                        tie += 1
                    }
                }
            }
        }
        (c, d, tie)
    }

    proptest! {
        #[test]
        fn fenwick_counts_equal_brute_force(
            rows in proptest::collection::vec((0u8..6, any::<bool>(), 0u8..4), 2..40)
        ) {
            let t: Vec<f64> = rows.iter().map(|r| f64::from(r.0)).collect();
            let e: Vec<bool> = rows.iter().map(|r| r.1).collect();
            let risk: Vec<f64> = rows.iter().map(|r| f64::from(r.2)).collect();
            let data = SurvivalData::from_bool(&t, &e).unwrap();
            let (c, d, tie) = brute(&t, &e, &risk);
            match concordance(&data, &risk) {
                Ok(k) => {
                    prop_assert_eq!((k.concordant, k.discordant, k.tied_risk), (c, d, tie));
                }
                Err(_) => prop_assert_eq!(c + d + tie, 0),
            }
        }
    }

    #[test]
    fn perfect_risk_ordering_gives_one_and_reversed_gives_zero() {
        let d = SurvivalData::new(&[1.0, 2.0, 3.0, 4.0], &[1.0, 1.0, 1.0, 0.0]).unwrap();
        let c = concordance(&d, &[4.0, 3.0, 2.0, 1.0]).unwrap();
        assert_eq!(c.c_index, 1.0);
        assert_eq!(c.comparable, 6);
        let c = concordance(&d, &[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(c.c_index, 0.0);
        // survcomp's Noether interval is undefined with no discordant pair.
        assert!(matches!(
            concordance_survcomp(&d, &[4.0, 3.0, 2.0, 1.0], true, SurvcompMethod::Noether),
            Err(SurvivalError::NoComparablePairs)
        ));
    }

    #[test]
    fn tied_event_times_are_counted_but_not_comparable() {
        let d = SurvivalData::new(&[1.0, 1.0, 1.0, 2.0], &[1.0, 1.0, 0.0, 1.0]).unwrap();
        let c = concordance(&d, &[2.0, 2.0, 1.0, 0.0]).unwrap();
        assert_eq!(c.tied_time_and_risk, 1);
        assert_eq!(c.tied_time, 0);
        // Events 0 and 1 are each comparable with 2 (censored at the same time) and 3.
        assert_eq!(c.comparable, 4);
    }

    #[test]
    fn all_censored_and_no_pairs_are_errors() {
        let d = SurvivalData::new(&[1.0, 2.0], &[0.0, 0.0]).unwrap();
        assert!(matches!(concordance(&d, &[1.0, 2.0]), Err(SurvivalError::NoEvents { .. })));
        let d = SurvivalData::new(&[1.0, 2.0], &[0.0, 1.0]).unwrap();
        assert!(matches!(concordance(&d, &[1.0, 2.0]), Err(SurvivalError::NoComparablePairs)));
    }
}
