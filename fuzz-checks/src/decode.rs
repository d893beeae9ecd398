//! The serializers: decoding any frame, and re-encoding what decoded.

use wamp_protocol::SerializerKind;

/// Decodes `frame`; a message that decodes must encode again, and decode
/// from that to the same message (unless it holds a NaN, which equals
/// nothing). The same message must also encode on the other serializers
/// without panicking.
pub fn check_decode(kind: SerializerKind, frame: &[u8]) {
    let serializer = kind.serializer();
    let message = match serializer.decode(frame) {
        Ok(message) => message,
        Err(e) => {
            assert!(!e.to_string().is_empty(), "a decode error without a message");
            return;
        }
    };
    let again = serializer
        .encode(&message)
        .unwrap_or_else(|e| panic!("a decoded {kind} message does not encode again: {e}; {message:?}"));
    let decoded = serializer
        .decode(&again)
        .unwrap_or_else(|e| panic!("a re-encoded {kind} message does not decode: {e}; {message:?}"));
    #[allow(clippy::eq_op)] // NaN: a message with one is not equal to itself
    if message == message {
        assert_eq!(decoded, message, "{kind} round trip changed the message");
    }
    for other in SerializerKind::ALL {
        // JSON refuses NaN and infinities with an error; that is fine here.
        let _ = other.serializer().encode(&message);
    }
}
