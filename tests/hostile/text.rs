//! Server text that tries to become a workflow command; answers that would panic;
//! a minted token that must never be lost.
