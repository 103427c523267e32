//! The official Python client against a real port (filled in below).
