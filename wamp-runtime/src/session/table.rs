//! One table for what a client keeps across reconnects: its registrations
//! and its subscriptions are the same thing seen twice (a URI and options
//! to send again, a local id that never changes, the router's id of the
//! moment), so one generic [`Table`] holds each.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use wamp_protocol::{Dict, Id, Message, RequestIdGenerator};

use super::command::{Handle, HandleState, Reply};
use crate::error::CallError;

/// Hashes the ids this client draws itself: request ids (sequential, see
/// [`wamp_protocol::RequestIdGenerator`]) and the local ids of registrations and
/// subscriptions. One multiplication spreads them over the table, where
/// SipHash's defence against chosen keys is not needed and cost ~300
/// instructions per call (and more when a growing table rehashes).
#[derive(Default, Clone, Copy)]
pub(super) struct OwnIdHasher(u64);

impl Hasher for OwnIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        // 2^64 / golden ratio: odd, so distinct ids keep distinct hashes.
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by ids this client draws itself (never by the router's).
pub(super) type ByOwnId<V> = HashMap<u64, V, BuildHasherDefault<OwnIdHasher>>;

/// What differs between registrations and subscriptions.
pub(super) trait Kind {
    /// "registration" or "subscription", for messages.
    const NOUN: &'static str;
    /// "unregistered" or "unsubscribed", for messages.
    const REMOVED: &'static str;

    /// The REGISTER or SUBSCRIBE of `uri`.
    fn request(request: Id, uri: String, options: Dict) -> Message;

    /// The UNREGISTER or UNSUBSCRIBE of the router's `id`.
    fn removal(request: Id, id: Id) -> Message;

    /// The options of a replay after a reconnect.
    fn replay_options(&self, options: &Dict) -> Dict {
        options.clone()
    }
}

/// One registration or subscription of the client: what is needed to send
/// it again, and what the handle sees.
pub(super) struct Item<T> {
    pub(super) uri: String,
    pub(super) options: Dict,
    /// The router's id in this session, shared with the handle.
    pub(super) current: Arc<HandleState>,
    pub(super) local: T,
}

/// A REGISTER or SUBSCRIBE waiting for its answer: the user's first one
/// (with a reply) or a replay after a reconnect (without).
struct Pending {
    local: u64,
    reply: Option<Reply<Handle>>,
}

/// What an answer to a REGISTER or SUBSCRIBE was for.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Answered {
    /// The user's own request (its caller got the answer).
    First,
    /// A replay after a reconnect.
    Replay,
}

/// The client's registrations or subscriptions, and their requests in flight.
pub(super) struct Table<T> {
    items: ByOwnId<Item<T>>,
    next_local: u64,
    pending: ByOwnId<Pending>,
    /// How many of `pending` are replays: counted, because every answer to
    /// a replay asks whether it was the last, and scanning `pending` for
    /// that made restoring n items cost n².
    replays: usize,
    /// The router's ids of this session, each with the local items it
    /// serves (several local subscribers of one topic and options share one
    /// router subscription; a registration has one).
    by_router: HashMap<Id, Vec<u64>>,
    /// UNREGISTERs or UNSUBSCRIBEs in flight; `None` for one nobody waits for.
    removals: ByOwnId<Option<Reply<()>>>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self {
            items: ByOwnId::default(),
            next_local: 1,
            pending: ByOwnId::default(),
            replays: 0,
            by_router: HashMap::new(),
            removals: ByOwnId::default(),
        }
    }
}

impl<T: Kind> Table<T> {
    /// Adds an item and returns its first REGISTER or SUBSCRIBE.
    pub(super) fn add(&mut self, request: Id, uri: String, options: Dict, local: T, reply: Reply<Handle>) -> Message {
        let id = self.next_local;
        self.next_local += 1;
        let message = T::request(request, uri.clone(), options.clone());
        self.items.insert(
            id,
            Item {
                uri,
                options,
                current: Arc::default(),
                local,
            },
        );
        self.pending.insert(
            request,
            Pending {
                local: id,
                reply: Some(reply),
            },
        );
        message
    }

