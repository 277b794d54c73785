import Testing
@testable import ZclabCore

@Suite("ZerocopyModel: MSG_ZEROCOPY ids, completions and their comparison")
struct ZerocopyModelTests {
    typealias Model = ZerocopyModel

    func range(_ lo: UInt32, _ hi: UInt32, _ code: ZerocopyCode = .copied) -> ZerocopyCompletion {
        ZerocopyCompletion(lo: lo, hi: hi, code: code)
    }

    /// `count` sends of `bytes` bytes, each appending to the one before.
    func appendingSends(_ count: Int, bytes: Int) -> [Model.Event] {
        (0 ..< count).map { .send(bytes: bytes, appendsToPrevious: $0 > 0) }
    }

    // MARK: Ids

    @Test func idsStartAtZeroAndEachSendTakesOne() {
        let model = Model.run(Model.schedule(sends: 3, bytesPerSend: 100, readEvery: 1, copied: true, completion: .immediate))
        #expect(model.read == [range(0, 0), range(1, 1), range(2, 2)])
        #expect(model.nextID == 3)
        #expect(model.outstanding.isEmpty && model.queued.isEmpty)
    }

    @Test func zeroLengthAndFailedSendsTakeNoID() {
        let model = Model.run([
            .send(bytes: 100), .send(bytes: 0), .send(bytes: 100, outcome: .failed), .send(bytes: 100),
            .complete(.all, copied: false), .read(.one), .read(.one),
        ])
        #expect(model.nextID == 2)
        #expect(model.read == [range(0, 1, .zerocopy)])
    }

    @Test func aFailedAppendingSendLeavesTheBufferAsItWas() {
        let model = Model.run([.send(bytes: 100), .send(bytes: 100, outcome: .failed, appendsToPrevious: true)])
        #expect(model.outstanding == [Model.Buffer(firstID: 0, idCount: 1, byteCount: 100)])
        #expect(model.nextID == 1)
    }

    @Test func withoutSOZerocopyNothingIsCounted() {
        let events = Model.schedule(sends: 8, bytesPerSend: 100, readEvery: 1, copied: true, completion: .immediate)
        let model = Model.run(events, on: Model.Socket(zerocopyEnabled: false))
        #expect(model.nextID == 0)
        #expect(model.read.isEmpty && model.queued.isEmpty)
    }

    // MARK: Buffers that grow (msg_zerocopy_realloc)

    @Test func tcpSendsAppendingToAnUnsentTailShareOneRange() {
        let model = Model.run(appendingSends(5, bytes: 1000) + [.complete(.all, copied: true), .read(.drain)])
        #expect(model.read == [range(0, 4)])
        #expect(model.nextID == 5)
    }

