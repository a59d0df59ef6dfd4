import Foundation
import Testing

@testable import KaasaServer

/// What officials get out: CSV that spreadsheets open correctly and safely, and JSON.
@Suite struct ExportTests {
  static let tallinn = TimeZone(identifier: "Europe/Tallinn")!

  static func entry(
    _ message: String, plan: String = "torma-kooli-katus", at seconds: TimeInterval, name: String? = nil
  )
    -> NewFeedback
  {
    NewFeedback(
      planID: plan, municipality: "jogeva-vald", municipalityName: "Jõgeva vald", village: "torma",
      villageName: "Torma", message: message, name: name, email: "mari@example.ee",
      receivedAt: Date(timeIntervalSince1970: seconds), referencePrefix: "JÕG", referenceYear: 2026)
  }

  @Test func csvHasABOMCRLFRowsAndTheHeader() {
    let csv = FeedbackExport.csv([], zone: Self.tallinn)
    #expect(Array(csv.prefix(3)) == [0xEF, 0xBB, 0xBF])
    #expect(
      String(decoding: csv, as: UTF8.self)
        == "\u{FEFF}reference,plan,municipality,village,received,name,email,message\r\n")
  }

  @Test func csvQuotesAndNeutralisesFormulas() {
    let cases: [(String, String)] = [
      ("Tere", "Tere"),
      ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""),
      ("+372 5555 0000", "'+372 5555 0000"),
      ("-1+2", "'-1+2"),
      ("@SUM(A1)", "'@SUM(A1)"),
      ("\t=1", "'\t=1"),
      ("\r=1", "\"'\r\n=1\""),
      ("üks, kaks", "\"üks, kaks\""),
      ("ta ütles \"jah\"", "\"ta ütles \"\"jah\"\"\""),
      ("rida\nteine", "\"rida\r\nteine\""),
      ("Õun; pirn", "\"Õun; pirn\""),
      ("a=b", "a=b"),
    ]
    for (input, expected) in cases {
      #expect(FeedbackExport.csvCell(input) == expected, "\(input.debugDescription)")
    }
  }

  @Test func exportReadsTheDatabaseWithFiltersAndLocalTimes() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let store = try FeedbackStore(path: fixture.database)
    try store.rememberTimeZone(Self.tallinn)
    // 2026-12-01T21:30Z is 23:30 on 1 December in Tallinn; 22:30Z is already 2 December.
    _ = try await store.save(Self.entry("Esimene, õhtul", at: 1_796_160_600, name: "=cmd|' /C calc'!A0"))
    _ = try await store.save(Self.entry("Teine\nrida", at: 1_796_164_200))
    _ = try await store.save(Self.entry("Muu plaan", plan: "teine-plaan", at: 1_796_164_300))

    let reader = try FeedbackStore.openForExport(path: fixture.database)
    #expect(try reader.rememberedTimeZone()?.identifier == "Europe/Tallinn")
    let all = try reader.feedback()
    #expect(all.map(\.reference) == ["JÕG-2026-000001", "JÕG-2026-000002", "JÕG-2026-000003"])
    let csv = String(decoding: FeedbackExport.csv(all, zone: Self.tallinn), as: UTF8.self)
    let lines = csv.components(separatedBy: "\r\n")
    #expect(
      lines[1]
        == "JÕG-2026-000001,torma-kooli-katus,Jõgeva vald,Torma,2026-12-01 23:30:00,'=cmd|' /C calc'!A0,mari@example.ee,\"Esimene, õhtul\""
    )
    #expect(
      lines[2]
        == "JÕG-2026-000002,torma-kooli-katus,Jõgeva vald,Torma,2026-12-02 00:30:00,,mari@example.ee,\"Teine")
    #expect(lines[3] == "rida\"")

    // --since is a site-local day: 2 December starts at 2026-12-01T22:00Z.
    let since = try #require(Timestamp.parseUTC("2026-12-01T22:00:00.000Z"))
    #expect(try reader.feedback(since: since).map(\.message) == ["Teine\nrida", "Muu plaan"])
    #expect(try reader.feedback(plan: "teine-plaan").map(\.message) == ["Muu plaan"])
    #expect(try reader.feedback(spam: true).isEmpty)
  }

  @Test func jsonExportIsAnArrayOfObjects() throws {
    let row = StoredFeedback(
      reference: "PÕL-2026-000007", plan: "poltsamaa-tee", municipality: "poltsamaa-vald",
      municipalityName: "Põltsamaa vald", village: nil, villageName: nil, message: "Tänan!", name: nil,
      email: nil, receivedAt: "2026-12-10T10:00:00.000Z")
    let data = try FeedbackExport.json([row], zone: Self.tallinn)
    let parsed = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    #expect(parsed.count == 1)
    #expect(parsed[0]["reference"] as? String == "PÕL-2026-000007")
    #expect(parsed[0]["receivedLocal"] as? String == "2026-12-10 12:00:00")
    #expect(parsed[0]["message"] as? String == "Tänan!")
    #expect(parsed[0]["village"] is NSNull)
  }

  @Test func exportRefusesAMissingDatabaseInsteadOfCreatingOne() {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "none-\(UUID().uuidString).sqlite"
    ).path
    #expect(throws: FeedbackStoreError.self) { try FeedbackStore.openForExport(path: path) }
    #expect(!FileManager.default.fileExists(atPath: path))
  }
}

/// References: prefix from the municipality's name, year, six-digit sequence.
@Suite struct ReferenceTests {
  @Test(arguments: [
    ("Jõgeva vald", "JÕG"), ("Põltsamaa vald", "PÕL"), ("Mustvee vald", "MUS"), ("Ülenurme", "ÜLE"),
    ("Jo\u{303}geva vald", "JÕG"), ("Tartu linn", "TAR"), ("  Saue vald", "SAU"),
  ])
  func prefixIsTheFirstThreeLettersUppercased(_ name: String, _ prefix: String) {
    #expect(FeedbackReference.prefix(municipalityName: name) == prefix)
  }

  @Test func prefixFallsBackToTheIdWhenTheNameHasNoLetters() {
    #expect(FeedbackReference.prefix(municipalityName: "", municipalityID: "voru-vald") == "VOR")
  }

  @Test func sequenceIsSixDigitsAndGrowsPastThem() {
    #expect(FeedbackReference(prefix: "JÕG", year: 2026, sequence: 123).description == "JÕG-2026-000123")
    #expect(
      FeedbackReference(prefix: "JÕG", year: 2026, sequence: 1_234_567).description == "JÕG-2026-1234567")
  }

  @Test func timestampsRoundTrip() throws {
    let date = Date(timeIntervalSince1970: 1_796_896_800.123)
    let text = Timestamp.utc(date)
    #expect(text == "2026-12-10T10:00:00.123Z")
    let back = try #require(Timestamp.parseUTC(text))
    #expect(abs(back.timeIntervalSince(date)) < 0.001)
  }
}
