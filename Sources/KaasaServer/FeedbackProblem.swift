import Hummingbird

/// A reason to refuse a request, in words for the resident (Estonian and English) and as an HTTP status.
public struct FeedbackProblem: Error, Sendable, Equatable {
  public var status: HTTPResponse.Status
  /// The form field at fault, if one is.
  public var field: String?
  public var estonian: String
  public var english: String

  public init(_ status: HTTPResponse.Status, field: String? = nil, et estonian: String, en english: String) {
    self.status = status
    self.field = field
    self.estonian = estonian
    self.english = english
  }

  /// Shortens what a person typed before it is shown back to them, in Estonian quotation marks.
  static func quote(_ text: String) -> String {
    "„\(shortened(text))“"
  }

  /// The same in English quotation marks.
  static func quoteEn(_ text: String) -> String {
    "“\(shortened(text))”"
  }

  private static func shortened(_ text: String) -> String {
    let clean = String(
      text.unicodeScalars.filter { !$0.properties.isNoncharacterCodePoint && $0.value >= 0x20 }
        .map(Character.init))
    return clean.count > 60 ? String(clean.prefix(57)) + "…" : clean
  }

  static let malformed = FeedbackProblem(
    .badRequest, et: "Vormi andmeid ei õnnestunud lugeda.", en: "The form data could not be read.")

  static let invalidUTF8 = FeedbackProblem(
    .badRequest,
    et: "Saadetud tekst ei ole korrektses UTF-8 kodeeringus.",
    en: "The text sent is not valid UTF-8.")

  static func notText(_ field: String) -> FeedbackProblem {
    FeedbackProblem(
      .badRequest, field: field, et: "Väli „\(field)“ peab olema tekst.",
      en: "The field “\(field)” must be text.")
  }

  static func controlCharacters(_ field: String) -> FeedbackProblem {
    FeedbackProblem(
      .badRequest, field: field,
      et: "Väljas „\(field)“ on lubamatuid juhtmärke.",
      en: "The field “\(field)” contains control characters that are not allowed.")
  }

  static let missingPlan = FeedbackProblem(
    .badRequest, field: "plan",
    et: "Puudub plaan, mille kohta tagasiside käib.",
    en: "The plan this feedback is about is missing.")

  static func unknownPlan(_ id: String) -> FeedbackProblem {
    FeedbackProblem(
      .notFound, field: "plan",
      et: "Plaani \(quote(id)) ei ole olemas. Võib-olla on see eemaldatud või link on vale.",
      en: "There is no plan \(quoteEn(id)). It may have been removed, or the link is wrong.")
  }

  static let noWindow = FeedbackProblem(
    .conflict, field: "plan",
    et: "Selle plaani kohta tagasisidet ei koguta.",
    en: "This plan does not take feedback.")

  static func notYetOpen(_ opens: String) -> FeedbackProblem {
    FeedbackProblem(
      .conflict, field: "plan",
      et: "Tagasiside selle plaani kohta ei ole veel avatud. Saate selle saata alates \(opens).",
      en: "Feedback on this plan is not open yet. You can send it from \(opens).")
  }

  static func closed(_ closes: String) -> FeedbackProblem {
    FeedbackProblem(
      .conflict, field: "plan",
      et: "Tagasiside selle plaani kohta on suletud. Viimane päev oli \(closes).",
      en: "Feedback on this plan is closed. The last day was \(closes).")
  }

  static let emptyMessage = FeedbackProblem(
    .badRequest, field: "message",
    et: "Sõnum on tühi. Kirjutage oma tagasiside sõnumi lahtrisse.",
    en: "The message is empty. Please write your feedback in the message field.")

  static func longMessage(_ count: Int, limit: Int) -> FeedbackProblem {
    FeedbackProblem(
      .badRequest, field: "message",
      et: "Sõnum on liiga pikk: \(count) märki, lubatud on kuni \(limit). Palun lühendage seda.",
      en: "The message is too long: \(count) characters, at most \(limit) are allowed. Please shorten it.")
  }

  static func longName(limit: Int) -> FeedbackProblem {
    FeedbackProblem(
      .badRequest, field: "name",
      et: "Nimi on liiga pikk: lubatud on kuni \(limit) märki.",
      en: "The name is too long: at most \(limit) characters are allowed.")
  }

  static func badEmail(_ email: String) -> FeedbackProblem {
    FeedbackProblem(
      .badRequest, field: "email",
      et:
        "E-posti aadress \(quote(email)) ei ole korrektne. Kirjutage see kujul nimi@näide.ee või jätke tühjaks.",
      en: "The e-mail address \(quoteEn(email)) is not valid. Write it as name@example.ee, or leave it empty."
    )
  }

  static func unknownVillage(_ village: String) -> FeedbackProblem {
    FeedbackProblem(
      .badRequest, field: "village",
      et: "Küla \(quote(village)) ei ole selle plaaniga seotud. Valige küla loendist.",
      en: "The village \(quoteEn(village)) is not one this plan concerns. Please choose one from the list.")
  }

  static func tooLarge(limit: Int) -> FeedbackProblem {
    FeedbackProblem(
      .contentTooLarge,
      et: "Saadetis on liiga suur (üle \(limit / 1024) kB). Palun lühendage sõnumit.",
      en: "The submission is too large (over \(limit / 1024) kB). Please shorten the message.")
  }

  static let unsupportedType = FeedbackProblem(
    .unsupportedMediaType,
    et:
      "Tagasiside tuleb saata veebivormina (application/x-www-form-urlencoded) või JSON-ina (application/json), UTF-8 kodeeringus.",
    en:
      "Send feedback as a web form (application/x-www-form-urlencoded) or as JSON (application/json), in UTF-8."
  )

  static let tooManyRequests = FeedbackProblem(
    .tooManyRequests,
    et: "Siit on lühikese aja jooksul saadetud liiga palju tagasisidet. Palun proovige minuti pärast uuesti.",
    en: "Too much feedback has been sent from here in a short time. Please try again in a minute.")

  static let methodNotAllowed = FeedbackProblem(
    .methodNotAllowed,
    et: "Sellele aadressile saab tagasisidet ainult saata, mitte lugeda.",
    en: "Feedback can only be sent to this address, not read from it.")

  static let notFound = FeedbackProblem(
    .notFound, et: "Sellist aadressi siin ei ole.", en: "There is no such address here.")

  static let unavailable = FeedbackProblem(
    .serviceUnavailable,
    et: "Tagasisidet ei õnnestunud praegu salvestada. Palun proovige mõne minuti pärast uuesti.",
    en: "Your feedback could not be saved just now. Please try again in a few minutes.")
}
