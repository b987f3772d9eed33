//! Feature formulas of the texture matrices.
//!
//! Notation (IBSI 3.6-3.11, PyRadiomics docs): `P` the matrix, `N_g` the number of rows, `v_i`
//! the grey level of row `i` (the actual discretised value, so absent levels do not shift the
//! others), `j` the run length / zone size / dependence / distance of column `j`. Entropies use
//! `log2(p + eps)` with eps = 2.2e-16 in the PyRadiomics convention and `log2 p` over `p > 0` in
//! the IBSI convention; both give 0 for `p = 0`, and they differ by less than 1e-15.

use nalgebra::{DMatrix, SymmetricEigen};

/// Machine epsilon, PyRadiomics' `numpy.spacing(1)`.
pub const EPS: f64 = f64::EPSILON;

#[inline]
fn plogp(p: f64, eps: f64) -> f64 {
    if p > 0.0 { p * (p + eps).log2() } else { 0.0 }
}

/// Mean over the finite values (numpy `nanmean`); NaN when none is finite.
pub fn nanmean(values: &[f64]) -> f64 {
    let (s, n) = values.iter().filter(|v| !v.is_nan()).fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// Column-wise [`nanmean`] of per-matrix feature vectors.
pub fn average(rows: &[Vec<f64>], width: usize) -> Vec<f64> {
    (0..width).map(|k| nanmean(&rows.iter().map(|r| r[k]).collect::<Vec<_>>())).collect()
}

/// GLCM feature count (PyRadiomics 24 + IBSI joint maximum under its PyRadiomics name
/// `MaximumProbability`, plus joint variance = `SumSquares`).
pub const GLCM_COUNT: usize = 24;

/// The 24 PyRadiomics GLCM features of one normalised matrix `p` (`n x n`, row-major, sum 1),
/// in the order of [`crate::names::GLCM`]. `values` are the grey levels of the rows, `ng` is the
/// highest grey level (PyRadiomics `Ng`, the IBSI number of levels when the range starts at 1).
///
/// * Autocorrelation (IBSI QWUS) `sum p(i,j) i j`.
/// * ClusterProminence (AE86) `sum p (i + j - mu_x - mu_y)^4`; ClusterShade (7NFM) power 3;
///   ClusterTendency (DG8W, = IBSI sum variance) power 2.
/// * Contrast (ACUI) `sum p (i - j)^2`.
/// * Correlation (NI2N) `(sum p (i - mu_x)(j - mu_y)) / (s_x s_y)`, 1 when `s_x s_y = 0`.
/// * DifferenceAverage (TF7R, equal to IBSI dissimilarity 8S9J), DifferenceEntropy (NTRS),
///   DifferenceVariance (D3YU) over `p_{x-y}(k)`, `k = 0..N_g-1`.
/// * Id (IB1Z) `sum p_{x-y}(k) / (1 + k)`, Idm (WF0Z) `/(1 + k^2)`, Idmn (1QCO) `/(1 + k^2/N_g^2)`,
///   Idn (NDRX) `/(1 + k/N_g)`, InverseVariance (E8JP) `sum_{k>0} p_{x-y}(k)/k^2`.
/// * Imc1 (R8DG) `(HXY - HXY1)/max(HX, HY)` (0 when the maximum is 0); Imc2 (JN9H)
///   `sqrt(1 - exp(-2 (HXY2 - HXY)))` (0 when HXY2 = HXY).
/// * JointAverage (60VM) `mu_x`, JointEnergy (8ZQL) `sum p^2`, JointEntropy (TU9B) `HXY`.
/// * MCC (no IBSI code): square root of the second largest eigenvalue of
///   `Q(i,j) = sum_k p(i,k) p(j,k) / (p_x(i) p_y(k))`; 1 with fewer than 2 levels.
/// * MaximumProbability (GYBY, IBSI joint maximum).
/// * SumAverage (ZGXS), SumEntropy (P6QZ) over `p_{x+y}(k)`, `k = 2..2 N_g`.
/// * SumSquares (UR99, IBSI joint variance) `sum p (i - mu_x)^2`.
pub fn glcm_features(p: &[f64], values: &[f64], ng: u32, eps: f64) -> Vec<f64> {
    let n = values.len();
    let ngf = f64::from(ng);
    let mut px = vec![0.0; n];
    let mut py = vec![0.0; n];
    let (mut ux, mut uy) = (0.0, 0.0);
    let mut sum_k = vec![0.0; 2 * ng as usize + 1];
    let mut diff_k = vec![0.0; ng as usize + 1];
    let (mut autocorr, mut contrast, mut energy, mut hxy, mut maxp) = (0.0, 0.0, 0.0, 0.0, 0.0f64);
    for i in 0..n {
        for j in 0..n {
            let v = p[i * n + j];
            if v == 0.0 {
                continue;
            }
            px[i] += v;
            py[j] += v;
            ux += v * values[i];
            uy += v * values[j];
            sum_k[(values[i] + values[j]) as usize] += v;
            diff_k[(values[i] - values[j]).abs() as usize] += v;
            autocorr += v * values[i] * values[j];
            contrast += v * (values[i] - values[j]).powi(2);
            energy += v * v;
            hxy -= plogp(v, eps);
            maxp = maxp.max(v);
        }
    }
    let (mut prom, mut shade, mut tend, mut sx2, mut sy2, mut cov, mut hxy1, mut hxy2) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for i in 0..n {
        for j in 0..n {
            let v = p[i * n + j];
            let pp = px[i] * py[j];
            if pp > 0.0 {
                hxy2 -= pp * (pp + eps).log2();
            }
            if v == 0.0 {
                continue;
            }
            let c = values[i] + values[j] - ux - uy;
            prom += v * c.powi(4);
            shade += v * c.powi(3);
            tend += v * c * c;
            sx2 += v * (values[i] - ux).powi(2);
            sy2 += v * (values[j] - uy).powi(2);
            cov += v * (values[i] - ux) * (values[j] - uy);
            hxy1 -= v * (pp + eps).log2();
        }
    }
    let hx: f64 = -px.iter().map(|&v| plogp(v, eps)).sum::<f64>();
    let hy: f64 = -py.iter().map(|&v| plogp(v, eps)).sum::<f64>();
    let sxsy = sx2.sqrt() * sy2.sqrt();
    let correlation = if sxsy == 0.0 { 1.0 } else { cov / sxsy };
    let mut diff_avg = 0.0;
    let mut diff_entr = 0.0;
    let (mut id, mut idm, mut idmn, mut idn, mut inv_var) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (k, &v) in diff_k.iter().enumerate().take(ng as usize) {
        let kf = k as f64;
        diff_avg += kf * v;
        diff_entr -= plogp(v, eps);
        id += v / (1.0 + kf);
        idm += v / (1.0 + kf * kf);
        idmn += v / (1.0 + kf * kf / (ngf * ngf));
        idn += v / (1.0 + kf / ngf);
        if k > 0 {
            inv_var += v / (kf * kf);
        }
    }
    let diff_var: f64 = diff_k.iter().enumerate().map(|(k, &v)| v * (k as f64 - diff_avg).powi(2)).sum();
    let mut sum_avg = 0.0;
    let mut sum_entr = 0.0;
    for (k, &v) in sum_k.iter().enumerate().skip(2) {
        sum_avg += k as f64 * v;
        sum_entr -= plogp(v, eps);
    }
    let div = hx.max(hy);
    let imc1 = if div != 0.0 { (hxy - hxy1) / div } else { 0.0 };
    let imc2 = if hxy2 == hxy { 0.0 } else { (1.0 - (-2.0 * (hxy2 - hxy)).exp()).max(0.0).sqrt() };
    let mcc = mcc(p, &px, &py, n);
    vec![
        autocorr,
        prom,
        shade,
        tend,
        contrast,
        correlation,
        diff_avg,
        diff_entr,
        diff_var,
        id,
        idm,
        idmn,
        idn,
        imc1,
        imc2,
        inv_var,
        ux,
        energy,
        hxy,
        mcc,
        maxp,
        sum_avg,
        sum_entr,
        sx2,
    ]
}

/// Maximal correlation coefficient through the symmetric form
/// `D_x^{-1/2} P D_y^{-1} P^T D_x^{-1/2}`, which has the eigenvalues of PyRadiomics' `Q`.
fn mcc(p: &[f64], px: &[f64], py: &[f64], n: usize) -> f64 {
    if n < 2 {
        return 1.0;
    }
    let s = DMatrix::from_fn(n, n, |i, j| {
        if px[i] <= 0.0 || px[j] <= 0.0 {
            return 0.0;
        }
        let mut acc = 0.0;
        for k in 0..n {
            if py[k] > 0.0 {
                acc += p[i * n + k] * p[j * n + k] / py[k];
            }
        }
        acc / (px[i] * px[j]).sqrt()
    });
    let mut eig: Vec<f64> = SymmetricEigen::new(s).eigenvalues.iter().copied().collect();
    eig.sort_by(|a, b| a.total_cmp(b));
    eig[n - 2].max(0.0).sqrt()
}

/// Features of a run-length / size-zone / distance-zone / dependence style matrix `p`
/// (`n x m`, counts), with row grey levels `values`, column values `cols` (run length, zone size,
/// distance or dependence + 1) and `np` the number of voxels for the percentage feature
/// (`None`: use `sum p(i,j) j`, PyRadiomics' GLRLM rule). Returns, in this order:
///
/// 0 short emphasis `sum p/j^2 / N`, 1 long emphasis `sum p j^2 / N`, 2 low grey emphasis
/// `sum p/i^2 / N`, 3 high grey emphasis `sum p i^2 / N`, 4 short-low `sum p/(i^2 j^2) / N`,
/// 5 short-high `sum p i^2/j^2 / N`, 6 long-low `sum p j^2/i^2 / N`, 7 long-high
/// `sum p i^2 j^2 / N`, 8 grey non-uniformity `sum_i (sum_j p)^2 / N`, 9 normalised (`/N^2`),
/// 10 column non-uniformity `sum_j (sum_i p)^2 / N`, 11 normalised, 12 percentage `N / N_p`,
/// 13 grey variance, 14 column variance (of the normalised matrix), 15 entropy
/// `-sum p/N log2(p/N + eps)`, 16 energy `sum (p/N)^2`.
///
/// N = `sum p`. All values are NaN when the matrix is empty.
pub fn zone_features(p: &[f64], values: &[f64], cols: &[f64], np: Option<f64>, eps: f64) -> Vec<f64> {
    let n = values.len();
    let m = cols.len();
    let total: f64 = p.iter().sum();
    if total == 0.0 {
        return vec![f64::NAN; 17];
    }
    let mut pr = vec![0.0; m];
    let mut pg = vec![0.0; n];
    let mut f = [0.0f64; 8];
    let mut entropy = 0.0;
    let mut energy = 0.0;
    let mut weighted_np = 0.0;
    for i in 0..n {
        let vi2 = values[i] * values[i];
        for j in 0..m {
            let v = p[i * m + j];
            if v == 0.0 {
                continue;
            }
            let cj2 = cols[j] * cols[j];
            pr[j] += v;
            pg[i] += v;
            weighted_np += v * cols[j];
            f[0] += v / cj2;
            f[1] += v * cj2;
            f[2] += v / vi2;
            f[3] += v * vi2;
            f[4] += v / (vi2 * cj2);
            f[5] += v * vi2 / cj2;
            f[6] += v * cj2 / vi2;
            f[7] += v * vi2 * cj2;
            let q = v / total;
            entropy -= plogp(q, eps);
            energy += q * q;
        }
    }
    let glnu: f64 = pg.iter().map(|v| v * v).sum();
    let rlnu: f64 = pr.iter().map(|v| v * v).sum();
    let mu_i: f64 = pg.iter().zip(values).map(|(p, v)| p / total * v).sum();
    let mu_j: f64 = pr.iter().zip(cols).map(|(p, v)| p / total * v).sum();
    let var_i: f64 = pg.iter().zip(values).map(|(p, v)| p / total * (v - mu_i).powi(2)).sum();
    let var_j: f64 = pr.iter().zip(cols).map(|(p, v)| p / total * (v - mu_j).powi(2)).sum();
    let np = np.unwrap_or(weighted_np);
    let mut out: Vec<f64> = f.iter().map(|v| v / total).collect();
    out.extend([
        glnu / total,
        glnu / (total * total),
        rlnu / total,
        rlnu / (total * total),
        total / np,
        var_i,
        var_j,
        entropy,
        energy,
    ]);
    out
}

/// NGTDM features from per-level counts `n_i`, difference sums `s_i` and level values `v_i`
/// (rows with `n_i = 0` already removed), in the order Busyness, Coarseness, Complexity,
/// Contrast, Strength (PyRadiomics 3.x, IBSI 3.10):
///
/// * Coarseness (QCDE) `1 / sum p_i s_i`, 1e6 when the sum is 0.
/// * Contrast (65HE) `(sum_i sum_j p_i p_j (i - j)^2) / (N_gp (N_gp - 1)) * sum s_i / N_vp`,
///   0 when `N_gp = 1`.
/// * Busyness (NQ30) `sum p_i s_i / sum_i sum_j |i p_i - j p_j|`, 0 when the divisor is 0.
/// * Complexity (HDEZ) `sum_i sum_j |i - j| (p_i s_i + p_j s_j) / (p_i + p_j) / N_vp`.
/// * Strength (1X9X) `sum_i sum_j (p_i + p_j)(i - j)^2 / sum s_i`, 0 when `sum s_i = 0`.
///
/// `p_i = n_i / N_vp`, `N_vp = sum n_i` (voxels with at least one neighbour).
pub fn ngtdm_features(n_i: &[f64], s_i: &[f64], v: &[f64]) -> Vec<f64> {
    let nvp: f64 = n_i.iter().sum();
    if nvp == 0.0 {
        return vec![f64::NAN; 5];
    }
    let p: Vec<f64> = n_i.iter().map(|n| n / nvp).collect();
    let k = p.len();
    let ngp = p.iter().filter(|&&x| x > 0.0).count() as f64;
    let sum_s: f64 = s_i.iter().sum();
    let ps: f64 = p.iter().zip(s_i).map(|(a, b)| a * b).sum();
    let coarseness = if ps != 0.0 { 1.0 / ps } else { 1e6 };
    let (mut c1, mut absdiff, mut complexity, mut strength) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            if p[i] == 0.0 || p[j] == 0.0 {
                continue;
            }
            let d2 = (v[i] - v[j]).powi(2);
            c1 += p[i] * p[j] * d2;
            absdiff += (v[i] * p[i] - v[j] * p[j]).abs();
            complexity += (v[i] - v[j]).abs() * (p[i] * s_i[i] + p[j] * s_i[j]) / (p[i] + p[j]);
            strength += (p[i] + p[j]) * d2;
        }
    }
    let div = ngp * (ngp - 1.0);
    let contrast = if div == 0.0 { 0.0 } else { c1 * sum_s / nvp / div };
    let busyness = if absdiff != 0.0 { ps / absdiff } else { 0.0 };
    let strength = if sum_s != 0.0 { strength / sum_s } else { 0.0 };
    vec![busyness, coarseness, complexity / nvp, contrast, strength]
}
