//! The floor: not a library, a lower bound. What a
//! `wamp-bench floor ROLE URL SERIALIZER DURATION_MS` child process does: the
//! driver roles (`caller-seq`, `caller-inflight`, `caller-payload`,
//! `publisher`, `register`) reduced to what any client must do for the
//! scenario and nothing else, measured exactly like the library peers (same
//! stdout protocol, `READY` then `RESULT {json}`, CPU = this process's
//! user+sys time over the measured window). Its counterparts (callee,
//! subscriber) are the wamp-rs peer. The figures say what the kernel and the
//! wire cost per operation, below which no client can go.
//!
//! Rules:
//!
//! - One thread, a blocking `std::net::TcpStream`, `TCP_NODELAY` on. After a
//!   read that returns 16 KiB or more, `TCP_QUICKACK` (Linux): Crossbar leaves
//!   Nagle on, so without it large messages stall 40 ms on delayed ACKs (as
//!   in `wamp-runtime/src/transport/tcp.rs`).
//! - WebSocket by hand: the HTTP upgrade (GET path of the URL, Host, Upgrade,
//!   Connection, a fixed Sec-WebSocket-Key, version 13, the `wamp.2.*`
//!   subprotocol); the answer must be status 101 with the same subprotocol.
//!   Client frames: FIN + opcode (text for JSON, binary otherwise), the MASK
//!   bit, a 4-byte mask key and the payload XORed with it, 8 bytes at a time
//!   (a client must mask: that cost belongs to the floor). Server frames are
//!   unmasked, with 2-, 4- or 10-byte headers; a ping is answered with a
//!   pong, a close frame ends the run with an error.
//! - RawSocket (`rs://host:port`) by hand: handshake `0x7F, 0xF0 |
//!   serializer id (JSON 1, MessagePack 2, CBOR 3), 0, 0`, the answer must
//!   echo 0x7F and the serializer. Frames: 1 byte type (0 message, 1 ping, 2
//!   pong), 24-bit big-endian length, payload; pings are answered with pongs.
//! - WAMP: HELLO/WELCOME and the final GOODBYE use `wamp_protocol` (outside the
//!   measured window). Inside the window no WAMP library: requests are byte
//!   templates per serializer with the request id patched in (JSON digits,
//!   MessagePack `0xcf` + u64, CBOR `0x1b` + u64), ids counting from 1.
//!   Answers are not decoded: only their message type (first element) is
//!   read, and counted where needed. Buffers are reused (no allocation per
//!   call); they grow to the largest message once.
//! - Roles, as in `rust_peer.rs`:
//!   - `caller-seq`: one CALL of `bench.echo` `[id]`, then one complete
//!     message (RESULT; ERROR fails), until the deadline.
//!   - `caller-inflight`: 100 CALLs in one write; then read, count the k
//!     complete RESULTs and write k new CALLs in one write, until the
//!     deadline; then read the outstanding answers.
//!   - `caller-payload`: CALLs with one 1 MiB binary argument (JSON: the
//!     string `"\u0000"` followed by base64, computed once before the window
//!     but copied into each frame and masked; MessagePack bin32; CBOR byte
//!     string); each answer must be a RESULT at least as large as the
//!     payload; at least 2 calls.
//!   - `publisher`: PUBLISH `bench.topic` `[id]` (no acknowledge), in
//!     batches of 100 frames per write, until the deadline.
//!   - `register`: 10,000 REGISTER `bench.reg.<i>` written at once, then
//!     read until 10,000 REGISTERED (an ERROR fails).

use std::error::Error;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use wamp_protocol::{Dict, Goodbye, Hello, Message, SerializerKind, Value};

use crate::report::Window;
use crate::rust_peer::{IN_FLIGHT, PAYLOAD_BYTES, REGISTRATIONS};

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// WAMP message type codes the floor writes or recognises.
const WELCOME: u64 = 2;
const ABORT: u64 = 3;
const GOODBYE: u64 = 6;
const ERROR: u64 = 8;
const PUBLISH: u8 = 16;
const CALL: u8 = 48;
const RESULT: u64 = 50;
const REGISTER: u8 = 64;
const REGISTERED: u64 = 65;

