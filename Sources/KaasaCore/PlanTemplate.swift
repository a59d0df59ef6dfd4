import Foundation

/// A new plan file with every field explained, for `kaasa new plan`. It passes `kaasa check` as written
/// and starts as a draft, so a placeholder summary is never published by accident.
public struct PlanTemplate: Sendable {
  public var title: String
  public var municipality: String
  /// Empty for the whole municipality.
  public var villages: [String]
  public var type: PlanType
  /// The day of the first timeline entry: today, in the site's time zone.
  public var today: LocalDate
  /// The language of the comments: Estonian for `et`, English otherwise.
  public var language: SiteLanguage

  public init(
    title: String, municipality: String, villages: [String] = [], type: PlanType = .other, today: LocalDate,
    language: SiteLanguage = .et
  ) {
    self.title = title
    self.municipality = municipality
    self.villages = villages
    self.type = type
    self.today = today
    self.language = language
  }

  /// The plan's id: the title as a slug (õ→o, ä→a, ö→o, ü→u, š→s, ž→z).
  public var id: String { Slug.make(title) }

  /// Where the file goes: beside the municipality's other plans when `content/plans/<municipality>/`
  /// exists (as in the sample site), else directly under `content/plans/`.
  public func path(existingFolders: Set<String>) -> String {
    existingFolders.contains(municipality)
      ? "content/plans/\(municipality)/\(id).md" : "content/plans/\(id).md"
  }

  /// Problems with the arguments against the site's areas and plans; empty when the file can be written.
  public func problems(in site: Site) -> [String] {
    var out: [String] = []
    if id.isEmpty {
      out.append(
        "the title '\(title)' has no letters or digits to make a file name from: give the plan a title with words"
      )
    }
    guard let m = site.municipality(municipality) else {
      let ids = site.municipalities.map(\.id)
      out.append(
        "unknown municipality '\(municipality)'.\(Suggestion.hint(for: municipality, in: ids)) Known: \(ids.joined(separator: ", "))"
      )
      return out
    }
    for v in villages where m.village(v) == nil {
      let ids = m.villages.map(\.id)
      out.append(
        "\(m.name) has no village '\(v)' in content/areas.yml.\(Suggestion.hint(for: v, in: ids)) Known: \(ids.joined(separator: ", "))"
      )
    }
    if let existing = site.plans.first(where: { $0.id == id }) {
      out.append("a plan with the id '\(id)' exists already: \(existing.file)")
    }
    return out
  }

  /// The file's text.
  public var text: String {
    let c = language == .et ? Self.estonian : Self.english
    var lines = ["---"]
    func field(_ comment: String, _ line: String) {
      lines.append("# \(comment)")
      lines.append(line)
    }
    field(c.title, "title: \(Self.yamlScalar(title))")
    field(c.summary, "summary: \(c.summaryPlaceholder)")
    field(c.municipality, "municipality: \(municipality)")
    if villages.isEmpty {
      field(c.villagesNone, "# villages: [\(c.villageExample)]")
    } else {
      field(c.villages, "villages: [\(villages.joined(separator: ", "))]")
    }
    field(c.type, "type: \(type.rawValue)")
    field(c.tags, "# tags: [\(c.tagExample)]")
    field(
      c.contact, "# contact: { name: \(c.contactName), email: nimi@example.ee, phone: \"+372 5555 0000\" }")
    field(c.location, "# location: { lat: 58.808, lon: 26.745, address: \"\(c.address)\" }")
    field(c.budget, "# budget: { amount: 120000, currency: EUR }")
    let opens = today.adding(days: 14)
    let closes = opens.adding(days: 27)
    field(c.feedback, "# feedback: { opens: \(opens), closes: \(closes) }")
    lines.append("# \(c.documents)")
    lines.append("# documents:")
    lines.append("#   - { title: \(c.documentTitle), url: files/\(id).pdf }")
    lines.append("# \(c.timeline)")
    lines.append("# \(c.timelineKeys)")
    lines.append("timeline:")
    lines.append("  - date: \(today)")
    lines.append("    stage: idea")
    lines.append("    title: \(c.firstEntry)")
    lines.append("#  - date: \(closes.adding(days: 7))T18:00")
    lines.append("#    end: \(closes.adding(days: 7))T20:00")
    lines.append("#    kind: meeting")
    lines.append("#    title: \(c.meetingTitle)")
    lines.append("#    location: \(c.meetingPlace)")
    lines.append("#    stage: consultation")
    field(c.status, "# status: cancelled")
    field(c.draft, "draft: true")
    lines.append("---")
    lines.append(c.body)
    return lines.joined(separator: "\n") + "\n"
  }

  /// Plain when YAML reads the text back unchanged, else double-quoted.
  static func yamlScalar(_ s: String) -> String {
    let plainSafe =
      !s.isEmpty && s.trimmingCharacters(in: .whitespaces) == s && !s.contains(": ") && !s.contains(" #")
      && !s.hasSuffix(":") && !s.contains("\n") && !s.contains("\t")
      && !"-?:,[]{}#&*!|>'\"%@`".contains(s.first!)
      && !["true", "false", "yes", "no", "on", "off", "null", "~"].contains(s.lowercased())
      && Double(s) == nil
    if plainSafe { return s }
    let escaped = s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
    return "\"\(escaped)\""
  }

