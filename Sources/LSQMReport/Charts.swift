import Foundation
import LSQMCore

/// SVG geometry for the report's charts, computed here so the page draws them without any script or library.
/// Every value that reaches the SVG is a number this file formats, or text the template escapes.
enum Charts {
    static let statuses: [ValidationStatus] = ValidationStatus.allCases

    struct Sparkline {
        var points: String
        var lastX: String
        var lastY: String
        var label: String
    }

    /// A 100×24 polyline of pass rates (0–100, nil skipped). Nil when there is nothing to draw.
    static func sparkline(_ rates: [Double?]) -> Sparkline? {
        let rated = rates.enumerated().compactMap { index, rate in rate.map { (index, $0) } }
        guard let last = rated.last else { return nil }
        let step = rates.count > 1 ? 96.0 / Double(rates.count - 1) : 0
        func x(_ index: Int) -> Double { rates.count > 1 ? 2 + Double(index) * step : 50 }
        func y(_ rate: Double) -> Double { 22 - rate / 100 * 20 }
        let points = rated.map { "\(number(x($0.0))),\(number(y($0.1)))" }.joined(separator: " ")
        let label = "pass rate over the last \(rates.count) runs: " + rated.map { percent($0.1) }.joined(separator: ", ")
        return Sparkline(points: points, lastX: number(x(last.0)), lastY: number(y(last.1)), label: label)
    }

    // MARK: Trend charts

    static let width = 640.0, height = 220.0
    static let left = 44.0, right = 12.0, top = 12.0, bottom = 34.0
    static var plotWidth: Double { width - left - right }
    static var plotHeight: Double { height - top - bottom }

    struct Dot { var x: String; var y: String; var title: String }
    struct AxisLabel { var x: String; var y: String; var text: String }
    struct GridLine { var y: String; var label: String; var labelY: String }
    struct Segment { var y: String; var height: String; var status: String; var title: String }
    struct Bar { var x: String; var width: String; var segments: [Segment] }

    struct LineChart {
        var polyline: String
        var dots: [Dot]
        var xLabels: [AxisLabel]
        var grid: [GridLine]
        var summary: String
    }

    struct BarChart {
        var bars: [Bar]
        var xLabels: [AxisLabel]
        var grid: [GridLine]
        var summary: String
    }

    /// The centre of run `index` of `count` on the x axis.
    private static func slotCentre(_ index: Int, of count: Int) -> Double {
        left + plotWidth * (Double(index) + 0.5) / Double(max(count, 1))
    }

    private static func xLabels(_ points: [TrendPoint]) -> [AxisLabel] {
        points.enumerated().map { index, point in
            AxisLabel(x: number(slotCentre(index, of: points.count)), y: number(height - 12), text: shortDate(point.startedAt))
        }
    }

    /// Overall pass rate per run, on a 0–100 % axis.
    static func passRateChart(_ points: [TrendPoint]) -> LineChart? {
        guard !points.isEmpty else { return nil }
        func y(_ rate: Double) -> Double { top + plotHeight * (1 - rate / 100) }
        let dots = points.enumerated().compactMap { index, point -> Dot? in
            point.passRate.map {
                Dot(
                    x: number(slotCentre(index, of: points.count)), y: number(y($0)),
                    title: "\(point.runID): \(percent($0)) passed")
            }
        }
        let grid = stride(from: 0.0, through: 100.0, by: 25.0).map {
            GridLine(y: number(y($0)), label: "\(Int($0))%", labelY: number(y($0) + 4))
        }
        let summary =
            "Overall pass rate over the last \(points.count) runs: "
            + points.map { point in point.passRate.map(percent) ?? "n/a" }.joined(separator: ", ")
        return LineChart(
            polyline: dots.map { "\($0.x),\($0.y)" }.joined(separator: " "), dots: dots,
            xLabels: xLabels(points), grid: grid, summary: summary)
    }

    /// The status chart's segments, bottom up: each status, then the verdicts that are not the emulator's fault
    /// (counted apart from PARTIAL/FAILED/TIMEOUT), so a bar's height is every architecture of the run.
    static let segmentKeys: [(key: String, label: String)] =
        statuses.map { ($0.rawValue, $0.rawValue) }
        + [(notEmulatorKey, "not the emulator's fault")]
    static let notEmulatorKey = "NOT_EMULATOR"

    /// Architectures per status per run, stacked.
    static func statusChart(_ points: [TrendPoint]) -> BarChart? {
        guard !points.isEmpty else { return nil }
        let maximum = Double(max(points.map(\.counts.total).max() ?? 1, 1))
        let slot = plotWidth / Double(points.count)
        let barWidth = min(slot * 0.7, 48)
        let bars = points.enumerated().map { index, point -> Bar in
            var base = top + plotHeight
            let segments = segmentKeys.compactMap { key, label -> Segment? in
                let count = point.counts.count(key)
                guard count > 0 else { return nil }
                let segmentHeight = plotHeight * Double(count) / maximum
                base -= segmentHeight
                return Segment(
                    y: number(base), height: number(segmentHeight), status: key,
                    title: "\(point.runID): \(count) \(label)")
            }
            return Bar(x: number(slotCentre(index, of: points.count) - barWidth / 2), width: number(barWidth), segments: segments)
        }
        let grid = [0.0, 0.5, 1.0].map { fraction in
            let y = top + plotHeight * (1 - fraction)
            return GridLine(y: number(y), label: "\(Int((maximum * fraction).rounded()))", labelY: number(y + 4))
        }
        let summary =
            "Architectures per status over the last \(points.count) runs: "
            + points.map { point in
                "\(shortDate(point.startedAt)) " + segmentKeys.map { "\(point.counts.count($0.key)) \($0.label.lowercased())" }.joined(separator: " ")
            }.joined(separator: "; ")
        return BarChart(bars: bars, xLabels: xLabels(points), grid: grid, summary: summary)
    }

    // MARK: Formatting

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }
    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value) }

    static func shortDate(_ date: Date) -> String {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .current, from: date)
        return String(format: "%02d-%02d", parts.month ?? 0, parts.day ?? 0)
    }
}

extension StatusCounts {
    /// By a status's raw value, or `Charts.notEmulatorKey`.
    func count(_ key: String) -> Int {
        if key == Charts.notEmulatorKey { return notEmulator }
        return ValidationStatus(rawValue: key).map { count($0) } ?? 0
    }

    func count(_ status: ValidationStatus) -> Int {
        switch status {
        case .passed: passed
        case .partial: partial
        case .failed: failed
        case .timeout: timeout
        case .error: error
        }
    }
}
