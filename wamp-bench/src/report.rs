//! The `RESULT {json}` line a peer process prints after its measured window.

use serde_json::{Value, json};

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
