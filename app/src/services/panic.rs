//! A panic must never leave a dead page: the hook logs it and shows a banner that says the work
//! is safe (the draft is saved after every change) and how to continue.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        console_error(&format!("Pipelab panicked: {message}"));
        show_banner(&message);
    }));
}

/// Puts the "internal error" banner at the top of the page (outside Yew, which may be dead).
pub fn show_banner(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else { return };
    let Ok(banner) = document.create_element("div") else {
        return;
    };
    banner.set_id("panic-banner");
    let _ = banner.set_attribute("role", "alert");
    let _ = banner.set_attribute("data-testid", "panic-banner");
    banner.set_text_content(Some(&format!(
        "Pipelab hit an internal error and stopped. Your files are saved in this browser's draft: reload the page to continue. Details: {message}"
    )));
    let _ = body.prepend_with_node_1(&banner);
}
