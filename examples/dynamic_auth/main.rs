//! asphalt-wamp's dynamic authentication and authorization service: Crossbar
//! asks this service who may join (`authenticate`) and who may do what
//! (`authorize`), instead of reading users and permissions from its own
//! configuration.
//!
//! The router layout is asphalt-wamp's, in `examples/dynamic_auth/crossbar.json`:
//!
//! * port 8080: WAMP-Ticket, checked by calling the procedure `authenticate`;
//!   roles `regular` and `admin` are authorized by calling `authorize`;
//! * port 8081: the trusted back door, anonymous with the static role
//!   `server` (allowed everything). This service joins there: it must be
//!   allowed to register `authenticate` and `authorize` before anyone can
//!   authenticate (keep that port private).
//!
//! The users are asphalt-wamp's: `joe_average` (ticket `1234`, role `regular`)
//! and `bofh` (ticket `B3yt&4_+`, role `admin`). `regular` may call and
//! subscribe under `public.`; `admin` may call, subscribe and publish
//! anything; no one may register (except this service, via the back door).
//! The service also registers `public.echo` and `private.echo`, which answer
//! their positional arguments, to try the rules on.
//!
//! Run the router (from the repository root) and the service:
//!
//! ```sh
//! VENV=$(cargo run -q -p wamp-testkit --bin crossbar -- install)
//! "$VENV/bin/crossbar" start --cbdir "$(mktemp -d)" --config "$PWD/examples/dynamic_auth/crossbar.json"
//! cargo run --example dynamic_auth     # in another terminal; stops on Ctrl-C / SIGTERM
//! ```
//!
//! then join `ws://127.0.0.1:8080/ws`, realm `realm1`, as `joe_average` with
//! the ticket `1234`, e.g. `WAMP_URL=ws://127.0.0.1:8080/ws` with a
//! configuration of `authid: joe_average` and `auth: {method: ticket,
//! secret: "1234"}`.
//!
//! The service reads `examples/dynamic_auth/wamp.yaml` (the trusted
//! transport, `ws://127.0.0.1:8081/ws`), or the file in `WAMP_CONFIG`, then
//! `WAMP_URL` and `WAMP_REALM`.

#[path = "../common/mod.rs"]
mod common;

use serde::{Deserialize, Serialize};
use wamp_runtime::{CallContext, Dict, Value, WampError, procedure};

/// The configuration file read unless `WAMP_CONFIG` names another.
const DEFAULT_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/dynamic_auth/wamp.yaml");

/// The users: authid, ticket, role.
///
/// Don't do this in real apps! Store password hashes (argon2, scrypt,
/// bcrypt) and compare hashes; tickets travel in clear text, so only over TLS.
const USERS: &[(&str, &str, &str)] = &[("joe_average", "1234", "regular"), ("bofh", "B3yt&4_+", "admin")];

/// How authentication fails: Crossbar sends the URI and the first argument
/// (the message) to the client in its ABORT.
#[derive(Debug, thiserror::Error, WampError)]
enum AuthError {
    #[error("authentication failed: {0}")]
    #[wamp_error("wamp.error.authentication_failed", absolute)]
    AuthenticationFailed(String),
}

/// What `authenticate` answers to Crossbar: the role to give the session.
/// (asphalt-wamp's Python answered `{"authrole": ...}`, a key Crossbar does not
/// read; the key is `role`.)
#[derive(Debug, Serialize)]
struct Principal {
    role: &'static str,
}

