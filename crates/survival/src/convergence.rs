//! Convergence reports shared by every iterative fit.

/// Why an iterative fit stopped.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Termination {
    /// The convergence criterion was met.
    Converged,
    /// The iteration limit was reached before the criterion was met.
    MaxIterations,
    /// The likelihood converged while some coefficients still move towards infinity
    /// (monotone likelihood, caused by perfect or quasi-perfect separation). The indices are
    /// columns of the covariate matrix.
    MonotoneLikelihood {
        /// Columns whose coefficients diverge.
        columns: Vec<usize>,
    },
}

/// Convergence report of an iterative fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Convergence {
    /// Iterations performed (Newton steps, or outer coordinate-descent passes).
    pub iterations: usize,
    /// The last value of the convergence measure (its definition is documented by each fit).
    pub final_change: f64,
    /// Why the fit stopped.
    pub termination: Termination,
}

impl Convergence {
    /// Whether the fit met its convergence criterion with finite estimates.
    pub fn converged(&self) -> bool {
        self.termination == Termination::Converged
    }
}
