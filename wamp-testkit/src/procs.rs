//! Process helpers working by PID through `/proc` and the `kill` command.

use std::fs;
use std::process::{Command, Stdio};

/// `(state, ppid)` of a process from `/proc/PID/stat`, `None` if it is gone.
fn stat(pid: u32) -> Option<(char, u32)> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ppid ..." — comm may contain spaces and parentheses.
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

/// True if the process exists and is not a zombie.
pub(crate) fn alive(pid: u32) -> bool {
    matches!(stat(pid), Some((state, _)) if state != 'Z' && state != 'X')
}

/// True while the process has an entry in `/proc`, zombies included (a
/// zombie disappears once its parent has reaped it).
pub(crate) fn exists(pid: u32) -> bool {
    stat(pid).is_some()
}

/// The process's command line with NUL separators turned into spaces.
pub(crate) fn cmdline(pid: u32) -> String {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " ").trim().to_string())
        .unwrap_or_default()
}

/// All live descendants of `pid` (children, grandchildren, ...).
pub(crate) fn descendants(pid: u32) -> Vec<u32> {
    let mut table = Vec::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for entry in entries.flatten() {
            if let Some(p) = entry.file_name().to_str().and_then(|s| s.parse().ok())
                && let Some((state, ppid)) = stat(p)
                && state != 'Z'
            {
                table.push((p, ppid));
            }
        }
    }
    let mut found = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for &(p, ppid) in &table {
            if ppid == parent && !found.contains(&p) {
                found.push(p);
                frontier.push(p);
            }
        }
    }
    found
}

/// Sends `signal` ("TERM", "KILL", ...) to the given PIDs with the `kill`
/// command. Errors (e.g. the process is already gone) are ignored.
pub(crate) fn signal(signal: &str, pids: &[u32]) {
    let pids: Vec<String> = pids.iter().filter(|&&p| p > 1).map(u32::to_string).collect();
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .args(&pids)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}
