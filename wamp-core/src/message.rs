//! WAMP v2 messages and their list representation.
//!
//! Every WAMP message is a list whose first element is the message type
//! code, e.g. `[48, 7, {}, "com.example.add", [1, 2]]` for a CALL. This
//! module defines one struct per message, the [`Message`] enum over all of
//! them, and the conversion from the decoded list form
//! ([`Message::from_list`]).

use crate::error::DecodeError;
use crate::id::{Id, MAX_ID};
use crate::lazy::LazyDict;
use crate::message_type::MessageType;
use crate::value::{Dict, List, Value};

/// Positional (`args`) and keyword (`kwargs`) application payload of
/// PUBLISH, EVENT, CALL, INVOCATION, YIELD, RESULT and ERROR.
///
/// On the wire both are trailing optional elements: when `kwargs` is empty
/// it is omitted, and when both are empty both are omitted.
///
/// ```
/// use wamp_protocol::{Payload, Value};
/// let payload = Payload::from_args(vec![Value::from(1), Value::from("two")]);
/// assert_eq!(payload.args.len(), 2);
/// assert!(payload.kwargs.is_empty());
/// assert!(Payload::new().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Payload {
    /// Positional arguments.
    pub args: List,
    /// Keyword arguments.
    pub kwargs: Dict,
}

impl Payload {
    /// An empty payload.
    pub fn new() -> Self {
        Self::default()
    }

    /// A payload with positional arguments only.
    pub fn from_args(args: List) -> Self {
        Self {
            args,
            kwargs: Dict::new(),
        }
    }

    /// A payload with keyword arguments only.
    pub fn from_kwargs(kwargs: Dict) -> Self {
        Self {
            args: List::new(),
            kwargs,
        }
    }

    /// A payload with both positional and keyword arguments.
    pub fn from_parts(args: List, kwargs: Dict) -> Self {
        Self { args, kwargs }
    }

    /// Returns `true` if there are neither positional nor keyword
    /// arguments.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty() && self.kwargs.is_empty()
    }

    /// Deserializes the payload into `T`, reading it the way a result is
    /// read: one positional value and no keywords → that value; no
    /// positional values → the keyword values as a map or struct (or `()` /
    /// `None` when there are none); otherwise → all positional values as a
    /// sequence (a tuple or `Vec`).
    ///
    /// ```
    /// use wamp_protocol::{Payload, Value};
    ///
    /// let one = Payload::from_args(vec![Value::from("50% complete")]);
    /// assert_eq!(one.decode::<String>()?, "50% complete");
    ///
    /// let two = Payload::from_args(vec![Value::from(1), Value::from(2)]);
    /// assert_eq!(two.decode::<(i64, i64)>()?, (1, 2));
    /// # Ok::<(), wamp_protocol::ValueError>(())
    /// ```
    ///
    /// # Errors
    /// A [`ValueError`](crate::ValueError) saying what did not fit.
    pub fn decode<T: serde::de::DeserializeOwned>(self) -> Result<T, crate::value::ValueError> {
        let value = match (self.args.len(), self.kwargs.is_empty()) {
            (1, true) => self.args.into_iter().next().unwrap_or_default(),
            (0, true) => Value::Null,
            (0, false) => Value::Dict(self.kwargs),
            _ => Value::List(self.args),
        };
        crate::value::from_value(value)
    }
}

/// `[HELLO, Realm|uri, Details|dict]`: a client asks to join a realm.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hello {
    /// The realm to join.
    pub realm: String,
    /// Client details (roles, authentication methods, …).
    pub details: Dict,
}

/// `[WELCOME, Session|id, Details|dict]`: the router accepts the session.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Welcome {
    /// The session id.
    pub session: Id,
    /// Router details (roles, authid, …).
    pub details: Dict,
}

/// `[ABORT, Details|dict, Reason|uri]`: opening the session failed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Abort {
    /// Details, e.g. a `message`.
    pub details: Dict,
    /// The error URI.
    pub reason: String,
}

