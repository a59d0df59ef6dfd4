import Foundation

/// The kinds of plan a municipality publishes.
public enum PlanType: String, Sendable, CaseIterable, Codable {
  case developmentPlan = "development-plan"
  case comprehensivePlan = "comprehensive-plan"
  case detailedPlan = "detailed-plan"
  case budget
  case investment
  case roadWorks = "road-works"
  case regulation
  case communityProject = "community-project"
  case other
}

/// The stages of a plan's life, in order.
public enum Stage: String, Sendable, CaseIterable, Codable, Comparable {
  case idea
  case consultation
  case draft
  case publicDisplay = "public-display"
  case decision
  case approved
  case rejected
  case inProgress = "in-progress"
  case completed
  case cancelled

  public var order: Int { Stage.allCases.firstIndex(of: self)! }
  public static func < (a: Stage, b: Stage) -> Bool { a.order < b.order }

  /// Stages after which nothing more is expected of residents.
  public var isFinal: Bool { [.rejected, .completed, .cancelled].contains(self) }
}

/// What a timeline entry is.
public enum EntryKind: String, Sendable, CaseIterable, Codable {
  case meeting
  case deadline
  case decision
  case milestone
}

/// Kinds of settlement in Estonia.
public enum VillageKind: String, Sendable, CaseIterable, Codable {
  case linn
  case alev
  case alevik
  case küla
}

/// UI languages the default theme speaks.
public enum SiteLanguage: String, Sendable, CaseIterable, Codable {
  case et
  case en
  case ru
}

/// A point on the map.
public struct GeoPoint: Sendable, Hashable, Codable {
  public var latitude: Double
  public var longitude: Double

  public init(latitude: Double, longitude: Double) {
    self.latitude = latitude
    self.longitude = longitude
  }
}

/// `content/site.yml`.
public struct SiteSettings: Sendable {
  public var title: String
  public var description: String?
  public var baseURL: URL
  public var language: SiteLanguage
  public var timeZone: TimeZone
  public var theme: String
  public var repository: URL?
  public var feedbackEndpoint: URL?
  public var feedLimit: Int

  public init(
    title: String, description: String? = nil, baseURL: URL, language: SiteLanguage = .et,
    timeZone: TimeZone = TimeZone(identifier: "Europe/Tallinn")!, theme: String = "default",
    repository: URL? = nil, feedbackEndpoint: URL? = nil, feedLimit: Int = 50
  ) {
    self.title = title
    self.description = description
    self.baseURL = baseURL
    self.language = language
    self.timeZone = timeZone
    self.theme = theme
    self.repository = repository
    self.feedbackEndpoint = feedbackEndpoint
    self.feedLimit = feedLimit
  }

  /// The host part of the base URL, used to make calendar UIDs globally unique.
  public var host: String { baseURL.host ?? "localhost" }
}

/// A settlement of a municipality.
public struct Village: Sendable, Hashable {
  public var id: String
  public var name: String
  public var kind: VillageKind?
  public var location: GeoPoint?
  public var position: SourcePosition

  public init(
    id: String, name: String, kind: VillageKind? = nil, location: GeoPoint? = nil,
    position: SourcePosition = .start
  ) {
    self.id = id
    self.name = name
    self.kind = kind
    self.location = location
    self.position = position
  }
}

/// A municipality (vald or linn) and its villages.
public struct Municipality: Sendable, Hashable {
  public var id: String
  public var name: String
  public var website: URL?
  public var email: String?
  public var villages: [Village]
  public var position: SourcePosition

  public init(
    id: String, name: String, website: URL? = nil, email: String? = nil, villages: [Village],
    position: SourcePosition = .start
  ) {
    self.id = id
    self.name = name
    self.website = website
    self.email = email
    self.villages = villages
    self.position = position
  }

  public func village(_ id: String) -> Village? { villages.first { $0.id == id } }
}

/// Money as written in a plan.
public struct Budget: Sendable, Hashable {
  public var amount: Double
  public var currency: String
}

/// Who answers questions about a plan.
public struct Contact: Sendable, Hashable {
  public var name: String?
  public var email: String?
  public var phone: String?
}

/// Where a plan happens.
public struct PlanLocation: Sendable, Hashable {
  public var point: GeoPoint?
  public var address: String?
}

