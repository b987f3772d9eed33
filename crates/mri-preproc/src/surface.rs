//! Deformable brain surface (the model of Smith's BET, Hum Brain Mapp 2002;17:143-155): a
//! tessellated sphere grown from inside the brain until it rests on the brain's edge, kept
//! smooth by a curvature-dependent force, then filled to give a mask.
//!
//! Coordinates are "scaled index" coordinates, `(i sx, j sy, k sz)` in mm: they differ from
//! physical space by a rotation and a shift only, so distances and normals are physical.

use ndarray::Array3;
use rayon::prelude::*;

/// Parameters of the surface model (lengths in mm, intensities in image units).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SurfaceFit {
    /// Robust low intensity (BET's t2: the 2nd percentile of the image).
    pub t2: f64,
    /// Brain/background threshold (BET's t).
    pub t: f64,
    /// Median brain intensity (BET's tm).
    pub tm: f64,
    /// Fractional intensity threshold (BET's b_t, 0.5 by default; smaller grows the surface).
    pub fraction: f64,
    /// Number of deformation steps.
    pub iterations: usize,
    /// Inward search depth for the minimum intensity (BET's d1, 20 mm).
    pub search_mm: f64,
    /// Factor on BET's curvature radii during the second half of the steps.
    pub stiffening: f64,
    /// Factor on BET's curvature radii for heads smaller than an adult's (1 for adults).
    pub size_scale: f64,
}