/// `[CHALLENGE, AuthMethod|string, Extra|dict]`: the router asks the
/// client to authenticate.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Challenge {
    /// The authentication method, e.g. `"ticket"`.
    pub auth_method: String,
    /// Method-specific data.
    pub extra: Dict,
}

/// `[AUTHENTICATE, Signature|string, Extra|dict]`: the client's answer to a
/// CHALLENGE.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Authenticate {
    /// The signature or ticket.
    pub signature: String,
    /// Method-specific data.
    pub extra: Dict,
}

/// `[GOODBYE, Details|dict, Reason|uri]`: closing the session.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Goodbye {
    /// Details, e.g. a `message`.
    pub details: Dict,
    /// The reason URI, e.g. `wamp.close.normal`.
    pub reason: String,
}

/// `[ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri,
/// Arguments|list, ArgumentsKw|dict]`: a request failed.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorMessage {
    /// The type of the failed request.
    pub request_type: MessageType,
    /// The id of the failed request.
    pub request: Id,
    /// Details.
    pub details: Dict,
    /// The error URI.
    pub error: String,
    /// Application payload.
    pub payload: Payload,
}

impl ErrorMessage {
    /// An error for `request` of `request_type` with the given error URI,
    /// no details and no payload.
    pub fn new(request_type: MessageType, request: Id, error: impl Into<String>) -> Self {
        Self {
            request_type,
            request,
            details: Dict::new(),
            error: error.into(),
            payload: Payload::new(),
        }
    }
}

/// `[PUBLISH, Request|id, Options|dict, Topic|uri, Arguments|list,
/// ArgumentsKw|dict]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Publish {
    /// The request id.
    pub request: Id,
    /// Publish options.
    pub options: Dict,
    /// The topic URI.
    pub topic: String,
    /// Application payload.
    pub payload: Payload,
}

/// `[PUBLISHED, PUBLISH.Request|id, Publication|id]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Published {
    /// The id of the PUBLISH request.
    pub request: Id,
    /// The publication id.
    pub publication: Id,
}

/// `[SUBSCRIBE, Request|id, Options|dict, Topic|uri]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Subscribe {
    /// The request id.
    pub request: Id,
    /// Subscribe options (e.g. `match`).
    pub options: Dict,
    /// The topic URI or pattern.
    pub topic: String,
}

/// `[SUBSCRIBED, SUBSCRIBE.Request|id, Subscription|id]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Subscribed {
    /// The id of the SUBSCRIBE request.
    pub request: Id,
    /// The subscription id.
    pub subscription: Id,
}

/// `[UNSUBSCRIBE, Request|id, SUBSCRIBED.Subscription|id]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Unsubscribe {
    /// The request id.
    pub request: Id,
    /// The subscription to remove.
    pub subscription: Id,
}

/// `[UNSUBSCRIBED, UNSUBSCRIBE.Request|id]`, or
/// `[UNSUBSCRIBED, 0, Details|dict]` when the router revokes a
/// subscription. `details` is empty when absent on the wire, and is
/// omitted on the wire when empty.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Unsubscribed {
    /// The id of the UNSUBSCRIBE request (0 for router-initiated
    /// revocation).
    pub request: Id,
    /// Details (e.g. `subscription` and `reason` on revocation).
    pub details: Dict,
}

/// `[EVENT, SUBSCRIBED.Subscription|id, PUBLISHED.Publication|id,
/// Details|dict, PUBLISH.Arguments|list, PUBLISH.ArgumentsKw|dict]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Event {
    /// The subscription the event is delivered for.
    pub subscription: Id,
    /// The publication id.
    pub publication: Id,
    /// Details.
    pub details: Dict,
    /// Application payload.
    pub payload: Payload,
}

