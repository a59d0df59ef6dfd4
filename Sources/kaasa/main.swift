import ArgumentParser

/// The `kaasa` command; each task is a subcommand.
struct Kaasa: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kaasa",
    abstract: "Publish municipal plans before decisions, and take residents' feedback on them.",
    subcommands: [Feedback.self])

  /// What `@main` calls; top-level code cannot use `@main`, and there it would pick the synchronous
  /// entry point, which refuses async subcommands.
  static func start() async {
    await main()
  }
}

await Kaasa.start()
