//! The service catalogs of a realm: found through the router's meta API,
//! fetched from each service, merged into one entry per procedure or topic.
//!
//! A wamp-rs service serves its catalog at `wamp_rs.catalog.<service>` (see
//! `wamp_runtime::catalog`); every other registration is known only by what
//! the meta API tells (URI, match and invoke policy, callee count).

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use wamp_runtime::{CallError, Client, Value};

/// The format is `wamp_runtime::catalog`'s, read with its types so that it
/// is defined in one place.
pub(crate) use wamp_runtime::catalog::{Catalog, Entry, EntryKind, FORMAT, URI_PREFIX, VERSION};

/// How long one meta API call or catalog fetch may take: a service that
/// hangs must not hang `wamp describe` or delay a `wamp call` for long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// A registration as the meta API describes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Registration {
    /// The router's id; only good while the registration lasts, so not shown.
    #[serde(skip)]
    pub(crate) id: u64,
    pub(crate) uri: String,
    #[serde(rename = "match")]
    pub(crate) match_policy: String,
    pub(crate) invoke: String,
    /// `None` when the count was not asked for, or could not be had.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) callees: Option<u64>,
}

impl Registration {
    /// The service name when this is a catalog procedure.
    pub(crate) fn catalog_service(&self) -> Option<&str> {
        let service = self.uri.strip_prefix(URI_PREFIX)?;
        let one_component = !service.is_empty() && !service.contains('.');
        (self.match_policy == "exact" && one_component).then_some(service)
    }
}

/// What the meta API says of a registration, as Crossbar answers
/// `wamp.registration.get` (`id` and `created` are not needed here).
#[derive(Debug, Deserialize)]
struct RegistrationDetails {
    uri: String,
    #[serde(rename = "match")]
    match_policy: String,
    #[serde(default)]
    invoke: Option<String>,
}

/// `wamp.registration.list`: the registration ids by match policy.
#[derive(Debug, Default, Deserialize)]
struct RegistrationIds {
    #[serde(default)]
    exact: Vec<u64>,
    #[serde(default)]
    prefix: Vec<u64>,
    #[serde(default)]
    wildcard: Vec<u64>,
}

/// A meta API call that failed: most often a role the router does not
/// allow it (Crossbar answers `wamp.error.not_authorized`).
#[derive(Debug, thiserror::Error)]
#[error("cannot use the router's meta API ({procedure}): {source}")]
pub(crate) struct MetaError {
    pub(crate) procedure: &'static str,
    #[source]
    pub(crate) source: CallError,
}

async fn meta_call(
    client: &Client,
    procedure: &'static str,
    arg: Option<Value>,
) -> Result<wamp_runtime::Payload, MetaError> {
    let mut call = client.call(procedure).timeout(REQUEST_TIMEOUT);
    if let Some(arg) = arg {
        call = call.arg(arg);
    }
    call.await
        .map(wamp_runtime::CallOutput::into_payload)
        .map_err(|source| MetaError { procedure, source })
}

fn decode<T: serde::de::DeserializeOwned>(
    payload: wamp_runtime::Payload,
    procedure: &'static str,
) -> Result<T, MetaError> {
    payload.decode().map_err(|e| MetaError {
        procedure,
        source: CallError::Decode(e),
    })
}

/// Every registration the meta API shows on the client's realm (Crossbar
/// hides its own `wamp.*` and `crossbar.*` ones), with callee counts when
/// `count_callees`. One that disappears while it is being looked at is
/// left out.
pub(crate) async fn registrations(client: &Client, count_callees: bool) -> Result<Vec<Registration>, MetaError> {
    let ids: RegistrationIds = decode(
        meta_call(client, "wamp.registration.list", None).await?,
        "wamp.registration.list",
    )?;
    let ids = ids.exact.into_iter().chain(ids.prefix).chain(ids.wildcard);
    registrations_of(client, ids, count_callees).await
}

async fn registrations_of(
    client: &Client,
    ids: impl Iterator<Item = u64>,
    count_callees: bool,
) -> Result<Vec<Registration>, MetaError> {
    let looked_up = join_all(ids.map(|id| registration(client, id, count_callees))).await;
    let mut found: Vec<Registration> = looked_up
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    found.sort_by(|a, b| (&a.uri, &a.match_policy).cmp(&(&b.uri, &b.match_policy)));
    Ok(found)
}

