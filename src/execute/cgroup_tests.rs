use super::*;

/// A v1 machine like this project's: one hierarchy per controller.
const V1_MOUNTS: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
";

#[test]
fn v1_is_found_per_controller_under_our_own_cgroup() {
    let own = "8:pids:/\n4:memory:/jobs/abc\n2:cpuacct:/\n0::/\n";
    let Some(CgroupRoot::V1 {
        memory,
        pids,
        cpuacct,
    }) = CgroupRoot::locate(own, V1_MOUNTS)
    else {
        panic!("v1 not found");
    };
    assert_eq!(memory, Path::new("/sys/fs/cgroup/memory/jobs/abc"));
    assert_eq!(pids, Path::new("/sys/fs/cgroup/pids"));
    assert_eq!(
        cpuacct.as_deref(),
        Some(Path::new("/sys/fs/cgroup/cpuacct"))
    );
}

#[test]
fn a_mount_of_part_of_the_tree_is_joined_without_that_part() {
    // Docker without a cgroup namespace bind-mounts the container's own
    // cgroup at the usual place, while /proc/self/cgroup names its full path.
    let mounts = "\
35 31 0:32 /docker/c1 /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory
39 31 0:36 /docker/c1 /sys/fs/cgroup/pids ro - cgroup cgroup rw,pids
";
    let own = "8:pids:/docker/c1\n4:memory:/docker/c1/inner\n";
    let Some(CgroupRoot::V1 { memory, pids, .. }) = CgroupRoot::locate(own, mounts) else {
        panic!("v1 not found");
    };
    assert_eq!(memory, Path::new("/sys/fs/cgroup/memory/inner"));
    assert_eq!(pids, Path::new("/sys/fs/cgroup/pids"));
    // A prefix that only looks alike is not that folder.
    let m = Mount::parse("1 2 0:3 /docker/c1 /cg rw - cgroup cgroup rw,memory").unwrap();
    assert_eq!(m.join("/docker/c10"), Path::new("/cg/docker/c10"));
}

#[test]
fn v2_is_the_unified_tree_when_v1_lacks_a_controller() {
    let mounts = "\
24 30 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
";
    let own = "0::/user.slice/user-1000.slice/session-2.scope\n";
    let Some(CgroupRoot::V2 { base }) = CgroupRoot::locate(own, mounts) else {
        panic!("v2 not found");
    };
    assert_eq!(
        base,
        Path::new("/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope")
    );
    // A hybrid machine whose pids controller is on v2 is read as v2.
    let hybrid = format!(
        "{}{mounts}",
        "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    );
    assert!(matches!(
        CgroupRoot::locate("4:memory:/\n0::/a\n", &hybrid),
        Some(CgroupRoot::V2 { .. })
    ));
    assert!(CgroupRoot::locate("0::/\n", V1_MOUNTS.lines().next().unwrap()).is_none());
}

#[test]
fn v2_accounting_is_the_counters_growth_over_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_owned();
    // What a delegated v2 cgroup shows: the controllers' files exist.
    fs::create_dir(base.join("slot")).unwrap();
    let slot = base.join("slot");
    let write = |file: &str, text: &str| fs::write(slot.join(file), text).unwrap();
    for file in ["memory.max", "pids.max"] {
        write(file, "max\n");
    }
    let group = SlotCgroup {
        v2: true,
        dirs: vec![slot.clone()],
        cpu: Some(slot.clone()),
        tracked: Vec::new(),
    };
    write(
        "cpu.stat",
        "usage_usec 900\nuser_usec 600\nsystem_usec 300\n",
    );
    write("memory.current", "1048576\n");
    write("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
    write("pids.events", "max 0\n");
    let start = group.begin();
    write(
        "cpu.stat",
        "usage_usec 5900\nuser_usec 4600\nsystem_usec 1300\n",
    );
    write("memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
    write("pids.events", "max 2\n");
    let stats = group.finish(start);
    assert_eq!(stats.user_ns, Some(4_000_000));
    assert_eq!(stats.sys_ns, Some(1_000_000));
    assert!(stats.memory_limit_hit && stats.processes_limit_hit);
    // No kernel stands behind memory.peak here, so no peak is made up.
    assert_eq!(stats.peak_bytes, None);
}

#[test]
fn a_v2_cgroup_without_delegated_controllers_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let root = CgroupRoot::V2 {
        base: dir.path().to_owned(),
    };
    let err = SlotCgroup::create(
        &root,
        CgroupLimits {
            memory_bytes: 1 << 26,
            processes: 8,
        },
    )
    .unwrap_err();
    assert!(err.contains("is not delegated"), "{err}");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "the half-made cgroup is removed"
    );
}

#[test]
fn a_run_cgroup_names_its_owner() {
    assert_eq!(owner_of("proofbook-4242-0"), Some(4242));
    assert_eq!(owner_of("proofbook-4242-17"), Some(4242));
    for other in [
        "proofbook-x-1",
        "proofbook-4242",
        "user.slice",
        "proofbook-1-a",
    ] {
        assert_eq!(owner_of(other), None, "{other}");
    }
}
