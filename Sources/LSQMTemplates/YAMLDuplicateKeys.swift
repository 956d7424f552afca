import CYaml
import Foundation

/// Finds every mapping key that a later key of the same mapping repeats, in one pass of libyaml's event
/// parser (no document is built). `TemplateYAML` renames them all at once and composes once: renaming one
/// per failed compose re-parsed a 4.8 MB file once per duplicate (190 s of mining).
enum YAMLDuplicateKeys {
    /// 1-based line and column (in Unicode scalars) of a key's first character, as Yams reports marks.
    struct Occurrence: Equatable {
        var line: Int
        var column: Int
        var key: String
    }

    /// One open collection. A class, so recording a key mutates the frame in place: copying a mapping's key
    /// table out of an enum and back for every child made the scan quadratic in a mapping's size.
    private final class Frame {
        let isMapping: Bool
        /// The keys seen so far with where the latest of each starts.
        var keys: [String: Occurrence] = [:]
        /// Whether the next node of this mapping is a key.
        var expectingKey = true
        init(isMapping: Bool) { self.isMapping = isMapping }
    }

    /// The earlier occurrences of repeated keys (the last occurrence is the one YAML 1.1 loaders keep).
    /// Nil when libyaml cannot parse the text (the composer then reports the error).
    static func earlierOccurrences(in text: String) -> [Occurrence]? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> [Occurrence]? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var stack: [Frame] = []
            var found: [Occurrence] = []
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let type = event.type
                if type == YAML_STREAM_END_EVENT { return found }
                if type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT {
                    _ = stack.popLast()
                    continue
                }
                let isNode =
                    type == YAML_SCALAR_EVENT || type == YAML_ALIAS_EVENT || type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT
                guard isNode else { continue }
                if let frame = stack.last, frame.isMapping {
                    if frame.expectingKey, type == YAML_SCALAR_EVENT {
                        let scalar = event.data.scalar
                        let key = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                        let here = Occurrence(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1, key: key)
                        if let earlier = frame.keys.updateValue(here, forKey: key) { found.append(earlier) }
                    }
                    frame.expectingKey.toggle()
                }
                if type == YAML_SEQUENCE_START_EVENT { stack.append(Frame(isMapping: false)) }
                if type == YAML_MAPPING_START_EVENT { stack.append(Frame(isMapping: true)) }
            }
        }
    }
}
