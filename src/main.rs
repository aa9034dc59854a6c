fn main() -> std::process::ExitCode {
    interlog::cli::main()
}
