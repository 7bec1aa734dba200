import TallyDigest
import TallySQLite

/// The bytes the hash chain covers for one row: seq, recorded_us and every
/// stored column, each tagged and length-prefixed so no two rows share an
/// encoding. Written once, into a reused buffer, by append (from an
/// `EventRecord`) and by verify (straight from SQLite's column memory).
struct HashMaterial {
    /// How each column of `EventRecord.columns` enters the material.
    enum Kind { case text, int, blob, skip }

    static let kinds: [Kind] = EventRecord.columns.map { name in
        switch name {
        case "id_key": return .skip // derived from id
        case "type", "occurred_us", "amount", "compare_at", "usage_limit", "restock", "starts_us", "ends_us": return .int
        case "lines", "discount_codes", "replay": return .blob
        default: return .text
        }
    }

    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1024) }

    mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    /// Starts a row's material: seq and recorded_us, which the columns' material follows.
    mutating func start(seq: Int64, recordedUs: Int64) {
        reset()
        int(seq); int(recordedUs)
    }

    mutating func int(_ v: Int64?) {
        guard let v else { bytes.append(0); return }
        bytes.append(1)
        withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ tag: UInt8, _ v: UnsafeRawBufferPointer?) {
        guard let v else { bytes.append(0); return }
        bytes.append(tag)
        withUnsafeBytes(of: UInt32(v.count).bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: v)
    }

    mutating func text(_ v: String?) {
        guard var v else { bytes.append(0); return }
        v.withUTF8 { raw(2, UnsafeRawBufferPointer($0)) }
    }

    mutating func blob(_ v: [UInt8]?) {
        guard let v else { bytes.append(0); return }
        v.withUnsafeBytes { raw(3, $0) }
    }
}

/// The material of a stored row (seq, recorded_us and the columns of a row selected with
/// `EventRecord.selectList`), the same bytes `HashMaterial` makes from an `EventRecord`, read
/// straight from SQLite's column memory into a `ByteBuffer`: verify's hot path.
final class RowMaterial {
    /// Used by one verify worker at a time: no runtime exclusivity check on each access.
    @exclusivity(unchecked) private var buffer = ByteBuffer(capacity: 16 << 10)

    /// The row's material; valid until the next call.
    func read(row s: Statement) -> UnsafeRawBufferPointer {
        buffer.count = 0
        buffer.materialInt(s.int64(0)); buffer.materialInt(s.int64(1))
        for (i, kind) in HashMaterial.kinds.enumerated() {
            let column = Int32(i + 2)
            switch kind {
            case .skip: continue
            case .int: buffer.materialInt(s.optionalInt64(column))
            case .text: buffer.materialRaw(2, s.unsafeTextBytes(column))
            case .blob: buffer.materialRaw(3, s.unsafeRawBytes(column))
            }
        }
        return buffer.bytes
    }
}

extension ByteBuffer {
    /// `HashMaterial.int`'s bytes.
    @inline(__always) mutating func materialInt(_ v: Int64?) {
        guard let v else { append(0); return }
        append(1)
        appendBigEndian(v)
    }

    /// `HashMaterial.raw`'s bytes.
    @inline(__always) mutating func materialRaw(_ tag: UInt8, _ v: UnsafeRawBufferPointer?) {
        guard let v else { append(0); return }
        append(tag)
        appendBigEndian(UInt32(v.count))
        append(v)
    }
}

extension EventRecord {
    /// Writes this record's material (see `HashMaterial`), in `EventRecord.columns` order.
    func writeHashMaterial(seq: Int64, recordedUs: Int64, into m: inout HashMaterial) {
        m.start(seq: seq, recordedUs: recordedUs)
        writeColumnsMaterial(into: &m)
    }

    /// The material of the columns alone (what follows seq and recorded_us), appended to `m`.
    func writeColumnsMaterial(into m: inout HashMaterial) {
        m.text(id); m.int(type); m.int(occurredUs); m.text(occurredAt); m.text(source); m.text(data)
        m.text(orderID); m.text(sku); m.text(location); m.text(code); m.text(fulfillmentID); m.text(refundID); m.text(snapshotID)
        m.text(currency); m.int(amount); m.int(compareAt); m.int(usageLimit); m.int(restock); m.text(reason); m.text(kind); m.text(status)
        m.int(startsUs); m.int(endsUs); m.text(customerEmail); m.text(carrier); m.text(trackingNumber); m.text(ref); m.text(label); m.text(storeDigest)
        m.blob(lines); m.blob(discountCodes); m.blob(replay)
    }
}
