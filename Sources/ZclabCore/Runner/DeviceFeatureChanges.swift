import Foundation

/// Device features a scenario changes: recorded in the ledger first, read back, restored.
extension ScenarioExecution {
    /// Sets the scenario's device features on each end, first recording in
    /// the ledger every changeable feature as it was, then reading them back:
    /// a change can drag others with it, and some features are fixed.
    func applyFeatures(_ topology: Topology) throws {
        var requests: [(namespace: String, interface: String, features: [String: Bool])] = []
        for (namespace, interface, features) in [
            (topology.senderNamespace, topology.senderInterface, scenario.topology.senderFeatures),
            (topology.receiverNamespace, topology.receiverInterface, scenario.topology.receiverFeatures),
        ] where !features.isEmpty {
            // On loopback both ends are the same lo: one request for both.
            if let same = requests.firstIndex(where: { $0.interface == interface && $0.namespace == namespace }) {
                requests[same].features.merge(features) { _, later in later }
            } else {
                requests.append((namespace, interface, features))
            }
        }
        try applyFeatures(requests)
    }

    /// Sets features (short or kernel names) on interfaces, each recorded in
    /// the ledger first with every changeable feature as it was.
    func applyFeatures(_ requests: [(namespace: String, interface: String, features: [String: Bool])]) throws {
        for (namespace, interface, features) in requests {
            let before = try DeviceFeatures.read(namespace: namespace, interface: interface)
            var changes: [String: Bool] = [:]
            for (name, on) in features {
                let names = InterfaceFeatures.expand(name, available: before)
                guard !names.isEmpty else { throw ScenarioFailure("\(interface) has no feature '\(name)'") }
                for kernelName in names { changes[kernelName] = on }
            }
            let entry = ResourceLedger.Entry.features(
                namespace: namespace, interface: interface, original: before.filter { !$0.value.fixed }.mapValues(\.on))
            runner.ledger.add(entry)
            featureEntries.append(entry)
            if featuresBefore[interface] == nil { featuresBefore[interface] = before }
            let after = try DeviceFeatures.write(namespace: namespace, interface: interface, changes)
            runnerSteps.append(observation("features of \(interface): " + changes.sorted { $0.key < $1.key }
                .map { "\($0.key) \($0.value ? "on" : "off") -> \(after[$0.key]?.description ?? "absent")" }.joined(separator: ", ")))
            let changed = after.keys.filter { after[$0]?.on != before[$0]?.on }
            for name in Set(changes.keys).union(changed).sorted() {
                featureChanges.append(FeatureChange(
                    interface: interface, feature: name, before: before[name]?.description ?? "absent",
                    requested: changes[name].map { $0 ? "on" : "off" } ?? "-", after: after[name]?.description ?? "absent",
                    dragged: changes[name] == nil))
            }
        }
    }

    /// Puts the changed interfaces' features back (through the ledger) and
    /// reads them again; true when every feature is as it was before.
    func restoreFeatures() throws -> Bool {
        let problems = runner.ledger.undo(featureEntries)
        guard problems.isEmpty else { throw ScenarioFailure("restoring features: " + problems.joined(separator: "; ")) }
        var restored = true
        for entry in featureEntries {
            guard case .features(let namespace, let interface, _) = entry else { continue }
            let now = try DeviceFeatures.read(namespace: namespace, interface: interface)
            restored = restored && now == featuresBefore[interface]
            for index in featureChanges.indices where featureChanges[index].interface == interface {
                featureChanges[index].restored = now[featureChanges[index].feature]?.description ?? "absent"
            }
            runnerSteps.append(observation("features of \(interface) restored: \(now == featuresBefore[interface] ? "all as before" : "DIFFERENT")"))
        }
        featureEntries = []
        return restored
    }

    /// Offload features of the created interfaces as the scenario runs them, read inside their namespaces.
    func readFeatures(_ topology: Topology) -> [String: [String: String]] {
        var features: [String: [String: String]] = [:]
        for (namespace, interface) in [
            (topology.senderNamespace, topology.senderInterface), (topology.receiverNamespace, topology.receiverInterface),
        ] where features[interface] == nil {
            features[interface] = (try? DeviceFeatures.read(namespace: namespace, interface: interface))?.mapValues(\.description) ?? [:]
        }
        return features
    }
}
