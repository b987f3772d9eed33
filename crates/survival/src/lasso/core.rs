//! Coordinate-descent solver of the penalised Cox partial likelihood for one lambda, on a
//! prepared (sorted, centred and optionally scaled) design.
//!
//! Objective, with case weights `1/n`:
//! `F(beta) = -l(beta) / n + lambda * sum_j v_j (alpha |beta_j| + (1 - alpha) / 2 beta_j^2)`.
//! Each outer iteration replaces `-l/n` by its second-order expansion in the linear predictor
//! with the diagonal of the Hessian (glmnet's `coxnet`), runs cyclical coordinate descent on
//! that quadratic until the largest weighted squared change `h_j dbeta_j^2` is below the
//! threshold, then recomputes the expansion. Unlike glmnet, an outer step that increases `F`
//! is halved until it does not, so `F` never increases from one outer iteration to the next.

use crate::cox::Ties;

/// The design of one penalised fit, rows sorted by increasing time.
#[derive(Debug, Clone)]
pub(crate) struct Design {
    pub n: usize,
    pub p: usize,
    /// Column-major `n x p`, centred and (when standardising) scaled to unit 1/n variance.
    pub x: Vec<f64>,
    /// Event indicators in sorted order.
    pub event: Vec<bool>,
    /// `(start, end, events)` for each distinct time, in increasing time.
    pub groups: Vec<(usize, usize, usize)>,
    pub ties: Ties,
    /// Saturated log-likelihood `-sum_k d_k log d_k` (Breslow, unit weights).
    pub loglik_saturated: f64,
}

impl Design {
    /// Builds the design from the sorted times/events and a prepared column-major matrix.
    pub fn new(time: &[f64], event: Vec<bool>, x: Vec<f64>, p: usize, ties: Ties) -> Self {
        let n = time.len();
        let mut groups = Vec::new();
        let mut s = 0;
        while s < n {
            let mut e = s + 1;
            while e < n && time[e] == time[s] {
                e += 1;
            }
            let d = event[s..e].iter().filter(|&&v| v).count();
            groups.push((s, e, d));
            s = e;
        }
        let loglik_saturated = -groups.iter().filter(|g| g.2 > 0).map(|g| g.2 as f64 * (g.2 as f64).ln()).sum::<f64>();
        Self { n, p, x, event, groups, ties, loglik_saturated }
    }

    #[inline]
    pub fn column(&self, j: usize) -> &[f64] {
        &self.x[j * self.n..(j + 1) * self.n]
    }

    /// Log partial likelihood (unit weights) at linear predictor `eta`.
    pub fn loglik(&self, eta: &[f64]) -> f64 {
        let shift = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut s0 = 0.0;
        let mut ll = 0.0;
        for &(gs, ge, d) in self.groups.iter().rev() {
            let mut e0 = 0.0;
            for i in gs..ge {
                let r = (eta[i] - shift).exp();
                s0 += r;
                if self.event[i] {
                    e0 += r;
                    ll += eta[i] - shift;
                }
            }
            if d == 0 {
                continue;
            }
            match self.ties {
                Ties::Breslow => ll -= d as f64 * s0.ln(),
                Ties::Efron => {
                    for m in 0..d {
                        ll -= (s0 - m as f64 / d as f64 * e0).ln();
                    }
                }
            }
        }
        ll
    }

    /// Gradient `g_i = dl/deta_i / n` and diagonal `h_i = -d2l/deta_i^2 / n` at `eta`;
    /// returns the log-likelihood.
    pub fn expand(&self, eta: &[f64], g: &mut [f64], h: &mut [f64]) -> f64 {
        let n = self.n;
        let shift = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let r: Vec<f64> = eta.iter().map(|e| (e - shift).exp()).collect();
        let ng = self.groups.len();
        // Per group: risk-set sums and the increments a1, a2 (for subjects later than the
        // group) and b1, b2 (for the group's own events).
        let mut a1 = vec![0.0; ng];
        let mut a2 = vec![0.0; ng];
        let mut b1 = vec![0.0; ng];
        let mut b2 = vec![0.0; ng];
        let mut s0 = 0.0;
        let mut ll = 0.0;
        for (k, &(gs, ge, d)) in self.groups.iter().enumerate().rev() {
            let mut e0 = 0.0;
            for i in gs..ge {
                s0 += r[i];
                if self.event[i] {
                    e0 += r[i];
                    ll += eta[i] - shift;
                }
            }
            if d == 0 {
                continue;
            }
            match self.ties {
                Ties::Breslow => {
                    let df = d as f64;
                    a1[k] = df / s0;
                    a2[k] = df / (s0 * s0);
                    b1[k] = a1[k];
                    b2[k] = a2[k];
                    ll -= df * s0.ln();
                }
                Ties::Efron => {
                    let df = d as f64;
                    for m in 0..d {
                        let c = m as f64 / df;
                        let den = s0 - c * e0;
                        ll -= den.ln();
                        a1[k] += 1.0 / den;
                        a2[k] += 1.0 / (den * den);
                        b1[k] += (1.0 - c) / den;
                        b2[k] += (1.0 - c) * (1.0 - c) / (den * den);
                    }
                }
            }
        }
        let inv_n = 1.0 / n as f64;
        let (mut ca, mut cb) = (0.0, 0.0);
        for (k, &(gs, ge, _)) in self.groups.iter().enumerate() {
            ca += a1[k];
            cb += a2[k];
            for i in gs..ge {
                let (aa, bb) = if self.event[i] { (ca - a1[k] + b1[k], cb - a2[k] + b2[k]) } else { (ca, cb) };
                let ev = if self.event[i] { 1.0 } else { 0.0 };
                g[i] = (ev - r[i] * aa) * inv_n;
                h[i] = (r[i] * aa - r[i] * r[i] * bb) * inv_n;
            }
        }
        ll
    }
}

