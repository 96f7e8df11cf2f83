//! Detects whether the runtime is compiled with frame pointers (`-Cforce-frame-pointers=yes`
//! in `RUSTFLAGS`, as the xtask build passes it) and sets `cfg(bsan_frame_pointers)`, which
//! lets `sys::caller_pc` read return addresses through the frame pointer. Without frame
//! pointers that read would be garbage, so `caller_pc` returns 0 ("unknown site") instead.
//! `BSAN_RT_FRAME_POINTERS=1` forces the cfg on (for builds passing the flag another way).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(bsan_frame_pointers)");
    println!("cargo::rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    println!("cargo::rerun-if-env-changed=BSAN_RT_FRAME_POINTERS");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let forced = std::env::var("BSAN_RT_FRAME_POINTERS").is_ok_and(|v| v == "1");
    if forced || frame_pointers_forced(flags.split('\x1f')) {
        println!("cargo::rustc-cfg=bsan_frame_pointers");
    }
}

/// Whether the last `force-frame-pointers` codegen option among `flags` turns them on.
fn frame_pointers_forced<'a>(flags: impl Iterator<Item = &'a str>) -> bool {
    let mut on = false;
    let mut after_dash_c = false;
    for flag in flags {
        let opt = if after_dash_c {
            Some(flag)
        } else {
            flag.strip_prefix("-C").filter(|o| !o.is_empty())
        };
        after_dash_c = flag == "-C" || flag == "--codegen";
        let Some(opt) = opt else { continue };
        if let Some(value) = opt.strip_prefix("force-frame-pointers") {
            on = matches!(value, "" | "=yes" | "=y" | "=on" | "=true" | "=always");
        }
    }
    on
}
