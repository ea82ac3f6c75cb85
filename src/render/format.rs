//! Every number and unit the site shows, written one way: the figures of
//! runs (`format_value`), ratios and speed-ups, the dates results were
//! measured, and the names of figures in words. Plain text, no HTML: the
//! callers escape it where it lands, and `check` and the build summary use
//! it for the terminal too.

use crate::measure::quote::{Format, Quote, Written};
use crate::measure::verdict::{CheckedClaim, Shown};

/// The words for a built-in figure.
pub(crate) fn builtin_label(name: &str) -> Option<&'static str> {
    match name {
        "wall" => Some("wall time"),
        "cpu" => Some("CPU time"),
        "cpu_util" => Some("CPU use"),
        "peak_memory" => Some("peak memory"),
        _ => None,
    }
}

/// A figure in words: a built-in one's name, a reported one's with its
/// underscores read as spaces and units and acronyms in their usual case
/// (`rss_kib_per_worker` → "RSS KiB per worker").
pub fn figure_label(name: &str) -> String {
    if let Some(label) = builtin_label(name) {
        return label.to_owned();
    }
    name.split('_')
        .map(|word| match word {
            "kib" => "KiB",
            "mib" => "MiB",
            "gib" => "GiB",
            "kb" => "kB",
            "mb" => "MB",
            "gb" => "GB",
            "rss" => "RSS",
            "pss" => "PSS",
            "uss" => "USS",
            "cpu" => "CPU",
            "ipc" => "IPC",
            "gil" => "GIL",
            "io" => "I/O",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The one rounding rule for every number the site shows: three
/// significant digits, the whole part never cut (`1843.25` → `1843`), and
/// trailing zeros dropped (`1.50` → `1.5`, `3.00` → `3`), so a number a
/// book writes (`1.3` in a claim) reads as written. Below 0.001, where the
/// digits would hide behind zeros, an exponent (`1.23e-4`). Every unit's
/// writer below scales first, then rounds here.
pub fn significant(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{}", if x == 0.0 { 0.0 } else { x });
    }
    let a = x.abs();
    if a < 1e-3 {
        return format!("{x:.2e}");
    }
    let magnitude = a.log10().floor() as i32;
    let decimals = (2 - magnitude).max(0) as usize;
    let mut text = format!("{x:.decimals$}");
    // Rounding can carry into a new digit (9.996 → 10.00): one decimal
    // fewer keeps three significant digits.
    if decimals > 0
        && text
            .trim_start_matches('-')
            .parse::<f64>()
            .is_ok_and(|r| r >= 10f64.powi(magnitude + 1))
    {
        text = format!("{x:.prec$}", prec = decimals - 1);
    }
    if text.contains('.') {
        text.truncate(text.trim_end_matches('0').trim_end_matches('.').len());
    }
    text
}

/// `x` rounded by `significant`, as a number again: which unit a value is
/// written in is chosen on what it will read as (0.9996 s is `1 s`, not
/// `1000 ms`).
fn rounded(x: f64) -> f64 {
    significant(x).parse().unwrap_or(x)
}

/// A figure in its unit: `840 ms`, `197%`, `38.2 MiB`, `1843`.
pub fn format_value(x: f64, unit: crate::measure::Unit) -> String {
    use crate::measure::Unit;
    match unit {
        Unit::Seconds => seconds(x),
        Unit::Percent => percent(x),
        Unit::Bytes => mebibytes(x),
        Unit::Number => number(x),
    }
}

/// A ratio or speed-up, without its `×`.
pub fn ratio(x: f64) -> String {
    significant(x)
}

/// A plain number.
pub fn number(x: f64) -> String {
    significant(x)
}

/// A ratio of 1 = 100 % as a percentage: `197%`, `4.2%`.
pub fn percent(x: f64) -> String {
    format!("{}%", significant(x * 100.0))
}

/// A time in the unit that keeps it short: `840 µs`, `12.3 ms`, `1.1 s`.
pub fn seconds(s: f64) -> String {
    let r = rounded(s);
    if r < 1e-3 {
        format!("{} µs", significant(s * 1e6))
    } else if r < 1.0 {
        format!("{} ms", significant(s * 1e3))
    } else {
        format!("{} s", significant(s))
    }
}

/// Bytes in mebibytes: `38.2 MiB`.
pub fn mebibytes(bytes: f64) -> String {
    format!("{} MiB", significant(bytes / (1u64 << 20) as f64))
}

/// `2026-12-01 18:40 UTC`.
pub fn date_time(unix: u64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix);
    let iso = humantime::format_rfc3339_seconds(t).to_string();
    format!("{} {} UTC", &iso[..10], &iso[11..16])
}

/// `x` (seconds, a ratio, bytes or a plain number, as the figure is) in
/// the format the prose named: the format picks the unit, `significant`
/// the digits.
pub fn in_format(x: f64, format: Format) -> String {
    match format {
        Format::S => format!("{} s", significant(x)),
        Format::Ms => format!("{} ms", significant(x * 1e3)),
        Format::Us => format!("{} µs", significant(x * 1e6)),
        Format::Percent => percent(x),
        Format::MiB => mebibytes(x),
        Format::X => format!("{}×", ratio(x)),
        // The one format that asks for a rounding of its own.
        Format::Int => format!("{x:.0}"),
        Format::Num => number(x),
    }
}

/// A quoted figure as the prose reads it: `0.84 s`, `1.83×`, `4.2%`.
pub fn quoted(q: &Quote) -> String {
    let x = q.x;
    match q.written {
        Written::Format(f) => in_format(x, f),
        Written::Cv => percent(x),
        Written::Count => format!("{x:.0}"),
        Written::Ratio => format!("{}×", ratio(x)),
        Written::Unit(u) => format_value(x, u),
    }
}

/// When a claim's runs were: `2026-12-06 03:10 UTC`, or `from … to …` when
/// their minutes differ.
pub fn runs_between(runs: Option<(u64, u64)>) -> String {
    let Some((first, last)) = runs else {
        return "unknown times".into();
    };
    let (first, last) = (date_time(first), date_time(last));
    if first == last {
        first
    } else {
        format!("from {first} to {last}")
    }
}

/// What a quoted figure is, for its hover text: `median wall of 5 runs of
/// example cpu-bench`.
pub fn quote_title(q: &Quote) -> String {
    let n = q.stats.n;
    format!(
        "{} {} of {n} run{} of example {}",
        q.stat,
        q.figure,
        if n == 1 { "" } else { "s" },
        q.id
    )
}

/// A claim's comparison with this build's numbers, as `check` prints it
/// and the page shows it: `cpu-procs speedup = 1.83× ≥ 1.5 × cpu-threads
/// speedup = 1.5 × 0.92×`.
pub fn claim_comparison(c: &CheckedClaim) -> String {
    format!("{} {} {}", side(&c.left), c.op, side(&c.right))
}

fn side(s: &Shown) -> String {
    match s {
        Shown::Number { x, unit: Some(u) } => format_value(*x, *u),
        Shown::Number { x, unit: None } => number(*x),
        Shown::Figure {
            factor,
            written,
            quote,
        } if *factor == 1.0 => format!("{written} = {}", quoted(quote)),
        Shown::Figure {
            factor,
            written,
            quote,
        } => {
            let f = number(*factor);
            format!("{f} × {written} = {f} × {}", quoted(quote))
        }
        Shown::Absent { written } => format!("{written} = not measured here"),
    }
}

/// The machine a claim was judged on: `2 usable cores, Python 3.11.7`.
pub fn claim_machine(c: &CheckedClaim) -> String {
    let free = match (c.measures_free, c.free_cores) {
        (false, _) => String::new(),
        (true, Some(f)) => format!(", {} free while its examples ran", significant(f)),
        (true, None) => ", free cores not measured".into(),
    };
    format!(
        "{} usable cores{free}, Python {}",
        c.usable_cores, c.python_version
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits_at_every_boundary() {
        assert_eq!(significant(0.0), "0");
        assert_eq!(significant(1843.25), "1843");
        assert_eq!(significant(123.45), "123");
        assert_eq!(significant(12.345), "12.3");
        assert_eq!(significant(1.2345), "1.23");
        assert_eq!(significant(0.012345), "0.0123");
        assert_eq!(significant(0.001), "0.001");
        assert_eq!(significant(0.000_123_4), "1.23e-4");
        assert_eq!(significant(-1.2345), "-1.23");
        // Trailing zeros go: a number written `1.3` reads `1.3`.
        assert_eq!(significant(1.3), "1.3");
        assert_eq!(significant(3.0), "3");
        assert_eq!(significant(100.0), "100");
        // A carry into a new digit keeps three digits, not four.
        assert_eq!(significant(9.996), "10");
        assert_eq!(significant(9.9951), "10");
        assert_eq!(significant(99.96), "100");
        assert_eq!(significant(0.09996), "0.1");
        assert_eq!(significant(0.12345), "0.123");
    }

    #[test]
    fn each_unit_scales_then_rounds_the_same_way() {
        assert_eq!(seconds(0.000_512), "512 µs");
        assert_eq!(seconds(0.012_34), "12.3 ms");
        assert_eq!(seconds(0.84), "840 ms");
        assert_eq!(seconds(1.234), "1.23 s");
        assert_eq!(seconds(123.4), "123 s");
        // The unit is picked on the rounded value: never `1000 ms`.
        assert_eq!(seconds(0.999_6), "1 s");
        assert_eq!(seconds(0.000_999_6), "1 ms");
        assert_eq!(percent(1.974), "197%");
        assert_eq!(percent(0.0425), "4.25%");
        assert_eq!(mebibytes(38.0 * 1048576.0), "38 MiB");
        assert_eq!(mebibytes(1.5 * 1048576.0), "1.5 MiB");
        assert_eq!(ratio(1.0), "1");
        assert_eq!(ratio(0.012_34), "0.0123");
        // An explicit format picks the unit; the digits are the same rule.
        assert_eq!(in_format(0.000_33, Format::Ms), "0.33 ms");
        assert_eq!(in_format(0.000_33, Format::Us), "330 µs");
        assert_eq!(in_format(1.834, Format::X), "1.83×");
        assert_eq!(in_format(96.6, Format::Int), "97");
    }
}
