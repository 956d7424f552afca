import Foundation
import LSQMTemplates

/// Tells a downloaded folder's kind from its content, so a source reports only architectures. The decision
/// per file is LSQMTemplates' `TemplateClassifier` (the same one the host's scanner and inspector use); this
/// only picks, among the folder's own files, the kind that deploys the folder.
public enum TemplateSniffer {
    /// Terraform, then a serverless.yml, then SAM over plain CloudFormation (`ArchitectureKind`'s precedence).
    static let precedence: [ArchitectureKind] = [.terraform, .serverless, .sam, .cloudformation]

    /// "terraform", "serverless", "sam", "cloudformation", or nil when no file of the folder itself is a
    /// template (a template named like one but unreadable still counts: the host records its problem).
    public static func kind(_ files: [(path: String, content: Data)]) -> String? {
        var kinds = Set<ArchitectureKind>()
        for file in files where !file.path.contains("/") {
            switch TemplateClassifier.classify(path: file.path, content: file.content) {
            case .template(let kind), .brokenTemplate(let kind, _): kinds.insert(kind)
            case .hostile, .other: continue
            }
        }
        return precedence.first(where: kinds.contains)?.rawValue
    }
}
