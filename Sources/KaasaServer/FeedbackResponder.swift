import Foundation
import Hummingbird
import KaasaCore
import KaasaSite
import Logging

/// Answers `POST /feedback`, its CORS preflight, and `GET /health`. Nothing here ever reads feedback back.
struct FeedbackResponder: HTTPResponder {
  typealias Context = FeedbackRequestContext

  let watcher: SiteWatcher
  let store: FeedbackStore
  let limiter: RateLimiter
  let configuration: FeedbackServerConfiguration
  let logger: Logger

  /// Whether the client is a browser posting the form (answer with pages and redirects) or a script (JSON).
  enum Reply {
    case html
    case json
  }

  func respond(to request: Request, context: Context) async throws -> Response {
    let catalog = watcher.current()
    var path = request.uri.path
    if path.count > 1, path.hasSuffix("/") { path.removeLast() }
    var response: Response
    switch path {
    case "/feedback":
      response = await feedback(request, context: context, catalog: catalog)
      addCORS(to: &response, request: request, catalog: catalog)
    case "/health":
      response = health(request, catalog: catalog)
    default:
      response = problem(.notFound, reply: replyKind(for: request), catalog: catalog, back: nil)
    }
    response.headers[.cacheControl] = "no-store"
    response.headers[.xContentTypeOptions] = "nosniff"
    return response
  }

  // MARK: POST /feedback

  private func feedback(_ request: Request, context: Context, catalog: SiteCatalog) async -> Response {
    let (type, charset) = mediaType(request)
    let reply = replyKind(for: request, type: type)
    switch request.method {
    case .post: break
    case .options: return preflight(request, catalog: catalog)
    default:
      var response = problem(.methodNotAllowed, reply: reply, catalog: catalog, back: nil)
      response.headers[.allow] = "POST, OPTIONS"
      return response
    }

    if let wait = limiter.take(clientAddress(request, context: context)) {
      var response = problem(.tooManyRequests, reply: reply, catalog: catalog, back: nil)
      response.headers[.retryAfter] = String(wait)
      return response
    }

    let limit = configuration.maximumBodyBytes
    if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
      return problem(.tooLarge(limit: limit), reply: reply, catalog: catalog, back: nil)
    }

    let isForm = type == "application/x-www-form-urlencoded"
    let isJSON = type == "application/json"
    guard isForm || isJSON, charset == nil || charset == "utf-8" || charset == "utf8" else {
      return problem(.unsupportedType, reply: reply, catalog: catalog, back: nil)
    }

    let body: [UInt8]
    do {
      body = try await collect(request.body, limit: limit)
    } catch let p as FeedbackProblem {
      return problem(p, reply: reply, catalog: catalog, back: nil)
    } catch {
      // The client went away or sent a broken chunked body.
      return problem(.malformed, reply: reply, catalog: catalog, back: nil)
    }

    let now = configuration.clock()
    var planURL: URL?
    let valid: ValidFeedback
    do {
      let fields = try isForm ? FeedbackFields.parseForm(body) : FeedbackFields.parseJSON(body)
      planURL = fields.plan.flatMap { catalog.plans[$0.trimmed]?.url }
      valid = try FeedbackRules.check(fields, catalog: catalog, now: now)
    } catch {
      return problem(error, reply: reply, catalog: catalog, back: planURL)
    }

    let zone = catalog.site.timeZone
    let plan = valid.plan
    let entry = NewFeedback(
      planID: plan.id, municipality: plan.municipality, municipalityName: plan.municipalityName,
      village: valid.village?.id, villageName: valid.village?.name, message: valid.message, name: valid.name,
      email: valid.email, receivedAt: now,
      referencePrefix: plan.referencePrefix,
      referenceYear: LocalDate(now, in: zone).year)

