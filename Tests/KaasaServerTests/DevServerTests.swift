import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import KaasaServer

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The dev server over real HTTP on 127.0.0.1, against a throwaway site.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DevServerTests {
  @Test func servesFilesWithTheirContentTypesAndTheReloadScriptInHTMLOnly() async throws {
    let site = try DevTestSite()
    defer { site.remove() }
    try await site.withServer { base in
      let home = try await get(base, "")
      #expect(home.status == 200)
      #expect(home.type == "text/html; charset=utf-8")
      #expect(home.text.contains("/_kaasa/events"))
      #expect(
        home.text.range(of: "<script>\n(function () {")!.lowerBound
          < home.text.range(of: "</body>")!.lowerBound)

      let calendar = try await get(base, "plans/torma-kool/calendar.ics")
      #expect(calendar.status == 200)
      #expect(calendar.type == "text/calendar; charset=utf-8")
      #expect(calendar.text.hasPrefix("BEGIN:VCALENDAR"))
      #expect(!calendar.text.contains("_kaasa"))
      let onDisk = try Data(contentsOf: site.built("plans/torma-kool/calendar.ics"))
      #expect(calendar.data == onDisk)

      let feed = try await get(base, "feed.xml")
      #expect(feed.type == "application/rss+xml; charset=utf-8")
      #expect(!feed.text.contains("_kaasa"))
      #expect(try await get(base, "plans.json").type == "application/json")
      let css = try await get(base, "assets/style.css")
      #expect(css.type == "text/css; charset=utf-8")
      #expect(!css.text.contains("_kaasa"))

      // A folder without its slash is redirected, as a static host does; the client follows.
      let plans = try await get(base, "plans")
      #expect(plans.status == 200)
      #expect(plans.text.contains("Torma kooli katus"))

      let missing = try await get(base, "no/such/page/")
      #expect(missing.status == 404)
      #expect(missing.type == "text/html; charset=utf-8")
      #expect(missing.text.contains("/_kaasa/events"))
      let notFoundOnDisk = try String(contentsOf: site.built("404.html"), encoding: .utf8)
      #expect(missing.text.hasPrefix(String(notFoundOnDisk.prefix(200))))

      #expect(try await get(base, "../content/site.yml").status == 404)
      #expect(try await get(base, "%2e%2e/content/site.yml").status == 404)

      // The build on disk stays as `kaasa build` writes it.
      let page = try String(contentsOf: site.built("index.html"), encoding: .utf8)
      #expect(!page.contains("_kaasa"))
    }
  }

  @Test func rebuildsOnEditShowsDiagnosticsWhileBrokenAndRecovers() async throws {
    let site = try DevTestSite()
    defer { site.remove() }
    try await site.withServer { base in
      #expect(try await get(base, "plans/torma-kool/").text.contains("Torma kooli katus"))

      try site.write("content/plans/torma-kool.md", DevTestSite.plan(title: "Torma kooli uus katus"))
      #expect(
        try await eventually {
          try await get(base, "plans/torma-kool/").text.contains("Torma kooli uus katus")
        })

      // A municipality that does not exist, named with markup that must arrive escaped.
      try site.write(
        "content/plans/torma-kool.md",
        DevTestSite.plan(title: "Torma kooli uus katus", municipality: "<b>vald"))
      #expect(try await eventually { try await get(base, "plans/torma-kool/").status == 500 })
      let broken = try await get(base, "plans/torma-kool/")
      #expect(broken.type == "text/html; charset=utf-8")
      #expect(broken.text.contains("content/plans/torma-kool.md:4:"))
      #expect(broken.text.contains("&lt;b&gt;vald"))
      #expect(!broken.text.contains("<b>vald"))
      #expect(broken.text.contains("/_kaasa/events"))
      // Every page shows it, and so does a page that does not exist yet.
      #expect(try await get(base, "").status == 500)
      #expect(try await get(base, "plans/a-new-plan/").status == 500)
      // Files that are not pages still come from the last good build.
      #expect(try await get(base, "assets/style.css").status == 200)

      try site.write("content/plans/torma-kool.md", DevTestSite.plan(title: "Torma kooli parandatud katus"))
      #expect(
        try await eventually {
          let page = try await get(base, "plans/torma-kool/")
          return page.status == 200 && page.text.contains("Torma kooli parandatud katus")
        })
    }
  }

  #if os(Linux)
    /// On Linux the server hears of changes from the kernel: with a poll far longer than the test,
    /// an edit, and a plan in a folder made after the server started, are still built at once.
    @Test func changesAreNoticedWithoutWaitingForThePoll() async throws {
      let site = try DevTestSite()
      defer { site.remove() }
      try await site.withServer(pollInterval: .seconds(60)) { base in
        try site.write("content/plans/torma-kool.md", DevTestSite.plan(title: "Torma kooli uus katus"))
        #expect(
          try await eventually(timeout: .seconds(8)) {
            try await get(base, "plans/torma-kool/").text.contains("Torma kooli uus katus")
          })
        try site.write("content/plans/uus-kaust/torma-saal.md", DevTestSite.plan(title: "Torma saal"))
        #expect(
          try await eventually(timeout: .seconds(8)) {
            try await get(base, "plans/torma-saal/").status == 200
          })
        try site.write("content/plans/uus-kaust/torma-saal.md", DevTestSite.plan(title: "Torma uus saal"))
        #expect(
          try await eventually(timeout: .seconds(8)) {
            try await get(base, "plans/torma-saal/").text.contains("Torma uus saal")
          })
      }
    }
  #endif

  /// The caches a build keeps in memory reach the disk once the site has rested, or when the server
  /// stops, not after every build.
  @Test func cachesReachTheDiskWhenTheSiteRestsAndAtStop() async throws {
    let site = try DevTestSite()
    defer { site.remove() }
    let folder = site.root.appendingPathComponent(".kaasa-cache")
    @Sendable func cached() -> [String] {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
      return names.filter { $0 == "parsed-plans" || $0.hasPrefix("build-") }.sorted()
    }
    try await site.withServer(cacheWriteDelay: .seconds(60)) { base in
      #expect(try await get(base, "plans/torma-kool/").status == 200)
      try site.write("content/plans/torma-kool.md", DevTestSite.plan(title: "Torma kooli uus katus"))
      #expect(
        try await eventually(timeout: .seconds(8)) {
          try await get(base, "plans/torma-kool/").text.contains("Torma kooli uus katus")
        })
      #expect(cached().isEmpty)
    }
    // The parsed plans, the build cache and the lists it names.
    #expect(cached().count == 3)
    #expect(cached().filter { $0.hasSuffix("-lists") }.count == 1)
    for name in cached() { try FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
    try await site.withServer(cacheWriteDelay: .milliseconds(300)) { (base: URL) async throws in
      #expect(try await get(base, "plans/torma-kool/").status == 200)
      #expect(try await eventually(timeout: .seconds(8)) { cached().count == 3 })
    }
  }

  @Test func eventStreamAnnouncesEveryBuildAndEndsWhenTheServerStops() async throws {
    let site = try DevTestSite()
    defer { site.remove() }
    let stream = try await site.withServer { base in
      _ = try await get(base, "")
      let stream = try EventStreamReader(port: base.port!)
      #expect(
        await stream.read(until: { $0.contains("\r\n\r\n") && $0.contains("event: build\ndata: 1\n\n") }))
      #expect(stream.received.lowercased().contains("content-type: text/event-stream"))

      try site.write("content/plans/torma-kool.md", DevTestSite.plan(title: "Torma kooli katus 2027"))
      #expect(await stream.read(until: { $0.contains("event: build\ndata: 2\n\n") }))
      return stream
    }
    // The server has stopped with the stream open: the stream ended rather than holding it up.
    #expect(await stream.read(until: { _ in stream.closed }))
    stream.close()
  }

  @Test func scriptGoesBeforeTheLastBodyEndTag() {
    let script = "<script>x</script>"
    let page = Data("<html><body><p>&lt;/body&gt;</p></BODY></html>".utf8)
    #expect(
      String(decoding: DevServerPages.inject(script, into: page), as: UTF8.self)
        == "<html><body><p>&lt;/body&gt;</p><script>x</script></BODY></html>")
    #expect(
      String(decoding: DevServerPages.inject(script, into: Data("<p>bare".utf8)), as: UTF8.self)
        == "<p>bare<script>x</script>")
  }
}

