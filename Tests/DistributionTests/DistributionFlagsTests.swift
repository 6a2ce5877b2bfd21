import Testing
@testable import Distribution

@Suite struct DistributionFlagsTests {
    @Test func kvshAdvertisesTheSetOTP25AcceptedAndTheAtomCache() {
        #expect(DistributionFlags.kvsh.rawValue == 0xD075F7FBD)
        #expect(DistributionFlags.kvsh.contains(.distHeaderAtomCache))
        #expect(!DistributionFlags.kvsh.contains(.fragments))
        #expect(DistributionFlags.kvsh.isSuperset(of: .mandatory))
    }
}
