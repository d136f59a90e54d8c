import Foundation
import GenerationCore

/// Compare mode: one column per set with the differing parameters on top, the tokens coloured as `m` says,
/// the first divergent token marked in every column, the cursor (Left/Right) and the set's statistics below.
func drawCompare(_ buffer: inout CellBuffer, _ state: AppState, _ compare: CompareState, _ layout: Layout) {
    let divergence = compare.divergence
    let cursor = layout.compareCursor
    for (i, column) in compare.columns.enumerated() where i < layout.compareColumns.count {
        let rect = layout.compareColumns[i].box
        let status = column.error != nil ? "error" : column.done ? (column.finishReason?.rawValue ?? "done") : "…"
        drawBox(&buffer, rect, title: column.name, focused: state.focus == .output, right: status)
        guard let parts = layout.compareColumns[i].parts else { continue }
        for (row, text) in parts.headers.enumerated() {
            buffer.put(text, x: rect.inner.x, y: rect.inner.y + row, role: .dim, limit: rect.inner.maxX)
        }
        let area = parts.tokens
        for (row, line) in parts.statistics.enumerated() {
            buffer.put(line, x: area.x, y: area.maxY + row, role: .dim, limit: area.maxX)
        }
        guard area.height > 0 else { continue }
        var t = column.transcript
        if t.width != area.width { t.relayout(width: area.width) }
        let top = parts.top
        // Coloured as the main output is (`m`): a column on another backend has no raw numbers of the playground's.
        let raw = column.backend == nil && reportedIsRaw(state)
        drawTokens(&buffer, t, area: area, top: top, cursor: cursor, marked: divergence,
                   colourBy: state.lab.colourBy, reportedIsRaw: raw)
        if t.isEmpty && column.error == nil {
            buffer.put(column.done ? "(no tokens)" : "waiting…", x: area.x, y: area.y, role: .placeholder, limit: area.maxX)
        }
        if let error = column.error {
            let lines = wrap(error, width: area.width).prefix(max(1, min(4, area.height - 1)))
            for (row, line) in lines.enumerated() {
                buffer.put(line, x: area.x, y: area.maxY - lines.count + row, role: .error, limit: area.maxX)
            }
        }
    }
}

/// Short parameter names for narrow compare columns.
func shortFieldName(_ field: String) -> String {
    switch field {
    case "temperature": return "temp"
    case "repetition_penalty": return "rep_pen"
    case "frequency_penalty": return "freq_pen"
    case "presence_penalty": return "pres_pen"
    case "max_new_tokens": return "max_new"
    case "top_n_tokens": return "top_n"
    case "decoder_input_details": return "dec_details"
    case "return_full_text": return "full_text"
    default: return field
    }
}

/// A compare column's pieces inside its box: the differing-parameter lines, the token area and the statistics
/// lines under it (shared by the view and mouse hit-testing); nil when the box is too small for any.
func columnParts(_ compare: CompareState, _ i: Int, _ rect: Rect) -> (headers: [String], tokens: Rect, statistics: [String])? {
    let inner = rect.inner
    guard inner.width > 0, inner.height > 3, compare.columns.indices.contains(i) else { return nil }
    // Differing parameters: as many lines as fit in a quarter of the column.
    let headerRoom = max(1, min(compare.differences.count, inner.height / 4))
    var headers = compare.differences.map { d in
        let name = inner.width < 24 ? shortFieldName(d.field) : d.field
        return d.field == "backend" && d.values[i] == nil ? "\(name) default" : "\(name) \(d.text(at: i))"
    }
    if headers.isEmpty { headers = ["same parameters"] }
    if headers.count > headerRoom {
        headers = Array(headers.prefix(headerRoom - 1)) + ["+\(headers.count - headerRoom + 1) more"]
    }
    let statRoom = inner.height >= 20 ? 5 : inner.height >= 10 ? 3 : 1
    let statistics = columnStatistics(compare.columns[i], width: inner.width, room: statRoom)
    let tokens = Rect(x: inner.x, y: inner.y + headers.count, width: inner.width,
                      height: max(0, inner.height - headers.count - statistics.count))
    return (headers, tokens, statistics)
}

/// The first row shown of a column: the end while streaming, else the row keeping `focus` in view.
func columnTop(_ t: Transcript, height: Int, focus: Int?) -> Int {
    var top = max(0, t.rows.count - height)
    if let focus, focus < t.tokenRow.count {
        let row = Int(t.tokenRow[focus])
        if row < top || row >= top + height { top = max(0, min(row - height / 2, t.rows.count - height)) }
    }
    return top
}

/// The statistics under a column, packed into `room` lines of `width`.
func columnStatistics(_ column: CompareColumn, width: Int, room: Int) -> [String] {
    let s = column.statistics
    var items = ["\(s.tokens) tok"]
    if let tps = s.tokensPerSecond, column.done, s.tokens > 0 { items.append(String(format: "%.1f tok/s", tps)) }
    if let ppl = s.perplexity { items.append(String(format: "ppl %.2f", ppl)) }
    if let ttft = s.timeToFirstToken { items.append(String(format: "ttft %.0fms", ttft * 1000)) }
    // Time spent behind another set on the same backend, apart from the TTFT (which leaves it out).
    if column.queueTime >= 0.05 { items.append(String(format: "queue %.1fs", column.queueTime)) }
    if let mean = s.meanLogprob { items.append(String(format: "lp %.3f", mean)) }
    if let seed = column.seed { items.append("seed \(seed)") }
    var lines: [String] = []
    var current = ""
    for item in items {
        if current.isEmpty {
            current = item
        } else if DisplayWidth.of(current) + 3 + DisplayWidth.of(item) <= width {
            current += " · " + item
        } else {
            lines.append(current)
            current = item
        }
    }
    if !current.isEmpty { lines.append(current) }
    return Array(lines.prefix(room))
}

