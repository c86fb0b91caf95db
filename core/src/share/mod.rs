//! Share links: the whole workspace (every file and the view state) in a URL fragment.
//!
//! Format `#v1.z.<base64url(zlib(json))>`: zlib is RFC 1950, base64url has no padding, and the JSON
//! is `{"files":[{"name":"azure-pipelines.yml","text":"..."}], "view": {...}}`. `files` is required
//! and in tab order; every other field is optional and unknown fields are ignored, because links
//! may be written by other tools. `#example/<id>` names a built-in example instead.
//!
//! **Architecture Invariant:** a link that decodes today decodes forever (golden tests pin the
//! format), and decoding is bounded — at most [`MAX_DECOMPRESSED`] bytes of JSON — and never
//! panics, whatever the input.

use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use serde::{Deserialize, Serialize};

/// Decompressed JSON larger than this is rejected (1 MiB).
pub const MAX_DECOMPRESSED: usize = 1 << 20;
/// Fragments longer than this are rejected before decoding (the compressed form of the largest
/// workspace that can pass [`MAX_DECOMPRESSED`] is far smaller).
pub const MAX_FRAGMENT: usize = 4 << 20;

const PREFIX_V1: &str = "v1.z.";
const PREFIX_EXAMPLE: &str = "example/";

/// One file of the shared workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedFile {
    pub name: String,
    pub text: String,
}

/// What the page was showing; every field is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// Index of the open file tab.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<usize>,
    /// The right-hand panel that was open (e.g. `documents`, `problems`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panel: Option<String>,
}

impl View {
    fn is_empty(&self) -> bool {
        *self == View::default()
    }
}

/// The JSON payload of a `#v1.z.` link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub files: Vec<SharedFile>,
    #[serde(default, skip_serializing_if = "View::is_empty")]
    pub view: View,
}

/// What a URL fragment names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    Workspace(Payload),
    Example(String),
}

/// Why a fragment could not be opened. The messages are written for the person who opened it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareError {
    /// The fragment is not a Pipelab link at all (e.g. an in-page anchor).
    NotALink,
    /// A `#vN.` link from a newer Pipelab.
    UnsupportedVersion(String),
    TooLong(usize),
    BadEncoding,
    /// The compressed data is truncated or corrupt.
    Corrupt,
    TooLarge,
    BadJson(String),
    NoFiles,
    BadFileName(String),
    DuplicateFileName(String),
}

impl std::fmt::Display for ShareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShareError::NotALink => write!(f, "This address does not contain a Pipelab link."),
            ShareError::UnsupportedVersion(v) => write!(
                f,
                "This link uses format '{v}', which this version of Pipelab cannot read. It may have been made by a newer Pipelab."
            ),
            ShareError::TooLong(n) => {
                write!(f, "This link is too long ({n} characters; the limit is {MAX_FRAGMENT}).")
            }
            ShareError::BadEncoding => write!(
                f,
                "This link is damaged: it contains characters that cannot appear in a Pipelab link. Was it copied completely?"
            ),
            ShareError::Corrupt => {
                write!(f, "This link is truncated or corrupted: its data does not decompress. Was it copied completely?")
            }
            ShareError::TooLarge => write!(
                f,
                "This link holds more than {} KiB of text, which is more than Pipelab opens.",
                MAX_DECOMPRESSED / 1024
            ),
            ShareError::BadJson(e) => write!(f, "This link's content is not valid: {e}."),
            ShareError::NoFiles => write!(f, "This link contains no files."),
            ShareError::BadFileName(n) => write!(f, "This link contains a file with an invalid name: {n:?}."),
            ShareError::DuplicateFileName(n) => write!(f, "This link contains two files named {n:?}."),
        }
    }
}

impl std::error::Error for ShareError {}

fn engine() -> GeneralPurpose {
    // Padding is never written, but links that went through other tools may have gained it.
    GeneralPurpose::new(
        &URL_SAFE,
        GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent),
    )
}

/// Encodes a workspace as a `#v1.z.` fragment (including the `#`).
pub fn encode(payload: &Payload) -> String {
    fragment(&miniz_oxide::deflate::compress_to_vec_zlib(
        &to_json(payload),
        9,
    ))
}

