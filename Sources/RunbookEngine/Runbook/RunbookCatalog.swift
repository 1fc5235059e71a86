import Foundation

/// The runbooks in a set of folders: listing, finding one by name, and checking that
/// names are unique.
public struct RunbookCatalog: Sendable {
    /// One file of the catalog and what loading it gave.
    public struct Entry: Sendable {
        /// The runbook file.
        public let file: String
        /// Its metadata, or why it does not load.
        public let result: Result<Runbook, RunbookError>
    }

    /// The folders searched, in order.
    public let directories: [String]
    /// The engine the catalog loads files with.
    public let engine: Engine

    /// A catalog of `directories`, loaded with `engine`'s modules.
    public init(directories: [String], engine: Engine) {
        self.directories = directories
        self.engine = engine
    }

    /// The folders to search: `--runbooks`, else `RUNBOOK_PATH` (colon-separated), else `./runbooks`.
    public static func searchPath(option: String?, environment: [String: String]) -> [String] {
        if let option { return [option] }
        if let path = environment["RUNBOOK_PATH"], !path.isEmpty { return path.split(separator: ":").map(String.init) }
        return ["runbooks"]
    }

    /// Every `.lua` file under `paths` (files as given, folders searched recursively),
    /// sorted. Runbook tests (`*_test.lua`) and `fixtures` folders are not runbooks.
    public static func luaFiles(under paths: [String]) -> [String] {
        var files: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            guard let walker = manager.enumerator(atPath: path) else { continue }
            while let relative = walker.nextObject() as? String {
                let components = relative.split(separator: "/")
                if components.contains(where: { $0 == "fixtures" || $0.hasPrefix(".") }) { continue }
                if relative.hasSuffix(".lua"), !relative.hasSuffix("_test.lua") {
                    files.append(path == "." ? relative : "\(path)/\(relative)")
                }
            }
        }
        return files.sorted()
    }

    /// Loads every runbook file in the catalog.
    public func entries() -> [Entry] {
        let files = Self.luaFiles(under: directories)
        return zip(files, engine.inspect(files: files)).map { Entry(file: $0, result: $1) }
    }

    func load(_ file: String) -> Entry {
        do {
            return Entry(file: file, result: .success(try engine.inspect(file: file)))
        } catch let error as RunbookError {
            return Entry(file: file, result: .failure(error))
        } catch {
            return Entry(file: file, result: .failure(RunbookError(.invalid, "\(file): \(error)")))
        }
    }

    /// Names used by more than one file, as errors naming every file.
    public static func duplicates(in entries: [Entry]) -> [RunbookError] {
        let loaded = entries.compactMap { entry in (try? entry.result.get()).map { ($0.name, entry.file) } }
        return Dictionary(grouping: loaded, by: \.0).filter { $0.value.count > 1 }.sorted { $0.key < $1.key }.map { name, uses in
            RunbookError(.invalid, "runbook name '\(name)' is used by \(uses.map(\.1).joined(separator: " and "))",
                         hint: "runbook names must be unique; rename one of them")
        }
    }

    /// The file of the runbook named `reference`, or `reference` itself when it is a path.
    ///
    /// Tries `<dir>/<name>.lua` and `<dir>/<name with dots as folders>.lua` first, then
    /// every file in the catalog.
    /// - Throws: ``RunbookError`` with the closest names when nothing matches.
    public func resolve(_ reference: String) throws -> String {
        if reference.hasSuffix(".lua") || reference.contains("/") {
            guard FileManager.default.fileExists(atPath: reference) else {
                throw RunbookError(.notFound, "no runbook file at \(reference)")
            }
            return reference
        }
        for directory in directories {
            for candidate in ["\(directory)/\(reference).lua", "\(directory)/\(reference.replacingAll(".", with: "/")).lua"]
            where FileManager.default.fileExists(atPath: candidate) {
                if case .success(let runbook) = load(candidate).result, runbook.name == reference { return candidate }
            }
        }
        let entries = entries()
        if let match = entries.first(where: { (try? $0.result.get())?.name == reference }) { return match.file }
        let names = entries.compactMap { try? $0.result.get().name }
        let close = names.filter { editDistance($0, reference) <= 3 || $0.contains(reference) }.sorted()
        throw RunbookError(
            .notFound, "no runbook named '\(reference)' in \(directories.joined(separator: ", "))",
            hint: close.isEmpty ? "run `runbook list` to see the runbooks, or pass a file path" : "did you mean \(close.joined(separator: ", "))?")
    }
}
