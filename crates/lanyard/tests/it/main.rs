//! End-to-end tests of the `lanyard` binary: real server and client processes, on SQLite and on
//! PostgreSQL, each in its own home, profile directory and database.

mod aws;
mod aws_trust;
mod azure_cli;
mod checks;
mod commands;
mod failures;
mod first_start;
mod git;
mod isolation;
mod jobs;
mod keys;
mod manifests;
mod oidc;
mod packages;
mod replicas;
mod runner_health;
mod runner_identity;
mod support;
mod terraform;
mod uploads;
