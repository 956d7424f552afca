import Foundation
import LSQMBasics

/// The static type of a translated value, as far as the translator knows it; used to coerce values into the
/// type the provider schema wants (`terraform validate` rejects a list where a string belongs).
public enum ValueType: Sendable, Equatable {
    case string, number, bool, list, object, any, null
}

/// A translated expression and its type.
public struct TypedExpr: Sendable {
    public var expr: HCLExpr
    public var type: ValueType
    public init(_ expr: HCLExpr, _ type: ValueType) { self.expr = expr; self.type = type }

    static let null = TypedExpr(.null, .null)
}

enum Naming {
    /// `VpcId` → `vpc_id`, `KMSMasterKeyID` → `kms_master_key_id`, `SSESpecification` → `sse_specification`.
    static func snake(_ s: String) -> String {
        let chars = Array(s)
        var out = ""
        for (i, c) in chars.enumerated() {
            if c.isUppercase {
                let previous: Character? = i > 0 ? chars[i - 1] : nil
                let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
                if let previous, previous != "_", previous.isLowercase || previous.isNumber || (previous.isUppercase && (next?.isLowercase ?? false))
                {
                    out.append("_")
                }
                out += c.lowercased()
            } else if c == "-" || c == "." || c == " " {
                out.append("_")
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// A Terraform identifier for a CloudFormation logical id (alphanumeric, may start with a digit).
    static func identifier(_ s: String) -> String {
        var out = String(s.unicodeScalars.map { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == "-" ? Character($0) : "_" })
        if out.isEmpty || !(out.unicodeScalars.first!.isASCIILetter || out.first == "_") { out = "r_" + out }
        return out
    }

    static let reservedVariableNames: Set<String> = ["source", "version", "providers", "count", "for_each", "lifecycle", "depends_on", "locals"]
}

extension JSONValue {
    /// The single intrinsic function of `{"Fn::X": …}` / `{"Ref": …}` / `{"Condition": …}`, if this is one.
    var intrinsic: (name: String, argument: JSONValue)? {
        guard case .object(let object) = self, object.count == 1, let (key, value) = object.first else { return nil }
        if key == "Ref" || key == "Condition" || key.hasPrefix("Fn::") { return (key, value) }
        return nil
    }

    var isNoValue: Bool { self == ["Ref": "AWS::NoValue"] }
}
