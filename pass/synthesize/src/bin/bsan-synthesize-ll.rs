//! Development driver: run retag synthesis on a textual or bitcode IR file without the
//! plugin, verify the result, print it.
//!
//! `bsan-synthesize-ll [--stage rust-crate|rust-lto|clang] [--no-verify] in.ll > out.ll`
//! Statistics go to stderr. Links libLLVM (the library does not).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use bsan_synthesize::{synthesize_module, Stage};
use inkwell::context::Context;
use inkwell::memory_buffer::MemoryBuffer;

fn main() -> ExitCode {
    let mut stage = Stage::RustCrate;
    let mut verify = true;
    let mut input: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--stage" => {
                let s = args.next().unwrap_or_default();
                match Stage::from_param(&s) {
                    Some(st) => stage = st,
                    None => {
                        eprintln!("unknown stage {s:?}");
                        return ExitCode::from(2);
                    }
                }
            }
            "--no-verify" => verify = false,
            _ => input = Some(PathBuf::from(a)),
        }
    }
    let Some(input) = input else {
        eprintln!("usage: bsan-synthesize-ll [--stage S] [--no-verify] in.ll");
        return ExitCode::from(2);
    };
    let ctx = Context::create();
    let buf = match MemoryBuffer::create_from_file(&input) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{}: {e}", input.display());
            return ExitCode::from(2);
        }
    };
    let module = match ctx.create_module_from_ir(buf) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{}: {e}", input.display());
            return ExitCode::from(2);
        }
    };
    let stats = synthesize_module(&module, stage);
    eprintln!("bsan-synthesize: {stats}");
    if verify {
        if let Err(e) = module.verify() {
            eprintln!("verifier: {e}");
            return ExitCode::from(1);
        }
    }
    // A reader that stops early (FileCheck on failure) is not an error of ours.
    let _ = std::io::stdout().write_all(module.print_to_string().to_bytes());
    ExitCode::SUCCESS
}
