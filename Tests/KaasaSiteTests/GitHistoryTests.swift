import Foundation
import Testing

@testable import KaasaCore
@testable import KaasaSite

/// A git repository in a temporary folder whose commits carry fixed dates.
struct GitRepository {
  let root: URL

  init() throws {
    root = temporaryFolder()
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    try git("init", "-q", "-b", "main")
    try git("config", "user.name", "Ametnik")
    try git("config", "user.email", "ametnik@example.ee")
    try git("config", "commit.gpgsign", "false")
  }

  func write(_ path: String, _ text: String) throws {
    let url = root.appendingPathComponent(path)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  /// Commits everything with author and committer date `date` (ISO 8601 with offset).
  @discardableResult
  func commit(_ message: String, at date: String) throws -> String {
    try git("add", "-A")
    try git(
      "commit", "-q", "--allow-empty", "-m", message,
      environment: ["GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date])
    return try git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @discardableResult
  func git(_ arguments: String..., environment: [String: String] = [:], in directory: URL? = nil) throws
    -> String
  {
    try run(arguments, environment: environment, in: directory ?? root)
  }

  @discardableResult
  func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL) throws -> String {
    let p = Process()
    p.executableURL = Git.locate()!.executable
    p.arguments = arguments
    p.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let out = Pipe()
    p.standardOutput = out
    p.standardError = Pipe()
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    if p.terminationStatus != 0 { throw GitFailed(arguments: arguments) }
    return String(decoding: data, as: UTF8.self)
  }

  struct GitFailed: Error {
    var arguments: [String]
  }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

/// The site files every test repository starts with.
enum HistorySite {
  static let settings = """
    title: Test
    baseURL: https://plaanid.example.ee/
    repository: https://github.com/vald/plaanid

    """

  static let areas = """
    municipalities:
      - id: jogeva-vald
        name: Jõgeva vald
        villages:
          - { id: torma, name: Torma }

    """

  /// The torma-kool plan with its meeting on `meeting`, text `body`, and an optional status line.
  static func plan(meeting: String, body: String = "Katus vahetatakse.", status: String? = nil) -> String {
    """
    ---
    title: Torma kooli katus
    summary: Kooli katus vahetatakse 2027. aasta suvel.
    municipality: jogeva-vald
    villages: [torma]
    type: investment
    \(status.map { "status: \($0)\n" } ?? "")feedback: { opens: 2027-03-01, closes: 2027-03-21 }
    timeline:
      - { date: 2026-11-20, stage: idea, title: Idee }
      - date: \(meeting)
        end: \(meeting.prefix(10))T20:00
        kind: meeting
        title: Avalik arutelu
        location: Torma rahvamaja
        stage: consultation
    ---
    \(body)

    """
  }
}

/// Renders with the history from git; the cache (on by default) lets each build read only new commits.
func build(_ site: URL, now: String = "2026-12-01T12:00", cache: Bool = true) throws -> Builder.Report {
  let folder = cache ? site.appendingPathComponent(".kaasa-cache") : nil
  let builder = Builder(
    siteDirectory: site, output: site.appendingPathComponent("output"),
    history: { GitHistory.read(siteDirectory: site, site: $0, cache: folder) })
  let report = try builder.render(now: fixedNow(now))
  #expect(report.succeeded, "\(DiagnosticFormat.text.render(report.diagnostics))")
  return report
}

extension Builder.Report {
  func text(_ path: String) -> String { files.first { $0.path == path }?.text ?? "" }
}

/// The VEVENT blocks of an iCalendar text, unfolded, by UID.
func events(_ ics: String) -> [String: [String: String]] {
  let unfolded = ics.replacingOccurrences(of: "\r\n ", with: "")
  var out: [String: [String: String]] = [:]
  for block in unfolded.components(separatedBy: "BEGIN:VEVENT\r\n").dropFirst() {
    var fields: [String: String] = [:]
    for line in block.components(separatedBy: "\r\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let name = line[..<colon].split(separator: ";").first.map(String.init) ?? ""
      if fields[name] == nil { fields[name] = String(line[line.index(after: colon)...]) }
    }
    out[fields["UID"] ?? ""] = fields
  }
  return out
}

@Suite("History from git")
struct GitHistoryTests {
  static let meetingUID = "torma-kooli-katus/avalik-arutelu@plaanid.example.ee"
  static let file = "content/plans/torma-kooli-katus.md"

  /// The issue's scenario: add a plan, fix a typo, move its meeting twice, cancel it.
  @Test func scenarioFromAddingToCancelling() throws {
    let repo = try GitRepository()
    defer { repo.remove() }
    try repo.write("content/site.yml", HistorySite.settings)
    try repo.write("content/areas.yml", HistorySite.areas)
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-10T18:00", body: "Katus vahetatkse."))
    let added = try repo.commit("Uus plaan: Torma kooli katus", at: "2026-11-20T10:00:00+02:00")

    var report = try build(repo.root)
    var meeting = try #require(events(report.text("plans/torma-kooli-katus/calendar.ics"))[Self.meetingUID])
    #expect(meeting["SEQUENCE"] == "0")
    #expect(meeting["DTSTAMP"] == "20261120T080000Z")

    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-10T18:00", body: "Katus vahetatakse."))
    try repo.commit("Kirjavea parandus", at: "2026-11-21T09:30:00+02:00")
    report = try build(repo.root)
    meeting = try #require(events(report.text("plans/torma-kooli-katus/calendar.ics"))[Self.meetingUID])
    #expect(meeting["SEQUENCE"] == "0", "a typo in the text does not change the event")

    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-11T18:00"))
    try repo.commit("Arutelu viidi neljapäevale", at: "2026-11-25T14:00:00+02:00")
    report = try build(repo.root)
    meeting = try #require(events(report.text("plans/torma-kooli-katus/calendar.ics"))[Self.meetingUID])
    #expect(meeting["SEQUENCE"] == "1")

    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-12T18:00"))
    try repo.commit("Arutelu viidi reedele", at: "2026-11-28T16:45:00+02:00")
    report = try build(repo.root)
    meeting = try #require(events(report.text("plans/torma-kooli-katus/calendar.ics"))[Self.meetingUID])
    #expect(meeting["SEQUENCE"] == "2", "two moves")
    #expect(meeting["LAST-MODIFIED"] == "20261128T144500Z")
    #expect(meeting["DTSTAMP"] == "20261128T144500Z")
    #expect(meeting["DTSTART"] == "20270312T180000")
    // The idea entry never changed.
    let idea = try #require(
      events(report.text("plans/torma-kooli-katus/calendar.ics"))["torma-kooli-katus/idee@plaanid.example.ee"]
    )
    #expect(idea["SEQUENCE"] == "0")
    #expect(idea["LAST-MODIFIED"] == "20261120T080000Z")

    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-12T18:00", status: "cancelled"))
    let cancelled = try repo.commit("Plaanist loobuti", at: "2026-12-01T08:00:00+02:00")
    report = try build(repo.root, now: "2026-12-02")
    let calendar = events(report.text("plans/torma-kooli-katus/calendar.ics"))
    meeting = try #require(calendar[Self.meetingUID], "the UID stays the same")
    #expect(meeting["SEQUENCE"] == "3", "cancelling is one more change")
    #expect(meeting["STATUS"] == "CANCELLED")
    #expect(meeting["LAST-MODIFIED"] == "20261201T060000Z")
    #expect(calendar["torma-kooli-katus/feedback@plaanid.example.ee"]?["SEQUENCE"] == "1")
    #expect(calendar.count == 3)

    // The page lists the five commits, newest first, with their days in the site's time zone.
    let page = report.text("plans/torma-kooli-katus/index.html")
    let subjects = [
      "Plaanist loobuti", "Arutelu viidi reedele", "Arutelu viidi neljapäevale", "Kirjavea parandus",
      "Uus plaan: Torma kooli katus",
    ]
    let positions = subjects.map { page.range(of: "– \($0)")?.lowerBound }
    #expect(positions.allSatisfy { $0 != nil }, "every commit is listed")
    #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "newest first")
    #expect(
      page.contains(
        "<time datetime=\"2026-11-28T14:45:00Z\">28. november 2026</time> – Arutelu viidi reedele"))
    #expect(
      page.contains(
        "<time datetime=\"2026-11-20T08:00:00Z\">20. november 2026</time> – Uus plaan: Torma kooli katus"))
    #expect(page.contains("href=\"https://github.com/vald/plaanid/commit/\(cancelled)\""))
    #expect(page.contains("href=\"https://github.com/vald/plaanid/commit/\(added)\""))
    #expect(
      page.contains("href=\"https://github.com/vald/plaanid/blob/HEAD/content/plans/torma-kooli-katus.md\""))
    // Published and updated come from the first and the latest commit.
    #expect(page.contains("<time datetime=\"2026-11-20\">20. november 2026</time> · "))
    let json =
      try JSONSerialization.jsonObject(with: Data(report.text("plans.json").utf8)) as! [[String: Any]]
    #expect(json[0]["published"] as? String == "2026-11-20")
    #expect(json[0]["updated"] as? String == "2026-12-01")
    #expect(report.notes == [])
  }

