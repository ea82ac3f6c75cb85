//! Claims: statements over measured figures, written in a ```` ```claim ````
//! block, checked against this build's results.
//!
//! ```text
//! says: Processes beat threads by at least 1.5x on CPU-bound work
//! cpu-procs speedup >= 1.5 * cpu-threads speedup
//! when cores >= 2
//! ```
//!
//! - `says:` (optional) is the claim in words, shown on the page.
//! - One comparison: `SIDE OP SIDE`, OP one of `>=`, `>`, `<=`, `<`; a side
//!   is a figure `ID [FIGURE [STAT]]` (as in `{{#measure}}`), optionally
//!   scaled, `1.5 * ID FIGURE`, or a plain number.
//! - `when` lines (optional) say where the claim applies: `cores`
//!   (usable cores), `logical_cores`, `python` (its version, as `3.12`:
//!   the version of the interpreter the claim's runs ran under) or
//!   `free-cores` (the cores other work left free while the claim's
//!   examples ran, measured, not the machine's promise) compared with a
//!   number, or `free-threaded` / `not free-threaded` (whether the runs'
//!   interpreter has its GIL off), joined with `and`. A claim that does not
//!   apply is skipped (not judged), never passed.

/// A parsed claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub says: Option<String>,
    pub left: Side,
    pub op: Op,
    pub right: Side,
    pub when: Vec<Condition>,
    /// The comparison's line in the block (0-based), so an error about one
    /// of its figures points at that line, not at the fence.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Side {
    Number(f64),
    /// `factor × figure`; the figure as `{{#measure}}` arguments.
    Figure {
        factor: f64,
        args: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Ge,
    Gt,
    Le,
    Lt,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            ">=" | "≥" => Op::Ge,
            ">" => Op::Gt,
            "<=" | "≤" => Op::Le,
            "<" => Op::Lt,
            _ => return None,
        })
    }

    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Ge => a >= b,
            Op::Gt => a > b,
            Op::Le => a <= b,
            Op::Lt => a < b,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Op::Ge => "≥",
            Op::Gt => ">",
            Op::Le => "≤",
            Op::Lt => "<",
        }
    }
}

/// Where a claim applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub quantity: Quantity,
    pub op: Op,
    pub value: f64,
    /// As written, for the page.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    Cores,
    LogicalCores,
    /// Major × 1000 + minor, so 3.12 compares above 3.9.
    Python,
    /// `free-threaded`: 1 when the interpreter's GIL is disabled.
    FreeThreaded,
    /// Measured while the claim's examples ran (`execute::cpu_load`).
    FreeCores,
}

/// The machine a condition is checked on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Machine {
    pub cores: usize,
    pub logical_cores: usize,
    /// (major, minor) of the interpreter the claim's runs ran under.
    pub python: (u32, u32),
    /// Whether that interpreter's GIL is disabled.
    pub free_threaded: bool,
    /// The fewest free cores any of the claim's examples had (the median
    /// over its runs); none when a run did not measure it.
    pub free_cores: Option<f64>,
}

impl Condition {
    pub fn holds(&self, m: &Machine) -> bool {
        let have = match self.quantity {
            Quantity::Cores => m.cores as f64,
            Quantity::LogicalCores => m.logical_cores as f64,
            Quantity::Python => (m.python.0 * 1000 + m.python.1) as f64,
            Quantity::FreeThreaded => f64::from(u8::from(m.free_threaded)),
            // Not measured is not met: the claim is not judged.
            Quantity::FreeCores => match m.free_cores {
                Some(free) => free,
                None => return false,
            },
        };
        self.op.holds(have, self.value)
    }
}

/// A problem in a claim block: the line (0-based, within the block) and
/// what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimError {
    pub line: usize,
    pub message: String,
}

