//! Order statistics used across the modules, with their conventions fixed in one place.
//!
//! - Quantiles interpolate linearly between order statistics (Hyndman & Fan type 7, the default of
//!   R and of spreadsheet `PERCENTILE.INC`): for sorted `x[0..n]` and `p` in 0–1, the value at rank
//!   `h = (n − 1) p` is `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])`.
//! - The percentile of a value within a distribution is its mid-rank: the share of values below it
//!   plus half the share equal to it, in percent, so ties sit in the middle of their run.
//! - The robust band of a series is `median ± k × 1.4826 × MAD`, MAD being the median absolute
//!   deviation from the median; 1.4826 makes the MAD estimate a standard deviation for normal data.

/// The `p`-quantile (0–1) of `values`, which need not be sorted; `None` when empty or `p` is outside 0–1.
pub fn quantile(values: &[f64], p: f64) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile_sorted(&sorted, p)
}

/// [`quantile`] on values already sorted ascending.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lower = h.floor() as usize;
    let upper = (lower + 1).min(sorted.len() - 1);
    Some(sorted[lower] + (h - lower as f64) * (sorted[upper] - sorted[lower]))
}

pub fn median(values: &[f64]) -> Option<f64> {
    quantile(values, 0.5)
}

/// The mid-rank percentile (0–100) of `value` within `sorted` (ascending); `None` when empty.
pub fn percentile_rank_sorted(sorted: &[f64], value: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let below = sorted.partition_point(|&x| x < value);
    let at_or_below = sorted.partition_point(|&x| x <= value);
    let equal = at_or_below - below;
    Some((below as f64 + equal as f64 / 2.0) / sorted.len() as f64 * 100.0)
}

/// The scale factor that makes the median absolute deviation estimate a standard deviation.
pub const MAD_SCALE: f64 = 1.4826;

/// `median ± k × 1.4826 × MAD` of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RobustBand {
    pub median: f64,
    pub scaled_mad: f64,
    pub low: f64,
    pub high: f64,
}

impl RobustBand {
    pub fn of(values: &[f64], k: f64) -> Option<RobustBand> {
        let median = median(values)?;
        let deviations: Vec<f64> = values.iter().map(|x| (x - median).abs()).collect();
        let scaled_mad = MAD_SCALE * self::median(&deviations)?;
        Some(RobustBand {
            median,
            scaled_mad,
            low: median - k * scaled_mad,
            high: median + k * scaled_mad,
        })
    }

    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_type_7() {
        // R: quantile(c(1, 2, 3, 4, 10), c(0.5, 0.9)) gives 3 and 7.6.
        let values = [10.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(quantile(&values, 0.5), Some(3.0));
        assert!((quantile(&values, 0.9).unwrap() - 7.6).abs() < 1e-12);
        assert_eq!(quantile(&values, 0.0), Some(1.0));
        assert_eq!(quantile(&values, 1.0), Some(10.0));
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[5.0], 0.9), Some(5.0));
    }

    #[test]
    fn percentile_rank_puts_ties_in_the_middle() {
        let sorted = [1.0, 2.0, 2.0, 2.0, 5.0];
        assert_eq!(percentile_rank_sorted(&sorted, 2.0), Some(50.0));
        assert_eq!(percentile_rank_sorted(&sorted, 0.0), Some(0.0));
        assert_eq!(percentile_rank_sorted(&sorted, 9.0), Some(100.0));
        assert_eq!(percentile_rank_sorted(&sorted, 5.0), Some(90.0));
    }

    #[test]
    fn robust_band() {
        // median 3, absolute deviations 2,1,0,1,7 → MAD 1.
        let band = RobustBand::of(&[1.0, 2.0, 3.0, 4.0, 10.0], 3.0).unwrap();
        assert_eq!(band.median, 3.0);
        assert!((band.scaled_mad - 1.4826).abs() < 1e-12);
        assert!(band.contains(7.0) && !band.contains(7.5));
    }
}
