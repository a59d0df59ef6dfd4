import Foundation
import GRDB

/// A submission that passed every check, ready to be stored.
public struct NewFeedback: Sendable, Hashable {
  public var planID: String
  public var municipality: String
  public var municipalityName: String
  public var village: String?
  public var villageName: String?
  public var message: String
  public var name: String?
  public var email: String?
  public var receivedAt: Date
  /// Reference prefix and year, decided by the caller from the site's settings.
  public var referencePrefix: String
  public var referenceYear: Int

  public init(
    planID: String, municipality: String, municipalityName: String, village: String? = nil,
    villageName: String? = nil, message: String, name: String? = nil, email: String? = nil, receivedAt: Date,
    referencePrefix: String, referenceYear: Int
  ) {
    self.planID = planID
    self.municipality = municipality
    self.municipalityName = municipalityName
    self.village = village
    self.villageName = villageName
    self.message = message
    self.name = name
    self.email = email
    self.receivedAt = receivedAt
    self.referencePrefix = referencePrefix
    self.referenceYear = referenceYear
  }
}

/// A stored submission, as officials export it.
public struct StoredFeedback: Sendable, Hashable, Codable {
  public var reference: String
  public var plan: String
  public var municipality: String
  public var municipalityName: String
  public var village: String?
  public var villageName: String?
  public var message: String
  public var name: String?
  public var email: String?
  /// UTC, ISO 8601 with milliseconds.
  public var receivedAt: String
}

/// Why a submission could not be stored.
public enum FeedbackStoreError: Error, Sendable, CustomStringConvertible {
  case missingDatabase(String)
  case overloaded
  case database(String)

  public var description: String {
    switch self {
    case .missingDatabase(let path): return "there is no feedback database at \(path)"
    case .overloaded: return "too many submissions are waiting to be written"
    case .database(let why): return "the feedback database failed: \(why)"
    }
  }
}

/// The SQLite file with the feedback: WAL, `synchronous=FULL`, one writer that commits in groups.
///
/// Each `save` returns only after the transaction holding its row has committed, so an acknowledged
/// submission survives a crash or power cut. Submissions that arrive while a commit is in progress are
/// written together in the next transaction, which is what keeps up with many residents at once:
/// one fsync serves a whole group. Each row gets its own savepoint, so one failing row fails alone.
public final class FeedbackStore: Sendable {
  private enum Job: Sendable {
    case real(NewFeedback)
    case spam(NewFeedback, honeypot: String)
  }

  private struct Pending {
    var jobs: [(Job, CheckedContinuation<FeedbackReference, any Error>)] = []
    var flushing = false
  }

  private let database: DatabaseQueue
  private let pending = Locked(Pending())
  /// Past this many waiting submissions new ones are refused rather than queued without bound.
  private let maximumPending: Int

  /// Opens (creating if needed) the database at `path` and brings its tables up to date.
  public init(path: String, maximumPending: Int = 20_000) throws {
    self.maximumPending = maximumPending
    database = try DatabaseQueue(path: path, configuration: FeedbackStore.configuration(readonly: false))
    try FeedbackStore.migrator.migrate(database)
  }

  /// Opens an existing database for reading, as `kaasa feedback export` does; never creates one.
  public static func openForExport(path: String) throws -> FeedbackStore {
    guard FileManager.default.fileExists(atPath: path) else { throw FeedbackStoreError.missingDatabase(path) }
    return try FeedbackStore(path: path)
  }

  private static func configuration(readonly: Bool) -> Configuration {
    var config = Configuration()
    config.label = "kaasa-feedback"
    config.journalMode = .wal
    config.busyMode = .timeout(10)
    config.readonly = readonly
    config.prepareDatabase { db in
      // In WAL mode FULL syncs the log at every commit: an acknowledged submission is on disk.
      try db.execute(sql: "PRAGMA synchronous = FULL")
    }
    return config
  }