  struct Comments {
    var title, summary, summaryPlaceholder, municipality, villages, villagesNone, villageExample, type: String
    var tags, tagExample, contact, contactName, location, address, budget, feedback, documents: String
    var documentTitle, timeline, timelineKeys, firstEntry, meetingTitle, meetingPlace, status, draft,
      body: String
  }

  static let types = PlanType.allCases.map(\.rawValue).joined(separator: ", ")
  static let stages = Stage.allCases.map(\.rawValue).joined(separator: ", ")

  static let estonian = Comments(
    title: "Pealkiri: plaani nimi, nagu elanikud seda otsiksid.",
    summary: "Kokkuvõte: üks-kaks lihtsat lauset (kuni 300 märki), mis on näha nimekirjades ja uudisvoos.",
    summaryPlaceholder: "Kirjuta siia lühidalt, mida kavandatakse ja miks.",
    municipality: "Vald: id failist content/areas.yml.",
    villages:
      "Külad, mida plaan puudutab (id-d failist content/areas.yml). Terve valla plaanil jäta see rida välja.",
    villagesNone:
      "Plaan puudutab tervet valda. Kui see puudutab vaid mõnda küla, kirjuta nende id-d siia ja eemalda #.",
    villageExample: "kyla-id",
    type: "Liik, üks järgmistest: \(types).",
    tags: "Märksõnad (soovi korral): eemalda # ja kirjuta sõnad nurksulgudesse.",
    tagExample: "teed, haridus",
    contact:
      "Kontakt, kellelt elanikud saavad küsida (soovi korral). Ilma selleta kasutatakse valla e-posti.",
    contactName: "Mari Maasikas",
    location: "Asukoht kaardil (soovi korral): laius- ja pikkuskraad ning aadress.",
    address: "Kooli 2, Torma",
    budget: "Eelarve (soovi korral): summa numbrina ja valuuta.",
    feedback:
      "Tagasiside aeg (soovi korral): esimene ja viimane päev, mil elanikud saavad arvamust saata. Sel ajal on plaani lehel vorm.",
    documents: "Dokumendid (soovi korral): failid kaustas content/files/ või veebiaadressid (https://…).",
    documentTitle: "Eskiis",
    timeline:
      "Ajajoon: plaani sündmused. Igal sündmusel on kuupäev (2026-12-10 või kellaajaga 2026-12-10T18:00) ja pealkiri.",
    timelineKeys:
      "Soovi korral: end (lõpp), kind (meeting, deadline, decision, milestone), location (koht), stage (\(stages)).",
    firstEntry: "Plaani idee avaldati",
    meetingTitle: "Avalik arutelu",
    meetingPlace: "Rahvamaja",
    status:
      "Kui plaanist loobutakse, eemalda # järgmiselt realt: kalendrid näitavad siis sündmusi tühistatuna.",
    draft:
      "Mustand: plaani ei avaldata enne, kui see rida on kustutatud. Täida enne kokkuvõte, ajajoon ja kirjeldus.",
    body: """

      ## Taust

      Kirjuta siia, miks plaan on vajalik ja mida see elanikele tähendab.

      ## Mida tehakse

      Kirjelda, mida kavandatakse, millal ja kui palju see maksab.

      ## Kuidas kaasa rääkida

      Kirjuta, millal ja kuidas saab arvamust avaldada.
      """)

  static let english = Comments(
    title: "Title: the plan's name, as residents would look for it.",
    summary: "Summary: one or two plain sentences (at most 300 characters), shown in lists and feeds.",
    summaryPlaceholder: "Write briefly what is planned and why.",
    municipality: "Municipality: an id from content/areas.yml.",
    villages:
      "Villages the plan concerns (ids from content/areas.yml). For the whole municipality, leave this line out.",
    villagesNone:
      "The plan concerns the whole municipality. If it concerns only some villages, write their ids here and remove the #.",
    villageExample: "village-id",
    type: "Type, one of: \(types).",
    tags: "Tags (optional): remove the # and write words in the brackets.",
    tagExample: "roads, schools",
    contact: "Who residents can ask (optional). Without it, the municipality's e-mail is shown.",
    contactName: "Mari Maasikas",
    location: "Place on the map (optional): latitude, longitude and address.",
    address: "Kooli 2, Torma",
    budget: "Budget (optional): the amount as a number and the currency.",
    feedback:
      "Feedback window (optional): the first and last day residents may send feedback. The plan's page shows a form meanwhile.",
    documents: "Documents (optional): files under content/files/ or web addresses (https://…).",
    documentTitle: "Sketch",
    timeline:
      "Timeline: the plan's events. Each has a date (2026-12-10, or with a time 2026-12-10T18:00) and a title.",
    timelineKeys:
      "Optional: end, kind (meeting, deadline, decision, milestone), location, stage (\(stages)).",
    firstEntry: "The idea was published",
    meetingTitle: "Public meeting",
    meetingPlace: "Community hall",
    status:
      "If the plan is given up, remove the # from the next line: calendars then show its events as cancelled.",
    draft:
      "Draft: the plan is not published until this line is deleted. Fill in the summary, timeline and text first.",
    body: """

      ## Background

      Write why the plan is needed and what it means for residents.

      ## What will be done

      Describe what is planned, when, and what it costs.

      ## How to take part

      Write when and how residents can give their opinion.
      """)
}

extension LocalDate {
  /// The day `days` later.
  public func adding(days: Int) -> LocalDate {
    var d = self
    for _ in 0..<max(0, days) { d = d.next }
    return d
  }
}
