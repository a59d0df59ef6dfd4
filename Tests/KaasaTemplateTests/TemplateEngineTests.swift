import Foundation
import Mustache
import Synchronization
import Testing

@testable import KaasaSite
@testable import KaasaTemplate

/// The template engine must render every theme written for swift-mustache byte for byte as that
/// library does: site themes were written against it. swift-mustache is the reference here.
@Suite struct TemplateEngineTests {
  /// Renders `main` from `templates` with both engines; nil where an engine rejects a template.
  func both(_ templates: [String: String], _ context: Any, main: String = "main") -> (String?, String?) {
    var reference = MustacheLibrary()
    var ours = TemplateLibrary()
    var referenceFailed = false
    var oursFailed = false
    for (name, text) in templates.sorted(by: { $0.key < $1.key }) {
      do { try reference.register(text, named: name) } catch { referenceFailed = true }
      do { try ours.register(text, named: name) } catch { oursFailed = true }
    }
    return (
      referenceFailed ? nil : reference.render(context, withTemplate: main),
      oursFailed ? nil : (try? ours.render(context, template: main)) ?? nil
    )
  }

  @Test func singleTemplatesRenderAsTheReference() {
    let cases: [(String, [String: Any])] = [
      // Interpolation, escaping, values of every kind.
      ("{{a}} {{{a}}} {{&a}} {{ a }}", ["a": "<b>\"Tom\" & 'Jerry'</b> – õäöü"]),
      ("{{n}}/{{yes}}/{{no}}/{{missing}}.", ["n": 42, "yes": true, "no": false]),
      ("{{a.b.c}} {{a.b}} {{#a}}{{b.c}}{{/a}} {{.}}", ["a": ["b": ["c": "deep"]]]),
      ("{{#a}}{{x}}{{/a}}|{{#a}}{{.x}}{{/a}}", ["x": "outer", "a": ["y": 1]]),
      ("{{#list}}[{{.}}]{{/list}}{{^list}}none{{/list}}", ["list": ["1", "2"]]),
      ("{{#list}}[{{.}}]{{/list}}{{^list}}none{{/list}}", ["list": [String]()]),
      (
        "{{#items}}{{name}}{{#last}}!{{/last}};{{/items}}",
        ["items": [["name": "a"], ["name": "b", "last": true]]]
      ),
      ("{{#t}}{{label}}{{/t}} {{t.label}}", ["t": ["label": "Silt"] as [String: String]]),
      ("{{#s}}<{{s}}>{{/s}}{{^s}}-{{/s}}{{#empty}}E{{/empty}}", ["s": "x", "empty": ""]),
      ("{{#n}}({{.}}){{/n}}{{^n}}no{{/n}}", ["n": 0]),
      // Standalone lines and whitespace.
      ("a\n  {{#x}}  \n  b\n  {{/x}}\t\nc\n", ["x": true]),
      ("a\n  {{^x}}  \n  b\n  {{/x}}\t\nc\n", ["x": true]),
      ("a\r\n{{#x}}\r\nb\r\n{{/x}}\r\nc", ["x": true]),
      ("  {{! comment }}\nx {{! inline }} y\n{{!\nmulti\n}}\nz", [:]),
      ("<p>{{#x}}a\n{{/x}}\n{{#y}}\nb\n{{/y}}\n", ["x": true, "y": true]),
      ("{{#x}}{{/x}}\n  {{#x}}\n{{/x}}  \nend   ", ["x": true]),
      ("{{=<% %>=}}\n<% a %> {{a}}\n<%={{ }}=%>\n{{a}}", ["a": "v"]),
      ("  {{a}}  \n  {{#x}}{{a}}{{/x}}\n", ["a": "v", "x": [1, 2]]),
    ]
    for (template, context) in cases {
      let (reference, ours) = both(["main": template], context)
      #expect(ours != nil, "\(template)")
      #expect(ours == reference, "\(template)")
    }
  }

  @Test func partialsParentsAndBlocksRenderAsTheReference() {
    let templates = [
      "main": "<ul>\n  {{> item}}\n  {{#list}}\n    {{> item}}\n  {{/list}}\n</ul>\n{{>missing}}|",
      "item": "<li>\n{{name}}\n{{#sub}}\n  <i>{{.}}</i>\n{{/sub}}\n</li>\n",
      "layout":
        "<html>\n  {{$head}}<title>{{title}}</title>{{/head}}\n<body>\n  {{$main}}\n  default\n  {{/main}}\n</body>\n",
      "page": "{{<layout}}\n{{$main}}\n    <p>{{title}}</p>\n    {{> item}}\n{{/main}}\n{{/layout}}\n",
      "middle": "{{<layout}}{{$head}}<h>{{title}}</h>{{/head}}{{/layout}}",
      "top": "{{<middle}}{{$main}}top main{{/main}}{{$head}}top head{{/head}}{{/middle}}",
    ]
    let context: [String: Any] = [
      "name": "outer", "title": "T & <t>",
      "list": [["name": "one", "sub": ["a", "b"]], ["name": "two", "sub": [String]()]],
    ]
    for main in ["main", "page", "middle", "top", "layout"] {
      let (reference, ours) = both(templates, context, main: main)
      #expect(ours != nil, "\(main)")
      #expect(ours == reference, "\(main)")
    }
  }

