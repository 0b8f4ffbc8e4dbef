#[tokio::main]
async fn main() -> std::process::ExitCode {
    cytologia::cli::main().await
}
