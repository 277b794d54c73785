import Foundation

/// `zclab bench`'s Markdown and HTML: the crossovers, a table per topology,
/// and, in HTML, throughput and CPU per GB against send size, one line per path.
extension BenchReport {
    public var markdown: String {
        var out = "# zclab bench\n\n"
        out += "`\(command.joined(separator: " "))` on Linux \(kernel), \(cpus) CPUs, \(startedAt) to \(finishedAt): "
        out += "\(ByteCount.describe(bytesPerMeasurement)) per measurement, \(repetitions) repetition(s); median [smallest–largest]. "
        out += "CPU is seconds per GB (10^9 bytes) from the sender's connect to the last byte: the sending and receiving processes' own "
        out += "(getrusage; the receiver counts the bytes and compares none), and the whole machine's (/proc/stat, softirq included; "
        out += "not for iperf3, whose own CPU shares are shown). No capture runs while measuring. Every scenario: \(runReport).\n\n"
        out += "## Crossover\n\nThe smallest send size from which on a path's median CPU per GB is below read+write's at every larger size measured; "
        out += "\"only at\" where it is below at some sizes but not from there on; \"never\" where it is below at none.\n\n"
        out += "| topology | path | machine CPU | sender CPU |\n|---|---|---|---|\n"
        let byKey = Dictionary(grouping: crossovers) { "\($0.topology)|\($0.path)" }
        for key in byKey.keys.sorted() {
            let found = byKey[key]!
            let parts = key.split(separator: "|")
            let machine = found.first { $0.cost == "machine" }?.statement ?? "-"
            let sender = found.first { $0.cost == "sender" }?.statement ?? "-"
            out += "| \(parts[0]) | \(parts[1]) | \(machine) | \(sender) |\n"
        }
        out += iperf3Comparison
        for topology in topologies {
            out += "\n## \(topology)\n\n| path | size | Gbit/s | sender CPU | receiver CPU | machine CPU | softirq | calls/GB | notifications/GB | copied | runs |\n"
            out += "|---|---|---|---|---|---|---|---|---|---|---|\n"
            for row in rows where row.topology == topology {
                let cells = [row.gbitPerSecond, row.senderCPU, row.receiverCPU, row.machineCPU, row.softirqCPU].map { Self.cell($0, digits: 2) }
                    + [Self.cell(row.callsPerGB, digits: 0), Self.cell(row.notificationsPerGB, digits: 0), Self.cell(row.copiedShare, digits: 2)]
                out += "| \(row.path) | \(ByteCount.describe(row.size)) | " + cells.joined(separator: " | ") + " | \(row.measured)/\(row.runs) |\n"
            }
        }
        let failed = samples.filter { $0.verdict != .pass }
        if !failed.isEmpty {
            out += "\n## Not measured\n\n" + failed.map { "- \($0.point.topology) \($0.point.path) \(ByteCount.describe($0.point.size)) r\($0.point.repetition): \($0.verdict.rawValue): \($0.reason ?? "")" }.joined(separator: "\n") + "\n"
        }
        return out
    }