/// Publications per write of the `publisher` role.
const PUBLISH_BATCH: usize = 100;
/// A read of at least this many bytes asks for an immediate ACK.
const QUICKACK_AFTER: usize = 16 * 1024;
/// The read buffer's initial size, and the least free room a read gets.
const READ_BUFFER: usize = 64 * 1024;
const MIN_ROOM: usize = 4 * 1024;
/// A fixed Sec-WebSocket-Key: base64 of the 16 bytes `wamp-bench-floor`.
const WS_KEY: &str = "d2FtcC1iZW5jaC1mbG9vcg==";

/// The roles the floor has: the drivers of every scenario.
pub(crate) const ROLES: [&str; 5] = [
    "caller-seq",
    "caller-inflight",
    "caller-payload",
    "publisher",
    "register",
];

/// The serializers, by the encoding of the few values the floor writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ser {
    Json,
    MsgPack,
    Cbor,
}

impl Ser {
    /// The serializer named on the command line (as for the wamp-rs peer).
    fn parse(name: &str) -> BoxResult<Ser> {
        match crate::rust_peer::serializer(name)? {
            SerializerKind::Json => Ok(Ser::Json),
            SerializerKind::MsgPack => Ok(Ser::MsgPack),
            SerializerKind::Cbor => Ok(Ser::Cbor),
            other => Err(format!("the floor has no templates for {other}").into()),
        }
    }

    fn kind(self) -> SerializerKind {
        match self {
            Ser::Json => SerializerKind::Json,
            Ser::MsgPack => SerializerKind::MsgPack,
            Ser::Cbor => SerializerKind::Cbor,
        }
    }

    /// Encoded size of a request id.
    fn id_len(self, id: u64) -> usize {
        match self {
            Ser::Json => decimal_len(id),
            Ser::MsgPack | Ser::Cbor => 9,
        }
    }

    fn push_id(self, out: &mut Vec<u8>, id: u64) {
        match self {
            Ser::Json => push_decimal(out, id),
            Ser::MsgPack => {
                out.push(0xcf);
                out.extend_from_slice(&id.to_be_bytes());
            }
            Ser::Cbor => {
                out.push(0x1b);
                out.extend_from_slice(&id.to_be_bytes());
            }
        }
    }

    /// Header bytes of a string of `len` bytes (JSON: the two quotes).
    fn str_overhead(self, len: usize) -> usize {
        match (self, len) {
            (Ser::Json, _) => 2,
            (Ser::MsgPack, 0..32) | (Ser::Cbor, 0..24) => 1,
            _ => 2,
        }
    }

    /// A string of plain ASCII (no JSON escapes needed), shorter than 256 bytes.
    fn push_str(self, out: &mut Vec<u8>, s: &[u8]) {
        match self {
            Ser::Json => {
                out.push(b'"');
                out.extend_from_slice(s);
                out.push(b'"');
                return;
            }
            Ser::MsgPack if s.len() < 32 => out.push(0xa0 | s.len() as u8),
            Ser::MsgPack => out.extend_from_slice(&[0xd9, s.len() as u8]),
            Ser::Cbor if s.len() < 24 => out.push(0x60 | s.len() as u8),
            Ser::Cbor => out.extend_from_slice(&[0x78, s.len() as u8]),
        }
        out.extend_from_slice(s);
    }

    /// The WAMP message type of an encoded message (its first element),
    /// without decoding the rest.
    fn message_type(self, b: &[u8]) -> Option<u64> {
        match self {
            Ser::Json => {
                let mut rest = b.iter().skip_while(|c| c.is_ascii_whitespace());
                if rest.next() != Some(&b'[') {
                    return None;
                }
                let mut digits = rest.skip_while(|c| c.is_ascii_whitespace()).peekable();
                digits.peek().filter(|c| c.is_ascii_digit())?;
                Some(
                    digits
                        .take_while(|c| c.is_ascii_digit())
                        .fold(0u64, |n, c| n * 10 + u64::from(c - b'0')),
                )
            }
            Ser::MsgPack => {
                let at = match *b.first()? {
                    0x90..=0x9f => 1,
                    0xdc => 3,
                    0xdd => 5,
                    _ => return None,
                };
                match *b.get(at)? {
                    v @ 0..=0x7f => Some(u64::from(v)),
                    0xcc => b.get(at + 1).map(|v| u64::from(*v)),
                    _ => None,
                }
            }
            Ser::Cbor => {
                let at = match *b.first()? {
                    0x80..=0x97 | 0x9f => 1,
                    0x98 => 2,
                    0x99 => 3,
                    0x9a => 5,
                    _ => return None,
                };
                match *b.get(at)? {
                    v @ 0..=0x17 => Some(u64::from(v)),
                    0x18 => b.get(at + 1).map(|v| u64::from(*v)),
                    _ => None,
                }
            }
        }
    }
}

