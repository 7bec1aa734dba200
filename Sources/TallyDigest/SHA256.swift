import CCrypto

/// SHA-256 through the system's libcrypto (OpenSSL): hardware-accelerated and
/// well kept, where a hand-written Swift SHA-256 would be neither. One hasher
/// reuses its context; it is not thread-safe.
public final class SHA256Hasher {
    private let context: OpaquePointer
    /// Fetched once: `EVP_sha256()` per digest takes a lock inside libcrypto each time.
    private let algorithm: OpaquePointer

    public init() {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("libcrypto could not allocate a digest context") }
        guard let algorithm = EVP_MD_fetch(nil, "SHA256", nil) else { preconditionFailure("libcrypto has no SHA256") }
        self.context = context
        self.algorithm = algorithm
    }

    deinit {
        EVP_MD_CTX_free(context)
        EVP_MD_free(algorithm)
    }

    /// Feeds bytes into a running digest started with `begin()`.
    public func begin() {
        precondition(EVP_DigestInit_ex(context, algorithm, nil) == 1, "EVP_DigestInit_ex failed")
    }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        _ = EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    public func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        out.withUnsafeMutableBufferPointer { buffer in
            _ = EVP_DigestFinal_ex(context, buffer.baseAddress, &length)
        }
        return out
    }

    /// Writes the digest of `previous` followed by `material` into `out` (32 bytes), reusing
    /// the caller's buffers: the per-row path of verify, which must not allocate.
    public func digest(previous: UnsafeRawBufferPointer, material: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) {
        precondition(EVP_DigestInit_ex(context, algorithm, nil) == 1, "EVP_DigestInit_ex failed")
        _ = EVP_DigestUpdate(context, previous.baseAddress, previous.count)
        _ = EVP_DigestUpdate(context, material.baseAddress, material.count)
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(context, out, &length)
    }

    /// The digest of the concatenation of `parts`.
    public func digest(_ parts: [UInt8]...) -> [UInt8] {
        precondition(EVP_DigestInit_ex(context, algorithm, nil) == 1, "EVP_DigestInit_ex failed")
        for part in parts {
            part.withUnsafeBytes { buffer in
                _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
            }
        }
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        out.withUnsafeMutableBufferPointer { buffer in
            _ = EVP_DigestFinal_ex(context, buffer.baseAddress, &length)
        }
        return out
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of lower- or upper-case hex text (the inverse of `hex`); nil for anything else.
    public static func bytes(hex text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var high: UInt8?
        for c in text.utf8 {
            let v: UInt8
            switch c {
            case 48...57: v = c - 48
            case 97...102: v = c - 87
            case 65...70: v = c - 55
            default: return nil
            }
            if let h = high { bytes.append(h << 4 | v); high = nil } else { high = v }
        }
        return high == nil ? bytes : nil
    }
}

/// A 64-bit key for the idempotency index (FNV-1a with a final mix): 8 bytes
/// per entry instead of the id's text keeps that index in the page cache.
/// Collisions are harmless: the id itself is compared on every hit.
public func idKey(_ id: String) -> Int64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in id.utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01B3
    }
    hash ^= hash >> 33
    hash &*= 0xFF51_AFD7_ED55_8CCD
    hash ^= hash >> 33
    return Int64(bitPattern: hash)
}
