import Testing
@testable import ElixirSyntax

@Test func elixirSyntaxBuilds() {}
