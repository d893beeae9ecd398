//! `accounting.*`: prices with and without value-added tax; the
//! implementations of `registry_contract::accounting`.

use wamp_runtime::{CallContext, EventContext, procedure, subscriber};

use registry_contract::accounting::{InvoiceTotalCaller, Line, PaymentReceivedPublisher, VatCaller};

/// The tax rate used when the caller gives none, in percent.
const DEFAULT_VAT_PERCENT: f64 = 24.0;

#[procedure(implements = VatCaller)]
fn vat(_ctx: CallContext, net: f64, rate: Option<f64>) -> f64 {
    net * rate.unwrap_or(DEFAULT_VAT_PERCENT) / 100.0
}

#[procedure(implements = InvoiceTotalCaller)]
fn invoice_total(_ctx: CallContext, lines: Vec<Line>) -> f64 {
    lines.iter().map(|l| f64::from(l.quantity) * l.unit_price).sum()
}

#[subscriber(implements = PaymentReceivedPublisher)]
fn payment_received(_ctx: EventContext, invoice: String, amount: f64) {
    println!("payment of {amount:.2} received for invoice {invoice}");
}
