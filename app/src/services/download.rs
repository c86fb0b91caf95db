//! Saving text as a file: a Blob behind an object URL, clicked through a temporary `<a download>`.

use wasm_bindgen::{JsCast, JsValue};

/// Offers `text` for download as `name` (`mime` e.g. `text/yaml`). Returns whether the browser
/// accepted the request.
pub fn download(name: &str, mime: &str, text: &str) -> bool {
    try_download(name, mime, text).is_ok()
}

fn try_download(name: &str, mime: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let anchor: web_sys::HtmlAnchorElement = super::document().create_element("a")?.dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    // Revoked a little later: the download reads the URL after the click returns.
    gloo_timers::callback::Timeout::new(1000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}