/// The exact registrations of the sessions that are callees of
/// `registration`: among them, the catalog of the service that answers it.
/// Asking only those sessions, rather than the whole realm, keeps the
/// look-up before each `wamp call` small however many services there are.
pub(crate) async fn callee_registrations(
    client: &Client,
    registration: &Registration,
) -> Result<Vec<Registration>, MetaError> {
    const LIST_CALLEES: &str = "wamp.registration.list_callees";
    const LIST: &str = "wamp.registration.list";
    let sessions: Vec<u64> = decode(
        meta_call(client, LIST_CALLEES, Some(Value::from(registration.id))).await?,
        LIST_CALLEES,
    )?;
    let listed = join_all(sessions.into_iter().map(|session| async move {
        match meta_call(client, LIST, Some(Value::from(session))).await {
            Ok(payload) => decode::<RegistrationIds>(payload, LIST).map(|ids| ids.exact),
            // Gone meanwhile: it answers no call any more.
            Err(e) if e.source.uri() == Some("wamp.error.no_such_session") => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }))
    .await;
    let mut ids: Vec<u64> = listed.into_iter().collect::<Result<Vec<_>, _>>()?.concat();
    ids.sort_unstable();
    ids.dedup();
    registrations_of(client, ids.into_iter(), false).await
}

/// The registration with id `id`, or `None` when it is gone.
async fn registration(client: &Client, id: u64, count_callees: bool) -> Result<Option<Registration>, MetaError> {
    let details = match meta_call(client, "wamp.registration.get", Some(Value::from(id))).await {
        Ok(payload) => decode::<RegistrationDetails>(payload, "wamp.registration.get")?,
        Err(e) if is_gone(&e.source) => return Ok(None),
        Err(e) => return Err(e),
    };
    let callees = if count_callees {
        match meta_call(client, "wamp.registration.count_callees", Some(Value::from(id))).await {
            Ok(payload) => decode::<u64>(payload, "wamp.registration.count_callees").ok(),
            Err(e) if is_gone(&e.source) => return Ok(None),
            Err(e) => {
                tracing::debug!(error = %e, id, "cannot count the callees");
                None
            }
        }
    } else {
        None
    };
    Ok(Some(Registration {
        id,
        uri: details.uri,
        match_policy: details.match_policy,
        // Crossbar always answers it; "single" is WAMP's default.
        invoke: details.invoke.unwrap_or_else(|| "single".to_owned()),
        callees,
    }))
}

fn is_gone(error: &CallError) -> bool {
    error.uri() == Some("wamp.error.no_such_registration")
}

/// The registration that a call to `procedure` would reach
/// (`wamp.registration.match`), or `None` when there is none.
pub(crate) async fn matching_registration(client: &Client, procedure: &str) -> Result<Option<Registration>, MetaError> {
    let id: Option<u64> = decode(
        meta_call(client, "wamp.registration.match", Some(Value::from(procedure))).await?,
        "wamp.registration.match",
    )?;
    match id {
        Some(id) => registration(client, id, false).await,
        None => Ok(None),
    }
}

/// A catalog procedure that did not answer with a catalog this program reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Unavailable {
    pub(crate) procedure: String,
    pub(crate) error: String,
}

/// What one catalog procedure gave.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fetched {
    /// The catalog procedure's registration (its callees: the instances).
    pub(crate) registration: Registration,
    pub(crate) catalog: Result<Catalog, String>,
}

/// Calls every catalog procedure among `registrations`, all at once.
pub(crate) async fn fetch_catalogs(client: &Client, registrations: &[Registration]) -> Vec<Fetched> {
    let catalogs = registrations.iter().filter(|r| r.catalog_service().is_some());
    join_all(catalogs.map(|registration| async move {
        Fetched {
            registration: registration.clone(),
            catalog: fetch_catalog(client, &registration.uri).await,
        }
    }))
    .await
}

