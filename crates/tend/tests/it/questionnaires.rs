//! Tests for the questionnaires features.
