//! Which router to join, and how: the configuration file, then the
//! environment, then the flags.

use std::path::{Path, PathBuf};

use wamp_runtime::config::{AuthMethod, ENV_AUTHID, ENV_AUTHROLE, ENV_CONFIG, ENV_REALM, ENV_SECRET, ENV_URL, Secret};
use wamp_runtime::{ClientConfig, Config, ConfigError};

use crate::cli::ConnectionArgs;

/// The router used when neither a file, the environment nor a flag names one.
pub(crate) const DEFAULT_URL: &str = "ws://127.0.0.1:8080/ws";

/// The settings of the client to connect with.
///
/// Layers, each overriding the one before: the defaults ([`DEFAULT_URL`],
/// realm1); the file given by `--config`, else by `WAMP_CONFIG`; the
/// environment variables the library reads (`WAMP_URL`, `WAMP_REALM`,
/// `WAMP_AUTHID`, `WAMP_AUTHROLE`, `WAMP_SECRET`); the flags. The one
/// exception to the order is `--authmethod`: it is applied before the
/// environment so that `WAMP_SECRET` can carry the secret of a method given
/// on the command line.
pub(crate) fn resolve(
    args: &ConnectionArgs,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<ClientConfig, ConfigError> {
    let lookup = |var: &str| lookup(var).filter(|value| !value.is_empty());
    let file = args.config.clone().or_else(|| lookup(ENV_CONFIG).map(PathBuf::from));
    let mut config = match &file {
        Some(path) => Config::from_file(path)?,
        None => {
            let mut client = ClientConfig::default();
            client.url = DEFAULT_URL.to_owned();
            Config::single(client)
        }
    };
    let name = config
        .default_client_name()
        .map(str::to_owned)
        .ok_or_else(|| no_default_client(&config, file.as_deref()))?;

    if let (Some(method), Some(client)) = (args.authmethod, config.client_mut(&name)) {
        let method = AuthMethod::from(method);
        if client.auth.method != method {
            // A secret from the file belongs to the file's method.
            client.auth.secret = None;
        }
        client.auth.method = method;
    }

    config.apply_overrides_from(lookup)?;
    let mut client = config
        .client(&name)
        .cloned()
        .ok_or_else(|| no_default_client(&config, file.as_deref()))?;
    if let Some(url) = &args.url {
        client.url = url.clone();
    }
    if let Some(realm) = &args.realm {
        client.realm = realm.clone();
    }
    if !args.serializer.is_empty() {
        client.serializers = args.serializer.iter().map(|&kind| kind.into()).collect();
    }
    if let Some(authid) = &args.authid {
        client.authid = Some(authid.clone());
    }
    if let Some(authrole) = &args.authrole {
        client.authrole = Some(authrole.clone());
    }
    if let Some(secret) = &args.secret {
        client.auth.secret = Some(Secret::new(secret.as_str()));
    }
    client.validate()?;
    tracing::debug!(url = %client.url, realm = %client.realm, file = ?file, "configured");
    Ok(client)
}

fn no_default_client(config: &Config, file: Option<&Path>) -> ConfigError {
    let names: Vec<&str> = config.clients().map(|(name, _)| name).collect();
    ConfigError::Invalid {
        origin: file.map(|path| path.display().to_string()),
        key: "clients".to_owned(),
        message: format!(
            "there is no default client for the command line to use (the clients are {}; name one \"{}\")",
            names.join(", "),
            Config::DEFAULT_CLIENT
        ),
    }
}

/// The variables [`resolve`] reads, from the process environment (a value
/// that is not Unicode counts as unset).
pub(crate) fn process_env(var: &str) -> Option<String> {
    match var {
        ENV_CONFIG | ENV_URL | ENV_REALM | ENV_AUTHID | ENV_AUTHROLE | ENV_SECRET => std::env::var(var).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::cli::{AuthMethodArg, SerializerArg};
    use wamp_protocol::SerializerKind;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |var| vars.get(var).cloned()
    }

    fn config_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("wamp-cli-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write config file");
        path
    }

    #[test]
    fn without_file_env_or_flags_the_defaults_apply() {
        let client = resolve(&ConnectionArgs::default(), env(&[])).expect("valid");
        assert_eq!(client.url, DEFAULT_URL);
        assert_eq!(client.realm, "realm1");
        assert_eq!(client.serializers, [SerializerKind::Json]);
        assert_eq!(client.auth.method, AuthMethod::Anonymous);
    }

    #[test]
    fn flags_override_env_which_overrides_the_file() {
        let file = config_file(
            "layers.yaml",
            "url: ws://file.example:1/ws\nrealm: file\nauthid: file\n",
        );
        let vars = [
            (ENV_CONFIG, file.to_str().expect("utf-8 path")),
            (ENV_REALM, "env"),
            (ENV_AUTHID, "env"),
        ];
        let client = resolve(&ConnectionArgs::default(), env(&vars)).expect("valid");
        assert_eq!(client.url, "ws://file.example:1/ws");
        assert_eq!(client.realm, "env");
        assert_eq!(client.authid.as_deref(), Some("env"));

        let args = ConnectionArgs {
            realm: Some("flag".into()),
            serializer: vec![SerializerArg::Cbor, SerializerArg::Json],
            ..ConnectionArgs::default()
        };
        let client = resolve(&args, env(&vars)).expect("valid");
        assert_eq!(client.realm, "flag");
        assert_eq!(client.authid.as_deref(), Some("env"));
        assert_eq!(client.serializers, [SerializerKind::Cbor, SerializerKind::Json]);
    }

    #[test]
    fn the_config_flag_wins_over_wamp_config() {
        let flag_file = config_file("flag.toml", "realm = \"from_flag_file\"\n");
        let env_file = config_file("env.toml", "realm = \"from_env_file\"\n");
        let args = ConnectionArgs {
            config: Some(flag_file),
            ..ConnectionArgs::default()
        };
        let client = resolve(&args, env(&[(ENV_CONFIG, env_file.to_str().expect("utf-8 path"))])).expect("valid");
        assert_eq!(client.realm, "from_flag_file");
    }

    #[test]
    fn wamp_secret_carries_the_secret_of_the_authmethod_flag() {
        let args = ConnectionArgs {
            authmethod: Some(AuthMethodArg::Ticket),
            authid: Some("alice".into()),
            ..ConnectionArgs::default()
        };
        let client = resolve(&args, env(&[(ENV_SECRET, "s3cr3t")])).expect("valid");
        assert_eq!(client.auth.method, AuthMethod::Ticket);
        assert_eq!(client.auth.secret.as_ref().map(Secret::expose), Some("s3cr3t"));

        let err = resolve(&args, env(&[])).expect_err("a ticket needs a secret");
        assert!(err.to_string().contains("no secret"), "{err}");
    }

    #[test]
    fn invalid_flags_are_configuration_errors() {
        let args = ConnectionArgs {
            url: Some("http://example.org/".into()),
            ..ConnectionArgs::default()
        };
        let err = resolve(&args, env(&[])).expect_err("http is not a router url");
        assert!(err.to_string().starts_with("url: "), "{err}");
    }
}
