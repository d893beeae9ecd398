//! The command line: flags, subcommands and their help texts.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use wamp_protocol::SerializerKind;
use wamp_runtime::config::AuthMethod;
use wamp_runtime::{InvokePolicy, MatchPolicy, Value};

use crate::json::{parse_argument, parse_keyword};

const AFTER_HELP: &str = "\
Arguments: a value that parses as JSON is that JSON value, anything else is a
string: `wamp call x 1 true '\"1\"' hello '{\"a\":1}'` sends 1, true, \"1\",
\"hello\" and {\"a\": 1}. Binary values are written and read as WAMP's JSON
convention: a string of a NUL character followed by base64 (\"\\u0000AQID\").

Connection: the file named by --config (else by WAMP_CONFIG), then the
variables WAMP_URL, WAMP_REALM, WAMP_AUTHID, WAMP_AUTHROLE and WAMP_SECRET,
then the flags; each later source overrides the earlier ones. Without any,
ws://127.0.0.1:8080/ws and realm1.

Output: results on stdout as JSON, one value per line; logs on stderr
(RUST_LOG, default warn; -v is info, -vv debug).

Exit codes:
  0  success
  1  another failure (e.g. stdout cannot be written)
  2  usage error: bad flags or arguments, an invalid URI or configuration,
     arguments the procedure's catalog refuses (see `wamp call --no-check`)
  3  connection failure: the router cannot be reached, refuses the join or
     the credentials, or the connection is lost
  4  WAMP error: the router or a peer answered with ERROR (its URI and
     message are printed on stderr)
  5  `wamp call --timeout` expired";

/// Call, publish, subscribe and register on a WAMP router from the shell.
#[derive(Debug, Parser)]
#[command(name = "wamp", version, after_help = AFTER_HELP, args_override_self = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) connection: ConnectionArgs,

    /// More logging on stderr: -v info, -vv debug (RUST_LOG, when set, wins).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub(crate) verbose: u8,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Where and how to connect; every flag overrides the environment and the file.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Connection")]
pub(crate) struct ConnectionArgs {
    /// A configuration file (YAML or TOML, as read by the library) [env: WAMP_CONFIG].
    #[arg(long, value_name = "FILE", global = true)]
    pub(crate) config: Option<PathBuf>,

    /// The router URL, e.g. ws://127.0.0.1:8080/ws or rs://127.0.0.1:8081 [env: WAMP_URL].
    #[arg(long, global = true)]
    pub(crate) url: Option<String>,

    /// The realm to join [env: WAMP_REALM].
    #[arg(long, global = true)]
    pub(crate) realm: Option<String>,

    /// The serializers to offer, in order of preference (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', global = true)]
    pub(crate) serializer: Vec<SerializerArg>,

    /// The authid asked for [env: WAMP_AUTHID].
    #[arg(long, global = true)]
    pub(crate) authid: Option<String>,

    /// The authrole asked for [env: WAMP_AUTHROLE].
    #[arg(long, global = true)]
    pub(crate) authrole: Option<String>,

    /// The authentication method.
    #[arg(long, value_enum, global = true)]
    pub(crate) authmethod: Option<AuthMethodArg>,

    /// The ticket, WAMP-CRA secret or cryptosign private key (hex); prefer
    /// WAMP_SECRET, which other users cannot see in the process list [env: WAMP_SECRET].
    #[arg(long, global = true)]
    pub(crate) secret: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Call a procedure and print its result.
    ///
    /// Prints a single positional result (and no keyword results) as that
    /// JSON value, no result as `null`, anything else as
    /// {"args": [...], "kwargs": {...}}.
    Call(CallArgs),
    /// Publish an event to a topic.
    ///
    /// With --acknowledge, waits for the router's answer and prints the
    /// publication id.
    Publish(PublishArgs),
    /// Subscribe to a topic and print each event as a JSON line.
    ///
    /// Each line is {"topic": ..., "args": [...], "kwargs": {...},
    /// "publication": ID}. Runs until Ctrl-C or SIGTERM, or until --count
    /// events have been printed.
    Subscribe(SubscribeArgs),
    /// Register a procedure that echoes its arguments or runs a command.
    ///
    /// Without a command, each call is answered with its own arguments.
    /// With `-- COMMAND ARGS...`, each call runs COMMAND (directly, not
    /// through a shell: use `-- sh -c '...'` for one) with
    /// {"args": [...], "kwargs": {...}} as JSON on stdin and the called URI
    /// in the variable WAMP_PROCEDURE; its stdout is the result (as JSON if
    /// it parses, else as a string; no output is no result). A command that
    /// fails (non-zero exit) answers with wamp.error.runtime_error, its exit
    /// status and stderr. Runs until Ctrl-C or SIGTERM.
    Register(RegisterArgs),
    /// List the realm's procedures and topics with their signatures.
    ///
    /// Reads the catalog of every wamp-rs service on the realm (the
    /// procedures wamp_rs.catalog.SERVICE, found through the router's meta
    /// API) and prints one signature per procedure and topic, e.g.
    /// `foo.divide(numerator: number, denominator: number) -> number`, with
    /// its description under it; then the registrations no catalog
    /// describes, with their match and invoke policies and callee counts.
    Describe(DescribeArgs),
}

/// Positional and keyword arguments of a call or a publication.
#[derive(Debug, Args)]
pub(crate) struct PayloadArgs {
    /// Positional arguments: JSON values, or strings when not JSON.
    #[arg(value_name = "ARGS", value_parser = argument, allow_negative_numbers = true)]
    pub(crate) args: Vec<Value>,

    /// A keyword argument (repeatable); VALUE is read like ARGS.
    #[arg(short = 'k', long = "kwarg", value_name = "KEY=VALUE", value_parser = parse_keyword)]
    pub(crate) kwargs: Vec<(String, Value)>,
}

#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    /// The procedure to call.
    pub(crate) uri: String,

    #[command(flatten)]
    pub(crate) payload: PayloadArgs,

    /// Give up after this long (e.g. 10, 1.5s, 500ms, 2m) and cancel the call.
    #[arg(long, value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,

    /// Ask for progressive results and print each one as a JSON line, before the final result.
    #[arg(long)]
    pub(crate) progress: bool,

    /// Always print {"args": [...], "kwargs": {...}}, even for a single result.
    #[arg(long)]
    pub(crate) full: bool,

    /// Send the call without checking its arguments against the service's catalog.
    #[arg(long)]
    pub(crate) no_check: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DescribeArgs {
    /// Only the procedures, topics and registrations whose URI starts with PREFIX.
    pub(crate) prefix: Option<String>,

    /// Print the merged catalog as one JSON document instead.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PublishArgs {
    /// The topic to publish to.
    pub(crate) topic: String,

    #[command(flatten)]
    pub(crate) payload: PayloadArgs,

    /// Ask the router to acknowledge the publication, and print its id.
    #[arg(long)]
    pub(crate) acknowledge: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SubscribeArgs {
    /// The topic (or topic pattern) to subscribe to.
    pub(crate) topic: String,

    /// How the router matches published topics against TOPIC.
    #[arg(long = "match", value_enum, default_value_t = MatchArg::Exact)]
    pub(crate) match_policy: MatchArg,

    /// Exit after printing this many events.
    #[arg(long, value_name = "N")]
    pub(crate) count: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct RegisterArgs {
    /// The procedure (or procedure pattern) to register.
    pub(crate) uri: String,

    /// How the router matches called URIs against URI.
    #[arg(long = "match", value_enum, default_value_t = MatchArg::Exact)]
    pub(crate) match_policy: MatchArg,

    /// Which callee the router picks when several register URI.
    #[arg(long, value_enum, default_value_t = InvokeArg::Single)]
    pub(crate) invoke: InvokeArg,

    /// The command that answers each call (after `--`); without one, calls are echoed.
    #[arg(last = true, value_name = "COMMAND")]
    pub(crate) command: Vec<String>,
}

/// `--serializer` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SerializerArg {
    Json,
    Msgpack,
    Cbor,
}

impl From<SerializerArg> for SerializerKind {
    fn from(arg: SerializerArg) -> Self {
        match arg {
            SerializerArg::Json => SerializerKind::Json,
            SerializerArg::Msgpack => SerializerKind::MsgPack,
            SerializerArg::Cbor => SerializerKind::Cbor,
        }
    }
}

/// `--authmethod` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AuthMethodArg {
    Anonymous,
    Ticket,
    Wampcra,
    Cryptosign,
}

impl From<AuthMethodArg> for AuthMethod {
    fn from(arg: AuthMethodArg) -> Self {
        match arg {
            AuthMethodArg::Anonymous => AuthMethod::Anonymous,
            AuthMethodArg::Ticket => AuthMethod::Ticket,
            AuthMethodArg::Wampcra => AuthMethod::WampCra,
            AuthMethodArg::Cryptosign => AuthMethod::Cryptosign,
        }
    }
}

/// `--match` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MatchArg {
    Exact,
    Prefix,
    Wildcard,
}

