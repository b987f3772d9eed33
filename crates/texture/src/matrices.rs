//! Fast construction of the texture matrices (GLCM, GLRLM, GLSZM, GLDM/NGLDM, NGTDM, GLDZM).
//!
//! Every matrix is indexed by the *rank* of a grey level among the levels present in the ROI
//! (PyRadiomics deletes the rows of absent levels; features use the actual level values through
//! [`Discretised::gray_levels`]). All builders take a slab `z_range` of the grid so that the IBSI
//! 2-D aggregation can build one matrix per slice; offsets are `[dz, dy, dx]`.

use std::ops::Range;

use crate::roi::Discretised;

/// A neighbour offset `[dz, dy, dx]`.
pub type Offset = [isize; 3];

/// The unique directions (one of each `±` pair) whose Chebyshev length is in `distances`, in
/// PyRadiomics' order: offsets enumerated with z slowest over `-d..=d`, the first half kept (the
/// first non-zero component is negative). `in_plane` keeps only `dz = 0`.
pub fn directions(distances: &[usize], in_plane: bool) -> Vec<Offset> {
    let max = distances.iter().copied().max().unwrap_or(1) as isize;
    let mut out = Vec::new();
    for dz in -max..=max {
        for dy in -max..=max {
            for dx in -max..=max {
                if in_plane && dz != 0 {
                    continue;
                }
                let norm = dz.abs().max(dy.abs()).max(dx.abs()) as usize;
                if norm == 0 || !distances.contains(&norm) {
                    continue;
                }
                let first = if dz != 0 {
                    dz
                } else if dy != 0 {
                    dy
                } else {
                    dx
                };
                if first < 0 {
                    out.push([dz, dy, dx]);
                }
            }
        }
    }
    out
}

/// Every neighbour offset (both signs) with Chebyshev length in `distances`.
pub fn neighbourhood(distances: &[usize], in_plane: bool) -> Vec<Offset> {
    let half = directions(distances, in_plane);
    let mut all: Vec<Offset> = half.iter().map(|o| [-o[0], -o[1], -o[2]]).collect();
    all.extend(half);
    all
}

/// Range of the coordinate `c` such that both `c` and `c + d` lie in `0..n`, restricted to `r`.
#[inline]
fn valid(r: Range<usize>, d: isize, n: usize) -> Range<usize> {
    let lo = if d < 0 { r.start.max((-d) as usize) } else { r.start };
    let hi = if d > 0 { r.end.min(n.saturating_sub(d as usize)) } else { r.end };
    lo..hi.max(lo)
}

/// The slices `z_start..z_end` of a grid with `ny x nx` planes: the part of the volume one matrix
/// is built from.
#[derive(Clone, Copy)]
struct Slab {
    z_start: isize,
    z_end: isize,
    ny: usize,
    nx: usize,
}

impl Slab {
    fn new(d: &Discretised, z: Range<usize>) -> Self {
        Slab { z_start: z.start as isize, z_end: z.end as isize, ny: d.dims[1], nx: d.dims[2] }
    }

    /// Flat index of voxel `(z, y, x)` in the whole grid.
    #[inline(always)]
    fn index(self, (z, y, x): (usize, usize, usize)) -> usize {
        (z * self.ny + y) * self.nx + x
    }

    /// Coordinates of voxel `(z, y, x) + offset`, or `None` when they fall outside the slab.
    #[inline(always)]
    fn neighbour(self, (z, y, x): (usize, usize, usize), offset: Offset) -> Option<(usize, usize, usize)> {
        let (qz, qy, qx) = (z as isize + offset[0], y as isize + offset[1], x as isize + offset[2]);
        if qz < self.z_start || qz >= self.z_end || qy < 0 || qy >= self.ny as isize || qx < 0 || qx >= self.nx as isize
        {
            return None;
        }
        Some((qz as usize, qy as usize, qx as usize))
    }
}

