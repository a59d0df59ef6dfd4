import Foundation
import KaasaCore
import KaasaTemplate
import Synchronization

/// Words for dates in the site's language and zone, as pages, feeds and lists write them.
protocol DateWording {
  var t: Translations { get }
  var zone: TimeZone { get }
}

extension DateWording {
  func dateText(_ d: EventDate) -> String {
    switch d {
    case .day(let day): return t.day(day)
    case .local(let lt): return t.format("datetime_pattern", ["date": t.day(lt.date), "time": t.time(lt)])
    case .instant(let i):
      let lt = localDateTime(i)
      return t.format("datetime_pattern", ["date": t.day(lt.date), "time": t.time(lt)])
    }
  }

  func endText(_ end: EventDate, start: EventDate) -> String {
    switch end {
    case .day(let d): return t.day(d)
    default:
      let e = localDateTime(end.start(in: zone))
      if e.date == start.localDay(in: zone) { return t.time(e) }
      return dateText(end)
    }
  }

  func localDateTime(_ instant: Date) -> LocalDateTime { LocalDateTime(instant, in: zone) }

  /// For `<time datetime>`: a day, or a local time with the zone's offset at that moment.
  func isoDate(_ d: EventDate) -> String {
    switch d {
    case .day(let day): return day.description
    default:
      let instant = d.start(in: zone)
      let lt = localDateTime(instant)
      let offset = zone.secondsFromUTC(at: instant)
      let sign = offset < 0 ? "-" : "+"
      return lt.date.description + "T" + Digits.padded(lt.hour, 2) + ":" + Digits.padded(lt.minute, 2) + sign
        + Digits.padded(abs(offset) / 3600, 2) + ":" + Digits.padded(abs(offset) % 3600 / 60, 2)
    }
  }
}

extension SiteRenderer: DateWording {}

/// What lists show of a plan in brief, made from the plan, its facts and its card alone, so that a
/// plan's context in lists can be made when a list asks for it rather than held for every plan.
struct PlanSummaries: DateWording, Sendable {
  let municipalities: [Municipality]
  let urls: SiteURLs
  let t: Translations
  let zone: TimeZone
  let now: Date

  /// Every name `summary` may give a value for.
  static let names: Set<String> = [
    "id", "title", "summary", "url", "municipality", "villages", "villageIDs", "wide", "type", "typeLabel",
    "status", "statusLabel", "cancelled", "draft", "card", "feedback", "next",
  ]

  /// The fields every list of plans shows, and `card` when given (the plan-card template rendered
  /// once per plan, from the same fields without it).
  func summary(_ plan: Plan, facts: PlanFacts, card: String?) -> [String: Any] {
    let municipality = municipalities.first { $0.id == plan.municipalityID }
    let status = facts.status
    var villages: [[String: Any]] = []
    for v in plan.villageIDs {
      let name = municipality?.village(v)?.name ?? v
      villages.append(["name": name, "id": v, "url": urls.link(SiteURLs.village(plan.municipalityID, v))])
    }
    var context: [String: Any] = [
      "id": plan.id,
      "title": plan.title,
      "summary": plan.summary,
      "url": urls.link(SiteURLs.plan(plan.id)),
      "municipality": [
        "id": plan.municipalityID, "name": municipality?.name ?? plan.municipalityID,
        "url": urls.link(SiteURLs.municipality(plan.municipalityID)),
      ],
      "villages": villages,
      "villageIDs": plan.villageIDs.joined(separator: " "),
      "wide": plan.isMunicipalityWide,
      "type": plan.type.rawValue,
      "typeLabel": t["type_\(plan.type.rawValue)"],
      "status": status?.rawValue ?? "",
      "statusLabel": status.map { t["stage_\($0.rawValue)"] } ?? "",
      "cancelled": status == .cancelled,
      "draft": plan.draft,
    ]
    if let card { context["card"] = card }
    if let f = plan.feedback, let state = facts.feedback {
      let text: String
      switch state {
      case .open: text = t.format("feedback_open_until", ["date": t.day(f.closes, form: .until)])
      case .upcoming: text = t.format("feedback_opens_on", ["date": t.day(f.opens, form: .on)])
      case .closed: text = t.format("feedback_closed_on", ["date": t.day(f.closes, form: .on)])
      }
      context["feedback"] =
        [
          "state": state.rawValue, "open": state == .open, "upcoming": state == .upcoming,
          "closed": state == .closed,
          "text": text, "opens": f.opens.description, "closes": f.closes.description,
        ] as [String: Any]
    }
    if let next = facts.next(after: now) {
      context["next"] = ["date": dateText(next.date), "iso": isoDate(next.date), "title": next.title]
    }
    return context
  }
}

/// A plan's template context in lists. The default theme's lists show only the plan's card,
/// rendered once per plan; the rest of the context (`PlanSummaries.summary`) is made when a theme's
/// list asks for one of its names, and then kept. Made for every plan and held until the lists were
/// written, those contexts were a seventh of a large site's build memory.
final class ListedPlan: TemplateParent, Sendable {
  let card: String
  private let plan: Plan
  private let facts: PlanFacts
  private let summaries: PlanSummaries
  private let made = Mutex<Made?>(nil)

  /// A context once made: only strings, numbers, booleans and arrays and dictionaries of them, never
  /// changed after it is made, so it may cross threads.
  private final class Made: @unchecked Sendable {
    let context: [String: Any]
    init(_ context: [String: Any]) { self.context = context }
  }

  init(card: String, plan: Plan, facts: PlanFacts, summaries: PlanSummaries) {
    self.card = card
    self.plan = plan
    self.facts = facts
    self.summaries = summaries
  }

  /// The whole context, card included.
  var context: [String: Any] {
    made.withLock { made in
      if let made { return made }
      let new = Made(summaries.summary(plan, facts: facts, card: card))
      made = new
      return new
    }.context
  }

  func templateChild(named name: String) -> Any? {
    if name == "card" { return card }
    // Names a list looks up further out (its page's, the translations) are not the plan's.
    guard PlanSummaries.names.contains(name) else { return nil }
    return context[name]
  }
}
