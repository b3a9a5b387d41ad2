//! The person's own list of people to reach.