/// The days during which residents may send feedback, inclusive, in the site's time zone.
public struct FeedbackWindow: Sendable, Hashable {
  public var opens: LocalDate
  public var closes: LocalDate

  public init(opens: LocalDate, closes: LocalDate) {
    self.opens = opens
    self.closes = closes
  }

  /// 00:00 on the opening day.
  public func start(in zone: TimeZone) -> Date { start(in: zone, offsets: ZoneOffsets.of(zone)) }
  /// 24:00 on the closing day (exclusive).
  public func end(in zone: TimeZone) -> Date { end(in: zone, offsets: ZoneOffsets.of(zone)) }
  /// The same, with the zone's table already at hand (`ZoneOffsets.of(zone)`).
  public func start(in zone: TimeZone, offsets: ZoneOffsets?) -> Date {
    opens.start(in: zone, offsets: offsets)
  }
  public func end(in zone: TimeZone, offsets: ZoneOffsets?) -> Date {
    closes.next.start(in: zone, offsets: offsets)
  }

  /// Where `now` lies relative to the window.
  public func state(at now: Date, in zone: TimeZone) -> FeedbackState {
    FeedbackState(at: now, start: start(in: zone), end: end(in: zone))
  }
}

/// Whether feedback is not yet open, open, or closed.
public enum FeedbackState: String, Sendable, Codable {
  case upcoming
  case open
  case closed

  /// Where `now` lies relative to a window from `start` to `end` (exclusive).
  public init(at now: Date, start: Date, end: Date) {
    self = now < start ? .upcoming : now < end ? .open : .closed
  }
}

/// A document attached to a plan: a file under `content/files/` or an absolute URL.
public struct PlanDocument: Sendable, Hashable {
  public var title: String
  /// As written: `files/x.pdf` or `https://…`.
  public var url: String
  public var position: SourcePosition

  public var isExternal: Bool { url.hasPrefix("http://") || url.hasPrefix("https://") }
}

/// One event in a plan's life.
public struct TimelineEntry: Sendable, Hashable {
  /// Stable key within the plan: `id`, or the slug of the title with `-2`, `-3`… for repeats.
  public var key: String
  public var date: EventDate
  public var end: EventDate?
  public var stage: Stage?
  public var kind: EntryKind?
  public var title: String
  public var location: String?
  public var position: SourcePosition

  public init(
    key: String, date: EventDate, end: EventDate? = nil, stage: Stage? = nil, kind: EntryKind? = nil,
    title: String, location: String? = nil, position: SourcePosition = .start
  ) {
    self.key = key
    self.date = date
    self.end = end
    self.stage = stage
    self.kind = kind
    self.title = title
    self.location = location
    self.position = position
  }
}

extension TimelineEntry {
  /// The keys of a timeline's entries, in file order: the written `id`, else the slug of the title,
  /// with `-2`, `-3`… so keys from titles avoid the valid ids and each other.
  public static func keys(ids: [String?], titles: [String]) -> [String] {
    keys(ids: ids, titles: titles, slug: Slug.make)
  }

  /// The same with a caller's slug function, so a reader of many versions can remember slugs of titles.
  public static func keys(ids: [String?], titles: [String], slug: (String) -> String) -> [String] {
    var taken = Set(ids.compactMap { $0 }.filter(Slug.isValid))
    var keys: [String] = []
    keys.reserveCapacity(titles.count)
    for (id, title) in zip(ids, titles) {
      if let id {
        keys.append(id)
        continue
      }
      var base = slug(title)
      if base.isEmpty { base = "entry" }
      var key = base
      var n = 2
      while taken.contains(key) {
        key = "\(base)-\(n)"
        n += 1
      }
      taken.insert(key)
      keys.append(key)
    }
    return keys
  }
}

/// A plan: one Markdown file under `content/plans/`.
///
/// A value like any other, kept in one shared box that is copied only when a copy is changed: lists,
/// feeds and calendars pass tens of thousands of plans around, and copying a reference is cheaper
/// than copying twenty strings and arrays.
public struct Plan: Sendable {
  private final class Storage: @unchecked Sendable {
    var id: String
    var file: String
    var title: String
    var summary: String
    var municipality: Located<String>
    var villages: [Located<String>]
    var type: PlanType
    var tags: [String]
    var statusOverride: Stage?
    var budget: Budget?
    var contact: Contact?
    var location: PlanLocation?
    var feedback: FeedbackWindow?
    var documents: [PlanDocument]
    var timeline: [TimelineEntry]
    var draft: Bool
    var body: String
    var bodyLine: Int
    var frontMatterDigest: String
    var bodyUnread = false

