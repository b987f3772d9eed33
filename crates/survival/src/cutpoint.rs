//! Optimal cut point of a continuous score: the exhaustive log-rank search (the X-tile
//! approach) and maxstat's maximally selected log-rank statistic with its corrected p-values.
//!
//! Both put subjects with `score <= cut` in the low group and `score > cut` in the high group.
//!
//! # Exhaustive log-rank search
//! Candidates are the distinct scores `c` with `Q(min_prop) <= c <= Q(max_prop)` and
//! `c < max(score)`, where `Q` is R's type-7 quantile. Each candidate gets the two-group
//! log-rank chi-square ([`crate::logrank_test`], `rho = 0`); the best cut is the first candidate
//! with the largest chi-square. Its p-value `P(chi2_1 > chisq)` ignores the search and is far
//! too small: report the maxstat p-value next to it.
//!
//! # Maximally selected log-rank statistic (R maxstat 0.7-25, `smethod = "LogRank"`)
//! The outcome is replaced by log-rank scores `a_i = delta_i - sum_{j: t_j <= t_i} delta_j /
//! (N - r_j + 1)`, `r_j` = number of subjects with `t <= t_j` (exactRankTests `cscores.Surv`).
//! For each cut leaving `m` subjects in the low group, with
//! `max(1, floor(N min_prop)) <= m <= floor(N max_prop)`, the standardised statistic is
//! `|S_m - E_m| / sqrt(V_m)`, `S_m` = sum of `a` in the low group, `E_m = m/N sum a`,
//! `V_m = m (N - m) / (N^2 (N - 1)) (N sum a^2 - (sum a)^2)`. The estimate is the first cut with
//! the largest statistic `M`. p-values:
//! - Lau94 (Lausen, Sauerbrei and Schumacher 1994, improved Bonferroni):
//!   `1 - (Phi(M) - Phi(-M)) + sum_k (1/pi) exp(-M^2/2) (t_k - (M^2/4 - 1) t_k^3 / 6)` with
//!   `t_k = sqrt(1 - m_k (N - m_{k+1}) / ((N - m_k) m_{k+1}))` over consecutive candidate sizes;
//! - Lau92 (Lausen and Schumacher 1992, asymptotic):
//!   `4 phi(M)/M + phi(M) (M - 1/M) log(max_prop (1 - min_prop) / ((1 - max_prop) min_prop))`;
//! - exactGauss (Hothorn and Lausen 2003; maxstat `pmethod = "exactGauss"`):
//!   `P(max_k |Z_k| > M)` for the standardised statistics `Z_k`, jointly normal under the null
//!   with `corr(Z_j, Z_k) = sqrt(m_j (N - m_k) / (m_k (N - m_j)))` for `m_j < m_k`
//!   (maxstat's `corrmsrs`). maxstat integrates this multivariate normal with mvtnorm's
//!   `pmvnorm` (Genz's randomised quasi-Monte Carlo, default `abseps = 0.001`), so R's value
//!   depends on `set.seed` and, when the probability inside is within 1e-4 of 1, can be far
//!   off: on veteran karno Genz gives 1.23e-5 at the default and 1.67e-5 with
//!   `abseps = 1e-10`, where mvtnorm's deterministic Miwa algorithm gives 2.0383e-5. This
//!   correlation is that of a Gauss-Markov chain
//!   (`corr(Z_i, Z_k) = corr(Z_i, Z_j) corr(Z_j, Z_k)` for `i < j < k`), so here the
//!   probability is computed deterministically, without random numbers, by the forward
//!   recursion `f_1 = phi`, `f_{k+1}(z) = int_{-M}^{M} f_k(y) phi((z - r_k y) / s_k) / s_k dy`,
//!   `r_k` the correlation of consecutive cuts and `s_k = sqrt(1 - r_k^2)`, with Simpson's rule
//!   on a grid finer than `s_k / 10` (and than 0.01); `p = 1 - int f_K`. The result agrees with
//!   an independent two-dimensional quadrature for two cuts (1e-6, unit test), with Miwa's
//!   algorithm (1e-6 relative) and with Genz's algorithm within its error estimate where that
//!   estimate is reliable (conformance tests).
//! - a conditional Monte Carlo p-value `(1 + #{M* >= M}) / (B + 1)` over `B` seeded
//!   permutations of the scores (maxstat's `condMC` draws from R's generator, so the value
//!   differs from R's within Monte Carlo error).
//!
//! # References
//! Lausen B, Schumacher M (1992), Maximally selected rank statistics, Biometrics 48:73-85.
//! Lausen B, Sauerbrei W, Schumacher M (1994), Classification and regression trees (CART) used
//! for the exploration of prognostic factors measured on different scales, in Dirschedl P,
//! Ostermann R (eds), Computational Statistics, Physica, 483-496. Hothorn T, Lausen B (2003),
//! On the exact distribution of maximally selected rank statistics, CSDA 43:121-137.
//! Camp RL, Dolled-Filhart M, Rimm DL (2004), X-tile, Clin Cancer Res 10:7252-7259.

