import Foundation
import Synchronization
import Testing

@testable import KaasaCore
@testable import KaasaSite

/// A small deterministic generator, so a failing sequence of edits can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A copy of the sample site in a git repository, which a test edits and commits like an official would.
struct EditableSite {
  let repository: GitRepository
  var root: URL { repository.root }
  var rng: SplitMix64
  var counter = 0

  init(seed: UInt64) throws {
    repository = try GitRepository()
    rng = SplitMix64(state: seed)
    try FileManager.default.copyItem(
      at: repositoryRoot.appendingPathComponent("content"), to: root.appendingPathComponent("content"))
    try Data("output/\nclean/\nreference/\n.kaasa-cache/\n".utf8).write(
      to: root.appendingPathComponent(".gitignore"))
    try repository.commit("Näidissait", at: "2026-11-01T10:00:00+02:00")
  }

  /// Commits the work tree, one hour after the previous commit.
  func commit(_ message: String) throws {
    try repository.commit(message, at: "2026-11-02T\(String(format: "%02d", 8 + counter % 12)):00:00+02:00")
  }

  /// Adds a meeting at 13:30 on `day` to a plan, so that time passing within a day matters.
  mutating func addMeeting(on day: String) throws -> String {
    counter += 1
    let file = pick(planFiles())
    var lines = try read(file).components(separatedBy: "\n")
    let i = try #require(lines.firstIndex(of: "timeline:"))
    lines.insert(
      contentsOf: ["  - date: \(day)T13:30", "    kind: meeting", "    title: Koosolek \(counter)"], at: i + 1
    )
    try write(lines.joined(separator: "\n"), to: file)
    return "added a meeting on \(day) at 13:30 to \(file.deletingPathExtension().lastPathComponent)"
  }

  var plans: URL { root.appendingPathComponent("content/plans") }

  func planFiles() -> [URL] {
    let e = FileManager.default.enumerator(atPath: plans.path)!
    var out: [URL] = []
    while let rel = e.nextObject() as? String {
      if rel.hasSuffix(".md") { out.append(plans.appendingPathComponent(rel)) }
    }
    return out.sorted { $0.path < $1.path }
  }

  mutating func pick<T>(_ list: [T]) -> T { list[Int.random(in: 0..<list.count, using: &rng)] }

  func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }
  func write(_ text: String, to url: URL) throws {
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  /// Replaces the first line starting with `prefix` in `url`.
  func replaceLine(in url: URL, prefix: String, with line: String) throws {
    var lines = try read(url).components(separatedBy: "\n")
    let i = try #require(
      lines.firstIndex { $0.hasPrefix(prefix) }, "\(url.lastPathComponent) has no \(prefix)")
    lines[i] = line
    try write(lines.joined(separator: "\n"), to: url)
  }

  /// Adds a paragraph to the body of a plan, leaving its front matter as it was.
  mutating func addParagraph() throws -> String {
    counter += 1
    let file = pick(planFiles())
    try write(try read(file) + "\nEelvaade \(counter): lõik, mida veel ei ole salvestatud.\n", to: file)
    return "previewed a paragraph in \(file.deletingPathExtension().lastPathComponent)"
  }

  /// One random change of the kinds officials make; returns what it did, for the failure message.
  mutating func randomEdit() throws -> String {
    counter += 1
    let files = planFiles()
    let file = pick(files)
    let name = file.deletingPathExtension().lastPathComponent
    switch Int.random(in: 0..<10, using: &rng) {
    case 0:
      try replaceLine(in: file, prefix: "title:", with: "title: Muudetud pealkiri \(counter)")
      return "retitled \(name)"
    case 1:
      try write(
        try read(file) + "\nLisatud lõik \(counter) [dokument](https://example.ee/\(counter)).\n", to: file)
      return "added a paragraph to \(name)"
    case 2:
      // Moves a timeline entry without an end to another day, around now.
      var lines = try read(file).components(separatedBy: "\n")
      let movable = lines.indices.filter {
        lines[$0].hasPrefix("  - date:")
          && !(lines.indices.contains($0 + 1) && lines[$0 + 1].hasPrefix("    end:"))
      }
      guard !movable.isEmpty else { return "left \(name) alone" }
      let i = pick(movable)
      lines[i] =
        "  - date: 2026-\(pick(["03", "10", "11", "12"]))-\(10 + Int.random(in: 0..<18, using: &rng))"
      try write(lines.joined(separator: "\n"), to: file)
      return "moved an entry of \(name) to \(lines[i].dropFirst(10))"
    case 3:
      let copy = file.deletingLastPathComponent().appendingPathComponent("uus-plaan-\(counter).md")
      try write(try read(file).replacingOccurrences(of: "title: ", with: "title: Uus \(counter) "), to: copy)
      return "added uus-plaan-\(counter) as a copy of \(name)"
    case 4:
      let target = file.deletingLastPathComponent().appendingPathComponent("\(name)-\(counter).md")
      try FileManager.default.moveItem(at: file, to: target)
      return "renamed \(name)"
    case 5 where files.count > 5:
      try FileManager.default.removeItem(at: file)
      return "deleted \(name)"
    case 6:
      let areas = root.appendingPathComponent("content/areas.yml")
      let text = try read(areas)
      try write(text.replacingOccurrences(of: "name: Torma", with: "name: Torma \(counter)"), to: areas)
      return "renamed the village Torma in areas.yml"
    case 7:
      try replaceLine(
        in: root.appendingPathComponent("content/site.yml"), prefix: "title:",
        with: "title: Jõgevamaa plaanid \(counter)")
      return "retitled the site"
    case 8:
      // The site's own theme overrides the plan card and one translation.
      let theme = root.appendingPathComponent("themes/default")
      let card = try #require(DefaultTheme.files["templates/plan-card.mustache"])
      try write(
        card + "<!-- versioon \(counter) -->\n",
        to: theme.appendingPathComponent("templates/plan-card.mustache"))
      try write("nav_plans: Kõik plaanid \(counter)\n", to: theme.appendingPathComponent("i18n/et.yml"))
      return "changed the site's theme"
    default:
      try write(
        try read(file).replacingOccurrences(of: "summary: ", with: "summary: Täpsustatud. "), to: file)
      return "changed the summary of \(name)"
    }
  }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

@Suite("incremental builds")
struct IncrementalBuildTests {
  /// The builder `kaasa build` uses: history from git and the cache, both in the site's .kaasa-cache.
  func builder(_ site: EditableSite, output: URL, clean: Bool = false, memory: BuildMemory? = nil) -> Builder
  {
    let root = site.root
    let folder = root.appendingPathComponent(".kaasa-cache")
    return Builder(
      siteDirectory: root, output: output,
      history: { GitHistory.read(siteDirectory: root, site: $0, cache: folder) }, cacheFolder: folder,
      clean: clean, memory: memory)
  }

