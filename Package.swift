// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "tgplay",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tgplay", targets: ["tgplay"]),
        .library(name: "GenerationCore", targets: ["GenerationCore"]),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CNCurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"])]
        ),
        .target(
            name: "GenerationCore",
            dependencies: ["CCurl"]
        ),
        .executableTarget(
            name: "tgplay",
            dependencies: ["GenerationCore"]
        ),
        .testTarget(
            name: "GenerationCoreTests",
            dependencies: ["GenerationCore", "tgplay"],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
