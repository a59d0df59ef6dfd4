// KaasaMarkdown
