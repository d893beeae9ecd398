//! autobahn-python client sessions written from a short `onJoin` body.
//!
//! Interop tests need a peer that is not wamp-rs. Each of them used to carry
//! its own copy of the same Python boilerplate (imports, session class,
//! runner); this builder is the one place it is written.

use std::fmt::Write as _;

use crate::HarnessError;
use crate::peer::PythonPeer;

/// An autobahn-python client session (asyncio `ApplicationRunner`) whose
/// `onJoin` runs a body given by the test, then leaves.
///
/// The script it writes:
/// - connects to the URL and realm given here, optionally authenticating with
///   WAMP-Ticket, optionally with one serializer only;
/// - has `json`, `asyncio`, `sys`, autobahn's `CallOptions`, `CallResult`,
///   `PublishOptions`, `RegisterOptions`, `SubscribeOptions` and
///   `ApplicationError` imported, and two helpers: `show(value)` (JSON with
///   sorted keys, bytes as `"bytes:HEX"`) and `error(e)` (an
///   `ApplicationError` as `"URI ARGS KWARGS"`);
/// - defines each [`arg`](Self::arg) as a global Python string variable (the
///   values travel on the command line, so they need no quoting);
/// - runs the body inside `async def onJoin(self, details)`; an uncaught
///   exception prints `failed TYPE MESSAGE`, or `error URI ARGS` for an
///   `ApplicationError` when [`report_application_errors`](Self::report_application_errors)
///   is set;
/// - leaves, and stops its event loop when the transport closes, so the
///   process exits on its own.
///
/// ```no_run
/// use std::time::Duration;
/// use wamp_testkit::AutobahnSession;
///
/// let router = wamp_testkit::shared_router();
/// let mut peer = AutobahnSession::new(&router.url(), "realm1")
///     .arg("URI", "com.example.add")
///     .spawn(r#"print("sum", await self.call(URI, 2, 3), flush=True)"#)?;
/// let line = peer.wait_for_line("sum", Duration::from_secs(20))?;
/// # Ok::<(), wamp_testkit::HarnessError>(())
/// ```
#[derive(Debug, Clone)]
pub struct AutobahnSession {
    url: String,
    realm: String,
    ticket: Option<(String, String)>,
    serializer: Option<String>,
    args: Vec<(String, String)>,
    report_session: bool,
    report_application_errors: bool,
}

impl AutobahnSession {
    /// A session joining `realm` on the router at `url`, anonymously, with
    /// autobahn's default serializers.
    pub fn new(url: &str, realm: &str) -> Self {
        AutobahnSession {
            url: url.into(),
            realm: realm.into(),
            ticket: None,
            serializer: None,
            args: Vec::new(),
            report_session: false,
            report_application_errors: false,
        }
    }

    /// Authenticates with WAMP-Ticket as `authid`.
    pub fn ticket(mut self, authid: &str, ticket: &str) -> Self {
        self.ticket = Some((authid.into(), ticket.into()));
        self
    }

    /// Offers only this serializer: `json`, `msgpack` or `cbor`.
    pub fn serializer(mut self, name: &str) -> Self {
        self.serializer = Some(name.into());
        self
    }

    /// Defines the global Python variable `name` (an identifier) as the string `value`.
    pub fn arg(mut self, name: &str, value: &str) -> Self {
        self.args.push((name.into(), value.into()));
        self
    }

    /// Prints `joined AUTHROLE [AUTHID]` once joined (the authid only when it
    /// authenticated) and `left REASON MESSAGE` when the session ends, also
    /// when the router refuses the join.
    pub fn report_session(mut self) -> Self {
        self.report_session = true;
        self
    }

    /// Prints `error URI ARGS` (args through `show`) for an uncaught
    /// `ApplicationError` instead of the generic `failed` line.
    pub fn report_application_errors(mut self) -> Self {
        self.report_application_errors = true;
        self
    }

