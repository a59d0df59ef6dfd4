import Crypto
import Foundation
import Synchronization
import Yams

/// What loading a site folder produced: the site (when its settings and areas could be read) and every problem.
public struct LoadResult: Sendable {
  public var site: Site?
  public var diagnostics: [Diagnostic]
  /// SHA-256 (hex) of the exact bytes read from each content file, by site-relative path: what the
  /// site was built from, for cache keys.
  public var sourceDigests: [String: String] = [:]
  /// With a parse cache: what parsing each plan file gave, for the next load.
  public var parsed: ParseCache?
  /// With a parse cache: how many plan files were parsed (not taken from the cache).
  public var parsedPlans = 0
}

/// Lower-case hexadecimal of bytes, such as a digest.
public enum Hex {
  public static func string<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.underestimatedCount * 2)
    for b in bytes {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}

/// The digests of the files a load read, recorded from any core.
final class SourceDigests: Sendable {
  private let values = Mutex<[String: String]>([:])

  @discardableResult
  func record(_ rel: String, _ data: Data) -> String {
    let digest = Hex.string(SHA256.hash(data: data))
    values.withLock { $0[rel] = digest }
    return digest
  }

  var all: [String: String] { values.withLock { $0 } }
}

/// Reads `content/` of a site folder into a `Site`. Plans are parsed on all cores.
public struct ContentLoader: Sendable {
  public var siteDirectory: URL {
    didSet { sitePath = siteDirectory.path }
  }
  /// Whether to record the SHA-256 of every file read (`LoadResult.sourceDigests`), for build caches.
  public var recordsDigests: Bool
  private let digests = SourceDigests()

  /// What an earlier load parsed: plan files whose bytes are unchanged are not parsed again.
  /// Setting it (even to an empty cache) also makes `load()` return the cache for the next load.
  public var parseCache: ParseCache?

  public init(siteDirectory: URL, recordsDigests: Bool = false, parseCache: ParseCache? = nil) {
    self.siteDirectory = siteDirectory
    self.sitePath = siteDirectory.path
    self.recordsDigests = recordsDigests
    self.parseCache = parseCache
  }

  private var content: URL { siteDirectory.appendingPathComponent("content") }
  /// `siteDirectory` as a path, for reading each file without URL work.
  private var sitePath: String

  /// Loads and checks everything; diagnostics are sorted by file and position.
  public func load() -> LoadResult {
    var diagnostics: [Diagnostic] = []
    let fm = FileManager.default
    var isDir: ObjCBool = false
    guard fm.fileExists(atPath: content.path, isDirectory: &isDir), isDir.boolValue else {
      return LoadResult(
        site: nil,
        diagnostics: [
          .error(
            "content", .start,
            "there is no content/ folder in \(siteDirectory.path): run kaasa in the site folder or pass --site DIR"
          )
        ])
    }

    let settings = loadYAML("content/site.yml", &diagnostics, Decoding.settings)
    let municipalities = loadYAML("content/areas.yml", &diagnostics, Decoding.municipalities)

    if let settings, settings.theme != "default" || fm.fileExists(atPath: themesDirectory.path) {
      let themePath = themesDirectory.appendingPathComponent(settings.theme).path
      if !fm.fileExists(atPath: themePath, isDirectory: &isDir) || !isDir.boolValue {
        let available = (try? fm.contentsOfDirectory(atPath: themesDirectory.path))?.sorted() ?? []
        diagnostics.append(
          .error(
            "content/site.yml", themeLine(),
            "unknown theme '\(settings.theme)': there is no folder themes/\(settings.theme).\(Suggestion.hint(for: settings.theme, in: available)) Available: \(available.isEmpty ? "none" : available.joined(separator: ", "))"
          ))
      }
    }

    let planFiles = markdownFiles(under: "plans", recursive: true)
    let pageFiles = markdownFiles(under: "pages", recursive: false)
    var reusePlan: (@Sendable (String, String) -> (Plan?, [Diagnostic])?)?
    if let entries = parseCache?.entries {
      reusePlan = { rel, digest in
        guard let entry = entries[rel], entry.digest == digest else { return nil }
        return (entry.plan, entry.diagnostics)
      }
    }
    let plans: (values: [Plan], diagnostics: [Diagnostic], results: [FileResult<Plan>]) = parseInParallel(
      planFiles, reuse: reusePlan
    ) { rel, document, reader in
      Decoding.plan(reader, reader.compose(document.yaml), id: Self.stem(rel), file: rel, document: document)
    }
    var parsed: ParseCache?
    if parseCache != nil {
      var next = ParseCache()
      for (rel, result) in zip(planFiles, plans.results) {
        guard let digest = result.digest else { continue }
        next.entries[rel] = ParseCache.Entry(
          digest: digest, plan: result.value, diagnostics: result.diagnostics)
      }
      parsed = next
    }
    let parsedPlans = plans.results.count { !$0.reused }
    let pages = parseInParallel(pageFiles) { rel, document, reader in
      Decoding.page(
        reader, reader.compose(document.yaml), slug: Self.stem(rel), file: rel, document: document)
    }
    diagnostics += plans.diagnostics + pages.diagnostics
    let files = listFiles()

    guard let settings, let municipalities else {
      return LoadResult(site: nil, diagnostics: diagnostics.sorted(), sourceDigests: digests.all)
    }
    let site = Site(
      settings: settings, municipalities: municipalities,
      plans: plans.values.sorted { $0.id != $1.id ? $0.id < $1.id : $0.file < $1.file },
      pages: pages.values.sorted { ($0.weight, $0.slug) < ($1.weight, $1.slug) },
      files: files)
    diagnostics += SiteChecker.check(site, planFiles: planFiles, pageFiles: pageFiles)
    return LoadResult(
      site: site, diagnostics: diagnostics.sorted(), sourceDigests: digests.all, parsed: parsed,
      parsedPlans: parsedPlans)
  }

