// KaasaCore
