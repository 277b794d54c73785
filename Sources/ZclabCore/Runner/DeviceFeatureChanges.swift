import Foundation

/// Device features a scenario changes: recorded in the ledger first, read back, restored.
enum DeviceFeatureChanges {
    /// Features to set on one interface (short or kernel names).
    struct Request {
        let end: Endpoint
        var features: [String: Bool]
    }

    /// Sets the scenario's device features on each end, first recording in
    /// the ledger every changeable feature as it was, then reading them back:
    /// a change can drag others with it, and some features are fixed.
    static func applyScenarioFeatures(_ topology: Topology, _ context: inout ScenarioContext) throws {
        var requests: [Request] = []
        let spec = context.scenario.topology
        for side in [CaptureSpec.Side.sender, .receiver] {
            let features = side == .sender ? spec.senderFeatures : spec.receiverFeatures
            guard !features.isEmpty else { continue }
            let end = topology.end(side)
            // On loopback both ends are the same lo: one request for both.
            if let same = requests.firstIndex(where: { $0.end == end }) {
                requests[same].features.merge(features) { _, later in later }
            } else {
                requests.append(Request(end: end, features: features))
            }
        }
        try apply(requests, &context)
    }

    /// Sets features on interfaces, each recorded in the ledger first with
    /// every changeable feature as it was, and in `context.features`.
    static func apply(_ requests: [Request], _ context: inout ScenarioContext) throws {
        for request in requests {
            let place = request.end.place, interface = request.end.interface
            let before = try DeviceFeatures.read(place: place, interface: interface)
            var changes: [String: Bool] = [:]
            for (name, on) in request.features {
                let names = InterfaceFeatures.expand(name, available: before)
                guard !names.isEmpty else { throw ScenarioFailure("\(interface) has no feature '\(name)'") }
                for kernelName in names { changes[kernelName] = on }
            }
            let entry = ResourceLedger.Entry.features(
                place: place, interface: interface, original: before.filter { !$0.value.fixed }.mapValues(\.on),
                networkNamespace: place == .current ? Namespaces.currentIdentity() : nil)
            context.runner.ledger.add(entry)
            context.features.entries.append(entry)
            if context.features.before[interface] == nil { context.features.before[interface] = before }
            let after = try DeviceFeatures.write(place: place, interface: interface, changes)
            context.note("features of \(interface): " + changes.sorted { $0.key < $1.key }
                .map { "\($0.key) \($0.value ? "on" : "off") -> \(after[$0.key]?.description ?? "absent")" }.joined(separator: ", "))
            let changed = after.keys.filter { after[$0]?.on != before[$0]?.on }
            for name in Set(changes.keys).union(changed).sorted() {
                context.features.changes.append(FeatureChange(
                    interface: interface, feature: name, before: before[name]?.description ?? "absent",
                    requested: changes[name].map { $0 ? "on" : "off" } ?? "-", after: after[name]?.description ?? "absent",
                    dragged: changes[name] == nil))
            }
        }
    }

    /// Puts the changed interfaces' features back (through the ledger) and
    /// reads them again; true when every feature is as it was before.
    static func restore(_ context: inout ScenarioContext) throws -> Bool {
        let problems = context.runner.ledger.undo(context.features.entries)
        guard problems.isEmpty else { throw ScenarioFailure("restoring features: " + problems.joined(separator: "; ")) }
        var restored = true
        for entry in context.features.entries {
            guard case .features(let place, let interface, _, _) = entry else { continue }
            let now = try DeviceFeatures.read(place: place, interface: interface)
            let before = context.features.before[interface]
            restored = restored && now == before
            for index in context.features.changes.indices where context.features.changes[index].interface == interface {
                context.features.changes[index].restored = now[context.features.changes[index].feature]?.description ?? "absent"
            }
            context.note("features of \(interface) restored: \(now == before ? "all as before" : "DIFFERENT")")
        }
        context.features.entries = []
        return restored
    }

    /// Offload features of the topology's interfaces as the scenario runs them, read where they are.
    static func read(_ topology: Topology) -> [String: [String: String]] {
        var features: [String: [String: String]] = [:]
        for end in [topology.end(.sender), topology.end(.receiver)] where features[end.interface] == nil {
            features[end.interface] = (try? DeviceFeatures.read(place: end.place, interface: end.interface))?
                .mapValues(\.description) ?? [:]
        }
        return features
    }
}