    let reference: FeedbackReference
    do {
      if let honeypot = valid.honeypot {
        reference = try await store.saveSpam(entry, honeypot: honeypot)
        logger.debug("honeypot filled", metadata: ["plan": "\(plan.id)"])
      } else {
        reference = try await store.save(entry)
        logger.debug("stored", metadata: ["reference": "\(reference)"])
      }
    } catch {
      logger.error("could not store feedback: \(error)")
      var response = problem(.unavailable, reply: reply, catalog: catalog, back: plan.url)
      response.headers[.retryAfter] = "60"
      return response
    }
    return success(reference, plan: plan, reply: reply, catalog: catalog)
  }

  private func success(
    _ reference: FeedbackReference, plan: PublishedPlan, reply: Reply, catalog: SiteCatalog
  )
    -> Response
  {
    switch reply {
    case .json:
      let body = JSONText.object([
        ("reference", .string(reference.description)), ("plan", .string(plan.id)),
      ])
      return Response(
        status: .created, headers: [.contentType: "application/json; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: body)))
    case .html:
      let location =
        catalog.site.baseURL.absoluteString + "thanks/?ref="
        + SiteURLs.queryValue(reference.description)
        + "&plan=" + SiteURLs.queryValue(plan.id)
      return Response(
        status: .seeOther,
        headers: [.location: location, .contentType: "text/html; charset=utf-8"],
        body: .init(
          byteBuffer: ByteBuffer(string: ProblemPage.redirect(to: location, language: catalog.site.language)))
      )
    }
  }

  /// Reads the body, refusing it as soon as it grows past `limit` (for bodies sent without a length).
  private func collect(_ body: RequestBody, limit: Int) async throws -> [UInt8] {
    var bytes: [UInt8] = []
    for try await chunk in body {
      guard bytes.count + chunk.readableBytes <= limit else { throw FeedbackProblem.tooLarge(limit: limit) }
      bytes.append(contentsOf: chunk.readableBytesView)
    }
    return bytes
  }

  // MARK: CORS

  private var allowedOrigin: String? {
    guard let origin = configuration.allowOrigin else { return nil }
    return FeedbackResponder.normalizedOrigin(origin)
  }

  static func normalizedOrigin(_ text: String) -> String {
    var origin = text.trimmingCharacters(in: .whitespaces)
    while origin.hasSuffix("/") { origin.removeLast() }
    if let url = URL(string: origin), let normal = PublishedSite.origin(of: url) { return normal }
    return origin.lowercased()
  }

  private func originAllowed(_ request: Request, catalog: SiteCatalog) -> String? {
    guard let origin = request.headers[.origin] else { return nil }
    let allowed = allowedOrigin ?? catalog.site.origin
    return FeedbackResponder.normalizedOrigin(origin) == allowed ? origin : nil
  }

  private func addCORS(to response: inout Response, request: Request, catalog: SiteCatalog) {
    response.headers[.vary] = "Origin"
    if let origin = originAllowed(request, catalog: catalog) {
      response.headers[.accessControlAllowOrigin] = origin
    }
  }

  private func preflight(_ request: Request, catalog: SiteCatalog) -> Response {
    var response = Response(status: .noContent)
    if originAllowed(request, catalog: catalog) != nil {
      response.headers[.accessControlAllowMethods] = "POST"
      response.headers[.accessControlAllowHeaders] = "Content-Type"
      response.headers[.accessControlMaxAge] = "600"
    }
    response.headers[.allow] = "POST, OPTIONS"
    return response
  }

  // MARK: GET /health

  private func health(_ request: Request, catalog: SiteCatalog) -> Response {
    guard request.method == .get || request.method == .head else {
      var response = problem(.methodNotAllowed, reply: .json, catalog: catalog, back: nil)
      response.headers[.allow] = "GET, HEAD"
      return response
    }
    let body = JSONText.object([("status", .string("ok")), ("plans", .int(catalog.plans.count))])
    return Response(
      status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
      body: request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(string: body)))
  }

  // MARK: Refusals

  private func problem(_ p: FeedbackProblem, reply: Reply, catalog: SiteCatalog, back: URL?) -> Response {
    switch reply {
    case .json:
      let body = JSONText.object([
        ("error", .string(p.english)), ("field", .string(p.field)), ("errorEt", .string(p.estonian)),
      ])
      return Response(
        status: p.status, headers: [.contentType: "application/json; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: body)))
    case .html:
      let page = ProblemPage.html(
        p, language: catalog.site.language, siteTitle: catalog.site.title, back: back ?? catalog.site.baseURL)
      return Response(
        status: p.status,
        headers: [
          .contentType: "text/html; charset=utf-8",
          .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'",
        ],
        body: .init(byteBuffer: ByteBuffer(string: page)))
    }
  }

  // MARK: Request details

  func replyKind(for request: Request) -> Reply {
    replyKind(for: request, type: mediaType(request).0)
  }

  func replyKind(for request: Request, type: String?) -> Reply {
    if type == "application/x-www-form-urlencoded" || type == "multipart/form-data" { return .html }
    if type == "application/json" { return .json }
    let accept = request.headers[.accept].map { Text.asciiLowercased($0) } ?? ""
    return accept.contains("text/html") ? .html : .json
  }

  /// The media type and charset of the body, lowercased.
  private func mediaType(_ request: Request) -> (String?, String?) {
    guard let header = request.headers[.contentType] else { return (nil, nil) }
    let parts = header.split(separator: ";").map { Text.asciiLowercased($0.trimmed) }
    var charset: String?
    for p in parts.dropFirst() where p.hasPrefix("charset=") {
      charset = String(p.dropFirst("charset=".count).filter { $0 != "\"" })
    }
    return (parts.first, charset)
  }

  /// The address the rate limit counts against: the peer, or behind a trusted proxy the address it saw.
  private func clientAddress(_ request: Request, context: Context) -> String {
    if configuration.trustProxy {
      var forwarded: String?
      for field in request.headers where field.name.canonicalName == "x-forwarded-for" {
        forwarded = field.value
      }
      // The proxy appends the address it saw last; earlier entries come from the client and can be forged.
      if let last = forwarded?.split(separator: ",").last?.trimmed, !last.isEmpty {
        return last
      }
    }
    return context.peerAddress ?? "unknown"
  }
}
