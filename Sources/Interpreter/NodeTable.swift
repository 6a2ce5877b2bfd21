import ETF
import NodeRuntime
import Synchronization

/// The nodes this node has heard of, and the number each one shows in `#PID<N.id.serial>`.
///
/// The BEAM prints a remote pid's node as the index of the node name in its atom table
/// (`#PID<12325.112.0>` on an iex node with some twelve thousand atoms; `0` for its own pids).
/// kvsh's atoms have the same kind of table, so a node's number here is its name's atom index:
/// the order in which the name was first seen, stable for the life of the program, and the same
/// from every process. Numbers are smaller than iex's because kvsh starts with fewer atoms.
public final class NodeTable: Sendable {
    public let local: Atom
    /// Other nodes in the order this node first dealt with them (`Node.list(:known)`).
    private let seen = Mutex<[Atom]>([])

    public init(local: Atom) {
        self.local = local
    }

    /// `N` of `#PID<N.…>` for a pid, reference or port of `node`: 0 for this node.
    public func number(of node: Atom) -> Int {
        node == local ? 0 : Self.remoteNumber(of: node)
    }

    /// How any node other than `node` numbers it (what a peer's shell shows for our pids).
    static func remoteNumber(of node: Atom) -> Int {
        // Atom 0 is whatever the program interned first; a node is never shown as 0 but its own.
        max(Int(node.index), 1)
    }

    /// Records that this node dealt with `node` (spawned there, connected, pinged, monitored).
    public func note(_ node: Atom) {
        guard node != local else { return }
        seen.withLock { nodes in
            if !nodes.contains(node) { nodes.append(node) }
        }
    }

    /// Every node heard of, this one last, as `Node.list(:known)` lists them.
    public var known: [Atom] { seen.withLock { $0 } + [local] }

    /// `base` with this table's numbering of pids, references and ports.
    public func inspectOptions(_ base: InspectOptions = InspectOptions()) -> InspectOptions {
        var options = base
        let local = self.local
        options.pidNodeNumber = { pid in pid.node == local ? 0 : NodeTable.remoteNumber(of: pid.node) }
        options.referenceNodeNumber = { ref in ref.node == local ? 0 : NodeTable.remoteNumber(of: ref.node) }
        options.portNodeNumber = { port in port.node == local ? 0 : NodeTable.remoteNumber(of: port.node) }
        return options
    }
}
