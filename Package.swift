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
        .target(
            name: "LocalEngine",
            dependencies: ["GenerationCore", "CKernels"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
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
