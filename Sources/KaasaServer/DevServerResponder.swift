import Foundation
import Hummingbird
import ServiceLifecycle

/// Serves the build folder as a static host would, with the reload script in HTML responses, the
/// event stream, and the failure page while the last build failed.
struct DevServerResponder: HTTPResponder {
  typealias Context = BasicRequestContext

  let builds: DevSiteBuilds
  let events: DevReloadEvents
  let buildDirectory: URL

  func respond(to request: Request, context: Context) async throws -> Response {
    guard request.method == .get || request.method == .head else {
      return Response(
        status: .methodNotAllowed, headers: [.allow: "GET, HEAD", .contentType: "text/plain; charset=utf-8"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: "kaasa serve answers GET and HEAD only\n")))
    }
    let path = request.uri.path
    if path == DevServerPages.eventsPath { return eventStream() }
    await builds.waitForFirstBuild()
    let response = try await fileResponse(for: path, query: request.uri.query, host: request.head.authority)
    return request.method == .head ? response.createHeadResponse() : response
  }

  private func fileResponse(for rawPath: String, query: String?, host: String?) async throws -> Response {
    guard let target = resolve(rawPath) else { return notFound() }
    var isDirectory: ObjCBool = false
    var exists = FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory)
    if !exists && builds.isBuilding {
      // The build swaps the whole folder at its end; ask again once it has.
      await builds.waitUntilIdle()
      exists = FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory)
    }
    if exists && isDirectory.boolValue && !rawPath.hasSuffix("/") {
      // Absolute, because some clients resolve a relative Location against the wrong base.
      let location = (host.map { "http://\($0)" } ?? "") + rawPath + "/" + (query.map { "?\($0)" } ?? "")
      return Response(status: .movedPermanently, headers: [.location: location, .cacheControl: "no-store"])
    }
    let file = exists && isDirectory.boolValue ? target.appendingPathComponent("index.html") : target
    let type = DevServerPages.contentType(forPath: file.lastPathComponent)
    let isHTML = type.hasPrefix("text/html")

    // While the last build failed, every page shows why; styles, feeds and files still come from the
    // last good build.
    if let latest = builds.latest, !latest.succeeded, isHTML || !exists {
      return html(
        DevServerPages.failurePage(latest), status: .internalServerError, generation: latest.generation)
    }
    guard exists, let data = FileManager.default.contents(atPath: file.path) else { return notFound() }
    if isHTML { return html(data, status: .ok, generation: builds.latest?.generation ?? 0) }
    return Response(
      status: .ok, headers: [.contentType: type, .cacheControl: "no-store"],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
  }

  /// The file under the build folder that a URL path names, or nil for a path that leaves it.
  private func resolve(_ rawPath: String) -> URL? {
    let decoded = rawPath.removingPercentEncoding ?? rawPath
    var url = buildDirectory
    for part in decoded.split(separator: "/", omittingEmptySubsequences: true) {
      if part == ".." || part == "." || part.contains("\0") { return nil }
      url.appendPathComponent(String(part))
    }
    return url
  }

  private func notFound() -> Response {
    let page = buildDirectory.appendingPathComponent("404.html")
    let generation = builds.latest?.generation ?? 0
    if let data = FileManager.default.contents(atPath: page.path) {
      return html(data, status: .notFound, generation: generation)
    }
    return Response(
      status: .notFound, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
      body: ResponseBody(byteBuffer: ByteBuffer(string: "Not found\n")))
  }

  private func html(_ page: String, status: HTTPResponse.Status, generation: Int) -> Response {
    html(Data(page.utf8), status: status, generation: generation)
  }

  private func html(_ page: Data, status: HTTPResponse.Status, generation: Int) -> Response {
    let body = DevServerPages.inject(DevServerPages.reloadScript(generation: generation), into: page)
    return Response(
      status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
  }

  /// Server-sent events: the current build generation at once, then one `build` event per build.
  private func eventStream() -> Response {
    let events = self.events
    let builds = self.builds
    let (id, stream) = events.subscribe()
    let body = ResponseBody { writer in
      defer { events.end(id) }
      let current = builds.latest?.generation ?? 0
      try await writer.write(ByteBuffer(string: "retry: 1000\n\n" + Self.event(current)))
      // The server waits for open requests when it stops; ending the stream lets it.
      try await withGracefulShutdownHandler {
        for await generation in stream {
          try await writer.write(ByteBuffer(string: Self.event(generation)))
        }
      } onGracefulShutdown: {
        events.end(id)
      }
      try await writer.finish(nil)
    }
    return Response(
      status: .ok,
      headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
      body: body)
  }

  static func event(_ generation: Int) -> String {
    "event: build\ndata: \(generation)\n\n"
  }
}
