//! OTLP/HTTP bodies: protobuf or JSON, optionally gzip, both ways.

use std::io::{Read, Write};

use prost::Message;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// How a body is encoded, from its `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// `application/x-protobuf` or `application/json` (parameters ignored); `None` for anything else.
    pub fn from_content_type(value: Option<&str>) -> Option<Encoding> {
        let essence = value.unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/x-protobuf" | "application/protobuf" => Some(Encoding::Protobuf),
            "application/json" => Some(Encoding::Json),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("the body is not valid gzip: {0}")]
    Gzip(std::io::Error),
    #[error("the gzip body inflates to more than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("unsupported Content-Encoding {0:?}: use gzip or none")]
    UnsupportedEncoding(String),
    #[error("the body is not a valid OTLP protobuf message: {0}")]
    Protobuf(#[from] prost::DecodeError),
    #[error("the body is not valid OTLP/JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Undoes `Content-Encoding` (gzip or identity), inflating to at most `limit` bytes.
pub fn decompress(body: Vec<u8>, content_encoding: Option<&str>, limit: usize) -> Result<Vec<u8>, WireError> {
    match content_encoding.map(|e| e.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("identity") => Ok(body),
        Some("gzip") | Some("x-gzip") => {
            let mut inflated = Vec::new();
            let mut reader = flate2::read::GzDecoder::new(body.as_slice()).take(limit as u64 + 1);
            reader.read_to_end(&mut inflated).map_err(WireError::Gzip)?;
            if inflated.len() > limit {
                return Err(WireError::TooLarge { limit });
            }
            Ok(inflated)
        }
        Some(other) => Err(WireError::UnsupportedEncoding(other.to_owned())),
    }
}

pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

pub fn decode<T: Message + Default + DeserializeOwned>(body: &[u8], encoding: Encoding) -> Result<T, WireError> {
    match encoding {
        Encoding::Protobuf => Ok(T::decode(body)?),
        Encoding::Json => Ok(serde_json::from_slice(body)?),
    }
}

pub fn encode<T: Message + Serialize>(message: &T, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Protobuf => message.encode_to_vec(),
        Encoding::Json => serde_json::to_vec(message).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_round_trips_and_is_bounded() {
        let body = b"hello hello hello hello".to_vec();
        let packed = gzip(&body);
        assert_eq!(decompress(packed.clone(), Some("gzip"), 1024).unwrap(), body);
        assert!(matches!(decompress(packed, Some("gzip"), 5), Err(WireError::TooLarge { .. })));
        assert!(matches!(decompress(b"nope".to_vec(), Some("gzip"), 1024), Err(WireError::Gzip(_))));
        assert!(matches!(decompress(body.clone(), Some("br"), 1024), Err(WireError::UnsupportedEncoding(_))));
        assert_eq!(decompress(body.clone(), None, 1024).unwrap(), body);
    }

    #[test]
    fn content_types() {
        assert_eq!(Encoding::from_content_type(Some("application/x-protobuf")), Some(Encoding::Protobuf));
        assert_eq!(Encoding::from_content_type(Some("Application/JSON; charset=utf-8")), Some(Encoding::Json));
        assert_eq!(Encoding::from_content_type(Some("text/plain")), None);
        assert_eq!(Encoding::from_content_type(None), None);
    }
}
