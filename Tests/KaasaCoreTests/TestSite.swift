import Foundation
import KaasaCore

/// A throwaway site folder for tests: write files, load, look at diagnostics.
struct TestSite {
  let root: URL

  static let siteYAML = """
    title: Testvald
    baseURL: https://plaanid.example.ee/
    language: et
    timezone: Europe/Tallinn

    """

  static let areasYAML = """
    municipalities:
      - id: jogeva-vald
        name: Jõgeva vald
        email: info@jogeva.example.ee
        villages:
          - id: torma
            name: Torma
            kind: alevik
          - id: saare
            name: Saare
      - id: mustvee-vald
        name: Mustvee vald
        villages:
          - id: avinurme
            name: Avinurme
          - id: saare
            name: Saare

    """

  static func plan(
    title: String = "Torma kooli katus", extra: String = "",
    timeline: String = "  - { date: 2026-11-20, stage: idea, title: Idee }\n"
  ) -> String {
    """
    ---
    title: \(title)
    summary: Kooli katus vahetatakse.
    municipality: jogeva-vald
    villages: [torma]
    type: investment
    \(extra)timeline:
    \(timeline)---
    Tekst.

    """
  }

  init(site: String = TestSite.siteYAML, areas: String = TestSite.areasYAML, files: [String: String] = [:])
    throws
  {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("kaasa-test-\(UUID().uuidString)")
    try write("content/site.yml", site)
    try write("content/areas.yml", areas)
    for (path, text) in files { try write(path, text) }
  }

  func write(_ path: String, _ text: String) throws {
    try write(path, Data(text.utf8))
  }

  func write(_ path: String, _ data: Data) throws {
    let url = root.appendingPathComponent(path)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try data.write(to: url)
  }

  func load() -> LoadResult { ContentLoader(siteDirectory: root).load() }

  /// Diagnostics rendered as text lines, the form users see.
  func report() -> [String] {
    DiagnosticFormat.text.render(load().diagnostics).split(separator: "\n").map(String.init)
  }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

extension Array where Element == String {
  /// The one line that starts with `prefix` (file:line:column: severity) and contains `text`.
  func first(_ prefix: String, containing text: String) -> String? {
    first { $0.hasPrefix(prefix) && $0.contains(text) }
  }
}
