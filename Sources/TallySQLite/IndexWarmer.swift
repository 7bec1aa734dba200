import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Reads ahead, on a thread of its own, the leaf pages of one B-tree of an SQLite file that
/// is not in the OS page cache, in key order, so that a scan of that B-tree in key order
/// finds them there.
///
/// Why: replay scans the journal's covering index in event-time order. Its leaf pages lie
/// one in every six or seven pages of the file (between the events table's pages, in the
/// order they were appended), so on a cold file SQLite reads them one 4 KiB page at a time,
/// each waiting for the disk: 38 s of a 41 s reconcile of 10M events (163,211 leaf pages),
/// against 15-18 s warm. Reading the whole file ahead is no better (4.8 GB at 290 MB/s is
/// 17 s). Asking the kernel for exactly the leaf pages (`posix_fadvise(WILLNEED)`, which
/// queues the reads without waiting for them) keeps many reads in flight at once: 2.7 s
/// for all of them on this machine. SQLite does not list a B-tree's pages, so the warmer
/// reads the tree's interior pages itself (the file format's documented page layout: a
/// type byte, a cell count, the right-most child, and cell pointers whose cells start
/// with the left child's page number) to learn the leaves' page numbers in key order.
///
/// Only a hint: it reads the database file with plain `pread` and never writes; anything
/// unexpected (a page it cannot parse, pages that live only in the WAL) ends it early and
/// the scan reads what it needs as it would have. When most of a sample of the leaves is
/// already cached it does nothing (a warm run pays for reading the interior pages: about
/// 3,000 cached pages at 10M events).
public final class IndexWarmer: Sendable {
    /// What the warmer did.
    public enum Outcome: Sendable, Equatable {
        case running
        /// Most of the sampled leaf pages were in the page cache already.
        case alreadyCached(leaves: Int)
        /// Asked the kernel for `pages` leaf pages (of `leaves`).
        case advised(pages: Int, leaves: Int)
        case gaveUp(String)
        case stopped
    }

    private let stopping = Atomic<Bool>(false)
    private let result = Mutex<Outcome>(.running)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts warming the B-tree rooted at `rootPage` of the SQLite file at `path`, from the
    /// leaf at `fromFraction` of them on (a scan that starts part way through), reading at
    /// most `budgetBytes` of leaves (default: a quarter of this machine's memory).
    /// `checkCache` false skips the is-it-cached-already sample (for tests).
    public init(path: String, rootPage: Int64, fromFraction: Double = 0, budgetBytes: Int? = nil, checkCache: Bool = true) {
        let budget = budgetBytes ?? IndexWarmer.quarterOfMemory
        DispatchQueue(label: "tally-index-warmer").async { [self] in
            let outcome = self.warm(path: path, rootPage: rootPage, fromFraction: fromFraction, budgetBytes: budget, checkCache: checkCache)
            self.result.withLock { $0 = outcome }
            self.finished.signal()
        }
    }

    /// Stops as soon as it can and waits for its thread. Returns what it did.
    @discardableResult
    public func stop() -> Outcome {
        stopping.store(true, ordering: .relaxed)
        return wait()
    }

    /// Waits for it to finish on its own (tests).
    public func wait() -> Outcome {
        finished.wait()
        finished.signal()  // a second stop() or wait() returns at once
        return result.withLock { $0 }
    }

    static var quarterOfMemory: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        return pages > 0 && size > 0 ? pages * size / 4 : 256 << 20
    }

    private func warm(path: String, rootPage: Int64, fromFraction: Double, budgetBytes: Int, checkCache: Bool) -> Outcome {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .gaveUp("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let tree: BTreeFile
        do throws(BTreeFile.Failure) {
            tree = try BTreeFile(fd: fd)
        } catch {
            return .gaveUp(error.reason)
        }
        let leaves: [UInt32]
        do throws(BTreeFile.Failure) {
            leaves = try tree.leafPages(root: rootPage, stopping: { stopping.load(ordering: .relaxed) })
        } catch {
            return .gaveUp(error.reason)
        }
        if stopping.load(ordering: .relaxed) { return .stopped }
        let first = min(leaves.count, max(0, Int(Double(leaves.count) * fromFraction)))
        let wanted = leaves[first...]
        if checkCache, tree.mostlyCached(sampling: wanted) { return .alreadyCached(leaves: leaves.count) }
        let pageBudget = max(1, budgetBytes / tree.pageSize)
        guard let advised = tree.advise(wanted, atMost: pageBudget, stopping: { stopping.load(ordering: .relaxed) }) else { return .stopped }
        return .advised(pages: advised, leaves: leaves.count)
    }
}

/// The B-tree pages of an SQLite database file, read with `pread` (file format:
/// https://www.sqlite.org/fileformat2.html, "B-tree Pages").
struct BTreeFile {
    struct Failure: Error { let reason: String }

    let fd: Int32
    let pageSize: Int
    /// Bytes at the end of each page that are not B-tree content.
    let reserved: Int
    let pageCount: UInt32

