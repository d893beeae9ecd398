//! WAMP-Ticket: the answer to the CHALLENGE (whose extra is empty) is the
//! ticket itself, so it travels in clear text: use it over TLS only.

use crate::config::Secret;

/// The AUTHENTICATE signature: the ticket.
pub(super) fn answer(ticket: &Secret) -> String {
    ticket.expose().to_owned()
}
