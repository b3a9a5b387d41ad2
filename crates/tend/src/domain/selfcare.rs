//! Trends over daily check-ins.