pub fn parse(text: &str) -> Result<Claim, ClaimError> {
    let mut says = None;
    let mut comparison = None;
    let mut when = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        let err = |message: String| ClaimError { line: n, message };
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("says:") {
            says = Some(rest.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("when ") {
            for part in rest.split(" and ") {
                when.push(condition(part.trim()).map_err(err)?);
            }
        } else if comparison.is_none() {
            comparison = Some((parse_comparison(line).map_err(err)?, n));
        } else {
            return Err(err(
                "a claim has one comparison; write another claim block for another".into(),
            ));
        }
    }
    let Some(((left, op, right), line)) = comparison else {
        return Err(ClaimError {
            line: 0,
            message: "the claim has no comparison, such as `cpu-procs speedup >= 1.5`".into(),
        });
    };
    Ok(Claim {
        says,
        left,
        op,
        right,
        when,
        line,
    })
}

fn parse_comparison(line: &str) -> Result<(Side, Op, Side), String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let ops: Vec<usize> = (0..words.len())
        .filter(|&i| Op::parse(words[i]).is_some())
        .collect();
    let [at] = ops[..] else {
        return Err(format!(
            "`{line}` needs exactly one of >=, >, <=, < between two figures, with spaces around it"
        ));
    };
    let op = Op::parse(words[at]).expect("found above");
    Ok((side(&words[..at])?, op, side(&words[at + 1..])?))
}

/// A number as a claim writes it, in the figure's base unit: seconds
/// (`0.5`, `500ms`, `2s`, `30us`), fractions (`0.5`, `50%`), bytes (`100MiB`,
/// `64KiB`, `1GiB`) or a plain ratio (`1.5`, `1.5x`).
pub fn number(w: &str) -> Option<f64> {
    let units: [(&str, f64); 10] = [
        ("ms", 1e-3),
        ("us", 1e-6),
        ("µs", 1e-6),
        ("s", 1.0),
        ("%", 0.01),
        ("KiB", 1024.0),
        ("MiB", 1024.0 * 1024.0),
        ("GiB", 1024.0 * 1024.0 * 1024.0),
        ("x", 1.0),
        ("×", 1.0),
    ];
    let (digits, scale) = units
        .iter()
        .find_map(|(u, k)| w.strip_suffix(u).map(|d| (d, *k)))
        .unwrap_or((w, 1.0));
    // Only plain decimal numbers: no `nan`, `inf` or exponents past f64.
    if !digits
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
    {
        return None;
    }
    digits
        .parse::<f64>()
        .ok()
        .map(|x| x * scale)
        .filter(|x| x.is_finite())
}

fn side(words: &[&str]) -> Result<Side, String> {
    match words {
        [] => Err("one side of the comparison is empty".into()),
        [w] if number(w).is_some() => Ok(Side::Number(number(w).expect("checked"))),
        [f, op, rest @ ..] if matches!(*op, "*" | "x" | "×") && number(f).is_some() => {
            figure(number(f).expect("checked"), rest)
        }
        _ => figure(1.0, words),
    }
}

fn figure(factor: f64, words: &[&str]) -> Result<Side, String> {
    if words.is_empty() || words.len() > 3 {
        return Err(format!(
            "`{}` is not a figure: write `ID [FIGURE [STAT]]`, e.g. `cpu-procs speedup` or `io-bench wall median`",
            words.join(" ")
        ));
    }
    Ok(Side::Figure {
        factor,
        args: words.iter().map(|w| (*w).to_owned()).collect(),
    })
}

