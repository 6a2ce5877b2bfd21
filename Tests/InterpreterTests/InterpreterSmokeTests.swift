import Testing
@testable import Interpreter

@Test func interpreterBuilds() {}
