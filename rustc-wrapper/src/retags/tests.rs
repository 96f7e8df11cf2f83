//! The probe and its cache, against fake `rustc` shell scripts.
//!
//! Every script is written once, before any test spawns a process (a script still open for
//! writing in a child forked by another test thread fails to exec with ETXTBSY), and each
//! test uses its own script, so the script's probe log counts that test's probes only.
use super::*;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::sync::OnceLock;

/// How a fake rustc answers the probe compile.
#[derive(Clone, Copy)]
enum Behaviour {
    Accept,
    /// Like rustc 1.95 / nightly-2026-05-19: `unknown unstable option`.
    Reject,
    /// Like an early nightly whose flag was a boolean: refuses the option list.
    RejectOptions,
    /// Fails without naming the flag.
    Break,
}

/// (script name, behaviour, commit hash in `-vV`)
const SCRIPTS: &[(&str, Behaviour, &str)] = &[
    ("accept_cached", Behaviour::Accept, "1111111"),
    ("accept_corrupt", Behaviour::Accept, "2222222"),
    ("accept_concurrent", Behaviour::Accept, "3333333"),
    ("accept_unwritable", Behaviour::Accept, "4444444"),
    ("accept_local_build", Behaviour::Accept, "unknown"),
    ("reject_cached", Behaviour::Reject, "5555555"),
    ("reject_options", Behaviour::RejectOptions, "6666666"),
    ("never_probed", Behaviour::Reject, "7777777"),
    ("broken", Behaviour::Break, "8888888"),
];

fn version_text(hash: &str) -> String {
    format!(
        "rustc 1.99.0-nightly ({hash} 2026-09-01)\nbinary: rustc\ncommit-hash: {hash}\n\
         commit-date: 2026-09-01\nhost: x86_64-unknown-linux-gnu\nrelease: 1.99.0-nightly\n\
         LLVM version: 22.1.8\n"
    )
}

fn script(behaviour: Behaviour, hash: &str, log: &Path) -> String {
    let answer = match behaviour {
        Behaviour::Accept => "exit 0".to_string(),
        Behaviour::Reject => {
            "echo 'error: unknown unstable option: `codegen-emit-retag`' >&2; exit 1".to_string()
        }
        Behaviour::RejectOptions => "echo 'error: incorrect value `no-precise-im,no-precise-pin` \
             for unstable option `codegen-emit-retag` - a boolean was expected' >&2; exit 1"
            .to_string(),
        Behaviour::Break => {
            "echo 'error: cannot write to the output directory' >&2; exit 1".to_string()
        }
    };
    // The probe must run with RUSTC_BOOTSTRAP=1, both flag spellings, metadata only, from
    // stdin (closed), into a directory that exists.
    format!(
        r#"#!/bin/sh
if [ "$1" = "-vV" ]; then printf '%s' '{version}'; exit 0; fi
echo "$*" >> '{log}'
case " $* " in
  *" -Zcodegen-emit-retag=no-precise-im,no-precise-pin -Zcodegen-emit-retag "*) ;;
  *) echo "bad probe flags: $*" >&2; exit 3 ;;
esac
case " $* " in *" --emit=metadata "*" - "*) ;; *) echo "bad probe: $*" >&2; exit 3 ;; esac
[ "$RUSTC_BOOTSTRAP" = 1 ] || {{ echo 'no RUSTC_BOOTSTRAP' >&2; exit 3; }}
out=$(echo "$*" | sed 's/.*--out-dir \([^ ]*\).*/\1/')
[ -d "$out" ] || {{ echo "no out dir $out" >&2; exit 3; }}
[ -z "$(cat)" ] || {{ echo 'stdin not empty' >&2; exit 3; }}
{answer}
"#,
        version = version_text(hash),
        log = log.display(),
    )
}

