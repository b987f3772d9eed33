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

/// Run-length counts `P[i * max_run + (len - 1)]` along one direction, runs inside `z_range`.
/// Returns the matrix and `max_run` (the largest grid dimension).
pub fn glrlm_counts(d: &Discretised, rank: &[u32], offset: Offset, z_range: Range<usize>) -> (Vec<f64>, usize) {
    let n = d.gray_levels.len();
    let [_, ny, nx] = d.dims;
    let max_run = d.dims.iter().copied().max().unwrap_or(1);
    let mut p = vec![0u32; n * max_run];
    let inside = |z: isize, y: isize, x: isize| -> bool {
        z >= z_range.start as isize
            && z < z_range.end as isize
            && y >= 0
            && y < ny as isize
            && x >= 0
            && x < nx as isize
    };
    for z in z_range.clone() {
        for y in 0..ny {
            for x in 0..nx {
                let i = (z * ny + y) * nx + x;
                let l = d.levels[i];
                if l == 0 {
                    continue;
                }
                // Run start: the previous voxel along the direction is outside or different.
                let (pz, py, px) = (z as isize - offset[0], y as isize - offset[1], x as isize - offset[2]);
                if inside(pz, py, px) && d.levels[((pz as usize) * ny + py as usize) * nx + px as usize] == l {
                    continue;
                }
                let mut len = 1usize;
                let (mut cz, mut cy, mut cx) = (z as isize + offset[0], y as isize + offset[1], x as isize + offset[2]);
                while inside(cz, cy, cx) && d.levels[((cz as usize) * ny + cy as usize) * nx + cx as usize] == l {
                    len += 1;
                    cz += offset[0];
                    cy += offset[1];
                    cx += offset[2];
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
                while let Some((cz, cy, cx)) = stack.pop() {
                    size += 1;
                    if let Some(dist) = &dist {
                        min_d = min_d.min(dist[(cz * ny + cy) * nx + cx]);
                    }
                    for o in &offsets {
                        let (qz, qy, qx) = (cz as isize + o[0], cy as isize + o[1], cx as isize + o[2]);
                        if qz < z_range.start as isize
                            || qz >= z_range.end as isize
                            || qy < 0
                            || qy >= ny as isize
                            || qx < 0
                            || qx >= nx as isize
                        {
                            continue;
                        }
                        let j = ((qz as usize) * ny + qy as usize) * nx + qx as usize;
                        if !seen[j] && d.levels[j] == l {
                            seen[j] = true;
                            stack.push((qz as usize, qy as usize, qx as usize));
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
    let mut dist = vec![u32::MAX; d.levels.len()];
    let mut queue = std::collections::VecDeque::new();
    for z in z_range.clone() {
        for y in 0..ny {
            for x in 0..nx {
                let i = (z * ny + y) * nx + x;
                if d.levels[i] == 0 {
                    continue;
                }
                let border = faces.iter().any(|o| {
                    let (qz, qy, qx) = (z as isize + o[0], y as isize + o[1], x as isize + o[2]);
                    qz < z_range.start as isize
                        || qz >= z_range.end as isize
                        || qy < 0
                        || qy >= ny as isize
                        || qx < 0
                        || qx >= nx as isize
                        || d.levels[((qz as usize) * ny + qy as usize) * nx + qx as usize] == 0
                });
                if border {
                    dist[i] = 1;
                    queue.push_back((z, y, x));
                }
            }
        }
    }
    while let Some((z, y, x)) = queue.pop_front() {
        let here = dist[(z * ny + y) * nx + x];
        for o in &faces {
            let (qz, qy, qx) = (z as isize + o[0], y as isize + o[1], x as isize + o[2]);
            if qz < z_range.start as isize
                || qz >= z_range.end as isize
                || qy < 0
                || qy >= ny as isize
                || qx < 0
                || qx >= nx as isize
            {
                continue;
            }
            let j = ((qz as usize) * ny + qy as usize) * nx + qx as usize;
            if d.levels[j] != 0 && dist[j] > here + 1 {
                dist[j] = here + 1;
                queue.push_back((qz as usize, qy as usize, qx as usize));
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
    let mut out = Vec::new();
    for z in z_range.clone() {
        for y in 0..ny {
            for x in 0..nx {
                let i = (z * ny + y) * nx + x;
                let l = d.levels[i];
                if l == 0 {
                    continue;
                }
                let (mut count, mut dep, mut sum) = (0u32, 0u32, 0f64);
                for o in offsets {
                    let (qz, qy, qx) = (z as isize + o[0], y as isize + o[1], x as isize + o[2]);
                    if qz < z_range.start as isize
                        || qz >= z_range.end as isize
                        || qy < 0
                        || qy >= ny as isize
                        || qx < 0
                        || qx >= nx as isize
                    {
                        continue;
                    }
                    let lj = d.levels[((qz as usize) * ny + qy as usize) * nx + qx as usize];
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
