import Foundation

/// The shape of one Terraform resource type (or nested block), read from the generated provider table.
/// The translator only writes attributes and blocks that exist here, so `terraform validate` never meets an
/// unknown argument.
public final class SchemaBlock: Sendable {
    public struct Attribute: Sendable {
        public let type: String
        public let required: Bool
        public let optional: Bool
        /// Terraform refuses to print a sensitive value in an output not itself marked sensitive.
        public let sensitive: Bool
        public var settable: Bool { required || optional }
    }
    public struct NestedBlock: Sendable {
        /// l list, S set, 1 single, m map, g group.
        public let mode: Character
        public let minItems: Int
        public let maxItems: Int
        public let block: SchemaBlock
    }
    public let attributes: [String: Attribute]
    public let blocks: [String: NestedBlock]

    init(attributes: [String: Attribute], blocks: [String: NestedBlock]) {
        self.attributes = attributes; self.blocks = blocks
    }
}

public enum ProviderSchema {
    public static var providerVersion: String { ProviderTables.providerVersion }

    /// Resource type → schema, parsed once from the compact generated text.
    public static let resources: [String: SchemaBlock] = parse(ProviderTables.schemaText)

    public static func resource(_ type: String) -> SchemaBlock? { resources[type] }

    static func parse(_ text: String) -> [String: SchemaBlock] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        var index = 0
        var result: [String: SchemaBlock] = [:]
        while index < lines.count {
            let fields = lines[index].split(separator: " ")
            index += 1
            guard fields.count == 2, fields[0] == "R" else { continue }
            result[String(fields[1])] = parseBlock(lines, &index, depth: 1)
        }
        return result
    }

    private static func parseBlock(_ lines: [Substring], _ index: inout Int, depth: Int) -> SchemaBlock {
        var attributes: [String: SchemaBlock.Attribute] = [:]
        var blocks: [String: SchemaBlock.NestedBlock] = [:]
        while index < lines.count {
            let line = lines[index]
            let lineDepth = line.prefix { $0 == " " }.count
            guard lineDepth == depth else { break }
            let fields = line.split(separator: " ")
            index += 1
            if fields.first == "A", fields.count >= 4 {
                attributes[String(fields[1])] = .init(
                    type: String(fields[2]), required: fields[3] == "r", optional: fields[3] == "o",
                    sensitive: fields.count > 4 && fields[4] == "s")
            } else if fields.first == "B", fields.count == 5 {
                let nested = parseBlock(lines, &index, depth: depth + 1)
                blocks[String(fields[1])] = .init(
                    mode: fields[2].first ?? "l", minItems: Int(fields[3]) ?? 0, maxItems: Int(fields[4]) ?? 0, block: nested)
            }
        }
        return SchemaBlock(attributes: attributes, blocks: blocks)
    }
}
