// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "tgplay",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tgplay", targets: ["tgplay"]),
        .library(name: "GenerationCore", targets: ["GenerationCore"]),
        .library(name: "LocalEngine", targets: ["LocalEngine"]),
        .library(name: "Playground", targets: ["Playground"]),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            // No pkgConfig: ncursesw.pc adds -D_XOPEN_SOURCE=600, which SwiftPM rejects with a warning; the
            // headers are on the default path and the module map links ncursesw and tinfo itself.
            name: "CNCurses",
            providers: [.apt(["libncurses-dev"])]
        ),
        .target(
            name: "GenerationCore",
            dependencies: ["CCurl"]
        ),
        // SIMD kernels in C: x86 AVX2/AVX-512 paths chosen at run time, plus a portable fallback. Always optimized,
        // so debug builds (and `swift test`) run the engine at a usable speed.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off"])]
        ),
        // Optimized (`-O`) in every configuration, so debug builds and `swift test` run the engine at a usable
        // speed, but with Swift's checks (bounds, overflow) kept: it parses GGUF files, tokenizer data, regexes and
        // schemas a person points it at. The numeric hot loops are C (CKernels); `tgplay bench engine` measured
        // no loss against the former `-Ounchecked` (README, Robustness).
        .target(
            name: "LocalEngine",
            dependencies: ["GenerationCore", "CKernels"],
            swiftSettings: [.unsafeFlags(["-O"])]
        ),
        // The TUI: pure update/view over cell buffers, plus the ncurses runtime that blits them.
        .target(
            name: "Playground",
            dependencies: ["GenerationCore", "CNCurses"]
        ),
        .executableTarget(
            name: "tgplay",
            dependencies: ["GenerationCore", "LocalEngine", "Playground"]
        ),
        .testTarget(
            name: "GenerationCoreTests",
            dependencies: ["GenerationCore", "LocalEngine", "tgplay"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "PlaygroundTests",
            dependencies: ["Playground", "GenerationCore", "LocalEngine"],
            exclude: ["Snapshots"]
        ),
        .testTarget(
            name: "LocalEngineTests",
            dependencies: ["LocalEngine", "GenerationCore"],
            exclude: ["Fixtures"],
            swiftSettings: [.unsafeFlags(["-O"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (Tests/Fuzz/Targets/<name>), one per parser that reads bytes from outside. They exist only
// when scripts/fuzz.sh sets TGPLAY_FUZZ=1 and builds them with `--sanitize=fuzzer --sanitize=address` into
// .build/fuzz, so `swift build` and `swift test` never see them. Seed corpora: Tests/Fuzz/<corpus>/.
let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    ("FuzzSSE", ["GenerationCore"]),
    ("FuzzTGI", ["GenerationCore"]),
    ("FuzzOpenAI", ["GenerationCore"]),
    ("FuzzJSON", ["GenerationCore"]),
    ("FuzzGGUF", ["LocalEngine"]),
    ("FuzzTokenizer", ["LocalEngine"]),
    ("FuzzRegex", ["LocalEngine"]),
    ("FuzzSchema", ["LocalEngine", "GenerationCore"]),
    ("FuzzSession", ["GenerationCore"]),
    ("FuzzTheme", ["Playground"]),
    ("FuzzInput", ["Playground"]),
    ("FuzzOptions", ["GenerationCore"]),
]
if Context.environment["TGPLAY_FUZZ"] == "1" {
    for target in fuzzTargets {
        package.targets.append(.executableTarget(name: target.name, dependencies: target.dependencies,
                                                 path: "Tests/Fuzz/Targets/\(target.name)"))
        package.products.append(.executable(name: target.name, targets: [target.name]))
    }
}
