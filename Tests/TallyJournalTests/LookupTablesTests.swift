import Testing
import TallyCore
@testable import TallyJournal
import TallySQLite
import TallyTestSupport

@Suite("The lookup tables' catch-up")
struct LookupTablesTests {
    let dir = TempDirectory("lookup-tables")

    @Test("it reaches the head, adds nothing when run again, and gives the connection its page cache back")
    func catchUp() throws {
        let journal = try Journal.create(at: dir.file("j.journal"))
        let incident = SimulatedIncident.make(seed: 5)
        _ = try append(journal, incident.history.joined(separator: "\n"))
        let cache = try journal.connection.scalar("PRAGMA cache_size")
        #expect(cache == .integer(-Int64(Schema.cacheKibibytes)))
        #expect(try journal.lookupsSeq() == 0, "append leaves the tables to the end of the command")
        try journal.indexLookups()
        let head = try journal.head().seq
        #expect(try journal.lookupsSeq() == head)
        #expect(try journal.connection.scalar("PRAGMA cache_size") == cache)
        let rows = try journal.connection.scalar("SELECT (SELECT count(*) FROM lookup_skus) + (SELECT count(*) FROM lookup_emails) + (SELECT count(*) FROM lookup_trackings)")
        let keyed = try journal.connection.scalar("SELECT count(sku) + count(customer_email) + count(tracking_number) FROM events")
        #expect(rows == keyed)
        try journal.indexLookups()
        #expect(try journal.connection.scalar("SELECT (SELECT count(*) FROM lookup_skus) + (SELECT count(*) FROM lookup_emails) + (SELECT count(*) FROM lookup_trackings)") == rows)
        dir.remove()
    }
}
