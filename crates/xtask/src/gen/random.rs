//! Seeded randomness for the generator: one ChaCha8 stream per concern, and the few
//! distributions the data needs (normal, lognormal, exponential, Poisson, weighted choice).
//!
//! Every part of the generator draws from its own stream (`stream_rng(seed, stream)`), so adding
//! draws in one part never shifts the numbers of another, and parts can run on any thread while the
//! output stays byte-identical for a given seed.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator's random number generator.
pub type GenRng = ChaCha8Rng;

/// Stream families; an entity's stream is `family + entity_index`.
pub const STREAM_TEAM: u64 = 1;
pub const STREAM_ACCOUNTS: u64 = 2;
pub const STREAM_OPPORTUNITY_CREATION: u64 = 3;
pub const STREAM_PROGRAM: u64 = 4;
pub const STREAM_OPPORTUNITY_BASE: u64 = 1 << 32;
pub const STREAM_SUBSCRIPTION_BASE: u64 = 2 << 32;
pub const STREAM_USAGE_BASE: u64 = 3 << 32;
pub const STREAM_TICKET_BASE: u64 = 4 << 32;

/// A ChaCha8 generator seeded with `seed`, positioned on its own `stream`.
pub fn stream_rng(seed: u64, stream: u64) -> GenRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// A uniform draw in `[0, 1)`.
pub fn unit(rng: &mut GenRng) -> f64 {
    rng.random::<f64>()
}

/// True with probability `probability` (clamped to `[0, 1]`).
pub fn chance(rng: &mut GenRng, probability: f64) -> bool {
    unit(rng) < probability.clamp(0.0, 1.0)
}

/// A uniform integer in `[low, high]` (inclusive); `low` when the range is empty.
pub fn int_between(rng: &mut GenRng, low: i64, high: i64) -> i64 {
    if high <= low {
        low
    } else {
        rng.random_range(low..=high)
    }
}

/// A uniform float in `[low, high)`.
pub fn float_between(rng: &mut GenRng, low: f64, high: f64) -> f64 {
    low + (high - low) * unit(rng)
}

/// A standard normal draw (Box–Muller; one of the pair is discarded to keep streams simple).
pub fn standard_normal(rng: &mut GenRng) -> f64 {
    let u1 = 1.0 - unit(rng); // (0, 1]: avoids ln(0)
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A normal draw with the given mean and standard deviation.
pub fn normal(rng: &mut GenRng, mean: f64, standard_deviation: f64) -> f64 {
    mean + standard_deviation * standard_normal(rng)
}

/// A lognormal draw whose median is `median` and whose log has standard deviation `sigma`.
pub fn lognormal(rng: &mut GenRng, median: f64, sigma: f64) -> f64 {
    median * (sigma * standard_normal(rng)).exp()
}

/// An exponential draw with the given mean.
pub fn exponential(rng: &mut GenRng, mean: f64) -> f64 {
    -mean * (1.0 - unit(rng)).ln()
}

/// A Poisson draw: Knuth's product method for small means, a rounded normal for large ones.
pub fn poisson(rng: &mut GenRng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 30.0 {
        return normal(rng, mean, mean.sqrt()).round().max(0.0) as u32;
    }
    let limit = (-mean).exp();
    let mut product = unit(rng);
    let mut count = 0u32;
    while product > limit {
        count += 1;
        product *= unit(rng);
    }
    count
}

/// An index drawn with probability proportional to `weights[index]`.
pub fn weighted_index(rng: &mut GenRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut target = unit(rng) * total;
    for (index, weight) in weights.iter().enumerate() {
        if target < *weight {
            return index;
        }
        target -= weight;
    }
    weights.len().saturating_sub(1)
}

/// A uniformly chosen element of a non-empty slice.
pub fn pick<'a, T>(rng: &mut GenRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// SplitMix64 finaliser: a cheap, well-mixed hash used for values that are derived rather than
/// drawn (texts picked per snapshot, id scrambling), so writing order never matters.
pub fn mix64(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A derived uniform value in `[0, 1)` from a hash of the given parts.
pub fn hashed_unit(parts: &[u64]) -> f64 {
    let mut state = 0x51_7CC1_B727_220Au64;
    for part in parts {
        state = mix64(state ^ *part);
    }
    (state >> 11) as f64 / (1u64 << 53) as f64
}
