import Foundation
import KaasaCore
import Synchronization

/// Reads what the repository's history says about each plan, with a fixed number of `git` processes
/// whatever the number of plans: `rev-parse` (where the site sits, whether the clone is shallow, HEAD),
/// one `log` of the commits, and one `cat-file --batch` for the plan versions they contain.
///
/// Choices, so the build of one commit is the same everywhere:
/// - Only the first-parent line of HEAD counts: the states the main branch went through, which are the
///   states that were published. A change made on a branch is dated when it was merged, and a merge
///   commit is listed with its pull or merge request's title.
/// - A commit's date is the committer date: when the change reached the branch (a web-UI merge or a
///   rebase sets it), not when someone first wrote it.
/// - A plan is followed by its id (the file name), so moving it to another folder keeps its history.
///   A plan deleted and added again keeps its history too, so calendar SEQUENCE never goes back.
/// - The page shows committed history; uncommitted changes in the working copy count for SEQUENCE as
///   one more version, dated at the plan's latest commit (never the clock).
/// - A shallow clone, a folder outside git, or a machine without git gives no history and one note.
///
/// What the history says up to HEAD is kept in a cache folder, so the next build reads only the new
/// commits; a cache that does not lead to HEAD (a rewritten history) is ignored. A build gives the same
/// bytes with or without the cache.
public enum GitHistory {
  /// The history of every plan of `site`; `SiteHistory.none` with a note when git cannot say.
  public static func read(siteDirectory: URL, site: Site, cache: URL? = nil) -> SiteHistory {
    start(siteDirectory: siteDirectory, cache: cache).history(for: site)
  }

  /// Starts reading the history in the background, so git works while the content loads.
  public static func start(siteDirectory: URL, cache: URL? = nil) -> PendingHistory {
    let pending = PendingHistory()
    DispatchQueue.global(qos: .userInitiated).async {
      let began = DispatchTime.now().uptimeNanoseconds
      let result = committed(siteDirectory: siteDirectory, cache: cache)
      pending.finish(result, seconds: Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9)
    }
    return pending
  }

  /// Everything the commits say, independent of the working copy; or why git cannot say it.
  static func committed(siteDirectory: URL, cache: URL?) -> Result<CommittedHistory, Unknown> {
    guard let git = Git.locate() else {
      return .failure(Unknown("git is not installed (there is no git on the PATH)"))
    }
    let whereabouts: Git.Output
    do {
      whereabouts = try git.run(
        ["rev-parse", "--show-prefix", "--is-shallow-repository", "HEAD"], in: siteDirectory)
    } catch {
      return .failure(Unknown("git could not be started (\(error))"))
    }
    guard whereabouts.status == 0 else { return .failure(Unknown(reason(whereabouts.errorText))) }
    // Three lines: the prefix (empty at the repository's root), true/false, the HEAD commit.
    let answers = String(decoding: whereabouts.stdout, as: UTF8.self).split(
      separator: "\n", omittingEmptySubsequences: false)
    guard answers.count >= 3 else { return .failure(Unknown("git rev-parse answered unexpectedly")) }
    let prefix = String(answers[0])
    let head = String(answers[2])
    if answers[1] == "true" {
      return .failure(
        Unknown(
          "the repository is a shallow clone, so the history is incomplete (fetch the whole history: fetch-depth: 0 in GitHub Actions, GIT_DEPTH: 0 in GitLab CI)"
        ))
    }

    var history = CommittedHistory(head: "", prefix: prefix)
    if let cache, let cached = HistoryCache.load(from: cache), cached.prefix == prefix {
      history = cached
    }
    if history.head == head { return .success(history) }

    // Every commit, not only those under content/plans: with a path, git compares every tree twice.
    func log(from start: String?) throws -> Git.Output {
      try git.run(
        [
          "-c", "log.showSignature=false", "-c", "diff.relative=false", "-c", "core.quotePath=false",
          "log", "-m", "--first-parent", "--reverse", "--no-renames", "--raw", "--no-abbrev", "-z",
          "--no-color", "--format=%x01%H%x00%ct%x00%P%x00%B", start.map { "\($0)..\(head)" } ?? head,
        ], in: siteDirectory)
    }
    var commits: [LogCommit]
    do {
      let start = history.head.isEmpty ? nil : history.head
      var output = try log(from: start)
      commits = output.status == 0 ? LogParser.parse(output.stdout) : []
      // The cache leads to HEAD only when the first new commit follows the cached one.
      if start != nil, output.status != 0 || commits.first?.firstParent != start {
        history = CommittedHistory(head: "", prefix: prefix)
        output = try log(from: nil)
        commits = LogParser.parse(output.stdout)
      }
      guard output.status == 0 else {
        return .failure(Unknown("git log failed: \(output.errorText.firstLine)"))
      }
    } catch {
      return .failure(Unknown("git could not be started (\(error))"))
    }

    let changes = history.changes(in: commits)
    var facts: [String: CalendarFacts] = [:]
    if !changes.blobs.isEmpty {
      let contents: Git.Output
      do {
        let input = Array(changes.blobs.joined(separator: "\n").utf8) + [10]
        contents = try git.run(["cat-file", "--batch", "--buffer"], in: siteDirectory, input: input)
      } catch {
        return .failure(Unknown("git could not be started (\(error))"))
      }
      guard contents.status == 0 else {
        return .failure(Unknown("git cat-file failed: \(contents.errorText.firstLine)"))
      }
      facts = readFacts(contents.stdout)
    }
    history.apply(changes, facts: facts)
    history.head = head
    if let cache { HistoryCache.save(history, to: cache) }
    return .success(history)
  }