  /// Where this engine follows the spec and swift-mustache does not: a standalone partial indents
  /// every line, also lines ended by "\r\n".
  @Test func partialsIndentLinesEndedByCRLF() throws {
    var library = TemplateLibrary()
    try library.register("<ul>\r\n  {{> item}}\r\n</ul>", named: "main")
    try library.register("<li>\r\n{{x}}\r\n</li>\r\n", named: "item")
    #expect(try library.render(["x": "a"], template: "main") == "<ul>\r\n  <li>\r\n  a\r\n  </li>\r\n</ul>")
  }

  /// Renders on several threads at once each use templates of their own; what they render is what
  /// one thread renders, and a template registered again is what the next render uses.
  @Test func rendersAtOnceAndAfterARegistrationUseTheTemplatesAsRegistered() throws {
    var library = TemplateLibrary()
    try library.register("<ol>{{#items}}{{> item}}{{/items}}</ol>", named: "main")
    try library.register("<li>{{name}}</li>", named: "item")
    let context: @Sendable () -> [String: Any] = {
      ["items": (0..<50).map { ["name": "n\($0)"] as [String: Any] }]
    }
    let expected = try #require(try library.render(context(), template: "main"))
    #expect(expected.hasPrefix("<ol><li>n0</li><li>n1</li>"))
    let results = Mutex<[String?]>([])
    let shared = library
    DispatchQueue.concurrentPerform(iterations: 64) { _ in
      let text = try? shared.render(context(), template: "main")
      results.withLock { $0.append(text) }
    }
    #expect(results.withLock { $0 }.allSatisfy { $0 == expected })
    try library.register("<p>{{name}}</p>", named: "item")
    #expect(try library.render(["items": [["name": "x"]]], template: "main") == "<ol><p>x</p></ol>")
    // The copy made before keeps its templates.
    #expect(try shared.render(["items": [["name": "x"]]], template: "main") == "<ol><li>x</li></ol>")
  }

  /// A partial that includes itself would recurse until the stack overflows; it is an error instead.
  @Test func partialsThatIncludeEachOtherWithoutEndAreAnError() throws {
    var library = TemplateLibrary()
    try library.register("<main>{{> a}}</main>", named: "main")
    try library.register("a{{> b}}", named: "a")
    try library.register("b{{#x}}{{> a}}{{/x}}", named: "b")
    #expect(throws: TemplateNestingError.self) { try library.render(["x": true], template: "main") }
    do {
      _ = try library.render(["x": true], template: "main")
    } catch {
      #expect(error.chain.count == TemplateLibrary.maximumDepth + 1)
      #expect(error.description.contains("a → b → a"))
    }
    // The same partials end when the section does: nesting is only an error without end.
    #expect(try library.render(["x": false], template: "main") == "<main>ab</main>")
  }

  @Test func mistakesAreReportedWithLineAndColumn() {
    var library = TemplateLibrary()
    #expect(throws: TemplateError(line: 2, column: 8, message: "“{{/b}}” closes “a”; close it with “{{/a}}”"))
    {
      try library.register("x\n{{#a}} {{/b}}", named: "t")
    }
    #expect(throws: TemplateError.self) { try library.register("{{#a}}\nnever closed", named: "t") }
    #expect(throws: TemplateError.self) { try library.register("{{upper(name)}}", named: "t") }
    #expect(throws: TemplateError.self) { try library.register("{{name", named: "t") }
    #expect(throws: TemplateError.self) { try library.register("{{%CONTENT_TYPE:TEXT}}", named: "t") }
  }

  // MARK: Random templates and contexts

  /// Every template of the default theme, with random contexts built from the names it uses:
  /// strings that need escaping, booleans, numbers, lists and nested objects.
  @Test func defaultThemeTemplatesRenderAsTheReference() {
    let templates = DefaultTheme.files.filter { $0.key.hasPrefix("templates/") }.reduce(
      into: [String: String]()
    ) {
      $0[String($1.key.dropFirst("templates/".count).dropLast(".mustache".count))] = $1.value
    }
    let names = Set(templates.values.flatMap(Self.tagNames))
    var random = SeededRandom(seed: 7)
    for name in templates.keys.sorted() where name != "layout" {
      for _ in 0..<12 {
        let context = Self.randomContext(names: names, depth: 0, random: &random)
        let (reference, ours) = both(templates, context, main: name)
        #expect(ours != nil)
        #expect(ours == reference, "\(name)")
        if ours != reference { return }
      }
    }
  }

