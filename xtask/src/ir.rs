//! IR tests: every `.ll` under `pass/tests/ir/` and `pass/synthesize/tests/ir/` carries
//! `; RUN:` lines (lit-style, `%plugin` and `%s` substituted) run with `sh -c`; each RUN line
//! must exit 0 (typically `opt-22 ... | FileCheck-22 %s`).
use crate::build::Install;
use crate::e2e::Summary;
use crate::workspace_root;
use std::path::PathBuf;
use std::process::Command;

fn ir_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["pass/tests/ir", "pass/synthesize/tests/ir"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            files.extend(
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "ll")),
            );
        }
    }
    files.sort();
    files
}

pub fn run(install: &Install, summary: &mut Summary) -> Result<(), String> {
    let plugin = install.root.join("lib/libbsan_pass.so");
    let files = ir_files();
    println!("\nIR tests: {} files", files.len());
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let name = file
            .strip_prefix(workspace_root())
            .unwrap_or(&file)
            .display()
            .to_string();
        let runs: Vec<String> = text
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("; RUN:"))
            .map(|cmd| {
                cmd.replace("%plugin", &plugin.to_string_lossy())
                    .replace("%s", &file.to_string_lossy())
            })
            .collect();
        if runs.is_empty() {
            summary.fail(format!("{name}: no RUN line"));
            continue;
        }
        let mut ok = true;
        for cmd in runs {
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!("set -o pipefail 2>/dev/null; {cmd}"))
                .output();
            match out {
                Ok(o) if o.status.success() => {}
                Ok(o) => {
                    ok = false;
                    eprintln!(
                        "--- {name}: `{cmd}` failed:\n{}{}",
                        String::from_utf8_lossy(&o.stdout),
                        String::from_utf8_lossy(&o.stderr)
                    );
                }
                Err(e) => {
                    ok = false;
                    eprintln!("--- {name}: cannot run sh: {e}");
                }
            }
        }
        if ok {
            println!("ir {name} ... ok");
            summary.passed += 1;
        } else {
            println!("ir {name} ... FAILED");
            summary.fail(name);
        }
    }
    Ok(())
}