struct Fixtures {
    root: PathBuf,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        // Next to the test binary (inside the target dir); directories of earlier runs
        // whose process is gone are removed.
        let exe = std::env::current_exe().unwrap();
        let parent = exe.parent().unwrap();
        for entry in std::fs::read_dir(parent).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("bsan-retags-test-") {
                if !Path::new("/proc").join(pid).exists() {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let root = parent.join(format!("bsan-retags-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for &(name, behaviour, hash) in SCRIPTS {
            let dir = root.join(name);
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("rustc");
            std::fs::write(&path, script(behaviour, hash, &dir.join("probes"))).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Fixtures { root }
    })
}

/// The fake rustc `name`, probed with `-vV` like the drivers do, and a fresh cache for it.
fn setup(name: &str) -> (Rustc, ProbeCache) {
    let f = fixtures();
    let path: OsString = f.root.join(name).join("rustc").into();
    let rustc = Rustc::probe(path, None).unwrap();
    (rustc, ProbeCache::at(f.root.join(name).join("cache")))
}

fn probes(name: &str) -> usize {
    std::fs::read_to_string(fixtures().root.join(name).join("probes"))
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

fn retags(request: Request, cache: &ProbeCache) -> Retags {
    Retags {
        request,
        cache: cache.clone(),
    }
}

fn cache_files(cache: &ProbeCache) -> Vec<PathBuf> {
    match std::fs::read_dir(cache.dir.as_ref().unwrap()) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn requests_parse_and_bad_values_list_the_choices() {
    assert_eq!(Request::parse(None).unwrap(), Request::Auto);
    assert_eq!(Request::parse(Some("".as_ref())).unwrap(), Request::Auto);
    assert_eq!(
        Request::parse(Some("auto".as_ref())).unwrap(),
        Request::Auto
    );
    assert_eq!(
        Request::parse(Some("intrinsics".as_ref())).unwrap(),
        Request::Intrinsics
    );
    assert_eq!(
        Request::parse(Some("synthesized".as_ref())).unwrap(),
        Request::Synthesized
    );
    let err = Request::parse(Some("upstream".as_ref()))
        .unwrap_err()
        .to_string();
    for word in [
        "BSAN_RETAGS=`upstream`",
        "auto",
        "intrinsics",
        "synthesized",
    ] {
        assert!(err.contains(word), "{err}");
    }
}

#[test]
fn accepting_rustc_is_probed_once_then_read_from_the_cache() {
    let (rustc, cache) = setup("accept_cached");
    let first = retags(Request::Auto, &cache).decide(&rustc).unwrap();
    assert_eq!(first.source, Source::Intrinsics);
    assert!(
        first.reason.contains("probed, cached in"),
        "{}",
        first.reason
    );
    assert_eq!(probes("accept_cached"), 1);
    for request in [Request::Auto, Request::Intrinsics] {
        let again = retags(request, &cache).decide(&rustc).unwrap();
        assert_eq!(again.source, Source::Intrinsics);
        assert!(again.reason.contains("(cached in"), "{}", again.reason);
    }
    assert_eq!(probes("accept_cached"), 1, "a cache hit must not probe");
    let files = cache_files(&cache);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(is_cache_file(&files[0]));
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.ends_with(&rustc.version), "{text}");
    assert!(text.contains("codegen-emit-retag: accepted"), "{text}");
}

#[test]
fn rejecting_rustc_falls_back_or_errors_and_is_cached() {
    let (rustc, cache) = setup("reject_cached");
    let d = retags(Request::Auto, &cache).decide(&rustc).unwrap();
    assert_eq!(d.source, Source::Synthesized);
    assert!(
        d.reason.contains("does not accept -Zcodegen-emit-retag"),
        "{}",
        d.reason
    );
    let err = retags(Request::Intrinsics, &cache)
        .decide(&rustc)
        .unwrap_err()
        .to_string();
    for word in [
        "BSAN_RETAGS=intrinsics",
        "rustc 1.99.0-nightly (5555555 2026-09-01)",
        "nightly",
        "rust-lang/rust#159245",
    ] {
        assert!(err.contains(word), "missing {word}: {err}");
    }
    assert_eq!(probes("reject_cached"), 1);
}

#[test]
fn a_flag_without_the_range_options_counts_as_missing() {
    let (rustc, cache) = setup("reject_options");
    let d = retags(Request::Auto, &cache).decide(&rustc).unwrap();
    assert_eq!(d.source, Source::Synthesized);
    assert_eq!(cache.load(&rustc.version), Some(false));
}

#[test]
fn synthesized_never_probes() {
    let (rustc, cache) = setup("never_probed");
    let d = retags(Request::Synthesized, &cache).decide(&rustc).unwrap();
    assert_eq!(d.source, Source::Synthesized);
    assert_eq!(probes("never_probed"), 0);
    assert!(cache_files(&cache).is_empty());
}

#[test]
fn corrupt_or_foreign_cache_files_are_reprobed_and_replaced() {
    let (rustc, cache) = setup("accept_corrupt");
    let file = cache.file_for(&rustc.version).unwrap();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let bad_entries = [
        "garbage".to_string(),
        String::new(),
        format!(
            "{CACHE_FORMAT}\ncodegen-emit-retag: maybe\n{}",
            rustc.version
        ),
        // A colliding (or hand-copied) entry for another toolchain: not this key.
        format!(
            "{CACHE_FORMAT}\ncodegen-emit-retag: rejected\n{}",
            version_text("9")
        ),
        format!(
            "bsan retag probe 0\ncodegen-emit-retag: rejected\n{}",
            rustc.version
        ),
        // Truncated.
        format!(
            "{CACHE_FORMAT}\ncodegen-emit-retag: rejected\n{}",
            &rustc.version[..20]
        ),
    ];
    for (i, bad) in bad_entries.iter().enumerate() {
        std::fs::write(&file, bad).unwrap();
        assert_eq!(cache.load(&rustc.version), None, "{bad:?}");
        let d = retags(Request::Auto, &cache).decide(&rustc).unwrap();
        assert_eq!(d.source, Source::Intrinsics, "{bad:?}");
        assert_eq!(probes("accept_corrupt"), i + 1);
        assert_eq!(cache.load(&rustc.version), Some(true), "replaced");
    }
    // A directory where the file should be: probed every time, still decided.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let d = retags(Request::Auto, &cache).decide(&rustc).unwrap();
    assert_eq!(d.source, Source::Intrinsics);
    assert!(d.reason.contains("not cached"), "{}", d.reason);
    std::fs::remove_dir(&file).unwrap();
}

#[test]
fn unwritable_cache_still_decides() {
    let (rustc, _) = setup("accept_unwritable");
    // The cache "directory" is a regular file.
    let blocker = fixtures().root.join("accept_unwritable").join("blocker");
    std::fs::write(&blocker, b"").unwrap();
    let cache = ProbeCache::at(blocker.join("cache"));
    for n in 1..=2 {
        let d = retags(Request::Auto, &cache).decide(&rustc).unwrap();
        assert_eq!(d.source, Source::Intrinsics);
        assert!(d.reason.contains("probed, not cached"), "{}", d.reason);
        assert_eq!(probes("accept_unwritable"), n);
    }
    let none = ProbeCache { dir: None };
    let d = retags(Request::Auto, &none).decide(&rustc).unwrap();
    assert_eq!(d.source, Source::Intrinsics);
}

#[test]
fn failed_probes_are_not_cached() {
    let (rustc, cache) = setup("broken");
    let d = retags(Request::Auto, &cache).decide(&rustc).unwrap();
    assert_eq!(d.source, Source::Synthesized);
    assert!(
        d.reason.contains("cannot write to the output directory"),
        "{}",
        d.reason
    );
    let err = retags(Request::Intrinsics, &cache)
        .decide(&rustc)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot write to the output directory"),
        "{err}"
    );
    assert_eq!(probes("broken"), 2);
    assert!(cache_files(&cache).is_empty());
}

#[test]
fn builds_without_a_commit_hash_are_probed_every_time() {
    let (rustc, cache) = setup("accept_local_build");
    assert!(!rustc.identifies_build());
    for n in 1..=2 {
        let d = retags(Request::Auto, &cache).decide(&rustc).unwrap();
        assert_eq!(d.source, Source::Intrinsics);
        assert_eq!(probes("accept_local_build"), n);
    }
    assert!(cache_files(&cache).is_empty());
}

#[test]
fn concurrent_first_uses_agree_and_leave_one_complete_file() {
    let (rustc, cache) = setup("accept_concurrent");
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (rustc, cache) = (rustc.clone(), cache.clone());
            std::thread::spawn(move || retags(Request::Auto, &cache).decide(&rustc).unwrap())
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().source, Source::Intrinsics);
    }
    let n = probes("accept_concurrent");
    assert!((1..=6).contains(&n), "{n}");
    let files = cache_files(&cache);
    assert_eq!(files.len(), 1, "temporary files left behind: {files:?}");
    assert_eq!(cache.load(&rustc.version), Some(true));
}

