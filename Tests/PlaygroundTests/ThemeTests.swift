import Foundation
import Testing
@testable import Playground

@Suite("Themes")
struct ThemeTests {
    static let themesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("themes").path

    @Test func shippedThemesParse() {
        let loader = ThemeLoader(directories: [Self.themesDirectory])
        let names = loader.available()
        for name in ["default-dark", "light", "high-contrast", "monochrome"] {
            #expect(names.contains(name))
            let (theme, problem) = loader.load(name)
            #expect(problem == nil, "\(name): \(problem ?? "")")
            #expect(theme.name == name)
        }
        // The file of the default theme is the built-in default.
        #expect(loader.load("default-dark").theme.styles == Theme.builtinDefault.styles)
    }

    @Test func brokenThemeFallsBackWithAClearMessage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "normal = fg=252\nprob.0 = fg=purple-ish\n".write(to: dir.appendingPathComponent("bad.theme"), atomically: true, encoding: .utf8)
        let (theme, problem) = ThemeLoader(directories: [dir.path]).load("bad")
        #expect(theme == .builtinDefault)
        #expect(problem?.contains("line 2: unknown colour \"purple-ish\"") == true)
        let (_, missing) = ThemeLoader(directories: [dir.path]).load("nope")
        #expect(missing?.contains("no theme named \"nope\"") == true)
    }

    @Test func colourDepthFallbacks() {
        let style = Style(fg: .indexed(196), bg: .indexed(236), attributes: [], mono: .underline)
        #expect(style.adapted(to: .sixteen).fg == .indexed(9))
        let eight = style.adapted(to: .eight)
        #expect(eight.fg == .indexed(1))
        #expect(eight.attributes.contains(.bold))
        let mono = style.adapted(to: .monochrome)
        #expect(mono.fg == .standard && mono.bg == .standard && mono.attributes == .underline)
    }

    @Test func noColorMeansMonochrome() {
        #expect(ColorDepth.detect(colors: 256, environment: ["NO_COLOR": "1"]) == .monochrome)
        #expect(ColorDepth.detect(colors: 256, environment: ["NO_COLOR": ""]) == .full)
        #expect(ColorDepth.detect(colors: 8, environment: [:]) == .eight)
    }

    @Test func probabilityScaleIsDistinctInMonochrome() {
        let loader = ThemeLoader(directories: [Self.themesDirectory])
        for name in ["default-dark", "monochrome"] {
            let theme = loader.load(name).theme
            let low = theme.style(.prob0).adapted(to: .monochrome).attributes
            let high = theme.style(.prob5).adapted(to: .monochrome).attributes
            #expect(low != high)
        }
    }
}
