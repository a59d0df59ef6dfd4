// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "Kaasa",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "kaasa", targets: ["kaasa"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CCmarkGFM",
      pkgConfig: "libcmark-gfm",
      providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
    ),
    // libyaml reads the YAML of content files; its events become the tree the decoding walks.
    .systemLibrary(
      name: "CYAML",
      pkgConfig: "yaml-0.1",
      providers: [.apt(["libyaml-dev"])]
    ),
    // The compact binary form of the caches kept between builds.
    .target(name: "KaasaBytes"),
    .target(
      name: "KaasaCore",
      dependencies: [
        "KaasaBytes",
        "CYAML",
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .target(
      name: "KaasaMarkdown",
      dependencies: ["CCmarkGFM", "KaasaCore"],
      linkerSettings: [.linkedLibrary("cmark-gfm-extensions"), .linkedLibrary("cmark-gfm")]
    ),
    .target(name: "KaasaFeeds", dependencies: ["KaasaBytes", "KaasaCore"]),
    .target(name: "KaasaTemplate"),
    .target(
      name: "KaasaSite",
      dependencies: [
        "KaasaBytes", "KaasaCore", "KaasaMarkdown", "KaasaFeeds", "KaasaTemplate",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      resources: []
    ),
    .target(
      name: "KaasaServer",
      dependencies: [
        "KaasaCore", "KaasaSite",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ]
    ),
    .executableTarget(
      name: "kaasa",
      dependencies: [
        "KaasaCore", "KaasaSite", "KaasaServer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      // mimalloc (Debian's libmimalloc-dev) takes the place of glibc's malloc for the whole process:
      // a build allocates millions of small strings, arrays and contexts on both cores, and with
      // glibc's allocator a tenth of its CPU went to malloc and free. Linked before libc, its
      // malloc and free are the ones every library in the process calls.
      linkerSettings: [.linkedLibrary("mimalloc", .when(platforms: [.linux]))]
    ),
    .testTarget(name: "KaasaCoreTests", dependencies: ["KaasaCore"]),
    .testTarget(name: "KaasaMarkdownTests", dependencies: ["KaasaMarkdown", "KaasaCore"]),
    .testTarget(name: "KaasaFeedsTests", dependencies: ["KaasaFeeds", "KaasaBytes"]),
    // swift-mustache is the reference the template engine is compared with.
    .testTarget(
      name: "KaasaTemplateTests",
      dependencies: ["KaasaTemplate", "KaasaSite", .product(name: "Mustache", package: "swift-mustache")]),
    .testTarget(
      name: "KaasaSiteTests",
      dependencies: ["KaasaSite", "KaasaCore"]),
    .testTarget(
      name: "KaasaServerTests",
      dependencies: [
        "KaasaServer",
        .product(name: "HummingbirdTesting", package: "hummingbird"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)
