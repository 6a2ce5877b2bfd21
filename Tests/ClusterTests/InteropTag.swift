import Testing

extension Tag {
    /// Tests that start real `erl`/`elixir` nodes next to kvsh nodes: one cluster, both engines.
    /// They run in `make test` (which installs Erlang and Elixir) and are skipped, with a message
    /// saying what to install, where either is missing.
    @Tag static var interop: Tag
}
