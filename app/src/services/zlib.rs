//! zlib (RFC 1950) through the browser's own Compression Streams ("deflate" is the zlib format),
//! for share links: the page does not carry a zlib of its own (15 KB of the first-load budget).
//! Inflating stops as soon as the output passes the limit, so a small link cannot expand into a
//! huge allocation.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = r#"
export function zlib_deflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Response(stream).arrayBuffer().then((b) => new Uint8Array(b));
}
export async function zlib_inflate(bytes, limit) {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate')).getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn zlib_deflate(bytes: &Uint8Array) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn zlib_inflate(bytes: &Uint8Array, limit: f64) -> Result<Promise, JsValue>;
}

/// Why inflating failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InflateError {
    /// More than the limit.
    TooLarge,
    /// Not zlib data (or a browser without Compression Streams).
    Corrupt,
}

/// zlib-compresses `bytes`.
pub async fn deflate(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let promise = zlib_deflate(&Uint8Array::from(bytes)).map_err(|e| format!("{e:?}"))?;
    let out = JsFuture::from(promise)
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(Uint8Array::new(&out).to_vec())
}

/// Inflates zlib `bytes`, giving up past `limit` bytes of output.
pub async fn inflate(bytes: &[u8], limit: usize) -> Result<Vec<u8>, InflateError> {
    let promise =
        zlib_inflate(&Uint8Array::from(bytes), limit as f64).map_err(|_| InflateError::Corrupt)?;
    let out = JsFuture::from(promise)
        .await
        .map_err(|_| InflateError::Corrupt)?;
    if out.is_null() {
        return Err(InflateError::TooLarge);
    }
    Ok(Uint8Array::new(&out).to_vec())
}

/// The `#v1.z.` share fragment of a workspace.
pub async fn share_fragment(payload: &pipelab_core::share::Payload) -> Result<String, String> {
    use pipelab_core::share;
    Ok(share::fragment(&deflate(&share::to_json(payload)).await?))
}

/// The workspace in a link's compressed part, checked as [`pipelab_core::share::decode`] does.
pub async fn open_link(
    compressed: &[u8],
) -> Result<pipelab_core::share::Payload, pipelab_core::share::ShareError> {
    use pipelab_core::share::{self, ShareError};
    let json = inflate(compressed, share::MAX_DECOMPRESSED)
        .await
        .map_err(|e| match e {
            InflateError::TooLarge => ShareError::TooLarge,
            InflateError::Corrupt => ShareError::Corrupt,
        })?;
    share::from_json(&json)
}
