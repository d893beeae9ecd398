//! `wamp call`, with its arguments checked against the procedure's catalog
//! entry before it is sent.

use futures_util::StreamExt as _;
use wamp_runtime::{Client, Payload};

use super::print_line;
use crate::catalog;
use crate::cli::CallArgs;
use crate::error::CliError;
use crate::json::result_json;
use crate::parameters::Parameters;

pub(super) async fn run(client: &Client, args: CallArgs) -> Result<(), CliError> {
    let payload = args.payload.into_payload();
    if !args.no_check {
        check(client, &args.uri, &payload).await?;
    }
    let mut call = client.call(args.uri).payload(payload);
    if let Some(timeout) = args.timeout {
        call = call.timeout(timeout);
    }
    let output = if args.progress {
        let mut call = call.with_progress();
        while let Some(progress) = call.next().await {
            print_line(&result_json(&progress, args.full))?;
        }
        call.result().await?
    } else {
        call.await?
    };
    print_line(&result_json(&output.into_payload(), args.full))
}

/// Refuses a call whose arguments the procedure's catalog entry says it
/// would refuse. Whatever keeps the check from being made (no catalog, a
/// meta API the role may not call, a service that does not answer) lets
/// the call go unchecked: the check saves a round trip, the service still
/// has the last word.
async fn check(client: &Client, procedure: &str, payload: &Payload) -> Result<(), CliError> {
    let registration = match catalog::matching_registration(client, procedure).await {
        Ok(Some(registration)) => registration,
        Ok(None) => {
            tracing::debug!(procedure, "no registration matches the procedure: sent unchecked");
            return Ok(());
        }
        Err(e) => {
            tracing::debug!(procedure, error = %e, "cannot look the procedure up: sent unchecked");
            return Ok(());
        }
    };
    let registrations = match catalog::callee_registrations(client, &registration).await {
        Ok(registrations) => registrations,
        Err(e) => {
            tracing::debug!(procedure, error = %e, "cannot list the callees' catalogs: sent unchecked");
            return Ok(());
        }
    };
    let fetched = catalog::fetch_catalogs(client, &registrations).await;
    for failed in &fetched {
        if let Err(e) = &failed.catalog {
            tracing::debug!(catalog = %failed.registration.uri, error = %e, "cannot read the catalog");
        }
    }
    let entries = catalog::procedure_entries(&fetched, &registration);
    // Callees whose services describe the procedure differently: the
    // router may hand the call to any of them, so only a call none of them
    // takes is refused.
    let mut refusal = None;
    for (service, entry) in entries {
        match Parameters::read(&entry.args_schema, &entry.kwargs_schema).check(payload) {
            Ok(()) => {
                tracing::debug!(procedure, service, "the arguments fit the catalog");
                return Ok(());
            }
            Err(problem) => {
                refusal.get_or_insert((service.to_owned(), problem));
            }
        }
    }
    match refusal {
        Some((service, problem)) => Err(CliError::Refused {
            procedure: procedure.to_owned(),
            service,
            problem,
        }),
        None => {
            tracing::debug!(procedure, "no catalog describes the procedure: sent unchecked");
            Ok(())
        }
    }
}
