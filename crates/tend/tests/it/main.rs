//! One integration-test binary (linking is the slow part on a 2-core machine).
//! Everything here runs against a real server on a real port, with a real
//! SQLite file, and against PostgreSQL when `TEND_TEST_POSTGRES_URL` is set.
// Tests and tools choose the time they give tend, so they may read the clock.
#![allow(clippy::disallowed_methods)]
// Tests may unwrap: a panic is how a test fails.
#![allow(clippy::unwrap_used)]

mod api_circles;
mod api_document;
mod api_features;
mod assets;
mod backup;
mod cli;
mod cluster;
mod helpers;
mod helplines;
mod http_api;
mod http_pages;
mod metrics;
mod notifications;
mod offline_app;
mod page_weight;
mod pool_size;
mod push;
mod query_plans;
mod reply_order;
mod schema;
mod server_limits;
mod shared_limits;
mod shutdown;
mod store;
mod stream_leases;

// Moving records between servers, and API tokens (issue 14).
mod store_reads;
mod store_writes;
// Exactly-once creation for the offline queue (issue 13).
mod submissions;
mod transfer;

// Peer support (issue 5).
mod circles;

// Feature tests (issues 3 and 6).
mod critic;
mod goals;
mod practices;
mod programme_periods;
mod programmes;
mod questionnaires;
mod safety_plan;

// Today: each part from the person's own records and day, and sign-in redirects (issue 11).
mod today;
