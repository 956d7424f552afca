import Foundation

/// Tells a downloaded folder's kind from its content, cheaply, so a source reports only architectures.
/// The host inspects every architecture again in full (LSQMTemplates); this only has to be right about
/// "is it a template at all, and of which kind".
public enum TemplateSniffer {
    /// "terraform", "serverless", "sam", "cloudformation", or nil when no file is a template.
    public static func kind(_ files: [(path: String, content: Data)]) -> String? {
        if files.contains(where: { $0.path.hasSuffix(".tf") && !$0.path.contains("/") }) { return "terraform" }
        for file in files where isServerlessFile(file.path) {
            if serverlessProviderIsAWS(String(decoding: file.content, as: UTF8.self)) { return "serverless" }
        }
        var sawCloudFormation = false
        for file in files where !file.path.contains("/") && RepositoryArchitectures.templateExtensions.contains(where: file.path.lowercased().hasSuffix) {
            let text = String(decoding: file.content.prefix(2 << 20), as: UTF8.self)
            guard text.contains("AWSTemplateFormatVersion") || (text.contains("Resources") && text.contains("AWS::")) else { continue }
            if text.contains("AWS::Serverless") { return "sam" }
            sawCloudFormation = true
        }
        return sawCloudFormation ? "cloudformation" : nil
    }

    static func isServerlessFile(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower == "serverless.yml" || lower == "serverless.yaml"
    }

    /// `provider: aws` or a `provider:` mapping whose `name` is aws.
    public static func serverlessProviderIsAWS(_ text: String) -> Bool {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        for (index, line) in lines.enumerated() where line.hasPrefix("provider:") {
            let inline = unquote(line.dropFirst("provider:".count))
            if !inline.isEmpty { return inline == "aws" }
            for next in lines[(index + 1)...] {
                if let first = next.first, first != " ", first != "\t", first != "#" { break }
                let trimmed = next.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("name:") { return unquote(trimmed.dropFirst("name:".count)) == "aws" }
            }
        }
        return false
    }

    static func unquote(_ text: Substring) -> String {
        var value = text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        value = value.trimmingCharacters(in: .whitespaces)
        return value.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
    }
}

/// The standalone filter for Terraform (FR-069): an architecture must apply on its own in a fresh emulator.
/// It is not standalone when a variable has no default (nobody would give it a value), when it reads remote
/// state, or when it calls modules from places that cannot be fetched anonymously (S3/GCS buckets, a private
/// registry). Registry and git modules are allowed: they are fetchable where the validator has internet.
public enum TerraformStandalone {
    public static func problem(_ files: [(path: String, content: Data)]) -> String? {
        for file in files where file.path.hasSuffix(".tf") && !file.path.contains("/") {
            let text = String(decoding: file.content, as: UTF8.self)
            if text.contains("terraform_remote_state") { return "not standalone: \(file.path) reads remote state (terraform_remote_state)" }
            for block in blocks(text, keyword: "variable") where !block.body.contains(where: { $0.hasPrefix("default") }) {
                return "not standalone: variable \"\(block.label)\" in \(file.path) has no default"
            }
            for block in blocks(text, keyword: "module") {
                for line in block.body where line.hasPrefix("source") {
                    let source = line.split(separator: "=", maxSplits: 1).last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
                    let value = source.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    if value.hasPrefix("s3::") || value.hasPrefix("gcs::") || value.contains("app.terraform.io/") {
                        return "not standalone: module \"\(block.label)\" comes from \(value), which cannot be fetched anonymously"
                    }
                }
            }
        }
        return nil
    }

    struct Block { var label: String; var body: [String] }

    /// Top-level `keyword "label" { … }` blocks, with their first-level lines (trimmed). Strings and comments
    /// are skipped when counting braces, so `"${x}"` does not unbalance the scan.
    static func blocks(_ text: String, keyword: String) -> [Block] {
        var result: [Block] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        var index = 0
        while index < lines.count {
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            index += 1
            guard trimmed.hasPrefix(keyword + " "), trimmed.hasSuffix("{") || trimmed.hasSuffix("{}") else { continue }
            let label = trimmed.split(separator: "\"").dropFirst().first.map(String.init) ?? ""
            if trimmed.hasSuffix("{}") { result.append(Block(label: label, body: [])); continue }
            var depth = 1
            var body: [String] = []
            while index < lines.count, depth > 0 {
                let line = lines[index]
                index += 1
                let atTop = depth == 1
                depth += braceDelta(line)
                if atTop, depth >= 1 { body.append(line.trimmingCharacters(in: .whitespaces)) }
            }
            result.append(Block(label: label, body: body))
        }
        return result
    }

    static func braceDelta(_ line: String) -> Int {
        var delta = 0
        var inString = false
        var previous: Character = " "
        for character in line {
            if inString {
                if character == "\"", previous != "\\" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if character == "#" || (character == "/" && previous == "/") {
                break
            } else if character == "{" {
                delta += 1
            } else if character == "}" {
                delta -= 1
            }
            previous = character
        }
        return delta
    }
}
