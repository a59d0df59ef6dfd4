import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import KaasaServer

/// Honeypot, rate limit, CORS, reloading and health.
@Suite struct EndpointTests {
  @Test func aFilledHoneypotLooksLikeSuccessButIsNotStoredAsFeedback() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let (bot, botJSON, person) = try await fixture.withServer { client in
      (
        try await client.postForm([
          ("plan", "torma-kooli-katus"), ("message", "Odav viagra"), ("website", "http://spam.example"),
        ]),
        try await client.postJSON(["plan": "torma-kooli-katus", "message": "Odav", "website": "x"]),
        try await client.postForm([("plan", "torma-kooli-katus"), ("message", "Päris inimene")])
      )
    }
    #expect(bot.status == .seeOther)
    #expect(
      bot.headers[.location]?.hasPrefix("https://plaanid.example.ee/thanks/?ref=J%C3%95G-2026-0000") == true)
    #expect(botJSON.status == .created)
    #expect((botJSON.json["reference"] as? String)?.wholeMatch(of: /JÕG-2026-\d{6}/) != nil)
    // The real feedback table has only the person, and the bots used up no reference numbers.
    let rows = try fixture.rows()
    #expect(rows.map { $0["message"] as String } == ["Päris inimene"])
    #expect(rows.first?["reference"] as String? == "JÕG-2026-000001")
    #expect(
      person.headers[.location]
        == "https://plaanid.example.ee/thanks/?ref=J%C3%95G-2026-000001&plan=torma-kooli-katus")
    let spam = try fixture.rows("spam")
    #expect(spam.map { $0["website"] as String } == ["http://spam.example", "x"])
  }

  @Test func theRateLimitAnswers429PerAddressAndStoresNothingMore() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let responses = try await fixture.withServer(fixture.configuration(rateLimit: 3)) { client in
      var result: [TestResponse] = []
      for i in 0..<5 {
        result.append(try await client.postJSON(["plan": "torma-kooli-katus", "message": "Sõnum \(i)"]))
      }
      return result
    }
    #expect(responses.map(\.status) == [.created, .created, .created, .tooManyRequests, .tooManyRequests])
    let retryAfter = try #require(responses[3].headers[.retryAfter].flatMap { Int($0) })
    #expect((1...60).contains(retryAfter))
    #expect(responses[3].json["error"] as? String != nil)
    #expect(try fixture.count("feedback") == 3)
  }

  @Test func behindATrustedProxyTheLimitCountsTheForwardedAddress() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let post: @Sendable (any TestClientProtocol, String) async throws -> HTTPResponse.Status = {
      client, chain in
      var headers = HTTPFields()
      headers.append(.init(name: .init("X-Forwarded-For")!, value: chain))
      return try await client.postJSON(["plan": "torma-kooli-katus", "message": "Tere"], headers: headers)
        .status
    }
    let trusted = try await fixture.withServer(fixture.configuration(rateLimit: 1, trustProxy: true)) {
      client in
      [
        try await post(client, "192.0.2.1"),
        // A client cannot escape the limit by forging earlier entries: the proxy's own entry is last.
        try await post(client, "198.51.100.7, 192.0.2.1"),
        try await post(client, "192.0.2.2"),
      ]
    }
    #expect(trusted == [.created, .tooManyRequests, .created])
    let untrusted = try await fixture.withServer(fixture.configuration(rateLimit: 1)) { client in
      [try await post(client, "192.0.2.3"), try await post(client, "192.0.2.4")]
    }
    #expect(untrusted == [.created, .tooManyRequests])
  }

  @Test func rateLimiterRefillsOverTheMinuteAndForgetsIdleAddresses() {
    let limiter = RateLimiter(perMinute: 2)
    let start = ContinuousClock.now
    #expect(limiter.take("192.0.2.1", now: start) == nil)
    #expect(limiter.take("192.0.2.1", now: start) == nil)
    #expect(limiter.take("192.0.2.1", now: start) == 30)
    #expect(limiter.take("192.0.2.2", now: start) == nil)
    #expect(limiter.take("192.0.2.1", now: start + .seconds(31)) == nil)
    _ = limiter.take("192.0.2.3", now: start + .seconds(200))
    #expect(limiter.trackedAddresses == 1)
    #expect(RateLimiter(perMinute: 0).take("192.0.2.1") == nil)
  }

  @Test func corsIsAnsweredOnlyForTheSiteOrigin() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let preflightHeaders: HTTPFields = [
      .origin: "https://plaanid.example.ee", .accessControlRequestMethod: "POST",
      .accessControlRequestHeaders: "content-type",
    ]
    let (own, foreign, post, foreignPost) = try await fixture.withServer { client in
      (
        try await client.execute(uri: "/feedback", method: .options, headers: preflightHeaders),
        try await client.execute(
          uri: "/feedback", method: .options,
          headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"]),
        try await client.postJSON(
          ["plan": "torma-kooli-katus", "message": "Tere"], headers: [.origin: "https://plaanid.example.ee"]),
        try await client.postJSON(
          ["plan": "torma-kooli-katus", "message": "Tere"], headers: [.origin: "https://evil.example"])
      )
    }
    #expect(own.status == .noContent)
    #expect(own.headers[.accessControlAllowOrigin] == "https://plaanid.example.ee")
    #expect(own.headers[.accessControlAllowMethods] == "POST")
    #expect(own.headers[.accessControlAllowHeaders] == "Content-Type")
    #expect(foreign.headers[.accessControlAllowOrigin] == nil)
    #expect(foreign.headers[.accessControlAllowMethods] == nil)
    #expect(post.headers[.accessControlAllowOrigin] == "https://plaanid.example.ee")
    #expect(post.headers[.vary] == "Origin")
    #expect(foreignPost.headers[.accessControlAllowOrigin] == nil)
  }

  @Test func allowOriginReplacesTheSiteOrigin() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let config = fixture.configuration(allowOrigin: "https://staging.example.ee/")
    let (staging, site) = try await fixture.withServer(config) { client in
      (
        try await client.execute(
          uri: "/feedback", method: .options, headers: [.origin: "https://staging.example.ee"]),
        try await client.execute(
          uri: "/feedback", method: .options, headers: [.origin: "https://plaanid.example.ee"])
      )
    }
    #expect(staging.headers[.accessControlAllowOrigin] == "https://staging.example.ee")
    #expect(site.headers[.accessControlAllowOrigin] == nil)
  }

  @Test func aRebuiltSiteIsPickedUpWithoutARestart() async throws {
    let fixture = try Fixture(plans: [Fixture.plan("torma-kooli-katus")])
    defer { fixture.remove() }
    let (before, healthBefore, after, healthAfter, stillThere) = try await fixture.withServer { client in
      let before = try await client.postJSON(["plan": "uus-plaan", "message": "Tere"])
      let healthBefore = try await client.execute(uri: "/health", method: .get)
      // Rebuild the way `kaasa build` does: write a new folder beside the old one, then swap by renaming.
      let staging = fixture.root.appendingPathComponent("output.new")
      try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
      try Fixture.write(site: staging, plans: [Fixture.plan("uus-plaan")])
      let old = fixture.root.appendingPathComponent("output.old")
      try FileManager.default.moveItem(at: fixture.site, to: old)
      try FileManager.default.moveItem(at: staging, to: fixture.site)
      try FileManager.default.removeItem(at: old)
      let after = try await client.postJSON(["plan": "uus-plaan", "message": "Tere"])
      let healthAfter = try await client.execute(uri: "/health", method: .get)
      let stillThere = try await client.postJSON(["plan": "torma-kooli-katus", "message": "Tere"])
      return (before, healthBefore, after, healthAfter, stillThere)
    }
    #expect(before.status == .notFound)
    #expect(healthBefore.json["plans"] as? Int == 1)
    #expect(after.status == .created)
    #expect(healthAfter.json["plans"] as? Int == 1)
    #expect(stillThere.status == .notFound)
    #expect(try fixture.rows().map { $0["plan_id"] as String } == ["uus-plaan"])
  }

  @Test func aBrokenRebuildKeepsThePreviousPlans() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let response = try await fixture.withServer { client in
      try Data("[{\"id\": ".utf8).write(to: fixture.site.appendingPathComponent("plans.json"))
      return try await client.postJSON(["plan": "torma-kooli-katus", "message": "Tere"])
    }
    #expect(response.status == .created)
  }

  @Test func healthReportsThePlanCount() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let (get, post) = try await fixture.withServer { client in
      (
        try await client.execute(uri: "/health", method: .get),
        try await client.execute(uri: "/health", method: .post)
      )
    }
    #expect(get.status == .ok)
    #expect(get.text == #"{"status":"ok","plans":6}"#)
    #expect(post.status == .methodNotAllowed)
    #expect(post.headers[.allow] == "GET, HEAD")
  }

  @Test func noRouteEverReturnsStoredFeedback() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let secret = "Salajane sõnum 7f3a"
    let answers = try await fixture.withServer { client in
      _ = try await client.postForm([
        ("plan", "torma-kooli-katus"), ("message", secret), ("email", "salajane@example.ee"),
      ])
      var answers: [TestResponse] = []
      for uri in [
        "/feedback", "/feedback?plan=torma-kooli-katus", "/feedback/1", "/feedback.sqlite", "/export",
        "/../feedback.sqlite", "/health", "/", "/thanks/?ref=J%C3%95G-2026-000001",
      ] {
        answers.append(try await client.execute(uri: uri, method: .get))
      }
      return answers
    }
    #expect(try fixture.count("feedback") == 1)
    for answer in answers {
      #expect(!answer.text.contains(secret))
      #expect(!answer.text.contains("salajane@example.ee"))
      #expect(answer.status != .ok || answer.text.hasPrefix(#"{"status":"ok""#))
    }
  }

  @Test func startingWithoutABuiltSiteFailsWithAClearMessage() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "kaasa-missing-\(UUID().uuidString)")
    let config = FeedbackServerConfiguration(
      siteFolder: root, databasePath: root.appendingPathComponent("f.sqlite").path)
    let error = #expect(throws: SiteCatalogError.self) {
      _ = try FeedbackServer.makeApplication(config)
    }
    #expect(String(describing: error).contains("site.json"))
  }
}
