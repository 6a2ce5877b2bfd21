import Testing
@testable import NodeRuntime

@Test func nodeRuntimeBuilds() {}
