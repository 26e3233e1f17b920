//! Order statistics used across the modules, with their conventions fixed in one place.
//!
//! - Quantiles interpolate linearly between order statistics (Hyndman & Fan type 7, the default of
//!   R and of spreadsheet `PERCENTILE.INC`): for sorted `x[0..n]` and `p` in 0–1, the value at rank
//!   `h = (n − 1) p` is `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])`.
//! - The percentile of a value within a distribution is its mid-rank: the share of values below it
//!   plus half the share equal to it, in percent, so ties sit in the middle of their run.
//! - The robust band of a series is `median ± k × 1.4826 × MAD`, MAD being the median absolute
//!   deviation from the median; 1.4826 makes the MAD estimate a standard deviation for normal data.
//! - Interval estimates for experiment readouts (two arms, treatment against control), each at a
//!   two-sided confidence level `level` (0.95 for 95%), with `z` the standard normal quantile at
//!   `1 − (1 − level)/2`:
//!   - a single proportion `x/n`: the Wilson score interval without continuity correction
//!     (Wilson 1927), `(p̂ + z²/2n ± z √(p̂(1 − p̂)/n + z²/4n²)) ÷ (1 + z²/n)`;
//!   - the difference of two proportions `p₁ − p₂`: Newcombe's hybrid score interval (Newcombe 1998,
//!     method 10), `d − √((p₁ − l₁)² + (u₂ − p₂)²)` to `d + √((u₁ − p₁)² + (p₂ − l₂)²)` with
//!     `(lᵢ, uᵢ)` the Wilson interval of each proportion;
//!   - the ratio of two proportions `p₁ ÷ p₂`: the Katz log interval (Katz, Baptista, Azen & Pike
//!     1978), `exp(ln(p₁/p₂) ± z √(1/x₁ − 1/n₁ + 1/x₂ − 1/n₂))`, undefined when either count of
//!     events is 0;
//!   - the difference of two means: Welch's t interval, `(m₁ − m₂) ± t(df) √(s₁²/n₁ + s₂²/n₂)`
//!     with the Welch–Satterthwaite degrees of freedom
//!     `df = (s₁²/n₁ + s₂²/n₂)² ÷ ((s₁²/n₁)²/(n₁ − 1) + (s₂²/n₂)²/(n₂ − 1))`, undefined with fewer
//!     than 2 values in an arm or no variation in either;
//!   - the ratio of two means `m₁ ÷ m₂`: Fieller's interval (Fieller 1954) for independent samples
//!     with unequal variances, `v₁ = s₁²/n₁` and `v₂ = s₂²/n₂`: the values `ρ` for which
//!     `(m₁ − ρ m₂)² ≤ t² (v₁ + ρ² v₂)`, that is the roots of
//!     `(m₂² − t² v₂) ρ² − 2 m₁ m₂ ρ + (m₁² − t² v₁) = 0`,
//!     `ρ = (m₁ m₂ ± t √(m₁² v₂ + m₂² v₁ − t² v₁ v₂)) ÷ (m₂² − t² v₂)`, with `t` the Student quantile
//!     at the Welch–Satterthwaite degrees of freedom of `m₁ − ρ̂ m₂` at the estimate `ρ̂ = m₁ ÷ m₂`,
//!     `df = (v₁ + ρ̂² v₂)² ÷ (v₁²/(n₁ − 1) + ρ̂⁴ v₂²/(n₂ − 1))` (the plug-in of Tamhane & Logan
//!     2004). The set is a bounded interval only when `m₂² > t² v₂`, that is when `m₂`'s own
//!     t interval excludes 0; otherwise (and with fewer than 2 values in an arm, no variation in
//!     either, or `m₂` = 0) it is undefined.
//!
//!   The normal quantile is Wichura's algorithm AS 241 (as in R's `qnorm`); the Student t quantile
//!   inverts the t distribution function, computed from the regularised incomplete beta function
//!   (continued fraction), by bisection.

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

