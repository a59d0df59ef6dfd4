import Foundation
import KaasaCore

extension SiteRenderer {
  /// Municipality and village pages, each with its RSS feed and calendar: one job per area. `model`
  /// gives the areas' plans; the job is run with the model it is to render from.
  func areaJobs(model: SiteIndex) -> [Job] {
    var jobs: [Job] = []
    for m in site.municipalities {
      jobs.append(
        Job(name: "municipality \(m.id)", members: model.plans(municipality: m.id)) { model in
          try renderMunicipality(m, model: model)
        })
      for v in m.villages {
        jobs.append(
          Job(name: "village \(m.id)/\(v.id)", members: model.plans(municipality: m.id, village: v.id)) {
            model in try renderVillage(v, of: m, model: model)
          })
      }
    }
    return jobs
  }

  func renderMunicipality(_ m: Municipality, model: SiteIndex) throws -> [OutputFile] {
    var files: [OutputFile] = []
    do {
      let plans = model.plans(municipality: m.id)
      let path = SiteURLs.municipality(m.id)
      let feedTitle = "\(m.name) – \(site.settings.title)"
      let description = t.format("municipality_description", ["name": m.name])
      files.append(
        rssFile(
          path: path + "feed.xml", pagePath: path, title: feedTitle, description: description, plans: plans,
          model: model))
      files.append(calendarFile(path: path + "calendar.ics", name: feedTitle, plans: plans, model: model))
      let villages: [[String: Any]] = m.villages.map { v in
        let count = model.plans(municipality: m.id, village: v.id).count
        return context([
          "name": v.name, "url": urls.link(SiteURLs.village(m.id, v.id)),
          "kind": v.kind.map { t["village_kind_\($0.rawValue)"] }, "count": count,
        ])
      }
      let mcontext = context([
        "name": m.name,
        "website": m.website?.absoluteString,
        "email": m.email,
        "villages": villages,
        "groups": statusGroups(plans, model: model),
        "hasPlans": !plans.isEmpty,
        "subscribe": [subscription(kind: "municipality", name: m.name, path: path, hasFeed: true)],
      ])
      files.append(
        try page(
          "municipality", path: path, title: m.name, description: description,
          feeds: [feedLink(m.name, path)], extra: ["municipality": mcontext]))

    }
    return files
  }

  func renderVillage(_ v: Village, of m: Municipality, model: SiteIndex) throws -> [OutputFile] {
    var files: [OutputFile] = []
    let path = SiteURLs.municipality(m.id)
    do {
      let vplans = model.plans(municipality: m.id, village: v.id)
      let vpath = SiteURLs.village(m.id, v.id)
      let vtitle = "\(v.name) (\(m.name)) – \(site.settings.title)"
      let vdescription = t.format("village_description", ["name": v.name, "municipality": m.name])
      files.append(
        rssFile(
          path: vpath + "feed.xml", pagePath: vpath, title: vtitle, description: vdescription, plans: vplans,
          model: model))
      files.append(calendarFile(path: vpath + "calendar.ics", name: vtitle, plans: vplans, model: model))
      var vcontext = context([
        "name": v.name,
        "kind": v.kind.map { t["village_kind_\($0.rawValue)"] },
        "municipality": ["name": m.name, "url": urls.link(path)],
        "groups": statusGroups(vplans, model: model),
        "hasPlans": !vplans.isEmpty,
        "subscribe": [subscription(kind: "village", name: v.name, path: vpath, hasFeed: true)],
      ])
      if let p = v.location {
        let lat = coordinate(p.latitude)
        let lon = coordinate(p.longitude)
        vcontext["osm"] = "https://www.openstreetmap.org/?mlat=\(lat)&mlon=\(lon)#map=14/\(lat)/\(lon)"
      }
      files.append(
        try page(
          "village", path: vpath, title: "\(v.name) – \(m.name)", description: vdescription,
          feeds: [feedLink(v.name, vpath)], extra: ["village": vcontext]))
    }
    return files
  }

  func feedLink(_ name: String, _ path: String) -> [String: Any] {
    [
      "title": t.format("feed_of", ["name": name]), "url": urls.absolute(path + "feed.xml"),
      "type": "application/rss+xml",
    ]
  }

  /// Plans grouped by their status now, in the order of the stages; open feedback first.
  func statusGroups(_ plans: [Plan], model: SiteIndex) -> [[String: Any]] {
    // One pass, each plan's facts looked up once: a pass per stage was a fortieth of a large build.
    let stages = Stage.allCases
    var open: [ListedPlan] = []
    var inStage = [[ListedPlan]](repeating: [], count: stages.count)
    for plan in plans {
      let facts = model.facts[plan.id]
      if facts?.feedback == .open {
        open.append(model.listed(plan))
      } else if let status = facts?.status, let n = stages.firstIndex(of: status) {
        inStage[n].append(model.listed(plan))
      }
    }
    var groups: [[String: Any]] = []
    if !open.isEmpty {
      groups.append(["label": t["group_open"], "id": "open", "plans": open])
    }
    for (stage, listed) in zip(stages, inStage) where !listed.isEmpty {
      groups.append(["label": t["stage_\(stage.rawValue)"], "id": stage.rawValue, "plans": listed])
    }
    return groups
  }

  /// The links and instructions for following a page in a feed reader or a calendar app.
  func subscription(kind: String, name: String, path: String, hasFeed: Bool) -> [String: Any] {
    var s: [String: Any] = [
      "name": name,
      "calendar": urls.absolute(path + "calendar.ics"),
      "webcal": urls.webcal(path + "calendar.ics"),
      "googleURL": "https://calendar.google.com/calendar/r?cid="
        + percentEncode(urls.webcal(path + "calendar.ics")),
      "heading": t.format("subscribe_heading_\(kind)", ["name": name]),
    ]
    if hasFeed { s["feed"] = urls.absolute(path + "feed.xml") }
    return s
  }
}