    init(fd: Int32) throws(Failure) {
        var header = [UInt8](repeating: 0, count: 100)
        let n = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 100, 0) }
        guard n == 100, Array(header[0..<16]) == Array("SQLite format 3\0".utf8) else { throw Failure(reason: "not an SQLite database file") }
        let raw = Int(header[16]) << 8 | Int(header[17])
        pageSize = raw == 1 ? 65_536 : raw
        guard pageSize >= 512, pageSize & (pageSize - 1) == 0 else { throw Failure(reason: "page size \(raw) is not one SQLite writes") }
        reserved = Int(header[20])
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure(reason: String(cString: strerror(errno))) }
        pageCount = UInt32(clamping: Int(info.st_size) / pageSize)
        self.fd = fd
    }

    func offset(of page: UInt32) -> off_t { off_t(Int(page) - 1) * off_t(pageSize) }

    /// Page types (the first byte of the B-tree page header).
    static let interiorIndex: UInt8 = 0x02, interiorTable: UInt8 = 0x05, leafIndex: UInt8 = 0x0A, leafTable: UInt8 = 0x0D

    /// A page's type byte and, for an interior page, its children in key order.
    func read(_ page: UInt32, into buffer: inout [UInt8]) throws(Failure) -> (type: UInt8, children: [UInt32]) {
        guard page >= 1 && page <= pageCount else { throw Failure(reason: "page \(page) is outside the file") }
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, pageSize, offset(of: page)) }
        guard n == pageSize else { throw Failure(reason: "page \(page) could not be read") }
        let start = page == 1 ? 100 : 0
        let type = buffer[start]
        switch type {
        case BTreeFile.leafIndex, BTreeFile.leafTable:
            return (type, [])
        case BTreeFile.interiorIndex, BTreeFile.interiorTable:
            let usable = pageSize - reserved
            let cells = Int(buffer[start + 3]) << 8 | Int(buffer[start + 4])
            guard start + 12 + 2 * cells <= usable else { throw Failure(reason: "page \(page) has more cells than fit") }
            func u32(_ at: Int) -> UInt32 {
                UInt32(buffer[at]) << 24 | UInt32(buffer[at + 1]) << 16 | UInt32(buffer[at + 2]) << 8 | UInt32(buffer[at + 3])
            }
            var children: [UInt32] = []
            children.reserveCapacity(cells + 1)
            for cell in 0..<cells {
                let pointer = start + 12 + 2 * cell
                let at = Int(buffer[pointer]) << 8 | Int(buffer[pointer + 1])
                guard at >= start + 12 && at + 4 <= usable else { throw Failure(reason: "page \(page) has a cell outside it") }
                children.append(u32(at))
            }
            children.append(u32(start + 8))
            return (type, children)
        default:
            throw Failure(reason: "page \(page) is not a B-tree page (type \(type))")
        }
    }

    /// The leaf pages of the B-tree rooted at `root`, in key order. Reads the interior
    /// pages level by level (each level's pages asked for all at once first, so a cold
    /// file reads them in parallel), and one page of the level below to tell whether it
    /// is the leaves (every leaf of a B-tree is at the same depth).
    func leafPages(root: Int64, stopping: () -> Bool) throws(Failure) -> [UInt32] {
        guard root >= 1, root <= Int64(pageCount) else { throw Failure(reason: "root page \(root) is outside the file") }
        var buffer = [UInt8](repeating: 0, count: pageSize)
        var level = [UInt32(root)]
        for _ in 0..<40 {
            if level.count > 1 { _ = advise(level[...]) }
            var children: [UInt32] = []
            var interior = 0
            for page in level {
                if stopping() { return [] }
                let (type, below) = try read(page, into: &buffer)
                if type == BTreeFile.interiorIndex || type == BTreeFile.interiorTable { interior += 1 }
                children += below
            }
            if interior == 0 { return level }  // the root is a leaf
            guard interior == level.count else { throw Failure(reason: "a level of the tree mixes leaf and interior pages") }
            guard let first = children.first, children.count <= Int(pageCount) else { throw Failure(reason: "the tree has more pages than the file") }
            let (type, _) = try read(first, into: &buffer)
            if type == BTreeFile.leafIndex || type == BTreeFile.leafTable { return children }
            level = children
        }
        throw Failure(reason: "the tree is deeper than any SQLite writes")
    }

    /// Asks the kernel to read `pages` (`POSIX_FADV_WILLNEED`: queued, not waited for), in
    /// order, a run of consecutive pages as one request, `atMost` pages in all. Returns how
    /// many it asked for, or nil when `stopping` said to stop first.
    func advise(_ pages: ArraySlice<UInt32>, atMost: Int = .max, stopping: () -> Bool = { false }) -> Int? {
        var advised = 0
        var index = pages.startIndex
        while index < pages.endIndex && advised < atMost {
            if stopping() { return nil }
            var end = index + 1
            while end < pages.endIndex && pages[end] == pages[end - 1] &+ 1 && end - index < min(64, atMost - advised) { end += 1 }
            let count = end - index
            _ = posix_fadvise(fd, offset(of: pages[index]), off_t(count * pageSize), POSIX_FADV_WILLNEED)
            advised += count
            index = end
        }
        return advised
    }

    /// Whether more than half of up to 64 pages spread over `pages` are in the page cache
    /// (`mincore` of a read-only mapping: it tells without reading).
    func mostlyCached(sampling pages: ArraySlice<UInt32>) -> Bool {
        guard !pages.isEmpty else { return true }
        let length = Int(pageCount) * pageSize
        guard let map = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else { return false }
        defer { munmap(map, length) }
        let systemPage = Int(sysconf(Int32(_SC_PAGESIZE)))
        let samples = min(64, pages.count)
        var cached = 0
        var vector: UInt8 = 0
        for i in 0..<samples {
            let page = pages[pages.startIndex + i * pages.count / samples]
            let offset = Int(offset(of: page))
            let aligned = offset - offset % systemPage
            if mincore(map + aligned, systemPage, &vector) == 0 && vector & 1 == 1 { cached += 1 }
        }
        return cached * 2 > samples
    }
}