/// `[CALL, Request|id, Options|dict, Procedure|uri, Arguments|list,
/// ArgumentsKw|dict]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Call {
    /// The request id.
    pub request: Id,
    /// Call options.
    pub options: Dict,
    /// The procedure URI.
    pub procedure: String,
    /// Application payload.
    pub payload: Payload,
}

/// `[CANCEL, CALL.Request|id, Options|dict]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cancel {
    /// The id of the CALL request.
    pub request: Id,
    /// Cancel options (e.g. `mode`).
    pub options: Dict,
}

/// `[RESULT, CALL.Request|id, Details|dict, YIELD.Arguments|list,
/// YIELD.ArgumentsKw|dict]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallResult {
    /// The id of the CALL request.
    pub request: Id,
    /// Details (e.g. `progress`, or the callee a router discloses); a
    /// received RESULT may leave them encoded until they are first read.
    pub details: LazyDict,
    /// Application payload.
    pub payload: Payload,
}

impl CallResult {
    /// Whether this is a progressive result (`progress: true` in the
    /// details), without decoding details that were left encoded: those
    /// never have a `progress` key.
    pub fn is_progress(&self) -> bool {
        self.details
            .decoded()
            .and_then(|details| details.get("progress"))
            .and_then(Value::as_bool)
            == Some(true)
    }
}

/// `[REGISTER, Request|id, Options|dict, Procedure|uri]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Register {
    /// The request id.
    pub request: Id,
    /// Register options (e.g. `match`, `invoke`).
    pub options: Dict,
    /// The procedure URI or pattern.
    pub procedure: String,
}

/// `[REGISTERED, REGISTER.Request|id, Registration|id]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Registered {
    /// The id of the REGISTER request.
    pub request: Id,
    /// The registration id.
    pub registration: Id,
}

/// `[UNREGISTER, Request|id, REGISTERED.Registration|id]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Unregister {
    /// The request id.
    pub request: Id,
    /// The registration to remove.
    pub registration: Id,
}

/// `[UNREGISTERED, UNREGISTER.Request|id]`, or
/// `[UNREGISTERED, 0, Details|dict]` when the router revokes a
/// registration. `details` is empty when absent on the wire, and is
/// omitted on the wire when empty.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Unregistered {
    /// The id of the UNREGISTER request (0 for router-initiated
    /// revocation).
    pub request: Id,
    /// Details (e.g. `registration` and `reason` on revocation).
    pub details: Dict,
}

/// `[INVOCATION, Request|id, REGISTERED.Registration|id, Details|dict,
/// CALL.Arguments|list, CALL.ArgumentsKw|dict]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Invocation {
    /// The request id (scoped to the callee's session).
    pub request: Id,
    /// The registration being invoked.
    pub registration: Id,
    /// Details.
    pub details: Dict,
    /// Application payload.
    pub payload: Payload,
}

/// `[INTERRUPT, INVOCATION.Request|id, Options|dict]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Interrupt {
    /// The id of the INVOCATION request.
    pub request: Id,
    /// Interrupt options.
    pub options: Dict,
}

/// `[YIELD, INVOCATION.Request|id, Options|dict, Arguments|list,
/// ArgumentsKw|dict]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Yield {
    /// The id of the INVOCATION request.
    pub request: Id,
    /// Options (e.g. `progress`).
    pub options: Dict,
    /// Application payload.
    pub payload: Payload,
}

