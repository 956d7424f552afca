import Foundation
import LSQMBasics

struct SAMTransform {
    let context: TranslationContext
    static func isSAM(_ template: JSONValue) -> Bool { false }
    func expand(_ template: JSONValue) -> JSONValue { template }
}
