//! The console's integration tests: the real server on port 0 (SQLite and PostgreSQL), driven
//! over HTTP with a cookie-keeping client, and end to end in a headless Chromium.

mod aws;
mod browser;
mod forms;
mod org;
mod pages;
mod secrets;
mod support;
mod trust;
mod wizard;
