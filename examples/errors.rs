//! Errors both ways: a procedure answers with a `#[derive(WampError)]` enum,
//! and a Rust caller decodes the `ERROR` back into the same enum; an error
//! without a mapping reaches the caller as `wamp.error.runtime_error`.
//!
//! Run the service: `cargo run --example errors` (stops on Ctrl-C /
//! SIGTERM). Then, in another terminal, the caller:
//! `cargo run --example errors -- --call`.
//!
//! | procedure | answers |
//! |---|---|
//! | `com.example.accounts.withdraw(account, amount)` | the new balance, or `AccountError` |
//! | `com.example.accounts.export(account)` | always `wamp.error.runtime_error` (an unmapped `std::io::Error`) |
//!
//! `AccountError`'s URIs follow the module prefix, like procedure names:
//! `com.example.accounts.error.no_such_account` (the account as positional
//! argument), `...error.insufficient_funds` (`balance` and `requested` as
//! keyword arguments) and `...error.frozen` (no arguments).

mod common;

use wamp_runtime::{Client, TypedCallError};

mod accounts {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};

    use wamp_runtime::{CallContext, WampError, procedure};

    wamp_runtime::wamp_module!(prefix = "com.example.accounts");

    /// Why a withdrawal was refused. Callers that know this type decode the
    /// `ERROR` back into it (see `TypedCallError`).
    #[derive(Debug, PartialEq, thiserror::Error, WampError)]
    pub(crate) enum AccountError {
        /// A tuple variant: its fields travel as positional arguments.
        #[error("there is no account {0:?}")]
        #[wamp_error("error.no_such_account")]
        NoSuchAccount(String),
        /// A struct variant: its fields travel as keyword arguments.
        #[error("insufficient funds: the balance is {balance}, {requested} was requested")]
        #[wamp_error("error.insufficient_funds")]
        InsufficientFunds { balance: u64, requested: u64 },
        /// A unit variant: the URI alone.
        #[error("the account is frozen")]
        #[wamp_error("error.frozen")]
        Frozen,
    }

    /// The balances, by account; `None` is a frozen account.
    static BALANCES: LazyLock<Mutex<HashMap<String, Option<u64>>>> = LazyLock::new(|| {
        Mutex::new(HashMap::from([
            ("alice".to_owned(), Some(100)),
            ("bob".to_owned(), Some(5)),
            ("carol".to_owned(), None),
        ]))
    });

    /// Takes `amount` from `account`; answers the new balance.
    #[procedure]
    fn withdraw(_ctx: CallContext, account: String, amount: u64) -> Result<u64, AccountError> {
        let mut balances = BALANCES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(entry) = balances.get_mut(&account) else {
            return Err(AccountError::NoSuchAccount(account));
        };
        let Some(balance) = entry else {
            return Err(AccountError::Frozen);
        };
        if *balance < amount {
            return Err(AccountError::InsufficientFunds {
                balance: *balance,
                requested: amount,
            });
        }
        *balance -= amount;
        println!("withdrew {amount} from {account}, {balance} left");
        Ok(*balance)
    }

    /// Fails with an error type that has no WAMP mapping: the caller gets
    /// `wamp.error.runtime_error` with a fixed message that reveals nothing
    /// of the error, whose text is logged here.
    #[procedure]
    async fn export(_ctx: CallContext, account: String) -> Result<String, std::io::Error> {
        Err(std::io::Error::other(format!("the export of {account} is offline")))
    }
}

use accounts::AccountError;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    common::init_tracing();
    if std::env::args().skip(1).any(|arg| arg == "--call") {
        return call().await;
    }
    let Some(server) = wamp_runtime::Server::new(common::config()?)
        .start_until(wamp_runtime::shutdown_signal())
        .await?
    else {
        return Ok(()); // stopped while waiting for the router
    };
    println!("errors service ready: com.example.accounts.withdraw and .export; press Ctrl-C to stop");
    server.wait().await?;
    println!("stopped");
    Ok(())
}

/// The caller's side: each answer decoded into `AccountError` where it is one.
async fn call() -> Result<(), Box<dyn std::error::Error>> {
    let config = common::client_config()?;
    let client = Client::connect(&config).await?;

    for (account, amount) in [("alice", 30), ("bob", 50), ("carol", 1), ("dave", 1)] {
        let answer = client
            .call("com.example.accounts.withdraw")
            .args((account, amount))
            .typed::<u64, AccountError>()
            .await;
        match answer {
            Ok(balance) => println!("withdraw {amount} from {account}: ok, balance {balance}"),
            Err(TypedCallError::Mapped(AccountError::InsufficientFunds { balance, requested })) => {
                println!("withdraw {amount} from {account}: refused, only {balance} of {requested} available")
            }
            Err(TypedCallError::Mapped(error)) => println!("withdraw {amount} from {account}: refused, {error}"),
            Err(TypedCallError::Other(error)) => println!("withdraw {amount} from {account}: failed, {error}"),
        }
    }

    // The untyped way: a CallError, decoded afterwards if it is one of ours.
    match client.call("com.example.accounts.export").arg("alice").await {
        Ok(output) => println!("export: {:?}", output.args),
        Err(error) => match error.into_typed::<AccountError>() {
            TypedCallError::Mapped(error) => println!("export: refused, {error}"),
            TypedCallError::Other(error) => match error.application() {
                Some(app) => println!(
                    "export: unmapped error {} ({})",
                    app.uri(),
                    app.message().unwrap_or("no message")
                ),
                None => println!("export: failed, {error}"),
            },
        },
    }

    client.leave().await?;
    Ok(())
}
