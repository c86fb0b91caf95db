//! Saving a file: a Blob behind an object URL, clicked through a temporary `<a download>`; and a
//! drawing (SVG text) saved as a PNG, rendered at twice its size through a canvas.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Offers `text` for download as `name` (`mime` e.g. `text/yaml`). Returns whether the browser
/// accepted the request.
pub fn download(name: &str, mime: &str, text: &str) -> bool {
    blob(mime, text).and_then(|b| save(name, &b)).is_ok()
}

fn blob(mime: &str, text: &str) -> Result<web_sys::Blob, JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
}

fn revoke_later(url: String) {
    // Revoked a little later: the download (or image) reads the URL after this returns.
    gloo_timers::callback::Timeout::new(1000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
}

fn save(name: &str, blob: &web_sys::Blob) -> Result<(), JsValue> {
    let url = web_sys::Url::create_object_url_with_blob(blob)?;
    let anchor: web_sys::HtmlAnchorElement = super::document().create_element("a")?.dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    revoke_later(url);
    Ok(())
}

/// Offers the drawing `svg` (a standalone SVG document) as the PNG `name`, at twice its size so it
/// stays sharp. Returns whether the conversion could start (it finishes asynchronously).
pub fn download_svg_as_png(name: &str, svg: &str) -> bool {
    try_png(name, svg).is_ok()
}

fn try_png(name: &str, svg: &str) -> Result<(), JsValue> {
    let url = web_sys::Url::create_object_url_with_blob(&blob("image/svg+xml", svg)?)?;
    let image = web_sys::HtmlImageElement::new()?;
    let (name, drawn) = (name.to_string(), image.clone());
    let onload = Closure::once(move || {
        let _ = draw_and_save(&name, &drawn);
    });
    image.set_onload(Some(onload.as_ref().unchecked_ref()));
    onload.forget();
    image.set_src(&url);
    revoke_later(url);
    Ok(())
}

fn draw_and_save(name: &str, image: &web_sys::HtmlImageElement) -> Result<(), JsValue> {
    const SCALE: u32 = 2;
    let canvas: web_sys::HtmlCanvasElement =
        super::document().create_element("canvas")?.dyn_into()?;
    canvas.set_width(image.natural_width() * SCALE);
    canvas.set_height(image.natural_height() * SCALE);
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or("no 2d context")?
        .dyn_into()?;
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, canvas.width() as f64, canvas.height() as f64);
    ctx.scale(SCALE as f64, SCALE as f64)?;
    ctx.draw_image_with_html_image_element(image, 0.0, 0.0)?;
    let name = name.to_string();
    let done = Closure::once(move |png: Option<web_sys::Blob>| {
        if let Some(png) = png {
            let _ = save(&name, &png);
        }
    });
    canvas.to_blob(done.as_ref().unchecked_ref())?;
    done.forget();
    Ok(())
}
