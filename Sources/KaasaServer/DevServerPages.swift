import Foundation
import KaasaCore
import KaasaSite

/// What the dev server adds to what the build wrote: content types, the reload script and the page
/// that shows why the last build failed.
enum DevServerPages {
  static let eventsPath = "/_kaasa/events"

  /// Content types as a calendar app, a feed reader or a browser expects them from a real host.
  static func contentType(forPath path: String) -> String {
    let name = path.split(separator: "/").last.map(String.init) ?? path
    if name == "feed.xml" { return "application/rss+xml; charset=utf-8" }
    if name == "_headers" { return "text/plain; charset=utf-8" }
    let ext =
      name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last!).lowercased() : ""
    switch ext {
    case "html", "htm": return "text/html; charset=utf-8"
    case "ics": return "text/calendar; charset=utf-8"
    case "json": return "application/json"
    case "xml": return "application/xml; charset=utf-8"
    case "css": return "text/css; charset=utf-8"
    case "js", "mjs": return "text/javascript; charset=utf-8"
    case "txt", "md": return "text/plain; charset=utf-8"
    case "svg": return "image/svg+xml"
    case "png": return "image/png"
    case "jpg", "jpeg": return "image/jpeg"
    case "gif": return "image/gif"
    case "webp": return "image/webp"
    case "avif": return "image/avif"
    case "ico": return "image/x-icon"
    case "pdf": return "application/pdf"
    case "woff2": return "font/woff2"
    case "woff": return "font/woff"
    case "zip": return "application/zip"
    case "csv": return "text/csv; charset=utf-8"
    default: return "application/octet-stream"
    }
  }

  /// The script that reloads the page once a build with another generation than its own finished.
  static func reloadScript(generation: Int) -> String {
    """
    <script>
    (function () {
      var generation = "\(generation)";
      if (!window.EventSource) return;
      var events = new EventSource("\(eventsPath)");
      events.addEventListener("build", function (e) {
        if (e.data !== generation) { events.close(); location.reload(); }
      });
    })();
    </script>

    """
  }

  /// The page with the script before the last `</body>`, or at the end when there is none.
  static func inject(_ script: String, into html: Data) -> Data {
    let marker = Array("</body>".utf8)
    let bytes = [UInt8](html)
    var index: Int?
    if bytes.count >= marker.count {
      var i = bytes.count - marker.count
      while i >= 0 {
        if matchesIgnoringCase(bytes, at: i, marker) {
          index = i
          break
        }
        i -= 1
      }
    }
    var out = Data()
    out.reserveCapacity(bytes.count + script.utf8.count)
    if let index {
      out.append(contentsOf: bytes[..<index])
      out.append(contentsOf: Array(script.utf8))
      out.append(contentsOf: bytes[index...])
    } else {
      out.append(contentsOf: bytes)
      out.append(contentsOf: Array(script.utf8))
    }
    return out
  }

  private static func matchesIgnoringCase(_ bytes: [UInt8], at i: Int, _ marker: [UInt8]) -> Bool {
    for (k, m) in marker.enumerated() {
      var b = bytes[i + k]
      if b >= 65 && b <= 90 { b += 32 }
      if b != m { return false }
    }
    return true
  }

  /// The page shown instead of every page of the site while the last build failed.
  static func failurePage(_ result: DevBuildResult) -> String {
    var items = ""
    let shown =
      result.diagnostics.filter { $0.severity == .error }
      + result.diagnostics.filter { $0.severity == .warning }
    for d in shown {
      let place = "\(d.file):\(d.position.line):\(d.position.column)"
      items +=
        "<li class=\"\(d.severity.rawValue)\"><code>\(HTMLText.escape(place))</code>: <strong>\(d.severity.rawValue)</strong>: \(HTMLText.escape(d.message))</li>\n"
    }
    if let failure = result.failure {
      items += "<li class=\"error\"><strong>error</strong>: \(HTMLText.escape(failure))</li>\n"
    }
    let errors = result.diagnostics.errorCount + (result.failure == nil ? 0 : 1)
    return """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>The site did not build – kaasa serve</title>
      <style>
      body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1a1a1a; }
      h1 { font-size: 1.5rem; color: #a4000f; }
      ul { padding: 0; list-style: none; }
      li { padding: .6rem .8rem; margin: .4rem 0; border-left: 4px solid #a4000f; background: #fdf2f2; overflow-wrap: anywhere; }
      li.warning { border-color: #8a5a00; background: #fdf8ec; }
      code { font: 14px/1.4 ui-monospace, monospace; }
      </style>
      </head>
      <body>
      <h1>The site did not build: \(errors) \(errors == 1 ? "error" : "errors")</h1>
      <p>Fix the file and save it: this page reloads by itself. The last good build is not shown until then.</p>
      <ul class="diagnostics">
      \(items)</ul>
      </body>
      </html>

      """
  }

}