/// Any WAMP message.
///
/// Decode a list with [`Message::from_list`] (serializers do this for you)
/// and get its list form with [`Message::to_list`]. `Message` also
/// implements [`serde::Serialize`] and [`serde::Deserialize`] on the plain
/// serde data model (bytes native), for binary serializers.
///
/// ```
/// use wamp_protocol::{Call, Message, MessageType, Payload, Value};
///
/// let call = Message::from(Call {
///     request: 7,
///     procedure: "com.example.add".into(),
///     payload: Payload::from_args(vec![Value::from(1), Value::from(2)]),
///     ..Default::default()
/// });
/// assert_eq!(call.message_type(), MessageType::Call);
///
/// let list = call.to_list();
/// assert_eq!(Value::List(list.clone()).to_string(), r#"[48, 7, {}, "com.example.add", [1, 2]]"#);
/// assert_eq!(Message::from_list(list).unwrap(), call);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// HELLO.
    Hello(Hello),
    /// WELCOME.
    Welcome(Welcome),
    /// ABORT.
    Abort(Abort),
    /// CHALLENGE.
    Challenge(Challenge),
    /// AUTHENTICATE.
    Authenticate(Authenticate),
    /// GOODBYE.
    Goodbye(Goodbye),
    /// ERROR.
    Error(ErrorMessage),
    /// PUBLISH.
    Publish(Publish),
    /// PUBLISHED.
    Published(Published),
    /// SUBSCRIBE.
    Subscribe(Subscribe),
    /// SUBSCRIBED.
    Subscribed(Subscribed),
    /// UNSUBSCRIBE.
    Unsubscribe(Unsubscribe),
    /// UNSUBSCRIBED.
    Unsubscribed(Unsubscribed),
    /// EVENT.
    Event(Event),
    /// CALL.
    Call(Call),
    /// CANCEL.
    Cancel(Cancel),
    /// RESULT.
    Result(CallResult),
    /// REGISTER.
    Register(Register),
    /// REGISTERED.
    Registered(Registered),
    /// UNREGISTER.
    Unregister(Unregister),
    /// UNREGISTERED.
    Unregistered(Unregistered),
    /// INVOCATION.
    Invocation(Invocation),
    /// INTERRUPT.
    Interrupt(Interrupt),
    /// YIELD.
    Yield(Yield),
}

macro_rules! message_from {
    ($($variant:ident($t:ty)),* $(,)?) => {$(
        impl From<$t> for Message {
            fn from(m: $t) -> Self {
                Message::$variant(m)
            }
        }
    )*};
}

message_from! {
    Hello(Hello), Welcome(Welcome), Abort(Abort), Challenge(Challenge),
    Authenticate(Authenticate), Goodbye(Goodbye), Error(ErrorMessage),
    Publish(Publish), Published(Published), Subscribe(Subscribe),
    Subscribed(Subscribed), Unsubscribe(Unsubscribe), Unsubscribed(Unsubscribed),
    Event(Event), Call(Call), Cancel(Cancel), Result(CallResult),
    Register(Register), Registered(Registered), Unregister(Unregister),
    Unregistered(Unregistered), Invocation(Invocation), Interrupt(Interrupt),
    Yield(Yield),
}

/// Receives the fields of a message in wire order (crate-private encoder
/// interface shared by [`Message::to_list`] and the serde adapters).
pub(crate) trait FieldSink {
    type Error;
    fn int(&mut self, value: u64) -> Result<(), Self::Error>;
    fn str(&mut self, value: &str) -> Result<(), Self::Error>;
    fn list(&mut self, value: &List) -> Result<(), Self::Error>;
    fn dict(&mut self, value: &Dict) -> Result<(), Self::Error>;
}

fn write_payload<S: FieldSink>(sink: &mut S, payload: &Payload) -> Result<(), S::Error> {
    if !payload.kwargs.is_empty() {
        sink.list(&payload.args)?;
        sink.dict(&payload.kwargs)
    } else if !payload.args.is_empty() {
        sink.list(&payload.args)
    } else {
        Ok(())
    }
}

/// Counts the fields of a message.
struct CountSink(usize);

impl FieldSink for CountSink {
    type Error = std::convert::Infallible;
    fn int(&mut self, _: u64) -> Result<(), Self::Error> {
        self.0 += 1;
        Ok(())
    }
    fn str(&mut self, _: &str) -> Result<(), Self::Error> {
        self.0 += 1;
        Ok(())
    }
    fn list(&mut self, _: &List) -> Result<(), Self::Error> {
        self.0 += 1;
        Ok(())
    }
    fn dict(&mut self, _: &Dict) -> Result<(), Self::Error> {
        self.0 += 1;
        Ok(())
    }
}

