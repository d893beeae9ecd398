//! The stdout protocol of the peer processes this binary runs (wamp-rs and
//! floor): `READY` when the measured window opens, then the `RESULT {json}`
//! line with what was measured in it.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cpu::own_cpu_seconds;

/// Prints one protocol line and flushes it (the orchestrator waits for it).
pub(crate) fn say(line: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

/// A measured window: wall start, CPU start, deadline.
#[derive(Debug)]
pub(crate) struct Window {
    start: Instant,
    cpu: f64,
    /// When the driver stops starting new operations.
    pub(crate) deadline: Instant,
}

impl Window {
    /// Says `READY` and starts measuring for `duration`.
    pub(crate) fn open(duration: Duration) -> io::Result<Window> {
        say("READY")?;
        let start = Instant::now();
        Ok(Window {
            start,
            cpu: own_cpu_seconds(),
            deadline: start + duration,
        })
    }

    /// Says `RESULT` with `ops` done since the window opened.
    pub(crate) fn report(&self, ops: u64, ok: bool) -> io::Result<()> {
        let result = PeerResult {
            ops,
            secs: self.start.elapsed().as_secs_f64(),
            cpu_us: (own_cpu_seconds() - self.cpu) * 1e6,
            ok,
        };
        say(&format!("RESULT {}", result.to_json()))
    }
}

/// What one peer process measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PeerResult {
    /// Operations done (calls, publications, events received, registrations).
    pub(crate) ops: u64,
    /// Wall-clock seconds of the measured window.
    pub(crate) secs: f64,
    /// User+sys CPU microseconds of the peer process over that window.
    pub(crate) cpu_us: f64,
    /// Whether every result was correct (payload echo intact).
    pub(crate) ok: bool,
}

impl PeerResult {
    /// The JSON text of the `RESULT` line.
    pub(crate) fn to_json(self) -> String {
        json!({"ops": self.ops, "secs": self.secs, "cpu_us": self.cpu_us, "ok": self.ok}).to_string()
    }

    /// Parses the JSON text of a `RESULT` line (from either peer kind).
    pub(crate) fn parse(text: &str) -> Result<PeerResult, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("bad RESULT line {text:?}: {e}"))?;
        let number = |key: &str| {
            value[key]
                .as_f64()
                .ok_or_else(|| format!("RESULT without {key}: {text}"))
        };
        Ok(PeerResult {
            ops: number("ops")? as u64,
            secs: number("secs")?,
            cpu_us: number("cpu_us")?,
            ok: value["ok"].as_bool().unwrap_or(false),
        })
    }

    /// Operations per second.
    pub(crate) fn rate(&self) -> f64 {
        if self.secs > 0.0 {
            self.ops as f64 / self.secs
        } else {
            0.0
        }
    }

    /// CPU microseconds per operation.
    pub(crate) fn cpu_per_op(&self) -> f64 {
        if self.ops > 0 {
            self.cpu_us / self.ops as f64
        } else {
            0.0
        }
    }
}