  /// Why there is no history, in the words the build prints once.
  struct Unknown: Error {
    var note: String

    init(_ why: String) {
      note =
        "\(why); plan pages show no change history, publication dates come from the timelines and calendar SEQUENCE stays 0"
    }
  }

  static func reason(_ stderr: String) -> String {
    let text = stderr.lowercased()
    if text.contains("not a git repository") { return "content/ is not in a git repository" }
    if text.contains("dubious ownership") {
      return
        "git refuses to read the repository because another user owns it (run: git config --global --add safe.directory '*')"
    }
    if text.contains("unknown revision") || text.contains("ambiguous argument 'head'") {
      return "the git repository has no commits yet"
    }
    return "git could not read the repository: \(stderr.firstLine)"
  }

  /// Parses the versions on all cores; each worker keeps its own memory of title slugs.
  static func readFacts(_ output: [UInt8]) -> [String: CalendarFacts] {
    let records = BatchParser.records(output)
    let slots = Mutex<[CalendarFacts?]>(Array(repeating: nil, count: records.count))
    let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    let chunk = max(64, (records.count + workers * 8 - 1) / (workers * 8))
    let chunks = (records.count + chunk - 1) / chunk
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      let range = (c * chunk)..<min(records.count, (c + 1) * chunk)
      var slugs: [String: String] = [:]
      var local: [CalendarFacts?] = []
      local.reserveCapacity(range.count)
      output.withUnsafeBufferPointer { all in
        for i in range {
          local.append(
            CalendarFacts.read(UnsafeBufferPointer(rebasing: all[records[i].content]), slugs: &slugs))
        }
      }
      slots.withLock { s in
        for (k, i) in range.enumerated() { s[i] = local[k] }
      }
    }
    let parsed = slots.withLock { $0 }
    var out: [String: CalendarFacts] = [:]
    out.reserveCapacity(records.count)
    for (record, f) in zip(records, parsed) where f != nil { out[record.oid] = f }
    return out
  }
}

/// History being read in the background; `history(for:)` waits for it.
public final class PendingHistory: Sendable {
  private let done = DispatchSemaphore(value: 0)
  private let result = Mutex<Result<CommittedHistory, GitHistory.Unknown>?>(nil)
  private let duration = Mutex<Double?>(nil)

  init() {}

  func finish(_ value: Result<CommittedHistory, GitHistory.Unknown>, seconds: Double) {
    result.withLock { $0 = value }
    if case .success = value { duration.withLock { $0 = seconds } }
    done.signal()
  }

  /// How long reading the commits took (it runs while the content loads); nil without history.
  /// For the tool's report only: nothing in the built site depends on it.
  public var seconds: Double? {
    done.wait()
    done.signal()
    return duration.withLock { $0 }
  }

  /// The history of the plans of `site`, with the working copy counted; waits until git is done.
  public func history(for site: Site) -> SiteHistory {
    done.wait()
    done.signal()
    guard !site.plans.isEmpty else { return .none }
    switch result.withLock({ $0 })! {
    case .failure(let unknown): return SiteHistory(plans: [:], notes: [unknown.note])
    case .success(let committed): return committed.history(for: site)
    }
  }
}

/// What the commits up to `head` say about every plan id that ever existed.
struct CommittedHistory: Sendable {
  var head: String
  var prefix: String
  /// Commits that touched a plan, oldest first.
  var commits: [CommitInfo] = []
  /// By plan id.
  var plans: [String: PlanState] = [:]

  struct CommitInfo: Sendable, Hashable {
    var hash: String
    var time: Int64
    var subject: String
  }

  struct PlanState: Sendable {
    /// Index into `commits`, and the plan's path then (relative to the repository).
    var events: [(commit: Int, path: String)] = []
    var revisions = Revisions()
    /// The first commit in which the plan was not a draft.
    var published: Int64?
  }

  /// The plan changes of new commits, in order, and the blobs to read for them.
  struct Changes {
    var commits: [(info: CommitInfo, events: [(id: String, path: String, blob: String?)])] = []
    var blobs: [String] = []
  }

  func changes(in log: [LogCommit]) -> Changes {
    let plansFolder = prefix + "content/plans/"
    var out = Changes()
    var seen = Set<String>()
    for commit in log {
      var touched: [String: (path: String, blob: String?)] = [:]
      for change in commit.changes {
        guard let id = Self.planID(change.path, under: plansFolder) else { continue }
        // A move is a deletion and an addition in one commit: keep the version that exists.
        if let earlier = touched[id], earlier.blob != nil, change.blob == nil || earlier.path < change.path {
          continue
        }
        touched[id] = (change.path, change.blob)
      }
      guard !touched.isEmpty else { continue }
      let events = touched.keys.sorted().map { (id: $0, path: touched[$0]!.path, blob: touched[$0]!.blob) }
      for e in events { if let b = e.blob, seen.insert(b).inserted { out.blobs.append(b) } }
      out.commits.append(
        (CommitInfo(hash: commit.hash, time: commit.time, subject: commit.subject), events))
    }
    return out
  }

