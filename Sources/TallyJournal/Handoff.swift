import Dispatch

/// A bounded hand-off between one producer thread and one consumer: at most
/// `depth` items wait; `put` blocks when full, `take` when empty. `cancel`
/// makes the producer's next `put` return false so it can stop early.
final class Handoff<Item: Sendable>: @unchecked Sendable {
    private let free: DispatchSemaphore
    private let ready = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let lock = DispatchSemaphore(value: 1)
    private var queue: [Item] = []
    private var cancelled = false

    init(depth: Int) { free = DispatchSemaphore(value: depth) }

    /// Producer side: false once the consumer has cancelled (the item is dropped).
    @discardableResult
    func put(_ item: Item) -> Bool {
        free.wait()
        lock.wait()
        if cancelled {
            lock.signal()
            free.signal()
            return false
        }
        queue.append(item)
        lock.signal()
        ready.signal()
        return true
    }

    /// Consumer side.
    func take() -> Item {
        ready.wait()
        return dequeue()
    }

    /// Consumer side: an item if one is ready within `milliseconds`, nil otherwise.
    func take(waitingAtMost milliseconds: Int) -> Item? {
        guard ready.wait(timeout: .now() + .milliseconds(milliseconds)) == .success else { return nil }
        return dequeue()
    }

    /// Takes the first item once `ready` has said there is one.
    private func dequeue() -> Item {
        lock.wait()
        let item = queue.removeFirst()
        lock.signal()
        free.signal()
        return item
    }

    /// Runs `body` as the producer on another thread; `finish` is signalled when it returns.
    func startProducer(_ body: @escaping @Sendable (Handoff<Item>) -> Void) {
        DispatchQueue.global().async {
            body(self)
            self.finished.signal()
        }
    }

    /// Consumer side: stops the producer and waits until it has returned.
    func cancelAndWait() {
        lock.wait()
        cancelled = true
        queue.removeAll()
        lock.signal()
        // Wake a producer blocked on a full queue.
        free.signal()
        finished.wait()
    }
}
