import CCmarkGFM
import Foundation
import KaasaCore
import Synchronization

/// A Markdown document rendered to HTML.
public struct RenderedMarkdown: Sendable, Hashable {
  /// Safe HTML: raw HTML in the source is omitted, headings carry `id` anchors.
  public var html: String
  /// The headings in order, with the anchors given to them.
  public var headings: [Heading]
  /// The text without markup, for excerpts and search; empty unless `MarkdownOptions.plainText`.
  public var plainText: String
}

/// A heading of a rendered document.
public struct Heading: Sendable, Hashable {
  public var level: Int
  public var text: String
  public var anchor: String
}

/// How to render: where site files live and which level the top heading gets.
public struct MarkdownOptions: Sendable, Hashable {
  /// Prefix for links to `files/…`, e.g. `/` or `/jogevamaa/` when the site lives under a path.
  public var filesBase: String
  /// The level the document's highest heading is moved to, so the page's own `<h1>` stays the only one.
  public var topHeadingLevel: Int
  /// Also render the text without markup (`RenderedMarkdown.plainText`); it costs time under the
  /// parser's lock, so only callers that use it ask for it.
  public var plainText: Bool

  public init(filesBase: String = "/", topHeadingLevel: Int = 2, plainText: Bool = false) {
    self.filesBase = filesBase
    self.topHeadingLevel = topHeadingLevel
    self.plainText = plainText
  }
}

/// Markdown to HTML through cmark-gfm with the GFM extensions.
///
/// cmark-gfm 0.29 edits a global table while parsing with extensions, so every parse and render runs
/// behind one lock; callers may render from any thread and parallelise everything else.
public enum Markdown {
  private static let lock = Mutex<Bool>(false)
  private static let extensionNames = ["table", "strikethrough", "autolink", "tasklist"]

  public static func render(_ markdown: String, options: MarkdownOptions = MarkdownOptions())
    -> RenderedMarkdown
  {
    // Only cmark runs under the lock; the rest of the work is done on the caller's thread.
    let raw = lock.withLock { registered in
      if !registered {
        cmark_gfm_core_extensions_ensure_registered()
        registered = true
      }
      return renderLocked(markdown, options: options)
    }
    return RenderedMarkdown(
      html: anchorHeadings(raw.html, raw.headings), headings: raw.headings,
      plainText: take(raw.plainText).trimmingCharacters(in: .whitespacesAndNewlines))
  }

  /// What cmark made: its HTML and plain text as it allocated them (to be freed by the caller),
  /// and the headings.
  private struct CmarkOutput: @unchecked Sendable {
    var html: UnsafeMutablePointer<CChar>?
    var headings: [Heading]
    var plainText: UnsafeMutablePointer<CChar>?

    static let empty = CmarkOutput(html: nil, headings: [], plainText: nil)
  }

