//! Change points of a series (weekly usage, weekly tickets): the places where its level shifts,
//! found with a two-sided tabular CUSUM on standardised values, restarted after each change.
//!
//! **Tabular CUSUM** (Page 1954; Montgomery, *Introduction to Statistical Quality Control*, §9.1;
//! Montgomery & Runger, *Applied Statistics and Probability for Engineers*, 3rd ed., §16-8).
//! For values `x[i]`, a target level `μ` and a scale `σ`, each value is standardised,
//! `z[i] = (x[i] − μ) ÷ σ`, and two sums are kept, both starting at 0:
//!
//! - upper: `S⁺[i] = max(0, S⁺[i−1] + z[i] − k)`, which grows while values lie above `μ + kσ`;
//! - lower: `S⁻[i] = max(0, S⁻[i−1] − z[i] − k)`, which grows while values lie below `μ − kσ`.
//!
//! `k` (the drift, or reference value) is in units of σ; `N⁺[i]` and `N⁻[i]` count the consecutive
//! values for which each sum has been above 0. A sum above the threshold `h` (also in units of σ)
//! signals a shift; the shift is dated to the first value of the run that carried the sum there,
//! the signal index − N + 1 ("count backward from the out-of-control signal to the time period when
//! the cusum lifted above zero", Montgomery §9.1).
//!
//! **Segmentation** ([`detect`]), with `m` the minimum segment length:
//! 1. A series shorter than `2m` is not tested ([`Outcome::TooShort`]).
//! 2. `σ` = the sample standard deviation of the whole series (`n − 1` in the denominator). When it
//!    is 0 every value is the same ([`Outcome::Constant`]): there is no change point, and nothing can
//!    be standardised. Why not the moving-range estimate of SPC charts for individual values
//!    (average moving range ÷ 1.128, Montgomery §6.4): weekly usage and ticket counts are
//!    often sparse (mostly 0, with isolated spikes), where the moving ranges are nearly all 0, so that
//!    estimate is close to 0 and every isolated ticket would read as a rise and a fall. The sample
//!    standard deviation is inflated by the level shifts themselves, so small shifts take longer to
//!    reach `h`; the threshold stays the user's to lower.
//! 3. A segment starts at `s` (first 0). Its level `μ` is the median of its first `m` values (a
//!    single spike among them does not move it); the CUSUM runs on the values after those, from
//!    `s + m`, both sums starting at 0. At a value where `S⁺` or `S⁻` exceeds `h` (the larger when
//!    both do), the candidate change point is the first value `τ` of the run that carried it there
//!    (always at or after `s + m`).
//! 4. The candidate needs at least `m` values from `τ` (else the scan ends). Its new level `μ′` is
//!    the median of the `m` values from `τ`. It is kept when the level moved the way the sum
//!    signalled by more than `kσ` (`μ′ − μ > kσ` for a rise, `μ − μ′ > kσ` for a fall, where `2kσ`
//!    is the shift the CUSUM is designed for); the next segment then starts at `τ` with level `μ′`,
//!    when it has at least `2m` values (else the scan ends). Otherwise (a spike: the `m` values from
//!    `τ` are back at the old level) both sums restart at 0 after the signalling value and the scan
//!    of the same segment goes on, as after any signal of a CUSUM chart (Montgomery §9.1). Without
//!    this check, one ticket among many empty weeks reaches `h` by itself (its `z` is about √n) and
//!    would read as a new level.
//! 5. Each change's size is the mean of the segment after it minus the mean of the segment before it
//!    (segments run from one change point to the next, the first from the start of the series, the
//!    last to its end); its standardised size is that difference ÷ `σ`.
//!
//! Cost: each segment is scanned from its reference window to its signal, and a series has at most
//! `n ÷ m` segments, so at most `n² ÷ m` steps; weekly series have a few dozen values.

use super::stats::median;

/// The parameters of [`detect`], each a user setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parameters {
    /// `h`: a CUSUM above this many σ signals a shift.
    pub threshold_h: f64,
    /// `k`: the drift (reference value) subtracted at each step, in σ.
    pub drift_k: f64,
    /// `m`: the fewest values a segment has, and the values its level is measured on.
    pub min_segment: usize,
}

/// One step of a tabular CUSUM, the sums in units of σ.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CusumStep {
    pub upper: f64,
    pub lower: f64,
    /// `N⁺`: how many consecutive steps, ending with this one, the upper sum has been above 0.
    pub upper_run: usize,
    /// `N⁻`: the same for the lower sum.
    pub lower_run: usize,
}

/// The two-sided tabular CUSUM of `values` against `target`, standardised by `sigma`, with drift
/// `drift_k` (in σ). One step per value.
pub fn tabular_cusum(values: &[f64], target: f64, sigma: f64, drift_k: f64) -> Vec<CusumStep> {
    let mut steps = Vec::with_capacity(values.len());
    let mut previous = CusumStep::default();
    for &value in values {
        previous = cusum_step(previous, (value - target) / sigma, drift_k);
        steps.push(previous);
    }
    steps
}

