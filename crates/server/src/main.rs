fn main() -> std::process::ExitCode {
    medal_server::ssr::cli::main()
}
