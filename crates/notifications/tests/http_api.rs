//! The Notify HTTP API on a real port (filled in below).
