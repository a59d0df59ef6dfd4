import Foundation
import KaasaCore
import KaasaFeeds

extension SiteRenderer {
  /// RSS of the timeline entries of `plans` that have happened, newest first, at most `feeds.limit`.
  func rssFile(
    path: String, pagePath: String, title: String, description: String, plans: [Plan], model: SiteIndex
  ) -> OutputFile {
    // Items are written only for the newest few of each feed, so only those are rendered, and only
    // those from the date of the last one written on are sorted: a site's feed has hundreds of
    // thousands of items to choose from.
    let limit = site.settings.feedLimit
    let pieces = plans.map { model.pieces($0).items }
    var items: [(item: FeedPieces.Item, plan: Int)] = []
    if limit > 0, let earliest = pieces.flatMap({ $0.map(\.date) }).sorted(by: >).prefix(limit).last {
      for (p, planItems) in pieces.enumerated() {
        for item in planItems where item.date >= earliest { items.append((item, p)) }
      }
    }
    items.sort { $0.item.date != $1.item.date ? $0.item.date > $1.item.date : $0.item.guid < $1.item.guid }
    let channel = RSSChannel(
      title: title, link: urls.absolute(pagePath), description: description,
      language: site.settings.language.rawValue, selfURL: urls.absolute(path))
    let chosen = items.prefix(limit).map { item, p in
      let plan = plans[p]
      let entry = model.facts[plan.id]!.ordered[item.entry]
      return (pubDate: item.date, text: RSSWriter.itemText(rssItem(plan, entry, date: item.date)))
    }
    return OutputFile(path: path, text: RSSWriter.render(channel, prepared: chosen))
  }

  /// A plan's feed items and calendar events, rendered once and shared by every feed they appear in.
  func feedPieces(_ plan: Plan, facts: PlanFacts) -> FeedPieces {
    var items: [FeedPieces.Item] = []
    for (n, (entry, start)) in zip(facts.ordered, facts.starts).enumerated() where start <= now {
      items.append(FeedPieces.Item(date: start, guid: rssGUID(plan, entry), entry: n))
    }
    let events = calendarEvents(plan, facts: facts)
    let prepared = ICalendarWriter.prepare(
      events.map(\.event), timeZone: zone, language: site.settings.language.rawValue, covering: [])
    return FeedPieces(
      items: items,
      events: zip(events, prepared).map {
        FeedPieces.Event(start: $0.0.start, uid: $0.0.event.uid, prepared: $0.1)
      })
  }

  func rssItem(_ plan: Plan, _ entry: TimelineEntry, date: Date) -> RSSItem {
    var categories = [t["type_\(plan.type.rawValue)"]]
    if let s = entry.stage { categories.append(t["stage_\(s.rawValue)"]) }
    // Feed readers read the description as HTML, so plain text is escaped for HTML here and for XML
    // by the writer.
    var facts: [String] = []
    facts.append("\(t["feed_when"]): \(dateText(entry.date))")
    if let s = entry.stage { facts.append("\(t["feed_stage"]): \(t["stage_\(s.rawValue)"])") }
    if let l = entry.location { facts.append("\(t["feed_where"]): \(l)") }
    let description =
      "<p>\(HTMLText.escape(plan.summary))</p><p>\(facts.map(HTMLText.escape).joined(separator: "<br>"))</p>"
    return RSSItem(
      title: "\(plan.title) — \(entry.title)",
      link: urls.absolute(SiteURLs.plan(plan.id)) + "#e-\(entry.key)",
      guid: rssGUID(plan, entry),
      pubDate: date,
      categories: categories,
      description: description)
  }

  func rssGUID(_ plan: Plan, _ entry: TimelineEntry) -> String { "\(plan.id)/\(entry.key)" }

