/// Capability flags exchanged in the handshake (`DFLAG_*` in OTP's `dist.hrl`).
public struct DistributionFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let published = DistributionFlags(rawValue: 0x1)
    public static let atomCache = DistributionFlags(rawValue: 0x2)
    public static let extendedReferences = DistributionFlags(rawValue: 0x4)
    public static let distMonitor = DistributionFlags(rawValue: 0x8)
    public static let funTags = DistributionFlags(rawValue: 0x10)
    public static let distMonitorName = DistributionFlags(rawValue: 0x20)
    public static let hiddenAtomCache = DistributionFlags(rawValue: 0x40)
    public static let newFunTags = DistributionFlags(rawValue: 0x80)
    public static let extendedPidsPorts = DistributionFlags(rawValue: 0x100)
    public static let exportPtrTag = DistributionFlags(rawValue: 0x200)
    public static let bitBinaries = DistributionFlags(rawValue: 0x400)
    public static let newFloats = DistributionFlags(rawValue: 0x800)
    public static let unicodeIO = DistributionFlags(rawValue: 0x1000)
    public static let distHeaderAtomCache = DistributionFlags(rawValue: 0x2000)
    public static let smallAtomTags = DistributionFlags(rawValue: 0x4000)
    public static let utf8Atoms = DistributionFlags(rawValue: 0x10000)
    public static let mapTag = DistributionFlags(rawValue: 0x20000)
    public static let bigCreation = DistributionFlags(rawValue: 0x40000)
    public static let sendSender = DistributionFlags(rawValue: 0x80000)
    public static let bigSeqtraceLabels = DistributionFlags(rawValue: 0x100000)
    public static let exitPayload = DistributionFlags(rawValue: 0x400000)
    public static let fragments = DistributionFlags(rawValue: 0x800000)
    public static let handshake23 = DistributionFlags(rawValue: 0x1000000)
    public static let unlinkID = DistributionFlags(rawValue: 0x2000000)
    public static let mandatory25Digest = DistributionFlags(rawValue: 0x4000000)
    public static let spawn = DistributionFlags(rawValue: 1 << 32)
    public static let nameMe = DistributionFlags(rawValue: 1 << 33)
    public static let v4NC = DistributionFlags(rawValue: 1 << 34)
    public static let alias = DistributionFlags(rawValue: 1 << 35)

    /// What kvsh advertises: the set OTP 25 accepted on this machine (PROTOCOL.md) and the atom
    /// cache (`AtomCache`: PROTOCOL.md leaves it out for simplicity, but without it an OTP peer
    /// spends longer on every message to kvsh than to another BEAM node). Not fragments: kvsh
    /// sends and takes each message in one frame.
    public static let kvsh: DistributionFlags = [
        .published, .extendedReferences, .distMonitor, .funTags, .distMonitorName, .newFunTags,
        .extendedPidsPorts, .exportPtrTag, .bitBinaries, .newFloats, .unicodeIO, .distHeaderAtomCache, .smallAtomTags,
        .utf8Atoms, .mapTag, .bigCreation, .sendSender, .bigSeqtraceLabels, .exitPayload,
        .handshake23, .unlinkID, .mandatory25Digest, .spawn, .v4NC, .alias,
    ]

    /// What OTP 25 requires of a peer (`DFLAG_DIST_MANDATORY`): without any of these it refuses.
    public static let mandatory = DistributionFlags(rawValue: 0x1070F94)
}
