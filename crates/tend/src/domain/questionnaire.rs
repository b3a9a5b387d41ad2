//! Questionnaire responses as personal records (issue 3).