  /// iCalendar of every timeline entry of `plans`, past and future, and their feedback windows.
  func calendarFile(path: String, name: String, plans: [Plan], model: SiteIndex) -> OutputFile {
    let calendar = ICalendar(
      name: name, description: site.settings.description,
      productID: "-//Kaasa//Kaasa 1.0//\(site.settings.language.rawValue.uppercased())",
      timeZone: zone, refreshInterval: 12, language: site.settings.language.rawValue, events: [])
    let prepared =
      model.calendarOrder?.events(of: plans) ?? CalendarOrder.sorted(plans.map { model.pieces($0).events })
    return OutputFile(path: path, parts: ICalendarWriter.renderParts(calendar, prepared: prepared))
  }

  /// One event per timeline entry, past and future, and one for the feedback window.
  func calendarEvents(_ plan: Plan, facts: PlanFacts) -> [(start: Date, event: CalendarEvent)] {
    var events: [(start: Date, event: CalendarEvent)] = []
    let host = site.settings.host
    let cancelled = facts.status == .cancelled
    let planURL = urls.absolute(SiteURLs.plan(plan.id))
    let revisions = history.plans[plan.file]
    // DTSTAMP without git: the start of the plan's last update day, so it comes from content, not the clock.
    let stamp = facts.updated.start(in: zone)
    for (entry, start) in zip(facts.ordered, facts.starts) {
      let isCancelled = cancelled && start > now
      var summary = "\(entry.title) – \(plan.title)"
      if isCancelled { summary = t.format("calendar_cancelled", ["title": summary]) }
      var description = plan.summary
      if let s = entry.stage { description += "\n\(t["feed_stage"]): \(t["stage_\(s.rawValue)"])" }
      description += "\n\(planURL)"
      let revision = revisions?.entries[entry.key]
      let event = CalendarEvent(
        uid: "\(plan.id)/\(entry.key)@\(host)",
        stamp: revision?.lastModified ?? stamp,
        lastModified: revision?.lastModified,
        sequence: revision?.sequence ?? 0,
        summary: summary,
        description: description,
        location: entry.location ?? plan.location?.address,
        geo: plan.location?.point.map { KaasaFeeds.GeoPoint(latitude: $0.latitude, longitude: $0.longitude) },
        url: planURL + "#e-\(entry.key)",
        start: eventTime(entry.date),
        end: entry.end.map(eventEnd) ?? (entry.date.isAllDay ? nil : nil),
        cancelled: isCancelled,
        categories: [t["type_\(plan.type.rawValue)"]])
      events.append((start, event))
    }
    if let f = plan.feedback {
      let revision = revisions?.entries["feedback"]
      let event = CalendarEvent(
        uid: "\(plan.id)/feedback@\(host)",
        stamp: revision?.lastModified ?? stamp,
        lastModified: revision?.lastModified,
        sequence: revision?.sequence ?? 0,
        summary: t.format("calendar_feedback", ["title": plan.title]),
        description: "\(plan.summary)\n\(planURL)",
        location: nil,
        geo: nil,
        url: planURL + "#feedback",
        start: .date(year: f.opens.year, month: f.opens.month, day: f.opens.day),
        end: .date(year: f.closes.next.year, month: f.closes.next.month, day: f.closes.next.day),
        cancelled: cancelled && f.start(in: zone) > now,
        categories: [t["type_\(plan.type.rawValue)"]])
      events.append((f.start(in: zone), event))
    }
    return events
  }

  func eventTime(_ d: EventDate) -> EventTime {
    switch d {
    case .day(let day): return .date(year: day.year, month: day.month, day: day.day)
    default: return .dateTime(d.start(in: zone))
    }
  }

  /// Ends of all-day entries are inclusive in content and exclusive in iCalendar.
  func eventEnd(_ d: EventDate) -> EventTime {
    switch d {
    case .day(let day):
      let n = day.next
      return .date(year: n.year, month: n.month, day: n.day)
    default: return .dateTime(d.start(in: zone))
    }
  }
}

/// What one plan contributes to feeds and calendars, rendered once.
struct FeedPieces: Sendable {
  /// A feed item: which timeline entry, and what feeds sort by. Its text is rendered only for the
  /// feeds it makes the newest few of (most items of a large site are in none): holding every item's
  /// text was a tenth of a build's memory.
  struct Item: Sendable {
    let date: Date
    let guid: String
    /// The entry's place in the plan's `PlanFacts.ordered`.
    let entry: Int
  }

