//! `cargo run -p tend-instruments --example chart -- who5 > who5.svg`: a sample chart.

use time::macros::date;

fn main() {
    let id = std::env::args().nth(1).unwrap_or_else(|| "who5".to_owned());
    let Ok(catalog) = tend_instruments::Catalog::embedded() else {
        std::process::exit(1);
    };
    let Some(ins) = catalog.get(&id) else {
        eprintln!("unknown instrument {id}");
        std::process::exit(2);
    };
    let (lo, hi) = ins.score_range();
    let points = [
        (date!(2025 - 01 - 06), lo + (hi - lo) * 0.2),
        (date!(2025 - 01 - 20), lo + (hi - lo) * 0.45),
        (date!(2025 - 02 - 17), lo + (hi - lo) * 0.4),
        (date!(2025 - 03 - 03), lo + (hi - lo) * 0.7),
    ];
    println!("{}", tend_instruments::render_chart_svg(ins, &points));
    eprintln!("{}", tend_instruments::render_chart_table(ins, &points));
}
