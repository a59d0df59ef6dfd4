import Foundation

/// What the repository's history says about each plan; empty when the site is not in git.
public struct SiteHistory: Sendable {
  /// By the plan's file path relative to the site folder.
  public var plans: [String: PlanHistory]

  public init(plans: [String: PlanHistory]) {
    self.plans = plans
  }

  public static let none = SiteHistory(plans: [:])
}

/// The commits that touched one plan file, oldest first, and how its timeline entries changed.
public struct PlanHistory: Sendable {
  public var commits: [Commit]
  /// By entry key.
  public var entries: [String: EntryRevision]

  public init(commits: [Commit], entries: [String: EntryRevision]) {
    self.commits = commits
    self.entries = entries
  }

  public var published: Date? { commits.first?.date }
  public var updated: Date? { commits.last?.date }
}

/// One commit, as shown in a plan's history.
public struct Commit: Sendable, Hashable {
  public var hash: String
  public var date: Date
  public var subject: String
  /// The plan's path in that commit (plans may be moved between folders).
  public var path: String

  public init(hash: String, date: Date, subject: String, path: String) {
    self.hash = hash
    self.date = date
    self.subject = subject
    self.path = path
  }
}

/// How often a timeline entry's date, end, location or status changed, and when it last did.
public struct EntryRevision: Sendable, Hashable {
  public var sequence: Int
  public var lastModified: Date

  public init(sequence: Int, lastModified: Date) {
    self.sequence = sequence
    self.lastModified = lastModified
  }
}