// MARK: - Helpers

struct Fetched {
  var status: Int
  var type: String
  var data: Data
  var text: String { String(decoding: data, as: UTF8.self) }
}

func get(_ base: URL, _ path: String) async throws -> Fetched {
  var request = URLRequest(url: URL(string: base.absoluteString + path)!)
  request.timeoutInterval = 10
  let (data, response) = try await URLSession.shared.data(for: request)
  let http = response as! HTTPURLResponse
  return Fetched(
    status: http.statusCode, type: http.value(forHTTPHeaderField: "Content-Type") ?? "", data: data)
}

/// Checks until `condition` holds, at most `timeout`; rebuilds take a moment.
func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
  let deadline = ContinuousClock.now + timeout
  while ContinuousClock.now < deadline {
    if try await condition() { return true }
    try await Task.sleep(for: .milliseconds(100))
  }
  return false
}

struct DevTestSite {
  let root: URL

  static func plan(title: String, municipality: String = "jogeva-vald") -> String {
    """
    ---
    title: \(title)
    summary: Kooli katus vahetatakse.
    municipality: "\(municipality)"
    villages: [torma]
    type: investment
    feedback: { opens: 2026-11-15, closes: 2026-12-20 }
    timeline:
      - { date: 2026-11-20, stage: idea, title: Idee }
      - { date: 2026-12-10T18:00, end: 2026-12-10T19:30, kind: meeting, title: Arutelu }
    ---
    ## Miks

    Katus laseb läbi.

    """
  }