fn decimal_len(mut n: u64) -> usize {
    let mut len = 1;
    while n >= 10 {
        n /= 10;
        len += 1;
    }
    len
}

fn push_decimal(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Standard base64 with padding (the WAMP JSON convention for binary).
fn base64(data: &[u8]) -> Vec<u8> {
    STANDARD.encode(data).into_bytes()
}

/// What goes between a template's constant parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// The request id.
    Id,
    /// Bytes given at write time, already encoded (the payload, its header
    /// is in the template).
    Data,
    /// A string given at write time (header written then).
    Name,
}

/// A request as constant byte parts with slots between them.
#[derive(Debug)]
struct Template {
    ser: Ser,
    parts: Vec<Vec<u8>>,
    slots: Vec<Slot>,
}

impl Template {
    /// `[48, Id, {}, "bench.echo", [Id]]`.
    fn call(ser: Ser) -> Template {
        let mut b = Builder::new(ser);
        b.array(5);
        b.code(CALL);
        b.slot(Slot::Id);
        b.empty_dict();
        b.string("bench.echo");
        b.array(1);
        b.slot(Slot::Id);
        b.end();
        b.end();
        b.build()
    }

    /// `[48, Id, {}, "bench.echo", [<len bytes>]]`.
    fn call_bytes(ser: Ser, len: usize) -> Template {
        let mut b = Builder::new(ser);
        b.array(5);
        b.code(CALL);
        b.slot(Slot::Id);
        b.empty_dict();
        b.string("bench.echo");
        b.array(1);
        b.bytes(len);
        b.end();
        b.end();
        b.build()
    }

    /// `[16, Id, {}, "bench.topic", [Id]]`.
    fn publish(ser: Ser) -> Template {
        let mut b = Builder::new(ser);
        b.array(5);
        b.code(PUBLISH);
        b.slot(Slot::Id);
        b.empty_dict();
        b.string("bench.topic");
        b.array(1);
        b.slot(Slot::Id);
        b.end();
        b.end();
        b.build()
    }

    /// `[64, Id, {}, Name]`.
    fn register(ser: Ser) -> Template {
        let mut b = Builder::new(ser);
        b.array(4);
        b.code(REGISTER);
        b.slot(Slot::Id);
        b.empty_dict();
        b.slot(Slot::Name);
        b.end();
        b.build()
    }

    fn len(&self, id: u64, data: &[u8], name: &[u8]) -> usize {
        let constant: usize = self.parts.iter().map(Vec::len).sum();
        let slots: usize = self
            .slots
            .iter()
            .map(|slot| match slot {
                Slot::Id => self.ser.id_len(id),
                Slot::Data => data.len(),
                Slot::Name => self.ser.str_overhead(name.len()) + name.len(),
            })
            .sum();
        constant + slots
    }

    fn write(&self, out: &mut Vec<u8>, id: u64, data: &[u8], name: &[u8]) {
        for (index, part) in self.parts.iter().enumerate() {
            out.extend_from_slice(part);
            match self.slots.get(index) {
                Some(Slot::Id) => self.ser.push_id(out, id),
                Some(Slot::Data) => out.extend_from_slice(data),
                Some(Slot::Name) => self.ser.push_str(out, name),
                None => {}
            }
        }
    }
}

/// Builds a [`Template`] (before the window, so it may be simple rather
/// than fast).
#[derive(Debug)]
struct Builder {
    ser: Ser,
    parts: Vec<Vec<u8>>,
    slots: Vec<Slot>,
    current: Vec<u8>,
    /// JSON: per open array, whether an element was written (comma needed).
    open: Vec<bool>,
}

impl Builder {
    fn new(ser: Ser) -> Builder {
        Builder {
            ser,
            parts: Vec::new(),
            slots: Vec::new(),
            current: Vec::new(),
            open: Vec::new(),
        }
    }

    fn element(&mut self) {
        if let Some(started) = self.open.last_mut() {
            if *started && self.ser == Ser::Json {
                self.current.push(b',');
            }
            *started = true;
        }
    }