/// The dynamic authenticator, called by Crossbar for every WAMP-Ticket HELLO
/// on port 8080 with the realm, the authid the client gave (if any) and
/// details of the pending session, among them the `ticket`.
#[procedure]
fn authenticate(
    _ctx: CallContext,
    realm: String,
    authid: Option<String>,
    details: Dict,
) -> Result<Principal, AuthError> {
    // `details` holds the pending session's `session` id, `authmethod`,
    // `authextra`, `transport` and, for WAMP-Ticket, the `ticket`.
    tracing::debug!(keys = ?details.keys().collect::<Vec<_>>(), "authenticate");
    let ticket = details.get("ticket").and_then(Value::as_str);
    let user = USERS
        .iter()
        .find(|(id, password, _)| Some(*id) == authid.as_deref() && Some(*password) == ticket);
    match user {
        Some((id, _, role)) => {
            println!("authenticated {id} as {role} in {realm}");
            Ok(Principal { role })
        }
        None => {
            println!("refused authid {authid:?} in {realm}");
            Err(AuthError::AuthenticationFailed("unknown authid or wrong ticket".into()))
        }
    }
}

/// The part of the session details (the first argument of `authorize`)
/// that the rules use; the others (`session`, `authmethod`, `transport`, ...)
/// are ignored.
#[derive(Debug, Deserialize)]
struct Session {
    authid: Option<String>,
    authrole: String,
}

/// What `authorize` answers. Crossbar also accepts a plain `true`/`false`;
/// a dictionary must always say `disclose` (without it, Crossbar 26.10.1
/// never answers an acknowledged publish).
#[derive(Debug, Serialize)]
struct Authorization {
    allow: bool,
    disclose: bool,
    cache: bool,
}

impl Authorization {
    /// Allowed, and Crossbar may remember it for the role, URI and action.
    const ALLOW: Authorization = Authorization {
        allow: true,
        disclose: false,
        cache: true,
    };
    /// Refused (and asked again next time).
    const DENY: Authorization = Authorization {
        allow: false,
        disclose: false,
        cache: false,
    };
}

/// The dynamic authorizer of the roles `regular` and `admin`, called by
/// Crossbar with the session's details, the URI, the action (`call`,
/// `register`, `publish` or `subscribe`) and the options of the request
/// (Crossbar 26.10.1 sends them as a fourth argument; older ones did not).
#[procedure]
fn authorize(_ctx: CallContext, session: Session, uri: String, action: String, options: Option<Dict>) -> Authorization {
    // The request's options, e.g. {"acknowledge": true} for a publish.
    tracing::debug!(?options, "authorize");
    let allowed = match session.authrole.as_str() {
        // Regular users may call and subscribe under public.
        "regular" => matches!(action.as_str(), "call" | "subscribe") && uri.starts_with("public."),
        // Admins may call, subscribe and publish anything anywhere, but not register.
        "admin" => matches!(action.as_str(), "call" | "subscribe" | "publish"),
        _ => false,
    };
    println!(
        "{} {} ({}) to {action} {uri}",
        if allowed { "allowed" } else { "denied" },
        session.authid.as_deref().unwrap_or("?"),
        session.authrole,
    );
    if allowed {
        Authorization::ALLOW
    } else {
        Authorization::DENY
    }
}

/// Procedures to try the rules on: each answers its positional arguments.
mod public {
    use wamp_runtime::{Args, CallContext, Payload, procedure};

    wamp_runtime::wamp_module!(prefix = "public");

    /// `public.echo(*args)`: callable by `regular` and `admin`.
    #[procedure]
    fn echo(_ctx: CallContext, args: Args) -> Payload {
        Payload::from_args(args.into())
    }
}

mod private {
    use wamp_runtime::{Args, CallContext, Payload, procedure};

    wamp_runtime::wamp_module!(prefix = "private");

    /// `private.echo(*args)`: callable by `admin` only.
    #[procedure]
    fn echo(_ctx: CallContext, args: Args) -> Payload {
        Payload::from_args(args.into())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    common::init_tracing();
    let config = wamp_runtime::Config::load(DEFAULT_FILE)?;
    let Some(server) = wamp_runtime::Server::new(config)
        .start_until(wamp_runtime::shutdown_signal())
        .await?
    else {
        return Ok(()); // stopped while waiting for the router
    };
    println!("dynamic_auth service ready: authenticate, authorize, public.echo, private.echo; press Ctrl-C to stop");
    server.wait().await?;
    println!("stopped");
    Ok(())
}
