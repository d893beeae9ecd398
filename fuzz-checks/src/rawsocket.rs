//! The RawSocket codec of `wamp_runtime::transport::rawsocket`, against an
//! independent model of the format.

use bytes::BytesMut;
use wamp_protocol::SerializerKind;
use wamp_runtime::transport::rawsocket::{FrameCodec, FrameError, Handshake, HandshakeError, MAX_FRAME_LENGTH};

/// The limits the first byte of a RawSocket input chooses from.
const LIMITS: [usize; 6] = [0, 16, 512, 4096, 65_536, 0xFF_FFFF];

/// What the model of the frame format expects from a byte stream.
#[derive(Debug, PartialEq)]
enum Expected {
    Frame(u8, Vec<u8>),
    Reserved,
    UnknownType,
    TooLarge,
    /// A ping of this many bytes, more than the peer accepts, so its pong
    /// (an echo) could not be sent.
    UnanswerablePing(usize),
}

/// An independent reading of RawSocket frames from `stream`, accepting
/// frames of up to `max` bytes and pings of up to `max_ping` bytes: the
/// frames before the first bad header, that bad header if any, and whether
/// bytes of an unfinished frame are left over.
fn model_frames(stream: &[u8], max: usize, max_ping: usize) -> (Vec<Expected>, bool) {
    let mut out = Vec::new();
    let mut rest = stream;
    while rest.len() >= 4 {
        let length = (usize::from(rest[1]) << 16) | (usize::from(rest[2]) << 8) | usize::from(rest[3]);
        if rest[0] & 0xF8 != 0 {
            out.push(Expected::Reserved);
            return (out, true);
        }
        if rest[0] > 2 {
            out.push(Expected::UnknownType);
            return (out, true);
        }
        if length > max {
            out.push(Expected::TooLarge);
            return (out, true);
        }
        if rest[0] == 1 && length > max_ping {
            out.push(Expected::UnanswerablePing(length));
            return (out, true);
        }
        if rest.len() < 4 + length {
            return (out, true);
        }
        out.push(Expected::Frame(rest[0], rest[4..4 + length].to_vec()));
        rest = &rest[4 + length..];
    }
    (out, !rest.is_empty())
}

/// What the model calls the error of the codec `codec`.
fn expected_error(error: &FrameError, codec: &FrameCodec) -> Expected {
    assert!(!error.to_string().is_empty(), "a frame error without a message");
    match *error {
        FrameError::ReservedBits { .. } => Expected::Reserved,
        FrameError::UnknownKind { .. } => Expected::UnknownType,
        FrameError::IncomingTooLarge { limit, .. } => {
            assert_eq!(limit, codec.max_incoming());
            Expected::TooLarge
        }
        FrameError::UnanswerablePing { size, limit } => {
            assert_eq!(limit, codec.max_outgoing());
            Expected::UnanswerablePing(size)
        }
        ref other => panic!("unexpected codec error: {other}"),
    }
}

/// Feeds `stream` to `codec` `chunk` bytes at a time, as a socket would
/// deliver it, until the end or an error: the frames and the error, and
/// whether bytes are left in the buffer without an error. The buffer must
/// never grow far beyond the input plus one frame of the limit.
fn read_frames(codec: &FrameCodec, stream: &[u8], chunk: usize) -> (Vec<Expected>, bool) {
    let bound = 2 * (4 + codec.max_incoming() + stream.len()) + 64;
    let mut buffer = BytesMut::new();
    let mut got = Vec::new();
    for piece in stream.chunks(chunk) {
        buffer.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buffer) {
                Ok(Some(frame)) => {
                    let payload = frame.payload();
                    assert!(
                        payload.len() <= codec.max_incoming(),
                        "a frame of {} bytes passed the limit {}",
                        payload.len(),
                        codec.max_incoming()
                    );
                    got.push(Expected::Frame(frame.kind().code(), payload.to_vec()));
                }
                Ok(None) => break,
                Err(e) => {
                    got.push(expected_error(&e, codec));
                    return (got, true);
                }
            }
            assert!(buffer.capacity() <= bound, "buffer grew to {} bytes", buffer.capacity());
        }
        assert!(buffer.capacity() <= bound, "buffer grew to {} bytes", buffer.capacity());
    }
    (got, !buffer.is_empty())
}

