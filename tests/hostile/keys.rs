//! Key-service answers and kms-key values a hostile world sends.
