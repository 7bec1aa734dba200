import Foundation
import Testing
import TallyCore
import TallyJournal
import TallyStore
import TallyTestSupport

/// Seeds that run on every test run; a failing seed found elsewhere is added here.
let simulatorSeeds: [UInt64] = [1, 2, 3, 42, 1234, 20261127]

@Suite("Seeded incident simulator")
struct SimulatorTests {
    func journal(_ incident: SimulatedIncident, _ dir: TempDirectory, name: String, deliveries: [[String]]) throws -> Journal {
        let journal = try Journal.create(at: dir.file(name))
        for chunk in deliveries { try append(journal, chunk.joined(separator: "\n"), batchSize: 37) }
        return journal
    }

    func findings(_ journal: Journal, store: StoreSnapshot) throws -> [Finding] {
        let markers = try journal.allMarkers()
        let resolved = try ResolvedMarkers.resolve(snapshots: markers.snapshots, restores: markers.restores, snapshotArgument: nil, restoredAt: nil)
        return Reconciler.findings(truth: try journal.replay(), store: store, markers: resolved.phases)
    }

    @Test("reconcile finds exactly the injected lost window and withheld orders, in the right phases", arguments: simulatorSeeds)
    func findsInjected(seed: UInt64) throws {
        let incident = SimulatedIncident.make(seed: seed)
        print("simulator seed \(seed)")
        let dir = TempDirectory("sim")
        defer { dir.remove() }
        let journal = try journal(incident, dir, name: "faulty.journal", deliveries: incident.deliveries)
        #expect(try journal.verify().isIntact)
        #expect(try journal.stats().events == Int64(incident.history.count), "duplicates must not add events")
        let found = try findings(journal, store: incident.store)
        for kind in SimulatedIncident.predictedKinds {
            let got = Set(found.filter { $0.kind == kind }.map(SimulatedIncident.keyText))
            #expect(got == incident.expected[kind] ?? [], "seed \(seed): \(kind.rawValue) differs")
        }
        for f in found where [.lostOrder, .lostFulfillment, .lostRefund, .orderStatusDrift].contains(f.kind) {
            #expect(f.phase == incident.expectedPhases["\(f.kind.rawValue) \(SimulatedIncident.keyText(f))"],
                    "seed \(seed): phase of \(f.kind.rawValue) \(SimulatedIncident.keyText(f))")
        }
        // Delivered in order, once each: the same findings (evidence seqs aside).
        let clean = try self.journal(incident, dir, name: "clean.journal", deliveries: [incident.history])
        let cleanFound = try findings(clean, store: incident.store)
        func strip(_ fs: [Finding]) -> [Finding] { fs.map { var f = $0; f.evidence = []; f.causalSeq = nil; return f } }
        #expect(strip(found) == strip(cleanFound), "seed \(seed): duplicates or reordering changed the findings")
    }

    @Test("a store built from truth reconciles with nothing but replay's own findings", arguments: simulatorSeeds)
    func truthStoreIsClean(seed: UInt64) throws {
        let incident = SimulatedIncident.make(seed: seed)
        let dir = TempDirectory("sim-clean")
        defer { dir.remove() }
        let journal = try journal(incident, dir, name: "j.journal", deliveries: [incident.history])
        let truth = try journal.replay()
        let found = Reconciler.findings(truth: truth, store: StoreSnapshot(truth: truth), markers: nil)
        let replayKinds: Set<FindingKind> = [.oversell, .doubleShipment, .shippedCancelledOrder, .orderConflict, .orphanReference]
        #expect(found.allSatisfy { replayKinds.contains($0.kind) }, "seed \(seed): \(found.filter { !replayKinds.contains($0.kind) }.map(\.kind))")
    }

    @Test("repair --apply leaves only what needs a person, and a second plan is empty", arguments: simulatorSeeds)
    func repairConverges(seed: UInt64) throws {
        let incident = SimulatedIncident.make(seed: seed)
        let dir = TempDirectory("sim-repair")
        defer { dir.remove() }
        let journal = try journal(incident, dir, name: "j.journal", deliveries: incident.deliveries)
        let storePath = dir.file("store.db")
        try StoreWriter.write(incident.store, to: storePath)
        let truth = try journal.replay()
        let before = try findings(journal, store: try StoreReader.read(storePath))
        let plan = RepairPlanner.plan(findings: before, truth: truth)
        _ = try StoreRepair.apply(plan, to: storePath, backupPath: dir.file("store.before"))
        let after = try findings(journal, store: try StoreReader.read(storePath))
        let conflicted = Set(after.filter { $0.kind == .orderConflict }.compactMap { $0.keyValue("order_id") })
        for f in after {
            let aboutConflict = f.keyValue("order_id").map(conflicted.contains) ?? false
            #expect(f.kind.needsPerson || aboutConflict, "seed \(seed): \(f.kind.rawValue) \(SimulatedIncident.keyText(f)) left after repair")
        }
        #expect(RepairPlanner.plan(findings: after, truth: truth).isEmpty)
        // The copy taken before applying still holds the old store.
        #expect(try StoreReader.read(dir.file("store.before")) == incident.store)
    }
}