/// One step of the two sums for the standardised value `z`.
fn cusum_step(previous: CusumStep, z: f64, drift_k: f64) -> CusumStep {
    let upper = (previous.upper + z - drift_k).max(0.0);
    let lower = (previous.lower - z - drift_k).max(0.0);
    CusumStep {
        upper,
        lower,
        upper_run: if upper > 0.0 {
            previous.upper_run + 1
        } else {
            0
        },
        lower_run: if lower > 0.0 {
            previous.lower_run + 1
        } else {
            0
        },
    }
}

/// The sample standard deviation (`n − 1` in the denominator); `None` for fewer than two values.
pub fn sample_standard_deviation(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let centre = mean(values);
    let squares: f64 = values.iter().map(|value| (value - centre).powi(2)).sum();
    Some((squares / (values.len() - 1) as f64).sqrt())
}

/// Which way the level moved at a change point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The upper sum signalled: the level after is above the level before.
    Rise,
    /// The lower sum signalled.
    Fall,
}

/// One detected change of level.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangePoint {
    /// The first value of the new level.
    pub index: usize,
    /// The value at which the CUSUM exceeded `h`.
    pub signal_index: usize,
    pub direction: Direction,
    /// The CUSUM at the signal, in σ.
    pub statistic: f64,
    /// The values of the segment before (start, end exclusive) and after.
    pub before: (usize, usize),
    pub after: (usize, usize),
    pub mean_before: f64,
    pub mean_after: f64,
}

impl ChangePoint {
    /// Mean after − mean before.
    pub fn size(&self) -> f64 {
        self.mean_after - self.mean_before
    }
}

/// What [`detect`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Fewer values than two minimum segments: not tested.
    TooShort { n: usize, needed: usize },
    /// Every value is the same: no change point, and σ is 0.
    Constant { value: f64 },
    /// Tested: the σ used and the change points found, oldest first (possibly none).
    Tested {
        sigma: f64,
        change_points: Vec<ChangePoint>,
    },
}

/// The change points of `values` by the segmentation described in the module header.
pub fn detect(values: &[f64], parameters: &Parameters) -> Outcome {
    let n = values.len();
    // A segment needs at least one value to measure its level on.
    let m = parameters.min_segment.max(1);
    if n < 2 * m {
        return Outcome::TooShort { n, needed: 2 * m };
    }
    let sigma = sample_standard_deviation(values).unwrap_or(0.0);
    if sigma == 0.0 {
        return Outcome::Constant { value: values[0] };
    }
    // (index, signal index, direction, statistic) of each change, oldest first.
    let mut found: Vec<(usize, usize, Direction, f64)> = Vec::new();
    let (h, k) = (parameters.threshold_h, parameters.drift_k);
    let level_of = |start: usize| median(&values[start..start + m]).unwrap_or(values[start]);
    let mut level = level_of(0);
    let mut sums = CusumStep::default();
    let mut i = m;
    while i < n {
        sums = cusum_step(sums, (values[i] - level) / sigma, k);
        let signal = match (sums.upper > h, sums.lower > h) {
            (true, true) if sums.lower > sums.upper => {
                Some((Direction::Fall, sums.lower, sums.lower_run))
            }
            (true, _) => Some((Direction::Rise, sums.upper, sums.upper_run)),
            (false, true) => Some((Direction::Fall, sums.lower, sums.lower_run)),
            (false, false) => None,
        };
        let Some((direction, statistic, run)) = signal else {
            i += 1;
            continue;
        };
        // The run is at least 1 (the sum is above h ≥ 0) and starts after the last restart.
        let index = i + 1 - run;
        if n - index < m {
            break;
        }
        let new_level = level_of(index);
        let moved = match direction {
            Direction::Rise => new_level - level,
            Direction::Fall => level - new_level,
        };
        sums = CusumStep::default();
        if moved > k * sigma {
            found.push((index, i, direction, statistic));
            level = new_level;
            if n - index < 2 * m {
                break;
            }
            i = index + m;
        } else {
            i += 1;
        }
    }
    let mut change_points = Vec::with_capacity(found.len());
    for (position, &(index, signal_index, direction, statistic)) in found.iter().enumerate() {
        let before_start = if position == 0 {
            0
        } else {
            found[position - 1].0
        };
        let after_end = found.get(position + 1).map_or(n, |next| next.0);
        change_points.push(ChangePoint {
            index,
            signal_index,
            direction,
            statistic,
            before: (before_start, index),
            after: (index, after_end),
            mean_before: mean(&values[before_start..index]),
            mean_after: mean(&values[index..after_end]),
        });
    }
    Outcome::Tested {
        sigma,
        change_points,
    }
}

/// The mean, summed as deviations from the first value so that equal values have exactly their
/// value as mean (a plain sum ÷ n can be off by the last bit, and with k = 0 such a remainder would
/// start a CUSUM run on a flat stretch).
fn mean(values: &[f64]) -> f64 {
    let first = values[0];
    first + values.iter().map(|value| value - first).sum::<f64>() / values.len() as f64
}
