import Foundation
import KaasaFeeds
import Testing

@Suite struct RSSWriterTests {
  let item = RSSItem(
    title: "Avalik arutelu", link: "https://kaasa.ee/plaan/1/", guid: "plaan-1#arutelu",
    pubDate: utc(2026, 12, 10, 16), categories: ["Arutelu", "Põlva"], description: "Tule kohale.")

  func channel(_ items: [RSSItem]) -> RSSChannel {
    RSSChannel(
      title: "Kaasa", link: "https://kaasa.ee/", description: "Planeeringud", language: "et",
      selfURL: "https://kaasa.ee/feed.xml", items: items)
  }

  @Test func writesTheWholeDocument() {
    let expected = """
      <?xml version="1.0" encoding="UTF-8"?>
      <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
        <channel>
          <title>Kaasa</title>
          <link>https://kaasa.ee/</link>
          <description>Planeeringud</description>
          <language>et</language>
          <atom:link href="https://kaasa.ee/feed.xml" rel="self" type="application/rss+xml"/>
          <lastBuildDate>Thu, 10 Dec 2026 16:00:00 +0000</lastBuildDate>
          <generator>Kaasa</generator>
          <item>
            <title>Avalik arutelu</title>
            <link>https://kaasa.ee/plaan/1/</link>
            <guid isPermaLink="false">plaan-1#arutelu</guid>
            <pubDate>Thu, 10 Dec 2026 16:00:00 +0000</pubDate>
            <category>Arutelu</category>
            <category>Põlva</category>
            <description>Tule kohale.</description>
          </item>
        </channel>
      </rss>

      """
    #expect(RSSWriter.render(channel([item])) == expected)
  }

  @Test(arguments: [
    (utc(2026, 12, 10, 16), "Thu, 10 Dec 2026 16:00:00 +0000"),
    (utc(2027, 3, 1, 7, 5, 9), "Mon, 01 Mar 2027 07:05:09 +0000"),
    (utc(2024, 2, 29, 23, 59, 59).addingTimeInterval(0.9), "Thu, 29 Feb 2024 23:59:59 +0000"),
    (utc(2000, 1, 2), "Sun, 02 Jan 2000 00:00:00 +0000"),
  ])
  func formatsDatesAsRFC822InUTC(date: Date, expected: String) {
    var dated = item
    dated.pubDate = date
    #expect(RSSWriter.render(channel([dated])).contains("<pubDate>\(expected)</pubDate>"))
  }

  @Test func escapesMarkupAndKeepsUnicode() {
    var odd = item
    odd.title = mixedText
    odd.guid = "a&b\"c"
    var feed = channel([odd])
    feed.selfURL = "https://kaasa.ee/feed.xml?a=1&b=\"2\""
    let xml = RSSWriter.render(feed)
    #expect(
      xml.contains(
        "<title>Põhja-Tallinna küla: «Тарту, улица» &amp; &lt;Jõgi&gt; &quot;ö&quot; &apos;ä&apos; "
          + "a;b,c\\d 🌲👩‍👩‍👧</title>"))
    #expect(xml.contains("<guid isPermaLink=\"false\">a&amp;b&quot;c</guid>"))
    #expect(xml.contains("href=\"https://kaasa.ee/feed.xml?a=1&amp;b=&quot;2&quot;\""))
  }

  @Test func stripsCharactersXMLForbids() {
    var odd = item
    odd.description = "a\u{0}b\u{1}c\u{8}d\u{B}e\u{C}f\u{1F}g\u{FFFE}h\u{FFFF}i\tj\nk\u{7F}l"
    odd.categories = ["x\u{1B}y"]
    let xml = RSSWriter.render(channel([odd]))
    #expect(xml.contains("<description>abcdefghi\tj\nk\u{7F}l</description>"))
    #expect(xml.contains("<category>xy</category>"))
    let forbidden = xml.unicodeScalars.filter {
      ($0.value < 0x20 && !["\t", "\n", "\r"].contains($0)) || $0.value == 0xFFFE || $0.value == 0xFFFF
    }
    #expect(forbidden.isEmpty)
  }

  @Test func lastBuildDateIsTheNewestItemNotTheFirst() {
    var older = item
    older.pubDate = utc(2025, 1, 5, 8)
    var newest = item
    newest.pubDate = utc(2026, 6, 1, 12, 30)
    let xml = RSSWriter.render(channel([older, newest, older]))
    #expect(xml.contains("<lastBuildDate>Mon, 01 Jun 2026 12:30:00 +0000</lastBuildDate>"))
  }

  @Test func leavesOutLastBuildDateWithoutItems() {
    let xml = RSSWriter.render(channel([]))
    #expect(!xml.contains("lastBuildDate"))
    #expect(!xml.contains("<item>"))
    #expect(xml.hasSuffix("</rss>\n"))
  }

  @Test func keepsTheCallersItemOrder() throws {
    let titles = ["Kolmas", "Esimene", "Teine"]
    let items = titles.enumerated().map { index, title in
      RSSItem(
        title: title, link: "https://kaasa.ee/\(index)", guid: "g\(index)",
        pubDate: utc(2026, 1, 1 + index), description: "")
    }
    let xml = RSSWriter.render(channel(items))
    let positions = try titles.map { try #require(xml.range(of: "<title>\($0)</title>")).lowerBound }
    #expect(positions == positions.sorted())
  }

  @Test func rendersTheSameBytesTwice() {
    let feed = channel([item, item])
    #expect(Array(RSSWriter.render(feed).utf8) == Array(RSSWriter.render(feed).utf8))
  }

  @Test func rendersConcurrentlyAsSerially() async {
    let feeds = (0..<200).map { n in
      channel(
        (0..<5).map { i in
          RSSItem(
            title: "Plaan \(n)-\(i) Тарту 🌲", link: "https://kaasa.ee/\(n)/\(i)", guid: "\(n)-\(i)",
            pubDate: utc(2026, 1 + i, 1 + n % 28, n % 24), categories: ["c\(i)"], description: "<\(n)>")
        })
    }
    let serial = feeds.map { RSSWriter.render($0) }
    let parallel = await withTaskGroup(of: (Int, String).self) { group in
      for (index, feed) in feeds.enumerated() { group.addTask { (index, RSSWriter.render(feed)) } }
      var results = [String](repeating: "", count: feeds.count)
      for await (index, xml) in group { results[index] = xml }
      return results
    }
    #expect(parallel == serial)
    #expect(Set(serial).count == feeds.count)
  }
}