use crate::data::{SurvivalData, check_len};
use crate::error::{Result, SurvivalError, invalid_parameter};
use crate::logrank::logrank_two_groups;
use crate::stats::{chi_square_sf, normal_cdf};
use rand::SeedableRng;
use rand::seq::SliceRandom;

/// Result of the exhaustive log-rank search.
#[derive(Debug, Clone, PartialEq)]
pub struct ExhaustiveCutpoint {
    /// `Q(min_prop)` (type-7 quantile).
    pub quantile_low: f64,
    /// `Q(max_prop)`.
    pub quantile_high: f64,
    /// Candidate cuts, increasing.
    pub candidates: Vec<f64>,
    /// Log-rank chi-square of each candidate.
    pub chisq: Vec<f64>,
    /// Subjects in the low group for each candidate.
    pub n_low: Vec<usize>,
    /// The chosen cut.
    pub best_cut: f64,
    /// Its chi-square.
    pub best_chisq: f64,
    /// `P(chi2_1 > best_chisq)`, not corrected for the search.
    pub p_naive: f64,
    /// Subjects with `score <= best_cut`.
    pub n_low_at_best: usize,
    /// Subjects with `score > best_cut`.
    pub n_high_at_best: usize,
}

/// Options of [`maxstat_logrank`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MaxstatOptions {
    /// Smallest share of subjects in the low group (default 0.1).
    pub min_prop: f64,
    /// Largest share of subjects in the low group (default 0.9).
    pub max_prop: f64,
    /// Monte Carlo permutations for the conditional p-value (default 0 = none).
    pub permutations: usize,
    /// Seed of the permutations.
    pub seed: u64,
}

impl Default for MaxstatOptions {
    fn default() -> Self {
        Self { min_prop: 0.1, max_prop: 0.9, permutations: 0, seed: 1 }
    }
}

/// Result of the maximally selected log-rank statistic.
#[derive(Debug, Clone, PartialEq)]
pub struct MaxstatCutpoint {
    /// The chosen cut (low group: `score <= estimate`).
    pub estimate: f64,
    /// The maximum standardised statistic `M`.
    pub statistic: f64,
    /// Candidate cuts.
    pub cuts: Vec<f64>,
    /// Standardised statistic of each cut.
    pub stats: Vec<f64>,
    /// Lau94 improved-Bonferroni p-value (maxstat's default `pmethod`).
    pub p_lau94: f64,
    /// Lau92 asymptotic p-value (clipped to [0, 1]).
    pub p_lau92: f64,
    /// exactGauss p-value (maxstat `pmethod = "exactGauss"`), computed deterministically as the
    /// module documentation describes.
    pub p_exact_gauss: f64,
    /// Conditional Monte Carlo p-value (`None` when `permutations == 0`).
    pub p_permutation: Option<f64>,
    /// Subjects with `score <= estimate`.
    pub n_low_at_estimate: usize,
}

fn check(data: &SurvivalData, score: &[f64], min_prop: f64, max_prop: f64) -> Result<()> {
    check_len("score", data.len(), score.len())?;
    if let Some(row) = score.iter().position(|s| !s.is_finite()) {
        return Err(SurvivalError::NonFiniteCovariate { row, column: "score".into(), value: score[row] });
    }
    if !(min_prop >= 0.0 && min_prop < max_prop && max_prop <= 1.0) {
        return Err(invalid_parameter(
            "min_prop/max_prop",
            format!("{min_prop}/{max_prop}"),
            "need 0 <= min_prop < max_prop <= 1",
        ));
    }
    crate::km::require_events(data, "cut point")
}

