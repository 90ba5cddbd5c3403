//! Prints a case as an aligned text table: implementation, latency
//! percentiles, throughput and the ratio to the baseline.

use crate::report::Case;

/// Prints `case` with its title; `-` marks a figure that does not apply.
pub fn print(case: &Case) {
    let name_width = case
        .rows
        .iter()
        .map(|row| row.implementation.len())
        .chain([4])
        .max()
        .unwrap_or(4);
    println!("\n{}", case.title);
    println!(
        "{:name_width$} {:>9} {:>9} {:>9} {:>9} {:>12} {:>6}",
        "impl", "p50 ns", "p99 ns", "p99.9 ns", "max ns", "Mops/s", "ratio"
    );
    for row in &case.rows {
        let [p50, p99, p999, max] = match row.latency {
            Some(s) => [s.p50, s.p99, s.p999, s.max].map(|ns| format!("{ns:.1}")),
            None => ["-"; 4].map(str::to_owned),
        };
        let throughput = row
            .throughput_ops_s
            .map_or_else(|| "-".to_owned(), |ops| format!("{:.2}", ops / 1e6));
        println!(
            "{:name_width$} {p50:>9} {p99:>9} {p999:>9} {max:>9} {throughput:>12} {:>6.2}",
            row.implementation, row.ratio
        );
    }
}
