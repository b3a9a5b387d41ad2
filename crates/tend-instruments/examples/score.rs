//! `cargo run -p tend-instruments --example score -- phq9 0 0 0 0 0 0 0 0 1`
//! The same entry point the `tend score` sub-command calls.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match tend_instruments::run_score_command(&args) {
        Ok(json) => println!("{json}"),
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    }
}
