//! The server's integration tests: the real server on port 0, on SQLite and on PostgreSQL.

mod access;
mod api;
mod audit;
mod connections;
mod hygiene;
mod keys;
mod limits;
mod oidc;
mod openapi;
mod rate_limits;
mod replicas;
mod resolution;
mod runners;
mod startup;
mod uploads;
