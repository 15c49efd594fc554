// swift-tools-version:6.1
// libFuzzer targets for p2psh's parsers of outside input. Not built by `swift build` of the
// main package: `Fuzz/build` builds them with the fuzzer and address sanitizers into
// .build/fuzz, and `make fuzz` runs them (see README.md here).
import PackageDescription

let peerKit: Target.Dependency = .product(name: "PeerKit", package: "p2psh")
let fileSharing: Target.Dependency = .product(name: "FileSharing", package: "p2psh")

let package = Package(
    name: "p2psh-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "p2psh", path: ".."), .package(url: "https://github.com/apple/swift-log", from: "1.16.2")],
    targets: [
        // Each target defines LLVMFuzzerTestOneInput; libFuzzer supplies main().
        .executableTarget(name: "BencodeFuzz", dependencies: [peerKit], path: "Targets/BencodeFuzz"),
        .executableTarget(name: "KRPCFuzz", dependencies: [peerKit, fileSharing], path: "Targets/KRPCFuzz"),
        .executableTarget(name: "ItemFuzz", dependencies: [peerKit, .product(name: "Logging", package: "swift-log")],
                          path: "Targets/ItemFuzz"),
        .executableTarget(name: "RangeFuzz", dependencies: [fileSharing], path: "Targets/RangeFuzz"),
        .executableTarget(name: "SharePathFuzz", dependencies: [fileSharing], path: "Targets/SharePathFuzz"),
        // The shell is an executable module, which another package cannot import: its
        // tokenizer and history parser are compiled into this target through symbolic links.
        .executableTarget(name: "TokenizerFuzz", path: "Targets/TokenizerFuzz"),
    ],
    swiftLanguageModes: [.v6]
)
