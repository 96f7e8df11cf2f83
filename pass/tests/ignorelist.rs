//! Unit tests of the ignorelist's parser and matcher. The plugin is a cdylib bound to the
//! host's LLVM symbols, so it has no unit-test binary of its own; the module is pure Rust and
//! is compiled into this test binary instead (its tests are in the module).
#[allow(dead_code)]
#[path = "../src/ignorelist.rs"]
mod ignorelist;
