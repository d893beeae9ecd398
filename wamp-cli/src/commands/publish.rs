//! `wamp publish`.

use wamp_runtime::Client;

use super::print_line;
use crate::cli::PublishArgs;
use crate::error::CliError;

pub(super) async fn run(client: &Client, args: PublishArgs) -> Result<(), CliError> {
    let publish = client.publish(args.topic).payload(args.payload.into_payload());
    if args.acknowledge {
        let publication = publish.acknowledged().await?;
        print_line(&publication.into())
    } else {
        // Sent before the GOODBYE that follows: the session keeps the order.
        Ok(publish.await?)
    }
}