    public var html: String {
        var body = ""
        for topology in topologies {
            body += "<h2>\(topology)</h2>\n"
            body += BenchChart.lines(rows.filter { $0.topology == topology }, title: "\(topology): throughput (Gbit/s, median)", \.gbitPerSecond)
            body += BenchChart.lines(rows.filter { $0.topology == topology }, title: "\(topology): machine CPU seconds per GB (median)", \.machineCPU)
        }
        let table = markdown.split(separator: "\n").map { line in "<div>\(line.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;"))</div>" }
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>zclab bench</title>
            <style>body{font-family:sans-serif;margin:2em}svg{margin:1em 0}div{font-family:monospace;white-space:pre}</style></head>
            <body><h1>zclab bench</h1>
            \(body)
            <h2>Figures</h2>
            \(table.joined(separator: "\n"))
            </body></html>
            """
    }

    /// zclab's read+write beside iperf3, and its sendfile beside iperf3 -Z
    /// (sendfile from a file), throughput at each size; empty without iperf3 rows.
    var iperf3Comparison: String {
        let byPoint = Dictionary(rows.map { ("\($0.topology)|\($0.path)|\($0.size)", $0) }) { first, _ in first }
        var lines: [String] = []
        for row in rows where row.path == "iperf3 -Z" {
            for (ours, theirs) in [(SendMethod.readWrite.rawValue, "iperf3"), (SendMethod.sendfile.rawValue, "iperf3 -Z")] {
                guard let mine = byPoint["\(row.topology)|\(ours)|\(row.size)"]?.gbitPerSecond,
                    let other = byPoint["\(row.topology)|\(theirs)|\(row.size)"]?.gbitPerSecond, other.median > 0
                else { continue }
                let difference = String(format: "%+.1f%%", (mine.median / other.median - 1) * 100)
                lines.append("| \(row.topology) | \(ByteCount.describe(row.size)) | zclab \(ours): \(Self.cell(mine, digits: 2)) | \(theirs): \(Self.cell(other, digits: 2)) | \(difference) |")
            }
        }
        guard !lines.isEmpty else { return "" }
        return "\n## Beside iperf3\n\nThroughput in Gbit/s on the same topology and send size (iperf3 -l), median [smallest–largest].\n\n"
            + "| topology | size | zclab | iperf3 | zclab against iperf3 |\n|---|---|---|---|---|\n" + lines.joined(separator: "\n") + "\n"
    }

    var topologies: [String] { rows.reduce(into: []) { seen, row in if !seen.contains(row.topology) { seen.append(row.topology) } } }

    static func cell(_ spread: Spread?, digits: Int) -> String {
        guard let spread else { return "-" }
        let format = "%.\(digits)f"
        return String(format: format, spread.median) + " [" + String(format: format, spread.min) + "–" + String(format: format, spread.max) + "]"
    }
}

/// Line charts of one figure against send size, one line per path.
enum BenchChart {
    static let colours = ["#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#9c6644", "#444444", "#e07a5f", "#3d405b", "#81b29a"]

    static func lines(_ rows: [BenchRow], title: String, _ figure: (BenchRow) -> Spread?) -> String {
        let sizes = Array(Set(rows.map(\.size))).sorted()
        let paths = rows.reduce(into: [String]()) { seen, row in if !seen.contains(row.path) { seen.append(row.path) } }
        let top = rows.compactMap { figure($0)?.median }.max() ?? 1
        let (width, height, left, bottom, right) = (640, 300, 60, 40, 170)
        func x(_ size: UInt64) -> Int { left + (sizes.firstIndex(of: size) ?? 0) * (width - left - right) / max(sizes.count - 1, 1) }
        func y(_ value: Double) -> Int { height - bottom - Int(value / max(top, 1e-9) * Double(height - bottom - 20)) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\"><title>\(title)</title>"
        svg += "<text x=\"\(left)\" y=\"14\" font-size=\"13\">\(title)</text>"
        svg += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - right)\" y2=\"\(height - bottom)\" stroke=\"#888\"/>"
        svg += "<line x1=\"\(left)\" y1=\"20\" x2=\"\(left)\" y2=\"\(height - bottom)\" stroke=\"#888\"/>"
        svg += "<text x=\"4\" y=\"24\" font-size=\"11\">\(String(format: "%.2f", top))</text><text x=\"4\" y=\"\(height - bottom)\" font-size=\"11\">0</text>"
        for size in sizes {
            svg += "<text x=\"\(x(size) - 14)\" y=\"\(height - bottom + 16)\" font-size=\"11\">\(ByteCount.describe(size))</text>"
        }
        for (index, path) in paths.enumerated() {
            let colour = colours[index % colours.count]
            let points = rows.filter { $0.path == path }.sorted { $0.size < $1.size }.compactMap { row in figure(row).map { "\(x(row.size)),\(y($0.median))" } }
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>"
            svg += "<text x=\"\(width - right + 8)\" y=\"\(30 + index * 16)\" font-size=\"11\" fill=\"\(colour)\">\(path)</text>"
        }
        return svg + "</svg>\n"
    }
}
