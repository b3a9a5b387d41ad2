//! Three good things.
