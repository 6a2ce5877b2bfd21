import ETF

/// A signal between two connected nodes, as the distribution protocol carries it in one frame
/// (`erl_dist_protocol.md`, "Protocol between connected nodes").
///
/// These are the plain values; the bytes live in `ControlMessage+ETF.swift`. Trace-token forms
/// (`SEND_TT` and friends) decode to the same cases with the token dropped, since kvsh does not
/// take part in `seq_trace`; the old EXIT, EXIT2 and MONITOR_P_EXIT forms decode to the same cases
/// as their payload forms.
public enum ControlMessage: Sendable, Equatable {
    /// `LINK` (1): `from` links to `to`.
    case link(from: Pid, to: Pid)
    /// `SEND` (2): a message to a pid, without a sender (OTP sends `sendSender` instead once
    /// SEND_SENDER is negotiated).
    case send(to: Pid, message: Term)
    /// `EXIT` (3, or 24 with the reason as payload): a linked process died with `reason`.
    case exit(from: Pid, to: Pid, reason: Term)
    /// `UNLINK` (4): the old unlink without an id, from peers that lack UNLINK_ID.
    case unlink(from: Pid, to: Pid)
    /// `REG_SEND` (6): a message to the process registered as `toName` on the receiving node.
    case regSend(from: Pid, toName: Atom, message: Term)
    /// `GROUP_LEADER` (7): `from` sets the group leader of `to` to itself.
    case groupLeader(from: Pid, to: Pid)
    /// `EXIT2` (8, or 26 with the reason as payload): `exit(to, reason)` called by `from`.
    case exit2(from: Pid, to: Pid, reason: Term)
    /// `MONITOR_P` (19): `from` monitors `target` on the receiving node.
    case monitor(from: Pid, target: MonitorTarget, ref: Reference)
    /// `DEMONITOR_P` (20): `from` drops the monitor `ref` on `target`.
    case demonitor(from: Pid, target: MonitorTarget, ref: Reference)
    /// `MONITOR_P_EXIT` (21, or 28 with the reason as payload): the monitored `target` went away;
    /// the `DOWN` message goes to `to`.
    case monitorExit(target: MonitorTarget, to: Pid, ref: Reference, reason: Term)
    /// `SEND_SENDER` (22): a message to a pid, naming its sender.
    case sendSender(from: Pid, to: Pid, message: Term)
    /// `SPAWN_REQUEST` (29): `from` asks the receiving node to spawn `module:function(arguments…)`.
    /// `arity` is what the requester wrote in its `{M, F, A}` triple; `options` is the spawn
    /// option list (`[:monitor]`, `[:link]`, …) and `arguments` the argument list, both as sent.
    case spawnRequest(
        id: Reference, from: Pid, groupLeader: Pid, module: Atom, function: Atom, arity: Int,
        options: Term, arguments: Term
    )
    /// `SPAWN_REPLY` (31): the answer to the spawn request `id`; `result` is the new pid, or an
    /// error atom such as `:badarg` or `:system_limit`.
    case spawnReply(id: Reference, to: Pid, flags: SpawnReplyFlags, result: Term)
    /// `ALIAS_SEND` (33): a message to a process alias (the reply path of `GenServer.call`).
    case aliasSend(from: Pid, alias: Reference, message: Term)
    /// `UNLINK_ID` (35): `from` unlinks from `to`; the id pairs the request with its ack.
    case unlinkID(id: UInt64, from: Pid, to: Pid)
    /// `UNLINK_ID_ACK` (36): `from` acknowledges the unlink `id` that `to` sent.
    case unlinkIDAck(id: UInt64, from: Pid, to: Pid)
}

/// What a monitor watches: a process, or the name of a registered process on the monitored node
/// (the node is implicit, it is the one the signal travels to or from).
public enum MonitorTarget: Sendable, Equatable {
    case pid(Pid)
    case name(Atom)
}

/// The flags of a `SPAWN_REPLY`: whether the new process was linked to and monitored by the
/// requester, as the request's options asked.
public struct SpawnReplyFlags: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let link = SpawnReplyFlags(rawValue: 1)
    public static let monitor = SpawnReplyFlags(rawValue: 2)
}
