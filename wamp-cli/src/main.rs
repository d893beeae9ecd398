//! `wamp`: call, publish, subscribe and register on a WAMP router from the
//! shell, built on `wamp-runtime`.
//!
//! ```text
//! wamp call com.example.add 2 3                       # prints 5
//! wamp call com.example.search rust -k limit=10 --timeout 5s
//! wamp call com.example.long_task --progress          # progress lines, then the result
//! wamp publish com.example.news '"hello"' -k urgent=true --acknowledge
//! wamp subscribe com.example. --match prefix --count 2
//! wamp register com.example.echo                      # echoes every call
//! wamp register com.example.upper -- python3 -c 'import json,sys; print(json.load(sys.stdin)["args"][0].upper())'
//! wamp describe                                       # every procedure and topic on the realm, with signatures
//! wamp describe foo. --json                           # the merged catalogs of what is under foo.
//! ```
//!
//! # Connection
//!
//! The settings are layered, each layer overriding the one before:
//!
//! 1. the defaults: `ws://127.0.0.1:8080/ws`, realm `realm1`, JSON, anonymous;
//! 2. the configuration file named by `--config`, else by `WAMP_CONFIG` (the
//!    library's YAML/TOML format, see `wamp_runtime::config`; its default
//!    client is used);
//! 3. the variables `WAMP_URL`, `WAMP_REALM`, `WAMP_AUTHID`, `WAMP_AUTHROLE`
//!    and `WAMP_SECRET`;
//! 4. the flags `--url`, `--realm`, `--serializer json|msgpack|cbor` (a
//!    comma-separated preference list), `--authid`, `--authrole`,
//!    `--authmethod anonymous|ticket|wampcra|cryptosign` and `--secret`.
//!
//! `--authmethod` is applied before the variables, so that `WAMP_SECRET` can
//! carry its secret (better than `--secret`, which shows in the process list).
//! Flags are accepted before or after the subcommand.
//!
//! # Arguments
//!
//! A positional argument, or the `VALUE` of `-k KEY=VALUE`, that parses as
//! JSON is that JSON value; anything else is a string. So
//! `wamp call x 1 true '"1"' hello '{"a":1}'` sends the integer 1, `true`,
//! the string `"1"`, the string `"hello"` and a dictionary.
//!
//! # Output
//!
//! Results go to stdout as compact JSON, one value per line; logs go to
//! stderr (`RUST_LOG`, default `warn`; `-v` is `info`, `-vv` `debug`).
//!
//! - `wamp call`: a single positional result without keyword results is
//!   printed as that value, no result as `null`, anything else as
//!   `{"args": [...], "kwargs": {...}}` (`--full` always prints that form).
//!   With `--progress`, each progressive result is printed the same way, as
//!   it comes, before the final result.
//! - `wamp publish --acknowledge`: the publication id.
//! - `wamp subscribe`: one line per event,
//!   `{"args": [...], "kwargs": {...}, "publication": ID, "topic": "..."}`
//!   (`topic` is the concrete topic, also for prefix and wildcard
//!   subscriptions).
//!
//! Binary values have no JSON type: they are printed, and read from
//! arguments and command output, in WAMP's own JSON convention, a string
//! made of a NUL character and the standard base64 of the bytes
//! (`"\u0000AQID"` is the bytes 1, 2, 3). It is what a JSON-speaking WAMP
//! peer sees on the wire, so values round-trip through `wamp` unchanged
//! whatever the serializer. Floats JSON cannot represent (NaN, infinities)
//! are printed as `null`.
//!
//! # `wamp register`
//!
//! Without a command, every call is answered with its own arguments. With
//! `-- COMMAND ARGS...`, every call runs the command (directly, not through a
//! shell: `-- sh -c '...'` gives one) with `{"args": [...], "kwargs": {...}}`
//! and a line break on stdin, and the called URI in `WAMP_PROCEDURE`. Its
//! stdout, as JSON if it parses and else as a string without the final line
//! break, is the single positional result; no output is no result. A command
//! that exits non-zero (or cannot start) answers with
//! `wamp.error.runtime_error`, the message naming the exit status and stderr,
//! and the keyword arguments `exit_code` and `stderr`. A call cancelled by
//! its caller kills the command. `wamp register` and `wamp subscribe` run
//! until Ctrl-C or SIGTERM (then `register` unregisters, lets calls in
//! flight finish for up to the configured `shutdown_timeout`, and leaves).
//!
//! # `wamp describe`
//!
//! Every wamp-rs service serves its catalog (`wamp_runtime::catalog`) at
//! `wamp_rs.catalog.<service>`. `wamp describe [PREFIX]` lists the realm's
//! registrations through the router's meta API (`wamp.registration.list`,
//! `.get`, `.count_callees`; the role needs to be allowed to call them),
//! calls each catalog procedure among them, merges the catalogs into one
//! entry per procedure or topic (however many instances or services serve
//! it) and prints, sorted, procedures then topics:
//!
//! ```text
//! accounting.vat(net: number, rate?: number) -> number   invoke: roundrobin   callees: 2
//!     The tax on a net price, at `rate` percent (by default the service's
//!     rate).
//! foo.divide(numerator: number, denominator: number) -> number   errors: foo.error.division_by_zero   invoke: roundrobin   callees: 2
//!     The quotient of two numbers; dividing by zero is
//!     [`MathError::DivisionByZero`].
//! topic foo.message_received(message: string)
//!     A message for everyone, as one argument.
//!
//! Registrations without a catalog:
//!     URI               MATCH  INVOKE  CALLEES
//!     com.example.echo  exact  single  1
//!
//! Catalogs on realm realm1: registry (2 instances)
//! ```
//!
//! Types are read from the JSON Schemas: `number`, `integer`, `string`,
//! `boolean`, `array<T>`, `object` (`object<T>` for a map), `[A, B]` for a
//! tuple, a `$ref` by its definition's name, `T?` for `T` or `null`, `any`
//! for a schema that says nothing. `name?: T` is a parameter that may be
//! left out, `*args` and `**kwargs` take what the named parameters leave.
//! After the result come the progressive results' type (`progress: T`), the
//! error URIs, the match and invoke policies when not `exact`/`single`, the
//! callee count when above one and the services when several describe the
//! URI; the description (the handler's doc comment) is indented under it.
//! Registrations that no catalog describes (other libraries' services) are
//! listed with what the meta API knows; catalogs that could not be read are
//! listed with the reason. Only URIs starting with PREFIX are shown.
//!
//! `--json` prints one JSON document instead:
//!
//! ```text
//! {"format": "wamp-rs.describe", "version": 1,
//!  "services": [{"service": "registry", "procedure": "wamp_rs.catalog.registry", "instances": 2}],
//!  "entries": [{...a catalog entry..., "services": ["registry"], "realms": ["realm1"], "callees": 2}],
//!  "uncataloged": [{"uri": "com.example.echo", "match": "exact", "invoke": "single", "callees": 1}],
//!  "unavailable": [{"procedure": "wamp_rs.catalog.broken", "error": "..."}]}
//! ```
//!
//! Each entry has the fields of a catalog entry (`kind`, `uri`,
//! `match_policy`, `invoke_policy`, `description`, `args_schema`,
//! `kwargs_schema`, `result_args_schema`, `progress_args_schema`, `errors`,
//! ...) with `realm` replaced by `realms`, plus the `services` that list it
//! and, for a procedure, its `callees` from the meta API. When two services
//! describe one URI differently, the first one's entry (by service name) is
//! kept and a warning is logged.
//!
//! # Checked calls
//!
//! Before sending, `wamp call` looks the procedure up (`wamp.registration.match`)
//! and, when the catalog of a callee (a session that registered it, as a
//! wamp-rs service registers its catalog from the same session; found with
//! `wamp.registration.list_callees` and `wamp.registration.list`) describes
//! it, checks the arguments as the handler will read them: a wrong type, a missing required parameter, an unknown
//! keyword or too many positional arguments is refused with exit code 2 and
//! a message naming the parameter
//! (`wamp: error: foo.divide: argument 2 (denominator): expected number, got "x" ...`);
//! nothing is sent. `--no-check` sends the call as it is, without the
//! look-up (a few meta API calls, and the catalog's). A procedure
//! without a catalog, a role that may not use the meta API or a catalog
//! that cannot be read leaves the call unchecked (`-vv` says why). Schema
//! keywords the check does not know (`pattern`, `format`, ...) are not
//! checked: the service has the last word.
//!
//! # Exit codes
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success (also after Ctrl-C/SIGTERM for `subscribe` and `register`) |
//! | 1 | another failure (e.g. stdout cannot be written) |
//! | 2 | usage error: bad flags or arguments (clap), an invalid URI or configuration, arguments the procedure's catalog refuses |
//! | 3 | connection failure: the router cannot be reached, refuses the join or the credentials, or the connection is lost |
//! | 4 | WAMP error: the router or a peer answered with `ERROR`; `wamp: error: URI: message` on stderr |
//! | 5 | `wamp call --timeout` expired (the call is cancelled) |

mod catalog;
mod cli;
mod commands;
mod connection;
mod error;
mod json;
mod parameters;
mod schema;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser as _;
use tracing_subscriber::EnvFilter;
use wamp_runtime::Client;

use crate::cli::Cli;
use crate::error::{CliError, code};

fn main() -> ExitCode {
    // Usage errors exit here, with clap's message and code 2.
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("wamp: error: cannot start the async runtime: {e}");
            return ExitCode::from(code::OTHER);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::from(code::OK),
        // The reader went away (`wamp subscribe ... | head -1`): nothing left to do.
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(code::OK),
        Err(error) => error.report(),
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let config = connection::resolve(&cli.connection, connection::process_env)?;
    let client = Client::connect(&config).await?;
    commands::run(cli.command, &client, &config).await
}

/// Logs go to stderr: `RUST_LOG` if set, else `warn` (`-v` info, `-vv` debug).
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
