//! `wamp call`.

use futures_util::StreamExt as _;
use wamp_runtime::Client;

use super::print_line;
use crate::cli::CallArgs;
use crate::error::CliError;
use crate::json::result_json;

pub(super) async fn run(client: &Client, args: CallArgs) -> Result<(), CliError> {
    let mut call = client.call(args.uri).payload(args.payload.into_payload());
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
