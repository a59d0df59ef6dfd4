import Foundation
import KaasaSite

/// The small page a browser shows when a form post is refused: a heading, the reason in Estonian and
/// English, and the way back to the plan.
enum ProblemPage {
  static func html(_ problem: FeedbackProblem, language: String, siteTitle: String, back: URL) -> String {
    let href = HTMLText.escape(back.absoluteString)
    let title = siteTitle.isEmpty ? "" : " – " + HTMLText.escape(siteTitle)
    return """
      <!doctype html>
      <html lang="\(HTMLText.escape(language))">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta name="robots" content="noindex">
      <title>Tagasisidet ei saadetud / Feedback not sent\(title)</title>
      <style>body{font-family:system-ui,sans-serif;line-height:1.5;max-width:40rem;margin:2rem auto;padding:0 1rem}\
      .en{color:#333}a{color:#0b57a4}</style>
      </head>
      <body>
      <main>
      <h1><span lang="et">Tagasisidet ei saadetud</span> / <span lang="en">Feedback not sent</span></h1>
      <div role="alert">
      <p lang="et">\(HTMLText.escape(problem.estonian))</p>
      <p lang="en" class="en">\(HTMLText.escape(problem.english))</p>
      </div>
      <p lang="et">Teie kirjutatud tekst on alles, kui lähete brauseriga tagasi eelmisele lehele.</p>
      <p lang="en" class="en">Your text is still there if you go back to the previous page in your browser.</p>
      <p><a href="\(href)"><span lang="et">Tagasi plaani juurde</span> / <span lang="en">Back to the plan</span></a></p>
      </main>
      </body>
      </html>

      """
  }

  /// The page a client that does not follow redirects sees after a form post.
  static func redirect(to location: String, language: String) -> String {
    let href = HTMLText.escape(location)
    return """
      <!doctype html>
      <html lang="\(HTMLText.escape(language))">
      <head><meta charset="utf-8"><title>Aitäh! / Thank you!</title></head>
      <body><main><h1>Aitäh! / Thank you!</h1><p><a href="\(href)">Jätka / Continue</a></p></main></body>
      </html>

      """
  }

}
