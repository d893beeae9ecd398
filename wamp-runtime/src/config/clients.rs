//! [`Config`]: the named clients a configuration holds. How one is read
//! from a file or the environment is the parent module's business; this
//! one only holds them, so that the modules that build a configuration
//! can name it without depending on the code that reads one.

use super::client::ClientConfig;
use super::error::ConfigError;

/// The whole configuration: one or more clients, each with a name.
///
/// See the [module documentation](super) for the file format.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Never empty; in the order of the file (or of `with_client` calls).
    pub(super) clients: Vec<(String, ClientConfig)>,
}

impl Default for Config {
    /// A single default client with the default settings.
    fn default() -> Self {
        Config::single(ClientConfig::default())
    }
}

impl Config {
    /// The name of the client that handlers use unless they name another.
    pub const DEFAULT_CLIENT: &'static str = "default";

    /// A configuration with just `client`, named [`Self::DEFAULT_CLIENT`].
    pub fn single(client: ClientConfig) -> Config {
        Config {
            clients: vec![(Self::DEFAULT_CLIENT.to_owned(), client)],
        }
    }

    pub(super) fn from_clients(clients: Vec<(String, ClientConfig)>) -> Config {
        debug_assert!(!clients.is_empty());
        Config { clients }
    }

    /// Adds the client `name`, or replaces it if there is one by that name.
    pub fn with_client(mut self, name: impl Into<String>, client: ClientConfig) -> Self {
        let name = name.into();
        match self.clients.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => *existing = client,
            None => self.clients.push((name, client)),
        }
        self
    }

    /// The client named `name`.
    pub fn client(&self, name: &str) -> Option<&ClientConfig> {
        self.clients.iter().find(|(n, _)| n == name).map(|(_, client)| client)
    }

    /// The client named `name`, to adjust it.
    pub fn client_mut(&mut self, name: &str) -> Option<&mut ClientConfig> {
        self.clients
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, client)| client)
    }

    /// The default client: the one named `default`, else the only client if
    /// there is just one, else none.
    pub fn default_client(&self) -> Option<&ClientConfig> {
        self.default_index().map(|i| &self.clients[i].1)
    }

    /// The name of the [default client](Self::default_client).
    pub fn default_client_name(&self) -> Option<&str> {
        self.default_index().map(|i| self.clients[i].0.as_str())
    }

    pub(super) fn default_index(&self) -> Option<usize> {
        self.clients
            .iter()
            .position(|(n, _)| n == Self::DEFAULT_CLIENT)
            .or_else(|| (self.clients.len() == 1).then_some(0))
    }

    /// Every client with its name, in the order of the file.
    pub fn clients(&self) -> impl Iterator<Item = (&str, &ClientConfig)> {
        self.clients.iter().map(|(n, c)| (n.as_str(), c))
    }

    /// How many clients there are (at least one).
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Always false: a configuration has at least one client.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// Checks every client, e.g. after fields were changed by hand.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the client and field
    /// (`clients.wamp1.realm`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let single = self.clients.len() == 1;
        for (name, client) in &self.clients {
            let prefix = if single && name == Self::DEFAULT_CLIENT {
                String::new()
            } else {
                format!("clients.{name}")
            };
            client.check(&prefix).map_err(|e| e.into_config_error(None))?;
        }
        Ok(())
    }
}