    fn array(&mut self, len: u8) {
        self.element();
        self.open.push(false);
        match self.ser {
            Ser::Json => self.current.push(b'['),
            Ser::MsgPack => self.current.push(0x90 | len),
            Ser::Cbor => self.current.push(0x80 | len),
        }
    }

    fn end(&mut self) {
        self.open.pop();
        if self.ser == Ser::Json {
            self.current.push(b']');
        }
    }

    fn code(&mut self, code: u8) {
        self.element();
        match self.ser {
            Ser::Json => push_decimal(&mut self.current, u64::from(code)),
            Ser::MsgPack => self.current.push(code),
            Ser::Cbor => self.current.extend_from_slice(&[0x18, code]),
        }
    }

    fn empty_dict(&mut self) {
        self.element();
        match self.ser {
            Ser::Json => self.current.extend_from_slice(b"{}"),
            Ser::MsgPack => self.current.push(0x80),
            Ser::Cbor => self.current.push(0xa0),
        }
    }

    fn string(&mut self, s: &str) {
        self.element();
        self.ser.push_str(&mut self.current, s.as_bytes());
    }

    fn slot(&mut self, slot: Slot) {
        self.element();
        self.parts.push(std::mem::take(&mut self.current));
        self.slots.push(slot);
    }

    /// A binary value of `len` bytes: its header, then a data slot.
    fn bytes(&mut self, len: usize) {
        self.element();
        let len32 = (len as u32).to_be_bytes();
        match self.ser {
            Ser::Json => self.current.extend_from_slice(b"\"\\u0000"),
            Ser::MsgPack => {
                self.current.push(0xc6);
                self.current.extend_from_slice(&len32);
            }
            Ser::Cbor => {
                self.current.push(0x5a);
                self.current.extend_from_slice(&len32);
            }
        }
        self.parts.push(std::mem::take(&mut self.current));
        self.slots.push(Slot::Data);
        if self.ser == Ser::Json {
            self.current.push(b'"');
        }
    }

    fn build(mut self) -> Template {
        self.parts.push(self.current);
        Template {
            ser: self.ser,
            parts: self.parts,
            slots: self.slots,
        }
    }
}

/// How messages are framed on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    WebSocket,
    RawSocket,
}

/// The kind of frame written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    Message,
    Pong,
}

/// Writes frames (headers, masking) into a buffer.
#[derive(Debug)]
struct Framer {
    framing: Framing,
    /// WebSocket data opcode: 1 text (JSON), 2 binary.
    opcode: u8,
    /// xorshift32 state for the mask keys.
    mask_state: u32,
}

impl Framer {
    fn next_key(&mut self) -> [u8; 4] {
        let mut x = self.mask_state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.mask_state = x;
        x.to_ne_bytes()
    }

    /// Appends one frame of `len` payload bytes, which `body` writes.
    fn frame(&mut self, out: &mut Vec<u8>, kind: FrameKind, len: usize, body: impl FnOnce(&mut Vec<u8>)) {
        match self.framing {
            Framing::RawSocket => {
                out.push(match kind {
                    FrameKind::Message => 0,
                    FrameKind::Pong => 2,
                });
                out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
                body(out);
            }
            Framing::WebSocket => {
                out.push(
                    0x80 | match kind {
                        FrameKind::Message => self.opcode,
                        FrameKind::Pong => 10,
                    },
                );
                if len < 126 {
                    out.push(0x80 | len as u8);
                } else if len <= 0xffff {
                    out.push(0x80 | 126);
                    out.extend_from_slice(&(len as u16).to_be_bytes());
                } else {
                    out.push(0x80 | 127);
                    out.extend_from_slice(&(len as u64).to_be_bytes());
                }
                let key = self.next_key();
                out.extend_from_slice(&key);
                let at = out.len();
                body(out);
                debug_assert_eq!(out.len() - at, len);
                mask(&mut out[at..], key);
            }
        }
    }
}

/// XORs `buf` with the WebSocket mask `key`, 8 bytes at a time.
fn mask(buf: &mut [u8], key: [u8; 4]) {
    let wide = u64::from_ne_bytes([key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]]);
    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    // The remainder starts at a multiple of 8, so the key starts over.
    for (i, byte) in chunks.into_remainder().iter_mut().enumerate() {
        *byte ^= key[i % 4];
    }
}

