import Testing
@testable import KVShell

@Test func kVShellBuilds() {}