/// Co-occurrence counts `P[i * n + j]` (not symmetrised) for one direction: pairs (voxel, voxel
/// + offset), both in the ROI, with the first voxel's z in `z_range` and the second's too.
pub fn glcm_counts(d: &Discretised, rank: &[u32], offset: Offset, z_range: Range<usize>) -> Vec<f64> {
    let n = d.gray_levels.len();
    let [nz, ny, nx] = d.dims;
    let mut p = vec![0u32; n * n];
    let (zs, ze) = (z_range.start as isize, z_range.end.min(nz) as isize);
    let (zlo, zhi) = (zs.max(zs - offset[0]), ze.min(ze - offset[0]));
    let zr = (zlo.max(0) as usize)..(zhi.max(zlo).max(0) as usize);
    let yr = valid(0..ny, offset[1], ny);
    let xr = valid(0..nx, offset[2], nx);
    let step = (offset[0] * (ny * nx) as isize) + offset[1] * nx as isize + offset[2];
    for z in zr {
        for y in yr.clone() {
            let row = (z * ny + y) * nx;
            for x in xr.clone() {
                let i = row + x;
                let li = d.levels[i];
                if li == 0 {
                    continue;
                }
                let lj = d.levels[(i as isize + step) as usize];
                if lj == 0 {
                    continue;
                }
                p[rank[li as usize] as usize * n + rank[lj as usize] as usize] += 1;
            }
        }
    }
    p.into_iter().map(f64::from).collect()
}

/// Adds the transpose to an `n x n` co-occurrence matrix, which counts each pair in both orders
/// (the symmetric GLCM of PyRadiomics and IBSI).
pub fn symmetrise(m: &mut [f64], n: usize) {
    for i in 0..n {
        for j in i..n {
            let s = m[i * n + j] + m[j * n + i];
            m[i * n + j] = s;
            m[j * n + i] = s;
        }
    }
}

/// Run-length counts `P[i * max_run + (len - 1)]` along one direction, runs inside `z_range`.
/// Returns the matrix and `max_run` (the largest grid dimension).
pub fn glrlm_counts(d: &Discretised, rank: &[u32], offset: Offset, z_range: Range<usize>) -> (Vec<f64>, usize) {
    let n = d.gray_levels.len();
    let [_, ny, nx] = d.dims;
    let max_run = d.dims.iter().copied().max().unwrap_or(1);
    let mut p = vec![0u32; n * max_run];
    let slab = Slab::new(d, z_range.clone());
    let back = [-offset[0], -offset[1], -offset[2]];
    for z in z_range.clone() {
        for y in 0..ny {
            for x in 0..nx {
                let here = (z, y, x);
                let l = d.levels[slab.index(here)];
                if l == 0 {
                    continue;
                }
                // Run start: the previous voxel along the direction is outside or different.
                if slab.neighbour(here, back).is_some_and(|q| d.levels[slab.index(q)] == l) {
                    continue;
                }
                let mut len = 1usize;
                let mut current = here;
                while let Some(next) = slab.neighbour(current, offset) {
                    if d.levels[slab.index(next)] != l {
                        break;
                    }
                    len += 1;
                    current = next;
                }
                p[rank[l as usize] as usize * max_run + len - 1] += 1;
            }
        }
    }
    (p.into_iter().map(f64::from).collect(), max_run)
}