/// Builds the list form by cloning.
struct ListSink(Vec<Value>);

impl FieldSink for ListSink {
    type Error = std::convert::Infallible;
    fn int(&mut self, value: u64) -> Result<(), Self::Error> {
        self.0.push(Value::from(value));
        Ok(())
    }
    fn str(&mut self, value: &str) -> Result<(), Self::Error> {
        self.0.push(Value::from(value));
        Ok(())
    }
    fn list(&mut self, value: &List) -> Result<(), Self::Error> {
        self.0.push(Value::List(value.clone()));
        Ok(())
    }
    fn dict(&mut self, value: &Dict) -> Result<(), Self::Error> {
        self.0.push(Value::Dict(value.clone()));
        Ok(())
    }
}

impl Message {
    /// The type of this message.
    pub fn message_type(&self) -> MessageType {
        match self {
            Message::Hello(_) => MessageType::Hello,
            Message::Welcome(_) => MessageType::Welcome,
            Message::Abort(_) => MessageType::Abort,
            Message::Challenge(_) => MessageType::Challenge,
            Message::Authenticate(_) => MessageType::Authenticate,
            Message::Goodbye(_) => MessageType::Goodbye,
            Message::Error(_) => MessageType::Error,
            Message::Publish(_) => MessageType::Publish,
            Message::Published(_) => MessageType::Published,
            Message::Subscribe(_) => MessageType::Subscribe,
            Message::Subscribed(_) => MessageType::Subscribed,
            Message::Unsubscribe(_) => MessageType::Unsubscribe,
            Message::Unsubscribed(_) => MessageType::Unsubscribed,
            Message::Event(_) => MessageType::Event,
            Message::Call(_) => MessageType::Call,
            Message::Cancel(_) => MessageType::Cancel,
            Message::Result(_) => MessageType::Result,
            Message::Register(_) => MessageType::Register,
            Message::Registered(_) => MessageType::Registered,
            Message::Unregister(_) => MessageType::Unregister,
            Message::Unregistered(_) => MessageType::Unregistered,
            Message::Invocation(_) => MessageType::Invocation,
            Message::Interrupt(_) => MessageType::Interrupt,
            Message::Yield(_) => MessageType::Yield,
        }
    }

    /// How many fields [`Message::write_fields`] feeds: the length of the
    /// list, which formats write before its elements.
    pub(crate) fn field_count(&self) -> usize {
        let mut count = CountSink(0);
        match self.write_fields(&mut count) {
            Ok(()) => count.0,
            Err(never) => match never {},
        }
    }

