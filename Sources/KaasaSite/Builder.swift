import Foundation
import KaasaCore

/// The whole pipeline: load and check, render, write. The command-line tool is a thin layer over it.
public struct Builder: Sendable {
  public var siteDirectory: URL
  public var output: URL
  public var includeDrafts: Bool
  public var baseURLOverride: URL?
  public var history: @Sendable (Site) -> SiteHistory

  public init(
    siteDirectory: URL, output: URL, includeDrafts: Bool = false, baseURLOverride: URL? = nil,
    history: @escaping @Sendable (Site) -> SiteHistory = { _ in .none }
  ) {
    self.siteDirectory = siteDirectory
    self.output = output
    self.includeDrafts = includeDrafts
    self.baseURLOverride = baseURLOverride
    self.history = history
  }

  /// The outcome of a build: its diagnostics and, when it succeeded, what it wrote.
  public struct Report: Sendable {
    public var diagnostics: [Diagnostic]
    public var files: [OutputFile]
    /// What the build could not know (no git history, a shallow clone…), for the tool to say once.
    public var notes: [String] = []
    public var pages: Int { files.count { $0.path.hasSuffix(".html") } }
    public var feeds: Int {
      files.count { $0.path.hasSuffix(".xml") && $0.path != "sitemap.xml" || $0.path.hasSuffix(".ics") }
    }
    public var succeeded: Bool { !diagnostics.hasErrors }
  }

  /// Loads, checks and renders without writing; `now` resolves after the site's time zone is known.
  public func render(now: (TimeZone) throws -> Date) throws -> Report {
    let loaded = ContentLoader(siteDirectory: siteDirectory).load()
    guard var site = loaded.site, !loaded.diagnostics.hasErrors else {
      return Report(diagnostics: loaded.diagnostics, files: [])
    }
    if let baseURLOverride { site.settings.baseURL = baseURLOverride }
    let theme = try Theme.load(
      name: site.settings.theme, language: site.settings.language, siteDirectory: siteDirectory)
    let history = history(site)
    let renderer = SiteRenderer(
      site: site, theme: theme,
      options: RenderOptions(now: try now(site.settings.timeZone), includeDrafts: includeDrafts),
      history: history, filesDirectory: siteDirectory.appendingPathComponent("content/files").path)
    return Report(diagnostics: loaded.diagnostics, files: try renderer.render(), notes: history.notes)
  }

  /// Renders and, when there are no errors, replaces the output folder.
  public func build(now: (TimeZone) throws -> Date) throws -> Report {
    let report = try render(now: now)
    if report.succeeded { try OutputWriter(output: output).write(report.files) }
    return report
  }
}
