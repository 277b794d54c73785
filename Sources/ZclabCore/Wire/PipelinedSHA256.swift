import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 computed on a second thread, so that hashing overlaps comparing:
/// `update` copies bytes into one of a few blocks and a worker thread hashes
/// full blocks. Streams shorter than a block are hashed inline.
final class PipelinedSHA256: @unchecked Sendable {
    private static let blockSize = 1 << 20
    private static let blockCount = 8

    private let storage: UnsafeMutableRawBufferPointer
    /// Bytes in each handed-over block.
    private var blockFill = [Int](repeating: 0, count: PipelinedSHA256.blockCount)
    /// The block `update` writes into, and how full it is (producer only).
    private var currentBlock = 0
    private var currentFill = 0
    // Shared, under `mutex`: blocks `oldestQueued ..< oldestQueued + queued`
    // (mod blockCount) wait for the worker. `hasher` belongs to the worker
    // while `queued > 0`.
    private var oldestQueued = 0
    private var queued = 0
    private var stopping = false
    private var hasher = SHA256()
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var worker: pthread_t?

    init() {
        storage = .allocate(byteCount: PipelinedSHA256.blockSize * PipelinedSHA256.blockCount, alignment: 64)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        stopWorker()
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        changed.deallocate()
        mutex.deallocate()
        storage.deallocate()
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        while !rest.isEmpty {
            let count = min(rest.count, PipelinedSHA256.blockSize - currentFill)
            let start = currentBlock * PipelinedSHA256.blockSize + currentFill
            UnsafeMutableRawBufferPointer(rebasing: storage[start ..< start + count])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest[0 ..< count]))
            currentFill += count
            rest = UnsafeRawBufferPointer(rebasing: rest[count...])
            if currentFill == PipelinedSHA256.blockSize { handOverCurrentBlock() }
        }
    }

    /// The hash state over every byte given so far.
    func state() -> SHA256 {
        if worker == nil {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: storage[0 ..< currentFill]))
            currentFill = 0
            return hasher
        }
        if currentFill > 0 { handOverCurrentBlock() }
        pthread_mutex_lock(mutex)
        while queued > 0 { pthread_cond_wait(changed, mutex) }
        let state = hasher
        pthread_mutex_unlock(mutex)
        return state
    }

    /// The final state; the worker thread ends.
    func finish() -> SHA256 {
        let final = state()
        stopWorker()
        return final
    }

    private func handOverCurrentBlock() {
        if worker == nil { startWorker() }
        pthread_mutex_lock(mutex)
        blockFill[currentBlock] = currentFill
        queued += 1
        pthread_cond_broadcast(changed)
        while queued == PipelinedSHA256.blockCount { pthread_cond_wait(changed, mutex) }
        pthread_mutex_unlock(mutex)
        currentBlock = (currentBlock + 1) % PipelinedSHA256.blockCount
        currentFill = 0
    }

    private func startWorker() {
        var thread = pthread_t()
        let context = Unmanaged.passUnretained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            Unmanaged<PipelinedSHA256>.fromOpaque(context!).takeUnretainedValue().hashQueuedBlocks()
            return nil
        }, context)
        precondition(status == 0, "pthread_create: \(status)")
        worker = thread
    }

    private func stopWorker() {
        guard let thread = worker else { return }
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
        pthread_join(thread, nil)
        worker = nil
    }

    private func hashQueuedBlocks() {
        pthread_mutex_lock(mutex)
        while true {
            while queued == 0 && !stopping { pthread_cond_wait(changed, mutex) }
            if queued == 0 { break }
            let block = oldestQueued
            let count = blockFill[block]
            pthread_mutex_unlock(mutex)
            let start = block * PipelinedSHA256.blockSize
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: storage[start ..< start + count]))
            pthread_mutex_lock(mutex)
            oldestQueued = (oldestQueued + 1) % PipelinedSHA256.blockCount
            queued -= 1
            pthread_cond_broadcast(changed)
        }
        pthread_mutex_unlock(mutex)
    }
}

/// Lower-case hex of bytes.
func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
}
