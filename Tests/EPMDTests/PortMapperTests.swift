import Testing
@testable import EPMD

@Suite struct PortMapperPortTests {
    @Test func portComesFromTheEnvironment() {
        #expect(PortMapper.defaultPort(environment: [:]) == 4369)
        #expect(PortMapper.defaultPort(environment: ["ERL_EPMD_PORT": "4370"]) == 4370)
        #expect(PortMapper.defaultPort(environment: ["ERL_EPMD_PORT": "junk"]) == 4369)
    }
}
