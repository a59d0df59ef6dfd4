import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import KaasaServer

/// Valid posts over real HTTP end up in the real SQLite file with their references.
@Suite struct SubmissionTests {
  @Test func formPostIsStoredAndRedirectsToTheThankYouPage() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let response = try await fixture.withServer { client in
      try await client.postForm([
        ("plan", "torma-kooli-katus"), ("message", "Katus on vaja enne talve ära teha, õues sajab!"),
        ("name", "Mari Maasikas"), ("email", "mari@example.ee"), ("village", "torma"), ("website", ""),
      ])
    }
    #expect(response.status == .seeOther)
    #expect(
      response.headers[.location]
        == "https://plaanid.example.ee/thanks/?ref=J%C3%95G-2026-000001&plan=torma-kooli-katus")
    let rows = try fixture.rows()
    try #require(rows.count == 1)
    let row = rows[0]
    #expect(row["reference"] as String == "JÕG-2026-000001")
    #expect(row["plan_id"] as String == "torma-kooli-katus")
    #expect(row["municipality"] as String == "jogeva-vald")
    #expect(row["municipality_name"] as String == "Jõgeva vald")
    #expect(row["village"] as String? == "torma")
    #expect(row["message"] as String == "Katus on vaja enne talve ära teha, õues sajab!")
    #expect(row["name"] as String? == "Mari Maasikas")
    #expect(row["email"] as String? == "mari@example.ee")
    #expect(row["received_at"] as String == "2026-12-10T10:00:00.000Z")
    #expect(try fixture.count("spam") == 0)
  }

  @Test func jsonPostGets201WithTheReference() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let (first, second, other) = try await fixture.withServer { client in
      (
        try await client.postJSON(["plan": "torma-kooli-katus", "message": "Esimene"]),
        try await client.postJSON(["plan": "torma-kooli-katus", "message": "Teine", "email": ""]),
        try await client.postJSON(["plan": "poltsamaa-tee", "message": "Kolmas", "village": "adavere"])
      )
    }
    #expect(first.status == .created)
    #expect(first.headers[.contentType] == "application/json; charset=utf-8")
    #expect(first.json["reference"] as? String == "JÕG-2026-000001")
    #expect(first.json["plan"] as? String == "torma-kooli-katus")
    #expect(second.json["reference"] as? String == "JÕG-2026-000002")
    #expect(other.json["reference"] as? String == "PÕL-2026-000001")
    let references = try fixture.rows().map { $0["reference"] as String }
    #expect(references == ["JÕG-2026-000001", "JÕG-2026-000002", "PÕL-2026-000001"])
    #expect(try fixture.rows()[1]["email"] as String? == nil)
  }

  @Test func jsonPostAcceptsNullForOptionalFields() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let body =
      #"{"plan": "mustvee-sadam", "message": "Sadam vajab valgustust.", "name": null, "email": null}"#
    let response = try await fixture.withServer { client in
      try await client.postRaw(Array(body.utf8), type: "application/json; charset=utf-8")
    }
    #expect(response.status == .created)
    #expect(response.json["reference"] as? String == "MUS-2026-000001")
  }

  @Test func messageOfExactly5000CharactersIsAccepted() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let message = String(repeating: "õ", count: 4_999) + "ä"
    let response = try await fixture.withServer { client in
      try await client.postForm([("plan", "torma-kooli-katus"), ("message", message)])
    }
    #expect(response.status == .seeOther)
    #expect(try fixture.rows().first?["message"] as String? == message)
  }

  @Test func theReferenceYearIsTheSiteYearNotTheUTCYear() async throws {
    let fixture = try Fixture(plans: [
      Fixture.plan("uusaasta", opensAt: "2026-11-30T22:00:00Z", closesAt: "2027-01-31T22:00:00Z")
    ])
    defer { fixture.remove() }
    // 2026-12-31T22:30Z is already 00:30 on New Year's Day in Tallinn.
    let config = fixture.configuration(clock: { Date(timeIntervalSince1970: 1_798_756_200) })
    let response = try await fixture.withServer(config) { client in
      try await client.postJSON(["plan": "uusaasta", "message": "Head uut aastat"])
    }
    #expect(response.json["reference"] as? String == "JÕG-2027-000001")
  }

  @Test func theWindowIsOpenFromOpensAtUpToButNotIncludingClosesAt() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let opensAt = Date(timeIntervalSince1970: 1_796_076_000)
    let closesAt = Date(timeIntervalSince1970: 1_798_754_400)
    var statuses: [HTTPResponse.Status] = []
    for instant in [opensAt.addingTimeInterval(-1), opensAt, closesAt.addingTimeInterval(-1), closesAt] {
      let status = try await fixture.withServer(fixture.configuration(clock: { instant })) { client in
        try await client.postJSON(["plan": "torma-kooli-katus", "message": "Piiril"]).status
      }
      statuses.append(status)
    }
    #expect(statuses == [.conflict, .created, .created, .conflict])
    #expect(try fixture.count("feedback") == 2)
  }

  @Test func concurrentPostsFromManyConnectionsAreAllStoredWithDistinctReferences() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let connections = 8
    let perConnection = 25
    let references = try await fixture.withServer { client in
      let port = try #require(client.port)
      return try await withThrowingTaskGroup(of: [String].self) { group in
        for c in 0..<connections {
          group.addTask {
            try await TestClient.withClient(host: "localhost", port: port) { other in
              var refs: [String] = []
              for i in 0..<perConnection {
                let request = TestClient.Request(
                  "/feedback", method: .post, authority: "localhost",
                  headers: [.contentType: "application/json", .connection: "keep-alive"],
                  body: ByteBuffer(
                    string: Body.json(["plan": "torma-kooli-katus", "message": "Sõnum \(c)-\(i)"])))
                let response = try await other.execute(request)
                guard response.status == .created, let body = response.body else { continue }
                let json =
                  try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
                if let ref = json?["reference"] as? String { refs.append(ref) }
              }
              return refs
            }
          }
        }
        var all: [String] = []
        for try await refs in group { all += refs }
        return all
      }
    }
    #expect(references.count == connections * perConnection)
    #expect(Set(references).count == references.count)
    let stored = Set(try fixture.rows().map { $0["reference"] as String })
    #expect(stored == Set(references))
    let numbers = references.compactMap { Int($0.suffix(6)) }.sorted()
    #expect(numbers == Array(1...(connections * perConnection)))
  }
}
