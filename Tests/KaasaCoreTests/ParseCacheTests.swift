import Foundation
import KaasaBytes
import Testing

@testable import KaasaCore

@Suite("Parsed plans kept between loads")
struct ParseCacheTests {
  static let sampleSite = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// Three plans, the last with mistakes: its diagnostics must come back from a cache as well.
  static let threePlans = [
    "content/plans/a.md": TestSite.plan(title: "Esimene"),
    "content/plans/b.md": TestSite.plan(title: "Teine", extra: "budget: { amount: 5, currency: EUR }\n"),
    "content/plans/c.md": TestSite.plan(title: "Kolmas", extra: "type: nonsense\nvillages: [nowhere]\n"),
  ]

  func bytes(_ plan: Plan) -> [UInt8] {
    var w = ByteWriter()
    plan.encode(into: &w)
    return w.bytes
  }

  /// Every sample plan comes back from the cache's bytes field for field.
  @Test func samplePlansRoundTrip() throws {
    let loaded = ContentLoader(siteDirectory: Self.sampleSite, parseCache: ParseCache()).load()
    let parsed = try #require(loaded.parsed)
    #expect(parsed.entries.count >= 15)
    let decoded = try ParseCache.decode(parsed.encode())
    #expect(decoded.entries.count == parsed.entries.count)
    for (file, entry) in parsed.entries {
      let again = try #require(decoded.entries[file])
      #expect(again.digest == entry.digest)
      let plan = try #require(entry.plan)
      #expect(again.plan.map(bytes) == bytes(plan), "\(file)")
      #expect(again.plan?.timeline == plan.timeline)
      // The body stays in the file: the cache on disk leaves it out, and says so.
      #expect(again.bodyOmitted && again.plan?.body == "" && again.plan?.bodyUnread == true)
      #expect(again.stamp == entry.stamp)
    }
    #expect(decoded.encode() == parsed.encode())
  }

  /// Plans taken from a cache read from disk get their bodies back from their files.
  @Test func bodiesComeBackFromTheFiles() throws {
    let body = "## Miks\n\nKatus lekib.\n\n- üks\n- kaks\n"
    let s = try TestSite(files: [
      "content/plans/a.md": TestSite.plan(title: "Esimene") + body,
      "content/plans/b.md": TestSite.plan(title: "Teine", extra: "tags: [kool]\n"),
    ])
    defer { s.remove() }
    let cold = ContentLoader(siteDirectory: s.root, parseCache: ParseCache()).load()
    let file = s.root.appendingPathComponent(".kaasa-cache/parsed-plans")
    try #require(cold.parsed).save(to: file)
    let warm = ContentLoader(siteDirectory: s.root, parseCache: ParseCache.load(from: file)).load()
    #expect(warm.parsedPlans == 0)
    let coldPlans = try #require(cold.site?.plans)
    let warmPlans = try #require(warm.site?.plans)
    #expect(warmPlans.map(\.body) == coldPlans.map(\.body))
    #expect(warmPlans.map(\.bodyLine) == coldPlans.map(\.bodyLine))
    #expect(warmPlans.first?.body.hasSuffix(body) == true)
    #expect(warmPlans.first?.bodyLine == 10, "the line after the closing ---")
    // And the next cache, made from them, holds them in memory for a process that keeps it.
    #expect(warm.parsed?.entries["content/plans/a.md"]?.plan?.body == coldPlans.first?.body)
    #expect(warm.parsed?.entries["content/plans/a.md"]?.bodyOmitted == false)
  }

  @Test func unchangedFilesAreNotParsedAgainAndGiveTheSameResult() throws {
    let s = try TestSite(files: Self.threePlans)
    defer { s.remove() }
    let cold = ContentLoader(siteDirectory: s.root, parseCache: ParseCache()).load()
    #expect(cold.parsedPlans == 3)
    #expect(!cold.diagnostics.isEmpty)
    let file = s.root.appendingPathComponent(".kaasa-cache/parsed-plans")
    try #require(cold.parsed).save(to: file)

    let warm = ContentLoader(siteDirectory: s.root, parseCache: ParseCache.load(from: file)).load()
    #expect(warm.parsedPlans == 0)
    // Nothing changed: the next cache keeps the token the one on disk has (a build cache names the
    // parse cache its plans' digests come from by it).
    #expect(ParseCache.load(from: file)?.token == cold.parsed?.token)
    #expect(warm.parsed?.token == cold.parsed?.token)
    #expect(warm.diagnostics == cold.diagnostics)
    #expect(warm.site?.plans.map(bytes) == cold.site?.plans.map(bytes))
    #expect(warm.site?.plans.map(\.body) == cold.site?.plans.map(\.body))

    try s.write("content/plans/a.md", TestSite.plan(title: "Esimene, muudetud"))
    try FileManager.default.removeItem(at: s.root.appendingPathComponent("content/plans/b.md"))
    let edited = ContentLoader(siteDirectory: s.root, parseCache: ParseCache.load(from: file)).load()
    #expect(edited.parsedPlans == 1)
    #expect(edited.parsed?.entries.count == 2)
    #expect(edited.parsed?.token != cold.parsed?.token)
    #expect(edited.parsed?.entries["content/plans/a.md"]?.plan?.title == "Esimene, muudetud")
    #expect(edited.diagnostics == ContentLoader(siteDirectory: s.root).load().diagnostics)
  }

