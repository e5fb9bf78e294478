//! The whole HTTP-level suite in one test binary (one link, not eleven):
//! each module is one area of the portal, sharing the harness in `common`
//! (a real server on port 0 with a fresh database, a cookie-keeping client)
//! and, for the browser tests, `browser_support` (real Chromium).
#![allow(dead_code)]

mod browser_support;
mod common;

mod access;
mod api_keys;
mod api_usage;
mod browser;
mod cli;
mod consoles;
mod failover;
mod instances;
mod key_scopes;
mod management_api;
mod members;
mod metrics;
mod notices;
mod portal;
mod quota_requests;
mod quotas;
mod schema;
mod slurm;
mod sso;
mod twcc;
mod two_factor;
mod wallets;
