//! The page's components, one per file.

pub mod app;
pub mod banner;
pub mod documents;
pub mod editor;
pub mod engine_job;
pub mod entry_picker;
pub mod event_argo;
pub mod file_tabs;
pub mod final_yaml;
pub mod graph_azure;
pub mod graph_frame;
pub mod problems;
pub mod run_azure;
pub mod timeline;
pub mod toolbar;
