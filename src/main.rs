fn main() -> std::process::ExitCode {
    match cytologia::runtime::run(cytologia::cli::main) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
