import Foundation
import KaasaCore
import KaasaMarkdown
import Synchronization

/// What a build renders against: the moment "now" and whether drafts are included.
public struct RenderOptions: Sendable {
  public var now: Date
  public var includeDrafts: Bool

  public init(now: Date, includeDrafts: Bool = false) {
    self.now = now
    self.includeDrafts = includeDrafts
  }
}

/// Renders a loaded site to the complete list of output files. Pure: no disk, no clock.
public struct SiteRenderer: Sendable {
  public let site: Site
  public let theme: Theme
  public let options: RenderOptions
  public let history: SiteHistory
  let urls: SiteURLs
  let zone: TimeZone
  let t: Translations
  /// Source folder of content/files, for copying.
  let filesDirectory: String

  public init(site: Site, theme: Theme, options: RenderOptions, history: SiteHistory = .none, filesDirectory: String) {
    var site = site
    if !options.includeDrafts { site.plans.removeAll { $0.draft } }
    self.site = site
    self.theme = theme
    self.options = options
    self.history = history
    self.urls = SiteURLs(baseURL: site.settings.baseURL)
    self.zone = site.settings.timeZone
    self.t = theme.strings
    self.filesDirectory = filesDirectory
  }

  var now: Date { options.now }

  /// Every file of the site, sorted by path.
  public func render() throws -> [OutputFile] {
    let rendered = renderPlanBodies()
    let model = SiteIndex(site: site, zone: zone, now: now)
    var files: [OutputFile] = []
    let planFiles = Mutex<[[OutputFile]]>(Array(repeating: [], count: site.plans.count))
    let failure = Mutex<(any Error)?>(nil)
    DispatchQueue.concurrentPerform(iterations: site.plans.count) { i in
      do {
        let out = try renderPlan(site.plans[i], body: rendered[i], model: model)
        planFiles.withLock { $0[i] = out }
      } catch {
        failure.withLock { $0 = error }
      }
    }
    if let error = failure.withLock({ $0 }) { throw error }
    files += planFiles.withLock { $0 }.flatMap { $0 }
    files += try renderAreas(model: model)
    files += try renderSiteWide(model: model)
    files += site.files.map { OutputFile(path: "files/\($0)", copyOf: filesDirectory + "/" + $0) }
    files += theme.assets.map { OutputFile(path: $0.path, bytes: $0.data) }
    return files.sorted { $0.path < $1.path }
  }

  /// cmark runs behind its own lock; doing every body first keeps the parallel part free of it.
  func renderPlanBodies() -> [RenderedMarkdown] {
    let options = MarkdownOptions(filesBase: urls.basePath, topHeadingLevel: 3)
    return site.plans.map { Markdown.render($0.body, options: options) }
  }

  // MARK: Pages

  func page(_ template: String, path: String, title: String, description: String?, feeds: [[String: Any]] = [],
            extra: [String: Any]) throws -> OutputFile {
    var context = baseContext(path: path, title: title, description: description, feeds: feeds)
    for (k, v) in extra { context[k] = v }
    let html = try theme.render(template, context)
    let file = path.isEmpty || path.hasSuffix("/") ? path + "index.html" : path
    return OutputFile(path: file, text: html)
  }

  func baseContext(path: String, title: String, description: String?, feeds: [[String: Any]]) -> [String: Any] {
    let siteFeeds: [[String: Any]] = [
      ["title": t["feed_site"], "url": urls.absolute("feed.xml"), "type": "application/rss+xml"]
    ]
    return [
      "lang": site.settings.language.rawValue,
      "t": t.templateStrings,
      "site": context([
        "title": site.settings.title,
        "description": site.settings.description,
        "home": urls.link(""),
      ]),
      "base": urls.basePath,
      "assets": urls.link("assets/"),
      "page": [
        "title": title,
        "description": description ?? site.settings.description ?? "",
        "canonical": urls.absolute(path),
        "isHome": path.isEmpty,
      ] as [String: Any],
      "feeds": feeds.isEmpty ? siteFeeds : feeds,
      "menu": menu(current: path),
      "municipalities": site.municipalities.map { m in
        [
          "name": m.name, "url": urls.link(SiteURLs.municipality(m.id)),
          "villages": m.villages.map { ["name": $0.name, "url": urls.link(SiteURLs.village(m.id, $0.id))] },
        ] as [String: Any]
      },
    ]
  }

  func menu(current: String) -> [[String: Any]] {
    var items: [[String: Any]] = [
      ["title": t["nav_home"], "url": urls.link(""), "current": current.isEmpty],
      ["title": t["nav_plans"], "url": urls.link("plans/"), "current": current == "plans/"],
    ]
    for p in site.pages where p.menu {
      items.append(["title": p.title, "url": urls.link("\(p.slug)/"), "current": current == "\(p.slug)/"])
    }
    return items
  }
}

/// Plans grouped for lookups that would otherwise scan every plan per village.
struct SiteIndex: Sendable {
  let byMunicipality: [String: [Plan]]
  /// Plans naming a village, by "municipality/village".
  let byVillage: [String: [Plan]]
  let statuses: [String: Stage]

  init(site: Site, zone: TimeZone, now: Date) {
    var m: [String: [Plan]] = [:]
    var v: [String: [Plan]] = [:]
    var s: [String: Stage] = [:]
    for p in site.plans {
      m[p.municipalityID, default: []].append(p)
      for village in Set(p.villageIDs) { v["\(p.municipalityID)/\(village)", default: []].append(p) }
      s[p.id] = p.status(at: now, in: zone)
    }
    byMunicipality = m
    byVillage = v
    statuses = s
  }

  func plans(municipality: String) -> [Plan] { byMunicipality[municipality] ?? [] }

  /// Plans naming the village and the municipality-wide plans, by id.
  func plans(municipality: String, village: String) -> [Plan] {
    let named = byVillage["\(municipality)/\(village)"] ?? []
    let wide = plans(municipality: municipality).filter(\.isMunicipalityWide)
    return (named + wide).sorted { $0.id < $1.id }
  }
}

/// A template context without the keys whose values are missing or empty, because Mustache
/// renders a section for an empty string.
func context(_ values: [String: Any?]) -> [String: Any] {
  values.compactMapValues { value -> Any? in
    guard let value else { return nil }
    if let s = value as? String, s.isEmpty { return nil }
    return value
  }
}