impl From<MatchArg> for MatchPolicy {
    fn from(arg: MatchArg) -> Self {
        match arg {
            MatchArg::Exact => MatchPolicy::Exact,
            MatchArg::Prefix => MatchPolicy::Prefix,
            MatchArg::Wildcard => MatchPolicy::Wildcard,
        }
    }
}

/// `--invoke` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum InvokeArg {
    Single,
    Roundrobin,
    Random,
    First,
    Last,
}

impl From<InvokeArg> for InvokePolicy {
    fn from(arg: InvokeArg) -> Self {
        match arg {
            InvokeArg::Single => InvokePolicy::Single,
            InvokeArg::Roundrobin => InvokePolicy::RoundRobin,
            InvokeArg::Random => InvokePolicy::Random,
            InvokeArg::First => InvokePolicy::First,
            InvokeArg::Last => InvokePolicy::Last,
        }
    }
}

/// clap's value parser for positional arguments (never fails).
fn argument(text: &str) -> Result<Value, std::convert::Infallible> {
    Ok(parse_argument(text))
}

/// A duration: seconds (`10`, `1.5`) or a number with a unit (`500ms`, `10s`, `2m`, `1h`).
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. 10, 1.5s, 500ms, 2m)"))?;
    let scale = match unit.trim() {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        other => return Err(format!("unknown unit {other:?} (use ms, s, m or h)")),
    };
    match Duration::try_from_secs_f64(number * scale) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        _ => Err(format!("{text:?} must be greater than 0")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_take_seconds_or_a_unit() {
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn arguments_and_keywords_parse_like_json() {
        let cli = Cli::try_parse_from(["wamp", "call", "x", "1", "-2", "hello", "-k", "n=3", "--realm", "r"])
            .expect("valid command line");
        let Command::Call(call) = cli.command else {
            panic!("expected call");
        };
        assert_eq!(
            call.payload.args,
            vec![Value::Integer(1), Value::Integer(-2), Value::from("hello")]
        );
        assert_eq!(call.payload.kwargs, vec![("n".to_owned(), Value::Integer(3))]);
        assert_eq!(cli.connection.realm.as_deref(), Some("r"));
    }

    #[test]
    fn register_takes_a_command_after_double_dash() {
        let cli = Cli::try_parse_from(["wamp", "register", "x", "--match", "prefix", "--", "sh", "-c", "cat"])
            .expect("valid command line");
        let Command::Register(register) = cli.command else {
            panic!("expected register");
        };
        assert_eq!(register.match_policy, MatchArg::Prefix);
        assert_eq!(register.command, ["sh", "-c", "cat"]);
    }

    #[test]
    fn calls_are_checked_unless_no_check_and_describe_takes_a_prefix() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).expect("valid command line").command;
        let Command::Call(call) = parse(&["wamp", "call", "x"]) else {
            panic!("expected call")
        };
        assert!(!call.no_check);
        let Command::Call(call) = parse(&["wamp", "call", "x", "1", "--no-check"]) else {
            panic!("expected call")
        };
        assert!(call.no_check);
        let Command::Describe(describe) = parse(&["wamp", "describe", "foo.", "--json"]) else {
            panic!("expected describe")
        };
        assert_eq!((describe.prefix.as_deref(), describe.json), (Some("foo."), true));
    }

    #[test]
    fn a_keyword_without_equals_sign_is_a_usage_error() {
        let err = Cli::try_parse_from(["wamp", "call", "x", "-k", "oops"]).expect_err("invalid");
        assert_eq!(err.exit_code(), 2);
    }
}
