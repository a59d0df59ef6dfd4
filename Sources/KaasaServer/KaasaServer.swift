// KaasaServer
