//! Slow, plainly written reference constructions of the texture matrices, used by the property
//! tests to check the fast builders in [`crate::matrices`]. Each works on the full grid by brute
//! force, with a different algorithm from the fast one (all-pairs search, union-find, label
//! propagation). Matrices are indexed by grey level `1..=ng` (row `level - 1`).

#![allow(clippy::needless_range_loop)] // plain index loops are the point of this module

use crate::matrices::Offset;
use crate::roi::Discretised;

fn coords(d: &Discretised) -> Vec<([isize; 3], u32)> {
    let [nz, ny, nx] = d.dims;
    let mut out = Vec::new();
    for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                out.push(([z as isize, y as isize, x as isize], d.levels[d.index(z, y, x)]));
            }
        }
    }
    out
}

/// GLCM counts `P[(i-1) * ng + (j-1)]` for one offset: every ordered pair of ROI voxels whose
/// coordinate difference equals the offset.
pub fn glcm(d: &Discretised, offset: Offset) -> Vec<f64> {
    let ng = d.ng as usize;
    let mut p = vec![0.0; ng * ng];
    let all = coords(d);
    for (a, la) in &all {
        for (b, lb) in &all {
            if *la > 0 && *lb > 0 && (0..3).all(|k| b[k] - a[k] == offset[k]) {
                p[(*la as usize - 1) * ng + *lb as usize - 1] += 1.0;
            }
        }
    }
    p
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Components of ROI voxels linked when `linked(a, b)`, by union-find over all pairs; returns
/// (level, size) per component.
fn components(d: &Discretised, linked: impl Fn([isize; 3], [isize; 3]) -> bool) -> Vec<(u32, usize)> {
    let all = coords(d);
    let mut parent: Vec<usize> = (0..all.len()).collect();
    for i in 0..all.len() {
        for j in 0..all.len() {
            let ((a, la), (b, lb)) = (all[i], all[j]);
            if la > 0 && la == lb && linked(a, b) {
                let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                parent[ri] = rj;
            }
        }
    }
    let mut size = vec![0usize; all.len()];
    for i in 0..all.len() {
        if all[i].1 > 0 {
            let r = find(&mut parent, i);
            size[r] += 1;
        }
    }
    (0..all.len()).filter(|&i| size[i] > 0).map(|i| (all[i].1, size[i])).collect()
}

/// GLRLM counts `P[(i-1) * max_len + (len-1)]` along one direction (runs = components of
/// same-level voxels linked by the offset), `max_len` = largest grid dimension.
pub fn glrlm(d: &Discretised, offset: Offset) -> Vec<f64> {
    let ng = d.ng as usize;
    let max_len = d.dims.iter().copied().max().unwrap_or(1);
    let mut p = vec![0.0; ng * max_len];
    for (l, len) in components(d, |a, b| (0..3).all(|k| b[k] - a[k] == offset[k])) {
        p[(l as usize - 1) * max_len + len - 1] += 1.0;
    }
    p
}

/// GLSZM counts `P[(i-1) * n_voxels + (size-1)]`: zones are components linked by Chebyshev
/// distance 1 (only within a slice when `in_plane`).
pub fn glszm(d: &Discretised, in_plane: bool) -> Vec<f64> {
    let ng = d.ng as usize;
    let nv = d.levels.len();
    let mut p = vec![0.0; ng * nv];
    for (l, size) in components(d, |a, b| {
        let cheb = (0..3).map(|k| (a[k] - b[k]).abs()).max().unwrap();
        cheb == 1 && (!in_plane || a[0] == b[0])
    }) {
        p[(l as usize - 1) * nv + size - 1] += 1.0;
    }
    p
}

/// GLDM counts `P[(i-1) * (n_neighbours+1) + dependence]` with neighbours at Chebyshev distances
/// in `distances` (searched over all voxel pairs).
pub fn gldm(d: &Discretised, distances: &[usize], alpha: f64, n_neighbours: usize) -> Vec<f64> {
    let ng = d.ng as usize;
    let cols = n_neighbours + 1;
    let mut p = vec![0.0; ng * cols];
    let all = coords(d);
    for (a, la) in &all {
        if *la == 0 {
            continue;
        }
        let mut dep = 0;
        for (b, lb) in &all {
            let cheb = (0..3).map(|k| (a[k] - b[k]).unsigned_abs()).max().unwrap();
            if *lb > 0 && distances.contains(&cheb) && (f64::from(*la) - f64::from(*lb)).abs() <= alpha {
                dep += 1;
            }
        }
        p[(*la as usize - 1) * cols + dep] += 1.0;
    }
    p
}

/// NGTDM `(n_i, s_i)` per level `1..=ng` with neighbours at Chebyshev distances in `distances`.
pub fn ngtdm(d: &Discretised, distances: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let ng = d.ng as usize;
    let (mut n, mut s) = (vec![0.0; ng], vec![0.0; ng]);
    let all = coords(d);
    for (a, la) in &all {
        if *la == 0 {
            continue;
        }
        let (mut count, mut sum) = (0.0, 0.0);
        for (b, lb) in &all {
            let cheb = (0..3).map(|k| (a[k] - b[k]).unsigned_abs()).max().unwrap();
            if *lb > 0 && distances.contains(&cheb) {
                count += 1.0;
                sum += f64::from(*lb);
            }
        }
        if count > 0.0 {
            n[*la as usize - 1] += 1.0;
            s[*la as usize - 1] += (f64::from(*la) - sum / count).abs();
        }
    }
    (n, s)
}