async fn fetch_catalog(client: &Client, procedure: &str) -> Result<Catalog, String> {
    let output = client
        .call(procedure)
        .timeout(REQUEST_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    let payload = output.into_payload();
    let Some(first) = payload.args.into_iter().next() else {
        return Err("the answer has no positional result".to_owned());
    };
    parse_catalog(crate::json::to_json(&first))
}

/// Reads a catalog, refusing what is not one and versions newer than [`VERSION`].
pub(crate) fn parse_catalog(json: Json) -> Result<Catalog, String> {
    let format = json.get("format").and_then(Json::as_str);
    if format != Some(FORMAT) {
        return Err(format!("not a {FORMAT} document (format {format:?})"));
    }
    let Some(version) = json.get("version").and_then(Json::as_u64) else {
        return Err("the catalog has no version number".to_owned());
    };
    if version > u64::from(VERSION) {
        return Err(format!(
            "catalog version {version} is newer than this program reads ({VERSION}); update wamp"
        ));
    }
    serde_json::from_value(json).map_err(|e| format!("not a valid catalog: {e}"))
}

/// One procedure or topic of the realm, from every catalog that describes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct MergedEntry {
    #[serde(flatten)]
    pub(crate) entry: Entry,
    /// The services whose catalogs list it, sorted.
    pub(crate) services: Vec<String>,
    /// The realms those catalogs name, sorted.
    pub(crate) realms: Vec<String>,
    /// A procedure's callees, from the meta API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) callees: Option<u64>,
}

/// A catalog service with the number of its instances.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Service {
    pub(crate) service: String,
    pub(crate) procedure: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) instances: Option<u64>,
}

/// The realm's catalogs merged: what `wamp describe --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Merged {
    pub(crate) format: &'static str,
    pub(crate) version: u32,
    pub(crate) services: Vec<Service>,
    pub(crate) entries: Vec<MergedEntry>,
    /// Registrations no catalog describes.
    pub(crate) uncataloged: Vec<Registration>,
    /// Catalog procedures whose answer could not be read.
    pub(crate) unavailable: Vec<Unavailable>,
}

/// The `format` of [`Merged`].
pub(crate) const MERGED_FORMAT: &str = "wamp-rs.describe";

/// The `version` of [`Merged`], which grows like the catalog's: when a
/// change would mislead a reader of the older shape.
pub(crate) const MERGED_VERSION: u32 = 1;

/// Merges the fetched catalogs with the realm's registrations: one entry
/// per kind, URI and match policy (as the router keys registrations),
/// however many instances or services serve it; entries
/// and registrations whose URI does not start with `prefix` are left out.
/// When services describe one URI differently, the first service's entry
/// (by name) is kept and the difference is logged.
pub(crate) fn merge(fetched: Vec<Fetched>, registrations: &[Registration], prefix: &str) -> Merged {
    let mut services = Vec::new();
    let mut unavailable = Vec::new();
    let mut catalogs = Vec::new();
    for Fetched { registration, catalog } in fetched {
        match catalog {
            Ok(catalog) => {
                services.push(Service {
                    service: catalog.service.clone(),
                    procedure: registration.uri.clone(),
                    instances: registration.callees,
                });
                catalogs.push(catalog);
            }
            Err(error) => unavailable.push(Unavailable {
                procedure: registration.uri,
                error,
            }),
        }
    }
    services.sort_by(|a, b| a.service.cmp(&b.service));
    catalogs.sort_by(|a, b| a.service.cmp(&b.service));

    let mut merged: BTreeMap<(EntryKind, String, String), MergedEntry> = BTreeMap::new();
    for catalog in catalogs {
        for mut entry in catalog.entries {
            if !entry.uri.starts_with(prefix) {
                continue;
            }
            let realm = entry.realm.take();
            let key = (entry.kind, entry.uri.clone(), entry.match_policy.clone());
            let slot = merged.entry(key).or_insert_with(|| MergedEntry {
                entry: entry.clone(),
                services: Vec::new(),
                realms: Vec::new(),
                callees: None,
            });
            if slot.entry != entry {
                tracing::warn!(
                    uri = %entry.uri,
                    kept = %slot.services.first().map_or("", String::as_str),
                    other = %catalog.service,
                    "services describe this URI differently; showing the first one's entry"
                );
            }
            push_sorted(&mut slot.services, &catalog.service);
            if let Some(realm) = realm {
                push_sorted(&mut slot.realms, &realm);
            }
        }
    }

    let mut described = std::collections::BTreeSet::new();
    let mut entries: Vec<MergedEntry> = merged.into_values().collect();
    for entry in &mut entries {
        if entry.entry.kind != EntryKind::Procedure {
            continue;
        }
        let registration = registrations
            .iter()
            .find(|r| r.uri == entry.entry.uri && r.match_policy == entry.entry.match_policy);
        if let Some(registration) = registration {
            entry.callees = registration.callees;
            described.insert((registration.uri.clone(), registration.match_policy.clone()));
        }
    }
    let uncataloged = registrations
        .iter()
        .filter(|r| r.catalog_service().is_none() && r.uri.starts_with(prefix))
        .filter(|r| !described.contains(&(r.uri.clone(), r.match_policy.clone())))
        .cloned()
        .collect();
    Merged {
        format: MERGED_FORMAT,
        version: MERGED_VERSION,
        services,
        entries,
        uncataloged,
        unavailable,
    }
}

