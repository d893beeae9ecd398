//! Router URLs: which transport a URL names and where it leads, checked
//! without connecting (the configuration checks its URLs with it too).

/// Where and how to connect, parsed from the router URL.
///
/// - `ws://host:port/path`: WebSocket; `wss://host:port/path` over TLS;
/// - `rs://host:port` or `tcp://host:port`: RawSocket over TCP;
///   `rss://host:port` over TLS;
/// - `unix:///absolute/path` (or `unix://relative/path`, relative to the
///   current directory): RawSocket over a Unix domain socket.
///
/// TLS is set up by the transport from the client's [`TlsConfig`](crate::config::TlsConfig).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// A WebSocket URL (`ws://` or `wss://`), passed to the WebSocket client
    /// as it is.
    WebSocket(String),
    /// RawSocket over TCP to `host:port`.
    RawSocketTcp(String),
    /// RawSocket over TLS over TCP to `host:port`.
    RawSocketTls(String),
    /// RawSocket over the Unix socket at this path.
    RawSocketUnix(std::path::PathBuf),
}

impl Endpoint {
    /// Parses a router URL; the error says what is wrong with it.
    pub(crate) fn parse(url: &str) -> Result<Endpoint, String> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(
                "expected ws://host:port/path, wss://host:port/path, rs://host:port, rss://host:port, \
                 tcp://host:port or unix:///path"
                    .into(),
            );
        };
        match scheme.to_ascii_lowercase().as_str() {
            "ws" | "wss" => Ok(Endpoint::WebSocket(url.to_owned())),
            "rss" => tcp_address(rest).map(Endpoint::RawSocketTls),
            "rs" | "tcp" => tcp_address(rest).map(Endpoint::RawSocketTcp),
            "unix" if rest.is_empty() => {
                Err("a unix:// URL needs a socket path, e.g. unix:///run/crossbar.sock".into())
            }
            "unix" => Ok(Endpoint::RawSocketUnix(rest.into())),
            _ => Err(format!(
                "unsupported scheme {scheme:?}; expected ws://, wss://, rs://, rss://, tcp:// or unix://"
            )),
        }
    }
}

/// Checks the `host:port` part of a `rs://` or `tcp://` URL.
fn tcp_address(rest: &str) -> Result<String, String> {
    let address = rest.strip_suffix('/').unwrap_or(rest);
    if address.contains(['/', '?', '#', '@']) {
        return Err("a RawSocket URL is rs://host:port, without a path, query or user".into());
    }
    let port = match address.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !port.contains(']') => port,
        _ => return Err("a RawSocket URL needs a host and a port, e.g. rs://127.0.0.1:8081".into()),
    };
    match port.parse::<u16>() {
        Ok(port) if port != 0 => Ok(address.to_owned()),
        _ => Err(format!("invalid port {port:?}; expected a number from 1 to 65535")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_transport() {
        let ok = [
            ("ws://h:1/ws", Endpoint::WebSocket("ws://h:1/ws".into())),
            ("rs://127.0.0.1:8081", Endpoint::RawSocketTcp("127.0.0.1:8081".into())),
            ("tcp://[::1]:8081/", Endpoint::RawSocketTcp("[::1]:8081".into())),
            ("unix:///run/cb.sock", Endpoint::RawSocketUnix("/run/cb.sock".into())),
            ("unix://cb.sock", Endpoint::RawSocketUnix("cb.sock".into())),
            ("wss://h/ws", Endpoint::WebSocket("wss://h/ws".into())),
            ("rss://h:1", Endpoint::RawSocketTls("h:1".into())),
            ("RSS://[::1]:8443/", Endpoint::RawSocketTls("[::1]:8443".into())),
        ];
        for (url, endpoint) in ok {
            assert_eq!(Endpoint::parse(url), Ok(endpoint), "{url}");
        }
        let bad = [
            ("rss://h", "a RawSocket URL needs a host and a port"),
            ("rs://h", "a RawSocket URL needs a host and a port"),
            ("rs://:80", "a RawSocket URL needs a host and a port"),
            ("rs://h:0", "invalid port \"0\""),
            ("rs://h:1/ws", "a RawSocket URL is rs://host:port, without a path"),
            ("unix://", "a unix:// URL needs a socket path"),
            ("http://h", "unsupported scheme \"http\""),
            (
                "h:1",
                "expected ws://host:port/path, wss://host:port/path, rs://host:port",
            ),
        ];
        for (url, expected) in bad {
            let err = Endpoint::parse(url).unwrap_err();
            assert!(err.starts_with(expected), "{url}: {err}");
        }
    }
}
