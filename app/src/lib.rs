//! Pipelab's playground page: Yew components that render what `pipelab_core` returns.
//!
//! **Architecture Invariant:** no domain logic here. The reducer in [`state`] calls the core and
//! stores its results; components render state and dispatch actions; everything that touches the
//! browser (location, history, storage, clipboard, the CodeMirror bundle, timers) lives in
//! [`services`].

pub mod argo_views;
pub mod azure_views;
pub mod components;
pub mod engine_api;
pub mod services;
pub mod state;

/// Mounts the playground on `<body>`, after installing the panic hook.
pub fn start() {
    services::panic::install();
    yew::Renderer::<components::app::App>::new().render();
}