  /// A build from scratch: no build cache, history read from git without its cache.
  func reference(_ site: EditableSite, output: URL) -> Builder {
    let root = site.root
    return Builder(
      siteDirectory: root, output: output,
      history: { GitHistory.read(siteDirectory: root, site: $0, cache: nil) })
  }

  /// The last seed builds as `kaasa serve` does, with the caches kept in memory between builds.
  @Test(arguments: zip([UInt64(1), 2, 3, 4], [false, false, false, true]))
  func randomEditsGiveTheSameFilesAsACleanBuild(seed: UInt64, inMemory: Bool) throws {
    var site = try EditableSite(seed: seed)
    defer { site.remove() }
    let memory = inMemory ? BuildMemory() : nil
    func builder(_ site: EditableSite, output: URL) -> Builder {
      self.builder(site, output: output, memory: memory)
    }
    let incremental = site.root.appendingPathComponent("output")
    let clean = site.root.appendingPathComponent("clean")
    var now = try Now.resolve(
      option: "2026-11-26T12:00", environment: [:], zone: TimeZone(identifier: "Europe/Tallinn")!)
    _ = try builder(site, output: incremental).build { _ in now }
    var done = [try site.addMeeting(on: "2026-11-26"), try site.addMeeting(on: "2026-11-27")]
    try site.commit("Koosolekud")
    // Time passes within a day (past the 13:30 meetings), to the next day, and within it again.
    let timeSteps: [Int: TimeInterval] = [3: 3 * 3600, 7: 24 * 3600, 11: 3600]
    for step in 0..<14 {
      if let later = timeSteps[step] {
        now = now.addingTimeInterval(later)
        done.append("now is \(now)")
      } else {
        done.append(try site.randomEdit())
        // Most edits are committed; some stay in the work tree, as while previewing.
        if Int.random(in: 0..<4, using: &site.rng) > 0 { try site.commit(done.last!) }
      }
      guard try buildsAsClean() else { return }
      // Then a paragraph previewed before it is committed: only that plan's page is rendered.
      done.append(try site.addParagraph())
      guard try buildsAsClean(bodyAlone: true) else { return }
    }

    func buildsAsClean(bodyAlone: Bool = false) throws -> Bool {
      let at = now
      let report = try builder(site, output: incremental).build { _ in at }
      #expect(report.succeeded, "\(DiagnosticFormat.text.render(report.diagnostics))")
      if bodyAlone {
        #expect(report.editedBodiesOnly, "seed \(seed), after: \(done.joined(separator: "; "))")
      }
      let reference = try reference(site, output: clean).build { _ in at }
      #expect(reference.succeeded)
      let a = try snapshot(incremental)
      let b = try snapshot(clean)
      #expect(a.keys.sorted() == b.keys.sorted(), "seed \(seed), after: \(done.joined(separator: "; "))")
      let differing = a.keys.filter { a[$0] != b[$0] }.sorted()
      #expect(
        differing.isEmpty, "seed \(seed), after: \(done.joined(separator: "; ")): \(differing.prefix(5))")
      return differing.isEmpty
    }
  }

  @Test func editingOnePlanRendersOnlyThatPlanAgain() throws {
    let site = try EditableSite(seed: 9)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    let first = try builder(site, output: output).build(now: fixedNow("2026-11-26T12:00"))
    #expect(first.reusedPlans == 0)
    let unchanged = try builder(site, output: output).build(now: fixedNow("2026-11-26T12:00"))
    let plans = site.planFiles().count
    #expect(unchanged.reusedPlans == plans)
    let file = site.planFiles()[0]
    try site.replaceLine(in: file, prefix: "title:", with: "title: Uus pealkiri")
    let edited = try builder(site, output: output).build(now: fixedNow("2026-11-26T12:00"))
    #expect(edited.reusedPlans == plans - 1)
    // The areas of other municipalities did not change.
    #expect(edited.reusedAreas > 0)
    let page = try String(
      contentsOf: output.appendingPathComponent(
        "plans/\(file.deletingPathExtension().lastPathComponent)/index.html"),
      encoding: .utf8)
    #expect(page.contains("Uus pealkiri"))
  }

  @Test func editingOnlyTheBodyOfAPlanRendersItsPageAlone() throws {
    let site = try EditableSite(seed: 11)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    let now = fixedNow("2026-11-26T12:00")
    _ = try builder(site, output: output).build(now: now)
    let unchanged = try builder(site, output: output).build(now: now)
    let plans = site.planFiles().count
    #expect(unchanged.reusedPlans == plans)
    let file = site.planFiles()[1]
    try site.write(try site.read(file) + "\nLõik, mis ei muuda plaani andmeid.\n", to: file)
    let edited = try builder(site, output: output).build(now: now)
    #expect(edited.reusedPlans == plans - 1)
    #expect(edited.editedBodiesOnly)
    // Lists, feeds, calendars and site-wide files do not show the body: every one is reused.
    #expect(edited.reusedAreas == unchanged.reusedAreas)
    let page = try String(
      contentsOf: output.appendingPathComponent(
        "plans/\(file.deletingPathExtension().lastPathComponent)/index.html"),
      encoding: .utf8)
    #expect(page.contains("Lõik, mis ei muuda plaani andmeid."))
    let clean = site.root.appendingPathComponent("clean")
    #expect(try reference(site, output: clean).build(now: now).succeeded)
    #expect(try snapshot(output) == snapshot(clean))
    // The summary is in the front matter: the plan's areas and the site-wide files follow it.
    try site.write(
      try site.read(file).replacingOccurrences(of: "summary: ", with: "summary: Täpsustatud. "), to: file)
    let resummarised = try builder(site, output: output).build(now: now)
    #expect(resummarised.reusedPlans == plans - 1)
    #expect(!resummarised.editedBodiesOnly)
    #expect(resummarised.reusedAreas < unchanged.reusedAreas)
    #expect(try reference(site, output: clean).build(now: now).succeeded)
    #expect(try snapshot(output) == snapshot(clean))
  }

  /// After an edit of bodies alone only those pages are rendered, without working out every plan's
  /// facts and keys again: only while nothing else changed. A commit (the plans' history), time
  /// passing one of the plans' dates, a parse cache left by another run (`kaasa check`) and a page
  /// of the output changed by hand each make the build render what they affect, as a clean build.
  @Test func anEditOfABodyIsRenderedAloneOnlyWhileNothingElseChanged() throws {
    var site = try EditableSite(seed: 14)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    let clean = site.root.appendingPathComponent("clean")
    // A meeting at 13:30 today: time passing it changes its plan's outputs.
    _ = try site.addMeeting(on: "2026-11-26")
    try site.commit("Koosolek")
    let files = site.planFiles()
    func addParagraph(to i: Int) throws {
      try site.write(try site.read(files[i]) + "\nLõik \(i).\n", to: files[i])
    }
    func expectCleanBuild(at now: @escaping (TimeZone) throws -> Date) throws {
      #expect(try reference(site, output: clean).build(now: now).succeeded)
      #expect(try snapshot(output) == snapshot(clean))
    }
    let noon = fixedNow("2026-11-26T12:00")
    #expect(try builder(site, output: output).build(now: noon).succeeded)

    try addParagraph(to: 0)
    let alone = try builder(site, output: output).build(now: noon)
    #expect(alone.editedBodiesOnly)
    #expect(alone.reusedPlans == files.count - 1)
    try expectCleanBuild(at: noon)

    try site.commit("Lõik")
    let committed = try builder(site, output: output).build(now: noon)
    #expect(!committed.editedBodiesOnly)
    try expectCleanBuild(at: noon)

    // The same day, so the same build key: only the meeting's plan stands differently against now.
    try addParagraph(to: 1)
    let later = fixedNow("2026-11-26T14:00")
    let passed = try builder(site, output: output).build(now: later)
    #expect(!passed.editedBodiesOnly)
    try expectCleanBuild(at: later)

    // A check reads the edited plan first: the build then finds it unchanged in the parse cache.
    try addParagraph(to: 2)
    let parseFile = ParseCache.file(in: site.root.appendingPathComponent(".kaasa-cache"))
    let checked = ContentLoader(
      siteDirectory: site.root, parseCache: ParseCache.load(from: parseFile), trustsFileStamps: true,
      dropsBodies: true
    ).load { parsed, changed in if changed { parsed.save(to: parseFile) } }
    #expect(checked.parsedPlans == 1)
    let afterCheck = try builder(site, output: output).build(now: later)
    #expect(!afterCheck.editedBodiesOnly)
    #expect(afterCheck.reusedPlans == files.count - 1)
    try expectCleanBuild(at: later)

    // Another plan's page changed by hand is rendered again beside the edited one.
    try addParagraph(to: 3)
    let page = output.appendingPathComponent(
      "plans/\(files[4].deletingPathExtension().lastPathComponent)/index.html")
    try Data("muudetud".utf8).write(to: page)
    let repaired = try builder(site, output: output).build(now: later)
    #expect(repaired.editedBodiesOnly)
    #expect(repaired.reusedPlans == files.count - 2)
    try expectCleanBuild(at: later)
  }

  /// A build trusts the stamps of plan files it read more than two seconds after their last change,
  /// as git trusts its index: such plans come from the parse cache without their files being read,
  /// and a page that must be rendered again (here, on the next day) reads its body then.
  @Test func plansKnownByTheirStampsGiveTheSameFilesAsACleanBuild() throws {
    let site = try EditableSite(seed: 12)
    defer { site.remove() }
    let fm = FileManager.default
    for file in site.planFiles() {
      try fm.setAttributes([.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: file.path)
    }
    // Setting the time changed each file's change time just now: stamps are kept once it is settled.
    Thread.sleep(forTimeInterval: 2.2)
    let output = site.root.appendingPathComponent("output")
    let clean = site.root.appendingPathComponent("clean")
    #expect(try builder(site, output: output).build(now: fixedNow("2026-11-26T12:00")).succeeded)
    // What the next build will see: every plan known by its stamp, none with its body.
    let cache = ParseCache.load(from: ParseCache.file(in: site.root.appendingPathComponent(".kaasa-cache")))
    let trusted = ContentLoader(
      siteDirectory: site.root, recordsDigests: true, parseCache: cache, trustsFileStamps: true
    ).load()
    #expect(trusted.readPlans == 0)
    #expect(trusted.site?.plans.isEmpty == false)
    #expect(trusted.site?.plans.allSatisfy { $0.bodyUnread && $0.body.isEmpty } == true)

    // The next day every page is rendered again, from bodies read as their pages need them.
    let nextDay = fixedNow("2026-11-27T12:00")
    let report = try builder(site, output: output).build(now: nextDay)
    #expect(report.succeeded)
    #expect(report.reusedPlans == 0)
    #expect(try reference(site, output: clean).build(now: nextDay).succeeded)
    #expect(try snapshot(output) == snapshot(clean))

    // An edit that keeps the size and sets the modification time back is still seen (its change
    // time moved), and the edited plan's page is rendered from the new text.
    let file = site.planFiles()[2]
    let text = try site.read(file)
    let i = try #require(text.range(of: "\n\n", options: .backwards))
    let edited = text.replacingCharacters(in: i, with: "\n!")
    #expect(edited.utf8.count == text.utf8.count)
    try site.write(edited, to: file)
    try fm.setAttributes([.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: file.path)
    #expect(try builder(site, output: output).build(now: nextDay).succeeded)
    #expect(try reference(site, output: clean).build(now: nextDay).succeeded)
    #expect(try snapshot(output) == snapshot(clean))
  }

  /// The home page shows the next 60 days: an entry that comes within them as time passes is
  /// shown, although no plan changed and now passed none of their dates.
  @Test func theHomePageFollowsItsHorizonAsTimePasses() throws {
    var site = try EditableSite(seed: 13)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    let clean = site.root.appendingPathComponent("clean")
    // 60 days after 12:00 on 26 November is 12:00 on 25 January: the meeting at 13:30 is beyond.
    _ = try site.addMeeting(on: "2027-01-25")
    let home = output.appendingPathComponent("index.html")
    #expect(try builder(site, output: output).build(now: fixedNow("2026-11-26T12:00")).succeeded)
    #expect(try !String(contentsOf: home, encoding: .utf8).contains("Koosolek 1"))
    // The same day, so the same build key: at 14:00 the meeting is within the 60 days.
    let later = fixedNow("2026-11-26T14:00")
    let report = try builder(site, output: output).build(now: later)
    #expect(report.succeeded)
    #expect(try String(contentsOf: home, encoding: .utf8).contains("Koosolek 1"))
    #expect(try reference(site, output: clean).build(now: later).succeeded)
    #expect(try snapshot(output) == snapshot(clean))
    // And at 14:30 nothing crossed now or the horizon: every file is taken from the last build,
    // the site-wide ones too, as when building for the same moment again.
    let again = try builder(site, output: output).build(now: later)
    let unchanged = try builder(site, output: output).build(now: fixedNow("2026-11-26T14:30"))
    #expect(unchanged.reusedPlans == site.planFiles().count)
    #expect(unchanged.reusedAreas == again.reusedAreas)
    #expect(try snapshot(output) == snapshot(clean))
  }

  /// What lists show of each plan is kept in a file beside the build cache, which a rebuild reads
  /// and writes only when a list is rendered again or changes: never for an edit of a body. Damaged
  /// or stale lists cost only speed.
  @Test func theListsAreReadAndWrittenOnlyWhenAListChanges() throws {
    let site = try EditableSite(seed: 14)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    let clean = site.root.appendingPathComponent("clean")
    let now = fixedNow("2026-11-26T12:00")
    let cacheFile = BuildCache.file(in: site.root.appendingPathComponent(".kaasa-cache"), output: output)
    let listsFile = ListsCache.file(besideCache: cacheFile)
    func matchesACleanBuild() throws -> Bool {
      _ = try reference(site, output: clean).build(now: now)
      return try snapshot(output) == snapshot(clean)
    }
    _ = try builder(site, output: output).build(now: now)
    let written = try #require(FileStamp.of(listsFile.path))
    let file = site.planFiles()[3]
    try site.write(try site.read(file) + "\nUus lõik.\n", to: file)
    #expect(try builder(site, output: output).build(now: now).succeeded)
    #expect(FileStamp.of(listsFile.path) == written)
    #expect(try matchesACleanBuild())

    // Lists that cannot be read are not needed for another edit of a body, and stay as they are.
    try Data("kaasa-lists 1\nrikutud".utf8).write(to: listsFile)
    let damaged = try #require(FileStamp.of(listsFile.path))
    try site.write(try site.read(file) + "\nVeel üks lõik.\n", to: file)
    #expect(try builder(site, output: output).build(now: now).succeeded)
    #expect(FileStamp.of(listsFile.path) == damaged)
    #expect(try matchesACleanBuild())
    // A list to render again (the site feed, changed by hand) needs them: made again and written.
    try Data("käsitsi".utf8).write(to: output.appendingPathComponent("feed.xml"))
    #expect(try builder(site, output: output).build(now: now).succeeded)
    #expect(try matchesACleanBuild())
    #expect(ListsCache.load(from: listsFile)?.token == BuildCache.load(from: cacheFile)?.listsToken)

    // A new title changes lists: what they show of every plan is made again and written anew.
    try site.replaceLine(in: file, prefix: "title:", with: "title: Uus pealkiri")
    let retitled = try builder(site, output: output).build(now: now)
    #expect(retitled.succeeded)
    #expect(try matchesACleanBuild())
    let lists = try #require(ListsCache.load(from: listsFile))
    #expect(lists.token == BuildCache.load(from: cacheFile)?.listsToken)
    #expect(lists.records.count == site.planFiles().count)

    // Lists of another build (another token) are not trusted either.
    let stale = ListsCache(
      records: lists.records.mapValues { record in
        var record = record
        record.value = PlanListing(card: "<p>vana</p>", pieces: record.value.pieces, json: "{}")
        return record
      })
    stale.save(to: listsFile)
    try site.replaceLine(in: file, prefix: "title:", with: "title: Teine uus pealkiri")
    #expect(try builder(site, output: output).build(now: now).succeeded)
    #expect(try matchesACleanBuild())
  }

  /// Each output folder has its cache; those of folders since removed are removed by the next build
  /// that writes a cache, as are caches in another format and lists whose cache is gone.
  @Test func cachesOfOutputFoldersThatAreGoneAreRemoved() throws {
    let site = try EditableSite(seed: 15)
    defer { site.remove() }
    let folder = site.root.appendingPathComponent(".kaasa-cache")
    let now = fixedNow("2026-11-26T12:00")
    let first = site.root.appendingPathComponent("output")
    let second = site.root.appendingPathComponent("clean")
    func caches() -> [String] {
      ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
        $0.hasPrefix("build-")
      }.sorted()
    }
    _ = try builder(site, output: first).build(now: now)
    _ = try builder(site, output: second).build(now: now)
    let firstCache = BuildCache.file(in: folder, output: first)
    let secondCache = BuildCache.file(in: folder, output: second)
    let both = [firstCache, secondCache].flatMap { [$0, ListsCache.file(besideCache: $0)] }
    #expect(caches() == both.map(\.lastPathComponent).sorted())
    // An older format's cache, and lists without a cache.
    try Data("kaasa-build 1\n".utf8).write(to: folder.appendingPathComponent("build-0123456789abcdef"))
    try Data().write(to: folder.appendingPathComponent("build-fedcba9876543210-lists"))
    try FileManager.default.removeItem(at: first)
    // A build that writes nothing new to its cache leaves the others be.
    _ = try builder(site, output: second).build(now: now)
    #expect(caches().count == 6)
    try site.write(try site.read(site.planFiles()[0]) + "\nUus lõik.\n", to: site.planFiles()[0])
    _ = try builder(site, output: second).build(now: now)
    #expect(
      caches() == [secondCache, ListsCache.file(besideCache: secondCache)].map(\.lastPathComponent).sorted())
  }

  /// An output folder deleted or emptied has nothing to reuse: the build does without the previous
  /// one (whose lists it would read only to render areas anew) and writes what a clean build does.
  @Test func anOutputDeletedOrEmptiedIsBuiltWithoutThePreviousBuild() throws {
    let site = try EditableSite(seed: 14)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    let now = fixedNow("2026-11-26T12:00")
    let cacheFile = BuildCache.file(in: site.root.appendingPathComponent(".kaasa-cache"), output: output)
    func token() -> String? { BuildCache.load(from: cacheFile)?.listsToken }
    _ = try builder(site, output: output).build(now: now)
    let first = try #require(token())
    // Built again as it is, the previous build's lists serve.
    _ = try builder(site, output: output).build(now: now)
    #expect(token() == first)
    let reference = site.root.appendingPathComponent("reference")
    _ = try self.reference(site, output: reference).build(now: now)
    try FileManager.default.removeItem(at: output)
    let afterDeletion = try builder(site, output: output).build(now: now)
    #expect(afterDeletion.reusedPlans == 0)
    let second = try #require(token())
    #expect(second != first)
    #expect(try snapshot(output) == snapshot(reference))
    for name in try FileManager.default.contentsOfDirectory(atPath: output.path) {
      try FileManager.default.removeItem(at: output.appendingPathComponent(name))
    }
    _ = try builder(site, output: output).build(now: now)
    #expect(token() != second)
    #expect(try snapshot(output) == snapshot(reference))
  }

  @Test func aFileChangedByHandInTheOutputIsRenderedAgain() throws {
    let site = try EditableSite(seed: 10)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    _ = try builder(site, output: output).build(now: fixedNow("2026-11-26T12:00"))
    let target = output.appendingPathComponent("plans/torma-kooli-katuse-renoveerimine/index.html")
    let original = try Data(contentsOf: target)
    try Data("<p>muudetud käsitsi</p>".utf8).write(to: target)
    _ = try builder(site, output: output).build(now: fixedNow("2026-11-26T12:00"))
    #expect(try Data(contentsOf: target) == original)
  }

  /// A build from the command line lists the output it updates: files and folders that are not the
  /// build's are removed, so the output is exactly what a clean build makes.
  @Test func filesAddedByHandToTheOutputAreRemovedByTheNextBuild() throws {
    let site = try EditableSite(seed: 11)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    let reference = site.root.appendingPathComponent("reference")
    let now = fixedNow("2026-11-26T12:00")
    _ = try builder(site, output: output).build(now: now)
    try Data("käsitsi".utf8).write(to: output.appendingPathComponent("lisatud.txt"))
    let folder = output.appendingPathComponent("plans/lisatud-plaan")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data("<p>käsitsi</p>".utf8).write(to: folder.appendingPathComponent("index.html"))
    // Only a body changes: every list and every other plan is reused.
    try site.write(try site.read(site.planFiles()[0]) + "\nUus lõik.\n", to: site.planFiles()[0])
    let again = try builder(site, output: output).build(now: now)
    #expect(again.succeeded)
    #expect(again.reusedPlans == site.planFiles().count - 1)
    _ = try self.reference(site, output: reference).build(now: now)
    #expect(try snapshot(output) == snapshot(reference))
    #expect(!FileManager.default.fileExists(atPath: folder.path))
  }

  /// A build lists only the folders of the output whose stamps are not those recorded when they held
  /// what the build made; a file changed in place is found by its own stamp. Here every folder is
  /// old enough to be trusted (its times set an hour back), then changed by hand: a file added, a
  /// file changed in place, a folder added, each in another folder; later a file removed.
  @Test func foldersTrustedByTheirStampsStillShowWhatWasChangedInThem() throws {
    let site = try EditableSite(seed: 12)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    let reference = site.root.appendingPathComponent("reference")
    let cacheFile = BuildCache.file(in: site.root.appendingPathComponent(".kaasa-cache"), output: output)
    let now = fixedNow("2026-11-26T12:00")
    let fm = FileManager.default
    func age() throws {
      let base = output.standardizedFileURL.path
      var folders = [base]
      let e = fm.enumerator(atPath: base)!
      while let rel = e.nextObject() as? String {
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: base + "/" + rel, isDirectory: &isDir), isDir.boolValue {
          folders.append(base + "/" + rel)
        }
      }
      for folder in folders {
        try fm.setAttributes([.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: folder)
      }
      // Their change times are now: trusted only two seconds later.
      Thread.sleep(forTimeInterval: 2.2)
    }
    func matchesACleanBuild() throws -> Bool {
      try? fm.removeItem(at: reference)
      _ = try self.reference(site, output: reference).build(now: now)
      let folders = { (url: URL) in Set(fm.enumerator(atPath: url.path)!.compactMap { $0 as? String }) }
      return try snapshot(output) == snapshot(reference) && folders(output) == folders(reference)
    }
    _ = try builder(site, output: output).build(now: now)
    try age()
    _ = try builder(site, output: output).build(now: now)
    let trusted = try #require(BuildCache.load(from: cacheFile)).folders
    #expect(trusted.count > 20)
    #expect(trusted.values.allSatisfy { $0.stamp != .none })

    let plans = try fm.contentsOfDirectory(atPath: output.appendingPathComponent("plans").path).sorted()
      .filter { !$0.contains(".") }
    let plan = { (n: Int) in output.appendingPathComponent("plans/" + plans[n]) }
    try Data("käsitsi".utf8).write(to: plan(0).appendingPathComponent("lisatud.txt"))
    let page = plan(1).appendingPathComponent("index.html")
    let handle = try FileHandle(forWritingTo: page)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data("<p>käsitsi</p>".utf8))
    try handle.close()
    try fm.createDirectory(
      at: plan(2).appendingPathComponent("lisatud/sees"), withIntermediateDirectories: true)
    try Data("käsitsi".utf8).write(to: plan(2).appendingPathComponent("lisatud/sees/fail.txt"))
    let again = try builder(site, output: output).build(now: now)
    #expect(again.reusedPlans == plans.count - 1, "the page changed in place is made again")
    #expect(try matchesACleanBuild())
    // Folders this build left alone keep their stamps; those it changed are listed next time.
    let next = try #require(BuildCache.load(from: cacheFile)).folders
    #expect(next.keys.sorted() == trusted.keys.sorted())
    let relisted = next.filter { $0.value.stamp != trusted[$0.key]?.stamp }.keys.sorted()
    #expect(relisted == ["plans/" + plans[0], "plans/" + plans[1], "plans/" + plans[2]])
    // An edit of a body writes its plan's page alone: only that folder is listed next time.
    let edited = try #require(site.planFiles().max { $0.lastPathComponent < $1.lastPathComponent })
    try site.write(try site.read(edited) + "\nUus lõik.\n", to: edited)
    _ = try builder(site, output: output).build(now: now)
    let afterEdit = try #require(BuildCache.load(from: cacheFile)).folders
    let folder = "plans/" + edited.deletingPathExtension().lastPathComponent
    #expect(afterEdit.filter { $0.value.stamp != next[$0.key]?.stamp }.keys.sorted() == [folder])
    #expect(afterEdit[folder]?.stamp == BuildCache.FolderStamp.none)
    #expect(try matchesACleanBuild())

    try age()
    _ = try builder(site, output: output).build(now: now)
    try fm.removeItem(at: plan(3).appendingPathComponent("index.html"))
    _ = try builder(site, output: output).build(now: now)
    #expect(try matchesACleanBuild())
  }

  /// `kaasa serve` remembers what its output holds instead of listing it: what is changed, removed
  /// or emptied there by hand is still put right by the next build.
  @Test func aProcessThatRemembersItsOutputStillRepairsIt() throws {
    let site = try EditableSite(seed: 12)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    let memory = BuildMemory()
    let now = fixedNow("2026-11-26T12:00")
    _ = try builder(site, output: output, memory: memory).build(now: now)
    let reference = site.root.appendingPathComponent("reference")
    _ = try self.reference(site, output: reference).build(now: now)
    let fm = FileManager.default
    // A page changed and a feed removed: put right. A file added by hand shows that the output
    // was not listed: it stays.
    try Data("<p>muudetud käsitsi</p>".utf8).write(
      to: output.appendingPathComponent("plans/torma-kooli-katuse-renoveerimine/index.html"))
    let feed = try #require(
      fm.subpathsOfDirectory(atPath: output.path).sorted().first { $0.hasSuffix("/feed.xml") })
    try fm.removeItem(at: output.appendingPathComponent(feed))
    try Data("käsitsi".utf8).write(to: output.appendingPathComponent("lisatud.txt"))
    let again = try builder(site, output: output, memory: memory).build(now: now)
    #expect(again.succeeded)
    var files = try snapshot(output)
    #expect(files.removeValue(forKey: "lisatud.txt") != nil)
    #expect(files == (try snapshot(reference)))
    // A whole plan's folder removed: the build cannot write into it and makes a new output.
    let plan = try #require(
      fm.contentsOfDirectory(atPath: output.appendingPathComponent("plans").path).sorted().last {
        !$0.hasPrefix(".") && $0 != "index.html"
      })
    try fm.removeItem(at: output.appendingPathComponent("plans/\(plan)"))
    #expect(try builder(site, output: output, memory: memory).build(now: now).succeeded)
    #expect(try snapshot(output) == snapshot(reference))
    // And then an ordinary edit, with the output as the process remembers it.
    let file = site.planFiles()[0]
    try site.replaceLine(in: file, prefix: "title:", with: "title: Uus pealkiri")
    _ = try builder(site, output: output, memory: memory).build(now: now)
    _ = try self.reference(site, output: reference).build(now: now)
    #expect(try snapshot(output) == snapshot(reference))
  }

  /// Under `kaasa serve` the output is not listed: plans added, renamed and removed still make and
  /// remove their folders as a clean build has them, and the output is updated in place throughout.
  @Test func aProcessThatRemembersItsOutputMakesAndRemovesFolders() throws {
    let site = try EditableSite(seed: 21)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    let reference = site.root.appendingPathComponent("reference")
    let memory = BuildMemory()
    let now = fixedNow("2026-11-26T12:00")
    _ = try builder(site, output: output, memory: memory).build(now: now)
    func inode(_ url: URL) throws -> Int {
      try #require(FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int)
    }
    let folder = try inode(output)
    let file = site.planFiles()[0]
    let added = file.deletingLastPathComponent().appendingPathComponent("uus-plaan.md")
    let renamed = file.deletingLastPathComponent().appendingPathComponent("uus-nimi.md")
    let steps: [(String, () throws -> Void)] = [
      (
        "added",
        {
          try site.write(
            try site.read(file).replacingOccurrences(of: "title: ", with: "title: Uus "), to: added)
        }
      ),
      ("renamed", { try FileManager.default.moveItem(at: added, to: renamed) }),
      ("removed", { try FileManager.default.removeItem(at: renamed) }),
    ]
    for (what, step) in steps {
      try step()
      #expect(try builder(site, output: output, memory: memory).build(now: now).succeeded)
      _ = try self.reference(site, output: reference).build(now: now)
      #expect(try snapshot(output) == snapshot(reference), "\(what)")
      #expect(try inode(output) == folder, "\(what): the output was made anew, not updated")
    }
    for gone in ["plans/uus-plaan", "plans/uus-nimi"] {
      #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent(gone).path))
    }
  }

  @Test func cleanIgnoresTheCacheAndADamagedCacheIsIgnored() throws {
    let site = try EditableSite(seed: 11)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    _ = try builder(site, output: output).build(now: fixedNow("2026-11-26T12:00"))
    let again = try builder(site, output: output, clean: true).build(now: fixedNow("2026-11-26T12:00"))
    #expect(again.reusedPlans == 0 && again.reusedAreas == 0)
    let cache = BuildCache.file(in: site.root.appendingPathComponent(".kaasa-cache"), output: output)
    var bytes = [UInt8](try Data(contentsOf: cache))
    bytes.removeLast(7)
    try Data(bytes).write(to: cache)
    let afterDamage = try builder(site, output: output).build(now: fixedNow("2026-11-26T12:00"))
    #expect(afterDamage.succeeded && afterDamage.reusedPlans == 0)
    let reference = site.root.appendingPathComponent("reference")
    _ = try self.reference(site, output: reference).build(now: fixedNow("2026-11-26T12:00"))
    #expect(try snapshot(output) == snapshot(reference))
  }

  /// An output the update cannot write into (a file where a village's folder goes) is made anew,
  /// rendering the site a second time; the previous build's lists, read for the first render, serve
  /// the second as well (waiting for them again once kept the build waiting for ever).
  @Test func anOutputThatCannotBeUpdatedIsMadeAnewWithTheListsReadOnce() throws {
    let site = try EditableSite(seed: 14)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    let now = fixedNow("2026-11-26T12:00")
    _ = try builder(site, output: output).build(now: now)
    // A village's page is written after the lists are read; a file in the way of its folder makes
    // the update fail there.
    let fm = FileManager.default
    let village = try #require(
      fm.subpathsOfDirectory(atPath: output.path).sorted().first {
        $0.hasSuffix("/index.html") && $0.split(separator: "/").count == 3 && !$0.hasPrefix("plans/")
      }
    ).split(separator: "/").dropLast().joined(separator: "/")
    try fm.removeItem(at: output.appendingPathComponent(village))
    try Data("käsitsi".utf8).write(to: output.appendingPathComponent(village))
    try site.replaceLine(in: site.planFiles()[0], prefix: "title:", with: "title: Uus pealkiri")
    // Run aside, so that a build waiting for ever fails the test instead of stopping the run.
    let result = ResultBox()
    let builder = builder(site, output: output)
    Thread {
      result.set(Result { try builder.build(now: fixedNow("2026-11-26T12:00")) })
    }.start()
    let report = try #require(result.wait(seconds: 60), "the build did not finish").get()
    #expect(report.succeeded)
    let reference = site.root.appendingPathComponent("reference")
    _ = try self.reference(site, output: reference).build(now: now)
    #expect(try snapshot(output) == snapshot(reference))
  }

  /// Files go to disk while the site renders; a theme mistake found late in the build must still
  /// leave the output, and the folder it is in, as they were.
  @Test func aBuildThatFailsWhileRenderingLeavesTheOutputAsItWas() throws {
    let site = try EditableSite(seed: 13)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    _ = try builder(site, output: output).build(now: fixedNow("2026-11-26T12:00"))
    let before = try snapshot(output)
    // Every plan page is written (the theme changed) before the 404 page fails: partials loop.
    try site.replaceLine(in: site.planFiles()[0], prefix: "title:", with: "title: Uus pealkiri")
    let templates = site.root.appendingPathComponent("themes/default/templates")
    try FileManager.default.createDirectory(at: templates, withIntermediateDirectories: true)
    try site.write("{{> looping}}\n", to: templates.appendingPathComponent("404.mustache"))
    try site.write("x{{> looping}}", to: templates.appendingPathComponent("looping.mustache"))
    #expect {
      try builder(site, output: output).build(now: fixedNow("2026-11-26T12:00"))
    } throws: { error in
      "\(error)".contains("partials nest more than 64 deep")
    }
    #expect(try snapshot(output) == before)
    // A first build into a new folder that fails leaves no folder behind.
    let fresh = site.root.appendingPathComponent("fresh")
    #expect(throws: (any Error).self) {
      try builder(site, output: fresh).build(now: fixedNow("2026-11-26T12:00"))
    }
    #expect(!FileManager.default.fileExists(atPath: fresh.path))
    let beside = try FileManager.default.contentsOfDirectory(atPath: site.root.path)
    #expect(beside.filter { $0.hasPrefix(".output") || $0.hasPrefix(".fresh") } == [])
  }

  /// `kaasa serve` keeps the caches in memory and writes them after each build, so the next process
  /// starts warm; the cache that describes files about to be replaced still goes first.
  @Test func cachesKeptInMemoryReachTheDiskOnlyWhenFlushed() throws {
    let site = try EditableSite(seed: 14)
    defer { site.remove() }
    let output = site.root.appendingPathComponent("output")
    let folder = site.root.appendingPathComponent(".kaasa-cache")
    let buildCache = BuildCache.file(in: folder, output: output).path
    let parseCache = ParseCache.file(in: folder).path
    let memory = BuildMemory()
    let plans = site.planFiles().count
    _ = try builder(site, output: output, memory: memory).build(now: fixedNow("2026-11-26T12:00"))
    #expect(!FileManager.default.fileExists(atPath: buildCache))
    #expect(!FileManager.default.fileExists(atPath: parseCache))
    memory.flush()
    #expect(FileManager.default.fileExists(atPath: buildCache))
    #expect(FileManager.default.fileExists(atPath: parseCache))

    try site.replaceLine(in: site.planFiles()[0], prefix: "title:", with: "title: Uus pealkiri")
    let edited = try builder(site, output: output, memory: memory).build(now: fixedNow("2026-11-26T12:00"))
    #expect(edited.reusedPlans == plans - 1)
    #expect(!FileManager.default.fileExists(atPath: buildCache), "the old cache describes replaced files")
    // An edit of a body after it, before the flush: the lists the title changed still reach the disk.
    try site.write(try site.read(site.planFiles()[1]) + "\nUus lõik.\n", to: site.planFiles()[1])
    _ = try builder(site, output: output, memory: memory).build(now: fixedNow("2026-11-26T12:00"))
    memory.flush()
    let lists = ListsCache.file(besideCache: URL(fileURLWithPath: buildCache))
    #expect(
      ListsCache.load(from: lists)?.token
        == BuildCache.load(from: URL(fileURLWithPath: buildCache))?.listsToken)

    // A new process reads what was flushed and reuses everything.
    let next = try builder(site, output: output).build(now: fixedNow("2026-11-26T12:00"))
    #expect(next.reusedPlans == plans)
    let reference = site.root.appendingPathComponent("reference")
    _ = try self.reference(site, output: reference).build(now: fixedNow("2026-11-26T12:00"))
    #expect(try snapshot(output) == snapshot(reference))
  }

  /// A site built once into its `output` folder, and the file of the build cache that build left.
  func builtOnce(seed: UInt64) throws -> (site: EditableSite, cacheFile: URL) {
    let site = try EditableSite(seed: seed)
    let output = site.root.appendingPathComponent("output")
    _ = try builder(site, output: output).build(now: fixedNow("2026-11-26T12:00"))
    return (site, BuildCache.file(in: site.root.appendingPathComponent(".kaasa-cache"), output: output))
  }

  @Test func theCacheRoundTrips() throws {
    let (site, file) = try builtOnce(seed: 12)
    defer { site.remove() }
    let cache = try #require(BuildCache.load(from: file))
    let again = try BuildCache.decode(cache.encode())
    #expect(again.encode() == cache.encode())
    #expect(cache.plans.count == site.planFiles().count)
    // And the lists beside it, which it names.
    let lists = try #require(ListsCache.load(from: ListsCache.file(besideCache: file)))
    #expect(lists.token == cache.listsToken && !lists.token.isEmpty)
    #expect(Set(lists.records.keys) == Set(cache.plans.keys))
    #expect(lists.records.allSatisfy { id, record in record.listing == cache.plans[id]?.listing })
    let listsAgain = try ListsCache.decode(lists.encode())
    #expect(listsAgain.encode() == lists.encode())
    let events = lists.records.values.flatMap(\.value.pieces.events)
    #expect(!events.isEmpty)
    #expect(listsAgain.records.values.flatMap(\.value.pieces.events).map(\.prepared).count == events.count)
  }

  @Test func theCacheIsWrittenInTheSameOrderWhateverNamesItIsHanded() throws {
    let (site, file) = try builtOnce(seed: 13)
    defer { site.remove() }
    let cache = try #require(BuildCache.load(from: file))
    // Read back, a cache knows its names in the order they are written: sorted.
    let names = try #require(cache.sortedNames)
    #expect(names.stamps == cache.stamps.keys.sorted() && names.stamps.count > 10)
    #expect(names.plans == cache.plans.keys.sorted() && names.folders == cache.folders.keys.sorted())
    func sorted(_ c: BuildCache) -> [UInt8] {
      var bare = c
      bare.sortedNames = nil
      return bare.encode()
    }
    let asSorted = cache.encode() == sorted(cache)
    #expect(asSorted, "the names read are the sorted names")
    // Names that are not exactly the table's, in increasing order, are no help: the table is sorted.
    var fewer = cache
    fewer.stamps.removeValue(forKey: names.stamps[3])
    var renamed = cache
    renamed.plans["zz-new"] = renamed.plans.removeValue(forKey: names.plans[0])
    var reversed = cache
    reversed.sortedNames?.folders.reverse()
    var repeated = cache
    repeated.sortedNames?.stamps[2] = names.stamps[1]
    var more = cache
    more.sortedNames?.plans.append("zzz")
    for (name, changed) in [
      ("fewer", fewer), ("renamed", renamed), ("reversed", reversed), ("repeated", repeated), ("more", more),
    ] {
      let same = changed.encode() == sorted(changed)
      #expect(same, "\(name): written out of order")
    }
    #expect(try BuildCache.decode(renamed.encode()).plans.keys.sorted() == renamed.plans.keys.sorted())
  }
}

