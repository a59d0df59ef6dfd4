import Foundation
import KaasaCore
import Synchronization

/// What a long-running process (`kaasa serve`) keeps between builds of one site into one output:
/// the parse cache and the build cache. A rebuild then neither reads them from disk nor waits while
/// they are written; they are written afterwards by `flush()`, once the new pages are out, so the
/// next process starts warm.
///
/// The rule of the build cache still holds: before a build replaces files, the cache on disk that
/// describes the old ones is removed at once; only `flush()` writes the new one.
public final class BuildMemory: Sendable {
  private struct State {
    var parse: ParseCache?
    var build: BuildCache?
    var lists: ListsCache?
    var unsavedParse: (cache: ParseCache, file: URL)?
    var unsavedBuild: (cache: BuildCache, file: URL)?
    var unsavedLists: (lists: ListsCache, file: URL)?
  }
  private let state = Mutex(State())

  public init() {}

  var parse: ParseCache? { state.withLock { $0.parse } }
  var build: BuildCache? { state.withLock { $0.build } }
  var lists: ListsCache? { state.withLock { $0.lists } }

  /// What the last load parsed; written to `file` by the next flush when `save` is set.
  func keep(_ parsed: ParseCache, save file: URL?) {
    state.withLock {
      $0.parse = parsed
      if let file { $0.unsavedParse = (parsed, file) }
    }
  }

  /// Forgets the build cache: the output is about to change. Lists waiting to be written stay: the
  /// next cache may name them.
  func forgetBuild() {
    state.withLock {
      $0.build = nil
      $0.unsavedBuild = nil
    }
  }

  /// Lists read from disk, as they are there.
  func keep(lists: ListsCache) { state.withLock { $0.lists = lists } }

  /// The cache describing the output now, with its lists when they changed; written to the files
  /// of `save` by the next flush.
  func keep(_ cache: BuildCache, lists: ListsCache?, save files: (cache: URL, lists: URL)?) {
    state.withLock {
      $0.build = cache
      if let lists { $0.lists = lists }
      if let files {
        $0.unsavedBuild = (cache, files.cache)
        if let lists { $0.unsavedLists = (lists, files.lists) }
      }
    }
  }

  /// Writes what changed since the last flush.
  public func flush() {
    let (parse, build, lists) = state.withLock { s in
      defer {
        s.unsavedParse = nil
        s.unsavedBuild = nil
        s.unsavedLists = nil
      }
      return (s.unsavedParse, s.unsavedBuild, s.unsavedLists)
    }
    parse.map { $0.cache.save(to: $0.file) }
    // The lists first: the cache names them.
    lists.map { $0.lists.save(to: $0.file) }
    build.map { $0.cache.save(to: $0.file) }
  }
}
