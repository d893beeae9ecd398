//! The service catalog (`wamp_runtime::catalog`): what `#[procedure]` and
//! `#[subscriber]` tell about themselves, built without connecting, and
//! served by the service on Crossbar, where autobahn-python reads it and
//! two instances of one service share one registration.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value as Json, json};
use wamp_runtime::catalog::{Catalog, EntryKind};
use wamp_runtime::{Args, CallContext, ClientConfig, Config, EventContext, JsonSchema, Kwargs, Server, State};
use wamp_testkit::AutobahnSession;

use common::router;

mod shop {
    use super::*;

    wamp_runtime::wamp_module!(prefix = "catalog_test.shop");

    /// An order line; its schema is derived.
    #[derive(Debug, Deserialize, serde::Serialize, JsonSchema)]
    #[schemars(crate = "wamp_runtime::schemars")]
    pub(crate) struct Line {
        pub(crate) sku: String,
        pub(crate) quantity: u32,
    }

    /// A type without a JSON Schema: its parameter is `{}`.
    #[derive(Debug, Deserialize)]
    pub(crate) struct Opaque {
        #[allow(dead_code)]
        pub(crate) anything: Json,
    }

    /// The shop's errors.
    #[derive(Debug, thiserror::Error, wamp_runtime::WampError)]
    pub enum ShopError {
        /// No such product.
        #[error("unknown product {0}")]
        #[wamp_error("error.unknown_product")]
        UnknownProduct(String),
        /// Not enough in stock.
        #[error("only {available} left")]
        #[wamp_error("error.out_of_stock")]
        OutOfStock { available: u32, restock_days: Option<u32> },
    }

    pub(crate) struct Discount(pub(crate) f64);

    /// Places an order.
    ///
    /// Returns the total.
    #[wamp_runtime::procedure(invoke = "roundrobin")]
    pub(crate) fn order(
        _ctx: CallContext,
        customer: String,
        discount: State<Discount>,
        lines: Vec<Line>,
        note: Option<String>,
    ) -> Result<f64, ShopError> {
        let total: f64 = lines.iter().map(|l| f64::from(l.quantity)).sum();
        let _ = (customer, note);
        Ok(total * (1.0 - discount.0))
    }

    #[wamp_runtime::procedure(progress = u32, invoke = "last")]
    pub(crate) fn restock(_ctx: CallContext, opaque: Opaque, everything: Args, rest: Kwargs) {
        let _ = (opaque, everything, rest);
    }

    /// A product's price changed.
    #[wamp_runtime::subscriber]
    pub(crate) fn price_changed(_ctx: EventContext, sku: String, price: f64) {
        let _ = (sku, price);
    }
}

/// The service's name: the test binary's own, as the router may be shared
/// with other test processes (see `wamp_testkit::shared_router`).
fn service() -> String {
    format!("catalog_test_{}", std::process::id())
}

fn server(url: &str) -> Server {
    let client = ClientConfig::new(url, "realm1").expect("valid test config");
    Server::new(Config::single(client))
        .service_name(service())
        .state(shop::Discount(0.5))
}

fn entry(catalog: &Catalog, kind: EntryKind, uri: &str) -> Json {
    let entry = catalog
        .entry(kind, uri)
        .unwrap_or_else(|| panic!("no {kind:?} {uri} in {catalog:#?}"));
    serde_json::to_value(entry).expect("an entry serializes")
}

