//! JetStream's own stream snapshots (`$JS.API.STREAM.SNAPSHOT` / `RESTORE`): the server
//! writes a consistent archive of a stream, with its messages, sequences, times and consumers,
//! which we keep as opaque bytes (tar + S2) and hand back unchanged to restore it. Positions
//! (stream sequences) therefore survive a restore, and so do durable subscriptions.
//!
//! The protocol: a snapshot request names an inbox; chunks arrive there, each full chunk with a
//! reply subject that must be answered (the server keeps a window of unanswered chunks and
//! gives up after five seconds without an answer); an empty message ends it, with status 204
//! or none on success. A restore request answers with a subject; each chunk is a request
//! answered with an empty message (or an error), and an empty request finishes it, answered
//! with the stream's info once the server has unpacked the archive.

use std::time::Duration;

use async_nats::Client;
use bytes::Bytes;
use futures::StreamExt as _;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

use crate::error::{Error, Result};

const CHUNK: usize = 128 * 1024;
/// Longest wait for the next snapshot chunk; the server aborts after five seconds itself.
const CHUNK_WAIT: Duration = Duration::from_secs(30);
/// Longest wait for the server to unpack a restored archive.
const FINISH_WAIT: Duration = Duration::from_secs(30 * 60);

/// Writes a snapshot of `stream` to `out` and returns its configuration and state at that
/// moment (JSON, as the restore wants it back).
///
/// # Errors
/// [`Error::Refused`] when the server will not snapshot (no such stream, memory storage);
/// [`Error::Unavailable`] when NATS or the output fails midway (the output is then incomplete).
pub async fn snapshot(
    client: &Client,
    stream: &str,
    out: &mut (impl AsyncWrite + Unpin),
) -> Result<Value> {
    let inbox = client.new_inbox();
    // Subscribed before asking: the server starts sending right after it answers.
    let mut chunks = client
        .subscribe(inbox.clone())
        .await
        .map_err(|err| Error::unavailable("subscribing to a snapshot", err))?;
    let request = serde_json::json!({ "deliver_subject": inbox, "chunk_size": CHUNK });
    let mut meta = api(
        client,
        format!("$JS.API.STREAM.SNAPSHOT.{stream}"),
        request.to_string().into(),
        Duration::from_secs(60),
        "starting a snapshot",
    )
    .await?;
    loop {
        let chunk = tokio::time::timeout(CHUNK_WAIT, chunks.next())
            .await
            .map_err(|err| Error::unavailable("receiving a snapshot", err))?
            .ok_or_else(|| Error::unavailable("receiving a snapshot", "subscription ended"))?;
        if chunk.payload.is_empty() {
            return match chunk.status.map(|status| status.as_u16()) {
                None | Some(204) => {
                    out.flush()
                        .await
                        .map_err(|err| Error::unavailable("writing a snapshot", err))?;
                    if let Value::Object(fields) = &mut meta {
                        fields.remove("type");
                    }
                    Ok(meta)
                }
                Some(code) => Err(Error::Refused {
                    operation: "a snapshot",
                    reason: format!(
                        "{code} {}",
                        chunk.description.as_deref().unwrap_or("no reason given")
                    ),
                }),
            };
        }
        out.write_all(&chunk.payload)
            .await
            .map_err(|err| Error::unavailable("writing a snapshot", err))?;
        if let Some(reply) = chunk.reply {
            client
                .publish(reply, Bytes::new())
                .await
                .map_err(|err| Error::unavailable("acknowledging a snapshot chunk", err))?;
        }
    }
}

/// Restores `stream` from a snapshot read from `input`, with the `meta` [`snapshot`] returned.
/// The stream must not exist.
///
/// # Errors
/// [`Error::Refused`] when the server will not restore (the stream exists, the archive is
/// damaged); [`Error::Unavailable`] when NATS or the input fails midway.
pub async fn restore(
    client: &Client,
    stream: &str,
    meta: &Value,
    input: &mut (impl AsyncRead + Unpin),
) -> Result<()> {
    let ask = serde_json::json!({ "config": meta["config"], "state": meta["state"] });
    let started = api(
        client,
        format!("$JS.API.STREAM.RESTORE.{stream}"),
        ask.to_string().into(),
        Duration::from_secs(60),
        "starting a restore",
    )
    .await?;
    let target = started["deliver_subject"]
        .as_str()
        .ok_or_else(|| Error::Refused {
            operation: "a restore",
            reason: format!("no deliver subject in {started}"),
        })?
        .to_owned();
    let mut buffer = vec![0; CHUNK];
    loop {
        let read = read_chunk(input, &mut buffer)
            .await
            .map_err(|err| Error::unavailable("reading a snapshot", err))?;
        if read == 0 {
            break;
        }
        // An empty answer acknowledges the chunk; anything else is the server's error.
        let ack = request(
            client,
            target.clone(),
            Bytes::copy_from_slice(&buffer[..read]),
            CHUNK_WAIT,
            "sending a snapshot chunk",
        )
        .await?;
        if !ack.is_empty() {
            return Err(Error::Refused {
                operation: "a restore",
                reason: String::from_utf8_lossy(&ack).into_owned(),
            });
        }
    }
    api(
        client,
        target,
        Bytes::new(),
        FINISH_WAIT,
        "finishing a restore",
    )
    .await?;
    Ok(())
}

/// Fills `buffer` as far as `input` allows; returns how much it read (0 at the end).
async fn read_chunk(
    input: &mut (impl AsyncRead + Unpin),
    buffer: &mut [u8],
) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        let read = input.read(&mut buffer[filled..]).await?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    Ok(filled)
}

/// Sends a JetStream API request and returns its JSON answer, or the error it holds.
async fn api(
    client: &Client,
    subject: String,
    payload: Bytes,
    wait: Duration,
    operation: &'static str,
) -> Result<Value> {
    let answer = request(client, subject, payload, wait, operation).await?;
    let value: Value = serde_json::from_slice(&answer).map_err(|err| Error::Refused {
        operation,
        reason: format!("{err}: {}", String::from_utf8_lossy(&answer)),
    })?;
    if let Some(error) = value.get("error") {
        return Err(Error::Refused {
            operation,
            reason: error["description"]
                .as_str()
                .map_or_else(|| error.to_string(), str::to_owned),
        });
    }
    Ok(value)
}

async fn request(
    client: &Client,
    subject: String,
    payload: Bytes,
    wait: Duration,
    operation: &'static str,
) -> Result<Bytes> {
    let answer = client
        .send_request(
            subject,
            async_nats::Request::new()
                .payload(payload)
                .timeout(Some(wait)),
        )
        .await
        .map_err(|err| Error::unavailable(operation, err))?;
    Ok(answer.payload)
}
