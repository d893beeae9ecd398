//! WAMP over WebSocket (RFC 6455), subprotocol `wamp.2.<serializer>`, over
//! TCP (`ws://`) or TLS (`wss://`, see [`super::tls`]).

use futures_util::{SinkExt, StreamExt, future};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::{
    self, Message as WsMessage, Utf8Bytes, client::IntoClientRequest, http::HeaderValue, protocol::WebSocketConfig,
};
use wamp_protocol::SerializerKind;

use super::{Connection, Incoming, Outgoing, ReceivedMessage, TransportError};
use crate::config::TlsConfig;

/// How much tungstenite reads from the socket at a time. It zero-fills
/// that much of its buffer before every read, so its default (128 KiB)
/// cost more than decoding a small message; large messages just take more
/// reads of this size.
const READ_CHUNK: usize = 8 * 1024;

/// Opens a WebSocket to `url`, offering the given serializers in order of
/// preference, and returns the connection with the one the router chose.
/// A `wss://` URL goes over TLS set up as `tls` says.
pub(crate) async fn connect(
    url: &str,
    serializers: &[SerializerKind],
    max_message_size: usize,
    tls: &TlsConfig,
) -> Result<Connection, TransportError> {
    let offered = serializers
        .iter()
        .map(|s| s.subprotocol())
        .collect::<Vec<_>>()
        .join(", ");
    let mut request = url.into_client_request()?;
    let header = HeaderValue::from_str(&offered)
        .map_err(|e| TransportError::WebSocket(tungstenite::Error::HttpFormat(tungstenite::http::Error::from(e))))?;
    request
        .headers_mut()
        .insert(tungstenite::http::header::SEC_WEBSOCKET_PROTOCOL, header);

    let config = WebSocketConfig::default()
        .read_buffer_size(READ_CHUNK)
        .max_message_size(Some(max_message_size))
        .max_frame_size(Some(max_message_size));
    let uri = request.uri();
    let tls_wanted = uri.scheme_str().is_some_and(|s| s.eq_ignore_ascii_case("wss"));
    let host = uri
        .host()
        .ok_or(TransportError::WebSocket(tungstenite::Error::Url(
            tungstenite::error::UrlError::NoHostName,
        )))?
        .to_owned();
    let port = uri.port_u16().unwrap_or(if tls_wanted { 443 } else { 80 });
    let tcp = super::tcp::connect(&format!("{host}:{port}")).await?;
    if !tls_wanted {
        let (socket, response) = tokio_tungstenite::client_async_with_config(request, tcp, Some(config)).await?;
        return finish(socket, response, serializers, offered, max_message_size);
    }
    let stream = super::tls::connect(tcp, super::tls::bare_host(&host), tls, url).await?;
    let (socket, response) = tokio_tungstenite::client_async_with_config(request, stream, Some(config))
        .await
        .map_err(|e| match e {
            // With TLS 1.3, a router that refuses the client certificate
            // says so only after the handshake, when the upgrade is read.
            tungstenite::Error::Io(e) if super::tls::is_tls_error(&e) => super::tls::from_io(e, tls),
            e => TransportError::WebSocket(e),
        })?;
    finish(socket, response, serializers, offered, max_message_size)
}

/// Checks the subprotocol the router chose and wraps the WebSocket into a
/// [`Connection`].
fn finish<S>(
    socket: tokio_tungstenite::WebSocketStream<S>,
    response: tungstenite::handshake::client::Response,
    serializers: &[SerializerKind],
    offered: String,
    max_message_size: usize,
) -> Result<Connection, TransportError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let answered = response
        .headers()
        .get(tungstenite::http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let serializer = answered
        .as_deref()
        .and_then(|a| serializers.iter().copied().find(|s| s.subprotocol() == a))
        .ok_or(TransportError::SubprotocolRejected { offered, answered })?;

    let binary = serializer.is_binary();
    let (sink, stream) = socket.split();
    // `with` converts the socket's errors with `From` on every error; the
    // `sink_map_err` adapter this replaces holds its mapping function once
    // and panics on a second error (a failed write, then the ABORT or close
    // frame after it), which took the session task down.
    let sink = sink.with(move |outgoing: Outgoing| {
        future::ready(match outgoing {
            Outgoing::Frame(frame) if binary => Ok(WsMessage::Binary(frame.into())),
            Outgoing::Frame(frame) => Utf8Bytes::try_from(frame)
                .map(WsMessage::Text)
                .map_err(|_| TransportError::InvalidText),
            Outgoing::Ping => Ok(WsMessage::Ping(tungstenite::Bytes::new())),
        })
    });
    // Pings are answered by tungstenite itself; a close frame ends the stream.
    let stream = stream.filter_map(move |item| {
        future::ready(match item {
            Ok(WsMessage::Text(text)) if !binary => Some(Ok(Incoming::Frame(ReceivedMessage::from(text)))),
            Ok(WsMessage::Binary(bytes)) if binary => Some(Ok(Incoming::Frame(bytes))),
            Ok(WsMessage::Pong(_)) => Some(Ok(Incoming::Pong)),
            Ok(WsMessage::Text(_)) => Some(Err(TransportError::UnexpectedFrameKind("text"))),
            Ok(WsMessage::Binary(_)) => Some(Err(TransportError::UnexpectedFrameKind("binary"))),
            Ok(WsMessage::Ping(_) | WsMessage::Frame(_)) => None,
            Ok(WsMessage::Close(_)) => None,
            Err(tungstenite::Error::ConnectionClosed) => None,
            Err(e) => Some(Err(TransportError::WebSocket(e))),
        })
    });
    Ok(Connection {
        sink: Box::pin(sink),
        stream: Box::pin(stream),
        serializer,
        max_message_size,
        pings: true,
    })
}

#[cfg(test)]
mod tests {
    use futures_util::SinkExt;
    use tokio_tungstenite::WebSocketStream;
    use tokio_tungstenite::tungstenite::protocol::Role;
    use wamp_protocol::SerializerKind;

    use super::*;

    #[tokio::test]
    async fn every_send_on_a_dead_socket_is_an_error_not_a_panic() {
        let (client, router) = tokio::io::duplex(1024);
        drop(router);
        let socket = WebSocketStream::from_raw_socket(client, Role::Client, None).await;
        let response = tungstenite::http::Response::builder()
            .header("Sec-WebSocket-Protocol", "wamp.2.json")
            .body(None)
            .unwrap();
        let mut connection = finish(socket, response, &[SerializerKind::Json], "wamp.2.json".into(), 1 << 16).unwrap();
        // A failed write, then what the session sends after it (ABORT,
        // GOODBYE, close): each must fail on its own.
        for _ in 0..3 {
            let sent = connection.sink.send(Outgoing::Frame(b"[6, {}, \"x\"]".to_vec())).await;
            assert!(sent.is_err(), "{sent:?}");
        }
        assert!(connection.sink.close().await.is_err());
    }
}
