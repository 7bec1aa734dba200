import TallyCore
import TallySQLite

/// An accepted event with its row made ready where it was decoded (`tally append`'s reader
/// thread, a request's task in `tally serve`), so that the writer, the slower side of an
/// append, only hashes and binds: `columns` is the hash material of the row's columns after
/// seq and recorded_us (`HashMaterial`: tagged, length-prefixed, in `EventRecord.columns`
/// order without the derived `id_key`), and the insert binds its texts and blobs in place.
public struct PreparedEvent: Sendable {
    public let event: Event
    /// The columns' hash material (see above).
    let columns: [UInt8]

    public init(_ event: Event) {
        self.event = event
        var material = HashMaterial()
        EventRecord(event).writeColumnsMaterial(into: &material)
        columns = material.bytes
    }

    /// The event's type code, as the `type` column holds it.
    var typeCode: Int64 { Int64(event.type.code) }

    /// Binds `id`, `id_key` (given) and every later column of `EventRecord.columns` from
    /// parameter `first` on, pointing into `columns`, then steps `insert`; the caller binds
    /// the parameters before `first` and after the columns first. Returns the step's error
    /// (the bytes are borrowed only for the step: `reset` clears the bindings after).
    func insert(using insert: Statement, first: Int32, idKey: Int64) -> SQLiteError? {
        columns.withUnsafeBytes { bytes -> SQLiteError? in
            defer { insert.reset() }
            var at = 0
            var parameter = first
            for kind in HashMaterial.kinds {
                defer { parameter += 1 }
                if case .skip = kind { insert.bind(idKey, at: parameter); continue }
                switch bytes[at] {
                case 0:
                    insert.bindNull(at: parameter)
                    at += 1
                case 1:
                    insert.bind(Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: at + 1, as: Int64.self)), at: parameter)
                    at += 9
                case let tag:
                    let n = Int(bytes.loadUnaligned(fromByteOffset: at + 1, as: UInt32.self).bigEndian)
                    let value = UnsafeRawBufferPointer(rebasing: bytes[(at + 5)..<(at + 5 + n)])
                    if tag == 2 { insert.bind(borrowedUTF8: value, at: parameter) } else { insert.bind(borrowedBlob: value, at: parameter) }
                    at += 5 + n
                }
            }
            do throws(SQLiteError) { try insert.step() } catch { return error }
            return nil
        }
    }
}
