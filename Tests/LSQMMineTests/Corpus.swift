import Foundation
import LSQMTestSupport
import XCTest

typealias Corpus = CorpusFixture

extension CorpusFixture {
    /// The corpus, or a skip that says where it was looked for.
    static func root() throws -> URL {
        guard let root = location else { throw XCTSkip("../shared/corpus not found beside the package; set LSQM_CORPUS") }
        return root
    }
}