fn condition(text: &str) -> Result<Condition, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    // `free-threaded` and `not free-threaded` test the interpreter the
    // claim's runs ran under.
    let free = match words[..] {
        ["free-threaded"] => Some(Op::Ge),
        ["not", "free-threaded"] => Some(Op::Lt),
        _ => None,
    };
    if let Some(op) = free {
        return Ok(Condition {
            quantity: Quantity::FreeThreaded,
            op,
            value: 1.0,
            text: text.to_owned(),
        });
    }
    let [q, op, v] = words[..] else {
        return Err(format!(
            "`when {text}`: write `when cores >= 2`, `when free-cores >= 1.8`, `when python >= 3.12` or `when free-threaded`"
        ));
    };
    let quantity = match q {
        "cores" => Quantity::Cores,
        "logical_cores" => Quantity::LogicalCores,
        "python" => Quantity::Python,
        "free-cores" => Quantity::FreeCores,
        other => {
            return Err(format!(
                "`{other}` is not something a claim can depend on: use cores, logical_cores, free-cores, python or free-threaded"
            ));
        }
    };
    let op = Op::parse(op).ok_or_else(|| format!("`{op}` is not one of >=, >, <=, <"))?;
    let value = if quantity == Quantity::Python {
        let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
        match (major.parse::<u16>(), minor.parse::<u16>()) {
            (Ok(a), Ok(b)) => f64::from(a) * 1000.0 + f64::from(b),
            _ => return Err(format!("`{v}` is not a Python version such as 3.12")),
        }
    } else {
        number(v).ok_or_else(|| format!("`{v}` is not a number"))?
    };
    Ok(Condition {
        quantity,
        op,
        value,
        text: text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_threaded_is_a_condition_on_the_interpreter() {
        let c = parse("a wall < b wall\nwhen free-threaded and python >= 3.13\n").unwrap();
        let gil = Machine {
            cores: 2,
            logical_cores: 2,
            python: (3, 13),
            free_threaded: false,
            free_cores: None,
        };
        let t = Machine {
            free_threaded: true,
            ..gil
        };
        assert!(!c.when.iter().all(|w| w.holds(&gil)));
        assert!(c.when.iter().all(|w| w.holds(&t)));
        let not = parse("a wall < b wall\nwhen not free-threaded\n").unwrap();
        assert!(not.when[0].holds(&gil) && !not.when[0].holds(&t));
    }

    #[test]
    fn a_full_claim_parses() {
        let c = parse(
            "says: Processes beat threads\ncpu-procs speedup >= 1.5 * cpu-threads speedup\nwhen cores >= 2 and python >= 3.11\n",
        )
        .unwrap();
        assert_eq!(c.says.as_deref(), Some("Processes beat threads"));
        assert_eq!(
            c.left,
            Side::Figure {
                factor: 1.0,
                args: vec!["cpu-procs".into(), "speedup".into()]
            }
        );
        assert_eq!(c.op, Op::Ge);
        assert_eq!(
            c.right,
            Side::Figure {
                factor: 1.5,
                args: vec!["cpu-threads".into(), "speedup".into()]
            }
        );
        let m = Machine {
            cores: 2,
            logical_cores: 2,
            python: (3, 11),
            free_threaded: false,
            free_cores: None,
        };
        assert!(c.when.iter().all(|w| w.holds(&m)));
        let old = Machine {
            python: (3, 9),
            ..m
        };
        assert!(!c.when[1].holds(&old));
        let newer = Machine {
            python: (3, 12),
            ..m
        };
        assert!(c.when[1].holds(&newer), "3.12 is above 3.11, not below");
        assert_eq!(parse("io wall < 2").unwrap().right, Side::Number(2.0));
        assert_eq!(parse("io speedup > 1.2x").unwrap().right, Side::Number(1.2));
        assert_eq!(parse("io wall < 500ms").unwrap().right, Side::Number(0.5));
        assert_eq!(
            parse("io cpu_util >= 50%").unwrap().right,
            Side::Number(0.5)
        );
        assert_eq!(
            parse("io peak_memory < 2MiB").unwrap().right,
            Side::Number(2097152.0)
        );
        // Not numbers: the word is read as an example id instead.
        for w in ["nan", "inf", "1e999"] {
            assert!(
                matches!(
                    parse(&format!("io wall < {w}")).unwrap().right,
                    Side::Figure { .. }
                ),
                "{w}"
            );
        }
    }

    #[test]
    fn free_cores_are_judged_on_what_was_measured() {
        let c = parse("a speedup >= 1.3\nwhen free-cores >= 1.8 and cores >= 2").unwrap();
        let busy = Machine {
            cores: 2,
            logical_cores: 2,
            python: (3, 11),
            free_threaded: false,
            free_cores: Some(1.1),
        };
        assert!(!c.when[0].holds(&busy), "1.1 cores free is not 1.8");
        assert!(c.when[1].holds(&busy), "the machine has the cores");
        let quiet = Machine {
            free_cores: Some(1.95),
            ..busy
        };
        assert!(c.when[0].holds(&quiet));
        let unmeasured = Machine {
            free_cores: None,
            ..busy
        };
        assert!(
            !c.when[0].holds(&unmeasured),
            "a figure nobody measured does not let the claim be judged"
        );
        assert!(c.when[0].quantity == Quantity::FreeCores);
    }

    #[test]
    fn mistakes_name_their_line() {
        assert_eq!(parse("says: only words").unwrap_err().line, 0);
        let two = parse("a wall < 1\nb wall < 1").unwrap_err();
        assert_eq!(two.line, 1);
        assert!(
            parse("a wall = b wall")
                .unwrap_err()
                .message
                .contains("exactly one of")
        );
        let when = parse("a wall < 1\nwhen memory > 3").unwrap_err();
        assert_eq!(when.line, 1);
        assert!(
            when.message
                .contains("cores, logical_cores, free-cores, python or free-threaded")
        );
        assert!(
            parse("a b c d < 1")
                .unwrap_err()
                .message
                .contains("is not a figure")
        );
    }
}
