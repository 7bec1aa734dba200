import TallyCore

/// Everything `tally serve` is told: the journal, the address, the tokens and the webhook secrets.
public struct ServerSettings: Sendable {
    public var journalPath: String
    public var host = "127.0.0.1"
    /// 0 picks a free port (printed when the server is up).
    public var port = 8080
    public var maxBodyBytes: Int
    public var tokens: [TallyConfig.APIToken]
    public var shopify: TallyConfig.WebhookPlatform
    public var woocommerce: TallyConfig.WebhookPlatform

    /// The config's settings, with the environment's additions: `TALLY_API_TOKEN` adds one
    /// read-write token; `TALLY_SHOPIFY_SECRET` and `TALLY_WOOCOMMERCE_SECRET` set the
    /// webhook secrets (in front of the config's, so both work during a rotation).
    public init(journalPath: String, config: TallyConfig, environment: [String: String]) {
        self.journalPath = journalPath
        self.maxBodyBytes = config.maxBodyBytes
        self.tokens = config.tokens.values.sorted { $0.name < $1.name }
        if let token = environment["TALLY_API_TOKEN"], !token.isEmpty {
            tokens.append(.init(name: "TALLY_API_TOKEN", token: token, canWrite: true))
        }
        self.shopify = config.shopify
        self.woocommerce = config.woocommerce
        if let secret = environment["TALLY_SHOPIFY_SECRET"], !secret.isEmpty { shopify.secrets.insert(secret, at: 0) }
        if let secret = environment["TALLY_WOOCOMMERCE_SECRET"], !secret.isEmpty { woocommerce.secrets.insert(secret, at: 0) }
    }
}