  var themesDirectory: URL { siteDirectory.appendingPathComponent("themes") }

  private func themeLine() -> SourcePosition {
    guard let text = try? String(contentsOf: content.appendingPathComponent("site.yml"), encoding: .utf8)
    else {
      return .start
    }
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    where line.hasPrefix("theme:") {
      return SourcePosition(line: i + 1, column: 8)
    }
    return .start
  }

  static func stem(_ relativePath: String) -> String {
    let name = relativePath.split(separator: "/").last.map(String.init) ?? relativePath
    return name.hasSuffix(".md") ? String(name.dropLast(3)) : name
  }

  private func read(_ rel: String) -> Result<SourceText, Diagnostic> {
    readBytes(rel).flatMap { SourceText.decode($0.data, file: rel) }
  }

  /// The file's bytes, and their digest when digests are recorded or a parse cache is in use.
  private func readBytes(_ rel: String) -> Result<(data: Data, digest: String?), Diagnostic> {
    // Paths as strings: URL.appendingPathComponent cost more than reading the file.
    guard let data = FileManager.default.contents(atPath: sitePath + "/" + rel)
    else {
      return .failure(.error(rel, .start, "cannot read the file: check that it exists and can be read"))
    }
    let digest = recordsDigests || parseCache != nil ? digests.record(rel, data) : nil
    return .success((data, digest))
  }

  private func loadYAML<T>(
    _ rel: String, _ diagnostics: inout [Diagnostic], _ decode: (YAMLReader, Node?) -> T?
  ) -> T? {
    guard FileManager.default.fileExists(atPath: siteDirectory.appendingPathComponent(rel).path) else {
      diagnostics.append(
        .error(rel, .start, "\(rel) is missing: every site needs it (see the content format in README)"))
      return nil
    }
    switch read(rel) {
    case .failure(let d):
      diagnostics.append(d)
      return nil
    case .success(let source):
      let reader = YAMLReader(file: rel)
      let value = decode(reader, reader.compose(source.text))
      diagnostics += reader.diagnostics
      return value
    }
  }

  /// Site-relative paths of `.md` files under `content/<folder>`, sorted.
  func markdownFiles(under folder: String, recursive: Bool) -> [String] {
    let base = content.appendingPathComponent(folder)
    return walk(base, recursive: recursive).filter { $0.hasSuffix(".md") }.map { "content/\(folder)/\($0)" }
      .sorted()
  }

  private func listFiles() -> [String] {
    walk(content.appendingPathComponent("files"), recursive: true).sorted()
  }

  /// Relative paths of regular files below `base`; hidden files are skipped.
  private func walk(_ base: URL, recursive: Bool) -> [String] { walk(base.path, recursive: recursive) }

  private func walk(_ base: String, recursive: Bool) -> [String] {
    let fm = FileManager.default
    guard let names = try? fm.contentsOfDirectory(atPath: base) else { return [] }
    var out: [String] = []
    for name in names.sorted() where !name.hasPrefix(".") {
      var isDir: ObjCBool = false
      let full = base + "/" + name
      guard fm.fileExists(atPath: full, isDirectory: &isDir) else { continue }
      if isDir.boolValue {
        if recursive { out += walk(full, recursive: true).map { "\(name)/\($0)" } }
      } else {
        out.append(name)
      }
    }
    return out
  }

  /// What reading and parsing one file gave.
  struct FileResult<T: Sendable>: Sendable {
    var value: T?
    var diagnostics: [Diagnostic]
    var digest: String?
    var reused = false
  }

  /// Reads and parses `files` on all cores. `reuse`, given a file and the digest of its bytes, may
  /// answer from an earlier parse instead.
  private func parseInParallel<T: Sendable>(
    _ files: [String], reuse: (@Sendable (String, String) -> (T?, [Diagnostic])?)? = nil,
    _ decode: @escaping @Sendable (String, FrontMatterDocument, YAMLReader) -> T?
  ) -> (values: [T], diagnostics: [Diagnostic], results: [FileResult<T>]) {
    let slots = Mutex<[FileResult<T>]>(Array(repeating: FileResult(diagnostics: []), count: files.count))
    let chunk = max(1, files.count / (ProcessInfo.processInfo.activeProcessorCount * 8))
    let chunks = (files.count + chunk - 1) / chunk
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      var done: [(Int, FileResult<T>)] = []
      for i in (c * chunk)..<min(files.count, (c + 1) * chunk) {
        let rel = files[i]
        var result = FileResult<T>(diagnostics: [])
        switch readBytes(rel) {
        case .failure(let d):
          result.diagnostics = [d]
        case .success(let (data, digest)):
          result.digest = digest
          if let digest, let (value, diagnostics) = reuse?(rel, digest) {
            result.value = value
            result.diagnostics = diagnostics
            result.reused = true
            break
          }
          switch SourceText.decode(data, file: rel).flatMap({ FrontMatterDocument.split($0.text, file: rel) })
          {
          case .failure(let d):
            result.diagnostics = [d]
          case .success(let document):
            let reader = YAMLReader(file: rel, lineOffset: 1)
            result.value = decode(rel, document, reader)
            result.diagnostics = reader.diagnostics
          }
        }
        done.append((i, result))
      }
      slots.withLock { for (i, r) in done { $0[i] = r } }
    }
    let all = slots.withLock { $0 }
    return (all.compactMap(\.value), all.flatMap(\.diagnostics), all)
  }

}