    /// The Python source of the session with `on_join` as the body of `onJoin`.
    pub fn script(&self, on_join: &str) -> String {
        let mut script = String::from(PRELUDE);
        script.push_str("URL, REALM, AUTHID, TICKET, SERIALIZER = sys.argv[1:6]\n");
        for (index, (name, _)) in self.args.iter().enumerate() {
            let _ = writeln!(script, "{name} = sys.argv[{}]", 6 + index);
        }
        script.push_str(SESSION_HEAD);
        if self.report_session {
            script.push_str(
                "        print(\"joined\", details.authrole, *([details.authid] if AUTHID else []), flush=True)\n",
            );
        }
        script.push_str("        try:\n");
        for line in on_join.lines() {
            let _ = writeln!(script, "            {line}");
        }
        // `pass` keeps the block valid when the body is only comments or empty.
        script.push_str("            pass\n");
        if self.report_application_errors {
            script.push_str("        except ApplicationError as e:\n");
            script.push_str("            print(\"error\", e.error, show(list(e.args)), flush=True)\n");
        }
        script.push_str(SESSION_TAIL);
        if self.report_session {
            script.push_str("        print(\"left\", details.reason, details.message, flush=True)\n");
        }
        script.push_str(RUNNER);
        script
    }

    /// Starts the session as a [`PythonPeer`] running `on_join`.
    pub fn spawn(&self, on_join: &str) -> Result<PythonPeer, HarnessError> {
        let (authid, ticket) = self
            .ticket
            .as_ref()
            .map(|(authid, ticket)| (authid.as_str(), ticket.as_str()))
            .unwrap_or(("", ""));
        let mut argv = vec![
            self.url.as_str(),
            self.realm.as_str(),
            authid,
            ticket,
            self.serializer.as_deref().unwrap_or(""),
        ];
        argv.extend(self.args.iter().map(|(_, value)| value.as_str()));
        PythonPeer::spawn(&self.script(on_join), &argv)
    }
}

const PRELUDE: &str = r#"import asyncio, json, sys
from autobahn.asyncio.wamp import ApplicationSession, ApplicationRunner
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer
from autobahn.wamp.types import CallOptions, CallResult, PublishOptions, RegisterOptions, SubscribeOptions

def show(value):
    return json.dumps(value, sort_keys=True, default=lambda b: "bytes:" + b.hex())

def error(e):
    return "{} {} {}".format(e.error, list(e.args), e.kwargs)

"#;

const SESSION_HEAD: &str = r#"
class Peer(ApplicationSession):
    def onConnect(self):
        if AUTHID:
            self.join(REALM, authmethods=["ticket"], authid=AUTHID)
        else:
            self.join(REALM)

    def onChallenge(self, challenge):
        return TICKET

    async def onJoin(self, details):
"#;

const SESSION_TAIL: &str = r#"        except Exception as e:
            print("failed", type(e).__name__, e, flush=True)
        self.leave()

    def onLeave(self, details):
"#;

const RUNNER: &str = r#"        self.disconnect()

    def onDisconnect(self):
        asyncio.get_event_loop().stop()

# ApplicationRunner gives up on a WebSocket opening handshake after 2.5 s, a
# time a router on a loaded test machine (parallel tests, one core for each
# few) can exceed; the peer then fails its test for nothing. Its other
# options stay as ApplicationRunner sets them.
from autobahn.asyncio.websocket import WampWebSocketClientFactory
_set_protocol_options = WampWebSocketClientFactory.setProtocolOptions
def _patient_protocol_options(self, **options):
    options["openHandshakeTimeout"] = 30.0
    _set_protocol_options(self, **options)
WampWebSocketClientFactory.setProtocolOptions = _patient_protocol_options

SERIALIZERS = {"json": JsonSerializer, "msgpack": MsgPackSerializer, "cbor": CBORSerializer}
serializers = [SERIALIZERS[SERIALIZER]()] if SERIALIZER else None
ApplicationRunner(URL, REALM, serializers=serializers).run(Peer)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_become_globals_after_the_fixed_argv() {
        let script = AutobahnSession::new("ws://x", "realm1")
            .arg("URI", "a.b")
            .arg("ROUND", "1")
            .script("pass");
        assert!(script.contains("URI = sys.argv[6]\nROUND = sys.argv[7]\n"), "{script}");
    }

    #[test]
    fn the_body_is_indented_into_on_join_and_reports_are_optional() {
        let plain = AutobahnSession::new("ws://x", "realm1").script("x = 1\nprint(x)");
        assert!(plain.contains("\n            x = 1\n            print(x)\n"), "{plain}");
        assert!(!plain.contains("\"joined\""));
        assert!(!plain.contains("except ApplicationError"));

        let reported = AutobahnSession::new("ws://x", "realm1")
            .report_session()
            .report_application_errors()
            .script("pass");
        assert!(reported.contains("print(\"joined\""));
        assert!(reported.contains("print(\"left\""));
        assert!(reported.contains("except ApplicationError as e:"));
    }
}