/// The 25th, 50th and 75th percentiles of a distribution, with its size: how the coaching,
/// territory and plays modules show a distribution beside another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quartiles {
    pub n: usize,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
}

impl Quartiles {
    /// The quartiles of `sorted` (ascending); `None` when empty.
    pub fn of_sorted(sorted: &[f64]) -> Option<Quartiles> {
        Some(Quartiles {
            n: sorted.len(),
            p25: quantile_sorted(sorted, 0.25)?,
            p50: quantile_sorted(sorted, 0.5)?,
            p75: quantile_sorted(sorted, 0.75)?,
        })
    }
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

/// A two-sided interval estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// The standard normal quantile at `p` (0 < p < 1), Wichura's AS 241 (`PPND16`, about 16 digits).
// The coefficients are copied digit for digit from the published algorithm (as in R's qnorm.c),
// so they keep its digits and grouping.
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
pub fn normal_quantile(p: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        let numerator = ((((((r * 2509.0809287301226727 + 33430.575583588128105) * r
            + 67265.770927008700853)
            * r
            + 45921.953931549871457)
            * r
            + 13731.693765509461125)
            * r
            + 1971.5909503065514427)
            * r
            + 133.14166789178437745)
            * r
            + 3.387132872796366608;
        let denominator = ((((((r * 5226.495278852545925 + 28729.085735721942674) * r
            + 39307.89580009271061)
            * r
            + 21213.794301586595867)
            * r
            + 5394.1960214247511077)
            * r
            + 687.1870074920579083)
            * r
            + 42.313330701600911252)
            * r
            + 1.0;
        return Some(q * numerator / denominator);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let mut r = (-tail.ln()).sqrt();
    let value = if r <= 5.0 {
        r -= 1.6;
        let numerator = ((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r
            + 0.24178072517745061177)
            * r
            + 1.27045825245236838258)
            * r
            + 3.64784832476320460504)
            * r
            + 5.7694972214606914055)
            * r
            + 4.6303378461565452959)
            * r
            + 1.42343711074968357734;
        let denominator = ((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r
            + 0.0151986665636164571966)
            * r
            + 0.14810397642748007459)
            * r
            + 0.68976733498510000455)
            * r
            + 1.6763848301838038494)
            * r
            + 2.05319162663775882187)
            * r
            + 1.0;
        numerator / denominator
    } else {
        r -= 5.0;
        let numerator = ((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r
            + 0.0012426609473880784386)
            * r
            + 0.026532189526576123093)
            * r
            + 0.29656057182850489123)
            * r
            + 1.7848265399172913358)
            * r
            + 5.4637849111641143699)
            * r
            + 6.6579046435011037772;
        let denominator = ((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r
            + 1.8463183175100546818e-5)
            * r
            + 7.868691311456132591e-4)
            * r
            + 0.0148753612908506148525)
            * r
            + 0.13692988092273580531)
            * r
            + 0.59983220655588793769)
            * r
            + 1.0;
        numerator / denominator
    };
    Some(if q < 0.0 { -value } else { value })
}

/// The two-sided critical value of the standard normal distribution for a confidence level
/// (0.95 → 1.959964); `None` unless 0 < level < 1.
pub fn normal_critical_value(level: f64) -> Option<f64> {
    if !(level > 0.0 && level < 1.0) {
        return None;
    }
    normal_quantile(1.0 - (1.0 - level) / 2.0)
}

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, 9 terms; about 15 digits).
fn ln_gamma(x: f64) -> f64 {
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1 − x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, coefficient) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += coefficient / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The regularised incomplete beta function I_x(a, b), by its continued fraction (modified Lentz).
fn regularized_incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    // The fraction converges fast for x < (a + 1)/(a + b + 2); use the symmetry otherwise.
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_continued_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_continued_fraction(1.0 - x, b, a) / b
    }
}

