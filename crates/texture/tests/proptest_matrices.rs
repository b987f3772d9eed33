//! The fast matrix builders against the slow reference constructions on random small volumes.

use proptest::prelude::*;
use radiomics_texture::matrices::{self, directions, neighbourhood};
use radiomics_texture::reference;
use radiomics_texture::roi::Discretised;

fn volume() -> impl Strategy<Value = Discretised> {
    (1usize..5, 1usize..5, 1usize..6).prop_flat_map(|(nz, ny, nx)| {
        proptest::collection::vec(0u32..5, nz * ny * nx).prop_map(move |mut levels| {
            if levels.iter().all(|&l| l == 0) {
                levels[0] = 1;
            }
            Discretised::from_levels([nz, ny, nx], [1.0, 0.8, 0.7], levels)
        })
    })
}

/// Expands a rank-indexed matrix (`rows = present levels`) to level-indexed rows `1..=ng`.
fn by_level(d: &Discretised, m: &[f64], cols: usize) -> Vec<f64> {
    let mut out = vec![0.0; d.ng as usize * cols];
    for (r, &g) in d.gray_levels.iter().enumerate() {
        out[(g as usize - 1) * cols..g as usize * cols].copy_from_slice(&m[r * cols..(r + 1) * cols]);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn glcm_matches_reference(d in volume(), dist in 1usize..3) {
        let rank = d.rank_of_level();
        let n = d.gray_levels.len();
        for o in directions(&[dist], false) {
            let fast = matrices::glcm_counts(&d, &rank, o, 0..d.dims[0]);
            // Expand both axes to levels.
            let ng = d.ng as usize;
            let mut full = vec![0.0; ng * ng];
            for i in 0..n {
                for j in 0..n {
                    full[(d.gray_levels[i] as usize - 1) * ng + d.gray_levels[j] as usize - 1] = fast[i * n + j];
                }
            }
            prop_assert_eq!(full, reference::glcm(&d, o), "offset {:?}", o);
        }
    }

    #[test]
    fn glrlm_matches_reference(d in volume()) {
        let rank = d.rank_of_level();
        for o in directions(&[1], false) {
            let (fast, max_run) = matrices::glrlm_counts(&d, &rank, o, 0..d.dims[0]);
            prop_assert_eq!(by_level(&d, &fast, max_run), reference::glrlm(&d, o), "offset {:?}", o);
        }
    }

    #[test]
    fn glszm_matches_reference(d in volume(), in_plane in any::<bool>()) {
        let rank = d.rank_of_level();
        let nv = d.levels.len();
        let mut fast = vec![0.0; d.gray_levels.len() * nv];
        for (r, size, _) in matrices::zones(&d, &rank, 0..d.dims[0], in_plane, false) {
            fast[r as usize * nv + size - 1] += 1.0;
        }
        prop_assert_eq!(by_level(&d, &fast, nv), reference::glszm(&d, in_plane));
    }

    #[test]
    fn gldm_and_ngtdm_match_reference(d in volume(), dist in 1usize..3, alpha in 0u32..2) {
        let rank = d.rank_of_level();
        let offsets = neighbourhood(&[dist], false);
        let stats = matrices::neighbour_stats(&d, &rank, &offsets, 0..d.dims[0], f64::from(alpha));
        let cols = offsets.len() + 1;
        let mut fast = vec![0.0; d.gray_levels.len() * cols];
        for (r, _, dep, _) in &stats {
            fast[*r as usize * cols + *dep as usize] += 1.0;
        }
        prop_assert_eq!(by_level(&d, &fast, cols), reference::gldm(&d, &[dist], f64::from(alpha), offsets.len()));

        let (n_ref, s_ref) = reference::ngtdm(&d, &[dist]);
        let (n_i, s_i, v) = radiomics_texture::extract::ngtdm_vectors(&d, &[dist], false, 0..d.dims[0]);
        for k in 0..d.ng as usize {
            let level = (k + 1) as f64;
            match v.iter().position(|&x| x == level) {
                Some(p) => {
                    prop_assert_eq!(n_i[p], n_ref[k]);
                    prop_assert!((s_i[p] - s_ref[k]).abs() < 1e-9);
                }
                None => prop_assert_eq!(n_ref[k], 0.0),
            }
        }
    }
}
