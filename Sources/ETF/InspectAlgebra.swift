/// A pretty-printing document, in the Wadler style Elixir's `Inspect.Algebra` uses.
///
/// The inspector builds one of these per term and `InspectDocument.format(width:)` lays it out.
/// Only the constructs that inspecting data needs are here: text, breaks (strict and flex),
/// nesting, groups and colour. Widths are UTF-8 byte counts, because that is what Elixir measures
/// (a string of `é`s breaks earlier than its character count suggests).
///
/// Only the cases that hold a document are `indirect`, so text, breaks and lists of documents
/// are stored inline: a large term makes millions of these, and a box each would dominate.
enum InspectDocument: Sendable {
    case empty
    /// Text that never breaks; `width` is its UTF-8 length.
    case text(String, width: Int)
    /// A place that prints `text` when its group is flat, else a newline and the indentation.
    /// A flex break decides on its own: it stays on the line when the next chunk still fits.
    case breakPoint(String, flex: Bool)
    /// Adds `indent` columns to the lines that breaks inside `doc` start.
    indirect case nest(InspectDocument, indent: Int)
    /// Lays out flat when the whole group fits on the rest of the line, else breaks.
    indirect case group(InspectDocument)
    case concat([InspectDocument])
    /// Zero-width escape codes around `doc`: `pre` before, `post` (the palette's reset) after.
    indirect case colored(InspectDocument, pre: String, post: String)

    static func text(_ string: String) -> InspectDocument { .text(string, width: string.utf8.count) }

    /// A strict break that prints a space when flat, as Elixir's `glue` puts between two docs.
    static let space = InspectDocument.breakPoint(" ", flex: false)
    static let flexSpace = InspectDocument.breakPoint(" ", flex: true)

    /// Whether the document is only text (coloured or not, in pieces or not) with no breaks,
    /// groups or nesting: the test Elixir uses to lay a container's elements out as flowing
    /// text rather than one per line. So `1..2`, `{}` and `MapSet.new([])` count as text.
    var isSimple: Bool {
        switch self {
        case .empty, .text: true
        case .colored(let doc, _, _): doc.isSimple
        case .concat(let docs): docs.allSatisfy(\.isSimple)
        default: false
        }
    }
}

// MARK: - Layout

extension InspectDocument {
    private enum Mode { case flat, broken }

    private struct Item {
        var indent: Int
        var mode: Mode
        var doc: InspectDocument
    }

    /// Lays the document out within `width` columns; `nil` means one line, never breaking.
    func format(width: Int?) -> String {
        var output = ""
        var stack: [Item] = [Item(indent: 0, mode: .broken, doc: self)]
        var column = 0
        while let item = stack.popLast() {
            switch item.doc {
            case .empty:
                break
            case .text(let string, let length):
                output += string
                column += length
            case .colored(let doc, let pre, let post):
                output += pre
                stack.append(Item(indent: item.indent, mode: item.mode, doc: .text(post, width: 0)))
                stack.append(Item(indent: item.indent, mode: item.mode, doc: doc))
            case .concat(let docs):
                for doc in docs.reversed() { stack.append(Item(indent: item.indent, mode: item.mode, doc: doc)) }
            case .nest(let doc, let indent):
                stack.append(Item(indent: item.indent + indent, mode: item.mode, doc: doc))
            case .group(let doc):
                let fits = item.mode == .flat || width == nil
                    || Self.fits(width: width!, column: column, first: [Item(indent: item.indent, mode: .flat, doc: doc)], rest: nil)
                stack.append(Item(indent: item.indent, mode: fits ? .flat : .broken, doc: doc))
            case .breakPoint(let string, let flex):
                if item.mode == .flat {
                    output += string
                    column += string.utf8.count
                } else if flex, let width,
                          Self.fits(width: width, column: column + string.utf8.count, placed: true, first: [], rest: stack) {
                    output += string
                    column += string.utf8.count
                } else if flex, width == nil {
                    output += string
                    column += string.utf8.count
                } else {
                    output += "\n" + String(repeating: " ", count: item.indent)
                    column = item.indent
                }
            }
        }
        return output
    }

    /// Whether the documents fit on the current line before the next break that may be taken.
    ///
    /// A group is measured alone (the text after it is not counted); a flex break measures what
    /// follows it, up to the next break of a broken group, so `rest` is the layout stack, read
    /// from its top without being changed.
    private static func fits(width: Int, column: Int, placed: Bool = false, first: [Item], rest: [Item]?) -> Bool {
        var column = column
        var placed = placed
        var pending = first
        var restIndex = (rest?.count ?? 0) - 1
        while true {
            if column > width && placed { return false }
            let item: Item
            if let next = pending.popLast() {
                item = next
            } else if let rest, restIndex >= 0 {
                item = rest[restIndex]
                restIndex -= 1
            } else {
                return true
            }
            switch item.doc {
            case .empty:
                continue
            case .text(_, let length):
                column += length
                placed = true
            case .colored(let doc, _, _):
                pending.append(Item(indent: item.indent, mode: item.mode, doc: doc))
            case .concat(let docs):
                for doc in docs.reversed() { pending.append(Item(indent: item.indent, mode: item.mode, doc: doc)) }
            case .nest(let doc, let indent):
                pending.append(Item(indent: item.indent + indent, mode: item.mode, doc: doc))
            case .group(let doc):
                pending.append(Item(indent: item.indent, mode: .flat, doc: doc))
            case .breakPoint(let string, _):
                if item.mode == .broken { return true }
                column += string.utf8.count
                placed = true
            }
        }
    }
}
