//! The page's components, one per file.

pub mod app;
pub mod banner;
pub mod documents;
pub mod editor;
pub mod file_tabs;
pub mod problems;
pub mod toolbar;
