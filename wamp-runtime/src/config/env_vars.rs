//! The environment variables a configuration reads. A leaf, so that the
//! modules that check settings can name a variable in their errors without
//! depending on the code that reads them.

/// The variable naming the configuration file for [`Config::load`](super::Config::load) and
/// [`Config::from_env`](super::Config::from_env).
pub const ENV_CONFIG: &str = "WAMP_CONFIG";
/// Overrides the default client's `url`.
pub const ENV_URL: &str = "WAMP_URL";
/// Overrides the default client's `realm`.
pub const ENV_REALM: &str = "WAMP_REALM";
/// Overrides the default client's `authid`.
pub const ENV_AUTHID: &str = "WAMP_AUTHID";
/// Overrides the default client's `authrole`.
pub const ENV_AUTHROLE: &str = "WAMP_AUTHROLE";
/// Overrides the secret of the default client's `auth.method` (the ticket,
/// the WAMP-CRA secret or the cryptosign private key); the method itself
/// must be configured and must not be anonymous.
pub const ENV_SECRET: &str = "WAMP_SECRET";
