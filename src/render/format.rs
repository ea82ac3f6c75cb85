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

/// A figure in its unit: `0.84 s`, `197%`, `38 MiB`, `1843.5`.
pub fn format_value(x: f64, unit: crate::measure::Unit) -> String {
    use crate::measure::Unit;
    match unit {
        Unit::Seconds => seconds(x),
        Unit::Percent => format!("{:.0}%", x * 100.0),
        Unit::Bytes => mebibytes(x as u64),
        Unit::Number => number(x),
    }
}

/// A ratio's digits: two decimals, but one far from 1 keeps three
/// significant digits instead (`0.012`, `184`), so a small one does not
/// read as zero and a large one carries no false precision.
pub fn ratio_digits(x: f64) -> String {
    if (0.1..100.0).contains(&x.abs()) {
        format!("{x:.2}")
    } else {
        number(x)
    }
}

/// Three significant digits, no exponent for everyday sizes.
pub fn number(x: f64) -> String {
    let a = x.abs();
    if (x == x.trunc() && a < 1e15) || a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 0.01 {
        format!("{x:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    } else {
        format!("{x:.3e}")
    }
}

/// `2026-12-01 18:40 UTC`.
pub fn date_time(unix: u64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix);
    let iso = humantime::format_rfc3339_seconds(t).to_string();
    format!("{} {} UTC", &iso[..10], &iso[11..16])
}

pub fn seconds(s: f64) -> String {
    if s < 0.001 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.0} ms", s * 1e3)
    } else if s < 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    }
}

pub fn mebibytes(bytes: u64) -> String {
    let mib = bytes as f64 / (1u64 << 20) as f64;
    if mib < 10.0 {
        format!("{mib:.1} MiB")
    } else {
        format!("{mib:.0} MiB")
    }
}

/// `x` (seconds, a ratio, bytes or a plain number, as the figure is) in
/// the format the prose named.
pub fn in_format(x: f64, format: Format) -> String {
    match format {
        Format::S => format!("{x:.2} s"),
        Format::Ms => format!("{:.1} ms", x * 1e3),
        Format::Us => format!("{:.0} µs", x * 1e6),
        Format::Percent => format!("{:.0}%", x * 100.0),
        Format::MiB => format!("{:.1} MiB", x / (1u64 << 20) as f64),
        Format::X => format!("{x:.2}×"),
        Format::Int => format!("{x:.0}"),
        Format::Num => number(x),
    }
}

/// A quoted figure as the prose reads it: `0.84 s`, `1.83×`, `4.2%`.
pub fn quoted(q: &Quote) -> String {
    let x = q.x;
    match q.written {
        Written::Format(f) => in_format(x, f),
        Written::Cv => format!("{:.1}%", x * 100.0),
        Written::Count => format!("{x:.0}"),
        Written::Ratio => format!("{}×", ratio_digits(x)),
        Written::Unit(u) => format_value(x, u),
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
    }
}

/// The machine a claim was judged on: `2 usable cores, Python 3.11.7`.
pub fn claim_machine(c: &CheckedClaim) -> String {
    format!(
        "{} usable cores, Python {}",
        c.usable_cores, c.python_version
    )
}
