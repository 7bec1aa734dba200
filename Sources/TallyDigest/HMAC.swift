import CCrypto

/// HMAC-SHA256 and constant-time comparison from the system's libcrypto, for webhook
/// signatures (Shopify's `X-Shopify-Hmac-Sha256`, WooCommerce's `X-WC-Webhook-Signature`).
public enum HMACSHA256 {
    /// The 32-byte MAC of `message` under `key`.
    public static func mac(key: [UInt8], message: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        key.withUnsafeBytes { k in
            out.withUnsafeMutableBufferPointer { o in
                _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count),
                         message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count, o.baseAddress, &length)
            }
        }
        precondition(length == 32, "HMAC-SHA256 gave \(length) bytes")
        return out
    }

    public static func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { mac(key: key, message: $0) }
    }

    /// Whether `given` (a decoded signature) is the MAC of `message` under any of `keys`.
    /// Every key is tried and each comparison takes the same time whatever the bytes
    /// (libcrypto's `CRYPTO_memcmp`), so timing tells nothing about the secrets.
    public static func verify(_ given: [UInt8], message: UnsafeRawBufferPointer, keys: [[UInt8]]) -> Bool {
        guard given.count == 32 else { return false }
        var matched = false
        for key in keys {
            let expected = mac(key: key, message: message)
            if constantTimeEqual(expected, given) { matched = true }
        }
        return matched
    }

    /// Equal length and equal bytes, in time that depends only on the length.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }
}