/// R's type-7 quantile of sorted values.
fn quantile7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Exhaustive log-rank search over the candidate cuts between the `min_prop` and `max_prop`
/// quantiles (see the module documentation).
///
/// # Errors
/// [`SurvivalError::NoEvents`], [`SurvivalError::NonFiniteCovariate`] for a bad score,
/// [`SurvivalError::InvalidParameter`] for the proportions, and
/// [`SurvivalError::TooFewGroups`] when no candidate splits the subjects (a constant score).
pub fn cutpoint_logrank(
    data: &SurvivalData,
    score: &[f64],
    min_prop: f64,
    max_prop: f64,
) -> Result<ExhaustiveCutpoint> {
    check(data, score, min_prop, max_prop)?;
    let mut sorted = score.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (ql, qh) = (quantile7(&sorted, min_prop), quantile7(&sorted, max_prop));
    let max = sorted[sorted.len() - 1];
    let mut candidates = sorted.clone();
    candidates.dedup();
    candidates.retain(|&c| c >= ql && c <= qh && c < max);
    if candidates.is_empty() {
        return Err(SurvivalError::TooFewGroups {
            context: "cut point search (no candidate cut between the quantiles)".into(),
            found: 1,
            needed: 2,
        });
    }
    let mut chisq = Vec::with_capacity(candidates.len());
    let mut n_low = Vec::with_capacity(candidates.len());
    for &c in &candidates {
        let high: Vec<bool> = score.iter().map(|&s| s > c).collect();
        chisq.push(logrank_two_groups(data, &high, 0.0)?.test.statistic);
        n_low.push(high.iter().filter(|&&h| !h).count());
    }
    let mut best = 0;
    for k in 1..chisq.len() {
        if chisq[k] > chisq[best] {
            best = k;
        }
    }
    Ok(ExhaustiveCutpoint {
        quantile_low: ql,
        quantile_high: qh,
        best_cut: candidates[best],
        best_chisq: chisq[best],
        p_naive: chi_square_sf(chisq[best], 1.0),
        n_low_at_best: n_low[best],
        n_high_at_best: data.len() - n_low[best],
        candidates,
        chisq,
        n_low,
    })
}

/// Log-rank scores of exactRankTests `cscores.Surv` (see the module documentation).
pub fn logrank_scores(data: &SurvivalData) -> Vec<f64> {
    let n = data.len();
    let order = data.order_by_time();
    let t = data.time();
    let mut scores = vec![0.0; n];
    let mut cum = 0.0;
    let mut k = 0;
    while k < n {
        let mut e = k;
        while e < n && t[order[e]] == t[order[k]] {
            e += 1;
        }
        // r = e (subjects with time <= t); each event adds 1 / (N - r + 1).
        let inc = 1.0 / (n - e + 1) as f64;
        cum += order[k..e].iter().filter(|&&i| data.event()[i]).count() as f64 * inc;
        for &i in &order[k..e] {
            scores[i] = f64::from(u8::from(data.event()[i])) - cum;
        }
        k = e;
    }
    scores
}

/// Standardised statistics of the cuts given by sizes `m` of the sorted scores `a`.
fn standardised(a_sorted: &[f64], m: &[usize]) -> Vec<f64> {
    let n = a_sorted.len() as f64;
    let sum: f64 = a_sorted.iter().sum();
    let sum2: f64 = a_sorted.iter().map(|v| v * v).sum();
    let mut cum = vec![0.0; a_sorted.len() + 1];
    for (i, v) in a_sorted.iter().enumerate() {
        cum[i + 1] = cum[i] + v;
    }
    m.iter()
        .map(|&mm| {
            let mf = mm as f64;
            let e = mf / n * sum;
            let v = mf * (n - mf) / (n * n * (n - 1.0)) * (n * sum2 - sum * sum);
            (cum[mm] - e).abs() / v.sqrt()
        })
        .collect()
}