/// Why the sets chose differently at a position: each set's choice and its rank in its own distribution.
func divergenceExplanation(_ compare: CompareState, at index: Int) -> String {
    let entries = compare.columns.map { column -> (name: String, token: OutputToken?) in
        (column.name, index < column.transcript.count ? column.transcript.tokens[index] : nil)
    }
    let tops = entries.compactMap { entry in entry.token.flatMap { sortedAlternatives($0).first }.map { (entry.name, $0) } }
    var parts: [String] = []
    if Set(tops.map(\.1.id)).count > 1 {
        parts.append("the distributions differ: most likely " + tops.map { "\($0.0) \(visible($0.1.text))" }.joined(separator: ", "))
    } else if let first = tops.first {
        parts.append("same most likely token \(visible(first.1.text)); the draw differed")
    }
    for entry in entries {
        guard let token = entry.token else {
            parts.append("\(entry.name) had ended")
            continue
        }
        if let rank = token.rank {
            parts.append(rank == 1 ? "\(entry.name) took its top token" : "\(entry.name) sampled its no. \(rank)")
        } else if !token.topTokens.isEmpty {
            parts.append("\(entry.name) took a token outside its top \(token.topTokens.count)")
        }
    }
    return parts.joined(separator: "; ")
}

/// Every set's distribution at the cursor, next to each other: the chosen token marked with ▶, the tokens
/// other sets chose marked with their letters, and a line saying why the choices differ.
func drawDistributions(_ buffer: inout CellBuffer, _ compare: CompareState, _ area: Rect) {
    guard let index = compare.position else { return }
    let rect = Rect(x: area.x, y: area.y, width: area.width, height: area.height)
    guard rect.width >= 20, rect.height >= 6 else { return }
    buffer.fill(rect, role: .popup)
    let title = index == compare.divergence ? "Token \(index + 1): first divergence" : "Token \(index + 1)"
    drawBox(&buffer, rect, title: title, focused: true, right: "←→ move  ↑↓ Tab pick  Enter branch  Esc")
    let inner = rect.inner
    let why = wrap(divergenceExplanation(compare, at: index), width: inner.width)
    let whyRows = min(why.count, max(1, inner.height / 3))
    for (row, line) in why.prefix(whyRows).enumerated() {
        buffer.put(line, x: inner.x, y: inner.maxY - whyRows + row, role: .popupTitle, limit: inner.maxX)
    }
    let n = compare.columns.count
    let listHeight = inner.height - whyRows
    let chosen: [(String, Token)] = compare.columns.compactMap { column in
        index < column.transcript.count ? (column.name, column.transcript.tokens[index].token) : nil
    }
    for (i, column) in compare.columns.enumerated() {
        let x0 = inner.x + inner.width * i / n
        let x1 = inner.x + inner.width * (i + 1) / n - 1
        var y = inner.y
        guard index < column.transcript.count else {
            buffer.put("\(column.name): ended before", x: x0, y: y, role: .popup, limit: x1)
            continue
        }
        let token = column.transcript.tokens[index]
        let p = token.token.probability.map { String(format: " %.1f%%", $0 * 100) } ?? ""
        buffer.put("\(column.name) chose \(visible(token.token.text))\(p)", x: x0, y: y, role: .popupTitle, limit: x1)
        y += 1
        // What this set runs with, where it differs from the others.
        let own = compare.differences.map { "\(shortFieldName($0.field)) \($0.values[i] == nil && $0.field == "backend" ? "default" : $0.text(at: i))" }
        if !own.isEmpty, y < inner.y + listHeight {
            buffer.put(own.joined(separator: " · "), x: x0, y: y, role: .dim, limit: x1)
            y += 1
        }
        let alternatives = sortedAlternatives(token)
        if alternatives.isEmpty {
            buffer.put("no top_tokens", x: x0, y: y, role: .dim, limit: x1)
            continue
        }
        for (rank, alt) in alternatives.enumerated() where y < inner.y + listHeight {
            let isChosen = alt.isSameToken(as: token.token)
            let picked = i == compare.pickColumn && rank == compare.pick
            let others = chosen.filter { $0.1.isSameToken(as: alt) && $0.0 != column.name }.map(\.0).joined()
            let role: Role = picked ? .tokenCursor : isChosen ? .popupSelected : Role.probabilityRole(alt.probability)
            var x = buffer.put(picked ? "➜" : isChosen ? "▶" : " ", x: x0, y: y, role: role, limit: x1)
            let percent = String(format: "%5.1f%% ", (alt.probability ?? 0) * 100)
            x = buffer.put(percent, x: x, y: y, role: role, limit: x1)
            let mark = others.isEmpty ? "" : " " + others
            let room = max(1, x1 - x - DisplayWidth.of(mark))
            var text = visible(alt.text)
            if DisplayWidth.of(text) > room { text = String(text.prefix(max(1, room - 1))) + "…" }
            x = buffer.put(text, x: x, y: y, role: role, limit: x1)
            if !mark.isEmpty { x = buffer.put(mark, x: x, y: y, role: .popupTitle, limit: x1) }
            // A bar for the probability in what is left of the column.
            let barStart = max(x + 1, x0 + 22)
            let barRoom = max(0, x1 - barStart)
            let cells = Int(((alt.probability ?? 0) * Double(barRoom)).rounded())
            if cells > 0 {
                buffer.put(String(repeating: "█", count: cells), x: barStart, y: y,
                           role: Role.probabilityRole(alt.probability), limit: x1)
            }
            y += 1
        }
    }
}
