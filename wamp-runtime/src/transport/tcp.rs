//! The TCP connection under the WebSocket and RawSocket transports (and
//! under their TLS variants).
//!
//! Two socket settings matter for WAMP's request/response traffic:
//!
//! - Nagle is off on our side, so a small CALL or YIELD leaves at once.
//! - Delayed ACKs are cut short after a large message. Crossbar 26.10 leaves
//!   Nagle *on* for the connections it accepts, so when a message larger than
//!   a segment ends with two short segments it sends the second only once the
//!   first is acknowledged. Linux in request/response ("pingpong") mode holds
//!   that ACK for its delayed-ACK timer, 40 ms, and every such message stalls
//!   for 40 ms: 1 MiB calls ran at half the rate of the Python clients. After
//!   a read of at least [`BULK`] bytes that leaves the socket empty, the stream
//!   asks the kernel for an immediate ACK (`TCP_QUICKACK`, Linux only), which
//!   also leaves pingpong mode until we next send. Small messages never pay
//!   for the extra system call.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Bytes read since the socket was last found empty from which the next
/// empty read asks for an immediate ACK: more than a few segments of a
/// small-message burst, well below the messages that stall.
const BULK: usize = 16 * 1024;

/// Connects to `address` (`host:port`) with Nagle off.
pub(super) async fn connect(address: &str) -> io::Result<Tcp> {
    let stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    Ok(Tcp {
        stream,
        burst: 0,
        quick_acks: 0,
    })
}

/// A TCP stream that acknowledges large messages without delay (see the
/// module documentation).
#[derive(Debug)]
pub(crate) struct Tcp {
    stream: TcpStream,
    /// Bytes read since the socket was last found empty.
    burst: usize,
    /// Immediate ACKs asked for, for the tests.
    quick_acks: u64,
}

impl Tcp {
    /// Called when a read finds the socket empty.
    fn drained(&mut self) {
        if self.burst >= BULK {
            quick_ack(&self.stream);
            self.quick_acks += 1;
        }
        self.burst = 0;
    }
}

#[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
fn quick_ack(stream: &TcpStream) {
    // Only a hint: if it fails the ACK comes with the timer, as without it.
    if let Err(error) = stream.set_quickack(true) {
        tracing::trace!(%error, "TCP_QUICKACK failed");
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "fuchsia")))]
fn quick_ack(_stream: &TcpStream) {}

impl AsyncRead for Tcp {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        match &polled {
            Poll::Ready(Ok(())) => this.burst = this.burst.saturating_add(buf.filled().len() - before),
            Poll::Ready(Err(_)) => {}
            Poll::Pending => this.drained(),
        }
        polled
    }
}

impl AsyncWrite for Tcp {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// A connected pair: our `Tcp` and the peer's end, with our socket put
    /// in delayed-ACK ("pingpong") mode as request/response traffic does.
    async fn pair() -> (Tcp, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address").to_string();
        let (ours, theirs) = tokio::join!(connect(&address), listener.accept());
        let ours = ours.expect("connect");
        ours.stream.set_quickack(false).expect("enter pingpong mode");
        assert!(in_pingpong_mode(&ours));
        (ours, theirs.expect("accept").0)
    }

    fn in_pingpong_mode(ours: &Tcp) -> bool {
        !ours.stream.quickack().expect("read TCP_QUICKACK")
    }

    /// Reads exactly `n` bytes, then polls once more so the stream finds
    /// the socket empty.
    async fn read_then_drain(ours: &mut Tcp, n: usize) {
        let mut data = vec![0; n];
        ours.read_exact(&mut data).await.expect("read");
        let mut more = [0u8; 1];
        let polled = tokio::time::timeout(std::time::Duration::from_millis(50), ours.read(&mut more)).await;
        assert!(polled.is_err(), "nothing more was sent");
    }

    #[tokio::test]
    async fn a_drained_large_message_asks_for_an_immediate_ack() {
        let (mut ours, mut theirs) = pair().await;
        theirs.write_all(&vec![7; 4 * BULK]).await.expect("write");
        read_then_drain(&mut ours, 4 * BULK).await;
        assert_eq!(ours.quick_acks, 1);
        assert!(!in_pingpong_mode(&ours));
        assert_eq!(ours.burst, 0);
    }

    #[tokio::test]
    async fn small_messages_cost_no_extra_system_call() {
        let (mut ours, mut theirs) = pair().await;
        for _ in 0..3 {
            theirs.write_all(&[1; 300]).await.expect("write");
            read_then_drain(&mut ours, 300).await;
        }
        assert_eq!(ours.quick_acks, 0);
    }
}