/// Maximally selected log-rank statistic with Lau94, Lau92 and permutation p-values (see the
/// module documentation).
///
/// # Errors
/// As [`cutpoint_logrank`].
pub fn maxstat_logrank(data: &SurvivalData, score: &[f64], options: &MaxstatOptions) -> Result<MaxstatCutpoint> {
    check(data, score, options.min_prop, options.max_prop)?;
    let n = data.len();
    let a = logrank_scores(data);
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&i, &j| score[i].total_cmp(&score[j]));
    let xs: Vec<f64> = idx.iter().map(|&i| score[i]).collect();
    let a_sorted: Vec<f64> = idx.iter().map(|&i| a[i]).collect();
    let lo = ((n as f64 * options.min_prop).floor() as usize).max(1);
    let hi = (n as f64 * options.max_prop).floor() as usize;
    let m: Vec<usize> = (1..=n).filter(|&mm| (mm == n || xs[mm - 1] != xs[mm]) && mm >= lo && mm <= hi).collect();
    if m.is_empty() {
        return Err(SurvivalError::TooFewGroups {
            context: "maximally selected statistic (no cut within min_prop/max_prop)".into(),
            found: 1,
            needed: 2,
        });
    }
    let stats = standardised(&a_sorted, &m);
    let mut best = 0;
    for k in 1..stats.len() {
        if stats[k] > stats[best] {
            best = k;
        }
    }
    let b = stats[best];
    let phi = (-b * b / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let mut d = 0.0;
    for w in m.windows(2) {
        let (m1, m2) = (w[0] as f64, w[1] as f64);
        let nf = n as f64;
        let t = (1.0 - m1 * (nf - m2) / ((nf - m1) * m2)).sqrt();
        d += (-b * b / 2.0).exp() / std::f64::consts::PI * (t - (b * b / 4.0 - 1.0) * t.powi(3) / 6.0);
    }
    let p94 = 1.0 - (normal_cdf(b) - normal_cdf(-b)) + d;
    let (minp, maxp) = (options.min_prop, options.max_prop);
    let p92 =
        (4.0 * phi / b + phi * (b - 1.0 / b) * ((maxp * (1.0 - minp)) / ((1.0 - maxp) * minp)).ln()).clamp(0.0, 1.0);
    let p_exact_gauss = exact_gauss_pvalue(n, &m, b);
    let p_perm = if options.permutations > 0 {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(options.seed);
        let mut perm = a_sorted.clone();
        let mut exceed = 0usize;
        for _ in 0..options.permutations {
            perm.shuffle(&mut rng);
            let s = standardised(&perm, &m);
            if s.iter().copied().fold(0.0, f64::max) >= b - 1e-12 {
                exceed += 1;
            }
        }
        Some((1 + exceed) as f64 / (options.permutations + 1) as f64)
    } else {
        None
    };
    let estimate = xs[m[best] - 1];
    Ok(MaxstatCutpoint {
        estimate,
        statistic: b,
        cuts: m.iter().map(|&mm| xs[mm - 1]).collect(),
        stats,
        p_lau94: p94,
        p_lau92: p92,
        p_exact_gauss,
        p_permutation: p_perm,
        n_low_at_estimate: m[best],
    })
}

