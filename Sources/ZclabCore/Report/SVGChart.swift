import Foundation

/// Inline SVG pictures for the HTML report: frame-size histograms and
/// syscall timelines. Their text is escaped; their colours come from the
/// page's style sheet.
enum SVGChart {
    /// How large a histogram is drawn: small in a table row, large in a scenario's section.
    enum Size {
        case small, large
        var barWidth: Int { self == .small ? 36 : 54 }
        var plotHeight: Int { self == .small ? 36 : 90 }
    }

    /// A frame histogram as bars scaled to the fullest bin, each with its
    /// count above it and its bin below: "≤1514", and ">65549" for the open last bin.
    static func histogram(_ bins: [FrameSizeBin], caption: String, size: Size) -> String {
        let plotBottom = 14 + size.plotHeight  // room for the counts above
        let width = bins.count * size.barWidth, height = plotBottom + 16
        let fullest = Double(max(bins.map(\.frames).max() ?? 0, 1))
        var out = open(width: width, height: height, title: "frames by size: \(caption)", class: "histogram")
        for (index, bin) in bins.enumerated() {
            let x = index * size.barWidth
            let middle = x + size.barWidth / 2
            let barHeight = bin.frames == 0 ? 0 : max(1, Int(Double(bin.frames) / fullest * Double(size.plotHeight)))
            let label = bin.upTo.map { "≤\($0)" } ?? ">\(index > 0 ? bins[index - 1].upTo ?? 0 : 0)"
            out += "<rect class=\"bar\" x=\"\(x + 3)\" y=\"\(plotBottom - barHeight)\" width=\"\(size.barWidth - 6)\" height=\"\(barHeight)\"/>"
            out += "<text x=\"\(middle)\" y=\"\(plotBottom - barHeight - 3)\" text-anchor=\"middle\">\(bin.frames)</text>"
            out += "<text x=\"\(middle)\" y=\"\(height - 3)\" text-anchor=\"middle\">\(ReportRendering.xml(label))</text>\n"
        }
        out += "<line class=\"axis\" x1=\"0\" y1=\"\(plotBottom)\" x2=\"\(width)\" y2=\"\(plotBottom)\"/>"
        return out + "</svg>"
    }

    /// Actors that get a lane, in this order, before any other.
    static let laneOrder = ["sender", "receiver", "actor", "runner"]
    /// The sender's calls whose return values are bytes put into the socket.
    static let sendCalls: Set<String> = ["write", "send", "sendfile", "splice"]
    /// Timeline geometry, in pixels: the actor names' margin, a step's column, a lane, the bytes band.
    static let nameMargin = 74, column = 118, laneHeight = 40, bandHeight = 70

    /// A scenario's syscall steps, one lane per actor, and under the lanes the
    /// bytes the sender's send calls returned, summed, against the bytes on
    /// the wire and received. Steps carry no start time, so a step's x is its
    /// place among its own actor's steps; the legend says so.
    static func timeline(_ scenario: ScenarioResult) -> String {
        let actors = laneOrder.filter { actor in scenario.steps.contains { $0.actor == actor } }
            + scenario.steps.map(\.actor).reduce(into: [String]()) { others, actor in
                if !laneOrder.contains(actor) && !others.contains(actor) { others.append(actor) }
            }
        let lanes = actors.map { actor in (actor, scenario.steps.filter { $0.actor == actor }) }
        let width = nameMargin + (lanes.map(\.1.count).max() ?? 0) * column
        let sends = scenario.steps.filter { $0.actor == "sender" }.enumerated().filter { sendCalls.contains($0.element.call) }
            .map { (place: $0.offset, bytes: UInt64(max($0.element.returned ?? 0, 0))) }
        let totals = [("wire", scenario.wire?.bytes), ("received", scenario.received?.bytes)].compactMap { name, bytes in bytes.map { (name, $0) } }
        let bandTop = lanes.count * laneHeight + 8
        let showsBytes = !sends.isEmpty || !totals.isEmpty
        var out = "<div class=\"scroll\">" + open(
            width: width, height: bandTop + (showsBytes ? bandHeight + 4 : 0), title: "syscall timeline: \(scenario.name)", class: "timeline")
        for (index, (actor, steps)) in lanes.enumerated() { out += lane(actor, steps, top: index * laneHeight, width: width) }
        if showsBytes { out += bytesBand(sends: sends, totals: totals, top: bandTop, width: width) }
        out += "</svg></div>\n"
        return out + legend(sent: sends.isEmpty ? nil : sends.reduce(0) { $0 + $1.bytes }, totals: totals)
    }