/// Per-lambda penalty parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Penalty {
    pub lambda: f64,
    pub alpha: f64,
}

/// Mutable solver state carried along the path (warm starts).
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub beta: Vec<f64>,
    pub eta: Vec<f64>,
    /// Columns that coordinate descent visits (strong set plus every column ever nonzero;
    /// glmnet's `ixx`, never cleared along the path).
    pub in_set: Vec<bool>,
    /// Columns that have ever been nonzero, in the order they first became nonzero (glmnet's
    /// active list `m`). The inner sweeps between full sweeps visit exactly these, in this order.
    pub active: Vec<usize>,
    /// `ever[j]` is true when `j` is in `active`.
    pub ever: Vec<bool>,
    /// `|x_j' g|` at the current point for the columns outside `in_set` (glmnet's `ga`), as
    /// left by the last Karush-Kuhn-Tucker check. The strong rule of the next lambda reads it.
    pub grad_out: Vec<f64>,
    /// Total coordinate-descent passes.
    pub passes: usize,
}

impl State {
    /// Creates the null state `beta = 0` with the given initial set.
    pub fn new(n: usize, in_set: Vec<bool>) -> Self {
        let p = in_set.len();
        Self {
            beta: vec![0.0; p],
            eta: vec![0.0; n],
            in_set,
            active: Vec::new(),
            ever: vec![false; p],
            grad_out: vec![0.0; p],
            passes: 0,
        }
    }
}

/// Outcome of one lambda.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Solve {
    pub outer_iterations: usize,
    pub final_change: f64,
    pub converged: bool,
    pub loglik: f64,
}

pub(crate) fn objective(d: &Design, vp: &[f64], pen: Penalty, beta: &[f64], ll: f64) -> f64 {
    let mut p = 0.0;
    for (b, v) in beta.iter().zip(vp) {
        p += v * (pen.alpha * b.abs() + 0.5 * (1.0 - pen.alpha) * b * b);
    }
    -ll / d.n as f64 + pen.lambda * p
}