/// `P(max_k |Z_k| > b)` for the standardised statistics of the cuts with low-group sizes `m`
/// (increasing) out of `n` subjects, under the null of no association: maxstat's exactGauss
/// p-value, by the Gauss-Markov forward recursion of the module documentation.
pub fn exact_gauss_pvalue(n: usize, m: &[usize], b: f64) -> f64 {
    if !(b > 0.0) {
        return 1.0;
    }
    if m.len() <= 1 {
        return 2.0 * normal_cdf(-b);
    }
    let nf = n as f64;
    let r: Vec<f64> = m
        .windows(2)
        .map(|w| {
            let (a, c) = (w[0] as f64, w[1] as f64);
            (a * (nf - c) / (c * (nf - a))).sqrt().min(1.0)
        })
        .collect();
    let s: Vec<f64> = r.iter().map(|v| (1.0 - v * v).max(0.0).sqrt()).collect();
    let s_min = s.iter().copied().fold(f64::INFINITY, f64::min);
    if !(s_min > 0.0) {
        // Two identical cuts: drop the repeated one.
        let mut dedup = m.to_vec();
        dedup.dedup();
        return if dedup.len() < m.len() { exact_gauss_pvalue(n, &dedup, b) } else { 2.0 * normal_cdf(-b) };
    }
    let h_max = (s_min / 10.0).min(0.01);
    let mut g = (2.0 * b / h_max).ceil() as usize;
    g += g % 2; // Simpson needs an even number of intervals.
    let h = 2.0 * b / g as f64;
    let y: Vec<f64> = (0..=g).map(|i| -b + i as f64 * h).collect();
    let w: Vec<f64> = (0..=g)
        .map(|i| {
            let c = if i == 0 || i == g {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            c * h / 3.0
        })
        .collect();
    let inv_sqrt_2pi = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
    let mut f: Vec<f64> = y.iter().map(|v| inv_sqrt_2pi * (-0.5 * v * v).exp()).collect();
    let mut next = vec![0.0; g + 1];
    for (&rk, &sk) in r.iter().zip(&s) {
        // Weighted values of f_k. The kernel is negligible beyond 10 s_k.
        let wf: Vec<f64> = f.iter().zip(&w).map(|(a, b)| a * b).collect();
        let reach = 10.0 * sk;
        for (i, zi) in y.iter().enumerate() {
            let (lo, hi) =
                if rk > 0.0 { ((zi - reach) / rk, (zi + reach) / rk) } else { (f64::NEG_INFINITY, f64::INFINITY) };
            let j0 = (((lo + b) / h).floor().max(0.0) as usize).min(g);
            let j1 = (((hi + b) / h).ceil().max(0.0) as usize).min(g);
            let mut acc = 0.0;
            for j in j0..=j1 {
                let u = (zi - rk * y[j]) / sk;
                acc += wf[j] * (-0.5 * u * u).exp();
            }
            next[i] = acc * inv_sqrt_2pi / sk;
        }
        std::mem::swap(&mut f, &mut next);
    }
    let inside: f64 = f.iter().zip(&w).map(|(a, b)| a * b).sum();
    (1.0 - inside).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (SurvivalData, Vec<f64>) {
        let t: Vec<f64> = (1..=20).map(f64::from).collect();
        let e: Vec<f64> = (0..20).map(|i| if i % 4 == 3 { 0.0 } else { 1.0 }).collect();
        // Early deaths have high scores.
        let s: Vec<f64> = (0..20).map(|i| if i < 8 { 5.0 + i as f64 } else { i as f64 / 10.0 }).collect();
        (SurvivalData::new(&t, &e).unwrap(), s)
    }

    #[test]
    fn both_methods_find_the_planted_cut() {
        let (d, s) = toy();
        let ex = cutpoint_logrank(&d, &s, 0.1, 0.9).unwrap();
        let ms = maxstat_logrank(&d, &s, &MaxstatOptions { permutations: 199, ..Default::default() }).unwrap();
        assert_eq!(ex.best_cut, 1.9);
        assert_eq!(ms.estimate, 1.9);
        assert!(ms.p_lau94 > ex.p_naive);
        // Both corrected p-values account for the search, unlike the naive one.
        assert!(ms.p_permutation.unwrap() > ex.p_naive, "{ms:?}");
    }

    #[test]
    fn exact_gauss_reduces_to_closed_forms() {
        // One cut: P(|Z| > b) = 2 Phi(-b).
        assert!((exact_gauss_pvalue(50, &[25], 1.96) - 2.0 * normal_cdf(-1.96)).abs() < 1e-12);
        // Two cuts: P(|Z1| <= b, |Z2| <= b) of a bivariate normal, against a fine 2-D
        // midpoint rule written independently of the recursion.
        let (n, m, b) = (40usize, [10usize, 30], 1.5f64);
        let rho = ((10.0 * 10.0) / (30.0 * 30.0f64)).sqrt();
        let k = 2000;
        let h = 2.0 * b / k as f64;
        let mut inside = 0.0;
        for i in 0..k {
            let x = -b + (i as f64 + 0.5) * h;
            for j in 0..k {
                let y = -b + (j as f64 + 0.5) * h;
                let q = (x * x - 2.0 * rho * x * y + y * y) / (1.0 - rho * rho);
                inside += (-0.5 * q).exp();
            }
        }
        inside *= h * h / (2.0 * std::f64::consts::PI * (1.0 - rho * rho).sqrt());
        let p = exact_gauss_pvalue(n, &m, b);
        assert!((p - (1.0 - inside)).abs() < 1e-6, "{p} vs {}", 1.0 - inside);
        // More cuts can only raise the probability of exceeding b, and Bonferroni bounds it above.
        let p3 = exact_gauss_pvalue(n, &[10, 20, 30], b);
        assert!(p3 >= p - 1e-12, "{p3} below the two-cut value {p}");
        assert!(p3 <= 3.0 * 2.0 * normal_cdf(-b), "{p3} above the Bonferroni bound");
    }

    #[test]
    fn logrank_scores_sum_to_zero() {
        let (d, _) = toy();
        let a = logrank_scores(&d);
        assert!(a.iter().sum::<f64>().abs() < 1e-12);
    }

    #[test]
    fn constant_score_and_bad_proportions_are_errors() {
        let (d, _) = toy();
        assert!(matches!(cutpoint_logrank(&d, &[1.0; 20], 0.1, 0.9), Err(SurvivalError::TooFewGroups { .. })));
        assert!(cutpoint_logrank(&d, &[1.0; 20], 0.9, 0.1).is_err());
    }
}
