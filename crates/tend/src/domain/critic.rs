//! Noticed thoughts, reframes, letters and debriefs.
