use super::*;

fn err(info: &str) -> (String, String, usize) {
    let e = parse_options(info).unwrap_err();
    (e.message, e.help, e.offset)
}

#[test]
fn defaults_run_and_expect_success() {
    assert_eq!(parse_options("python").unwrap(), ExampleSpec::default());
}

#[test]
fn every_option() {
    let spec =
        parse_options("python id=gil-demo, timeout=2.5 exit=3 file=\"../examples/x y.py:main\"")
            .unwrap();
    assert_eq!(spec.id.as_deref(), Some("gil-demo"));
    assert_eq!(spec.timeout, Some(Duration::from_millis(2500)));
    assert_eq!(spec.expect, Expectation::Exit(3));
    assert_eq!(
        spec.file,
        Some(FileRef {
            path: "../examples/x y.py".into(),
            anchor: Some("main".into())
        })
    );
    assert!(spec.run);
    let spec = parse_options("python,norun,expect=error").unwrap();
    assert!(!spec.run);
    assert_eq!(spec.expect, Expectation::Failure);
    assert_eq!(
        parse_options("py exit=0").unwrap().expect,
        Expectation::Success
    );
    assert_eq!(
        parse_options("python timeout=3s").unwrap().timeout,
        Some(Duration::from_secs(3))
    );
}

#[test]
fn unknown_option_names_the_nearest_and_its_offset() {
    let (message, help, offset) = err("python id=a noruns");
    assert_eq!(message, "unknown example option `noruns`");
    assert!(help.starts_with("did you mean `norun`?"), "{help}");
    assert_eq!(offset, 12);
    let (_, help, _) = err("python zzz");
    assert!(help.starts_with("valid options: `norun`"), "{help}");
}

#[test]
fn bad_values_say_what_is_allowed() {
    assert!(err("python timeout=0").0.contains("out of range"));
    assert!(err("python timeout=soon").1.contains("timeout=5"));
    assert!(err("python exit=256").1.contains("0 to 255"));
    assert!(err("python expect=maybe").1.contains("expect=error"));
    assert!(err("python id=Bad").1.contains("lowercase"));
    assert!(err("python id=").0.contains("needs a value"));
    assert!(err("python norun=yes").0.contains("takes no value"));
    assert!(err("python id=a id=b").0.contains("twice"));
    assert!(err("python expect=error exit=2").0.contains("both"));
    assert_eq!(err("python file=\"x").2, 12);
}

#[test]
fn only_python_fences_are_examples() {
    assert!(is_python(Some("python")) && is_python(Some("py")) && is_python(Some("python3")));
    assert!(!is_python(Some("Python")) && !is_python(Some("pycon")) && !is_python(None));
}

#[test]
fn benchmark_and_group_options() {
    let spec =
        parse_options("python id=cpu-threads repeat=7 warmup=2 group=cpu label=\"2 threads\"")
            .unwrap();
    assert_eq!(
        spec.bench,
        Some(Bench {
            repeat: 7,
            warmup: 2
        })
    );
    assert_eq!(
        spec.group,
        Some(GroupMember {
            name: "cpu".into(),
            label: Some("2 threads".into()),
            baseline: false,
            compare: None,
        })
    );
    assert_eq!(
        parse_options("python id=a repeat=3 group=g baseline")
            .unwrap()
            .bench,
        Some(Bench {
            repeat: 3,
            warmup: 1
        })
    );
    assert!(
        err("python repeat=0")
            .0
            .contains("not a count from 1 to 1000")
    );
    assert!(err("python warmup=2").0.contains("without `repeat`"));
    assert!(
        err("python repeat=3 group=g")
            .0
            .contains("needs `repeat=N` and an `id`")
    );
    assert!(err("python id=x label=y").0.contains("outside a group"));
    assert_eq!(
        parse_options("python id=m repeat=3 group=memory compare=kib_per_worker")
            .unwrap()
            .group
            .and_then(|g| g.compare)
            .as_deref(),
        Some("kib_per_worker")
    );
    assert!(
        err("python id=m repeat=3 compare=kib_per_worker")
            .0
            .contains("`compare` outside a group")
    );
    assert!(
        err("python id=m repeat=3 group=g compare=KiB-per")
            .0
            .contains("not a figure name")
    );
    assert!(
        err("python id=x repeat=2 group=Bad")
            .0
            .contains("not a valid group name")
    );
}

#[test]
fn a_claim_fence_takes_one_valid_id_and_nothing_else() {
    assert!(check_claim_options("claim").is_ok());
    assert!(check_claim_options("claim id=threads-win").is_ok());
    let e = check_claim_options("claim id=a id=b").unwrap_err();
    assert!(e.message.contains("given twice"), "{}", e.message);
    assert_eq!(e.offset, 11);
    let e = check_claim_options("claim id=__proto__").unwrap_err();
    assert!(e.message.contains("not a valid claim id"), "{}", e.message);
    let e = check_claim_options("claim pinned").unwrap_err();
    assert_eq!(e.message, "unknown claim option `pinned`");
    assert_eq!(e.help, "a claim's only option is `id=ID`");
}

#[test]
fn deps_takes_a_comma_separated_list_up_to_the_next_option() {
    let spec = parse_options("python deps=data/a.csv,data/*.json,norun id=x").unwrap();
    assert_eq!(spec.deps, ["data/a.csv", "data/*.json"]);
    assert!(!spec.run);
    assert_eq!(spec.id.as_deref(), Some("x"));
    let spec = parse_options("python deps=a.csv b.csv").unwrap_err();
    assert_eq!(spec.message, "unknown example option `b.csv`");
    assert_eq!(
        err("python deps=").0,
        "option `deps` needs a value: `deps=...`"
    );
}

#[test]
fn python_names_one_or_several_interpreters() {
    let spec = parse_options("python id=m python=\"3.12,3.13t\"").unwrap();
    assert_eq!(spec.python, ["3.12", "3.13t"]);
    assert_eq!(spec.python_at, 12);
    assert_eq!(
        parse_options("python python=3.13t").unwrap().python,
        ["3.13t"]
    );
    let twice = parse_options("python python=\"3.12, 3.12\"").unwrap_err();
    assert!(twice.message.contains("names `3.12` twice"), "{twice:?}");
    let norun = parse_options("python norun python=3.12").unwrap_err();
    assert!(
        norun.message.contains("`norun` with `python=`"),
        "{norun:?}"
    );
    let bad = parse_options("python python=\"3.12,a b\"").unwrap_err();
    assert!(
        bad.message.contains("`a b` is not an interpreter name"),
        "{bad:?}"
    );
}

#[test]
fn processes_and_open_files_are_an_examples_own_limits() {
    let spec = parse_options("python id=many processes=10200 open-files=64").unwrap();
    assert_eq!(spec.asks.processes, Some(10200));
    assert_eq!(spec.asks.open_files, Some(64));
    assert!(!parse_options("python").unwrap().asks.any());
    // The ranges are book.toml's, and the error points at the option.
    let (message, help, offset) = err("python processes=1");
    assert!(message.contains("from 2 to 1048576"), "{message}");
    assert!(help.contains("processes="), "{help}");
    assert_eq!(offset, 7);
    let (message, _, offset) = err("python id=x open-files=lots");
    assert!(message.contains("`open-files=lots`"), "{message}");
    assert_eq!(offset, 12);
    let (message, _, _) = err("python processes=5 processes=6");
    assert!(message.contains("given twice"), "{message}");
}