    /// Feeds the wire fields, type code first, to `sink`.
    pub(crate) fn write_fields<S: FieldSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.int(self.message_type().code())?;
        match self {
            Message::Hello(m) => {
                s.str(&m.realm)?;
                s.dict(&m.details)
            }
            Message::Welcome(m) => {
                s.int(m.session)?;
                s.dict(&m.details)
            }
            Message::Abort(m) => {
                s.dict(&m.details)?;
                s.str(&m.reason)
            }
            Message::Challenge(m) => {
                s.str(&m.auth_method)?;
                s.dict(&m.extra)
            }
            Message::Authenticate(m) => {
                s.str(&m.signature)?;
                s.dict(&m.extra)
            }
            Message::Goodbye(m) => {
                s.dict(&m.details)?;
                s.str(&m.reason)
            }
            Message::Error(m) => {
                s.int(m.request_type.code())?;
                s.int(m.request)?;
                s.dict(&m.details)?;
                s.str(&m.error)?;
                write_payload(s, &m.payload)
            }
            Message::Publish(m) => {
                s.int(m.request)?;
                s.dict(&m.options)?;
                s.str(&m.topic)?;
                write_payload(s, &m.payload)
            }
            Message::Published(m) => {
                s.int(m.request)?;
                s.int(m.publication)
            }
            Message::Subscribe(m) => {
                s.int(m.request)?;
                s.dict(&m.options)?;
                s.str(&m.topic)
            }
            Message::Subscribed(m) => {
                s.int(m.request)?;
                s.int(m.subscription)
            }
            Message::Unsubscribe(m) => {
                s.int(m.request)?;
                s.int(m.subscription)
            }
            Message::Unsubscribed(Unsubscribed { request, details })
            | Message::Unregistered(Unregistered { request, details }) => {
                s.int(*request)?;
                if details.is_empty() { Ok(()) } else { s.dict(details) }
            }
            Message::Event(m) => {
                s.int(m.subscription)?;
                s.int(m.publication)?;
                s.dict(&m.details)?;
                write_payload(s, &m.payload)
            }
            Message::Call(m) => {
                s.int(m.request)?;
                s.dict(&m.options)?;
                s.str(&m.procedure)?;
                write_payload(s, &m.payload)
            }
            Message::Cancel(m) => {
                s.int(m.request)?;
                s.dict(&m.options)
            }
            Message::Result(m) => {
                s.int(m.request)?;
                s.dict(&m.details)?;
                write_payload(s, &m.payload)
            }
            Message::Register(m) => {
                s.int(m.request)?;
                s.dict(&m.options)?;
                s.str(&m.procedure)
            }
            Message::Registered(m) => {
                s.int(m.request)?;
                s.int(m.registration)
            }
            Message::Unregister(m) => {
                s.int(m.request)?;
                s.int(m.registration)
            }
            Message::Invocation(m) => {
                s.int(m.request)?;
                s.int(m.registration)?;
                s.dict(&m.details)?;
                write_payload(s, &m.payload)
            }
            Message::Interrupt(m) => {
                s.int(m.request)?;
                s.dict(&m.options)
            }
            Message::Yield(m) => {
                s.int(m.request)?;
                s.dict(&m.options)?;
                write_payload(s, &m.payload)
            }
        }
    }

    /// Returns the wire list form of the message (cloning its contents).
    ///
    /// Trailing payload elements are omitted when empty, as are the details
    /// of UNSUBSCRIBED and UNREGISTERED. Serializers do not use this; it is
    /// meant for tests and for codecs that need a [`Value`] tree.
    pub fn to_list(&self) -> Vec<Value> {
        let mut sink = ListSink(Vec::with_capacity(6));
        match self.write_fields(&mut sink) {
            Ok(()) => sink.0,
            Err(never) => match never {},
        }
    }

    /// Builds a message from its wire list form, taking ownership of the
    /// values (nothing is cloned).
    ///
    /// Only types are checked: URIs are not validated against the URI
    /// rules. Ids must be integers in `[0, 2^53]` (0 is accepted
    /// everywhere, since router-initiated UNSUBSCRIBED/UNREGISTERED use
    /// request 0). Missing trailing payload elements decode as empty.
    ///
    /// ```
    /// use wamp_protocol::{Message, Value};
    /// let list = vec![Value::from(33), Value::from(1), Value::from(-5)];
    /// let err = Message::from_list(list).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid SUBSCRIBED message: field `subscription` must be an id in [0, 2^53], got -5"
    /// );
    /// ```
    ///
    /// # Errors
    ///
    /// Returns a [`DecodeError`] naming the message type and field when the
    /// list is empty, the type code is unknown, the number of elements is
    /// wrong or a field has the wrong type.
    pub fn from_list(items: Vec<Value>) -> Result<Message, DecodeError> {
        let len = items.len();
        let mut items = items.into_iter();
        let first = items.next().ok_or(DecodeError::EmptyList)?;
        let code = match first {
            Value::Integer(i) => i,
            Value::UnsignedInteger(u) => return Err(DecodeError::UnknownMessageType(u.into())),
            other => return Err(DecodeError::InvalidMessageType(other.type_name())),
        };
        let kind = u64::try_from(code)
            .ok()
            .and_then(MessageType::from_code)
            .ok_or(DecodeError::UnknownMessageType(code.into()))?;
        let (min, max) = kind.arity();
        if len < min || len > max {
            return Err(DecodeError::WrongLength {
                message: kind,
                min,
                max,
                got: len,
            });
        }
        let mut r = Reader {
            message: kind,
            len,
            items,
        };
        let message = match kind {
            MessageType::Hello => Message::Hello(Hello {
                realm: r.string("realm")?,
                details: r.dict("details")?,
            }),
            MessageType::Welcome => Message::Welcome(Welcome {
                session: r.id("session")?,
                details: r.dict("details")?,
            }),
            MessageType::Abort => Message::Abort(Abort {
                details: r.dict("details")?,
                reason: r.string("reason")?,
            }),
            MessageType::Challenge => Message::Challenge(Challenge {
                auth_method: r.string("auth_method")?,
                extra: r.dict("extra")?,
            }),
            MessageType::Authenticate => Message::Authenticate(Authenticate {
                signature: r.string("signature")?,
                extra: r.dict("extra")?,
            }),
            MessageType::Goodbye => Message::Goodbye(Goodbye {
                details: r.dict("details")?,
                reason: r.string("reason")?,
            }),
            MessageType::Error => Message::Error(ErrorMessage {
                request_type: r.request_type()?,
                request: r.id("request")?,
                details: r.dict("details")?,
                error: r.string("error")?,
                payload: r.payload()?,
            }),
            MessageType::Publish => Message::Publish(Publish {
                request: r.id("request")?,
                options: r.dict("options")?,
                topic: r.string("topic")?,
                payload: r.payload()?,
            }),
            MessageType::Published => Message::Published(Published {
                request: r.id("request")?,
                publication: r.id("publication")?,
            }),
            MessageType::Subscribe => Message::Subscribe(Subscribe {
                request: r.id("request")?,
                options: r.dict("options")?,
                topic: r.string("topic")?,
            }),
            MessageType::Subscribed => Message::Subscribed(Subscribed {
                request: r.id("request")?,
                subscription: r.id("subscription")?,
            }),
            MessageType::Unsubscribe => Message::Unsubscribe(Unsubscribe {
                request: r.id("request")?,
                subscription: r.id("subscription")?,
            }),
            MessageType::Unsubscribed => Message::Unsubscribed(Unsubscribed {
                request: r.id("request")?,
                details: r.optional_dict("details")?,
            }),
            MessageType::Event => Message::Event(Event {
                subscription: r.id("subscription")?,
                publication: r.id("publication")?,
                details: r.dict("details")?,
                payload: r.payload()?,
            }),
            MessageType::Call => Message::Call(Call {
                request: r.id("request")?,
                options: r.dict("options")?,
                procedure: r.string("procedure")?,
                payload: r.payload()?,
            }),
            MessageType::Cancel => Message::Cancel(Cancel {
                request: r.id("request")?,
                options: r.dict("options")?,
            }),
            MessageType::Result => Message::Result(CallResult {
                request: r.id("request")?,
                details: r.dict("details")?.into(),
                payload: r.payload()?,
            }),
            MessageType::Register => Message::Register(Register {
                request: r.id("request")?,
                options: r.dict("options")?,
                procedure: r.string("procedure")?,
            }),
            MessageType::Registered => Message::Registered(Registered {
                request: r.id("request")?,
                registration: r.id("registration")?,
            }),
            MessageType::Unregister => Message::Unregister(Unregister {
                request: r.id("request")?,
                registration: r.id("registration")?,
            }),
            MessageType::Unregistered => Message::Unregistered(Unregistered {
                request: r.id("request")?,
                details: r.optional_dict("details")?,
            }),
            MessageType::Invocation => Message::Invocation(Invocation {
                request: r.id("request")?,
                registration: r.id("registration")?,
                details: r.dict("details")?,
                payload: r.payload()?,
            }),
            MessageType::Interrupt => Message::Interrupt(Interrupt {
                request: r.id("request")?,
                options: r.dict("options")?,
            }),
            MessageType::Yield => Message::Yield(Yield {
                request: r.id("request")?,
                options: r.dict("options")?,
                payload: r.payload()?,
            }),
        };
        r.finish()?;
        Ok(message)
    }
}

