import ArgumentParser
import TallyJournal

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an empty journal (an existing journal is left as it is).")

    @OptionGroup var journalOption: JournalOption

    func run() throws {
        let path = journalOption.pathToCreate()
        let journal = try guarded { try Journal.create(at: path) }
        let head = try guarded { try journal.head() }
        if head.seq == 0 {
            print("journal ready at \(path) (empty)")
        } else {
            print("journal ready at \(path) (\(head.seq) events; left as it was)")
        }
    }
}
