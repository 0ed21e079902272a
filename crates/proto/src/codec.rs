//! The gRPC codec of every Rondom service: prost encoding, with decode errors reported as
//! `INVALID_ARGUMENT` plus a `google.rpc.BadRequest`. tonic's default reports them as
//! `INTERNAL`, which tells a partner's developer the fault is ours when it is theirs.

use std::marker::PhantomData;

use prost::Message;
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder};
use tonic_prost::ProstEncoder;

use crate::status::invalid_argument;
use rondom_domain::InvalidInput;

/// Codec named in `build.rs` (`codec_path`); the generated code constructs it by `Default`.
#[derive(Debug, Clone)]
pub struct RondomCodec<T, U> {
    _types: PhantomData<(T, U)>,
}

impl<T, U> Default for RondomCodec<T, U> {
    fn default() -> Self {
        Self {
            _types: PhantomData,
        }
    }
}

impl<T, U> Codec for RondomCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = RondomDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        RondomDecoder::default()
    }
}

/// Decodes `U`, mapping malformed bytes to `INVALID_ARGUMENT`.
#[derive(Debug, Clone)]
pub struct RondomDecoder<U> {
    _type: PhantomData<U>,
}

// Also used by routes written by hand, with an encoder of their own.
impl<U> Default for RondomDecoder<U> {
    fn default() -> Self {
        Self { _type: PhantomData }
    }
}

impl<U: Message + Default> Decoder for RondomDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        U::decode(buf).map(Some).map_err(|err| {
            invalid_argument(&InvalidInput::single(
                "",
                format!("malformed protobuf message: {err}"),
            ))
        })
    }
}
