fn main() -> std::process::ExitCode {
    medal_server::host::cli::main()
}