  /// The same commit builds to the same bytes in another clone, with other file times, later.
  @Test func sameCommitBuildsIdentically() throws {
    let repo = try GitRepository()
    defer { repo.remove() }
    try repo.write("content/site.yml", HistorySite.settings)
    try repo.write("content/areas.yml", HistorySite.areas)
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-10T18:00"))
    try repo.commit("Uus plaan", at: "2026-11-20T10:00:00+02:00")
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-11T18:00"))
    try repo.commit("Arutelu viidi", at: "2026-11-25T10:00:00+02:00")

    let clone = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: clone) }
    try repo.run(["clone", "-q", repo.root.path, clone.path], in: repo.root.deletingLastPathComponent())
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSince1970: 1_000_000_000)],
      ofItemAtPath: clone.appendingPathComponent(Self.file).path)

    let a = temporaryFolder()
    let b = temporaryFolder()
    defer {
      try? FileManager.default.removeItem(at: a)
      try? FileManager.default.removeItem(at: b)
    }
    let first = Builder(
      siteDirectory: repo.root, output: a, history: { GitHistory.read(siteDirectory: repo.root, site: $0) })
    let second = Builder(
      siteDirectory: clone, output: b, history: { GitHistory.read(siteDirectory: clone, site: $0) })
    // "Now" is given; the clock must not matter, so the second build gets a clock that is far off.
    _ = try first.build(now: { zone in
      try Now.resolve(option: "2026-12-01T12:00", environment: [:], zone: zone)
    })
    _ = try second.build(now: { zone in
      try Now.resolve(
        option: "2026-12-01T12:00", environment: [:], zone: zone, clock: { Date(timeIntervalSince1970: 4e9) })
    })
    let sa = try snapshot(a)
    let sb = try snapshot(b)
    #expect(sa.count > 10)
    #expect(sa.keys.sorted() == sb.keys.sorted())
    for (path, data) in sa { #expect(sb[path] == data, "\(path) differs") }
    #expect(
      String(decoding: sa["plans/torma-kooli-katus/calendar.ics"]!, as: UTF8.self).contains("SEQUENCE:1\r\n"))
  }

  @Test func copyWithoutGitBuildsAndSaysSoOnce() throws {
    let repo = try GitRepository()
    defer { repo.remove() }
    try repo.write("content/site.yml", HistorySite.settings)
    try repo.write("content/areas.yml", HistorySite.areas)
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-10T18:00"))
    try repo.commit("Uus plaan", at: "2026-11-20T10:00:00+02:00")
    let copy = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: copy) }
    try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: repo.root.appendingPathComponent("content"), to: copy.appendingPathComponent("content"))

    let report = try build(copy)
    #expect(report.notes.count == 1)
    #expect(report.notes.first?.contains("not in a git repository") == true)
    #expect(report.notes.first?.contains("SEQUENCE stays 0") == true)
    let meeting = try #require(events(report.text("plans/torma-kooli-katus/calendar.ics"))[Self.meetingUID])
    #expect(meeting["SEQUENCE"] == "0")
    #expect(!report.text("plans/torma-kooli-katus/index.html").contains("history-heading"))
    // Dates from the timeline: the idea entry, the only one before now.
    let json =
      try JSONSerialization.jsonObject(with: Data(report.text("plans.json").utf8)) as! [[String: Any]]
    #expect(json[0]["published"] as? String == "2026-11-20")
  }

  @Test func shallowCloneFallsBackWithANote() throws {
    let repo = try GitRepository()
    defer { repo.remove() }
    try repo.write("content/site.yml", HistorySite.settings)
    try repo.write("content/areas.yml", HistorySite.areas)
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-10T18:00"))
    try repo.commit("Uus plaan", at: "2026-11-20T10:00:00+02:00")
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-11T18:00"))
    try repo.commit("Arutelu viidi", at: "2026-11-25T10:00:00+02:00")
    let clone = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: clone) }
    try repo.run(
      ["clone", "-q", "--depth", "1", "file://" + repo.root.path, clone.path],
      in: repo.root.deletingLastPathComponent())

    let report = try build(clone)
    #expect(report.notes.count == 1)
    #expect(report.notes.first?.contains("shallow clone") == true)
    #expect(events(report.text("plans/torma-kooli-katus/calendar.ics"))[Self.meetingUID]?["SEQUENCE"] == "0")
  }

  /// A site in a subfolder of the repository; a plan moved between folders keeps its history.
  @Test func siteInSubfolderAndMovedPlan() throws {
    let repo = try GitRepository()
    defer { repo.remove() }
    try repo.write("README.md", "Valla repositoorium\n")
    try repo.write("sait/content/site.yml", HistorySite.settings)
    try repo.write("sait/content/areas.yml", HistorySite.areas)
    try repo.write("sait/content/plans/torma-kooli-katus.md", HistorySite.plan(meeting: "2027-03-10T18:00"))
    try repo.commit("Uus plaan", at: "2026-11-20T10:00:00+02:00")
    try repo.write("README.md", "Muu muudatus\n")
    try repo.commit("Muu muudatus", at: "2026-11-21T10:00:00+02:00")
    try FileManager.default.createDirectory(
      at: repo.root.appendingPathComponent("sait/content/plans/jogeva-vald"),
      withIntermediateDirectories: true)
    try repo.git(
      "mv", "sait/content/plans/torma-kooli-katus.md", "sait/content/plans/jogeva-vald/torma-kooli-katus.md")
    try repo.commit("Plaan valla kausta", at: "2026-11-22T10:00:00+02:00")
    try repo.write(
      "sait/content/plans/jogeva-vald/torma-kooli-katus.md", HistorySite.plan(meeting: "2027-03-11T18:00"))
    try repo.commit("Arutelu viidi", at: "2026-11-23T10:00:00+02:00")

    let site = repo.root.appendingPathComponent("sait")
    let report = try build(site)
    #expect(report.notes == [])
    let page = report.text("plans/torma-kooli-katus/index.html")
    #expect(page.contains("Uus plaan"))
    #expect(page.contains("Plaan valla kausta"))
    #expect(!page.contains("Muu muudatus"), "commits that do not touch the plan are not listed")
    #expect(
      page.contains(
        "https://github.com/vald/plaanid/blob/HEAD/sait/content/plans/jogeva-vald/torma-kooli-katus.md"))
    #expect(events(report.text("plans/torma-kooli-katus/calendar.ics"))[Self.meetingUID]?["SEQUENCE"] == "1")
  }

  /// Changes made on a branch count when they reach main, under the merge request's title.
  @Test func mergedBranchIsDatedAtTheMerge() throws {
    let repo = try GitRepository()
    defer { repo.remove() }
    try repo.write("content/site.yml", HistorySite.settings)
    try repo.write("content/areas.yml", HistorySite.areas)
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-10T18:00"))
    try repo.commit("Uus plaan", at: "2026-11-20T10:00:00+02:00")
    try repo.git("checkout", "-q", "-b", "patch-1")
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-11T18:00"))
    try repo.commit("Update torma-kooli-katus.md", at: "2026-11-21T10:00:00+02:00")
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-12T18:00"))
    try repo.commit("Update torma-kooli-katus.md", at: "2026-11-21T10:05:00+02:00")
    try repo.git("checkout", "-q", "main")
    try repo.git(
      "merge", "-q", "--no-ff", "-m", "Merge pull request #3 from vald/patch-1\n\nArutelu uus aeg", "patch-1",
      environment: [
        "GIT_AUTHOR_DATE": "2026-11-24T12:00:00+02:00", "GIT_COMMITTER_DATE": "2026-11-24T12:00:00+02:00",
      ])

    let report = try build(repo.root)
    let page = report.text("plans/torma-kooli-katus/index.html")
    #expect(page.contains("24. november 2026</time> – Arutelu uus aeg"))
    #expect(
      !page.contains("Update torma-kooli-katus.md"), "the branch's own commits are not the published states")
    let meeting = try #require(events(report.text("plans/torma-kooli-katus/calendar.ics"))[Self.meetingUID])
    #expect(meeting["SEQUENCE"] == "1", "the published date changed once")
    #expect(meeting["LAST-MODIFIED"] == "20261124T100000Z")
  }

  /// The working copy is what the build renders, so an uncommitted move counts too.
  @Test func uncommittedChangesAndPlans() throws {
    let repo = try GitRepository()
    defer { repo.remove() }
    try repo.write("content/site.yml", HistorySite.settings)
    try repo.write("content/areas.yml", HistorySite.areas)
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-10T18:00"))
    try repo.commit("Uus plaan", at: "2026-11-20T10:00:00+02:00")
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-11T18:00"))
    try repo.write("content/plans/uus.md", SiteFixture.plan(title: "Uus"))

    let report = try build(repo.root)
    let meeting = try #require(events(report.text("plans/torma-kooli-katus/calendar.ics"))[Self.meetingUID])
    #expect(meeting["SEQUENCE"] == "1")
    #expect(meeting["LAST-MODIFIED"] == "20261120T080000Z", "dated at the latest commit, never the clock")
    #expect(report.notes.count == 1)
    #expect(report.notes.first?.hasPrefix("1 plan is not committed yet (content/plans/uus.md)") == true)
    #expect(!report.text("plans/uus/index.html").contains("history-heading"))
  }

  /// A plan committed as a draft is published when the draft line goes.
  @Test func publishedWhenTheDraftLineGoes() throws {
    let repo = try GitRepository()
    defer { repo.remove() }
    try repo.write("content/site.yml", HistorySite.settings)
    try repo.write("content/areas.yml", HistorySite.areas)
    let draft = HistorySite.plan(meeting: "2027-03-10T18:00").replacingOccurrences(
      of: "type: investment\n", with: "type: investment\ndraft: true\n")
    try repo.write(Self.file, draft)
    try repo.commit("Mustand", at: "2026-11-10T10:00:00+02:00")
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-10T18:00"))
    try repo.commit("Avaldatud", at: "2026-11-18T10:00:00+02:00")
    let report = try build(repo.root)
    let json =
      try JSONSerialization.jsonObject(with: Data(report.text("plans.json").utf8)) as! [[String: Any]]
    #expect(json[0]["published"] as? String == "2026-11-18")
  }

  @Test func repositoryWithoutCommitsSaysSo() throws {
    let repo = try GitRepository()
    defer { repo.remove() }
    try repo.write("content/site.yml", HistorySite.settings)
    try repo.write("content/areas.yml", HistorySite.areas)
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-10T18:00"))
    let report = try build(repo.root)
    #expect(report.notes.count == 1)
    #expect(report.notes.first?.contains("no commits yet") == true)
  }

  @Test func gitLabLinks() throws {
    let repo = try GitRepository()
    defer { repo.remove() }
    try repo.write(
      "content/site.yml", HistorySite.settings.replacingOccurrences(of: "github.com", with: "gitlab.com"))
    try repo.write("content/areas.yml", HistorySite.areas)
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-10T18:00"))
    let hash = try repo.commit("Uus plaan", at: "2026-11-20T10:00:00+02:00")
    let page = try build(repo.root).text("plans/torma-kooli-katus/index.html")
    #expect(page.contains("href=\"https://gitlab.com/vald/plaanid/-/commit/\(hash)\""))
    #expect(
      page.contains("href=\"https://gitlab.com/vald/plaanid/-/blob/HEAD/content/plans/torma-kooli-katus.md\"")
    )
    #expect(
      page.contains(
        "href=\"https://gitlab.com/vald/plaanid/-/commits/HEAD/content/plans/torma-kooli-katus.md\""))
  }

  /// Builds that read new commits on top of the cache give the bytes of a build that reads everything.
  @Test func cacheGivesTheBytesOfAFreshRead() throws {
    let repo = try GitRepository()
    defer { repo.remove() }
    try repo.write("content/site.yml", HistorySite.settings)
    try repo.write("content/areas.yml", HistorySite.areas)
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-10T18:00"))
    try repo.commit("Uus plaan", at: "2026-11-20T10:00:00+02:00")
    _ = try build(repo.root)
    #expect(
      FileManager.default.fileExists(atPath: repo.root.appendingPathComponent(".kaasa-cache/history").path))
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-11T18:00"))
    try repo.commit("Arutelu viidi", at: "2026-11-25T10:00:00+02:00")
    _ = try build(repo.root)
    try repo.write("content/plans/teine.md", SiteFixture.plan(title: "Teine"))
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-12T18:00", status: "cancelled"))
    try repo.commit("Teine plaan, esimesest loobuti", at: "2026-11-26T10:00:00+02:00")
    #expect(try repo.git("status", "--porcelain") == "", "the cache keeps itself out of commits")

    let warm = try build(repo.root)
    let cold = try build(repo.root, cache: false)
    #expect(warm.files.map(\.path) == cold.files.map(\.path))
    for (a, b) in zip(warm.files, cold.files) { #expect(a.content == b.content, "\(a.path) differs") }
    #expect(events(warm.text("plans/torma-kooli-katus/calendar.ics"))[Self.meetingUID]?["SEQUENCE"] == "2")
    // Unchanged HEAD: the cache alone answers, with the same result.
    let again = try build(repo.root)
    for (a, b) in zip(again.files, cold.files) { #expect(a.content == b.content, "\(a.path) differs") }
  }

  /// A history rewritten under the cache (an amended commit) is read again from the start.
  @Test func rewrittenHistoryIsReadAgain() throws {
    let repo = try GitRepository()
    defer { repo.remove() }
    try repo.write("content/site.yml", HistorySite.settings)
    try repo.write("content/areas.yml", HistorySite.areas)
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-10T18:00"))
    try repo.commit("Uus plaan", at: "2026-11-20T10:00:00+02:00")
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-11T18:00"))
    try repo.commit("Arutelu viidi", at: "2026-11-25T10:00:00+02:00")
    var report = try build(repo.root)
    #expect(events(report.text("plans/torma-kooli-katus/calendar.ics"))[Self.meetingUID]?["SEQUENCE"] == "1")

    try repo.git("reset", "-q", "--hard", "HEAD~1")
    try repo.write(Self.file, HistorySite.plan(meeting: "2027-03-10T18:00", body: "Parandatud tekst."))
    try repo.commit("Teksti parandus", at: "2026-11-26T10:00:00+02:00")
    report = try build(repo.root)
    let page = report.text("plans/torma-kooli-katus/index.html")
    #expect(!page.contains("Arutelu viidi"))
    #expect(page.contains("Teksti parandus"))
    #expect(events(report.text("plans/torma-kooli-katus/calendar.ics"))[Self.meetingUID]?["SEQUENCE"] == "0")

    try repo.git("reset", "-q", "--hard", "HEAD~1")
    report = try build(repo.root)
    #expect(!report.text("plans/torma-kooli-katus/index.html").contains("Teksti parandus"))
  }

  @Test func cacheRoundTrip() throws {
    var h = CommittedHistory(head: "abc", prefix: "sait/")
    h.commits = [.init(hash: "abc", time: 1_795_000_000, subject: "Uus\tplaan")]
    var state = CommittedHistory.PlanState()
    state.events = [(0, "sait/content/plans/x.md")]
    state.published = 1_795_000_000
    let local = LocalDateTime(date: LocalDate(year: 2027, month: 3, day: 10), hour: 18, minute: 5, second: 0)
    state.revisions.add(
      CalendarFacts(
        entries: [
          "a": EntryFacts(
            date: .local(local), end: .instant(Date(timeIntervalSince1970: 1_804_000_000)), location: "Maja"),
          "b": EntryFacts(date: .day(LocalDate(year: 2027, month: 1, day: 2)), end: nil, location: nil),
        ],
        feedback: FeedbackWindow(
          opens: LocalDate(year: 2027, month: 1, day: 1), closes: LocalDate(year: 2027, month: 1, day: 31)),
        status: .cancelled, draft: false),
      at: Date(timeIntervalSince1970: 1_795_000_000))
    h.plans["x"] = state
    let decoded = try #require(HistoryCache.decode(HistoryCache.encode(h)))
    #expect(HistoryCache.encode(decoded) == HistoryCache.encode(h))
    #expect(decoded.plans["x"]?.revisions.states["a"]?.value == state.revisions.states["a"]?.value)
    #expect(decoded.plans["x"]?.revisions.feedback?.value == state.revisions.feedback?.value)
    #expect(HistoryCache.decode(Array(HistoryCache.encode(h).dropLast(3))) == nil)
  }

  @Test func iso8601ByArithmeticMatchesTheCalendar() throws {
    let s = try SiteFixture(plans: ["tee": SiteFixture.plan(title: "Tee")])
    defer { s.remove() }
    let site = try #require(ContentLoader(siteDirectory: s.root).load().site)
    let renderer = SiteRenderer(
      site: site, theme: try Theme.load(name: "default", language: .et, siteDirectory: s.root),
      options: RenderOptions(now: Date(timeIntervalSince1970: 0)), filesDirectory: s.root.path)
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")!
    for seconds in stride(from: -2_208_988_800.0, through: 4_102_444_800, by: 9_876_543.0) + [
      0, 951_782_400, 1_795_000_000,
    ] {
      let d = Date(timeIntervalSince1970: seconds)
      #expect(renderer.iso8601(d) == formatter.string(from: d))
    }
  }

  @Test func mergeSubjects() {
    #expect(
      LogParser.subject("Merge pull request #12 from vald/patch-1\n\nArutelu uus aeg\n", isMerge: true)
        == "Arutelu uus aeg")
    #expect(
      LogParser.subject(
        "Merge branch 'patch-1' into 'main'\n\nArutelu uus aeg\n\nSee merge request vald/plaanid!4\n",
        isMerge: true)
        == "Arutelu uus aeg")
    #expect(LogParser.subject("Merge branch 'x'\n", isMerge: true) == "Merge branch 'x'")
    #expect(LogParser.subject("Arutelu viidi\n\nPikem selgitus.\n", isMerge: false) == "Arutelu viidi")
  }
}