  init() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "kaasa-serve-test-\(UUID().uuidString)")
    try write(
      "content/site.yml",
      """
      title: Testvald
      baseURL: https://plaanid.example.ee/
      language: et
      timezone: Europe/Tallinn

      """)
    try write(
      "content/areas.yml",
      """
      municipalities:
        - id: jogeva-vald
          name: Jõgeva vald
          email: info@jogeva.example.ee
          villages:
            - id: torma
              name: Torma

      """)
    try write("content/plans/torma-kool.md", Self.plan(title: "Torma kooli katus"))
  }

  func write(_ path: String, _ text: String) throws {
    let url = root.appendingPathComponent(path)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  func built(_ path: String) -> URL { root.appendingPathComponent(".kaasa-serve/\(path)") }

  func remove() { try? FileManager.default.removeItem(at: root) }

  /// Runs the server on 127.0.0.1 with a free port around `body`, then stops it and checks that it
  /// stopped within a few seconds.
  func withServer<T: Sendable>(
    pollInterval: Duration = .milliseconds(100), cacheWriteDelay: Duration = .seconds(5),
    _ body: @Sendable (URL) async throws -> T
  ) async throws -> T {
    let server = DevServer(
      configuration: DevServerConfiguration(
        siteDirectory: root, host: "127.0.0.1", port: 0, now: "2026-12-01T12:00",
        pollInterval: pollInterval, debounce: .milliseconds(100), cacheWriteDelay: cacheWriteDelay))
    let (listening, announce) = AsyncStream.makeStream(of: URL.self)
    let app = server.makeApplication { url in announce.yield(url) }
    let group = ServiceGroup(configuration: .init(services: [app], logger: DevServer.quietLogger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
      tasks.addTask {
        try await group.run()
        announce.finish()
      }
      var urls = listening.makeAsyncIterator()
      guard let base = await urls.next() else {
        try await tasks.waitForAll()
        throw DevTestError.serverDidNotStart
      }
      let result: Result<T, any Error>
      do {
        result = .success(try await body(base))
      } catch {
        result = .failure(error)
      }
      let stopping = ContinuousClock.now
      await group.triggerGracefulShutdown()
      try await tasks.waitForAll()
      #expect(ContinuousClock.now - stopping < .seconds(10))
      return try result.get()
    }
  }
}

enum DevTestError: Error {
  case serverDidNotStart
  case socket(String)
}

/// Reads a server-sent event stream over a plain socket, with every wait bounded.
final class EventStreamReader: @unchecked Sendable {
  private let fd: Int32
  private let lock = NSLock()
  private var text = ""
  private var ended = false

  var received: String { lock.withLock { text } }
  var closed: Bool { lock.withLock { ended } }

  init(port: Int) throws {
    #if canImport(Glibc)
      fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
      fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw DevTestError.socket("socket") }
    var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      closeSocket(fd)
      throw DevTestError.socket("connect")
    }
    let request = "GET /_kaasa/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
  }

  /// Reads until `done` holds for what arrived so far, the peer closes, or `timeout` passes.
  func read(until done: @escaping @Sendable (String) -> Bool, timeout: Duration = .seconds(20)) async -> Bool
  {
    await withCheckedContinuation { continuation in
      DispatchQueue.global().async {
        continuation.resume(returning: self.readBlocking(until: done, timeout: timeout))
      }
    }
  }

  private func readBlocking(until done: (String) -> Bool, timeout: Duration) -> Bool {
    let deadline = ContinuousClock.now + timeout
    var buffer = [UInt8](repeating: 0, count: 4096)
    while ContinuousClock.now < deadline {
      if done(received) { return true }
      if closed { return false }
      let n = recv(fd, &buffer, buffer.count, 0)
      if n > 0 {
        let chunk = String(decoding: buffer[0..<n], as: UTF8.self)
        lock.withLock { text += chunk }
      } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        lock.withLock { ended = true }
      }
    }
    return done(received)
  }

  func close() {
    closeSocket(fd)
  }
}

private func closeSocket(_ fd: Int32) {
  #if canImport(Glibc)
    _ = Glibc.close(fd)
  #else
    _ = Darwin.close(fd)
  #endif
}