  /// The next cache copies the bytes of plans taken from a cache read from disk rather than
  /// encoding them again: what it writes must be exactly what encoding every plan gives.
  @Test func entriesCopiedFromTheCacheOnDiskAreWhatEncodingThemGives() throws {
    let s = try TestSite(files: Self.threePlans)
    defer { s.remove() }
    let file = s.root.appendingPathComponent(".kaasa-cache/parsed-plans")
    try #require(ContentLoader(siteDirectory: s.root, parseCache: ParseCache()).load().parsed).save(to: file)
    try s.write("content/plans/a.md", TestSite.plan(title: "Esimene, muudetud"))
    try s.write("content/plans/d.md", TestSite.plan(title: "Neljas"))
    let next = try #require(
      ContentLoader(siteDirectory: s.root, parseCache: ParseCache.load(from: file)).load().parsed)
    #expect(
      next.entries.filter { $0.value.encoded != nil }.keys.sorted() == [
        "content/plans/b.md", "content/plans/c.md",
      ])
    var encodedAgain = next
    for file in encodedAgain.entries.keys { encodedAgain.entries[file]?.encoded = nil }
    #expect(next.encode() == encodedAgain.encode())
    let decoded = try ParseCache.decode(next.encode())
    #expect(
      decoded.entries["content/plans/c.md"]?.diagnostics == next.entries["content/plans/c.md"]?.diagnostics)
    #expect(decoded.entries["content/plans/b.md"]?.plan?.budget?.amount == 5)
  }

  /// A load that trusts stamps does not read an unchanged file again, and sees any change.
  @Test func withStampsTrustedUnchangedFilesAreNotReadAndChangesAreSeen() throws {
    let s = try TestSite(files: [
      "content/plans/a.md": TestSite.plan(title: "Esimene"),
      "content/plans/b.md": TestSite.plan(title: "Teine", extra: "type: nonsense\n"),
    ])
    defer { s.remove() }
    let fm = FileManager.default
    func age(_ name: String) throws {
      // Files changed within the last two seconds are read every time: their stamp could recur.
      try fm.setAttributes(
        [.modificationDate: Date().addingTimeInterval(-3600)],
        ofItemAtPath: s.root.appendingPathComponent("content/plans/\(name)").path)
    }
    func load(_ cache: ParseCache?) -> LoadResult {
      ContentLoader(siteDirectory: s.root, recordsDigests: true, parseCache: cache, trustsFileStamps: true)
        .load()
    }
    try age("a.md")
    try age("b.md")
    // Setting the time changed the files' change time just now: not trusted yet.
    let first = load(ParseCache())
    #expect(first.readPlans == 2)
    #expect(first.parsed?.entries.values.allSatisfy { $0.stamp == nil } == true)
    Thread.sleep(forTimeInterval: 2.2)
    let second = load(first.parsed)
    #expect(second.readPlans == 2)
    #expect(second.parsedPlans == 0)
    let third = load(second.parsed)
    #expect(third.readPlans == 0)
    #expect(third.diagnostics == first.diagnostics)
    #expect(third.sourceDigests == first.sourceDigests)
    #expect(third.site?.plans.map(bytes) == first.site?.plans.map(bytes))

    // The same size, and the modification time set back: the change time still tells.
    let original = try String(
      contentsOf: s.root.appendingPathComponent("content/plans/a.md"), encoding: .utf8)
    let edited = original.replacingOccurrences(of: "Esimene", with: "Esimese")
    #expect(edited.utf8.count == original.utf8.count)
    try s.write("content/plans/a.md", edited)
    try age("a.md")
    let fourth = load(third.parsed)
    #expect(fourth.readPlans == 1)
    #expect(fourth.site?.plans.first { $0.file == "content/plans/a.md" }?.title == "Esimese")
    #expect(fourth.sourceDigests != first.sourceDigests)
    // Without trust in stamps (`kaasa build --clean`), every file is read.
    let untrusted = ContentLoader(siteDirectory: s.root, parseCache: fourth.parsed).load()
    #expect(untrusted.readPlans == 2)
    #expect(untrusted.parsedPlans == 0)
    // It keeps the stamps all the same, for the next load to trust: b.md's at least (a.md's only if
    // two seconds passed since it changed, which depends on how fast this runs).
    #expect(untrusted.parsed?.entries["content/plans/b.md"]?.stamp != nil)
    #expect(load(untrusted.parsed).readPlans < 2)
  }

  /// Stamps reach the disk: a later process takes an unchanged plan from the cache without reading
  /// its file, and its body is read when asked for, only while the file still has the bytes parsed.
  @Test func stampsKeptOnDiskSpareTheReadingOfUnchangedFiles() throws {
    let body = "## Miks\n\nKatus lekib.\n"
    let s = try TestSite(files: ["content/plans/a.md": TestSite.plan(title: "Esimene") + body])
    defer { s.remove() }
    let path = s.root.appendingPathComponent("content/plans/a.md").path
    try FileManager.default.setAttributes(
      [.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: path)
    Thread.sleep(forTimeInterval: 2.2)
    let file = s.root.appendingPathComponent(".kaasa-cache/parsed-plans")
    func load() -> LoadResult {
      ContentLoader(
        siteDirectory: s.root, recordsDigests: true, parseCache: ParseCache.load(from: file) ?? ParseCache(),
        trustsFileStamps: true
      ).load { parsed, changed in if changed { parsed.save(to: file) } }
    }
    let first = load()
    #expect(first.readPlans == 1)
    let read = try #require(first.site?.plans.first)
    #expect(!read.bodyUnread)
    let second = load()
    #expect(second.readPlans == 0)
    let plan = try #require(second.site?.plans.first)
    #expect(plan.bodyUnread && plan.body.isEmpty)
    #expect(plan.title == "Esimene")
    let digest = try #require(second.sourceDigests["content/plans/a.md"])
    #expect(digest == first.sourceDigests["content/plans/a.md"])
    #expect(try ContentLoader.body(of: plan, in: s.root.path, digest: digest) == read.body)
    #expect(read.body.hasSuffix(body))
    // Touched: read again, it has the same bytes. The cache takes its new stamp and keeps its token
    // (a build cache that names the token was keyed on the same digests).
    let token = try #require(ParseCache.load(from: file)?.token)
    try FileManager.default.setAttributes(
      [.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: path)
    let touched = load()
    #expect(touched.readPlans == 1)
    #expect(touched.parsedPlans == 0)
    #expect(ParseCache.load(from: file)?.token == token)
    #expect(ParseCache.load(from: file)?.entries["content/plans/a.md"]?.stamp == nil)
    // Changed since it was loaded: its body is not what the build was keyed on.
    try s.write("content/plans/a.md", TestSite.plan(title: "Esimene") + "Muu tekst.\n")
    #expect(throws: BodyNotRead.self) { try ContentLoader.body(of: plan, in: s.root.path, digest: digest) }
    try FileManager.default.removeItem(atPath: path)
    #expect(throws: BodyNotRead.self) { try ContentLoader.body(of: plan, in: s.root.path, digest: digest) }
  }

  /// A build keeps plans without their bodies, which their pages read again by digest; the parse
  /// cache it keeps in memory holds none either. A check needs none at all.
  @Test func aLoadThatDropsBodiesKeepsWhatReadsThemAgain() throws {
    let body = "## Miks\n\nKatus lekib.\n"
    let s = try TestSite(files: ["content/plans/a.md": TestSite.plan(title: "Esimene") + body])
    defer { s.remove() }
    let kept = ContentLoader(siteDirectory: s.root, recordsDigests: true, parseCache: ParseCache()).load()
    for cache in [ParseCache(), try #require(kept.parsed)] {
      let dropped = ContentLoader(
        siteDirectory: s.root, recordsDigests: true, parseCache: cache, dropsBodies: true
      ).load()
      let plan = try #require(dropped.site?.plans.first)
      #expect(plan.bodyUnread && plan.body.isEmpty)
      #expect(dropped.parsed?.entries["content/plans/a.md"]?.bodyOmitted == true)
      let digest = try #require(dropped.sourceDigests["content/plans/a.md"])
      #expect(
        try ContentLoader.body(of: plan, in: s.root.path, digest: digest) == kept.site?.plans.first?.body)
    }
    // A check shows no body: it drops them without digests to read them again by.
    let checked = ContentLoader(siteDirectory: s.root, dropsBodies: true).load()
    #expect(checked.site?.plans.first.map { $0.bodyUnread && $0.body.isEmpty } == true)
    #expect(ContentLoader(siteDirectory: s.root).load().site?.plans.first?.body.hasSuffix(body) == true)
  }

  /// A build that drops bodies keeps them while they fit in the bytes it is given: the others are
  /// read again by digest, and every plan comes with the same body either way.
  @Test func bodiesAreKeptUpToTheBytesGiven() throws {
    let bodies = (0..<6).map { "## Osa \($0)\n\n" + String(repeating: "Tekst \($0). ", count: 20) + "\n" }
    var files: [String: String] = [:]
    for (n, body) in bodies.enumerated() { files["content/plans/p\(n).md"] = TestSite.plan() + body }
    let s = try TestSite(files: files)
    defer { s.remove() }
    let size = try #require(ContentLoader(siteDirectory: s.root).load().site?.plans.first?.body.utf8.count)
    for budget in [0, size * 3, size * 100] {
      var loader = ContentLoader(
        siteDirectory: s.root, recordsDigests: true, parseCache: ParseCache(), dropsBodies: true)
      loader.keptBodyBytes = budget
      let loaded = loader.load()
      let plans = try #require(loaded.site?.plans)
      let kept = plans.filter { !$0.bodyUnread }
      #expect(kept.count == min(plans.count, budget / size), "budget \(budget)")
      #expect(kept.allSatisfy { !$0.body.isEmpty })
      for plan in plans {
        let digest = try #require(loaded.sourceDigests[plan.file])
        #expect(
          try ContentLoader.body(of: plan, in: s.root.path, digest: digest).hasSuffix(
            bodies[Int(plan.id.dropFirst())!]))
      }
    }
  }

  @Test func aDamagedOrForeignCacheIsIgnored() throws {
    let s = try TestSite(files: ["content/plans/a.md": TestSite.plan()])
    defer { s.remove() }
    let file = s.root.appendingPathComponent(".kaasa-cache/parsed-plans")
    let parsed = try #require(ContentLoader(siteDirectory: s.root, parseCache: ParseCache()).load().parsed)
    parsed.save(to: file)
    #expect(ParseCache.load(from: file)?.entries.count == 1)
    var bytes = parsed.encode()
    try Data(bytes.dropLast(7)).write(to: file)
    #expect(ParseCache.load(from: file) == nil)
    // Written by another kaasa: another binary may parse differently.
    bytes = ParseCache(program: "another kaasa", entries: parsed.entries, token: parsed.token).encode()
    try Data(bytes).write(to: file)
    #expect(ParseCache.load(from: file) == nil)
  }

  /// Caches go to disk a chunk at a time; what arrives must be exactly what `encode` makes.
  @Test func aCacheLargerThanAChunkIsWrittenWhole() throws {
    let s = try TestSite(files: ["content/plans/a.md": TestSite.plan()])
    defer { s.remove() }
    let one = try #require(ContentLoader(siteDirectory: s.root, parseCache: ParseCache()).load().parsed)
    let entry = try #require(one.entries["content/plans/a.md"])
    var many = ParseCache()
    for i in 0..<6000 { many.entries["content/plans/p\(i).md"] = entry }
    let bytes = many.encode()
    #expect(bytes.count > 2 << 20)
    let file = s.root.appendingPathComponent(".kaasa-cache/parsed-plans")
    many.save(to: file)
    #expect(try [UInt8](Data(contentsOf: file)) == bytes)
    #expect(ParseCache.load(from: file)?.entries.count == 6000)
    // Entries are decoded by sections, on all cores: all of them come back, and they encode again
    // to the same bytes.
    let back = try #require(ParseCache.load(from: file))
    #expect(back.entries.keys.sorted() == many.entries.keys.sorted())
    #expect(back.entries["content/plans/p5999.md"]?.plan?.title == entry.plan?.title)
    #expect(back.encode() == bytes)
    // A section cut short or miscounted is damage: the cache is ignored.
    #expect((try? ParseCache.decode(Array(bytes.prefix(bytes.count / 2)))) == nil)
    var miscounted = bytes
    // The first section's count of entries: after the header, the program, the token and the count
    // of all.
    let firstSection =
      8 + ParseCache.header.utf8.count + 8 + many.program.utf8.count + 8 + many.token.utf8.count + 8
    #expect(miscounted[firstSection] == UInt8(ParseCache.section & 0xFF))
    miscounted[firstSection] = 0xFF
    #expect((try? ParseCache.decode(miscounted)) == nil)
    let folder = try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path)
    #expect(folder.sorted() == [".gitignore", "parsed-plans"])
  }
}
