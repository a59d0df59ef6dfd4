import Foundation
import KaasaMarkdown
import Testing

@Suite("Markdown through cmark-gfm")
struct MarkdownTests {
  @Test func gfmExtensions() {
    let md = """
      | Töö | Aeg |
      |-----|-----|
      | Katus | 2027 |

      ~~vana~~ https://www.jogeva.ee

      - [x] tehtud
      - [ ] tegemata

      """
    let html = Markdown.render(md).html
    #expect(html.contains("<table>"))
    #expect(html.contains("<td>Katus</td>"))
    #expect(html.contains("<del>vana</del>"))
    #expect(html.contains("<a href=\"https://www.jogeva.ee\">https://www.jogeva.ee</a>"))
    #expect(html.contains("type=\"checkbox\" checked=\"\" disabled=\"\""))
  }

  @Test func rawHTMLIsNotPassedThrough() {
    let html = Markdown.render(
      "<script>alert(1)</script>\n\nTekst <b onclick=x>paks</b> [a](javascript:alert(2))\n"
    ).html
    #expect(!html.contains("<script"))
    #expect(!html.contains("<b onclick"))
    #expect(!html.contains("javascript:"))
  }

  @Test func headingAnchorsAreUniqueAndLevelsShift() {
    let r = Markdown.render(
      "# Ülevaade\n\n## Põhjused\n\n## Põhjused\n", options: MarkdownOptions(topHeadingLevel: 3))
    #expect(r.headings.map(\.anchor) == ["ulevaade", "pohjused", "pohjused-2"])
    #expect(r.headings.map(\.level) == [3, 4, 4])
    #expect(r.html.contains("<h3 id=\"ulevaade\">Ülevaade</h3>"))
    #expect(r.html.contains("<h4 id=\"pohjused-2\">Põhjused</h4>"))
  }

  @Test func filesLinksResolveUnderTheSitePath() {
    let r = Markdown.render(
      "[Eskiis](files/eskiis.pdf) ![Skeem](files/skeem.png) [Väline](https://example.ee/x)",
      options: MarkdownOptions(filesBase: "/plaanid/"))
    #expect(r.html.contains("href=\"/plaanid/files/eskiis.pdf\""))
    #expect(r.html.contains("src=\"/plaanid/files/skeem.png\""))
    #expect(r.html.contains("href=\"https://example.ee/x\""))
  }

  @Test func plainTextExcerpt() {
    #expect(
      Markdown.render(
        "## Pealkiri\n\n*Rõhk* ja [link](https://x.ee).\n", options: MarkdownOptions(plainText: true)
      )
      .plainText.contains("Rõhk ja link."))
    #expect(Markdown.render("*Rõhk*").plainText == "")
  }

  /// cmark-gfm's extensions are not thread-safe; the renderer serialises parsing. 256 concurrent
  /// renders must each equal the serial result.
  @Test func concurrentRendersEqualSerialOnes() async {
    let docs = (0..<32).map { i in
      "# Plaan \(i)\n\n| a | b |\n|---|---|\n| \(i) | ~~x~~ |\n\n- [ ] task \(i)\n\nhttps://example.ee/\(i) *em* `code`\n"
    }
    let expected = docs.map { Markdown.render($0).html }
    let results = await withTaskGroup(of: (Int, String).self) { group in
      for n in 0..<256 {
        group.addTask { (n % 32, Markdown.render(docs[n % 32]).html) }
      }
      var out: [(Int, String)] = []
      for await r in group { out.append(r) }
      return out
    }
    #expect(results.count == 256)
    for (i, html) in results { #expect(html == expected[i]) }
  }
}