  struct Event: Sendable {
    let start: Date
    let uid: String
    let prepared: PreparedEvent
  }

  let items: [Item]
  let events: [Event]
}

/// Every event of the site's plans in the order calendars list them: by start, then by uid, then as
/// the plans and their events come. The calendars of the site, its municipalities and its villages
/// take their events in this order instead of each sorting its own: the site's calendar sorted every
/// event of every plan and those of the areas most of them again, each comparison of two events of
/// the same day comparing their uids, and the events were shared between the cores sorting them.
struct CalendarOrder: Sendable {
  /// The events, in calendar order.
  private let events: [PreparedEvent]
  /// Each event's place in `events`, plan after plan, each plan's in the order of its own events.
  private let places: [Int32]
  /// Where each plan's events are in `places`, by plan id.
  private let spans: [String: Range<Int>]

  /// The order of the events of `plans`, whose pieces are in `model`.
  init(plans: [Plan], model: SiteIndex) {
    var starts: [Date] = []
    var uids: [String] = []
    var prepared: [PreparedEvent] = []
    var spans: [String: Range<Int>] = [:]
    spans.reserveCapacity(plans.count)
    for plan in plans {
      let first = starts.count
      for event in model.pieces(plan).events {
        starts.append(event.start)
        uids.append(event.uid)
        prepared.append(event.prepared)
      }
      spans[plan.id] = first..<starts.count
    }
    // Each half sorted on a core of its own, then merged.
    let count = Int32(starts.count)
    let middle = count / 2
    let sorted = parallelMap(0..<2) { [starts, uids] h in
      (h == 0 ? 0..<middle : middle..<count).sorted { Self.precedes($0, $1, starts, uids) }
    }
    let order = merged(sorted[0], sorted[1]) { Self.precedes($0, $1, starts, uids) }
    var places = [Int32](repeating: 0, count: Int(count))
    for (place, event) in order.enumerated() { places[Int(event)] = Int32(place) }
    self.events = order.map { prepared[Int($0)] }
    self.places = places
    self.spans = spans
  }

  /// Whether event `a` comes before event `b`: by start, then uid, then their places as gathered.
  private static func precedes(_ a: Int32, _ b: Int32, _ starts: [Date], _ uids: [String]) -> Bool {
    let (a, b) = (Int(a), Int(b))
    if starts[a] != starts[b] { return starts[a] < starts[b] }
    if uids[a] != uids[b] { return uids[a] < uids[b] }
    return a < b
  }

  /// The events of `plans` (distinct plans), in calendar order: their places are marked, then taken
  /// in order. Nil when a plan is not in this order.
  func events(of plans: [Plan]) -> [PreparedEvent]? {
    var marked = [UInt64](repeating: 0, count: (events.count + 63) / 64)
    var count = 0
    for plan in plans {
      guard let span = spans[plan.id] else { return nil }
      for place in places[span] {
        marked[Int(place) >> 6] |= 1 << UInt64(place & 63)
        count += 1
      }
    }
    var chosen: [PreparedEvent] = []
    chosen.reserveCapacity(count)
    for (word, bits) in marked.enumerated() where bits != 0 {
      var rest = bits
      while rest != 0 {
        chosen.append(events[word << 6 | rest.trailingZeroBitCount])
        rest &= rest - 1
      }
    }
    return chosen
  }

  /// The events of plans not in an order, sorted as the order sorts them: a plan's own calendar.
  static func sorted(_ events: [[FeedPieces.Event]]) -> [PreparedEvent] {
    let flat = events.flatMap { $0 }
    let starts = flat.map(\.start)
    let uids = flat.map(\.uid)
    return Array(Int32(0)..<Int32(flat.count)).sorted { precedes($0, $1, starts, uids) }.map {
      flat[Int($0)].prepared
    }
  }
}
