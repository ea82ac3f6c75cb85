//! The crate's import graph, read from `src/` as text (the same reading as
//! `scripts/import-graph`): no two files import each other through any
//! chain, and no stage imports a later one (config → book → markdown →
//! execute → measure → render → output). Unit tests are left out: a test
//! may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const STAGES: [&str; 7] = [
    "config", "book", "markdown", "execute", "measure", "render", "output",
];

/// Exceptions to the two rules, each with the work that removes it. Empty:
/// a new loop or upward import fails until it is undone (or listed here
/// with its reason).
const KNOWN_LOOPS: [&[&str]; 0] = [];
const KNOWN_UPWARD: [&str; 0] = [];

type Module = Vec<String>;

fn module_of(rel: &str) -> Module {
    let mut parts: Module = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// Every source file of the crate but the binary's and the unit tests',
/// by module, with its path under `src/`.
fn files(root: &Path) -> BTreeMap<Module, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let name = path.file_name().unwrap().to_string_lossy();
            if !rel.ends_with(".rs")
                || name.ends_with("_tests.rs")
                || name == "tests.rs"
                || rel == "main.rs"
            {
                continue;
            }
            out.insert(module_of(&rel), rel);
        }
    }
    out
}

/// The text without comments, string literals and the test module.
fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        let mut in_string = false;
        let mut escaped = false;
        for ch in code.chars() {
            match (in_string, escaped, ch) {
                (true, false, '\\') => escaped = true,
                (true, false, '"') => in_string = false,
                (true, ..) => escaped = false,
                (false, _, '"') => in_string = true,
                (false, ..) => out.push(ch),
            }
        }
        out.push('\n');
    }
    out
}

/// `a::{b, c::{d}}` → `a::b`, `a::c::d`.
fn expand(prefix: &str, body: &str, out: &mut Vec<String>) {
    let body = body.trim();
    let Some(open) = body.find('{').filter(|_| body.ends_with('}')) else {
        out.push(format!("{prefix}{body}"));
        return;
    };
    let head = format!("{prefix}{}", &body[..open]);
    let (mut depth, mut item) = (0, String::new());
    for ch in body[open + 1..body.len() - 1].chars().chain([',']) {
        match ch {
            ',' if depth == 0 => {
                let item = std::mem::take(&mut item);
                let item = item.split(" as ").next().unwrap_or("").trim();
                if !item.is_empty() {
                    expand(&head, item, out);
                }
                continue;
            }
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        item.push(ch);
    }
}

/// Every crate path `text` names, made absolute from `module`.
fn paths_in(module: &Module, text: &str) -> Vec<Module> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest.find(';').unwrap_or(rest.len());
        let tree: String = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
        expand(
            "",
            &tree.replace(":: ", "::").replace(" ::", "::"),
            &mut found,
        );
    }
    for (i, _) in text
        .match_indices("crate::")
        .chain(text.match_indices("super::"))
    {
        let before = text[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let path: String = text[i..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        found.push(path.trim_end_matches(':').to_owned());
    }
    found
        .iter()
        .filter_map(|p| {
            let segs: Vec<&str> = p.split("::").collect();
            match segs[0] {
                "crate" => Some(segs[1..].iter().map(|s| s.to_string()).collect()),
                "super" => {
                    let mut base = module.clone();
                    let mut segs = &segs[..];
                    while segs.first() == Some(&"super") {
                        base.pop();
                        segs = &segs[1..];
                    }
                    base.extend(segs.iter().map(|s| s.to_string()));
                    Some(base)
                }
                "self" => {
                    let mut base = module.clone();
                    base.extend(segs[1..].iter().map(|s| s.to_string()));
                    Some(base)
                }
                _ => None,
            }
        })
        .collect()
}

/// File → the files it imports (not its own submodules).
fn graph() -> (BTreeMap<Module, String>, BTreeMap<Module, BTreeSet<Module>>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known = files(&root);
    let mut edges = BTreeMap::new();
    for (module, rel) in &known {
        let text = strip(&std::fs::read_to_string(root.join(rel)).unwrap());
        let mut targets = BTreeSet::new();
        for path in paths_in(module, &text) {
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| known.contains_key(p));
            if let Some(t) = target
                && &t != module
                && !t.starts_with(module)
            {
                targets.insert(t);
            }
        }
        edges.insert(module.clone(), targets);
    }
    (known, edges)
}

/// Groups of files that reach each other (Tarjan's strongly connected
/// components), each as its sorted file names.
fn loops(
    edges: &BTreeMap<Module, BTreeSet<Module>>,
    name: &dyn Fn(&Module) -> String,
) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        found: Vec<Vec<&'a Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in &s.edges[v] {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let at = s.stack.iter().position(|m| *m == v).unwrap();
            let group = s.stack.split_off(at);
            if group.len() > 1 {
                s.found.push(group);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    let mut out: Vec<Vec<String>> = s
        .found
        .iter()
        .map(|g| {
            let mut names: Vec<String> = g.iter().map(|m| name(m)).collect();
            names.sort();
            names
        })
        .collect();
    out.sort();
    out
}

#[test]
fn no_file_imports_itself_through_others() {
    let (known, edges) = graph();
    let name = |m: &Module| known[m].clone();
    let known_loops: Vec<Vec<String>> = KNOWN_LOOPS
        .iter()
        .map(|l| l.iter().map(|s| s.to_string()).collect())
        .collect();
    let new: Vec<Vec<String>> = loops(&edges, &name)
        .into_iter()
        .filter(|l| !known_loops.contains(l))
        .collect();
    assert!(new.is_empty(), "import loops between files: {new:?}");
}

#[test]
fn no_stage_imports_a_later_one() {
    let (known, edges) = graph();
    let stage = |m: &Module| m.first().and_then(|s| STAGES.iter().position(|t| t == s));
    let mut upward = Vec::new();
    for (from, targets) in &edges {
        for to in targets {
            if let (Some(a), Some(b)) = (stage(from), stage(to))
                && b > a
            {
                let arrow = format!("{} -> {}", known[from], known[to]);
                if !KNOWN_UPWARD.contains(&arrow.as_str()) {
                    upward.push(arrow);
                }
            }
        }
    }
    assert!(upward.is_empty(), "imports of a later stage: {upward:?}");
}

#[test]
fn the_reading_finds_the_arrows_it_must() {
    // A reading that found nothing would pass the two tests above: these
    // arrows exist and must be seen, through a `use` tree, a `super::`
    // path and a path written in the code.
    let (known, edges) = graph();
    let arrow = |from: &str, to: &str| {
        let f = module_of(from);
        let t = module_of(to);
        assert!(
            known.contains_key(&f) && known.contains_key(&t),
            "{from}, {to}"
        );
        assert!(edges[&f].contains(&t), "{from} -> {to} not found");
    };
    arrow("execute/sandbox.rs", "config/mod.rs");
    arrow("pipeline/answer.rs", "pipeline/mod.rs");
    arrow("execute/budget.rs", "config/mod.rs");
    arrow("execute/cgroup.rs", "interrupt.rs");
}