    /// One actor's steps in a row, each a mark coloured by its outcome and labelled with its call and outcome.
    static func lane(_ actor: String, _ steps: [SyscallStep], top: Int, width: Int) -> String {
        var out = "<rect class=\"lane\" x=\"0\" y=\"\(top + 2)\" width=\"\(width)\" height=\"\(laneHeight - 4)\"/>"
        out += "<text class=\"actor\" x=\"6\" y=\"\(top + laneHeight / 2 + 4)\">\(ReportRendering.xml(actor))</text>\n"
        for (place, step) in steps.enumerated() {
            let x = nameMargin + place * column
            out += "<g><title>\(ReportRendering.xml(describe(step)))</title>"
            out += "<circle class=\"\(markClass(step))\" cx=\"\(x + 6)\" cy=\"\(top + 14)\" r=\"5\"/>"
            out += "<text x=\"\(x + 15)\" y=\"\(top + 17)\">\(ReportRendering.xml(clipped(step.call + (step.calls > 1 ? " ×\(step.calls)" : ""))))</text>"
            out += "<text x=\"\(x + 15)\" y=\"\(top + 31)\">\(ReportRendering.xml(clipped(outcome(step))))</text></g>\n"
        }
        return out
    }

    /// The bytes the sender's send calls returned, summed step by step along
    /// the sender's lane, and a line for each total (wire, received).
    static func bytesBand(sends: [(place: Int, bytes: UInt64)], totals: [(String, UInt64)], top: Int, width: Int) -> String {
        let scale = Double(max(sends.reduce(0) { $0 + $1.bytes }, totals.map(\.1).max() ?? 0, 1))
        let bottom = top + bandHeight
        func y(_ bytes: UInt64) -> Int { bottom - Int(Double(bytes) / scale * Double(bandHeight - 12)) }
        var out = "<line class=\"axis\" x1=\"\(nameMargin)\" y1=\"\(bottom)\" x2=\"\(width)\" y2=\"\(bottom)\"/>"
        out += "<text x=\"6\" y=\"\(top + 12)\">\(ByteCount.describe(UInt64(scale)))</text><text x=\"6\" y=\"\(bottom)\">0</text>\n"
        for (name, bytes) in totals {
            out += "<line class=\"\(name)\" x1=\"\(nameMargin)\" y1=\"\(y(bytes))\" x2=\"\(width)\" y2=\"\(y(bytes))\"><title>\(name) \(bytes) bytes</title></line>\n"
        }
        guard !sends.isEmpty else { return out }
        var sent: UInt64 = 0
        var path = "M\(nameMargin) \(bottom)"
        for send in sends {
            sent += send.bytes
            path += " H\(nameMargin + send.place * column + 6) V\(y(sent))"
        }
        return out + "<path class=\"sent\" d=\"\(path) H\(width)\"><title>sent \(sent) bytes</title></path>\n"
    }

    /// What the timeline shows, and that it shows order, not time.
    static func legend(sent: UInt64?, totals: [(String, UInt64)]) -> String {
        var out = "<p class=\"legend\">No start times are recorded: a step's place is its order among its actor's own steps, "
        out += "so the lanes are not aligned in time. Marks: <span class=\"key-ok\">●</span> returned, "
        out += "<span class=\"key-errno\">●</span> errno, <span class=\"key-signal\">●</span> signal; hover one for its arguments, return values and duration."
        var bytes: [String] = []
        if let sent {
            bytes.append("<span class=\"key-sent\">━</span> bytes the sender's send calls (\(sendCalls.sorted().joined(separator: ", "))) "
                + "returned, summed along its steps: \(ByteCount.describe(sent))")
        }
        bytes += totals.map { name, total in "<span class=\"key-\(name)\">╍</span> \(name) \(ByteCount.describe(total))" }
        if !bytes.isEmpty { out += " Under the lanes: " + bytes.joined(separator: "; ") + "." }
        return out + "</p>\n"
    }

    /// The second line of a step's label: its errno, signal, return value or, for a step without one, its arguments.
    static func outcome(_ step: SyscallStep) -> String {
        if let errno = step.errno { return errno }
        if let signal = step.signal { return signal }
        if let returned = step.returned { return step.calls > 1 ? "Σ \(returned)" : "= \(returned)" }
        return step.arguments
    }

    static func describe(_ step: SyscallStep) -> String {
        var text = "\(step.actor) \(step.call)(\(step.arguments)): \(step.calls) call\(step.calls == 1 ? "" : "s")"
        if let returned = step.returned {
            text += ", returned \(returned)"
            if step.calls > 1, let least = step.returnMin, let most = step.returnMax { text += " in all (\(least)..\(most) each)" }
        }
        if let errno = step.errno { text += ", errno \(errno)" }
        if let signal = step.signal { text += ", signal \(signal)" }
        return text + String(format: ", %.3f ms", Double(step.durationNs) / 1e6)
    }

    static func markClass(_ step: SyscallStep) -> String {
        step.signal != nil ? "step-signal" : step.errno != nil ? "step-errno" : "step-ok"
    }

    /// At most 16 characters, so that a label stays in its column.
    static func clipped(_ text: String) -> String {
        text.count > 16 ? text.prefix(15) + "…" : text
    }

    static func open(width: Int, height: Int, title: String, class name: String) -> String {
        "<svg class=\"\(name)\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\">"
            + "<title>\(ReportRendering.xml(title))</title>\n"
    }
}
