// swift-tools-version:6.0
// libFuzzer targets for ckpt's readers, kept out of the main package so that sanitizer flags
// never reach it. Build with scripts/fuzz.sh (it passes -sanitize=fuzzer,address and
// -enable-testing to every module, CkptKit included, so the library is instrumented too).
import PackageDescription

let fuzzTargets = ["FuzzNPZ", "FuzzSafetensors", "FuzzHDF5", "FuzzJSON", "FuzzKeras", "FuzzTorch", "FuzzHFConfig", "FuzzGGUF"]

let package = Package(
    name: "CkptFuzz",
    dependencies: [
        .package(name: "ckpt", path: ".."),
    ],
    targets: [
        // Shared by every target: the temporary input file and "read every tensor".
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "CkptKit", package: "ckpt")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ] + fuzzTargets.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzSupport", .product(name: "CkptKit", package: "ckpt")],
            // libFuzzer supplies main(); the file only exports LLVMFuzzerTestOneInput.
            swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]
        )
    }
)