#[test]
fn the_catalog_tells_parameters_results_errors_and_docs() {
    let catalog = server("ws://127.0.0.1:1/ws").catalog().expect("a valid service");
    assert_eq!((catalog.format.as_str(), catalog.version), ("wamp-rs.catalog", 1));
    assert_eq!(catalog.service, service());

    let order = entry(&catalog, EntryKind::Procedure, "catalog_test.shop.order");
    assert_eq!(order["realm"], "realm1");
    assert_eq!(order["match_policy"], "exact");
    assert_eq!(order["invoke_policy"], "roundrobin");
    assert_eq!(order["description"], "Places an order.\n\nReturns the total.");
    // The state is no argument; the names are the parameters', in order.
    let args = &order["args_schema"];
    assert_eq!(args["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let titles: Vec<&str> = args["prefixItems"]
        .as_array()
        .expect("prefixItems")
        .iter()
        .map(|item| item["title"].as_str().expect("a title"))
        .collect();
    assert_eq!(titles, ["customer", "lines", "note"]);
    assert_eq!(args["prefixItems"][0]["type"], "string");
    assert_eq!(args["prefixItems"][1]["items"]["$ref"], "#/$defs/Line");
    assert_eq!(args["$defs"]["Line"]["required"], json!(["sku", "quantity"]));
    assert_eq!(args["minItems"], 2);
    assert_eq!(args["items"], false);
    let kwargs = &order["kwargs_schema"];
    assert_eq!(kwargs["required"], json!(["customer", "lines"]));
    assert_eq!(kwargs["additionalProperties"], false);
    assert!(kwargs["properties"]["note"].is_object());
    assert_eq!(order["result_args_schema"]["prefixItems"][0]["type"], "number");
    // The result's schema needs no definition: it carries none.
    assert!(order["result_args_schema"].get("$defs").is_none());

    let errors = order["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["uri"], "catalog_test.shop.error.unknown_product");
    assert_eq!(errors[0]["description"], "No such product.");
    assert_eq!(errors[0]["args_schema"]["prefixItems"][0]["type"], "string");
    assert_eq!(errors[1]["uri"], "catalog_test.shop.error.out_of_stock");
    assert_eq!(errors[1]["kwargs_schema"]["required"], json!(["available"]));
    assert!(errors[1].get("args_schema").is_none());

    // No schema, the rest of the arguments, no result, typed progress.
    let restock = entry(&catalog, EntryKind::Procedure, "catalog_test.shop.restock");
    assert_eq!(restock["invoke_policy"], "last");
    assert!(restock.get("description").is_none());
    assert_eq!(restock["args_schema"]["prefixItems"], json!([{"title": "opaque"}]));
    assert_eq!(restock["args_schema"]["items"], true);
    assert_eq!(restock["kwargs_schema"]["additionalProperties"], true);
    assert_eq!(restock["kwargs_schema"]["properties"]["opaque"], json!({}));
    assert_eq!(restock["result_args_schema"]["maxItems"], 0);
    assert_eq!(restock["progress_args_schema"]["prefixItems"][0]["type"], "integer");
    assert!(restock.get("errors").is_none());

    let topic = entry(&catalog, EntryKind::Topic, "catalog_test.shop.price_changed");
    assert_eq!(topic["description"], "A product's price changed.");
    assert_eq!(topic["kwargs_schema"]["required"], json!(["sku", "price"]));
    assert!(topic.get("result_args_schema").is_none());
    assert!(topic.get("invoke_policy").is_none());

    // It reads back as it was written.
    let back: Catalog = serde_json::from_value(catalog.to_json()).expect("a catalog deserializes");
    assert_eq!(back, catalog);
}

#[test]
fn a_service_name_that_is_no_uri_component_is_refused_before_connecting() {
    let err = server("ws://127.0.0.1:1/ws")
        .service_name("my service")
        .catalog()
        .expect_err("an invalid name");
    assert!(
        err.to_string()
            .contains("the service name \"my service\" is not one URI component"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autobahn_reads_the_catalog_and_two_instances_share_its_registration() {
    let url = router().url();
    let first = server(&url).start().await.expect("first instance");
    let second = server(&url).start().await.expect("second instance");

    let mut peer = AutobahnSession::new(&url, "realm1")
        .arg("CATALOG", &format!("wamp_rs.catalog.{}", service()))
        .spawn(
            r#"catalog = await self.call(CATALOG)
print("format", catalog["format"], catalog["version"], catalog["service"], flush=True)
print("uris", show(sorted(e["kind"] + ":" + e["uri"] for e in catalog["entries"])), flush=True)
order = [e for e in catalog["entries"] if e["uri"] == "catalog_test.shop.order"][0]
print("order", show([i["title"] for i in order["args_schema"]["prefixItems"]]), show([e["uri"] for e in order["errors"]]), flush=True)
registration = await self.call("wamp.registration.lookup", CATALOG)
print("callees", await self.call("wamp.registration.count_callees", registration), flush=True)
info = await self.call("wamp.registration.get", registration)
print("invoke", info["invoke"], flush=True)"#,
        )
        .expect("autobahn-python starts");
    let wait = Duration::from_secs(30);
    assert_eq!(
        peer.wait_for_line("format", wait).expect("the catalog"),
        format!("format wamp-rs.catalog 1 {}", service())
    );
    assert_eq!(
        peer.wait_for_line("uris", wait).expect("its entries"),
        r#"uris ["procedure:catalog_test.shop.order", "procedure:catalog_test.shop.restock", "topic:catalog_test.shop.price_changed"]"#
    );
    assert_eq!(
        peer.wait_for_line("order", wait).expect("an entry"),
        r#"order ["customer", "lines", "note"] ["catalog_test.shop.error.unknown_product", "catalog_test.shop.error.out_of_stock"]"#
    );
    assert_eq!(
        peer.wait_for_line("callees", wait).expect("the callee count"),
        "callees 2"
    );
    assert_eq!(
        peer.wait_for_line("invoke", wait).expect("the policy"),
        "invoke roundrobin"
    );

    first.stop().await.expect("first stops");
    second.stop().await.expect("second stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_without_catalog_registers_none() {
    let url = router().url();
    let running = server(&url)
        .service_name(format!("{}_off", service()))
        .without_catalog()
        .start()
        .await
        .expect("the service starts");
    let client = common::connect().await;
    let err = client
        .call(format!("wamp_rs.catalog.{}_off", service()))
        .await
        .expect_err("no catalog");
    assert_eq!(err.uri(), Some("wamp.error.no_such_procedure"), "{err}");
    client.leave().await.expect("leaves");
    running.stop().await.expect("stops");
}

/// A service binary prints its catalog without a router, for CI checks of
/// an API's shape: the registry example, whose implementations take their
/// descriptions from the contract's declarations.
#[test]
fn a_service_binary_prints_its_catalog_without_connecting() {
    let output = std::process::Command::new(common::example::example_binary("registry"))
        .env("WAMP_PRINT_CATALOG", "1")
        // Nothing listens there: printing must not connect.
        .env("WAMP_URL", "ws://127.0.0.1:1/ws")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let catalog: Catalog = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(catalog.service, "registry");
    let divide = entry(&catalog, EntryKind::Procedure, "foo.divide");
    assert_eq!(divide["errors"][0]["uri"], "foo.error.division_by_zero");
    assert!(
        divide.get("uri_template").is_none(),
        "no captures, no template: {divide}"
    );
    assert_eq!(divide["errors"][0]["description"], "The denominator was zero.");
    assert_eq!(
        divide["description"],
        "The quotient of two numbers; dividing by zero is\n[`MathError::DivisionByZero`]."
    );
    let total = entry(&catalog, EntryKind::Procedure, "accounting.invoice_total");
    assert_eq!(
        total["args_schema"]["$defs"]["Line"]["properties"]["quantity"]["type"],
        "integer"
    );
    assert!(catalog.entry(EntryKind::Topic, "foo.message_received").is_some());
}
