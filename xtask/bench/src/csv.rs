//! Writes a suite's results to `target/bench/<suite>.csv`, one line per
//! case and implementation.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::report::Case;

/// The CSV header; a figure that does not apply is an empty field.
const HEADER: &str = "suite,case,impl,payload_bytes,iterations,p50_ns,p99_ns,p999_ns,max_ns,throughput_ops_s";

/// Writes `cases` of `suite` to `<target dir>/bench/<suite>.csv` (the
/// target directory is `CARGO_TARGET_DIR` or the workspace's `target`)
/// and returns the path.
pub fn write(suite: &str, cases: &[Case]) -> io::Result<PathBuf> {
    let dir = target_dir().join("bench");
    fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{suite}.csv"));
    fs::write(&path, render(suite, cases))?;
    Ok(path)
}

/// The file's text.
fn render(suite: &str, cases: &[Case]) -> String {
    let mut text = format!("{HEADER}\n");
    for case in cases {
        for row in &case.rows {
            let figures = match row.latency {
                Some(s) => [s.p50, s.p99, s.p999, s.max].map(|ns| format!("{ns:.1}")),
                None => Default::default(),
            };
            let throughput = row.throughput_ops_s.map(|ops| format!("{ops:.0}")).unwrap_or_default();
            text.push_str(&format!(
                "{suite},{},{},{},{},{},{throughput}\n",
                case.name,
                row.implementation,
                case.payload_bytes,
                row.iterations,
                figures.join(",")
            ));
        }
    }
    text
}

/// `CARGO_TARGET_DIR`, else the workspace's `target` directory.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            // This crate lives at `<workspace>/xtask/bench`.
            let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
            manifest_dir.ancestors().nth(2).unwrap_or(manifest_dir).join("target")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Row;
    use crate::stats::Summary;

    #[test]
    fn leaves_figures_that_do_not_apply_empty() {
        let row = |latency, throughput_ops_s| Row {
            implementation: "x",
            iterations: 10,
            latency,
            throughput_ops_s,
            ratio: 1.0,
        };
        let summary = Summary {
            p50: 1.0,
            p99: 2.0,
            p999: 3.0,
            max: 4.0,
        };
        let cases = [
            Case {
                name: "lat",
                title: String::new(),
                payload_bytes: 4,
                rows: vec![row(Some(summary), None)],
            },
            Case {
                name: "thr",
                title: String::new(),
                payload_bytes: 4,
                rows: vec![row(None, Some(2.5e6))],
            },
        ];
        assert_eq!(
            render("s", &cases),
            format!("{HEADER}\ns,lat,x,4,10,1.0,2.0,3.0,4.0,\ns,thr,x,4,10,,,,,2500000\n")
        );
    }
}
