//! Finished mindfulness practices.