fn beta_continued_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut result = d;
    for m in 1..=500 {
        let m = m as f64;
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 + even * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + even / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        result *= d * c;
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 + odd * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + odd / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let step = d * c;
        result *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    result
}

/// The distribution function of Student's t with `df` degrees of freedom (df > 0, not
/// necessarily whole).
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * regularized_incomplete_beta(df / (df + t * t), df / 2.0, 0.5);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The `p`-quantile of Student's t with `df` degrees of freedom; `None` unless 0 < p < 1 and
/// df > 0. Found by bisection on [`student_t_cdf`] to a relative precision of about 1e-13.
pub fn student_t_quantile(p: f64, df: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0 && df > 0.0 && df.is_finite()) {
        return None;
    }
    if p == 0.5 {
        return Some(0.0);
    }
    let upper_p = if p > 0.5 { p } else { 1.0 - p };
    let (mut low, mut high) = (0.0_f64, 1.0_f64);
    while student_t_cdf(high, df) < upper_p {
        high *= 2.0;
        if high > 1e12 {
            return None;
        }
    }
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if student_t_cdf(middle, df) < upper_p {
            low = middle;
        } else {
            high = middle;
        }
        if high - low <= 1e-14 * high {
            break;
        }
    }
    let value = 0.5 * (low + high);
    Some(if p > 0.5 { value } else { -value })
}

/// The Wilson score interval of the proportion `successes ÷ n` (no continuity correction);
/// `None` when n is 0, successes exceed n, or the level is not between 0 and 1.
pub fn wilson_interval(successes: u64, n: u64, level: f64) -> Option<Interval> {
    if n == 0 || successes > n {
        return None;
    }
    let z = normal_critical_value(level)?;
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half_width = z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval {
        low: (centre - half_width).max(0.0),
        high: (centre + half_width).min(1.0),
    })
}

/// Newcombe's hybrid score interval (method 10) for `x1/n1 − x2/n2`; `None` when either arm is
/// empty or the level is not between 0 and 1.
pub fn newcombe_difference_interval(
    x1: u64,
    n1: u64,
    x2: u64,
    n2: u64,
    level: f64,
) -> Option<Interval> {
    let first = wilson_interval(x1, n1, level)?;
    let second = wilson_interval(x2, n2, level)?;
    let p1 = x1 as f64 / n1 as f64;
    let p2 = x2 as f64 / n2 as f64;
    let difference = p1 - p2;
    let below = ((p1 - first.low).powi(2) + (second.high - p2).powi(2)).sqrt();
    let above = ((first.high - p1).powi(2) + (p2 - second.low).powi(2)).sqrt();
    Some(Interval {
        low: difference - below,
        high: difference + above,
    })
}

/// The Katz log interval for the ratio `(x1/n1) ÷ (x2/n2)`; `None` when either arm is empty,
/// either count of events is 0 (the log of the ratio or its standard error is then undefined),
/// or the level is not between 0 and 1.
pub fn katz_ratio_interval(x1: u64, n1: u64, x2: u64, n2: u64, level: f64) -> Option<Interval> {
    if x1 == 0 || x2 == 0 || x1 > n1 || x2 > n2 {
        return None;
    }
    let z = normal_critical_value(level)?;
    let (x1, n1, x2, n2) = (x1 as f64, n1 as f64, x2 as f64, n2 as f64);
    let log_ratio = ((x1 / n1) / (x2 / n2)).ln();
    let standard_error = (1.0 / x1 - 1.0 / n1 + 1.0 / x2 - 1.0 / n2).max(0.0).sqrt();
    Some(Interval {
        low: (log_ratio - z * standard_error).exp(),
        high: (log_ratio + z * standard_error).exp(),
    })
}

/// The arithmetic mean; `None` when empty.
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// The sample variance (denominator n − 1); `None` with fewer than 2 values.
pub fn sample_variance(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values)?;
    Some(values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64)
}

