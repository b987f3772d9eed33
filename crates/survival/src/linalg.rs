//! Small dense symmetric positive-definite systems (Newton steps of Cox fits, log-rank
//! variance matrices): a Cholesky factorisation with a pivot tolerance, written out because the
//! systems are p x p with p rarely above a few dozen.

/// Square matrix stored row-major.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SymMatrix {
    pub n: usize,
    pub a: Vec<f64>,
}

impl SymMatrix {
    pub fn zeros(n: usize) -> Self {
        Self { n, a: vec![0.0; n * n] }
    }
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.n + j]
    }
    #[inline]
    pub fn set(&mut self, i: usize, j: usize, v: f64) {
        self.a[i * self.n + j] = v;
    }
    pub fn to_rows(&self) -> Vec<Vec<f64>> {
        self.a.chunks(self.n.max(1)).map(<[f64]>::to_vec).collect()
    }
}

/// Lower Cholesky factor L with A = L L'.
pub(crate) struct Cholesky {
    l: SymMatrix,
}

/// The pivot that failed: index of the column that is (numerically) a combination of the
/// previous ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NotPositiveDefinite {
    pub column: usize,
}

impl Cholesky {
    /// Factorises `a`; a pivot below `tol` times the largest diagonal entry counts as zero
    /// (R's `coxph.control(toler.chol)` plays the same role; its default is about 1.8e-12).
    pub fn new(a: &SymMatrix, tol: f64) -> Result<Self, NotPositiveDefinite> {
        let n = a.n;
        let mut l = SymMatrix::zeros(n);
        let max_diag = (0..n).map(|i| a.get(i, i).abs()).fold(0.0, f64::max);
        let eps = tol * max_diag.max(f64::MIN_POSITIVE);
        for j in 0..n {
            let mut d = a.get(j, j);
            for k in 0..j {
                d -= l.get(j, k) * l.get(j, k);
            }
            if !(d > eps) {
                return Err(NotPositiveDefinite { column: j });
            }
            let djj = d.sqrt();
            l.set(j, j, djj);
            for i in j + 1..n {
                let mut s = a.get(i, j);
                for k in 0..j {
                    s -= l.get(i, k) * l.get(j, k);
                }
                l.set(i, j, s / djj);
            }
        }
        Ok(Self { l })
    }

    /// Solves A x = b.
    pub fn solve(&self, b: &[f64]) -> Vec<f64> {
        let n = self.l.n;
        let mut y = b.to_vec();
        for i in 0..n {
            let mut s = y[i];
            for k in 0..i {
                s -= self.l.get(i, k) * y[k];
            }
            y[i] = s / self.l.get(i, i);
        }
        for i in (0..n).rev() {
            let mut s = y[i];
            for k in i + 1..n {
                s -= self.l.get(k, i) * y[k];
            }
            y[i] = s / self.l.get(i, i);
        }
        y
    }

    /// A^-1.
    pub fn inverse(&self) -> SymMatrix {
        let n = self.l.n;
        let mut inv = SymMatrix::zeros(n);
        let mut e = vec![0.0; n];
        for j in 0..n {
            e.iter_mut().for_each(|v| *v = 0.0);
            e[j] = 1.0;
            let col = self.solve(&e);
            for i in 0..n {
                inv.set(i, j, col[i]);
            }
        }
        inv
    }
}

/// x' A^-1 x through the factor.
pub(crate) fn quadratic_form_inverse(ch: &Cholesky, x: &[f64]) -> f64 {
    let s = ch.solve(x);
    s.iter().zip(x).map(|(a, b)| a * b).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_and_inverts_a_spd_matrix() {
        let a = SymMatrix { n: 3, a: vec![4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0] };
        let ch = Cholesky::new(&a, 1e-12).unwrap();
        let x = ch.solve(&[1.0, 2.0, 3.0]);
        for i in 0..3 {
            let r: f64 = (0..3).map(|j| a.get(i, j) * x[j]).sum();
            assert!((r - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
        let inv = ch.inverse();
        for i in 0..3 {
            for j in 0..3 {
                let r: f64 = (0..3).map(|k| a.get(i, k) * inv.get(k, j)).sum();
                assert!((r - f64::from(u8::from(i == j))).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn cholesky_reports_the_dependent_column() {
        let a = SymMatrix { n: 3, a: vec![1.0, 2.0, 0.0, 2.0, 4.0, 0.0, 0.0, 0.0, 1.0] };
        assert_eq!(Cholesky::new(&a, 1e-10).err(), Some(NotPositiveDefinite { column: 1 }));
    }
}
