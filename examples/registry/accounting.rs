//! `accounting.*`: prices with and without value-added tax.

use serde::Deserialize;
use wamp_runtime::{CallContext, EventContext, procedure, subscriber};

wamp_runtime::wamp_module!(prefix = "accounting");

/// The tax rate used when the caller gives none, in percent.
const DEFAULT_VAT_PERCENT: f64 = 24.0;

/// `accounting.vat(net, rate=None)`: the tax on a net price.
#[procedure]
fn vat(_ctx: CallContext, net: f64, rate: Option<f64>) -> f64 {
    net * rate.unwrap_or(DEFAULT_VAT_PERCENT) / 100.0
}

/// One line of an invoice, sent as a dictionary `{"quantity": 3, "unit_price": 9.5}`.
#[derive(Debug, Deserialize)]
struct Line {
    quantity: u32,
    unit_price: f64,
}

/// `accounting.invoice_total(lines)`: the sum of quantity × unit price.
#[procedure]
fn invoice_total(_ctx: CallContext, lines: Vec<Line>) -> f64 {
    lines.iter().map(|l| f64::from(l.quantity) * l.unit_price).sum()
}

/// Events of `accounting.payment_received`: `(invoice, amount)`.
#[subscriber]
fn payment_received(_ctx: EventContext, invoice: String, amount: f64) {
    println!("payment of {amount:.2} received for invoice {invoice}");
}