/// Byte 0 picks the limit, byte 1 the size of the chunks (0: all at once);
/// the rest is fed to the frame decoder chunk by chunk, as a socket would
/// deliver it. The frames must be those of an independent model of the
/// format, an unfinished frame must stay in the buffer, and the buffer must
/// never grow far beyond the input plus one frame of the limit.
pub fn check_rawsocket_frames(data: &[u8]) {
    let [limit, chunk, stream @ ..] = data else {
        return;
    };
    let max = LIMITS[usize::from(*limit) % LIMITS.len()];
    let chunk = if *chunk == 0 {
        stream.len().max(1)
    } else {
        usize::from(*chunk)
    };
    let codec = FrameCodec::new(max, max);
    let (got, left_over) = read_frames(&codec, stream, chunk);
    let (expected, unfinished) = model_frames(stream, max, max);
    assert_eq!(got, expected);
    assert_eq!(left_over, unfinished, "bytes left over");
}

/// The serializers and limits the first two bytes of a handshake input
/// choose from.
const HANDSHAKE_LIMITS: [usize; 5] = [512, 4096, 65_536, 1 << 20, 16 << 20];

/// Byte 0 picks the serializer, byte 1 our limit; the next 4 bytes are the
/// router's handshake answer and the rest what the router sends after it.
/// Our handshake bytes must be right; the answer must open a connection
/// exactly when it is valid, with our limit for what we read and the
/// smaller one for what we send; refusals must carry the router's code; the
/// frames read after it must be the model's, a ping too large to echo
/// refused. (Sending pongs, and an answer cut short by a closed
/// connection, are the socket's business: the transport's own tests cover
/// them.)
pub fn check_rawsocket_handshake(data: &[u8]) {
    let [serializer, limit, from_router @ ..] = data else {
        return;
    };
    let serializer = SerializerKind::ALL[usize::from(*serializer) % SerializerKind::ALL.len()];
    let max = HANDSHAKE_LIMITS[usize::from(*limit) % HANDSHAKE_LIMITS.len()];
    let handshake = Handshake::new(serializer, max);
    let exponent = (0..=15u8).rev().find(|e| 1usize << (9 + e) <= max).unwrap_or(0);
    assert_eq!(
        handshake.encode(),
        [0x7F, exponent << 4 | serializer.rawsocket_id(), 0, 0]
    );

    let Some((answer, after)) = from_router.split_first_chunk::<4>() else {
        return;
    };
    let (high, low) = (answer[1] >> 4, answer[1] & 0x0F);
    let result = handshake.decode_answer(*answer);
    if let Err(e) = &result {
        assert!(!e.to_string().is_empty(), "a handshake error without a message");
    }
    match result {
        Err(HandshakeError::NotRawSocket { answer: got }) => {
            assert_eq!(&got, answer);
            assert_ne!(answer[0], 0x7F);
        }
        Err(HandshakeError::SerializerMismatch { asked, answered }) => {
            assert_eq!(asked, serializer);
            assert_eq!(answered, low);
            assert!(answer[0] == 0x7F && low != 0 && low != serializer.rawsocket_id());
        }
        Err(HandshakeError::Refused { code }) => {
            assert!(answer[0] == 0x7F && low == 0 && code == high)
        }
        Err(other) => panic!("unexpected handshake error: {other}"),
        Ok(codec) => {
            assert!(answer[0] == 0x7F && low == serializer.rawsocket_id(), "{answer:?}");
            let outgoing = max.min(1 << (9 + high)).min(MAX_FRAME_LENGTH);
            assert_eq!(codec.max_outgoing(), outgoing, "the smaller limit, within 24 bits");
            assert_eq!(codec.max_incoming(), max, "our own limit");
            let (got, left_over) = read_frames(&codec, after, after.len().max(1));
            let (expected, unfinished) = model_frames(after, max, outgoing);
            assert_eq!(got, expected);
            assert_eq!(left_over, unfinished, "bytes left over");
        }
    }
}
