//! The Landlock helper as a binary of its own: the same work as `lanyard
//! __lanyard-sandbox-exec`, in a small program that starts in a fraction of the time the full
//! `lanyard` binary takes to load. Runners use it when it sits beside their `lanyard` binary.

fn main() {
    let mut args = std::env::args_os().skip(1);
    match args.next() {
        Some(first) if first == lanyard_sandbox::landlock::HELPER_ARG => {
            lanyard_sandbox::landlock::helper_main(args)
        }
        _ => {
            eprintln!(
                "lanyard-sandbox-exec runs inside a job's sandbox, started by a Lanyard runner; \
                 it is not meant to be run by hand"
            );
            std::process::exit(2)
        }
    }
}
