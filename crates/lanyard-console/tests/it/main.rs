//! The console's integration tests: the real server on port 0 (SQLite and PostgreSQL), driven
//! over HTTP with a cookie-keeping client.

mod forms;
mod pages;
mod secrets;
mod support;
