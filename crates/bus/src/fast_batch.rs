//! JetStream's fast-ingest batches (nats-server 2.14 and later, on a stream with
//! `allow_batched`): a run of messages stored one by one as they arrive and acknowledged
//! once, at the end, instead of each on its own.
//!
//! The protocol is in each message's reply subject, `<inbox>.<flow>.fail.<seq>.<op>.$FI`:
//! `seq` counts from 1, `op` is 0 for the first message, 1 for those between and 2 for the
//! last (the commit), `flow` asks the server to acknowledge every so many messages, and `fail`
//! ends the batch at the first message lost on the way. The server answers on the inbox: a
//! flow acknowledgement `{"type":"ack","seq":..,"msgs":..}` (with the flow it wants, which may
//! be lower than asked), a lost message `{"type":"gap",..}`, a refused one
//! `{"type":"err",..}`, and after the commit the batch's acknowledgement
//! `{"stream":..,"seq":..,"batch":..,"count":..}` or `{"error":..}`. A commit acknowledged
//! with every message counted means every message is stored.

use async_nats::{Client, HeaderMap};
use bytes::Bytes;
use futures::{FutureExt as _, StreamExt as _};
use serde::Deserialize;

use crate::error::BoxError;

/// One message of a batch.
#[derive(Debug)]
pub(crate) struct Message {
    pub subject: String,
    pub headers: HeaderMap,
    pub payload: Bytes,
}

/// Why a batch is not stored whole.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The server took none of it: the stream does not allow batches, or too many are in
    /// flight. The messages may still go out one by one.
    NotTaken(NotTaken),
    /// Anything else: some messages may be stored, others not.
    Failed(BoxError),
}

/// Why the server took none of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotTaken {
    /// The stream does not allow fast batches (`allow_batched` is off).
    NotAllowed,
    /// The server holds as many batches in flight as it allows.
    TooMany,
}

/// The flow the client asks for: the server acknowledges at least every this many messages.
const FLOW: u64 = 100;
/// Flows of messages sent ahead of the server's last acknowledgement (two, as ADR-50 advises:
/// enough to keep the server busy while an acknowledgement is on its way).
const OUTSTANDING: u64 = 2;

/// JetStream API error codes that mean the server took none of the batch.
const BATCH_PUBLISH_DISABLED: u64 = 10205;
const BATCH_PUBLISH_TOO_MANY_INFLIGHT: u64 = 10211;

/// Publishes `messages` (at least one) as one batch and returns once the server has stored
/// every one, each within `timeout` of the server's last answer.
///
/// # Errors
/// [`Failure::NotTaken`] when the server took none of them; [`Failure::Failed`] when it did
/// not store them all, did not answer in time or the connection failed.
pub(crate) async fn publish(
    client: &Client,
    messages: Vec<Message>,
    timeout: std::time::Duration,
) -> Result<(), Failure> {
    let count = u64::try_from(messages.len()).unwrap_or(u64::MAX);
    // `_INBOX.<id>`: the server reads the reply subject from its end and needs the inbox to
    // be two tokens, as the default inbox prefix (which Rondom keeps) gives.
    let inbox = client.new_inbox();
    let mut replies = client
        .subscribe(format!("{inbox}.>"))
        .await
        .map_err(|err| Failure::Failed(err.into()))?;
    let mut flow = Flow {
        acknowledged: 0,
        every: FLOW,
    };
    for (sequence, message) in (1..).zip(messages) {
        // Answers that have arrived may lower the flow; past the window, wait for one.
        while let Some(Some(reply)) = replies.next().now_or_never() {
            flow.take(&reply.payload, count)?;
        }
        while flow.acknowledged + flow.every * OUTSTANDING <= sequence {
            let reply = answer(&mut replies, timeout).await?;
            flow.take(&reply, count)?;
        }
        let op = match sequence {
            1 if count > 1 => 0,
            _ if sequence == count => 2,
            _ => 1,
        };
        client
            .publish_with_reply_and_headers(
                message.subject,
                format!("{inbox}.{}.fail.{sequence}.{op}.$FI", flow.every),
                message.headers,
                message.payload,
            )
            .await
            .map_err(|err| Failure::Failed(err.into()))?;
    }
    loop {
        let reply = answer(&mut replies, timeout).await?;
        if flow.take(&reply, count)? == Taken::Stored {
            return Ok(());
        }
    }
}