@Suite("updating the output in place")
struct OutputUpdaterTests {
  /// Hands `files` to `sink` on all cores, as the renderer does; the first error is rethrown.
  func acceptAll(_ files: [OutputFile], into sink: some OutputSink) throws {
    let failure = Mutex<(any Error)?>(nil)
    DispatchQueue.concurrentPerform(iterations: files.count) { i in
      do {
        _ = try sink.accept(files[i])
      } catch {
        failure.withLock { $0 = $0 ?? error }
      }
    }
    if let error = failure.withLock({ $0 }) { throw error }
  }

  /// A first build of `files`: a new folder swapped in for the output.
  func write(_ output: URL, _ files: [OutputFile]) throws {
    let staged = try StagedOutput(output: output, stamps: false)
    try acceptAll(files, into: staged)
    try staged.commit()
  }

  /// What a build does with the updater: every file as it is rendered, then the commit; on a
  /// failure, the discard.
  func update(_ output: URL, _ files: [OutputFile]) throws -> [String: BuildCache.Stamp] {
    let updater = OutputUpdater(output: output, known: [:])
    do {
      try acceptAll(files, into: updater)
      return try updater.commit(built: files.map(\.path))
    } catch {
      updater.discard()
      throw error
    }
  }

  /// A file is kept when it holds exactly what was rendered, compared a megabyte at a time: a
  /// difference anywhere, in the length too, has it written again.
  @Test func aFileIsKeptOnlyWhenItHoldsExactlyWhatWasRendered() throws {
    let root = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: root) }
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    let path = root.appendingPathComponent("calendar.ics").path
    // Parts of several sizes, together longer than the megabyte read at a time.
    let parts = (0..<40).map { n in String(repeating: "BEGIN:VEVENT \(n)\r\n", count: 2_000 + 97 * n) }
    let whole = Data(parts.joined().utf8)
    #expect(whole.count > 2 << 20)
    try whole.write(to: URL(fileURLWithPath: path))
    #expect(OutputUpdater.same(parts, at: path) != nil)
    #expect(OutputUpdater.same(whole, at: path) != nil)
    for position in [0, 1 << 20 - 1, 1 << 20, whole.count / 2, whole.count - 1] {
      var changed = whole
      changed[position] ^= 0x01
      try changed.write(to: URL(fileURLWithPath: path))
      #expect(OutputUpdater.same(parts, at: path) == nil, "a byte changed at \(position)")
      #expect(OutputUpdater.same(whole, at: path) == nil, "a byte changed at \(position)")
    }
    try whole.dropLast().write(to: URL(fileURLWithPath: path))
    #expect(OutputUpdater.same(parts, at: path) == nil)
    try (whole + Data("x".utf8)).write(to: URL(fileURLWithPath: path))
    #expect(OutputUpdater.same(whole, at: path) == nil)
    #expect(OutputUpdater.same([], at: root.appendingPathComponent("none").path) == nil)
  }

  @Test func aFailedUpdateLeavesTheOutputAsItWas() throws {
    let root = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: root) }
    let output = root.appendingPathComponent("output")
    try write(
      output,
      [
        OutputFile(path: "a/index.html", text: "vana a"),
        OutputFile(path: "b.html", text: "vana b"),
      ])
    let before = try snapshot(output)
    // "b.html/c.html" cannot be written under the file b.html: the update must fail after it has
    // already written the new a/index.html and made the new folder d/.
    let files = [
      OutputFile(path: "a/index.html", text: "uus a"),
      OutputFile(path: "d/e.html", text: "uus e"),
      OutputFile(path: "b.html/c.html", text: "võimatu"),
    ]
    #expect(throws: (any Error).self) {
      try update(output, files)
    }
    #expect(try snapshot(output) == before)
    #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("d").path))
  }

  @Test func anUpdateWritesOnlyWhatChangedAndRemovesWhatIsGone() throws {
    let root = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: root) }
    let output = root.appendingPathComponent("output")
    try write(
      output,
      [
        OutputFile(path: "same.html", text: "sama"),
        OutputFile(path: "changed.html", text: "vana"),
        OutputFile(path: "gone/index.html", text: "läheb"),
        OutputFile(path: "same.ics", parts: ["BEGIN", "", ":ÕUN\r\n"]),
        OutputFile(path: "changed.ics", parts: ["BEGIN", ":ÕUN\r\n"]),
      ])
    #expect(try Data(contentsOf: output.appendingPathComponent("same.ics")) == Data("BEGIN:ÕUN\r\n".utf8))
    let sameBefore = try #require(BuildCache.stamp(of: output.appendingPathComponent("same.html").path))
    let partsBefore = try #require(BuildCache.stamp(of: output.appendingPathComponent("same.ics").path))
    let stamps = try update(
      output,
      [
        OutputFile(path: "changed.html", text: "uus"),
        OutputFile(path: "new/index.html", text: "uus leht"),
        OutputFile(path: "same.html", text: "sama"),
        // The same bytes split otherwise are the same file; the same size with other bytes is not.
        OutputFile(path: "same.ics", parts: ["BEG", "IN:ÕUN", "\r\n"]),
        OutputFile(path: "changed.ics", parts: ["BEGIN", ":ÕUM\r\n"]),
      ])
    #expect(
      try snapshot(output) == [
        "changed.html": Data("uus".utf8), "new/index.html": Data("uus leht".utf8),
        "same.html": Data("sama".utf8), "same.ics": Data("BEGIN:ÕUN\r\n".utf8),
        "changed.ics": Data("BEGIN:ÕUM\r\n".utf8),
      ])
    #expect(stamps["same.ics"] == partsBefore)
    #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("gone").path))
    // The unchanged file was not touched, so its recorded stamp stays valid for the next build.
    #expect(stamps["same.html"] == sameBefore)
    #expect(BuildCache.stamp(of: output.appendingPathComponent("same.html").path) == sameBefore)
    #expect(
      stamps["changed.html"] == BuildCache.stamp(of: output.appendingPathComponent("changed.html").path))
  }
}

/// A build's result handed from the thread that ran it.
private final class ResultBox: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Result<Builder.Report, any Error>?
  private let done = DispatchSemaphore(value: 0)

  func set(_ value: Result<Builder.Report, any Error>) {
    lock.withLock { self.value = value }
    done.signal()
  }

  /// The result, or nil when there is none after `seconds`.
  func wait(seconds: Int) -> Result<Builder.Report, any Error>? {
    guard done.wait(timeout: .now() + .seconds(seconds)) == .success else { return nil }
    return lock.withLock { value }
  }
}