/// Welch's t interval for `mean(first) − mean(second)`, with its Welch–Satterthwaite degrees of
/// freedom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WelchInterval {
    pub difference: f64,
    pub standard_error: f64,
    pub degrees_of_freedom: f64,
    pub interval: Interval,
}

/// [`WelchInterval`] of two samples; `None` when either has fewer than 2 values, neither varies
/// (the standard error is 0), or the level is not between 0 and 1.
pub fn welch_interval(first: &[f64], second: &[f64], level: f64) -> Option<WelchInterval> {
    let (n1, n2) = (first.len() as f64, second.len() as f64);
    let share1 = sample_variance(first)? / n1;
    let share2 = sample_variance(second)? / n2;
    let variance = share1 + share2;
    let positive_variance = variance > 0.0;
    if !(positive_variance && level > 0.0 && level < 1.0) {
        return None;
    }
    let degrees_of_freedom =
        variance * variance / (share1 * share1 / (n1 - 1.0) + share2 * share2 / (n2 - 1.0));
    let t = student_t_quantile(1.0 - (1.0 - level) / 2.0, degrees_of_freedom)?;
    let difference = mean(first)? - mean(second)?;
    let standard_error = variance.sqrt();
    Some(WelchInterval {
        difference,
        standard_error,
        degrees_of_freedom,
        interval: Interval {
            low: difference - t * standard_error,
            high: difference + t * standard_error,
        },
    })
}

/// Fieller's interval for `mean(first) ÷ mean(second)`, with the degrees of freedom its t quantile
/// was read at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FiellerInterval {
    pub ratio: f64,
    pub degrees_of_freedom: f64,
    pub interval: Interval,
}