#[test]
fn store_is_atomic_and_load_checks_the_key() {
    let dir = fixtures().root.join("store");
    let cache = ProbeCache::at(&dir);
    let v1 = version_text("aaaaaaa");
    let v2 = version_text("bbbbbbb");
    assert_ne!(cache.file_for(&v1), cache.file_for(&v2));
    assert_eq!(cache.load(&v1), None);
    cache.store(&v1, true).unwrap();
    cache.store(&v2, false).unwrap();
    cache.store(&v2, false).unwrap();
    assert_eq!(cache.load(&v1), Some(true));
    assert_eq!(cache.load(&v2), Some(false));
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("retag-probe-")),
        "{names:?}"
    );
}

#[test]
fn explicit_flags_are_recognised() {
    let os = |s: &str| -> Vec<OsString> { s.split_whitespace().map(OsString::from).collect() };
    assert!(has_emit_retag_flag(&os("-Zcodegen-emit-retag x.rs")));
    assert!(has_emit_retag_flag(&os(
        "-Zcodegen-emit-retag=no-precise-im x.rs"
    )));
    assert!(has_emit_retag_flag(&os("-Z codegen-emit-retag x.rs")));
    assert!(!has_emit_retag_flag(&os("-Zmir-emit-retag x.rs")));
    assert!(!has_emit_retag_flag(&os("codegen-emit-retag.rs")));
}