/// A closed triangle mesh with its vertex adjacency.
pub(crate) struct Mesh {
    pub vertices: Vec<[f64; 3]>,
    pub faces: Vec<[usize; 3]>,
    neighbours: Vec<Vec<usize>>,
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn normalise(a: [f64; 3]) -> [f64; 3] {
    let n = dot(a, a).sqrt();
    if n > 0.0 { [a[0] / n, a[1] / n, a[2] / n] } else { a }
}

impl Mesh {
    /// Unit icosphere subdivided `levels` times (10 * 4^levels + 2 vertices), faces oriented
    /// with outward normals, scaled by `radius` and moved to `centre`.
    pub fn sphere(levels: usize, centre: [f64; 3], radius: f64) -> Self {
        let g = (1.0 + 5f64.sqrt()) / 2.0;
        let mut vertices: Vec<[f64; 3]> = [
            [-1.0, g, 0.0],
            [1.0, g, 0.0],
            [-1.0, -g, 0.0],
            [1.0, -g, 0.0],
            [0.0, -1.0, g],
            [0.0, 1.0, g],
            [0.0, -1.0, -g],
            [0.0, 1.0, -g],
            [g, 0.0, -1.0],
            [g, 0.0, 1.0],
            [-g, 0.0, -1.0],
            [-g, 0.0, 1.0],
        ]
        .into_iter()
        .map(normalise)
        .collect();

        let mut faces: Vec<[usize; 3]> = vec![
            [0, 11, 5],
            [0, 5, 1],
            [0, 1, 7],
            [0, 7, 10],
            [0, 10, 11],
            [1, 5, 9],
            [5, 11, 4],
            [11, 10, 2],
            [10, 7, 6],
            [7, 1, 8],
            [3, 9, 4],
            [3, 4, 2],
            [3, 2, 6],
            [3, 6, 8],
            [3, 8, 9],
            [4, 9, 5],
            [2, 4, 11],
            [6, 2, 10],
            [8, 6, 7],
            [9, 8, 1],
        ];

        // Each subdivision splits every triangle into four at its edge midpoints.
        for _ in 0..levels {
            let mut midpoints = std::collections::HashMap::new();
            let mut midpoint = |a: usize, b: usize, vertices: &mut Vec<[f64; 3]>| {
                *midpoints.entry((a.min(b), a.max(b))).or_insert_with(|| {
                    let (p, q) = (vertices[a], vertices[b]);
                    vertices.push(normalise([p[0] + q[0], p[1] + q[1], p[2] + q[2]]));
                    vertices.len() - 1
                })
            };
            let mut next = Vec::with_capacity(faces.len() * 4);
            for [a, b, c] in faces {
                let ab = midpoint(a, b, &mut vertices);
                let bc = midpoint(b, c, &mut vertices);
                let ca = midpoint(c, a, &mut vertices);
                next.extend([[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]);
            }
            faces = next;
        }

        for f in &mut faces {
            let n = cross(sub(vertices[f[1]], vertices[f[0]]), sub(vertices[f[2]], vertices[f[0]]));
            if dot(n, vertices[f[0]]) < 0.0 {
                f.swap(1, 2);
            }
        }

        let mut neighbours = vec![Vec::new(); vertices.len()];
        for f in &faces {
            for e in 0..3 {
                let (a, b) = (f[e], f[(e + 1) % 3]);
                if !neighbours[a].contains(&b) {
                    neighbours[a].push(b);
                }
                if !neighbours[b].contains(&a) {
                    neighbours[b].push(a);
                }
            }
        }

        for v in &mut vertices {
            *v = [centre[0] + radius * v[0], centre[1] + radius * v[1], centre[2] + radius * v[2]];
        }
        Self { vertices, faces, neighbours }
    }

    /// Outward unit normal at each vertex: the normalised sum of its faces' area vectors.
    fn normals(&self) -> Vec<[f64; 3]> {
        let mut n = vec![[0.0; 3]; self.vertices.len()];
        for f in &self.faces {
            let [a, b, c] = f.map(|i| self.vertices[i]);
            let area = cross(sub(b, a), sub(c, a));
            for &i in f {
                for d in 0..3 {
                    n[i][d] += area[d];
                }
            }
        }
        n.into_iter().map(normalise).collect()
    }

    /// Mean edge length (BET's l).
    fn mean_edge(&self) -> f64 {
        let (mut sum, mut count) = (0.0, 0usize);
        for (a, ns) in self.neighbours.iter().enumerate() {
            for &b in ns {
                let d = sub(self.vertices[a], self.vertices[b]);
                sum += dot(d, d).sqrt();
                count += 1;
            }
        }
        sum / count.max(1) as f64
    }

    /// Deforms the surface on `image` (BET's three update terms: tangential smoothing, normal
    /// smoothing weighted by local curvature, and the intensity term).
    pub fn deform(&mut self, image: &Array3<f32>, spacing: [f64; 3], p: &SurfaceFit) {
        // Curvature weighting: a radius of curvature below r_min is smoothed fully, one above
        // r_max hardly at all (BET's f2 with r_min = 3.33 mm, r_max = 10 mm). In the second
        // half both radii are multiplied by `stiffening`.
        let sampler = Sampler { image, spacing };
        for it in 0..p.iterations {
            let scale = if it < p.iterations / 2 { 1.0 } else { p.stiffening };
            let (r_min, r_max) = (3.33 * scale * p.size_scale, 10.0 * scale * p.size_scale);
            let e = (1.0 / r_min + 1.0 / r_max) / 2.0;
            let f = 6.0 / (1.0 / r_min - 1.0 / r_max);
            let normals = self.normals();
            let l = self.mean_edge();
            let moves: Vec<[f64; 3]> = (0..self.vertices.len())
                .into_par_iter()
                .map(|i| {
                    let v = self.vertices[i];
                    let n = normals[i];
                    let ns = &self.neighbours[i];
                    let mut mean = [0.0; 3];
                    for &j in ns {
                        for (m, x) in mean.iter_mut().zip(self.vertices[j]) {
                            *m += x / ns.len() as f64;
                        }
                    }
                    let s = sub(mean, v);
                    let sn_len = dot(s, n);
                    let sn = [sn_len * n[0], sn_len * n[1], sn_len * n[2]];
                    let st = sub(s, sn);
                    let inv_r = 2.0 * sn_len.abs() / (l * l);
                    let f2 = (1.0 + (f * (inv_r - e)).tanh()) / 2.0;
                    // Intensity term: minimum along the inward normal to search_mm, maximum
                    // to half of it, both clamped to [t2, tm].
                    let (mut i_min, mut i_max) = (p.tm, p.t);
                    let steps = p.search_mm.floor() as usize;
                    for step in 0..=steps {
                        let d = step as f64;
                        let q = [v[0] - d * n[0], v[1] - d * n[1], v[2] - d * n[2]];
                        let value = sampler.at(q);
                        i_min = i_min.min(value);
                        if d <= p.search_mm / 2.0 {
                            i_max = i_max.max(value);
                        }
                    }
                    let i_min = i_min.max(p.t2);
                    let i_max = i_max.min(p.tm);
                    let tl = (i_max - p.t2) * p.fraction + p.t2;
                    let fl = if i_max > p.t2 { 2.0 * (i_min - tl) / (i_max - p.t2) } else { -1.0 };
                    let u3 = 0.05 * fl * l;
                    let mut m = [0.0; 3];
                    for d in 0..3 {
                        m[d] = 0.5 * st[d] + f2 * sn[d] + u3 * n[d];
                    }
                    m
                })
                .collect();
            for (v, m) in self.vertices.iter_mut().zip(moves) {
                for d in 0..3 {
                    v[d] += m[d];
                }
            }
        }
    }

    /// Voxels whose centres lie inside the surface (even-odd rule along each row of each
    /// axial slice), on a grid of `dim = (nz, ny, nx)` with `spacing`.
    pub fn fill(&self, dim: (usize, usize, usize), spacing: [f64; 3]) -> Array3<bool> {
        let (nz, ny, nx) = dim;
        let mut out = Array3::from_elem(dim, false);
        let slices: Vec<Vec<(usize, usize)>> = (0..nz)
            .into_par_iter()
            .map(|k| {
                // A tiny offset keeps the planes off vertices, so every crossing is counted once.
                let z = k as f64 * spacing[2] + 1e-7;
                let mut segments = Vec::new();
                for f in &self.faces {
                    let pts = f.map(|i| self.vertices[i]);
                    let mut ends = Vec::with_capacity(2);
                    for e in 0..3 {
                        let (a, b) = (pts[e], pts[(e + 1) % 3]);
                        if (a[2] < z) != (b[2] < z) {
                            let t = (z - a[2]) / (b[2] - a[2]);
                            ends.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
                        }
                    }
                    if ends.len() == 2 {
                        segments.push([ends[0], ends[1]]);
                    }
                }
                let mut inside = Vec::new();
                let mut xs = Vec::new();
                for j in 0..ny {
                    let y = j as f64 * spacing[1] + 1e-7;
                    xs.clear();
                    for [a, b] in &segments {
                        if (a[1] < y) != (b[1] < y) {
                            xs.push(a[0] + (y - a[1]) / (b[1] - a[1]) * (b[0] - a[0]));
                        }
                    }
                    xs.sort_unstable_by(f64::total_cmp);
                    for pair in xs.chunks_exact(2) {
                        let lo = (pair[0] / spacing[0]).ceil().max(0.0) as usize;
                        let hi = (pair[1] / spacing[0]).floor();
                        if hi < 0.0 {
                            continue;
                        }
                        for i in lo..=(hi as usize).min(nx.saturating_sub(1)) {
                            inside.push((j, i));
                        }
                    }
                }
                inside
            })
            .collect();
        for (k, inside) in slices.into_iter().enumerate() {
            for (j, i) in inside {
                out[[k, j, i]] = true;
            }
        }
        out
    }
}

/// Trilinear interpolation in scaled index coordinates; zero outside the image.
struct Sampler<'a> {
    image: &'a Array3<f32>,
    spacing: [f64; 3],
}

impl Sampler<'_> {
    fn at(&self, q: [f64; 3]) -> f64 {
        let (nz, ny, nx) = self.image.dim();
        let u = [q[0] / self.spacing[0], q[1] / self.spacing[1], q[2] / self.spacing[2]];
        let size = [nx, ny, nz];
        let mut base = [0usize; 3];
        let mut frac = [0.0; 3];
        for a in 0..3 {
            if !(u[a] >= 0.0 && u[a] <= (size[a] - 1) as f64) {
                return 0.0;
            }
            let b = (u[a].floor() as usize).min(size[a].saturating_sub(2));
            base[a] = b;
            frac[a] = if size[a] > 1 { u[a] - b as f64 } else { 0.0 };
        }
        let mut value = 0.0;
        for corner in 0..8 {
            let mut w = 1.0;
            let mut idx = [0usize; 3];
            for a in 0..3 {
                let up = corner >> a & 1 == 1;
                let step = usize::from(up && size[a] > 1);
                idx[a] = base[a] + step;
                w *= if up { frac[a] } else { 1.0 - frac[a] };
            }
            if w > 0.0 {
                value += w * self.image[[idx[2], idx[1], idx[0]]] as f64;
            }
        }
        value
    }
}
