//! R's default random number generator, so that bootstrap resamples can be drawn exactly as R
//! draws them.
//!
//! `set.seed(s)` followed by `sample(n, replace = TRUE)` in R >= 3.6 uses the Mersenne-Twister
//! (`RNGkind("Mersenne-Twister", "Inversion", "Rejection")`). This module reproduces R's seeding
//! scramble (`RNG_Init` in R's `src/main/RNG.c`), its MT19937 generator with the `fixup` to the
//! open interval (0, 1), and the rejection sampler `R_unif_index`. With it, a seeded
//! `rms::calibrate` bootstrap is reproduced resample for resample.

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;
/// 2^-32, the scale R applies to the 32-bit output.
const I2_32M1: f64 = 2.328_306_437_080_797e-10;

/// R's Mersenne-Twister generator in the state `set.seed(seed)` leaves it.
#[derive(Clone)]
pub struct RMersenneTwister {
    mt: [u32; N],
    mti: usize,
}

impl RMersenneTwister {
    /// Seeds the generator as R's `set.seed(seed)` does: 50 rounds of the linear congruential
    /// scramble `seed = 69069 * seed + 1`, then one more round per state word.
    pub fn new(seed: i32) -> Self {
        let mut s = seed as u32;
        for _ in 0..50 {
            s = s.wrapping_mul(69069).wrapping_add(1);
        }
        // R fills 625 words: the first is the position `mti`, which R then resets to 624.
        s = s.wrapping_mul(69069).wrapping_add(1);
        let mut mt = [0u32; N];
        for word in &mut mt {
            s = s.wrapping_mul(69069).wrapping_add(1);
            *word = s;
        }
        Self { mt, mti: N }
    }

    fn next_u32(&mut self) -> u32 {
        let mag01 = [0u32, MATRIX_A];
        if self.mti >= N {
            for kk in 0..N - M {
                let y = (self.mt[kk] & UPPER_MASK) | (self.mt[kk + 1] & LOWER_MASK);
                self.mt[kk] = self.mt[kk + M] ^ (y >> 1) ^ mag01[(y & 1) as usize];
            }
            for kk in N - M..N - 1 {
                let y = (self.mt[kk] & UPPER_MASK) | (self.mt[kk + 1] & LOWER_MASK);
                self.mt[kk] = self.mt[kk + M - N] ^ (y >> 1) ^ mag01[(y & 1) as usize];
            }
            let y = (self.mt[N - 1] & UPPER_MASK) | (self.mt[0] & LOWER_MASK);
            self.mt[N - 1] = self.mt[M - 1] ^ (y >> 1) ^ mag01[(y & 1) as usize];
            self.mti = 0;
        }
        let mut y = self.mt[self.mti];
        self.mti += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// Returns the next uniform deviate in (0, 1), as R's `unif_rand()`.
    pub fn unif_rand(&mut self) -> f64 {
        let value = f64::from(self.next_u32()) * 2.328_306_436_538_696_3e-10;
        if value <= 0.0 {
            0.5 * I2_32M1
        } else if 1.0 - value <= 0.0 {
            1.0 - 0.5 * I2_32M1
        } else {
            value
        }
    }

    /// Returns `bits` random bits, built 16 bits per uniform deviate as R's `rbits` does.
    fn rbits(&mut self, bits: u32) -> u64 {
        let mut v: u64 = 0;
        let mut n = 0;
        while n <= bits {
            let v1 = (self.unif_rand() * 65536.0).floor() as u64;
            v = v.wrapping_mul(65536).wrapping_add(v1);
            n += 16;
        }
        v & ((1u64 << bits) - 1)
    }

    /// Returns a uniform index in `0..n` by rejection sampling, as R's `R_unif_index` with
    /// `sample.kind = "Rejection"` (the default since R 3.6.0).
    pub fn unif_index(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let bits = (n as f64).log2().ceil() as u32;
        loop {
            let dv = self.rbits(bits);
            if (dv as usize) < n {
                return dv as usize;
            }
        }
    }

    /// Returns `k` zero-based indices drawn with replacement from `0..n`, as R's
    /// `sample(n, k, replace = TRUE) - 1`.
    pub fn sample_with_replacement(&mut self, n: usize, k: usize) -> Vec<usize> {
        (0..k).map(|_| self.unif_index(n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::RMersenneTwister;

    #[test]
    fn runif_matches_r() {
        // R 4.2.2: set.seed(1); runif(3) -> 0.2655087 0.3721239 0.5728534
        let mut rng = RMersenneTwister::new(1);
        let expected = [0.2655087, 0.3721239, 0.5728534];
        for e in expected {
            assert!((rng.unif_rand() - e).abs() < 5e-8);
        }
        // R 4.2.2: set.seed(123); runif(1) -> 0.2875775
        let mut rng = RMersenneTwister::new(123);
        assert!((rng.unif_rand() - 0.2875775).abs() < 5e-8);
    }

    #[test]
    fn sample_matches_r() {
        // R >= 3.6: set.seed(1); sample(10, replace = TRUE) -> 9 4 7 1 2 7 2 3 1 5
        let mut rng = RMersenneTwister::new(1);
        let drawn: Vec<usize> = rng.sample_with_replacement(10, 10).iter().map(|i| i + 1).collect();
        assert_eq!(drawn, vec![9, 4, 7, 1, 2, 7, 2, 3, 1, 5]);
    }
}
