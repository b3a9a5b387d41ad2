//! Weekly goals and the hours a week really has.
