//! Percentile statistics over recorded per-operation samples, and the
//! median used to combine per-round ratios.

/// The figures a latency table shows, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The median.
    pub p50: f64,
    /// The 99th percentile.
    pub p99: f64,
    /// The 99.9th percentile.
    pub p999: f64,
    /// The largest sample.
    pub max: f64,
}

impl Summary {
    /// Summarizes `samples` (sorted in place). `None` when there are none.
    pub fn of(samples: &mut [f64]) -> Option<Self> {
        samples.sort_unstable_by(f64::total_cmp);
        Some(Self {
            p50: percentile(samples, 0.50)?,
            p99: percentile(samples, 0.99)?,
            p999: percentile(samples, 0.999)?,
            max: *samples.last()?,
        })
    }
}

/// The nearest-rank `fraction` percentile of `sorted` (ascending): the
/// smallest sample with at least `fraction` of all samples at or below it.
pub fn percentile(sorted: &[f64], fraction: f64) -> Option<f64> {
    let rank = (fraction * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[middle]),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples: Vec<f64> = (1..=1000).rev().map(f64::from).collect();
        let summary = Summary::of(&mut samples).unwrap();
        assert_eq!(
            summary,
            Summary {
                p50: 500.0,
                p99: 990.0,
                p999: 999.0,
                max: 1000.0
            }
        );
        assert_eq!(percentile(&[7.0], 0.999), Some(7.0));
        assert_eq!(Summary::of(&mut []), None);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