    /// The router acknowledged `request` with its `id`. `None` when nobody
    /// waited for it; the message is an UNREGISTER or UNSUBSCRIBE to send
    /// when the item was removed while its replay was on the way.
    pub(super) fn acknowledged(
        &mut self,
        request: Id,
        id: Id,
        ids: &RequestIdGenerator,
    ) -> Option<(Answered, Option<Message>)> {
        let pending = self.pending.remove(&request)?;
        let answered = match pending.reply {
            Some(_) => Answered::First,
            None => {
                self.replays -= 1;
                Answered::Replay
            }
        };
        let Some(item) = self.items.get(&pending.local) else {
            // Removed meanwhile: drop the router's, unless other local items share it.
            if self.by_router.contains_key(&id) {
                return Some((answered, None));
            }
            let request = ids.next();
            self.removals.insert(request, None);
            return Some((answered, Some(T::removal(request, id))));
        };
        item.current.set(id);
        self.by_router.entry(id).or_default().push(pending.local);
        if let Some(reply) = pending.reply {
            let _ = reply.send(Ok((pending.local, item.current.clone())));
        }
        Some((answered, None))
    }

    /// The router refused `request`. A first request fails for its caller
    /// and the item is forgotten; a replay keeps the item for the next
    /// reconnect and is returned (with its URI) so the caller can say so.
    pub(super) fn refused(&mut self, request: Id, error: CallError) -> Option<Refused<'_, T>> {
        let pending = self.pending.remove(&request)?;
        match pending.reply {
            Some(reply) => {
                self.items.remove(&pending.local);
                let _ = reply.send(Err(error));
                Some(Refused::First)
            }
            None => {
                self.replays -= 1;
                Some(match self.items.get(&pending.local) {
                    Some(item) => Refused::Replay(item),
                    None => Refused::First,
                })
            }
        }
    }

    /// Removes the item `local` for good. The message is the UNREGISTER or
    /// UNSUBSCRIBE to send; without one, `reply` has been answered. Without
    /// a `reply`, a refusal is logged.
    pub(super) fn remove(&mut self, local: u64, reply: Option<Reply<()>>, ids: &RequestIdGenerator) -> Option<Message> {
        let answer = |reply: Option<Reply<()>>, outcome| {
            if let Some(reply) = reply {
                let _ = reply.send(outcome);
            }
        };
        let Some(item) = self.items.remove(&local) else {
            let inactive = format!(
                "{} {local} is not active ({}, or revoked by the router)",
                T::NOUN,
                T::REMOVED
            );
            answer(reply, Err(CallError::InvalidRequest(inactive)));
            return None;
        };
        let id = item.current.end();
        let Some(locals) = self.by_router.get_mut(&id) else {
            // Not acknowledged in this session (a replay is pending): forgetting it is enough.
            answer(reply, Ok(()));
            return None;
        };
        locals.retain(|l| *l != local);
        if !locals.is_empty() {
            // Other local items still use the router's.
            answer(reply, Ok(()));
            return None;
        }
        self.by_router.remove(&id);
        let request = ids.next();
        self.removals.insert(request, reply);
        Some(T::removal(request, id))
    }

    /// Removes `local` while there is no connection: forgetting it is all
    /// there is to do.
    pub(super) fn forget(&mut self, local: u64) -> Result<(), CallError> {
        match self.items.remove(&local) {
            Some(item) => {
                item.current.end();
                Ok(())
            }
            None => Err(CallError::InvalidRequest(format!("{} {local} is not active", T::NOUN))),
        }
    }

    /// The answer to an UNREGISTER or UNSUBSCRIBE; `false` when nobody sent it.
    pub(super) fn removed(&mut self, request: Id, outcome: Result<(), CallError>) -> bool {
        match self.removals.remove(&request) {
            Some(Some(reply)) => {
                let _ = reply.send(outcome);
                true
            }
            Some(None) => {
                if let Err(e) = outcome {
                    tracing::warn!(error = %e, "the router refused to remove a {}", T::NOUN);
                }
                true
            }
            None => false,
        }
    }

    /// Whether an UNREGISTER or UNSUBSCRIBE still waits for its answer.
    pub(super) fn removing(&self) -> bool {
        !self.removals.is_empty()
    }

    /// The router ended its `id` on its own: the items it served end for
    /// good (never sent again). Returns the URI, `None` for an unknown id.
    pub(super) fn revoked(&mut self, id: Id) -> Option<String> {
        let locals = self.by_router.remove(&id)?;
        let mut uri = None;
        for local in locals {
            if let Some(item) = self.items.remove(&local) {
                item.current.end();
                uri.get_or_insert(item.uri);
            }
        }
        uri
    }

    /// The REGISTERs or SUBSCRIBEs that restore every item on a new connection.
    pub(super) fn replay(&mut self, ids: &RequestIdGenerator) -> Vec<Message> {
        let mut messages = Vec::with_capacity(self.items.len());
        for (&local, item) in &self.items {
            let request = ids.next();
            self.pending.insert(request, Pending { local, reply: None });
            self.replays += 1;
            messages.push(T::request(
                request,
                item.uri.clone(),
                item.local.replay_options(&item.options),
            ));
        }
        messages
    }

    /// Whether a replay still waits for its answer.
    pub(super) fn restoring(&self) -> bool {
        self.replays > 0
    }

    /// The connection is gone, and every router id with it: requests in
    /// flight fail (or, for removals, succeed: the router forgot them too)
    /// and the items wait for a replay.
    pub(super) fn link_lost(&mut self, lost: impl Fn() -> CallError) {
        self.replays = 0;
        for (_, pending) in self.pending.drain() {
            if let Some(reply) = pending.reply {
                // Never confirmed: not one of the client's items.
                self.items.remove(&pending.local);
                let _ = reply.send(Err(lost()));
            }
        }
        for (_, reply) in self.removals.drain() {
            if let Some(reply) = reply {
                let _ = reply.send(Ok(()));
            }
        }
        self.by_router.clear();
        for item in self.items.values() {
            item.current.set(0);
        }
    }

    /// Ends every item for good (the client closed).
    pub(super) fn close(&mut self) {
        for (_, item) in self.items.drain() {
            item.current.end();
        }
    }

    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// The first local item served by the router's `id` in this session.
    pub(super) fn by_router_id(&self, id: Id) -> Option<&Item<T>> {
        let local = self.by_router.get(&id)?.first()?;
        self.items.get(local)
    }

    /// Every item's local id.
    pub(super) fn local_ids(&self) -> Vec<u64> {
        self.items.keys().copied().collect()
    }

    /// The URI of the router's `id` in this session (that of its first local item).
    pub(super) fn uri_of(&self, id: Id) -> Option<&str> {
        let local = self.by_router.get(&id)?.first()?;
        self.items.get(local).map(|item| item.uri.as_str())
    }

    /// Runs `deliver` on every local item of the router's `id`, telling it
    /// whether the item is the last one.
    pub(super) fn for_each_local(&mut self, id: Id, mut deliver: impl FnMut(&mut Item<T>, bool)) {
        let Some(locals) = self.by_router.get(&id) else {
            return;
        };
        let count = locals.len();
        for (index, local) in locals.iter().enumerate() {
            if let Some(item) = self.items.get_mut(local) {
                deliver(item, index + 1 == count);
            }
        }
    }
}

/// See [`Table::refused`].
pub(super) enum Refused<'a, T> {
    First,
    Replay(&'a Item<T>),
}