  mutating func apply(_ changes: Changes, facts: [String: CalendarFacts]) {
    for (info, events) in changes.commits {
      let index = commits.count
      commits.append(info)
      let date = Date(timeIntervalSince1970: TimeInterval(info.time))
      for e in events {
        var state = plans[e.id] ?? PlanState()
        state.events.append((index, e.path))
        if let blob = e.blob, let f = facts[blob] {
          if state.published == nil, !f.draft { state.published = info.time }
          state.revisions.add(f, at: date)
        }
        plans[e.id] = state
      }
    }
  }

  /// The plan's id when `path` is a plan file below `plansFolder`, as the loader finds them: `.md`
  /// files, no hidden files or folders.
  static func planID(_ path: String, under plansFolder: String) -> String? {
    guard path.hasPrefix(plansFolder), path.hasSuffix(".md") else { return nil }
    let parts = path.dropFirst(plansFolder.count).split(separator: "/")
    guard let name = parts.last, !parts.contains(where: { $0.hasPrefix(".") }) else { return nil }
    return String(name.dropLast(3))
  }

  /// The history of the plans of `site`, by file, with each plan's working copy as its last version.
  func history(for site: Site) -> SiteHistory {
    var result: [String: PlanHistory] = [:]
    var uncommitted: [String] = []
    for plan in site.plans {
      guard let state = plans[plan.id], let last = state.events.last else {
        uncommitted.append(plan.file)
        continue
      }
      let list = state.events.map { e in
        let c = commits[e.commit]
        return Commit(
          hash: c.hash, date: Date(timeIntervalSince1970: TimeInterval(c.time)), subject: c.subject,
          path: e.path)
      }
      var revisions = state.revisions
      revisions.add(
        CalendarFacts(plan: plan), at: Date(timeIntervalSince1970: TimeInterval(commits[last.commit].time)))
      result[plan.file] = PlanHistory(
        commits: list, entries: revisions.entries,
        firstPublished: state.published.map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }
    var notes: [String] = []
    if !uncommitted.isEmpty {
      let shown = uncommitted.prefix(3).joined(separator: ", ") + (uncommitted.count > 3 ? ", …" : "")
      notes.append(
        "\(uncommitted.count == 1 ? "1 plan is" : "\(uncommitted.count) plans are") not committed yet (\(shown)): their pages show no change history and take their dates from the timeline"
      )
    }
    return SiteHistory(plans: result, pathInRepository: prefix, notes: notes)
  }
}

/// How an entry's date, end, location and status changed over the versions of one plan.
struct Revisions: Sendable {
  struct State<Value: Hashable & Sendable>: Sendable {
    var value: Value
    var sequence: Int
    var lastModified: Date
  }

  var states: [String: State<EntryVersion>] = [:]
  var feedback: State<FeedbackVersion>?

  /// Counts a version: an entry seen for the first time starts at 0, each change of its facts adds 1.
  mutating func add(_ facts: CalendarFacts, at date: Date) {
    for (key, e) in facts.entries {
      Self.update(&states[key], EntryVersion(facts: e, status: facts.status), at: date)
    }
    if let f = facts.feedback {
      Self.update(&feedback, FeedbackVersion(window: f, status: facts.status), at: date)
    }
  }

  private static func update<V>(_ state: inout State<V>?, _ value: V, at date: Date) {
    guard var s = state else {
      state = State(value: value, sequence: 0, lastModified: date)
      return
    }
    guard s.value != value else { return }
    s.value = value
    s.sequence += 1
    s.lastModified = date
    state = s
  }

  /// By entry key; the feedback window under "feedback", as the calendar looks it up. An entry keyed
  /// "feedback" shares that calendar UID, so the two take the higher count.
  var entries: [String: EntryRevision] {
    var out = states.mapValues { EntryRevision(sequence: $0.sequence, lastModified: $0.lastModified) }
    if let f = feedback {
      let window = EntryRevision(sequence: f.sequence, lastModified: f.lastModified)
      if let entry = out["feedback"] {
        out["feedback"] = EntryRevision(
          sequence: max(entry.sequence, window.sequence),
          lastModified: max(entry.lastModified, window.lastModified))
      } else {
        out["feedback"] = window
      }
    }
    return out
  }
}

/// What a calendar event of a timeline entry shows that clients must notice when it changes.
struct EntryVersion: Hashable, Sendable {
  var facts: EntryFacts
  var status: Stage?
}

/// The same for the feedback window's event.
struct FeedbackVersion: Hashable, Sendable {
  var window: FeedbackWindow
  var status: Stage?
}

extension String {
  var firstLine: String {
    split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
  }
}
