//! Tests for the critic features.
