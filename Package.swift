// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ckpt",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ckpt", targets: ["ckpt"]),
        .library(name: "CkptKit", targets: ["CkptKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Thin C system libraries: a module map and a shim header each, no logic.
        .systemLibrary(
            name: "CHDF5",
            pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev", "pkgconf"])]
        ),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Vector kernels (AVX2, AVX-512) for the random streams, chosen at run time; bit-identical
        // to the Swift code in CkptKit/Random, which stays the portable path. CRC-32 by carry-less
        // multiplication (PCLMULQDQ, VPCLMULQDQ), equal to zlib's crc32.
        .target(name: "CkptKernels"),
        // All of ckpt's logic, in folders by concern.
        .target(
            name: "CkptKit",
            dependencies: ["CHDF5", "CZlib", "CkptKernels"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The command-line tool: argument parsing and output formatting only.
        .executableTarget(
            name: "ckpt",
            dependencies: [
                "CkptKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Generation throughput (docs/benchmarks.md): ckpt's samplers next to NumPy's; CRC-32
        // kernels next to zlib's crc32.
        .executableTarget(
            name: "ckpt-bench",
            dependencies: ["CkptKit", "CkptKernels", "CZlib"],
            path: "Benchmarks/ckpt-bench",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "CkptTestSupport",
            dependencies: ["CkptKit"],
            path: "Tests/CkptTestSupport",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "CkptKitTests",
            dependencies: ["CkptKit", "CkptTestSupport"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