  private static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      try db.execute(
        sql: """
          CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL UNIQUE,
            plan_id TEXT NOT NULL,
            municipality TEXT NOT NULL,
            municipality_name TEXT NOT NULL,
            village TEXT,
            village_name TEXT,
            message TEXT NOT NULL,
            name TEXT,
            email TEXT,
            received_at TEXT NOT NULL
          );
          CREATE INDEX feedback_by_plan ON feedback(plan_id, received_at);
          CREATE INDEX feedback_by_time ON feedback(received_at);
          CREATE TABLE reference_counter (
            prefix TEXT NOT NULL,
            year INTEGER NOT NULL,
            last INTEGER NOT NULL,
            PRIMARY KEY (prefix, year)
          ) WITHOUT ROWID;
          -- Submissions that filled the honeypot: kept apart so they never mix with real feedback,
          -- and kept at all so a person caught by mistake can still be found.
          CREATE TABLE spam (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL,
            plan_id TEXT NOT NULL,
            municipality TEXT NOT NULL,
            municipality_name TEXT NOT NULL,
            village TEXT,
            village_name TEXT,
            message TEXT NOT NULL,
            name TEXT,
            email TEXT,
            website TEXT NOT NULL,
            received_at TEXT NOT NULL
          );
          CREATE TABLE setting (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
          ) WITHOUT ROWID;
          """)
    }
    return migrator
  }

  // MARK: Writing

  /// Stores a submission and returns its reference once the row is committed.
  public func save(_ feedback: NewFeedback) async throws -> FeedbackReference {
    try await enqueue(.real(feedback))
  }

  /// Stores a honeypot submission in the spam table and returns a reference that looks like a real one.
  public func saveSpam(_ feedback: NewFeedback, honeypot: String) async throws -> FeedbackReference {
    try await enqueue(.spam(feedback, honeypot: honeypot))
  }

  /// Remembers the site's time zone so that export can show local times without the site.
  public func rememberTimeZone(_ zone: TimeZone) throws {
    try database.write { db in
      try db.execute(
        sql:
          "INSERT INTO setting(key, value) VALUES('time_zone', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        arguments: [zone.identifier])
    }
  }

  private func enqueue(_ job: Job) async throws -> FeedbackReference {
    try await withCheckedThrowingContinuation { continuation in
      let outcome: (start: Bool, refused: Bool) = pending.withLock { p in
        if p.jobs.count >= maximumPending { return (false, true) }
        p.jobs.append((job, continuation))
        if p.flushing { return (false, false) }
        p.flushing = true
        return (true, false)
      }
      if outcome.refused {
        continuation.resume(throwing: FeedbackStoreError.overloaded)
      } else if outcome.start {
        Task { await self.flush() }
      }
    }
  }

  /// Writes whatever is waiting, one transaction per round, until nothing is left.
  private func flush() async {
    while true {
      let batch = pending.withLock { p in
        let jobs = p.jobs
        p.jobs = []
        if jobs.isEmpty { p.flushing = false }
        return jobs
      }
      if batch.isEmpty { return }
      let jobs = batch.map(\.0)
      do {
        let results = try await database.writeWithoutTransaction { db in
          var results: [Result<FeedbackReference, FeedbackStoreError>] = []
          results.reserveCapacity(jobs.count)
          try db.inTransaction(.immediate) {
            for job in jobs {
              do {
                var reference: FeedbackReference?
                try db.inSavepoint {
                  reference = try FeedbackStore.insert(job, db)
                  return .commit
                }
                results.append(.success(reference!))
              } catch {
                results.append(.failure(.database(String(describing: error))))
              }
            }
            return .commit
          }
          return results
        }
        // Only now, after COMMIT returned, is anyone told that their submission is stored.
        for ((_, continuation), result) in zip(batch, results) {
          continuation.resume(with: result.mapError { $0 as any Error })
        }
      } catch {
        for (_, continuation) in batch {
          continuation.resume(throwing: FeedbackStoreError.database(String(describing: error)))
        }
      }
    }
  }

  private static func insert(_ job: Job, _ db: Database) throws -> FeedbackReference {
    switch job {
    case .real(let f):
      let last = try Int.fetchOne(
        db.cachedStatement(
          sql: """
            INSERT INTO reference_counter(prefix, year, last) VALUES(?, ?, 1)
            ON CONFLICT(prefix, year) DO UPDATE SET last = last + 1
            RETURNING last
            """),
        arguments: [f.referencePrefix, f.referenceYear])!
      let reference = FeedbackReference(prefix: f.referencePrefix, year: f.referenceYear, sequence: last)
      try db.cachedStatement(
        sql: """
          INSERT INTO feedback(reference, plan_id, municipality, municipality_name, village, village_name,
            message, name, email, received_at)
          VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """
      ).execute(arguments: [
        reference.description, f.planID, f.municipality, f.municipalityName, f.village, f.villageName,
        f.message, f.name, f.email, Timestamp.utc(f.receivedAt),
      ])
      return reference
    case .spam(let f, let honeypot):
      // The number the next real submission would get: plausible to a bot, and it uses up nothing.
      let last =
        try Int.fetchOne(
          db.cachedStatement(sql: "SELECT last FROM reference_counter WHERE prefix = ? AND year = ?"),
          arguments: [f.referencePrefix, f.referenceYear]) ?? 0
      let reference = FeedbackReference(prefix: f.referencePrefix, year: f.referenceYear, sequence: last + 1)
      try db.cachedStatement(
        sql: """
          INSERT INTO spam(reference, plan_id, municipality, municipality_name, village, village_name,
            message, name, email, website, received_at)
          VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """
      ).execute(arguments: [
        reference.description, f.planID, f.municipality, f.municipalityName, f.village, f.villageName,
        f.message, f.name, f.email, honeypot, Timestamp.utc(f.receivedAt),
      ])
      return reference
    }
  }

  // MARK: Reading, for export only

  /// The time zone the server last ran with, if it has run.
  public func rememberedTimeZone() throws -> TimeZone? {
    try database.read { db in
      try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = 'time_zone'")
        .flatMap(TimeZone.init(identifier:))
    }
  }

  /// Stored submissions in the order they arrived, optionally of one plan and from an instant on.
  public func feedback(plan: String? = nil, since: Date? = nil, spam: Bool = false) throws -> [StoredFeedback]
  {
    var conditions: [String] = []
    var arguments: StatementArguments = []
    if let plan {
      conditions.append("plan_id = ?")
      arguments += [plan]
    }
    if let since {
      conditions.append("received_at >= ?")
      arguments += [Timestamp.utc(since)]
    }
    let table = spam ? "spam" : "feedback"
    let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    let sql = """
      SELECT reference, plan_id, municipality, municipality_name, village, village_name, message, name, email,
        received_at
      FROM \(table) \(filter) ORDER BY received_at, id
      """
    return try database.read { db in
      try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
        StoredFeedback(
          reference: row[0], plan: row[1], municipality: row[2], municipalityName: row[3], village: row[4],
          villageName: row[5], message: row[6], name: row[7], email: row[8], receivedAt: row[9])
      }
    }
  }
}
