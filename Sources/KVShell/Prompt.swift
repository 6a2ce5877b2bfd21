/// iex's prompts: `iex(foo@vm)3> ` and `...(foo@vm)3> `, or `iex(3)> ` without a node name.
public struct Prompt: Sendable, Equatable {
    /// The node name shown in the prompt, `nil` when the node is not distributed.
    public var nodeName: String?

    public init(nodeName: String? = nil) {
        self.nodeName = nodeName
    }

    /// The prompt for a new expression.
    public func primary(counter: Int) -> String {
        "iex" + label(counter)
    }

    /// The prompt for a further line of an unfinished expression.
    public func continuation(counter: Int) -> String {
        "..." + label(counter)
    }

    private func label(_ counter: Int) -> String {
        if let nodeName { return "(\(nodeName))\(counter)> " }
        return "(\(counter))> "
    }
}