/// Returns `sum_i a_i b_i` with four partial sums, so the compiler can vectorise the loop (a
/// plain iterator sum keeps the strict left-to-right order and runs one product at a time).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Returns `sum_i w_i x_i^2` with four partial sums (see [`dot`]).
#[inline]
fn weighted_square(x: &[f64], w: &[f64]) -> f64 {
    let n = x.len().min(w.len());
    let (x, w) = (&x[..n], &w[..n]);
    let mut acc = [0.0f64; 4];
    let (cx, cw) = (x.chunks_exact(4), w.chunks_exact(4));
    let (rx, rw) = (cx.remainder(), cw.remainder());
    for (a, b) in cx.zip(cw) {
        acc[0] += b[0] * a[0] * a[0];
        acc[1] += b[1] * a[1] * a[1];
        acc[2] += b[2] * a[2] * a[2];
        acc[3] += b[3] * a[3] * a[3];
    }
    let tail: f64 = rx.iter().zip(rw).map(|(a, b)| b * a * a).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[inline]
fn soft(u: f64, t: f64) -> f64 {
    if u > t {
        u - t
    } else if u < -t {
        u + t
    } else {
        0.0
    }
}

/// Updates coefficient `j` on the quadratic model and returns `xv_j dbeta_j^2`.
#[inline]
#[allow(clippy::too_many_arguments)]
fn update(d: &Design, j: usize, xv: f64, l1: f64, l2: f64, h: &[f64], resid: &mut [f64], st: &mut State) -> f64 {
    let c = d.column(j);
    let grad = dot(c, resid);
    let new = soft(grad + xv * st.beta[j], l1) / (xv + l2);
    let del = new - st.beta[j];
    if del == 0.0 {
        return 0.0;
    }
    st.beta[j] = new;
    for ((r, x), w) in resid.iter_mut().zip(c).zip(h) {
        *r -= del * w * x;
    }
    if !st.ever[j] {
        st.ever[j] = true;
        st.active.push(j);
    }
    xv * del * del
}

/// Solves one lambda from the warm start in `st`. `allowed[j]` is false for columns that must
/// stay at zero (constant columns). `trace` receives `F` after every outer iteration.
///
/// The iteration is glmnet 4.1-6's `coxnet1`, step for step. At each outer iteration the
/// weights `h` and `xv_j = sum_i h_i x_ij^2` are frozen, and one full sweep visits the set in
/// column order. While its largest `xv_j dbeta_j^2` is at least `thresh`, sweeps over the active
/// list (entry order) run until they fall below `thresh`, then another full sweep follows. The
/// outer loop ends when no coefficient moved by `xv_j dbeta_j^2 >= thresh` over the whole outer
/// iteration and no column outside the set violates `|x_j' g| <= lambda alpha v_j`. Only the
/// step halving, which never triggers when `F` decreases, is added.
#[allow(clippy::too_many_arguments)]
pub(crate) fn solve(
    d: &Design,
    vp: &[f64],
    allowed: &[bool],
    pen: Penalty,
    thresh: f64,
    max_passes: usize,
    st: &mut State,
    mut trace: Option<&mut Vec<f64>>,
) -> Solve {
    let (n, p) = (d.n, d.p);
    let mut g = vec![0.0; n];
    let mut h = vec![0.0; n];
    let mut resid = vec![0.0; n];
    let mut xv = vec![0.0; p];
    let mut beta_start = vec![0.0; p];
    let mut eta_new = vec![0.0; n];
    let l1: Vec<f64> = vp.iter().map(|v| v * pen.lambda * pen.alpha).collect();
    let l2: Vec<f64> = vp.iter().map(|v| v * pen.lambda * (1.0 - pen.alpha)).collect();
    let mut ll = d.expand(&st.eta, &mut g, &mut h);
    let mut f_old = objective(d, vp, pen, &st.beta, ll);
    let mut outer = 0;
    loop {
        outer += 1;
        // Quadratic expansion at the current point: resid = g (the working gradient).
        resid.copy_from_slice(&g);
        for j in 0..p {
            if st.in_set[j] {
                xv[j] = weighted_square(d.column(j), &h);
            }
        }
        beta_start.copy_from_slice(&st.beta);
        'inner: loop {
            st.passes += 1;
            let mut dmax: f64 = 0.0;
            for j in 0..p {
                if st.in_set[j] && xv[j] > 0.0 {
                    dmax = dmax.max(update(d, j, xv[j], l1[j], l2[j], &h, &mut resid, st));
                }
            }
            if dmax < thresh || st.passes > max_passes {
                break;
            }
            loop {
                st.passes += 1;
                let mut dmax: f64 = 0.0;
                for k in 0..st.active.len() {
                    let j = st.active[k];
                    if xv[j] > 0.0 {
                        dmax = dmax.max(update(d, j, xv[j], l1[j], l2[j], &h, &mut resid, st));
                    }
                }
                if st.passes > max_passes {
                    break 'inner;
                }
                if dmax < thresh {
                    break;
                }
            }
        }
        // Move to the new point; halve the step while the objective increases.
        let mut scale = 1.0;
        let mut f_new;
        loop {
            eta_new.copy_from_slice(&st.eta);
            for j in 0..p {
                let s = st.beta[j] - beta_start[j];
                if s != 0.0 {
                    let m = scale * s;
                    for (e, x) in eta_new.iter_mut().zip(d.column(j)) {
                        *e += m * x;
                    }
                }
            }
            // The expansion at the candidate point also gives its log-likelihood.
            ll = d.expand(&eta_new, &mut g, &mut h);
            let beta_try: Vec<f64>;
            let b = if scale == 1.0 {
                &st.beta
            } else {
                beta_try = beta_start.iter().zip(&st.beta).map(|(a, b)| a + scale * (b - a)).collect();
                &beta_try
            };
            f_new = objective(d, vp, pen, b, ll);
            if f_new <= f_old + 1e-13 * f_old.abs() || scale < 1e-6 {
                break;
            }
            scale *= 0.5;
        }
        if scale != 1.0 {
            for j in 0..p {
                st.beta[j] = beta_start[j] + scale * (st.beta[j] - beta_start[j]);
            }
        }
        std::mem::swap(&mut st.eta, &mut eta_new);
        if let Some(t) = trace.as_deref_mut() {
            t.push(f_new);
        }
        f_old = f_new;
        let last_change = st.active.iter().map(|&j| xv[j] * (st.beta[j] - beta_start[j]).powi(2)).fold(0.0, f64::max);
        if last_change < thresh {
            // Karush-Kuhn-Tucker check of the columns outside the set.
            let mut added = false;
            for j in 0..p {
                if st.in_set[j] || !allowed[j] {
                    continue;
                }
                let grad = dot(d.column(j), &g);
                st.grad_out[j] = grad.abs();
                if grad.abs() > l1[j] {
                    st.in_set[j] = true;
                    added = true;
                }
            }
            if !added {
                return Solve { outer_iterations: outer, final_change: last_change, converged: true, loglik: ll };
            }
        }
        if st.passes > max_passes {
            return Solve { outer_iterations: outer, final_change: last_change, converged: false, loglik: ll };
        }
    }
}
