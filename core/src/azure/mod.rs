//! The Azure Pipelines engine: expressions, template expansion and the expanded pipeline.
//!
//! **Architecture Invariant:** the engine takes files as `(name, text)` pairs and returns values
//! and diagnostics; it reads no file, clock or environment. Data flows one way:
//! [`expr`] ← [`template`] → [`pipeline`].

pub mod expr;
pub mod library;
pub mod pipeline;
pub mod template;
