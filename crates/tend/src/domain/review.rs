//! The weekly review and its reflection.
