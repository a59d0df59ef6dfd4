import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import KaasaServer

/// A built site in a temporary folder, a real SQLite file beside it, and a fixed clock.
struct Fixture: Sendable {
  let root: URL
  let site: URL
  let database: String

  /// 2026-12-10 12:00 in Tallinn: inside the window of the open plans.
  static let now = Date(timeIntervalSince1970: 1_796_896_800)  // 2026-12-10T10:00:00Z

  static let baseURL = "https://plaanid.example.ee/"

  init(plans: [String] = Fixture.standardPlans) throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("kaasa-test-\(UUID().uuidString)")
    site = root.appendingPathComponent("output")
    database = root.appendingPathComponent("feedback.sqlite").path
    try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
    try Fixture.write(site: site, plans: plans)
  }

  static func write(site: URL, plans: [String]) throws {
    let siteJSON = """
      {"title": "Jõgevamaa kogukonnaplaanid", "baseURL": "\(baseURL)", "language": "et", "timezone": "Europe/Tallinn"}
      """
    try Data(siteJSON.utf8).write(to: site.appendingPathComponent("site.json"))
    try Data(("[" + plans.joined(separator: ",\n") + "]").utf8).write(
      to: site.appendingPathComponent("plans.json"))
  }

  func remove() {
    try? FileManager.default.removeItem(at: root)
  }

  static func plan(
    _ id: String, municipality: String = "jogeva-vald", municipalityName: String = "Jõgeva vald",
    villages: [(String, String)] = [("torma", "Torma"), ("kaarepere", "Kaarepere")],
    opensAt: String? = "2026-11-30T22:00:00Z", closesAt: String = "2026-12-31T22:00:00Z"
  ) -> String {
    let villageJSON = villages.map { "{\"id\": \"\($0.0)\", \"name\": \"\($0.1)\"}" }.joined(separator: ", ")
    let feedback =
      opensAt.map {
        """
        {"opens": "\($0.prefix(10))", "closes": "\(closesAt.prefix(10))", "opensAt": "\($0)", "closesAt": "\(closesAt)"}
        """
      } ?? "null"
    return """
      {"id": "\(id)", "title": "Plaan \(id)", "url": "\(baseURL)plans/\(id)/", "municipality": "\(municipality)", \
      "municipalityName": "\(municipalityName)", "villages": [\(villageJSON)], "type": "investment", \
      "status": "consultation", "feedback": \(feedback)}
      """
  }

  static let standardPlans = [
    plan("torma-kooli-katus"),
    plan(
      "poltsamaa-tee", municipality: "poltsamaa-vald", municipalityName: "Põltsamaa vald",
      villages: [("adavere", "Adavere")]),
    plan("mustvee-sadam", municipality: "mustvee-vald", municipalityName: "Mustvee vald", villages: []),
    plan("suletud-plaan", opensAt: "2026-10-31T22:00:00Z", closesAt: "2026-11-30T22:00:00Z"),
    plan("tulevane-plaan", opensAt: "2027-01-31T22:00:00Z", closesAt: "2027-02-28T22:00:00Z"),
    plan("aknata-plaan", opensAt: nil),
  ]

  func configuration(
    rateLimit: Int = 0, allowOrigin: String? = nil, trustProxy: Bool = false,
    reloadInterval: Duration = .zero,
    clock: @escaping @Sendable () -> Date = { Fixture.now }
  ) -> FeedbackServerConfiguration {
    FeedbackServerConfiguration(
      siteFolder: site, databasePath: database, host: "127.0.0.1", port: 0, allowOrigin: allowOrigin,
      rateLimit: rateLimit, trustProxy: trustProxy, reloadInterval: reloadInterval, clock: clock)
  }

  /// Runs the real server on a loopback port and hands `body` an HTTP client connected to it.
  func withServer<T: Sendable>(
    _ configuration: FeedbackServerConfiguration? = nil,
    _ body: @Sendable (any TestClientProtocol) async throws -> T
  ) async throws -> T {
    var logger = Logger(label: "kaasa.feedback.test")
    logger.logLevel = .warning
    let app = try FeedbackServer.makeApplication(configuration ?? self.configuration(), logger: logger)
    return try await app.test(.live, body)
  }

  /// Opens the SQLite file as a second program would. The server's connection may still be closing
  /// (its last close checkpoints the WAL under an exclusive lock), so wait for locks as it does.
  func openDatabase() throws -> DatabaseQueue {
    var config = Configuration()
    config.busyMode = .timeout(10)
    return try DatabaseQueue(path: database, configuration: config)
  }

  /// Counts rows straight from the SQLite file, not through the server.
  func count(_ table: String) throws -> Int {
    let queue = try openDatabase()
    return try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
  }

  func rows(_ table: String = "feedback") throws -> [Row] {
    let queue = try openDatabase()
    return try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY id") }
  }
}

/// Form and JSON bodies as a browser or a script sends them.
enum Body {
  static func form(_ fields: [(String, String)]) -> String {
    let allowed = CharacterSet(
      charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._*")
    return fields.map { key, value in
      let encoded = value.addingPercentEncoding(withAllowedCharacters: allowed)!
      return key + "=" + encoded.replacingOccurrences(of: "%20", with: "+")
    }.joined(separator: "&")
  }

  static func json(_ fields: [String: String]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
  }
}

extension TestClientProtocol {
  func postForm(_ fields: [(String, String)], headers: HTTPFields = [:]) async throws -> TestResponse {
    try await postRaw(
      Array(Body.form(fields).utf8), type: "application/x-www-form-urlencoded", headers: headers)
  }

  func postJSON(_ fields: [String: String], headers: HTTPFields = [:]) async throws -> TestResponse {
    try await postRaw(Array(Body.json(fields).utf8), type: "application/json", headers: headers)
  }

  func postRaw(_ bytes: [UInt8], type: String?, headers: HTTPFields = [:]) async throws -> TestResponse {
    var headers = headers
    if let type { headers[.contentType] = type }
    var buffer = ByteBuffer()
    buffer.writeBytes(bytes)
    return try await execute(uri: "/feedback", method: .post, headers: headers, body: buffer)
  }
}

extension TestResponse {
  var text: String { String(decoding: body.readableBytesView, as: UTF8.self) }

  var json: [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
  }
}
