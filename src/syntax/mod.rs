//! Bytes to a lossless syntax tree.