/// A complete incoming WAMP message: its type and where it lies in the read
/// buffer (valid until the next read).
#[derive(Debug, Clone, Copy)]
struct Incoming {
    kind: u64,
    from: usize,
    to: usize,
}

impl Incoming {
    fn len(&self) -> usize {
        self.to - self.from
    }
}

/// The connection to the router.
#[derive(Debug)]
struct Conn {
    stream: TcpStream,
    ser: Ser,
    framer: Framer,
    /// Received bytes: `rbuf[start..end]` not consumed yet.
    rbuf: Vec<u8>,
    start: usize,
    end: usize,
    /// Bytes (from `start`) the frame being received needs in all.
    need: usize,
    /// Frames to write.
    wbuf: Vec<u8>,
    /// Control frames (pongs), written at once.
    control: Vec<u8>,
}

fn io_error(text: String) -> io::Error {
    io::Error::other(text)
}

#[cfg(target_os = "linux")]
fn quick_ack(stream: &TcpStream) {
    // Only a hint: if it fails the ACK comes with the timer.
    let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_stream: &TcpStream) {}

impl Conn {
    /// Connects to `url` (`ws://host:port/path` or `rs://host:port`) and
    /// does the transport handshake.
    fn connect(url: &str, ser: Ser) -> BoxResult<Conn> {
        let (framing, rest) = if let Some(rest) = url.strip_prefix("ws://") {
            (Framing::WebSocket, rest)
        } else if let Some(rest) = url.strip_prefix("rs://") {
            (Framing::RawSocket, rest)
        } else {
            return Err(format!("the floor speaks ws:// and rs:// only, not {url:?}").into());
        };
        let (host, path) = match rest.find('/') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, "/"),
        };
        let stream = TcpStream::connect(host)?;
        stream.set_nodelay(true)?;
        let mut conn = Conn {
            stream,
            ser,
            framer: Framer {
                framing,
                opcode: if ser == Ser::Json { 1 } else { 2 },
                mask_state: 0x9e37_79b9,
            },
            rbuf: vec![0; READ_BUFFER],
            start: 0,
            end: 0,
            need: 0,
            wbuf: Vec::new(),
            control: Vec::new(),
        };
        match framing {
            Framing::WebSocket => conn.upgrade(host, path)?,
            Framing::RawSocket => conn.rawsocket_handshake()?,
        }
        Ok(conn)
    }

    fn upgrade(&mut self, host: &str, path: &str) -> BoxResult<()> {
        let protocol = self.ser.kind().subprotocol();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: {WS_KEY}\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Protocol: {protocol}\r\n\r\n"
        );
        self.stream.write_all(request.as_bytes())?;
        let head_end = loop {
            if let Some(at) = self.rbuf[..self.end].windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.rbuf[..head_end]).into_owned();
        self.start = head_end + 4;
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap_or_default();
        if status.split_whitespace().nth(1) != Some("101") {
            return Err(format!("WebSocket upgrade refused: {status}").into());
        }
        let chosen = lines
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("sec-websocket-protocol"))
            .map(|(_, value)| value.trim());
        if chosen != Some(protocol) {
            return Err(format!("the router chose subprotocol {chosen:?}, not {protocol}").into());
        }
        Ok(())
    }

    fn rawsocket_handshake(&mut self) -> BoxResult<()> {
        let id = self.ser.kind().rawsocket_id();
        self.stream.write_all(&[0x7f, 0xf0 | id, 0, 0])?;
        while self.end < 4 {
            self.fill()?;
        }
        let reply = [self.rbuf[0], self.rbuf[1], self.rbuf[2], self.rbuf[3]];
        self.start = 4;
        if reply[0] != 0x7f {
            return Err(format!("not a RawSocket answer: {reply:02x?}").into());
        }
        if reply[1] & 0x0f != id {
            return Err(format!("RawSocket handshake refused (error {}): {reply:02x?}", reply[1] >> 4).into());
        }
        Ok(())
    }

    /// One blocking read (more room first if the pending frame needs it).
    fn fill(&mut self) -> io::Result<()> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        let size = self.rbuf.len();
        if self.start > 0 && (size - self.end < MIN_ROOM || size - self.start < self.need) {
            self.rbuf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let wanted = self.need.max(self.end + MIN_ROOM);
        if self.rbuf.len() < wanted {
            self.rbuf.resize(wanted, 0);
        }
        let n = self.stream.read(&mut self.rbuf[self.end..])?;
        if n == 0 {
            return Err(io_error("the router closed the connection".into()));
        }
        self.end += n;
        if n >= QUICKACK_AFTER {
            quick_ack(&self.stream);
        }
        Ok(())
    }

    /// The next complete message already received, if any (answers pings,
    /// skips pongs).
    fn try_message(&mut self) -> io::Result<Option<Incoming>> {
        loop {
            let buf = &self.rbuf[self.start..self.end];
            let (kind, head, len) = match self.framer.framing {
                Framing::WebSocket => {
                    if buf.len() < 2 {
                        self.need = 2;
                        return Ok(None);
                    }
                    if buf[1] & 0x80 != 0 {
                        return Err(io_error("the router sent a masked frame".into()));
                    }
                    let (head, len) = match buf[1] & 0x7f {
                        126 if buf.len() >= 4 => (4, usize::from(u16::from_be_bytes([buf[2], buf[3]]))),
                        127 if buf.len() >= 10 => {
                            let mut len = [0u8; 8];
                            len.copy_from_slice(&buf[2..10]);
                            (10, u64::from_be_bytes(len) as usize)
                        }
                        126 | 127 => {
                            self.need = 10;
                            return Ok(None);
                        }
                        len => (2, usize::from(len)),
                    };
                    (buf[0], head, len)
                }
                Framing::RawSocket => {
                    if buf.len() < 4 {
                        self.need = 4;
                        return Ok(None);
                    }
                    (buf[0], 4, u32::from_be_bytes([0, buf[1], buf[2], buf[3]]) as usize)
                }
            };
            if buf.len() < head + len {
                self.need = head + len;
                return Ok(None);
            }
            self.need = 0;
            let (from, to) = (self.start + head, self.start + head + len);
            self.start = to;
            let ping = match self.framer.framing {
                Framing::WebSocket => match (kind & 0x80 != 0, kind & 0x0f) {
                    (true, 1 | 2) => false,
                    (_, 0..=2) => {
                        return Err(io_error(
                            "fragmented WebSocket message (the floor reads whole frames)".into(),
                        ));
                    }
                    (_, 8) => {
                        let payload = &self.rbuf[from..to];
                        let code = payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]]));
                        let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or_default());
                        return Err(io_error(format!("the router closed the WebSocket: {code:?} {reason}")));
                    }
                    (_, 9) => true,
                    (_, 10) => continue,
                    (_, opcode) => return Err(io_error(format!("unknown WebSocket opcode {opcode}"))),
                },
                Framing::RawSocket => match kind & 0x07 {
                    0 => false,
                    1 => true,
                    2 => continue,
                    other => return Err(io_error(format!("unknown RawSocket frame type {other}"))),
                },
            };
            if ping {
                let payload = &self.rbuf[from..to];
                self.control.clear();
                self.framer
                    .frame(&mut self.control, FrameKind::Pong, payload.len(), |out| {
                        out.extend_from_slice(payload)
                    });
                self.stream.write_all(&self.control)?;
                continue;
            }
            let kind = self.ser.message_type(&self.rbuf[from..to]).ok_or_else(|| {
                let start = &self.rbuf[from..to.min(from + 16)];
                io_error(format!("cannot read the message type of {start:02x?}"))
            })?;
            return Ok(Some(Incoming { kind, from, to }));
        }
    }

    /// The next complete message, reading as needed.
    fn message(&mut self) -> io::Result<Incoming> {
        loop {
            if let Some(message) = self.try_message()? {
                return Ok(message);
            }
            self.fill()?;
        }
    }

    /// Frames a templated request into the write buffer.
    fn push(&mut self, template: &Template, id: u64, data: &[u8], name: &[u8]) {
        let len = template.len(id, data, name);
        self.framer.frame(&mut self.wbuf, FrameKind::Message, len, |out| {
            template.write(out, id, data, name)
        });
    }

    /// Writes the write buffer out.
    fn flush(&mut self) -> io::Result<()> {
        self.stream.write_all(&self.wbuf)?;
        self.wbuf.clear();
        Ok(())
    }

    /// Sends a message encoded by `wamp_protocol` (outside the window).
    fn send_message(&mut self, message: &Message, serializer: &dyn wamp_protocol::Serializer) -> BoxResult<()> {
        let bytes = serializer.encode(message)?;
        self.framer
            .frame(&mut self.wbuf, FrameKind::Message, bytes.len(), |out| {
                out.extend_from_slice(&bytes)
            });
        Ok(self.flush()?)
    }

    /// HELLO, then WELCOME.
    fn join(&mut self, serializer: &dyn wamp_protocol::Serializer) -> BoxResult<()> {
        let roles: Dict = ["caller", "callee", "publisher", "subscriber"]
            .into_iter()
            .map(|role| (role.to_string(), Value::Dict(Dict::new())))
            .collect();
        let mut details = Dict::new();
        details.insert("roles".into(), Value::Dict(roles));
        details.insert("agent".into(), Value::String("wamp-bench floor".into()));
        let hello = Message::from(Hello {
            realm: "realm1".into(),
            details,
        });
        self.send_message(&hello, serializer)?;
        let answer = self.message()?;
        match answer.kind {
            WELCOME => Ok(()),
            ABORT => {
                let abort = serializer.decode(&self.rbuf[answer.from..answer.to])?;
                Err(format!("the router refused to join: {abort:?}").into())
            }
            other => Err(format!("expected WELCOME, got message type {other}").into()),
        }
    }

    /// GOODBYE, then the router's GOODBYE (anything before it is skipped).
    fn leave(&mut self, serializer: &dyn wamp_protocol::Serializer) -> BoxResult<()> {
        let goodbye = Message::from(Goodbye {
            details: Dict::new(),
            reason: "wamp.close.normal".into(),
        });
        self.send_message(&goodbye, serializer)?;
        self.stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        while self.message()?.kind != GOODBYE {}
        Ok(())
    }
}

