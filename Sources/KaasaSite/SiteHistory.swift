import Foundation

/// What the repository's history says about each plan; empty when the site is not in git.
public struct SiteHistory: Sendable {
  /// By the plan's file path relative to the site folder.
  public var plans: [String: PlanHistory]
  /// The site folder's path inside the repository ("" at its root, else ending in "/"), for forge links.
  public var pathInRepository: String
  /// What the build could not know, said once (no git, a shallow clone, uncommitted plans).
  public var notes: [String]

  public init(plans: [String: PlanHistory], pathInRepository: String = "", notes: [String] = []) {
    self.plans = plans
    self.pathInRepository = pathInRepository
    self.notes = notes
  }

  public static let none = SiteHistory(plans: [:])
}

/// The commits that touched one plan file, oldest first, and how its timeline entries changed.
public struct PlanHistory: Sendable {
  public var commits: [Commit]
  /// By entry key.
  public var entries: [String: EntryRevision]
  /// The first commit in which the plan was not a draft, when that is not the first commit.
  public var firstPublished: Date?

  public init(commits: [Commit], entries: [String: EntryRevision], firstPublished: Date? = nil) {
    self.commits = commits
    self.entries = entries
    self.firstPublished = firstPublished
  }

  public var published: Date? { firstPublished ?? commits.first?.date }
  public var updated: Date? { commits.last?.date }
}

/// One commit, as shown in a plan's history.
public struct Commit: Sendable, Hashable {
  public var hash: String
  public var date: Date
  public var subject: String
  /// The plan's path in that commit, relative to the repository (plans may be moved between folders).
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
