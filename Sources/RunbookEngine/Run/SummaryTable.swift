import LuaKit

/// A table a runbook shows with `summary_table`, its cells made text and its size capped, so a
/// runbook's loop cannot fill the journal or the terminal with one call.
struct SummaryTable: Sendable {
    static let maximumColumns = 32
    static let maximumRows = 10_000
    static let maximumCellCharacters = 1_000

    let title: String?
    let columns: [String]
    let rows: [[String]]

    init(title: String?, columns: [String], rows: [LuaValue]) throws {
        guard !columns.isEmpty, columns.count <= Self.maximumColumns else {
            throw LuaHostError("summary_table: give 1 to \(Self.maximumColumns) columns, not \(columns.count)")
        }
        guard rows.count <= Self.maximumRows else {
            throw LuaHostError("summary_table: at most \(Self.maximumRows) rows, not \(rows.count)")
        }
        self.title = title.map(Self.cell)
        self.columns = columns.map(Self.cell)
        self.rows = try rows.enumerated().map { index, row in
            guard case .table(let cells) = row else {
                throw LuaHostError("summary_table: row \(index + 1) is a \(row.typeName), not a table")
            }
            // A cell is found by position (`{ "1", "ok" }`, holes included) or by heading (`{ broker = "1" }`).
            var shown = columns.indices.map { $0 < cells.array.count ? Self.cell(cells.array[$0]) : "" }
            guard cells.array.count <= columns.count else {
                throw LuaHostError("summary_table: row \(index + 1) has \(cells.array.count) cells for \(columns.count) columns")
            }
            for (key, value) in cells.fields {
                if let position = key.intValue, (1...Int64(columns.count)).contains(position) {
                    shown[Int(position) - 1] = Self.cell(value)
                } else if let heading = key.stringValue, let column = columns.firstIndex(of: heading) {
                    shown[column] = Self.cell(value)
                } else {
                    throw LuaHostError("summary_table: row \(index + 1) has a cell for \(ArgumentChecker.shown(key)), which is no column")
                }
            }
            return shown
        }
    }

    private static func cell(_ value: LuaValue) -> String {
        switch value {
        case .nil: ""
        case .number(let number) where number.isFinite && number == number.rounded() && abs(number) < 1e15: String(Int64(number))
        default: cell(value.plainOrJSONText)
        }
    }

    private static func cell(_ text: String) -> String {
        text.count > maximumCellCharacters ? String(text.prefix(maximumCellCharacters - 1)) + "…" : text
    }
}