/// A workspace as the link's JSON (before compression).
pub fn to_json(payload: &Payload) -> Vec<u8> {
    // Serialising plain strings cannot fail.
    serde_json::to_vec(payload).unwrap_or_default()
}

/// The `#v1.z.` fragment for zlib-compressed JSON (the page compresses with the browser's own
/// zlib; [`encode`] with miniz).
pub fn fragment(zlib: &[u8]) -> String {
    format!("#{PREFIX_V1}{}", engine().encode(zlib))
}

/// A fragment read up to its compressed part: the page inflates that part with the browser's
/// own zlib (bounded by [`MAX_DECOMPRESSED`]) and hands the JSON to [`from_json`]; [`decode`]
/// does the whole with miniz.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    Example(String),
    Zlib(Vec<u8>),
}

/// The link for a built-in example.
pub fn example_link(id: &str) -> String {
    format!("#{PREFIX_EXAMPLE}{id}")
}

/// Decodes a URL fragment, with or without its leading `#`.
pub fn decode(fragment: &str) -> Result<Link, ShareError> {
    match parse(fragment)? {
        Parsed::Example(id) => Ok(Link::Example(id)),
        Parsed::Zlib(compressed) => {
            let json = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(
                &compressed,
                MAX_DECOMPRESSED,
            )
            .map_err(|e| match e.status {
                miniz_oxide::inflate::TINFLStatus::HasMoreOutput => ShareError::TooLarge,
                _ => ShareError::Corrupt,
            })?;
            from_json(&json).map(Link::Workspace)
        }
    }
}

/// Reads a URL fragment (with or without its leading `#`) up to its compressed part.
pub fn parse(fragment: &str) -> Result<Parsed, ShareError> {
    let fragment = fragment.trim();
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    if let Some(id) = fragment.strip_prefix(PREFIX_EXAMPLE) {
        return Ok(Parsed::Example(id.trim_end_matches('/').to_string()));
    }
    if let Some(data) = fragment.strip_prefix(PREFIX_V1) {
        return unbase64(data).map(Parsed::Zlib);
    }
    match version_prefix(fragment) {
        Some(v) => Err(ShareError::UnsupportedVersion(v.to_string())),
        None => Err(ShareError::NotALink),
    }
}

/// `v2.x.` → `v2.x`, for a helpful message about links from newer versions.
fn version_prefix(fragment: &str) -> Option<&str> {
    let rest = fragment.strip_prefix('v')?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || rest.as_bytes().get(digits) != Some(&b'.') {
        return None;
    }
    let end = fragment.rfind('.').filter(|&e| e > digits)?;
    Some(&fragment[..end])
}

fn unbase64(data: &str) -> Result<Vec<u8>, ShareError> {
    if data.len() > MAX_FRAGMENT {
        return Err(ShareError::TooLong(data.len()));
    }
    // Links pasted from chat or e-mail can pick up line breaks.
    let data: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    engine()
        .decode(data.as_bytes())
        .map_err(|_| ShareError::BadEncoding)
}

/// A link's JSON (decompressed) as a checked workspace.
pub fn from_json(json: &[u8]) -> Result<Payload, ShareError> {
    if json.len() > MAX_DECOMPRESSED {
        return Err(ShareError::TooLarge);
    }
    let payload: Payload =
        serde_json::from_slice(json).map_err(|e| ShareError::BadJson(e.to_string()))?;
    validate(&payload)?;
    Ok(payload)
}

fn validate(payload: &Payload) -> Result<(), ShareError> {
    if payload.files.is_empty() {
        return Err(ShareError::NoFiles);
    }
    let mut seen = std::collections::HashSet::new();
    for file in &payload.files {
        if !is_valid_file_name(&file.name) {
            return Err(ShareError::BadFileName(file.name.clone()));
        }
        if !seen.insert(file.name.as_str()) {
            return Err(ShareError::DuplicateFileName(file.name.clone()));
        }
    }
    Ok(())
}

/// A workspace file name: a relative path with `/` separators, no empty, `.` or `..` segments,
/// no control characters, at most 200 bytes. `@alias/...` names a file of repository `alias`.
pub fn is_valid_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.chars().any(|c| c.is_control() || c == '\\')
        && name
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && seg.trim() == seg)
}

#[cfg(test)]
mod tests;
