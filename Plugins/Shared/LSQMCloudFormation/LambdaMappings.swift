import Foundation
import LSQMBasics
import LSQMPluginKit

/// Lambda functions and layers: code packages are zips lsqm writes itself (inline code, local folders, or a
/// placeholder handler when the code is not in the architecture), referenced by `filename` and hash.
enum LambdaMappings {
    /// The key SAM and Serverless expansion use for code that lives in the architecture folder.
    static let localPathKey = "LSQM::LocalPath"

    /// Runtimes hashicorp/aws 5.100.0 accepts (its validation list); newer ones map to the newest of their family.
    static let supportedRuntimes: [String] = [
        "nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "java8", "java8.al2", "java11",
        "python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",
        "dotnet6",
        "dotnet8", "nodejs4.3-edge", "go1.x", "ruby2.5", "ruby2.7", "provided", "provided.al2", "nodejs18.x", "python3.10", "java17", "ruby3.2",
        "ruby3.3", "ruby3.4", "python3.11", "nodejs20.x", "provided.al2023", "python3.12", "java21", "python3.13", "nodejs22.x",
    ]
    static let newestInFamily: [(prefix: String, runtime: String)] = [
        ("python", "python3.13"), ("nodejs", "nodejs22.x"), ("java", "java21"), ("ruby", "ruby3.4"), ("dotnet", "dotnet8"),
        ("provided", "provided.al2023"),
        ("go", "provided.al2023"),
    ]

    /// Runtimes the provider still accepts but AWS no longer lets a function be created with (Lambda's runtime
    /// deprecation policy: creation is blocked some months after deprecation; Go and Amazon Linux 1 custom runtimes
    /// move to provided.al2023).
    static let retiredRuntimes: Set<String> = [
        "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x",
        "python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "java8", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1",
        "dotnetcore3.1", "dotnet6", "go1.x", "ruby2.5", "ruby2.7", "provided",
    ]

    /// A runtime the provider accepts and AWS deploys: itself, or the newest of its family (with a warning).
    static func supportedRuntime(_ runtime: String, _ context: TranslationContext) -> String? {
        guard !runtime.isEmpty else { return nil }
        let retired = retiredRuntimes.contains(runtime)
        if supportedRuntimes.contains(runtime) && !retired { return nil }
        // An unknown runtime (`rust` of an old Framework plugin) runs as a custom runtime.
        let replacement = newestInFamily.first(where: { runtime.hasPrefix($0.prefix) })?.runtime ?? "provided.al2023"
        context.warn(
            retired
                ? "runtime \(runtime) is retired (AWS refuses to create functions with it): used its supported successor \(replacement)"
                : "runtime \(runtime) is not one the AWS provider \(ProviderSchema.providerVersion) knows: used \(replacement)")
        return replacement
    }

    static func function(_ e: ResourceEmitter) {
        var runtime = e.properties["Runtime"]?.stringValue ?? ""
        if let replacement = supportedRuntime(runtime, e.context) {
            runtime = replacement
            e.properties["Runtime"] = .string(replacement)
        }
        let handler = e.properties["Handler"]?.stringValue ?? "index.handler"
        if e.context.publishedFunctions.contains(e.plan.logicalID) { e.attributes["publish"] = .bool(true) }
        if e.properties["Role"] == nil {
            // CloudFormation requires a Role; without one there is nothing to run the function as.
            e.attributes["role"] = e.context.unresolvable("the function has no Role").expr
        }
        if var logging = e.properties["LoggingConfig"]?.objectValue, logging["LogFormat"] == nil {
            // CloudFormation defaults the format; Terraform requires it.
            logging["LogFormat"] = "Text"
            e.properties["LoggingConfig"] = .object(logging)
        }
        let code = e.take("Code") ?? .object([:])
        if let image = code["ImageUri"] {
            e.set("image_uri", e.value(image))
            e.attributes["package_type"] = .string("Image")
            _ = e.take("PackageType")
            return
        }
        let package = CodePackager(context: e.context).package(code: code, runtime: runtime, handler: handler, layer: false)
        setPackage(e, package)
    }

    static func layer(_ e: ResourceEmitter) {
        let content = e.take("Content") ?? .object([:])
        if let runtimes = e.properties["CompatibleRuntimes"]?.arrayValue {
            let mapped = runtimes.map { item -> JSONValue in
                guard let name = item.stringValue, let replacement = supportedRuntime(name, e.context) else { return item }
                return .string(replacement)
            }
            var seen: Set<JSONValue> = []
            e.properties["CompatibleRuntimes"] = .array(mapped.filter { seen.insert($0).inserted })
        }
        let runtime = e.properties["CompatibleRuntimes"]?.arrayValue?.first?.stringValue ?? ""
        setPackage(e, CodePackager(context: e.context).package(code: content, runtime: runtime, handler: "", layer: true))
    }

