//! CPU time of processes: other processes from `/proc/PID/stat` (`utime` +
//! `stime`, the same user+sys figures `getrusage` gives, in clock ticks);
//! this one from its threads' schedstat, in nanoseconds.

use std::fs;
use std::process::Command;
use std::sync::OnceLock;

/// Clock ticks per second (`getconf CLK_TCK`; 100 when that fails, which is
/// the value on every Linux this benchmark targets).
pub(crate) fn ticks_per_second() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse::<f64>().ok())
            .filter(|ticks| *ticks > 0.0)
            .unwrap_or(100.0)
    })
}

/// User+sys CPU seconds of process `pid` (`"self"` for this one), or `None`
/// when the process is gone or its stat line is unreadable.
pub(crate) fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / ticks_per_second())
}

/// User+sys CPU seconds of this process, to the nanosecond: the sum of
/// each thread's time on a CPU from `/proc/self/task/TID/schedstat`. The
/// clock ticks of `/proc/self/stat` (10 ms) are too coarse for a peer that
/// spends a few tens of milliseconds in a whole window (the floor peer), and
/// `getrusage`, which the Python peers use, is out of reach without
/// `unsafe`. A thread that ends within the window takes its time with it;
/// the peers' threads live as long as the window. Falls back to the ticks
/// where schedstat is missing.
pub(crate) fn own_cpu_seconds() -> f64 {
    let nanos: Option<u64> = fs::read_dir("/proc/self/task").ok().and_then(|tasks| {
        tasks
            .map(|task| {
                let stat = fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
                stat.split_whitespace().next()?.parse::<u64>().ok()
            })
            .sum()
    });
    match nanos {
        Some(nanos) if nanos > 0 => nanos as f64 / 1e9,
        _ => cpu_seconds("self").unwrap_or(0.0),
    }
}

/// Summed CPU seconds of a set of processes (e.g. the Crossbar node and its
/// workers); processes that vanished count as 0.
pub(crate) fn total_cpu_seconds(pids: &[u32]) -> f64 {
    pids.iter().filter_map(|pid| cpu_seconds(&pid.to_string())).sum()
}