/// The message a decoded frame stands for: its top-level value must be a
/// list, which [`Message::from_list`] reads.
pub(crate) fn message_from_value(value: Value) -> Result<Message, DecodeError> {
    match value {
        Value::List(items) => Message::from_list(items),
        other => Err(DecodeError::NotAList(other.type_name())),
    }
}

/// Reads typed fields from the remaining elements of a message.
struct Reader {
    message: MessageType,
    len: usize,
    items: std::vec::IntoIter<Value>,
}

impl Reader {
    fn wrong_type(&self, field: &'static str, expected: &'static str, got: &Value) -> DecodeError {
        DecodeError::WrongFieldType {
            message: self.message,
            field,
            expected,
            got: got.type_name(),
        }
    }

    fn next(&mut self, field: &'static str, expected: &'static str) -> Result<Value, DecodeError> {
        self.items.next().ok_or(DecodeError::WrongFieldType {
            message: self.message,
            field,
            expected,
            got: "nothing",
        })
    }

    fn id(&mut self, field: &'static str) -> Result<Id, DecodeError> {
        let value = self.next(field, "an id")?;
        let got = match value {
            Value::Integer(i) => match u64::try_from(i) {
                Ok(id) if id <= MAX_ID => return Ok(id),
                _ => i.to_string(),
            },
            Value::UnsignedInteger(u) => u.to_string(),
            other => other.type_name().to_owned(),
        };
        Err(DecodeError::InvalidId {
            message: self.message,
            field,
            got,
        })
    }

