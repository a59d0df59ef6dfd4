// KaasaFeeds