    private static func setPackage(_ e: ResourceEmitter, _ zip: Data) {
        let path = "lambda/\(e.name).zip"
        e.context.outputFiles.append(PluginFile(path: path, data: zip))
        e.attributes["filename"] = .template([.interpolation(.ref("path.module")), .literal("/" + path)])
        var hash = SHA256()
        hash.update(zip)
        e.attributes["source_code_hash"] = .string(Data(hash.finalize()).base64EncodedString())
    }

    /// AWS::Lambda::Version has no resource of its own in Terraform: it publishes the function (`publish = true`)
    /// and its Ref becomes the function's `qualified_arn`.
    static func version(_ e: ResourceEmitter) {
        e.emitPrimary = false
        e.properties = [:]
    }
}

/// Builds Lambda deployment packages from what the template and the architecture folder hold.
struct CodePackager {
    let context: TranslationContext

    func package(code: JSONValue, runtime: String, handler: String, layer: Bool) -> Data {
        if let inline = code["ZipFile"] {
            if let text = inline.stringValue {
                return ZipWriter.archive([(inlineFileName(runtime: runtime, handler: handler), Data(text.utf8))])
            }
            context.warn("inline ZipFile code is computed by an intrinsic function: a placeholder handler stands in")
            return placeholder(runtime: runtime, handler: handler, layer: layer)
        }
        if let local = code[LambdaMappings.localPathKey]?.stringValue {
            if let files = localFiles(local), !files.isEmpty {
                if files.count == 1, let only = files.first, only.path.isEmpty || only.path.hasSuffix(".zip") || only.path.hasSuffix(".jar") {
                    return only.data
                }
                if layer || hasHandler(files, runtime: runtime, handler: handler) { return ZipWriter.archive(files) }
            }
            context.warn("code at \(local) is not in the architecture: a placeholder handler stands in")
            return placeholder(runtime: runtime, handler: handler, layer: layer)
        }
        if code["S3Bucket"] != nil || code["S3Key"] != nil {
            context.warn("code in S3 cannot be fetched offline: a placeholder handler stands in")
        } else {
            context.warn("no code given: a placeholder handler stands in")
        }
        return placeholder(runtime: runtime, handler: handler, layer: layer)
    }

    /// Files under a path relative to the template, with paths relative to that folder.
    private func localFiles(_ relative: String) -> [(path: String, data: Data)]? {
        guard let root = context.resolvePath(relative) else { return nil }
        if let exact = context.files[root] { return [(path: "", data: exact)] }
        let prefix = root.isEmpty ? "" : root + "/"
        let skip: Set<String> = ["SOURCE.json", "template.yaml", "template.yml", "serverless.yml", "serverless.yaml", "samconfig.toml"]
        return context.files.keys.sorted().compactMap { path in
            guard path.hasPrefix(prefix) else { return nil }
            let rest = String(path.dropFirst(prefix.count))
            if skip.contains(rest) || rest.hasPrefix(".") { return nil }
            return context.files[path].map { (path: rest, data: $0) }
        }
    }

    private func hasHandler(_ files: [(path: String, data: Data)], runtime: String, handler: String) -> Bool {
        guard let module = handler.split(separator: ".").dropLast().joined(separator: ".").nilIfEmpty else { return !files.isEmpty }
        return files.contains { $0.path.hasPrefix(module + ".") || $0.path.hasPrefix(module.replacingOccurrences(of: ".", with: "/") + ".") }
            || !(runtime.hasPrefix("python") || runtime.hasPrefix("nodejs") || runtime.hasPrefix("ruby"))
    }

    private func inlineFileName(runtime: String, handler: String) -> String {
        let module = handler.split(separator: ".").first.map(String.init) ?? "index"
        if runtime.hasPrefix("python") { return module + ".py" }
        if runtime.hasPrefix("ruby") { return module + ".rb" }
        return module + ".js"
    }

    /// A minimal handler for the runtime that answers 200, so a deploy succeeds and the record says why.
    func placeholder(runtime: String, handler: String, layer: Bool) -> Data {
        if layer { return ZipWriter.archive([("README.txt", Data("lsqm placeholder layer: the layer content was not in the architecture\n".utf8))]) }
        let parts = handler.split(separator: ".").map(String.init)
        let function = parts.count > 1 ? parts[parts.count - 1] : "handler"
        let module = parts.count > 1 ? parts.dropLast().joined(separator: "/") : "index"
        let body = #"{"statusCode": 200, "body": "lsqm placeholder"}"#
        let file: (String, String)
        if runtime.hasPrefix("python") {
            file = (module + ".py", "def \(function)(event, context):\n    return \(body.replacingOccurrences(of: "\"", with: "'"))\n")
        } else if runtime.hasPrefix("nodejs") {
            file = (module + ".js", "exports.\(function) = async () => (\(body));\n")
        } else if runtime.hasPrefix("ruby") {
            file = (module + ".rb", "def \(function)(event:, context:)\n  { statusCode: 200, body: 'lsqm placeholder' }\nend\n")
        } else {
            file = ("bootstrap", "#!/bin/sh\n# lsqm placeholder: the function's code was not in the architecture.\n")
        }
        return ZipWriter.archive([(file.0, Data(file.1.utf8))])
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