    @Test func aBufferHoldsAtMost65534Sends() {
        let model = Model.run(appendingSends(65_535, bytes: 1))
        #expect(model.outstanding == [
            Model.Buffer(firstID: 0, idCount: 65_534, byteCount: 65_534),
            Model.Buffer(firstID: 65_534, idCount: 1, byteCount: 1),
        ])
    }

    @Test func aBufferHoldsAtMost512KiB() {
        let model = Model.run(appendingSends(9, bytes: 64 << 10))
        #expect(model.outstanding.map(\.idCount) == [8, 1])
        #expect(model.outstanding.map(\.byteCount) == [512 << 10, 64 << 10])
    }

    @Test func aCompletedBufferIsNotExtended() {
        let model = Model.run([.send(bytes: 10), .complete(.all, copied: true), .send(bytes: 10, appendsToPrevious: true)])
        #expect(model.outstanding == [Model.Buffer(firstID: 1, idCount: 1, byteCount: 10)])
    }

    @Test func aBufferWhoseIDsDoNotEndAtTheNextIDIsNotExtended() {
        let model = Model.run([
            .send(bytes: 10), .send(bytes: 10), .complete(.newest, copied: true), .send(bytes: 10, appendsToPrevious: true),
        ])
        #expect(model.outstanding.map(\.firstID) == [0, 2])
    }

    @Test func aZeroLengthDatagramTakesAnID() {
        let model = Model.run([.send(bytes: 10), .send(bytes: 0), .send(bytes: 10), .complete(.all, copied: true), .read(.drain)],
                              on: Model.Socket(transport: .udp))
        #expect(model.read == [range(0, 2, .copied)])
    }

    @Test func udpExtendsOnlyACorkedDatagramAndRefusesOneTooLarge() {
        let udp = Model.Socket(transport: .udp)
        let corked = Model.run(appendingSends(9, bytes: 64 << 10) + [.send(bytes: 10)], on: udp)
        #expect(corked.outstanding.map(\.firstID) == [0, 8])
        #expect(corked.nextID == 9)
        let separate = Model.run([.send(bytes: 10), .send(bytes: 10)], on: udp)
        #expect(separate.outstanding.count == 2)
    }

    // MARK: Completions on the error queue

    @Test func completionsMergeOnlyWhenContiguous() {
        let model = Model.run([
            .send(bytes: 1), .send(bytes: 1), .send(bytes: 1),
            .complete(.oldest, copied: true), .complete(.containing(2), copied: true), .complete(.all, copied: true),
            .read(.drain),
        ])
        #expect(model.read == [range(0, 0), range(2, 2), range(1, 1)])
    }

    @Test("a merged completion keeps the first code: the kernel does not compare codes", arguments: [
        (ZerocopyCode.copied, ZerocopyCode.zerocopy), (.zerocopy, .copied),
    ])
    func mergeIgnoresCode(first: ZerocopyCode, second: ZerocopyCode) {
        let model = Model.run([
            .send(bytes: 1), .send(bytes: 1),
            .complete(.oldest, copied: first == .copied), .complete(.oldest, copied: second == .copied), .read(.drain),
        ])
        #expect(model.read == [range(0, 1, first)])
    }

    @Test func readingEmptiesTheTailSoLaterCompletionsDoNotMerge() {
        let model = Model.run([
            .send(bytes: 1), .send(bytes: 1), .complete(.oldest, copied: true), .read(.drain), .complete(.oldest, copied: true),
        ])
        #expect(model.read == [range(0, 0)])
        #expect(model.queued == [range(1, 1)])
    }

    @Test func readingOneLeavesTheTailToMergeWith() {
        let model = Model.run([
            .send(bytes: 1), .send(bytes: 1), .send(bytes: 1),
            .complete(.containing(2), copied: true), .complete(.containing(0), copied: true),
            .read(.one), .complete(.containing(1), copied: true),
        ])
        #expect(model.read == [range(2, 2)])
        #expect(model.queued == [range(0, 1)])
    }

    @Test func aMergedCompletionStaysBelow2To32IDs() {
        var tail = range(0, 0xFFFF_FFFD)
        let tooMany = tail.merge(range(0xFFFF_FFFE, 0xFFFF_FFFF))
        #expect(!tooMany)
        let oneLess = tail.merge(range(0xFFFF_FFFE, 0xFFFF_FFFE))
        #expect(oneLess)
        #expect(tail == range(0, 0xFFFF_FFFE))
    }

    @Test func idsWrapAfter2To32Sends() {
        let wrapping = Model.Socket(firstID: 0xFFFF_FFF0)
        let one = Model.run(Model.schedule(sends: 32, bytesPerSend: 1, readEvery: 1, copied: true, completion: .immediate), on: wrapping)
        #expect(one.read.count == 32)
        #expect(one.read[15] == range(0xFFFF_FFFF, 0xFFFF_FFFF))
        #expect(one.read[16] == range(0, 0))
        #expect(one.nextID == 16)
        #expect(one.read.coverageProblems(first: 0xFFFF_FFF0, count: 32).isEmpty)
        let merged = Model.run(Model.schedule(sends: 32, bytesPerSend: 1, readEvery: 0, copied: true, completion: .immediate), on: wrapping)
        #expect(merged.read == [range(0xFFFF_FFF0, 15)])
        #expect(merged.read[0].idCount == 32)
    }

    // MARK: Schedules

    @Test("one completion per read when each send completes at once", arguments: [(1, 64), (16, 4), (0, 1), (48, 2)])
    func immediateSchedules(readEvery: Int, completions: Int) {
        let model = Model.run(Model.schedule(sends: 64, bytesPerSend: 4096, readEvery: readEvery, copied: true, completion: .immediate))
        #expect(model.read.count == completions)
        #expect(model.read.coverageProblems(count: 64).isEmpty)
        if readEvery == 16 { #expect(model.read[1] == range(16, 31)) }
    }

    @Test func completionsAtTheEndMergeIntoOne() {
        let model = Model.run(Model.schedule(sends: 64, bytesPerSend: 4096, readEvery: 1, copied: false, completion: .atEnd))
        #expect(model.read == [range(0, 63, .zerocopy)])
    }

    // MARK: Coverage of kernel completions alone

    @Test func coverageOfCompletionsAlone() {
        #expect([range(0, 3), range(4, 9)].coverageProblems(count: 10).isEmpty)
        #expect([ZerocopyCompletion]().coverageProblems(count: 0).isEmpty)
        #expect([range(0, 3), range(6, 9)].coverageProblems(count: 10) == [ZerocopyCoverageProblem(.missing, lo: 4, hi: 5)])
        #expect([range(0, 5), range(4, 9)].coverageProblems(count: 10) == [ZerocopyCoverageProblem(.repeated, lo: 4, hi: 5)])
        #expect([range(0, 3), range(8, 9), range(4, 7)].coverageProblems(count: 10) == [
            ZerocopyCoverageProblem(.outOfOrder, lo: 4, hi: 7),
        ])
        #expect([range(0, 11)].coverageProblems(count: 10) == [ZerocopyCoverageProblem(.unexpected, lo: 10, hi: 11)])
        #expect([range(0xFFFF_FFFE, 1)].coverageProblems(first: 0xFFFF_FFFE, count: 4).isEmpty)
        #expect([range(0xFFFF_FFFE, 0xFFFF_FFFF), range(1, 1)].coverageProblems(first: 0xFFFF_FFFE, count: 4) == [
            ZerocopyCoverageProblem(.missing, lo: 0, hi: 0),
        ])
        #expect(ZerocopyCoverageProblem(.outOfOrder, lo: 4, hi: 7).description == "ids 4...7 completed after later ids")
        #expect(ZerocopyCoverageProblem(.missing, lo: 4, hi: 4).description == "id 4 never completed")
    }

    // MARK: Model against kernel

    @Test func identicalCompletionsAgree() {
        let comparison = ZerocopyComparison(predicted: [range(0, 3)], observed: [range(0, 3)])
        #expect(comparison.agrees)
        #expect(comparison.description == "the kernel's completions agree with the model")
    }

    @Test func onlyTheSplitDiffers() {
        let split = ZerocopyComparison(predicted: [range(0, 3), range(4, 5)], observed: [range(0, 1), range(2, 3), range(4, 5)])
        #expect(split.onlySplitsDiffer)
        #expect(split.splits == ["the kernel split ids 0...3 into 2 completions"])
        let merged = ZerocopyComparison(predicted: [range(0, 0), range(1, 1)], observed: [range(0, 1)])
        #expect(merged.splits == ["the kernel merged ids 0...1, predicted as 2 completions, into one"])
        let regrouped = ZerocopyComparison(predicted: [range(0, 1), range(2, 3)], observed: [range(0, 0), range(1, 3)])
        #expect(regrouped.splits == ["ids 0...3: the model predicts 2 completions, the kernel gave 2"])
    }

    @Test func codesDifferOverTheIDsBothCompleted() {
        let comparison = ZerocopyComparison(
            predicted: [range(0, 9, .copied)], observed: [range(0, 4, .copied), range(5, 7, .zerocopy), range(8, 9, .zerocopy)])
        #expect(comparison.coverage.isEmpty)
        #expect(comparison.codes == ["ids 5...9: the model predicts copied, the kernel says zerocopy"])
        #expect(comparison.splits.count == 1)
        #expect(!comparison.onlySplitsDiffer)
    }

    @Test func coverageDifferencesAreFindings() {
        let missing = ZerocopyComparison(predicted: [range(0, 9)], observed: [range(0, 3), range(6, 9)])
        #expect(missing.coverage == ["the kernel did not complete ids 4...5"])
        #expect(missing.splits.isEmpty)
        let extra = ZerocopyComparison(predicted: [range(0, 3)], observed: [range(0, 4)])
        #expect(extra.coverage == ["the kernel completed id 4, which the model does not predict"])
        let twice = ZerocopyComparison(predicted: [range(0, 3)], observed: [range(0, 3), range(2, 2)])
        #expect(twice.coverage == ["the kernel completed id 2 more than once"])
        let reordered = ZerocopyComparison(predicted: [range(0, 3)], observed: [range(2, 3), range(0, 1)])
        #expect(reordered.coverage == [
            "the kernel completed the same ids in another order: after 0 ids in order, the model predicts ids 0...3 next,"
                + " the kernel completed ids 2...3",
        ])
    }

    @Test func aReportComparesWithTheModel() {
        let report = ZerocopyReport(sends: 4, notifications: [
            ZerocopyNotification(lo: 0, hi: 1, code: .copied, error: 0),
            ZerocopyNotification(lo: 2, hi: 3, code: .zerocopy, error: 0),
        ])
        #expect(report.coverageProblems.isEmpty)
        let predicted = Model.run(Model.schedule(sends: 4, bytesPerSend: 100, readEvery: 2, copied: true, completion: .immediate)).read
        #expect(report.compared(with: predicted).codes == ["ids 2...3: the model predicts copied, the kernel says zerocopy"])
    }
}
