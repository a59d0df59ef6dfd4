// KaasaSite
