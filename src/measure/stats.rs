//! Summary statistics of repeated measurements.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    pub n: usize,
    pub min: f64,
    pub median: f64,
    pub max: f64,
    pub mean: f64,
    /// Sample standard deviation (n − 1); 0 for a single sample.
    pub stdev: f64,
    /// Coefficient of variation: stdev / mean (0 when the mean is 0).
    pub cv: f64,
}

impl Stats {
    /// `None` for no samples or a sample that is not a finite number.
    pub fn of(samples: &[f64]) -> Option<Stats> {
        if samples.is_empty() || samples.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        let mean = sorted.iter().sum::<f64>() / n as f64;
        let stdev = if n > 1 {
            (sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Some(Stats {
            n,
            min: sorted[0],
            median,
            max: sorted[n - 1],
            mean,
            stdev,
            cv: if mean != 0.0 { stdev / mean.abs() } else { 0.0 },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Stats;

    #[test]
    fn known_inputs_give_known_statistics() {
        let s = Stats::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(
            (s.n, s.min, s.max, s.median, s.mean),
            (8, 2.0, 9.0, 4.5, 5.0)
        );
        // Sample variance 32 / 7.
        assert!((s.stdev - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert!((s.cv - s.stdev / 5.0).abs() < 1e-12);
        let odd = Stats::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!(odd.median, 2.0);
        let one = Stats::of(&[1.5]).unwrap();
        assert_eq!((one.stdev, one.cv, one.median), (0.0, 0.0, 1.5));
        assert_eq!(Stats::of(&[]), None);
        assert_eq!(Stats::of(&[1.0, f64::NAN]), None);
    }
}
