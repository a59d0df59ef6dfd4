import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import KaasaServer

/// A bad request, how it is sent, and what the server must answer.
struct Refusal: Sendable, CustomTestStringConvertible {
  var label: String
  var body: [UInt8]
  var type: String?
  var status: HTTPResponse.Status
  var field: String?

  var testDescription: String { label }

  static func form(
    _ label: String, _ fields: [(String, String)], _ status: HTTPResponse.Status, field: String? = nil
  ) -> Refusal {
    Refusal(
      label: label + " (form)", body: Array(Body.form(fields).utf8),
      type: "application/x-www-form-urlencoded",
      status: status, field: field)
  }

  static func json(
    _ label: String, _ fields: [String: String], _ status: HTTPResponse.Status, field: String? = nil
  )
    -> Refusal
  {
    Refusal(
      label: label + " (JSON)", body: Array(Body.json(fields).utf8), type: "application/json", status: status,
      field: field)
  }

  var isForm: Bool { type?.hasPrefix("application/x-www-form-urlencoded") ?? false }
}

let refusals: [Refusal] = {
  let open = "torma-kooli-katus"
  var cases: [Refusal] = [
    .form("closed window", [("plan", "suletud-plaan"), ("message", "Hilja")], .conflict, field: "plan"),
    .json("closed window", ["plan": "suletud-plaan", "message": "Hilja"], .conflict, field: "plan"),
    .form(
      "window not open yet", [("plan", "tulevane-plaan"), ("message", "Vara")], .conflict, field: "plan"),
    .json("plan without a window", ["plan": "aknata-plaan", "message": "Kas?"], .conflict, field: "plan"),
    .form("unknown plan", [("plan", "pole-olemas"), ("message", "Tere")], .notFound, field: "plan"),
    .json("unknown plan", ["plan": "pole-olemas", "message": "Tere"], .notFound, field: "plan"),
    .form("missing plan", [("message", "Tere")], .badRequest, field: "plan"),
    .form("empty message", [("plan", open), ("message", "")], .badRequest, field: "message"),
    .json("blank message", ["plan": open, "message": " \n\t "], .badRequest, field: "message"),
    .form("no message field", [("plan", open)], .badRequest, field: "message"),
    .form(
      "5,001 characters", [("plan", open), ("message", String(repeating: "ä", count: 5_001))], .badRequest,
      field: "message"),
    .form(
      "bad e-mail", [("plan", open), ("message", "Tere"), ("email", "mari@")], .badRequest, field: "email"),
    .json(
      "bad e-mail", ["plan": open, "message": "Tere", "email": "mari at example.ee"], .badRequest,
      field: "email"),
    .form(
      "village of another plan", [("plan", open), ("message", "Tere"), ("village", "adavere")], .badRequest,
      field: "village"),
    .form(
      "name over 200 characters",
      [("plan", open), ("message", "Tere"), ("name", String(repeating: "n", count: 201))],
      .badRequest, field: "name"),
    .form("NUL in the message", [("plan", open), ("message", "Te\u{0}re")], .badRequest, field: "message"),
  ]
  let big = Body.form([("plan", open), ("message", String(repeating: "x", count: 100_000))])
  cases.append(
    Refusal(
      label: "100 kB body (form)", body: Array(big.utf8), type: "application/x-www-form-urlencoded",
      status: .contentTooLarge))
  cases.append(
    Refusal(
      label: "100 kB body (JSON)",
      body: Array(Body.json(["plan": open, "message": String(repeating: "x", count: 100_000)]).utf8),
      type: "application/json", status: .contentTooLarge))
  // "Tere" with a lone continuation byte and an overlong encoding: not UTF-8.
  cases.append(
    Refusal(
      label: "invalid UTF-8 (form)", body: Array("plan=\(open)&message=Tere%80%C0%AF".utf8),
      type: "application/x-www-form-urlencoded", status: .badRequest))
  cases.append(
    Refusal(
      label: "invalid UTF-8, raw bytes (form)", body: Array("plan=\(open)&message=Tere".utf8) + [0xFF, 0xFE],
      type: "application/x-www-form-urlencoded", status: .badRequest))
  cases.append(
    Refusal(
      label: "invalid UTF-8 (JSON)",
      body: Array(#"{"plan":"\#(open)","message":"Tere "#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),
      type: "application/json", status: .badRequest))
  cases.append(
    Refusal(
      label: "broken percent escape (form)", body: Array("plan=\(open)&message=100%".utf8),
      type: "application/x-www-form-urlencoded", status: .badRequest))
  cases.append(
    Refusal(
      label: "malformed JSON", body: Array(#"{"plan": "\#(open)", "message": "Tere""#.utf8),
      type: "application/json",
      status: .badRequest))
  cases.append(
    Refusal(
      label: "JSON array instead of object", body: Array(#"["\#(open)", "Tere"]"#.utf8),
      type: "application/json",
      status: .badRequest))
  cases.append(
    Refusal(
      label: "number where text belongs (JSON)", body: Array(#"{"plan": 7, "message": "Tere"}"#.utf8),
      type: "application/json", status: .badRequest, field: "plan"))
  cases.append(
    Refusal(
      label: "text/plain", body: Array("plan=\(open)&message=Tere".utf8), type: "text/plain",
      status: .unsupportedMediaType
    ))
  cases.append(
    Refusal(
      label: "multipart form",
      body: Array("--x\r\nContent-Disposition: form-data; name=\"plan\"\r\n\r\n\(open)\r\n--x--\r\n".utf8),
      type: "multipart/form-data; boundary=x", status: .unsupportedMediaType))
  cases.append(
    Refusal(
      label: "no content type", body: Array(Body.json(["plan": open, "message": "Tere"]).utf8), type: nil,
      status: .unsupportedMediaType))
  cases.append(
    Refusal(
      label: "Latin-1 charset", body: Array("plan=\(open)&message=Tere".utf8),
      type: "application/x-www-form-urlencoded; charset=ISO-8859-1", status: .unsupportedMediaType))
  return cases
}()

/// Every bad request gets its 4xx, a message a person can read, and stores nothing.
@Suite struct RefusalTests {
  @Test(arguments: refusals)
  func isRefusedAndStoresNothing(_ refusal: Refusal) async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let response = try await fixture.withServer { client in
      try await client.postRaw(refusal.body, type: refusal.type)
    }
    #expect(response.status == refusal.status)
    #expect((400..<500).contains(response.status.code))
    if refusal.isForm {
      #expect(response.headers[.contentType] == "text/html; charset=utf-8")
      let page = response.text
      #expect(page.contains("<html lang=\"et\">"))
      #expect(page.contains("<h1>"))
      #expect(page.contains("<p lang=\"et\">"))
      #expect(page.contains("<p lang=\"en\""))
      if refusal.field == "plan" && refusal.status != .notFound && !refusal.label.hasPrefix("missing") {
        #expect(page.contains("href=\"https://plaanid.example.ee/plans/"))
      } else {
        #expect(page.contains("href=\"https://plaanid.example.ee/"))
      }
    } else if refusal.type == "application/json" {
      let json = response.json
      #expect((json["error"] as? String)?.isEmpty == false)
      if let field = refusal.field { #expect(json["field"] as? String == field) }
    }
    #expect(try fixture.count("feedback") == 0)
    #expect(try fixture.count("spam") == 0)
  }

  @Test func formErrorPageLinksBackToThePlanAndExplainsInBothLanguages() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let response = try await fixture.withServer { client in
      try await client.postForm([("plan", "torma-kooli-katus"), ("message", "Tere"), ("email", "<b>@x")])
    }
    #expect(response.status == .badRequest)
    let page = response.text
    #expect(page.contains("href=\"https://plaanid.example.ee/plans/torma-kooli-katus/\""))
    #expect(page.contains("E-posti aadress"))
    #expect(page.contains("The e-mail address"))
    // What the resident typed comes back escaped, never as markup.
    #expect(page.contains("&lt;b&gt;@x"))
    #expect(!page.contains("<b>@x"))
  }

  @Test func theBodyLimitIs32KiB() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let filler = String(repeating: "a", count: 32 * 1024 - "plan=torma-kooli-katus&message=".utf8.count)
    let atLimit = Array("plan=torma-kooli-katus&message=\(filler)".utf8)
    let (ok, over) = try await fixture.withServer { client in
      (
        try await client.postRaw(atLimit, type: "application/x-www-form-urlencoded"),
        try await client.postRaw(atLimit + [UInt8(ascii: "b")], type: "application/x-www-form-urlencoded")
      )
    }
    #expect(atLimit.count == 32 * 1024)
    // At the limit the body is read; the message is then too long (400), not too large (413).
    #expect(ok.status == .badRequest)
    #expect(over.status == .contentTooLarge)
  }

  @Test func otherMethodsOnFeedbackGet405() async throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let statuses = try await fixture.withServer { client in
      var result: [(HTTPResponse.Status, String?)] = []
      for method in [HTTPRequest.Method.get, .put, .delete, .patch] {
        let r = try await client.execute(uri: "/feedback", method: method)
        result.append((r.status, r.headers[.allow]))
      }
      return result
    }
    for (status, allow) in statuses {
      #expect(status == .methodNotAllowed)
      #expect(allow == "POST, OPTIONS")
    }
  }
}