fn push_sorted(list: &mut Vec<String>, item: &str) {
    if let Err(at) = list.binary_search_by(|probe| probe.as_str().cmp(item)) {
        list.insert(at, item.to_owned());
    }
}

/// The catalog entries of the procedure `registration`, from every
/// catalog that has one (normally one).
pub(crate) fn procedure_entries<'a>(fetched: &'a [Fetched], registration: &Registration) -> Vec<(&'a str, &'a Entry)> {
    fetched
        .iter()
        .filter_map(|f| f.catalog.as_ref().ok())
        .flat_map(|catalog| {
            catalog
                .entries
                .iter()
                .map(move |entry| (catalog.service.as_str(), entry))
        })
        .filter(|(_, entry)| {
            entry.kind == EntryKind::Procedure
                && entry.uri == registration.uri
                && entry.match_policy == registration.match_policy
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn registration(uri: &str, match_policy: &str, invoke: &str, callees: u64) -> Registration {
        Registration {
            id: 0,
            uri: uri.to_owned(),
            match_policy: match_policy.to_owned(),
            invoke: invoke.to_owned(),
            callees: Some(callees),
        }
    }

    fn catalog(service: &str, realm: &str, uris: &[(&str, &str)]) -> Catalog {
        let entries = uris
            .iter()
            .map(|(kind, uri)| {
                json!({
                    "kind": kind, "uri": uri, "realm": realm, "match_policy": "exact",
                    "invoke_policy": if *kind == "procedure" { Some("roundrobin") } else { None },
                    "args_schema": {"type": "array", "maxItems": 0},
                    "kwargs_schema": {"type": "object", "additionalProperties": false},
                })
            })
            .collect();
        let entries: Vec<Json> = entries;
        serde_json::from_value(json!({"format": FORMAT, "version": VERSION, "service": service, "entries": entries}))
            .unwrap_or_else(|e| panic!("fixture: {e}"))
    }

    fn fetched(catalog: Result<Catalog, String>, service: &str, instances: u64) -> Fetched {
        Fetched {
            registration: registration(&format!("{URI_PREFIX}{service}"), "exact", "roundrobin", instances),
            catalog,
        }
    }

    #[test]
    fn only_exact_one_component_uris_under_the_prefix_are_catalogs() {
        assert_eq!(
            registration("wamp_rs.catalog.billing", "exact", "roundrobin", 1).catalog_service(),
            Some("billing")
        );
        assert_eq!(
            registration("wamp_rs.catalog.a.b", "exact", "roundrobin", 1).catalog_service(),
            None
        );
        assert_eq!(
            registration("wamp_rs.catalog.", "prefix", "single", 1).catalog_service(),
            None
        );
        assert_eq!(
            registration("wamp_rs.catalog.x", "prefix", "single", 1).catalog_service(),
            None
        );
        assert_eq!(registration("foo.divide", "exact", "single", 1).catalog_service(), None);
    }

    #[test]
    fn one_entry_per_uri_with_every_service_and_realm_and_the_callees() {
        let registrations = [
            registration("foo.divide", "exact", "roundrobin", 2),
            registration("foo.shared", "exact", "roundrobin", 2),
            registration("other.echo", "prefix", "single", 1),
            registration("wamp_rs.catalog.a", "exact", "roundrobin", 2),
            registration("wamp_rs.catalog.b", "exact", "roundrobin", 1),
        ];
        let fetched = vec![
            fetched(Ok(catalog("b", "realm1", &[("procedure", "foo.shared")])), "b", 1),
            fetched(
                Ok(catalog(
                    "a",
                    "realm1",
                    &[
                        ("procedure", "foo.divide"),
                        ("procedure", "foo.shared"),
                        ("topic", "foo.news"),
                    ],
                )),
                "a",
                2,
            ),
        ];
        let merged = merge(fetched, &registrations, "");
        let uris: Vec<(EntryKind, &str)> = merged
            .entries
            .iter()
            .map(|e| (e.entry.kind, e.entry.uri.as_str()))
            .collect();
        assert_eq!(
            uris,
            [
                (EntryKind::Procedure, "foo.divide"),
                (EntryKind::Procedure, "foo.shared"),
                (EntryKind::Topic, "foo.news")
            ]
        );
        assert_eq!(merged.entries[1].services, ["a", "b"]);
        assert_eq!(merged.entries[1].realms, ["realm1"]);
        assert_eq!(merged.entries[1].entry.realm, None);
        assert_eq!(merged.entries[0].callees, Some(2));
        assert_eq!(merged.entries[2].callees, None);
        // Catalog procedures and described procedures are not "without a catalog".
        assert_eq!(merged.uncataloged, [registration("other.echo", "prefix", "single", 1)]);
        let services: Vec<(&str, Option<u64>)> = merged
            .services
            .iter()
            .map(|s| (s.service.as_str(), s.instances))
            .collect();
        assert_eq!(services, [("a", Some(2)), ("b", Some(1))]);
    }

    #[test]
    fn the_prefix_filters_entries_and_registrations() {
        let registrations = [
            registration("foo.divide", "exact", "single", 1),
            registration("bar.x", "exact", "single", 1),
            registration("foo.plain", "exact", "single", 1),
        ];
        let fetched = vec![fetched(
            Ok(catalog(
                "a",
                "r",
                &[("procedure", "foo.divide"), ("procedure", "bar.y")],
            )),
            "a",
            1,
        )];
        let merged = merge(fetched, &registrations, "foo.");
        assert_eq!(merged.entries.len(), 1);
        assert_eq!(merged.entries[0].entry.uri, "foo.divide");
        assert_eq!(merged.uncataloged, [registration("foo.plain", "exact", "single", 1)]);
    }

    #[test]
    fn of_two_services_describing_a_uri_differently_the_first_by_name_is_kept() {
        let described = |service: &str, description: &str| {
            let mut catalog = catalog(service, "realm1", &[("procedure", "foo.x")]);
            catalog.entries[0].description = Some(description.to_owned());
            fetched(Ok(catalog), service, 1)
        };
        let merged = merge(
            vec![described("zeta", "from zeta"), described("alpha", "from alpha")],
            &[],
            "",
        );
        assert_eq!(merged.entries.len(), 1);
        assert_eq!(merged.entries[0].entry.description.as_deref(), Some("from alpha"));
        assert_eq!(merged.entries[0].services, ["alpha", "zeta"]);
    }

    #[test]
    fn an_unreadable_catalog_is_reported_not_merged() {
        let merged = merge(vec![fetched(Err("it broke".into()), "x", 1)], &[], "");
        assert!(merged.entries.is_empty() && merged.services.is_empty());
        assert_eq!(
            merged.unavailable,
            [Unavailable {
                procedure: "wamp_rs.catalog.x".into(),
                error: "it broke".into()
            }]
        );
    }

    #[test]
    fn catalogs_of_another_format_or_a_newer_version_are_refused() {
        let ok = json!({"format": FORMAT, "version": 1, "service": "s", "entries": []});
        assert_eq!(parse_catalog(ok).map(|c| c.service), Ok("s".to_owned()));
        let newer = json!({"format": FORMAT, "version": 2, "service": "s", "entries": []});
        assert!(parse_catalog(newer).is_err_and(|e| e.contains("version 2 is newer")));
        let other = json!({"format": "something", "version": 1});
        assert!(parse_catalog(other).is_err_and(|e| e.contains("not a wamp-rs.catalog")));
        let broken = json!({"format": FORMAT, "version": 1, "service": "s", "entries": [{"kind": "gadget"}]});
        assert!(parse_catalog(broken).is_err_and(|e| e.starts_with("not a valid catalog")));
    }
}
