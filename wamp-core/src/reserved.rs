//! The URIs the WAMP specification reserves: the error URIs of ERROR and
//! ABORT messages and the reasons of GOODBYE, in one place.
//!
//! ```
//! use wamp_protocol::reserved;
//!
//! assert_eq!(reserved::NO_SUCH_REALM, "wamp.error.no_such_realm");
//! assert!(reserved::CLOSE_REALM.starts_with("wamp.close."));
//! ```

/// A handler failed in a way it did not map to a URI of its own.
pub const RUNTIME_ERROR: &str = "wamp.error.runtime_error";
/// The arguments do not fit the procedure.
pub const INVALID_ARGUMENT: &str = "wamp.error.invalid_argument";
/// The call was cancelled.
pub const CANCELED: &str = "wamp.error.canceled";
/// The router's authorization refused the action, or the session.
pub const NOT_AUTHORIZED: &str = "wamp.error.not_authorized";
/// Nobody registered the procedure.
pub const NO_SUCH_PROCEDURE: &str = "wamp.error.no_such_procedure";
/// The registration is unknown.
pub const NO_SUCH_REGISTRATION: &str = "wamp.error.no_such_registration";
/// The callee cannot take the call now.
pub const UNAVAILABLE: &str = "wamp.error.unavailable";
/// Another session holds the procedure (with another invocation policy,
/// or as its single callee).
pub const PROCEDURE_ALREADY_EXISTS: &str = "wamp.error.procedure_already_exists";
/// The router has no such realm (an ABORT reason).
pub const NO_SUCH_REALM: &str = "wamp.error.no_such_realm";
/// The credentials were refused (an ABORT reason).
pub const AUTHENTICATION_FAILED: &str = "wamp.error.authentication_failed";
/// None of the offered authentication methods is accepted (an ABORT reason).
pub const NO_AUTH_METHOD: &str = "wamp.error.no_auth_method";
/// The authid is unknown (an ABORT reason).
pub const NO_SUCH_PRINCIPAL: &str = "wamp.error.no_such_principal";
/// A peer broke the protocol (an ABORT reason).
pub const PROTOCOL_VIOLATION: &str = "wamp.error.protocol_violation";
/// A GOODBYE reason: the session leaves the realm.
pub const CLOSE_REALM: &str = "wamp.close.close_realm";
/// A GOODBYE reason: the answer to the other side's GOODBYE.
pub const GOODBYE_AND_OUT: &str = "wamp.close.goodbye_and_out";