    init(
      id: String, file: String, title: String, summary: String, municipality: Located<String>,
      villages: [Located<String>], type: PlanType, tags: [String], statusOverride: Stage?, budget: Budget?,
      contact: Contact?, location: PlanLocation?, feedback: FeedbackWindow?, documents: [PlanDocument],
      timeline: [TimelineEntry], draft: Bool, body: String, bodyLine: Int, frontMatterDigest: String
    ) {
      self.id = id
      self.file = file
      self.title = title
      self.summary = summary
      self.municipality = municipality
      self.villages = villages
      self.type = type
      self.tags = tags
      self.statusOverride = statusOverride
      self.budget = budget
      self.contact = contact
      self.location = location
      self.feedback = feedback
      self.documents = documents
      self.timeline = timeline
      self.draft = draft
      self.body = body
      self.bodyLine = bodyLine
      self.frontMatterDigest = frontMatterDigest
    }

    func copy() -> Storage {
      Storage(
        id: id, file: file, title: title, summary: summary, municipality: municipality, villages: villages,
        type: type, tags: tags, statusOverride: statusOverride, budget: budget, contact: contact,
        location: location, feedback: feedback, documents: documents, timeline: timeline, draft: draft,
        body: body, bodyLine: bodyLine, frontMatterDigest: frontMatterDigest
      ).withBodyUnread(bodyUnread)
    }

    private func withBodyUnread(_ unread: Bool) -> Storage {
      bodyUnread = unread
      return self
    }
  }

  // Shared by copies until one of them changes; only ever changed when held by one plan alone.
  private var storage: Storage

  private mutating func unique() -> Storage {
    if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    return storage
  }

  public var id: String {
    get { storage.id }
    set { unique().id = newValue }
  }
  /// Path relative to the site folder.
  public var file: String {
    get { storage.file }
    set { unique().file = newValue }
  }
  public var title: String {
    get { storage.title }
    set { unique().title = newValue }
  }
  public var summary: String {
    get { storage.summary }
    set { unique().summary = newValue }
  }
  public var municipality: Located<String> {
    get { storage.municipality }
    set { unique().municipality = newValue }
  }
  /// Empty means the whole municipality.
  public var villages: [Located<String>] {
    get { storage.villages }
    set { unique().villages = newValue }
  }
  public var type: PlanType {
    get { storage.type }
    set { unique().type = newValue }
  }
  public var tags: [String] {
    get { storage.tags }
    set { unique().tags = newValue }
  }
  public var statusOverride: Stage? {
    get { storage.statusOverride }
    set { unique().statusOverride = newValue }
  }
  public var budget: Budget? {
    get { storage.budget }
    set { unique().budget = newValue }
  }
  public var contact: Contact? {
    get { storage.contact }
    set { unique().contact = newValue }
  }
  public var location: PlanLocation? {
    get { storage.location }
    set { unique().location = newValue }
  }
  public var feedback: FeedbackWindow? {
    get { storage.feedback }
    set { unique().feedback = newValue }
  }
  public var documents: [PlanDocument] {
    get { storage.documents }
    set { unique().documents = newValue }
  }
  public var timeline: [TimelineEntry] {
    get { storage.timeline }
    set { unique().timeline = newValue }
  }
  public var draft: Bool {
    get { storage.draft }
    set { unique().draft = newValue }
  }
  /// The Markdown after the front matter.
  public var body: String {
    get { storage.body }
    set { unique().body = newValue }
  }
  /// The file line on which the body begins.
  public var bodyLine: Int {
    get { storage.bodyLine }
    set { unique().bodyLine = newValue }
  }
  /// True when the plan was taken from the parse cache without its file being read (the file's
  /// stamp had not changed): `body` is then empty, and what renders the plan's page reads it with
  /// `ContentLoader.body(of:in:digest:)`. Lists, feeds and calendars need only the front matter.
  public var bodyUnread: Bool {
    get { storage.bodyUnread }
    set { unique().bodyUnread = newValue }
  }
  /// SHA-256 (hexadecimal) of the front matter's text, or empty when the plan was not read from a
  /// file. Everything lists, feeds and calendars show of a plan comes from its front matter, so a
  /// build can tell an edit of the body, which only the plan's own page shows, from one of the facts.
  public var frontMatterDigest: String {
    get { storage.frontMatterDigest }
    set { unique().frontMatterDigest = newValue }
  }