/// [`FiellerInterval`] of two independent samples; `None` when either has fewer than 2 values,
/// neither varies, the second's mean is 0 or its t interval includes 0 (the set of ratios is then
/// unbounded), or the level is not between 0 and 1.
pub fn fieller_ratio_interval(
    first: &[f64],
    second: &[f64],
    level: f64,
) -> Option<FiellerInterval> {
    let (n1, n2) = (first.len() as f64, second.len() as f64);
    let v1 = sample_variance(first)? / n1;
    let v2 = sample_variance(second)? / n2;
    let (m1, m2) = (mean(first)?, mean(second)?);
    if m2 == 0.0 || !(level > 0.0 && level < 1.0) {
        return None;
    }
    let ratio = m1 / m2;
    let variance_at_ratio = v1 + ratio * ratio * v2;
    // Written so that a NaN also stops here.
    let varies = variance_at_ratio > 0.0;
    if !varies {
        return None;
    }
    let shares = v1 * v1 / (n1 - 1.0) + ratio.powi(4) * v2 * v2 / (n2 - 1.0);
    let degrees_of_freedom = variance_at_ratio * variance_at_ratio / shares;
    let t = student_t_quantile(1.0 - (1.0 - level) / 2.0, degrees_of_freedom)?;
    let t2 = t * t;
    let leading = m2 * m2 - t2 * v2;
    let bounded = leading > 0.0;
    if !bounded {
        return None;
    }
    // m₁² v₂ + v₁ (m₂² − t² v₂) is positive whenever the leading coefficient is.
    let root = (m1 * m1 * v2 + m2 * m2 * v1 - t2 * v1 * v2).sqrt();
    Some(FiellerInterval {
        ratio,
        degrees_of_freedom,
        interval: Interval {
            low: (m1 * m2 - t * root) / leading,
            high: (m1 * m2 + t * root) / leading,
        },
    })
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
    fn quartiles_match_type_7() {
        // R: quantile(c(1, 2, 3, 4, 10), c(0.25, 0.5, 0.75)) gives 2, 3 and 4.
        let q = Quartiles::of_sorted(&[1.0, 2.0, 3.0, 4.0, 10.0]).unwrap();
        assert_eq!((q.n, q.p25, q.p50, q.p75), (5, 2.0, 3.0, 4.0));
        assert_eq!(Quartiles::of_sorted(&[]), None);
    }

    #[test]
    fn robust_band() {
        // median 3, absolute deviations 2,1,0,1,7 → MAD 1.
        let band = RobustBand::of(&[1.0, 2.0, 3.0, 4.0, 10.0], 3.0).unwrap();
        assert_eq!(band.median, 3.0);
        assert!((band.scaled_mad - 1.4826).abs() < 1e-12);
        assert!(band.contains(7.0) && !band.contains(7.5));
    }

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance
    }

    #[test]
    fn normal_and_t_quantiles_match_r() {
        // R 4.x: qnorm(0.975), qnorm(0.9), qnorm(0.995), qnorm(1e-10).
        assert!(close(
            normal_quantile(0.975).unwrap(),
            1.959_963_984_540_054,
            1e-14
        ));
        assert!(close(
            normal_quantile(0.9).unwrap(),
            1.281_551_565_544_600_5,
            1e-14
        ));
        assert!(close(
            normal_quantile(0.995).unwrap(),
            2.575_829_303_548_901,
            1e-13
        ));
        assert!(close(
            normal_quantile(1e-10).unwrap(),
            -6.361_340_902_404_056,
            1e-12
        ));
        assert_eq!(normal_quantile(0.0), None);
        assert_eq!(normal_critical_value(1.0), None);
        // Student t tables (and R's qt): t(0.975; 1) = 12.7062, t(0.975; 10) = 2.2281,
        // t(0.95; 5) = 2.0150, t(0.975; 30) = 2.0423.
        assert!(close(
            student_t_quantile(0.975, 1.0).unwrap(),
            12.706_204_736,
            1e-8
        ));
        assert!(close(
            student_t_quantile(0.975, 10.0).unwrap(),
            2.228_138_852,
            1e-8
        ));
        assert!(close(
            student_t_quantile(0.95, 5.0).unwrap(),
            2.015_048_373,
            1e-8
        ));
        assert!(close(
            student_t_quantile(0.975, 30.0).unwrap(),
            2.042_272_456,
            1e-8
        ));
        assert!(close(
            student_t_quantile(0.025, 10.0).unwrap(),
            -2.228_138_852,
            1e-8
        ));
        // t(1) is the Cauchy distribution: F(1) = 3/4.
        assert!(close(student_t_cdf(1.0, 1.0), 0.75, 1e-12));
    }

    #[test]
    fn wilson_intervals_match_newcombe_1998_single_proportion_table() {
        // Newcombe RG (1998), "Two-sided confidence intervals for the single proportion:
        // comparison of seven methods", Statistics in Medicine 17:857–872, Table I, method 3
        // (Wilson score without continuity correction), 95%: 81/263 → 0.2553–0.3662,
        // 15/148 → 0.0624–0.1605, 0/20 → 0–0.1611, 1/29 → 0.0061–0.1718.
        for (x, n, low, high) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let interval = wilson_interval(x, n, 0.95).unwrap();
            assert!(
                close(interval.low, low, 5e-5) && close(interval.high, high, 5e-5),
                "{x}/{n}: {interval:?}"
            );
        }
        assert_eq!(wilson_interval(0, 0, 0.95), None);
        assert_eq!(wilson_interval(3, 2, 0.95), None);
    }

    #[test]
    fn newcombe_intervals_match_newcombe_1998_table_ii() {
        // Newcombe RG (1998), "Interval estimation for the difference between independent
        // proportions: comparison of eleven methods", Statistics in Medicine 17:873–890,
        // Table II, method 10 (score interval combining Wilson intervals, no continuity
        // correction), 95%, examples (a)–(h).
        for (x1, n1, x2, n2, low, high) in [
            (56, 70, 48, 80, 0.0524, 0.3339),
            (9, 10, 3, 10, 0.1705, 0.8090),
            (6, 7, 2, 7, 0.0582, 0.8062),
            (5, 56, 0, 29, -0.0381, 0.1926),
            (0, 10, 0, 20, -0.1611, 0.2775),
            (0, 10, 0, 10, -0.2775, 0.2775),
            (10, 10, 0, 20, 0.6791, 1.0),
            (10, 10, 0, 10, 0.6075, 1.0),
        ] {
            let interval = newcombe_difference_interval(x1, n1, x2, n2, 0.95).unwrap();
            assert!(
                close(interval.low, low, 5e-5) && close(interval.high, high, 5e-5),
                "{x1}/{n1} − {x2}/{n2}: {interval:?}"
            );
        }
        assert_eq!(newcombe_difference_interval(1, 2, 0, 0, 0.95), None);
    }

    #[test]
    fn katz_interval_by_hand() {
        // Newcombe's example (a), 56/70 against 48/80: ratio 0.8 ÷ 0.6 = 4/3; by hand,
        // SE(ln ratio) = √(1/56 − 1/70 + 1/48 − 1/80) = √0.0119048 = 0.1091089, so the 95% interval
        // is exp(ln(4/3) ± 1.959964 × 0.1091089) = exp(0.0738276) to exp(0.5015028)
        // = 1.076626 to 1.651249.
        let interval = katz_ratio_interval(56, 70, 48, 80, 0.95).unwrap();
        assert!(close(interval.low, 1.076_626, 1e-6), "{interval:?}");
        assert!(close(interval.high, 1.651_249, 1e-6), "{interval:?}");
        // No event in an arm: the log ratio is undefined.
        assert_eq!(katz_ratio_interval(0, 10, 3, 10, 0.95), None);
        assert_eq!(katz_ratio_interval(3, 10, 0, 10, 0.95), None);
        // Every account an event in both arms: ratio 1 and a standard error of 0.
        let all = katz_ratio_interval(10, 10, 20, 20, 0.95).unwrap();
        assert_eq!((all.low, all.high), (1.0, 1.0));
    }

    #[test]
    fn welch_interval_matches_r_t_test_on_the_sleep_data() {
        // R: t.test(extra ~ group, data = sleep) (Welch Two Sample t-test, the default) prints
        // t = -1.8608, df = 17.776, 95 percent confidence interval -3.3654832 0.2054832,
        // means 0.75 and 2.33. The data: Cushny & Peebles via Student (1908).
        let group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
        let group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
        let welch = welch_interval(&group1, &group2, 0.95).unwrap();
        assert!(close(welch.difference, -1.58, 1e-12));
        assert!(close(
            welch.difference / welch.standard_error,
            -1.8608,
            5e-5
        ));
        assert!(close(welch.degrees_of_freedom, 17.776, 5e-4));
        assert!(close(welch.interval.low, -3.365_483_2, 1e-6), "{welch:?}");
        assert!(close(welch.interval.high, 0.205_483_2, 1e-6), "{welch:?}");
        // One value in an arm, or no variation at all: undefined.
        assert_eq!(welch_interval(&[1.0], &group2, 0.95), None);
        assert_eq!(welch_interval(&[2.0, 2.0], &[3.0, 3.0], 0.95), None);
        assert_eq!(sample_variance(&[1.0, 3.0]), Some(2.0));
    }

    #[test]
    fn fieller_interval_with_a_constant_denominator_is_the_t_interval_of_the_numerator_scaled() {
        // With no variation in the second sample the ratio's interval is the one-sample t interval
        // of the first mean divided by the second mean. R: t.test(1:5) prints the 95 percent
        // confidence interval 1.036757 4.963243 (df = 4); divided by mean(c(2, 2)) = 2.
        let fieller =
            fieller_ratio_interval(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 2.0], 0.95).unwrap();
        assert_eq!(fieller.ratio, 1.5);
        assert!(close(fieller.degrees_of_freedom, 4.0, 1e-12));
        assert!(
            close(fieller.interval.low, 1.036_757 / 2.0, 1e-6),
            "{fieller:?}"
        );
        assert!(
            close(fieller.interval.high, 4.963_243 / 2.0, 1e-6),
            "{fieller:?}"
        );
    }

    /// A second implementation of Fieller's interval: the confidence set is the ratios `ρ` whose
    /// t statistic `(m₁ − ρ m₂) ÷ √(v₁ + ρ² v₂)` lies within ±t; its ends are found by stepping out
    /// from the estimate until the statistic leaves that band, then bisecting.
    fn fieller_by_test_inversion(first: &[f64], second: &[f64], level: f64) -> (f64, f64) {
        let moments = |values: &[f64]| {
            let n = values.len() as f64;
            let m = values.iter().sum::<f64>() / n;
            let var = values.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
            (n, m, var / n)
        };
        let ((n1, m1, v1), (n2, m2, v2)) = (moments(first), moments(second));
        let estimate = m1 / m2;
        let df = (v1 + estimate * estimate * v2).powi(2)
            / (v1 * v1 / (n1 - 1.0) + estimate.powi(4) * v2 * v2 / (n2 - 1.0));
        let t = student_t_quantile(1.0 - (1.0 - level) / 2.0, df).unwrap();
        let inside = |rho: f64| (m1 - rho * m2).abs() <= t * (v1 + rho * rho * v2).sqrt();
        let end = |direction: f64| {
            let mut step = 1e-3 * estimate.abs().max(1.0);
            while inside(estimate + direction * step) {
                step *= 2.0;
                assert!(step < 1e9, "unbounded");
            }
            let (mut inner, mut outer) = (estimate, estimate + direction * step);
            for _ in 0..200 {
                let middle = 0.5 * (inner + outer);
                if inside(middle) {
                    inner = middle;
                } else {
                    outer = middle;
                }
            }
            0.5 * (inner + outer)
        };
        (end(-1.0), end(1.0))
    }

    #[test]
    fn fieller_interval_matches_a_test_inversion() {
        let sleep1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
        let sleep2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
        let durations_t = [12.0, 9.0, 15.0, 7.0, 11.0, 10.0];
        let durations_c = [14.0, 18.0, 13.0, 21.0, 16.0, 12.0, 19.0, 15.0];
        for (first, second, level) in [
            (&sleep1[..], &sleep2[..], 0.95),
            (&durations_t[..], &durations_c[..], 0.95),
            (&durations_t[..], &durations_c[..], 0.9),
            (&durations_c[..], &durations_t[..], 0.99),
        ] {
            let fieller = fieller_ratio_interval(first, second, level).unwrap();
            let (low, high) = fieller_by_test_inversion(first, second, level);
            assert!(
                close(fieller.interval.low, low, 1e-9),
                "{fieller:?} vs {low}"
            );
            assert!(
                close(fieller.interval.high, high, 1e-9),
                "{fieller:?} vs {high}"
            );
            assert!(fieller.interval.low < fieller.ratio && fieller.ratio < fieller.interval.high);
        }
        // Sleep group 1 has mean 0.75 and standard error 0.566: its own 95% interval includes 0,
        // so the ratios with it as denominator form no bounded interval.
        assert_eq!(fieller_ratio_interval(&sleep2, &sleep1, 0.95), None);
        // One value in an arm, no variation at all, a zero denominator: undefined.
        assert_eq!(fieller_ratio_interval(&[1.0], &sleep2, 0.95), None);
        assert_eq!(fieller_ratio_interval(&[2.0, 2.0], &[3.0, 3.0], 0.95), None);
        assert_eq!(
            fieller_ratio_interval(&[1.0, 2.0], &[-1.0, 1.0], 0.95),
            None
        );
    }
}