    fn string(&mut self, field: &'static str) -> Result<String, DecodeError> {
        match self.next(field, "a string")? {
            Value::String(s) => Ok(s),
            other => Err(self.wrong_type(field, "a string", &other)),
        }
    }

    fn dict(&mut self, field: &'static str) -> Result<Dict, DecodeError> {
        match self.next(field, "a dict")? {
            Value::Dict(d) => Ok(d),
            other => Err(self.wrong_type(field, "a dict", &other)),
        }
    }

    fn optional_dict(&mut self, field: &'static str) -> Result<Dict, DecodeError> {
        match self.items.next() {
            None => Ok(Dict::new()),
            Some(Value::Dict(d)) => Ok(d),
            Some(other) => Err(self.wrong_type(field, "a dict", &other)),
        }
    }

    fn payload(&mut self) -> Result<Payload, DecodeError> {
        let args = match self.items.next() {
            None => List::new(),
            Some(Value::List(l)) => l,
            Some(other) => return Err(self.wrong_type("args", "a list", &other)),
        };
        let kwargs = self.optional_dict("kwargs")?;
        Ok(Payload { args, kwargs })
    }

    fn request_type(&mut self) -> Result<MessageType, DecodeError> {
        let code: i128 = match self.next("request_type", "an integer")? {
            Value::Integer(i) => i.into(),
            Value::UnsignedInteger(u) => u.into(),
            other => return Err(self.wrong_type("request_type", "an integer", &other)),
        };
        u64::try_from(code)
            .ok()
            .and_then(MessageType::from_code)
            .ok_or(DecodeError::UnknownRequestType {
                message: self.message,
                code,
            })
    }

    /// Fails if elements are left over (cannot happen after the arity
    /// check, but keeps the decoder honest).
    fn finish(self) -> Result<(), DecodeError> {
        if self.items.len() == 0 {
            return Ok(());
        }
        let (min, max) = self.message.arity();
        Err(DecodeError::WrongLength {
            message: self.message,
            min,
            max,
            got: self.len,
        })
    }
}
