//! tend: a self-compassion practice companion for medical students.
//!
//! Layers, from the inside out:
//! - [`domain`]: types and rules, no I/O;
//! - [`vault`]: encryption of personal records;
//! - [`store`]: SQLite and PostgreSQL behind one trait;
//! - [`service`]: the use cases, shared by pages and API;
//! - [`web`]: HTML pages, the JSON API and middleware;
//! - [`cli`]: the `tend` command.

pub mod cli;
pub mod config;
pub mod content;
pub mod domain;
pub mod service;
pub mod store;
pub mod vault;
pub mod web;
