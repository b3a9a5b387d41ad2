//! Tests for the goals features.
