import Foundation
import LSQMBasics

/// What a set of Terraform files declares at the top level, read with `HCLReader` (`*.tf`) or as JSON
/// (`*.tf.json`). Used for metadata only: nothing is evaluated, `count`/`for_each` are not expanded.
public struct TerraformConfiguration: Sendable, Equatable {
    public struct Block: Sendable, Equatable {
        /// `aws_s3_bucket` for a resource or data source; the module name for a module.
        public var type: String
        public var name: String
        public var file: String
        public var line: Int
    }

    public struct Module: Sendable, Equatable {
        public var name: String
        /// The `source` argument when it is a plain string.
        public var source: String?
        public var file: String

        /// `./x` and `../x` sources live in the same repository; anything else comes from a registry or VCS.
        public var isLocal: Bool { source.map { $0.hasPrefix("./") || $0.hasPrefix("../") } ?? false }
    }

    public struct Variable: Sendable, Equatable {
        public var name: String
        public var hasDefault: Bool
    }

    public struct RequiredProvider: Sendable, Equatable {
        public var name: String
        public var source: String?
        public var version: String?
    }

    public var resources: [Block] = []
    public var dataSources: [Block] = []
    public var modules: [Module] = []
    /// Provider configurations (`provider "aws" {}`), by name, with repeats for aliases.
    public var providers: [String] = []
    public var variables: [Variable] = []
    public var requiredProviders: [RequiredProvider] = []
    /// Backend types from `terraform { backend "s3" {} }`.
    public var backends: [String] = []
    /// Files that could not be read, with the reason (`main.tf: 3:5: unterminated string`).
    public var problems: [String] = []

    public init() {}

    /// Reads every `*.tf` and `*.tf.json` file among `files`; others are ignored. A file with a syntax error
    /// is recorded in `problems` and the rest still count.
    public static func read(files: [(path: String, content: Data)]) -> TerraformConfiguration {
        var configuration = TerraformConfiguration()
        for file in files.sorted(by: { $0.path < $1.path }) {
            if file.path.hasSuffix(".tf") {
                configuration.addHCL(file.content, file: file.path)
            } else if file.path.hasSuffix(".tf.json") {
                configuration.addJSON(file.content, file: file.path)
            }
        }
        return configuration
    }

    public static func isTerraformFile(_ path: String) -> Bool { path.hasSuffix(".tf") || path.hasSuffix(".tf.json") }

    mutating func addHCL(_ data: Data, file: String) {
        guard let text = String(data: data, encoding: .utf8) else {
            problems.append("\(file): not UTF-8 text")
            return
        }
        do {
            add(try HCLReader.parse(text), file: file)
        } catch let error as HCLSyntaxError {
            problems.append("\(file):\(error)")
        } catch {
            problems.append("\(file): \(LSQMError.describe(error))")
        }
    }

    mutating func add(_ body: HCLBody, file: String) {
        for block in body.blocks {
            let line = block.position.line
            switch (block.type, block.labels.count) {
            case ("resource", 2):
                resources.append(Block(type: block.labels[0], name: block.labels[1], file: file, line: line))
            case ("data", 2):
                dataSources.append(Block(type: block.labels[0], name: block.labels[1], file: file, line: line))
            case ("module", 1):
                modules.append(Module(name: block.labels[0], source: block.body.attribute("source")?.stringValue, file: file))
            case ("provider", 1):
                providers.append(block.labels[0])
            case ("variable", 1):
                variables.append(Variable(name: block.labels[0], hasDefault: block.body.attribute("default") != nil))
            case ("terraform", 0):
                addTerraformSettings(block.body)
            default:
                continue
            }
        }
    }

    mutating func addTerraformSettings(_ body: HCLBody) {
        for backend in body.blocks("backend") { backends.append(contentsOf: backend.labels.prefix(1)) }
        for block in body.blocks("required_providers") {
            for attribute in block.body.attributes {
                requiredProviders.append(Self.requiredProvider(attribute))
            }
        }
    }

    /// `aws = { source = "hashicorp/aws", version = "~> 5.0" }` or the legacy `aws = "~> 5.0"`.
    static func requiredProvider(_ attribute: HCLAttribute) -> RequiredProvider {
        if let version = attribute.stringValue {
            return RequiredProvider(name: attribute.name, source: nil, version: version)
        }
        var source: String?, version: String?
        let tokens = attribute.expression
        for (index, token) in tokens.enumerated() where index + 2 < tokens.count && tokens[index + 1].isSymbol("=") {
            guard case .identifier(let key) = token.kind, case .template(let value) = tokens[index + 2].kind else { continue }
            if key == "source" { source = value.literalValue }
            if key == "version" { version = value.literalValue }
        }
        return RequiredProvider(name: attribute.name, source: source, version: version)
    }

    /// Terraform's JSON syntax: `{"resource": {"aws_s3_bucket": {"b": {…}}}, "module": {"m": {"source": …}}}`.
    mutating func addJSON(_ data: Data, file: String) {
        guard let root = try? JSONDecoder().decode(JSONValue.self, from: data), let object = root.objectValue else {
            problems.append("\(file): not a JSON object")
            return
        }
        func nested(_ key: String) -> [(String, [String: JSONValue])] {
            (object[key]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value.objectValue ?? [:]) }
        }
        for (type, named) in nested("resource") {
            for name in named.keys.sorted() { resources.append(Block(type: type, name: name, file: file, line: 0)) }
        }
        for (type, named) in nested("data") {
            for name in named.keys.sorted() { dataSources.append(Block(type: type, name: name, file: file, line: 0)) }
        }
        for (name, body) in nested("module") {
            modules.append(Module(name: name, source: body["source"]?.stringValue, file: file))
        }
        for (name, _) in nested("provider") { providers.append(name) }
        for (name, body) in nested("variable") { variables.append(Variable(name: name, hasDefault: body["default"] != nil)) }
    }
}
