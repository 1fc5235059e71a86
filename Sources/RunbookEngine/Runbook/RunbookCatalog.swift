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
        files(under: paths) { $0.hasSuffix(".lua") && !$0.hasSuffix("_test.lua") }
    }

    /// Runbook tests: every `*_test.lua` under `paths` (files as given, folders searched
    /// recursively, `fixtures` folders skipped), sorted.
    public static func testFiles(under paths: [String]) -> [String] {
        files(under: paths) { $0.hasSuffix("_test.lua") }
    }

    private static func files(under paths: [String], _ wanted: (String) -> Bool) -> [String] {
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
                if wanted(relative) {
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

    /// Names used by more than one file, as errors naming every file.
    public static func duplicates(in entries: [Entry]) -> [RunbookError] {
        let loaded = entries.compactMap { entry in (try? entry.result.get()).map { ($0.name, entry.file) } }
        return Dictionary(grouping: loaded, by: \.0).filter { $0.value.count > 1 }.sorted { $0.key < $1.key }.map { name, uses in
            RunbookError(.invalid, "runbook name '\(name)' is used by \(uses.map(\.1).joined(separator: " and "))",
                         hint: "runbook names must be unique; rename one of them")
        }
    }

    /// The most names "did you mean" offers.
    static let maximumSuggestions = 5

    /// The file of the runbook named `reference`, or `reference` itself when it is a path.
    ///
    /// Only files whose text mentions the name are loaded (a name computed while loading is
    /// not found by name; pass its path). A name that two files define is an error naming both.
    /// - Throws: ``RunbookError`` with the closest names (at most five) when nothing matches.
    public func resolve(_ reference: String) throws -> String {
        if reference.hasSuffix(".lua") || reference.contains("/") {
            guard FileManager.default.fileExists(atPath: reference) else {
                throw RunbookError(.notFound, "no runbook file at \(reference)")
            }
            return reference
        }
        let files = Self.luaFiles(under: directories)
        let needle = Data(reference.utf8)
        let mentioning = files.filter { file in
            FileManager.default.contents(atPath: file).map { $0.range(of: needle) != nil } ?? false
        }
        let matches = zip(mentioning, engine.inspect(files: mentioning)).compactMap { file, result in
            (try? result.get())?.name == reference ? file : nil
        }
        if matches.count > 1 {
            throw RunbookError(.invalid, "runbook name '\(reference)' is defined by \(matches.joined(separator: " and "))",
                               hint: "runbook names must be unique; rename one of them, or pass the file's path")
        }
        if let match = matches.first { return match }
        let names = entries().compactMap { try? $0.result.get().name }
        let close = names.filter { editDistance($0, reference) <= 3 || $0.contains(reference) }
            .sorted { (editDistance($0, reference), $0) < (editDistance($1, reference), $1) }
        let shown = close.prefix(Self.maximumSuggestions).joined(separator: ", ") + (close.count > Self.maximumSuggestions ? ", ..." : "")
        throw RunbookError(
            .notFound, "no runbook named '\(reference)' in \(directories.joined(separator: ", "))",
            hint: close.isEmpty ? "run `runbook list` to see the runbooks, or pass a file path" : "did you mean \(shown)?")
    }
}
