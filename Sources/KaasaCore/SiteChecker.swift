import Foundation

/// First path segments the build uses itself; a municipality or page may not take them.
public enum ReservedPaths {
  public static let segments: Set<String> = [
    "plans", "files", "assets", "feed.xml", "calendar.ics", "plans.json", "sitemap.xml", "robots.txt",
    "404.html",
    "index.html", "thanks", "_headers", "search",
  ]
}

/// Checks across files: references between plans, areas and files. Pure: model in, diagnostics out.
public enum SiteChecker {
  public static func check(_ site: Site, planFiles: [String] = [], pageFiles: [String] = []) -> [Diagnostic] {
    var out: [Diagnostic] = []
    let areasFile = "content/areas.yml"
    let pageSlugs = Set(site.pages.map(\.slug))

    for m in site.municipalities where ReservedPaths.segments.contains(m.id) || pageSlugs.contains(m.id) {
      let what = pageSlugs.contains(m.id) ? "a page (content/pages/\(m.id).md)" : "the site itself"
      out.append(
        .error(
          areasFile, m.position,
          "municipality id '\(m.id)' is reserved: /\(m.id)/ is used by \(what). Choose another id, e.g. '\(m.id)-vald'"
        ))
    }

    for file in planFiles {
      let stem = ContentLoader.stem(file)
      if !Slug.isValid(stem) {
        out.append(
          .error(
            file, .start,
            "the file name '\(stem).md' is not a valid plan id: rename it to '\(Slug.make(stem)).md' (lowercase a–z, digits and single dashes)"
          ))
      }
    }
    for file in pageFiles {
      let stem = ContentLoader.stem(file)
      if !Slug.isValid(stem) {
        out.append(
          .error(
            file, .start,
            "the file name '\(stem).md' is not a valid page slug: rename it to '\(Slug.make(stem)).md'"))
      } else if ReservedPaths.segments.contains(stem) {
        out.append(
          .error(file, .start, "the page name '\(stem)' is reserved for the site itself: rename the file"))
      }
    }

    // Each id's first file; the files of ids that have more than one are gathered apart.
    var firstFile: [String: String] = [:]
    firstFile.reserveCapacity(site.plans.count)
    var shared: [String: [String]] = [:]
    for p in site.plans {
      if let first = firstFile.updateValue(p.file, forKey: p.id) {
        firstFile[p.id] = first
        shared[p.id, default: [first]].append(p.file)
      }
    }
    for (id, files) in shared {
      let sorted = files.sorted()
      for f in sorted {
        let others = sorted.filter { $0 != f }.joined(separator: ", ")
        out.append(
          .error(
            f, .start,
            "two plans have the id '\(id)': this file and \(others). Rename one of them; plan ids are unique in the whole site"
          ))
      }
    }

    let municipalities = Dictionary(site.municipalities.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    // Each municipality's village ids as a set: a plan's villages are looked up among a
    // municipality's hundred or so for every plan of the site.
    let villagesOf = municipalities.mapValues { Set($0.villages.map(\.id)) }
    let files = Set(site.files)
    for plan in site.plans where !plan.municipalityID.isEmpty {
      guard let m = municipalities[plan.municipalityID] else {
        let ids = site.municipalities.map(\.id)
        out.append(
          .error(
            plan.file, plan.municipality.position,
            "unknown municipality '\(plan.municipalityID)'.\(Suggestion.hint(for: plan.municipalityID, in: ids)) Use an id from areas.yml: \(ids.joined(separator: ", "))"
          ))
        continue
      }
      let villages = plan.villages
      for (n, v) in villages.enumerated() {
        if villages[..<n].contains(where: { $0.value == v.value }) {
          out.append(.warning(plan.file, v.position, "village '\(v.value)' is listed twice"))
          continue
        }
        if villagesOf[m.id]?.contains(v.value) == true { continue }
        let elsewhere = site.municipalities.filter { $0.id != m.id && $0.village(v.value) != nil }
        if let other = elsewhere.first {
          out.append(
            .error(
              plan.file, v.position,
              "village '\(v.value)' (\(other.village(v.value)!.name)) is in \(other.name), not in \(m.name): change 'municipality' to \(other.id) or pick a village of \(m.name)"
            ))
        } else {
          let ids = m.villages.map(\.id)
          out.append(
            .error(
              plan.file, v.position,
              "unknown village '\(v.value)' in \(m.name).\(Suggestion.hint(for: v.value, in: ids)) Villages of \(m.name): \(ids.joined(separator: ", "))"
            ))
        }
      }
      for d in plan.documents where !d.isExternal {
        out += checkDocument(d, plan: plan, files: files)
      }
    }
    return out
  }

  static func checkDocument(_ d: PlanDocument, plan: Plan, files: Set<String>) -> [Diagnostic] {
    let url = d.url
    if url.hasPrefix("/") || url.contains("\\") || url.contains(":") {
      return [
        .error(
          plan.file, d.position,
          "document '\(url)' must be files/NAME under content/files/ or an https:// address, not an absolute path"
        )
      ]
    }
    let parts = url.split(separator: "/", omittingEmptySubsequences: false)
    if parts.contains("..") || parts.contains(".") || parts.contains("") {
      return [
        .error(
          plan.file, d.position,
          "document '\(url)' tries to leave content/files/: write the path as files/NAME without '..', '.' or empty parts"
        )
      ]
    }
    guard parts.first == "files", parts.count >= 2 else {
      return [
        .error(
          plan.file, d.position,
          "document '\(url)' must start with files/ (a file under content/files/) or be an https:// address")
      ]
    }
    let rel = parts.dropFirst().joined(separator: "/")
    let decoded = rel.removingPercentEncoding ?? rel
    if !files.contains(rel) && !files.contains(decoded) {
      let hint = Suggestion.hint(for: rel, in: files)
      return [
        .error(
          plan.file, d.position,
          "document '\(url)' does not exist: there is no content/files/\(rel).\(hint) Add the file or correct the path"
        )
      ]
    }
    return []
  }
}
