import Foundation

/// Reading a report.json back (`zclab report`, `rerun`, `findings`,
/// `--baseline`), with errors in the user's words: the path, then what is
/// wrong with it, never a raw Foundation or Decodable dump.
public enum ReportFile {
    /// Why a file is not a report zclab can read.
    public struct LoadError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Decodes the report at `path`.
    public static func load(_ path: String) throws(LoadError) -> RunReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LoadError(path: path, reason: "no such file")
        }
        if isDirectory.boolValue {
            throw LoadError(path: path, reason: "is a folder, not a report.json (try \(path)/report.json)")
        }
        guard access(path, R_OK) == 0 else { throw LoadError(path: path, reason: "cannot read: \(Errno.current)") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw LoadError(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(RunReport.self, from: data)
        } catch let error as DecodingError {
            throw LoadError(path: path, reason: "not a zclab report: \(describe(error))")
        } catch {
            throw LoadError(path: path, reason: "not a zclab report: \(error)")
        }
    }

    /// A decoding error as a sentence naming the field by its JSON path.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\(field(context.codingPath + [key]))'"
        case .typeMismatch(let type, let context):
            return "field '\(field(context.codingPath))' is not \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "field '\(field(context.codingPath))' is null, expected \(typeName(type))"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "not JSON"
        case .dataCorrupted(let context):
            return "field '\(field(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// `scenarios[3].wire.bytes`, from a coding path.
    static func field(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "(top level)" : text
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is UInt64.Type, is Int32.Type, is UInt32.Type, is UInt16.Type: "an integer"
        case is Double.Type: "a number"
        case is [Any].Type: "a list"
        case is [String: Any].Type: "an object"
        default: "a \(type)"
        }
    }
}
