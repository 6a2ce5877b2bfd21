import Testing
@testable import Distribution

@Suite struct DistributionFlagsTests {
    @Test func kvshAdvertisesTheSetOTP25Accepted() {
        #expect(DistributionFlags.kvsh.rawValue == 0xD075F5FBD)
        #expect(DistributionFlags.kvsh.isSuperset(of: .mandatory))
    }
}