  public init(
    id: String, file: String, title: String, summary: String, municipality: Located<String>,
    villages: [Located<String>] = [], type: PlanType, tags: [String] = [], statusOverride: Stage? = nil,
    budget: Budget? = nil, contact: Contact? = nil, location: PlanLocation? = nil,
    feedback: FeedbackWindow? = nil, documents: [PlanDocument] = [], timeline: [TimelineEntry],
    draft: Bool = false, body: String = "", bodyLine: Int = 1, frontMatterDigest: String = ""
  ) {
    storage = Storage(
      id: id, file: file, title: title, summary: summary, municipality: municipality, villages: villages,
      type: type, tags: tags, statusOverride: statusOverride, budget: budget, contact: contact,
      location: location, feedback: feedback, documents: documents, timeline: timeline, draft: draft,
      body: body, bodyLine: bodyLine, frontMatterDigest: frontMatterDigest)
  }

  public var municipalityID: String { municipality.value }
  public var villageIDs: [String] { villages.map(\.value) }
  /// True when the plan concerns the whole municipality rather than named villages.
  public var isMunicipalityWide: Bool { villages.isEmpty }

  /// The stage at `now`: the latest staged entry not after now, else the earliest staged entry;
  /// `status:` overrides.
  public func status(at now: Date, in zone: TimeZone) -> Stage? {
    if let statusOverride { return statusOverride }
    let staged = timelineInOrder(zone: zone).filter { $0.stage != nil }
    if let latest = staged.last(where: { $0.date.start(in: zone) <= now }) { return latest.stage }
    return staged.first?.stage
  }

  /// The timeline sorted by start, then by position in the file (stable for equal dates).
  public func timelineInOrder(zone: TimeZone) -> [TimelineEntry] {
    timeline.enumerated().sorted { a, b in
      let da = a.element.date.start(in: zone)
      let db = b.element.date.start(in: zone)
      return da != db ? da < db : a.offset < b.offset
    }.map(\.element)
  }

  /// Whether feedback is open, upcoming or closed at `now`; nil without a window.
  public func feedbackState(at now: Date, in zone: TimeZone) -> FeedbackState? {
    feedback?.state(at: now, in: zone)
  }
}

/// A free page under `content/pages/`.
public struct Page: Sendable {
  public var slug: String
  public var file: String
  public var title: String
  public var menu: Bool
  public var weight: Int
  public var body: String
  public var bodyLine: Int

  public init(
    slug: String, file: String, title: String, menu: Bool = false, weight: Int = 0, body: String,
    bodyLine: Int = 1
  ) {
    self.slug = slug
    self.file = file
    self.title = title
    self.menu = menu
    self.weight = weight
    self.body = body
    self.bodyLine = bodyLine
  }
}

/// Everything the build knows about a site after loading.
public struct Site: Sendable {
  public var settings: SiteSettings
  public var municipalities: [Municipality]
  /// Sorted by id.
  public var plans: [Plan]
  /// Sorted by weight, then slug.
  public var pages: [Page]
  /// Paths under `content/files/`, relative to it, sorted.
  public var files: [String]

  public init(
    settings: SiteSettings, municipalities: [Municipality], plans: [Plan], pages: [Page] = [],
    files: [String] = []
  ) {
    self.settings = settings
    self.municipalities = municipalities
    self.plans = plans
    self.pages = pages
    self.files = files
  }

  public func municipality(_ id: String) -> Municipality? { municipalities.first { $0.id == id } }

  /// Plans that touch a village: those naming it and those of its whole municipality.
  public func plans(municipality: String, village: String) -> [Plan] {
    plans.filter {
      $0.municipalityID == municipality && ($0.isMunicipalityWide || $0.villageIDs.contains(village))
    }
  }

  public func plans(municipality: String) -> [Plan] { plans.filter { $0.municipalityID == municipality } }
}