/// An answer that must be a RESULT: an ERROR or anything else fails the run.
fn expect_result(answer: Incoming) -> io::Result<()> {
    match answer.kind {
        RESULT => Ok(()),
        ERROR => Err(io_error("the call failed (ERROR)".into())),
        other => Err(io_error(format!("expected RESULT, got message type {other}"))),
    }
}

/// Runs driver role `role` against `url` with serializer `serializer` for
/// `duration`.
pub(crate) fn run(role: &str, url: &str, serializer: &str, duration: Duration) -> BoxResult<()> {
    if !ROLES.contains(&role) {
        return Err(format!("the floor has no role {role:?} (only {})", ROLES.join(", ")).into());
    }
    let ser = Ser::parse(serializer)?;
    let codec = crate::rust_peer::serializer(serializer)?.serializer();
    let mut conn = Conn::connect(url, ser)?;
    conn.join(codec.as_ref())?;
    let mut id = 0u64;
    match role {
        "caller-seq" => {
            let call = Template::call(ser);
            let window = Window::open(duration)?;
            let mut n = 0u64;
            while Instant::now() < window.deadline {
                id += 1;
                conn.push(&call, id, &[], &[]);
                conn.flush()?;
                expect_result(conn.message()?)?;
                n += 1;
            }
            window.report(n, true)?;
        }
        "caller-inflight" => {
            let call = Template::call(ser);
            let window = Window::open(duration)?;
            for _ in 0..IN_FLIGHT {
                id += 1;
                conn.push(&call, id, &[], &[]);
            }
            conn.flush()?;
            let (mut sent, mut done) = (IN_FLIGHT as u64, 0u64);
            while done < sent {
                let mut k = 0u64;
                while let Some(answer) = conn.try_message()? {
                    expect_result(answer)?;
                    k += 1;
                }
                if k == 0 {
                    conn.fill()?;
                    continue;
                }
                done += k;
                if Instant::now() < window.deadline {
                    for _ in 0..k {
                        id += 1;
                        conn.push(&call, id, &[], &[]);
                    }
                    conn.flush()?;
                    sent += k;
                }
            }
            window.report(done, true)?;
        }
        "caller-payload" => {
            let data = crate::rust_peer::payload();
            let encoded = if ser == Ser::Json { base64(&data) } else { data };
            let call = Template::call_bytes(ser, PAYLOAD_BYTES);
            let window = Window::open(duration)?;
            let (mut n, mut ok) = (0u64, true);
            while n < 2 || Instant::now() < window.deadline {
                id += 1;
                conn.push(&call, id, &encoded, &[]);
                conn.flush()?;
                let answer = conn.message()?;
                ok &= answer.kind == RESULT && answer.len() >= PAYLOAD_BYTES;
                n += 1;
            }
            window.report(n, ok)?;
        }
        "publisher" => {
            let publish = Template::publish(ser);
            let window = Window::open(duration)?;
            while Instant::now() < window.deadline {
                for _ in 0..PUBLISH_BATCH {
                    id += 1;
                    conn.push(&publish, id, &[], &[]);
                }
                conn.flush()?;
            }
            window.report(id, true)?;
        }
        "register" => {
            let register = Template::register(ser);
            let mut name = Vec::with_capacity(32);
            let window = Window::open(duration)?;
            for i in 0..REGISTRATIONS {
                name.clear();
                name.extend_from_slice(b"bench.reg.");
                push_decimal(&mut name, i as u64);
                id += 1;
                conn.push(&register, id, &[], &name);
            }
            conn.flush()?;
            let mut done = 0;
            while done < REGISTRATIONS {
                let answer = conn.message()?;
                match answer.kind {
                    REGISTERED => done += 1,
                    ERROR => return Err("a registration failed (ERROR)".into()),
                    other => return Err(format!("expected REGISTERED, got message type {other}").into()),
                }
            }
            window.report(REGISTRATIONS as u64, true)?;
        }
        _ => unreachable!("checked against ROLES"),
    }
    conn.leave(codec.as_ref())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(template: &Template, id: u64, data: &[u8], name: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        template.write(&mut out, id, data, name);
        assert_eq!(out.len(), template.len(id, data, name));
        out
    }

    fn codec(ser: Ser) -> Box<dyn wamp_protocol::Serializer> {
        let name = match ser {
            Ser::Json => "json",
            Ser::MsgPack => "msgpack",
            Ser::Cbor => "cbor",
        };
        crate::rust_peer::serializer(name).expect("serializer").serializer()
    }

    #[test]
    fn json_call_template_matches_the_example() {
        let out = encode(&Template::call(Ser::Json), 17, &[], &[]);
        assert_eq!(out, br#"[48,17,{},"bench.echo",[17]]"#);
    }

    #[test]
    fn templates_decode_with_wamp_core() {
        for ser in [Ser::Json, Ser::MsgPack, Ser::Cbor] {
            let codec = codec(ser);
            let cases = [
                (encode(&Template::call(ser), 123_456, &[], &[]), 48),
                (encode(&Template::publish(ser), 7, &[], &[]), 16),
                (encode(&Template::register(ser), 9, &[], b"bench.reg.9999"), 64),
            ];
            for (bytes, kind) in cases {
                let message = codec.decode(&bytes).expect("decodes");
                assert_eq!(message.message_type().code(), kind, "{ser:?}");
                assert_eq!(ser.message_type(&bytes), Some(kind));
            }
            let data: Vec<u8> = (0..1000).map(|i| (i * 31 % 251) as u8).collect();
            let encoded = if ser == Ser::Json { base64(&data) } else { data.clone() };
            let bytes = encode(&Template::call_bytes(ser, data.len()), 5, &encoded, &[]);
            match codec.decode(&bytes).expect("decodes") {
                Message::Call(call) => assert_eq!(call.payload.args, vec![Value::Bytes(data)], "{ser:?}"),
                other => panic!("not a CALL: {other:?}"),
            }
        }
    }

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), b"");
        assert_eq!(base64(b"f"), b"Zg==");
        assert_eq!(base64(b"fo"), b"Zm8=");
        assert_eq!(base64(b"foo"), b"Zm9v");
        assert_eq!(base64(b"wamp-bench-floor"), WS_KEY.as_bytes());
    }

    #[test]
    fn masking_is_bytewise_xor() {
        let key = [1, 2, 3, 4];
        let mut buf: Vec<u8> = (0..29).collect();
        mask(&mut buf, key);
        let expected: Vec<u8> = (0..29u8).map(|i| i ^ key[usize::from(i) % 4]).collect();
        assert_eq!(buf, expected);
    }

    #[test]
    fn message_type_of_answers() {
        assert_eq!(Ser::Json.message_type(b" [ 50, 1, {}]"), Some(50));
        assert_eq!(Ser::MsgPack.message_type(&[0x94, 0x32, 0x01]), Some(50));
        assert_eq!(Ser::Cbor.message_type(&[0x84, 0x18, 0x32, 0x01]), Some(50));
        assert_eq!(Ser::Cbor.message_type(&[0x83, 0x06]), Some(6));
        assert_eq!(Ser::Json.message_type(b"{}"), None);
    }
}