  /// Random templates from every kind of tag, blank and line break, with random contexts; both engines
  /// must give the same text, or both reject the template.
  @Test(arguments: [1, 2, 3])
  func randomTemplatesRenderAsTheReference(seed: UInt64) {
    var random = SeededRandom(seed: seed)
    let names = ["a", "b", "c", "a.b", "b.c", "."]
    var compared = 0
    for _ in 0..<400 {
      var templates: [String: String] = [:]
      // swift-mustache does not indent the lines of a partial after a "\r\n" (it compares Characters,
      // and "\r\n" is one); the spec and this engine do. So line breaks are "\r\n" only without partials.
      let crlf = random.next(4) == 0
      // main may include p and q, p only q, q nothing: partials must not recurse without end.
      templates["main"] = Self.randomTemplate(
        names: names, partials: crlf ? [] : ["p", "q", "none"], crlf: crlf, random: &random)
      templates["p"] = Self.randomTemplate(
        names: names, partials: ["q", "none"], crlf: false, random: &random)
      templates["q"] = Self.randomTemplate(names: names, partials: ["none"], crlf: false, random: &random)
      let context = Self.randomContext(names: Set(names), depth: 0, random: &random)
      let (reference, ours) = both(templates, context)
      #expect(
        (reference == nil) == (ours == nil), "accepted differently:\n\(templates["main"]!)\n---\n\(templates)"
      )
      if let reference, let ours {
        compared += 1
        #expect(ours == reference, "\(templates)")
        if ours != reference { return }
      }
    }
    #expect(compared > 200)
  }

  static func tagNames(_ template: String) -> [String] {
    let regex = try! NSRegularExpression(pattern: "\\{\\{[#^/&{]?\\s*([A-Za-z0-9_.?-]+)")
    let ns = template as NSString
    return regex.matches(in: template, range: NSRange(location: 0, length: ns.length)).map {
      ns.substring(with: $0.range(at: 1))
    }
  }

  static func randomContext(names: Set<String>, depth: Int, random: inout SeededRandom) -> [String: Any] {
    var context: [String: Any] = [:]
    let keys = Set(names.flatMap { $0.split(separator: ".").map(String.init) })
    // Deeper objects get few keys, or the contexts of the theme's 150 names would grow without measure.
    for key in keys.sorted() where random.next(depth == 0 ? 4 : keys.count) < (depth == 0 ? 3 : 4) {
      context[key] = randomValue(names: names, depth: depth, random: &random)
    }
    return context
  }

  static func randomValue(names: Set<String>, depth: Int, random: inout SeededRandom) -> Any {
    switch random.next(depth < 2 ? 8 : 4) {
    case 0: return ["", "x", "<a href=\"/\">Tõnu & 'Ülle'</a>", "rida\nteine", "  "][random.next(5)]
    case 1: return random.next(2) == 0
    case 2: return random.next(3)
    case 3: return ["x", "<y>"].prefix(random.next(3))
    case 4, 5:
      return (0..<random.next(3)).map { _ in randomContext(names: names, depth: depth + 1, random: &random) }
    default: return randomContext(names: names, depth: depth + 1, random: &random)
    }
  }

  static func randomTemplate(names: [String], partials: [String], crlf: Bool, random: inout SeededRandom)
    -> String
  {
    var out = ""
    var open: [String] = []
    for _ in 0..<random.next(24) {
      switch random.next(16) {
      case 0: out += "\n"
      case 1: out += "  "
      case 2: out += "\t"
      case 3: out += "text"
      case 4: out += crlf ? "\r\n" : "\n"
      case 5: out += "{{\(names[random.next(names.count)])}}"
      case 6: out += "{{{\(names[random.next(names.count)])}}}"
      case 7, 8:
        let name = names[random.next(names.count - 1)]
        out += random.next(2) == 0 ? "{{#\(name)}}" : "{{^\(name)}}"
        open.append(name)
      case 9, 10:
        if let name = open.popLast() { out += "{{/\(name)}}" }
      case 11: out += "{{! note }}"
      case 12: if !partials.isEmpty { out += "{{> \(partials[random.next(partials.count)])}}" }
      case 13:
        let block = ["b1", "b2"][random.next(2)]
        out += "{{$\(block)}}x{{/\(block)}}"
      case 14: out += "\n  {{#a}}\n"; open.append("a")
      default: out += "<p>"
      }
    }
    while let name = open.popLast() { out += "{{/\(name)}}" + (random.next(2) == 0 ? "\n" : "") }
    return out
  }
}

/// A small deterministic generator, so a failing case can be run again.
struct SeededRandom {
  var state: UInt64
  init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
  mutating func next(_ bound: Int) -> Int {
    state ^= state << 13
    state ^= state >> 7
    state ^= state << 17
    return Int(state % UInt64(max(bound, 1)))
  }
}
