//! [`MessageType`]: which of the WAMP messages a message is, and its code.
//!
//! A leaf: errors name the message type they are about without depending on
//! the messages themselves.

use std::fmt;

/// The type of a WAMP message, with its numeric code on the wire.
///
/// ```
/// use wamp_protocol::MessageType;
/// assert_eq!(MessageType::Call.code(), 48);
/// assert_eq!(MessageType::from_code(48), Some(MessageType::Call));
/// assert_eq!(MessageType::from_code(7), None);
/// assert_eq!(MessageType::Call.to_string(), "CALL");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum MessageType {
    /// `HELLO` (1).
    Hello = 1,
    /// `WELCOME` (2).
    Welcome = 2,
    /// `ABORT` (3).
    Abort = 3,
    /// `CHALLENGE` (4).
    Challenge = 4,
    /// `AUTHENTICATE` (5).
    Authenticate = 5,
    /// `GOODBYE` (6).
    Goodbye = 6,
    /// `ERROR` (8).
    Error = 8,
    /// `PUBLISH` (16).
    Publish = 16,
    /// `PUBLISHED` (17).
    Published = 17,
    /// `SUBSCRIBE` (32).
    Subscribe = 32,
    /// `SUBSCRIBED` (33).
    Subscribed = 33,
    /// `UNSUBSCRIBE` (34).
    Unsubscribe = 34,
    /// `UNSUBSCRIBED` (35).
    Unsubscribed = 35,
    /// `EVENT` (36).
    Event = 36,
    /// `CALL` (48).
    Call = 48,
    /// `CANCEL` (49).
    Cancel = 49,
    /// `RESULT` (50).
    Result = 50,
    /// `REGISTER` (64).
    Register = 64,
    /// `REGISTERED` (65).
    Registered = 65,
    /// `UNREGISTER` (66).
    Unregister = 66,
    /// `UNREGISTERED` (67).
    Unregistered = 67,
    /// `INVOCATION` (68).
    Invocation = 68,
    /// `INTERRUPT` (69).
    Interrupt = 69,
    /// `YIELD` (70).
    Yield = 70,
}

impl MessageType {
    /// Every message type, in code order.
    pub const ALL: [MessageType; 24] = [
        MessageType::Hello,
        MessageType::Welcome,
        MessageType::Abort,
        MessageType::Challenge,
        MessageType::Authenticate,
        MessageType::Goodbye,
        MessageType::Error,
        MessageType::Publish,
        MessageType::Published,
        MessageType::Subscribe,
        MessageType::Subscribed,
        MessageType::Unsubscribe,
        MessageType::Unsubscribed,
        MessageType::Event,
        MessageType::Call,
        MessageType::Cancel,
        MessageType::Result,
        MessageType::Register,
        MessageType::Registered,
        MessageType::Unregister,
        MessageType::Unregistered,
        MessageType::Invocation,
        MessageType::Interrupt,
        MessageType::Yield,
    ];

    /// The numeric code on the wire.
    pub fn code(self) -> u64 {
        self as u64
    }

    /// The message type with the given code, if any.
    pub fn from_code(code: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The upper-case name used in the spec, e.g. `"CALL"`.
    pub fn name(self) -> &'static str {
        match self {
            MessageType::Hello => "HELLO",
            MessageType::Welcome => "WELCOME",
            MessageType::Abort => "ABORT",
            MessageType::Challenge => "CHALLENGE",
            MessageType::Authenticate => "AUTHENTICATE",
            MessageType::Goodbye => "GOODBYE",
            MessageType::Error => "ERROR",
            MessageType::Publish => "PUBLISH",
            MessageType::Published => "PUBLISHED",
            MessageType::Subscribe => "SUBSCRIBE",
            MessageType::Subscribed => "SUBSCRIBED",
            MessageType::Unsubscribe => "UNSUBSCRIBE",
            MessageType::Unsubscribed => "UNSUBSCRIBED",
            MessageType::Event => "EVENT",
            MessageType::Call => "CALL",
            MessageType::Cancel => "CANCEL",
            MessageType::Result => "RESULT",
            MessageType::Register => "REGISTER",
            MessageType::Registered => "REGISTERED",
            MessageType::Unregister => "UNREGISTER",
            MessageType::Unregistered => "UNREGISTERED",
            MessageType::Invocation => "INVOCATION",
            MessageType::Interrupt => "INTERRUPT",
            MessageType::Yield => "YIELD",
        }
    }

    /// The minimum and maximum number of list elements (including the type
    /// code) of this message on the wire.
    pub fn arity(self) -> (usize, usize) {
        match self {
            MessageType::Hello
            | MessageType::Welcome
            | MessageType::Abort
            | MessageType::Challenge
            | MessageType::Authenticate
            | MessageType::Goodbye
            | MessageType::Published
            | MessageType::Subscribed
            | MessageType::Unsubscribe
            | MessageType::Cancel
            | MessageType::Registered
            | MessageType::Unregister
            | MessageType::Interrupt => (3, 3),
            MessageType::Subscribe | MessageType::Register => (4, 4),
            MessageType::Unsubscribed | MessageType::Unregistered => (2, 3),
            MessageType::Error => (5, 7),
            MessageType::Publish | MessageType::Event | MessageType::Call | MessageType::Invocation => (4, 6),
            MessageType::Result | MessageType::Yield => (3, 5),
        }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