  private static func renderLocked(_ markdown: String, options: MarkdownOptions) -> CmarkOutput {
    // Style attributes rather than `align`, which HTML5 made obsolete.
    let cmarkOptions =
      CMARK_OPT_DEFAULT | CMARK_OPT_SMART | CMARK_OPT_GITHUB_PRE_LANG
      | CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES
    guard let parser = cmark_parser_new(cmarkOptions) else { return .empty }
    defer { cmark_parser_free(parser) }
    for name in extensionNames {
      if let ext = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, ext) }
    }
    var utf8 = Array(markdown.utf8)
    utf8.withUnsafeMutableBufferPointer { buf in
      buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
        cmark_parser_feed(parser, $0, buf.count)
      }
    }
    guard let document = cmark_parser_finish(parser) else { return .empty }
    defer { cmark_node_free(document) }

    let headings = adjust(document, options: options)
    let extensions = cmark_parser_get_syntax_extensions(parser)
    return CmarkOutput(
      html: cmark_render_html(document, cmarkOptions, extensions), headings: headings,
      plainText: options.plainText ? cmark_render_plaintext(document, cmarkOptions, 0) : nil)
  }

  /// The text cmark allocated, which is freed.
  private static func take(_ p: UnsafeMutablePointer<CChar>?) -> String {
    guard let p else { return "" }
    defer { free(p) }
    return String(cString: p)
  }

  /// Shifts heading levels, resolves `files/…` links, and collects headings with unique anchors.
  private static func adjust(_ document: OpaquePointer, options: MarkdownOptions) -> [Heading] {
    var headings: [(node: OpaquePointer, level: Int)] = []
    var links: [OpaquePointer] = []
    let iter = cmark_iter_new(document)
    defer { cmark_iter_free(iter) }
    while case let event = cmark_iter_next(iter), event != CMARK_EVENT_DONE {
      guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iter) else { continue }
      switch cmark_node_get_type(node) {
      case CMARK_NODE_HEADING: headings.append((node, Int(cmark_node_get_heading_level(node))))
      case CMARK_NODE_LINK, CMARK_NODE_IMAGE: links.append(node)
      default: break
      }
    }
    for link in links {
      guard let raw = cmark_node_get_url(link) else { continue }
      let url = String(cString: raw)
      if url.hasPrefix("files/") {
        cmark_node_set_url(link, options.filesBase + url)
      }
    }
    let shift = max(0, options.topHeadingLevel - (headings.map(\.level).min() ?? options.topHeadingLevel))
    var used = Set<String>()
    var result: [Heading] = []
    for (node, level) in headings {
      let newLevel = min(6, level + shift)
      cmark_node_set_heading_level(node, Int32(newLevel))
      let text = plainText(of: node)
      var base = Slug.make(text)
      if base.isEmpty { base = "section" }
      var anchor = base
      var n = 2
      while used.contains(anchor) {
        anchor = "\(base)-\(n)"
        n += 1
      }
      used.insert(anchor)
      result.append(Heading(level: newLevel, text: text, anchor: anchor))
    }
    return result
  }

  private static func plainText(of node: OpaquePointer) -> String {
    var text = ""
    let iter = cmark_iter_new(node)
    defer { cmark_iter_free(iter) }
    while case let event = cmark_iter_next(iter), event != CMARK_EVENT_DONE {
      guard event == CMARK_EVENT_ENTER, let n = cmark_iter_get_node(iter) else { continue }
      let type = cmark_node_get_type(n)
      if type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE, let lit = cmark_node_get_literal(n) {
        text += String(cString: lit)
      } else if type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK {
        text += " "
      }
    }
    return text.trimmingCharacters(in: .whitespaces)
  }

  /// cmark's HTML (which is freed) with the n-th `<hN>` given the n-th anchor. Raw HTML is never
  /// passed through, so every `<hN>` in cmark's output is a real heading. The bytes become a string
  /// once, after the anchors are in.
  private static func anchorHeadings(_ html: UnsafeMutablePointer<CChar>?, _ headings: [Heading]) -> String {
    guard !headings.isEmpty, let html else { return take(html) }
    defer { free(html) }
    let bytes = UnsafeRawBufferPointer(start: html, count: strlen(html))
    // Byte search: Foundation's range(of:) went through UTF-16 and cost more than cmark itself.
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + headings.count * 32)
    var i = 0
    for h in headings {
      let tag = Array("<h\(h.level)>".utf8)
      guard let at = find(tag, in: bytes, from: i) else { break }
      out.append(contentsOf: bytes[i..<at])
      out.append(contentsOf: "<h\(h.level) id=\"\(h.anchor)\">".utf8)
      i = at + tag.count
    }
    out.append(contentsOf: bytes[i...])
    return String(decoding: out, as: UTF8.self)
  }

  private static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
    guard needle.count <= bytes.count else { return nil }
    var i = start
    while i + needle.count <= bytes.count {
      if bytes[i] == needle[0] {
        var k = 1
        while k < needle.count && bytes[i + k] == needle[k] { k += 1 }
        if k == needle.count { return i }
      }
      i += 1
    }
    return nil
  }
}
