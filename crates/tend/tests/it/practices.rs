//! Tests for the practices features.