/// The server's next answer on the batch's inbox.
async fn answer(
    replies: &mut async_nats::Subscriber,
    timeout: std::time::Duration,
) -> Result<Bytes, Failure> {
    match tokio::time::timeout(timeout, replies.next()).await {
        Ok(Some(reply)) => Ok(reply.payload),
        Ok(None) => Err(Failure::Failed("the connection closed".into())),
        Err(_) => Err(Failure::Failed(
            "the server did not acknowledge the batch in time".into(),
        )),
    }
}

/// What the server acknowledged so far.
struct Flow {
    /// The last message acknowledged.
    acknowledged: u64,
    /// How often the server acknowledges.
    every: u64,
}

/// One answer of the server, as far as it matters here.
#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "type")]
    kind: Option<String>,
    seq: Option<u64>,
    msgs: Option<u64>,
    count: Option<u64>,
    error: Option<ApiError>,
}

#[derive(Deserialize)]
struct ApiError {
    err_code: Option<u64>,
    description: Option<String>,
}

/// Where a batch stands after an answer.
#[derive(Debug, PartialEq, Eq)]
enum Taken {
    Storing,
    Stored,
}

impl Flow {
    /// Takes one answer of the server about a batch of `count` messages.
    fn take(&mut self, payload: &[u8], count: u64) -> Result<Taken, Failure> {
        let reply: Reply = serde_json::from_slice(payload).map_err(|err| {
            Failure::Failed(format!("the server's answer to a batch does not parse: {err}").into())
        })?;
        if let Some(error) = reply.error {
            let description = error.description.unwrap_or_default();
            return Err(match error.err_code {
                Some(BATCH_PUBLISH_DISABLED) if self.acknowledged == 0 => {
                    Failure::NotTaken(NotTaken::NotAllowed)
                }
                Some(BATCH_PUBLISH_TOO_MANY_INFLIGHT) if self.acknowledged == 0 => {
                    Failure::NotTaken(NotTaken::TooMany)
                }
                _ => Failure::Failed(format!("the server refused the batch: {description}").into()),
            });
        }
        match reply.kind.as_deref() {
            Some("ack") => {
                self.acknowledged = self.acknowledged.max(reply.seq.unwrap_or(0));
                if let Some(every) = reply.msgs.filter(|every| *every > 0) {
                    self.every = every;
                }
                Ok(Taken::Storing)
            }
            Some("gap") => Err(Failure::Failed(
                "a message of the batch was lost on its way to the server".into(),
            )),
            Some(other) => Err(Failure::Failed(
                format!("unexpected answer to a batch: {other}").into(),
            )),
            None if reply.count == Some(count) => Ok(Taken::Stored),
            None => Err(Failure::Failed(
                format!(
                    "the server stored {} of the batch's {count} messages",
                    reply.count.unwrap_or(0)
                )
                .into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> Flow {
        Flow {
            acknowledged: 0,
            every: FLOW,
        }
    }

    #[test]
    fn a_batch_is_stored_only_when_the_commit_counts_every_message() {
        let mut flow = flow();
        let ack = br#"{"type":"ack","seq":0,"msgs":10}"#;
        assert_eq!(flow.take(ack, 3).ok(), Some(Taken::Storing));
        assert_eq!(flow.every, 10, "the server's flow is taken");
        let stored = br#"{"stream":"S","seq":9,"batch":"b","count":3}"#;
        assert_eq!(flow.take(stored, 3).ok(), Some(Taken::Stored));
        let short = br#"{"stream":"S","seq":8,"batch":"b","count":2}"#;
        assert!(matches!(flow.take(short, 3), Err(Failure::Failed(_))));
        let gap = br#"{"type":"gap","last_seq":1,"seq":3}"#;
        assert!(matches!(flow.take(gap, 3), Err(Failure::Failed(_))));
    }

    #[test]
    fn a_batch_refused_at_its_start_was_not_taken_and_later_it_failed() {
        let disabled =
            br#"{"error":{"code":400,"err_code":10205,"description":"batch publish is disabled"}}"#;
        assert!(matches!(
            flow().take(disabled, 3),
            Err(Failure::NotTaken(NotTaken::NotAllowed))
        ));
        let busy = br#"{"error":{"code":400,"err_code":10211,"description":"too many"}}"#;
        assert!(matches!(
            flow().take(busy, 3),
            Err(Failure::NotTaken(NotTaken::TooMany))
        ));
        let mut started = flow();
        started
            .take(br#"{"type":"ack","seq":100,"msgs":100}"#, 300)
            .ok();
        assert!(matches!(started.take(busy, 300), Err(Failure::Failed(_))));
    }
}