/// Connected zones of equal level inside `z_range` (26-connected, or 8-connected in-plane when
/// `in_plane`). Returns `(rank, size, min distance to the ROI border)` per zone; the distance is
/// computed only when `with_distance` (IBSI GLDZM, 6-connected taxicab distance to a voxel
/// outside the ROI or the grid, 4-connected in-plane for 2-D).
pub fn zones(
    d: &Discretised,
    rank: &[u32],
    z_range: Range<usize>,
    in_plane: bool,
    with_distance: bool,
) -> Vec<(u32, usize, u32)> {
    let [_, ny, nx] = d.dims;
    let offsets = neighbourhood(&[1], in_plane);
    let slab = Slab::new(d, z_range.clone());
    let dist = if with_distance { Some(border_distance(d, z_range.clone(), in_plane)) } else { None };
    let mut seen = vec![false; d.levels.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for z in z_range.clone() {
        for y in 0..ny {
            for x in 0..nx {
                let i = (z * ny + y) * nx + x;
                let l = d.levels[i];
                if l == 0 || seen[i] {
                    continue;
                }
                seen[i] = true;
                stack.push((z, y, x));
                let mut size = 0usize;
                let mut min_d = u32::MAX;
                while let Some(current) = stack.pop() {
                    size += 1;
                    if let Some(dist) = &dist {
                        min_d = min_d.min(dist[slab.index(current)]);
                    }
                    for &o in &offsets {
                        let Some(q) = slab.neighbour(current, o) else {
                            continue;
                        };
                        let j = slab.index(q);
                        if !seen[j] && d.levels[j] == l {
                            seen[j] = true;
                            stack.push(q);
                        }
                    }
                }
                out.push((rank[l as usize], size, min_d));
            }
        }
    }
    out
}

/// IBSI distance to the ROI edge: for each ROI voxel, the smallest number of face-connected steps
/// (6-connected, 4 in-plane) to reach a voxel outside the ROI or outside the grid; border voxels
/// have distance 1.
pub fn border_distance(d: &Discretised, z_range: Range<usize>, in_plane: bool) -> Vec<u32> {
    let [_, ny, nx] = d.dims;
    let faces: Vec<Offset> = if in_plane {
        vec![[0, -1, 0], [0, 1, 0], [0, 0, -1], [0, 0, 1]]
    } else {
        vec![[-1, 0, 0], [1, 0, 0], [0, -1, 0], [0, 1, 0], [0, 0, -1], [0, 0, 1]]
    };
    let slab = Slab::new(d, z_range.clone());
    let mut dist = vec![u32::MAX; d.levels.len()];
    let mut queue = std::collections::VecDeque::new();
    for z in z_range.clone() {
        for y in 0..ny {
            for x in 0..nx {
                let i = slab.index((z, y, x));
                if d.levels[i] == 0 {
                    continue;
                }
                let border =
                    faces.iter().any(|&o| slab.neighbour((z, y, x), o).is_none_or(|q| d.levels[slab.index(q)] == 0));
                if border {
                    dist[i] = 1;
                    queue.push_back((z, y, x));
                }
            }
        }
    }
    while let Some(current) = queue.pop_front() {
        let here = dist[slab.index(current)];
        for &o in &faces {
            let Some(q) = slab.neighbour(current, o) else {
                continue;
            };
            let j = slab.index(q);
            if d.levels[j] != 0 && dist[j] > here + 1 {
                dist[j] = here + 1;
                queue.push_back(q);
            }
        }
    }
    dist
}

/// Per ROI voxel in `z_range`: its rank, the number of neighbours in the ROI (`offsets`), the
/// number of those whose level differs by at most `alpha` (the dependence), and the sum of the
/// neighbours' levels. Feeds GLDM/NGLDM and NGTDM.
pub fn neighbour_stats(
    d: &Discretised,
    rank: &[u32],
    offsets: &[Offset],
    z_range: Range<usize>,
    alpha: f64,
) -> Vec<(u32, u32, u32, f64)> {
    let [_, ny, nx] = d.dims;
    let slab = Slab::new(d, z_range.clone());
    let mut out = Vec::new();
    for z in z_range.clone() {
        for y in 0..ny {
            for x in 0..nx {
                let l = d.levels[slab.index((z, y, x))];
                if l == 0 {
                    continue;
                }
                let (mut count, mut dep, mut sum) = (0u32, 0u32, 0f64);
                for &o in offsets {
                    let Some(q) = slab.neighbour((z, y, x), o) else {
                        continue;
                    };
                    let lj = d.levels[slab.index(q)];
                    if lj == 0 {
                        continue;
                    }
                    count += 1;
                    sum += f64::from(lj);
                    if (f64::from(lj) - f64::from(l)).abs() <= alpha {
                        dep += 1;
                    }
                }
                out.push((rank[l as usize], count, dep, sum));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_directions() {
        let d = directions(&[1], false);
        assert_eq!(d.len(), 13);
        assert_eq!(d[0], [-1, -1, -1]);
        assert_eq!(d[12], [0, 0, -1]);
        assert_eq!(directions(&[1], true).len(), 4);
        assert_eq!(directions(&[2], false).len(), 49);
        assert_eq!(neighbourhood(&[1], false).len(), 26);
    }
}
