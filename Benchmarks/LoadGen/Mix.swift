import Foundation

/// The weights of the operations, parsed from `create=5,put=35,...`; picks one operation per
/// command with a probability proportional to its weight.
struct Mix: Sendable {
    /// load.py's default, so that both tools run the same load unless told otherwise.
    static let standard = "create=5,put=35,get=45,delete=10,missing=4,unknown=1"

    private let operations: [Operation]
    private let cumulative: [Double]

    init(parsing text: String) throws(MixError) {
        var weights: [Operation: Double] = [:]
        for part in text.split(separator: ",") where !part.allSatisfy(\.isWhitespace) {
            let pair = part.split(separator: "=", omittingEmptySubsequences: false)
            guard pair.count == 2 else { throw .notAPair(String(part)) }
            let name = pair[0].trimmingCharacters(in: .whitespaces)
            guard let operation = Operation(rawValue: name) else { throw .unknownOperation(name) }
            guard let weight = Double(pair[1].trimmingCharacters(in: .whitespaces)), weight >= 0, weight.isFinite else {
                throw .badWeight(String(part))
            }
            weights[operation] = weight
        }
        operations = Operation.allCases.filter { (weights[$0] ?? 0) > 0 }
        guard !operations.isEmpty else { throw .empty(text) }
        var total = 0.0
        cumulative = operations.map { total += weights[$0]!; return total }
    }

    func pick(using generator: inout some RandomNumberGenerator) -> Operation {
        let point = Double.random(in: 0..<cumulative.last!, using: &generator)
        let index = cumulative.firstIndex { point < $0 } ?? operations.count - 1
        return operations[index]
    }
}

enum MixError: Error, CustomStringConvertible {
    case notAPair(String)
    case unknownOperation(String)
    case badWeight(String)
    case empty(String)

    var description: String {
        let known = Operation.allCases.map(\.rawValue).joined(separator: ", ")
        switch self {
        case .notAPair(let part): return "--mix: \"\(part)\" is not NAME=WEIGHT"
        case .unknownOperation(let name): return "--mix: unknown operation \"\(name)\" (known: \(known))"
        case .badWeight(let part): return "--mix: \"\(part)\" needs a weight that is a number ≥ 0"
        case .empty(let text): return "--mix: \"\(text)\" gives every operation weight 0"
        }
    }
}
