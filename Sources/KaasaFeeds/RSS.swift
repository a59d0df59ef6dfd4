import Foundation

/// An RSS 2.0 channel: what a feed says about itself, and its items.
public struct RSSChannel: Sendable, Equatable {
  public var title: String
  /// Absolute URL of the page the feed belongs to.
  public var link: String
  public var description: String
  /// Language tag such as `et`; the element is left out when empty.
  public var language: String
  /// Absolute URL of the feed itself, for `atom:link rel="self"`.
  public var selfURL: String
  /// Written in this order: the caller sorts (newest first, with a stable second key).
  public var items: [RSSItem]

  public init(
    title: String, link: String, description: String, language: String, selfURL: String,
    items: [RSSItem] = []
  ) {
    self.title = title
    self.link = link
    self.description = description
    self.language = language
    self.selfURL = selfURL
    self.items = items
  }
}

/// One entry of an RSS 2.0 channel.
public struct RSSItem: Sendable, Equatable {
  public var title: String
  /// Absolute URL of the item's page.
  public var link: String
  /// A stable identifier that never changes for the same item; written with `isPermaLink="false"`.
  public var guid: String
  public var pubDate: Date
  public var categories: [String]
  /// Readers show it as HTML: the writer escapes only for XML, so plain text that must show `<` or
  /// `&` literally has to be HTML-escaped by the caller first.
  public var description: String

  public init(
    title: String, link: String, guid: String, pubDate: Date, categories: [String] = [],
    description: String
  ) {
    self.title = title
    self.link = link
    self.guid = guid
    self.pubDate = pubDate
    self.categories = categories
    self.description = description
  }
}

/// Writes an `RSSChannel` as an RSS 2.0 document, byte-identical for identical input.
public enum RSSWriter {
  /// The whole document as UTF-8 text ending in a newline.
  ///
  /// `lastBuildDate` is the newest item's `pubDate`, never the clock, so an unchanged feed keeps
  /// its bytes; it is left out when there are no items.
  public static func render(_ channel: RSSChannel) -> String {
    var out = """
      <?xml version="1.0" encoding="UTF-8"?>
      <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
        <channel>

      """
    out += element("title", channel.title, indent: 4)
    out += element("link", channel.link, indent: 4)
    out += element("description", channel.description, indent: 4)
    if !channel.language.isEmpty { out += element("language", channel.language, indent: 4) }
    out += "    <atom:link href=\"\(escape(channel.selfURL))\" rel=\"self\" type=\"application/rss+xml\"/>\n"
    if let newest = channel.items.map(\.pubDate).max() {
      out += element("lastBuildDate", DateText.rfc822(newest), indent: 4)
    }
    out += element("generator", "Kaasa", indent: 4)
    for item in channel.items { out += itemText(item) }
    out += "  </channel>\n</rss>\n"
    return out
  }

  /// The same document from items rendered ahead with `itemText`, for items shared by several feeds.
  public static func render(_ channel: RSSChannel, prepared: [(pubDate: Date, text: String)]) -> String {
    var head = channel
    head.items = []
    var out = render(head)
    out.removeLast("  </channel>\n</rss>\n".utf8.count)
    if let newest = prepared.map(\.pubDate).max() {
      // `render` left lastBuildDate out for want of items; it goes before the generator line.
      let generator = "    <generator>Kaasa</generator>\n"
      out.removeLast(generator.utf8.count)
      out += element("lastBuildDate", DateText.rfc822(newest), indent: 4) + generator
    }
    for item in prepared { out += item.text }
    return out + "  </channel>\n</rss>\n"
  }

  /// One `<item>` element as `render` writes it.
  public static func itemText(_ item: RSSItem) -> String {
    var out = "    <item>\n"
    out += element("title", item.title, indent: 6)
    out += element("link", item.link, indent: 6)
    out += "      <guid isPermaLink=\"false\">\(escape(item.guid))</guid>\n"
    out += element("pubDate", DateText.rfc822(item.pubDate), indent: 6)
    for category in item.categories { out += element("category", category, indent: 6) }
    out += element("description", item.description, indent: 6)
    out += "    </item>\n"
    return out
  }

  private static func element(_ name: String, _ text: String, indent: Int) -> String {
    String(repeating: " ", count: indent) + "<\(name)>\(escape(text))</\(name)>\n"
  }

  /// Escapes markup characters for text and attribute values alike, and drops the characters
  /// XML 1.0 forbids outright, because a single one makes readers reject the whole feed.
  static func escape(_ text: String) -> String {
    var copy = text
    return copy.withUTF8 { bytes -> String? in
      // Most text has nothing to escape or drop (0xEF leads U+FFFE and U+FFFF, among others).
      func matters(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27
      }
      var first = 0
      while first < bytes.count, !matters(bytes[first]), bytes[first] != 0xEF { first += 1 }
      if first == bytes.count { return nil }
      // With U+FFFE or U+FFFF possibly there, scalar by scalar.
      if bytes[first...].contains(0xEF) { return escapeScalars(text) }
      // Otherwise every byte that matters is ASCII: bytes, the others copied in runs.
      var out: [UInt8] = []
      out.reserveCapacity(bytes.count + 16)
      var run = 0
      for i in first..<bytes.count {
        let byte = bytes[i]
        guard matters(byte) else { continue }
        if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
        run = i + 1
        switch byte {
        case 0x26: out.append(contentsOf: "&amp;".utf8)
        case 0x3C: out.append(contentsOf: "&lt;".utf8)
        case 0x3E: out.append(contentsOf: "&gt;".utf8)
        case 0x22: out.append(contentsOf: "&quot;".utf8)
        case 0x27: out.append(contentsOf: "&apos;".utf8)
        case 0x09, 0x0A, 0x0D: out.append(byte)
        default: break
        }
      }
      if run < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<bytes.count])) }
      return String(decoding: out, as: UTF8.self)
    } ?? text
  }

  /// `escape` scalar by scalar, for any text: the bytes above are the same for text without 0xEF.
  static func escapeScalars(_ text: String) -> String {
    var out = ""
    out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
      case "\u{0}"..."\u{1F}", "\u{FFFE}", "\u{FFFF}": continue
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
