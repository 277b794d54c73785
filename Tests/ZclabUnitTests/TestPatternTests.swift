import Testing
@testable import ZclabCore

@Suite("TestPattern and PatternContent")
struct TestPatternTests {
    let pattern = TestPattern(seed: 42)

    func filled(_ pattern: TestPattern, at offset: UInt64, count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0xEE, count: count)
        bytes.withUnsafeMutableBytes { pattern.fill($0, at: offset) }
        return bytes
    }

    @Test("fill gives byte(at:) for aligned and unaligned ranges", arguments: [
        (UInt64(0), 64), (UInt64(1), 1), (UInt64(3), 5), (UInt64(7), 9), (UInt64(8), 8),
        (UInt64(13), 100), (UInt64(4093), 4099), (UInt64(1) << 33 | 5, 37),
    ] as [(UInt64, Int)])
    func fillMatchesByteAt(offset: UInt64, count: Int) {
        let bytes = filled(pattern, at: offset, count: count)
        #expect(bytes == (0 ..< UInt64(count)).map { pattern.byte(at: offset + $0) })
    }

    @Test("a range filled in pieces equals the range filled at once")
    func piecesEqualWhole() {
        let whole = filled(pattern, at: 5, count: 300)
        let pieces = filled(pattern, at: 5, count: 7) + filled(pattern, at: 12, count: 150) + filled(pattern, at: 162, count: 143)
        #expect(pieces == whole)
    }

    @Test("origin finds where a shifted run came from", arguments: [UInt64(0), 1, 8, 1003, 65_537])
    func originFindsSource(source: UInt64) {
        let found = filled(pattern, at: source, count: 32)
        #expect(found.withUnsafeBytes { pattern.origin(of: $0, below: 1 << 20) } == source)
    }

    @Test("origin rejects random bytes, other seeds, short runs and sources past the limit")
    func originRejects() {
        var state: UInt64 = 0x1234_5678
        let random = (0 ..< 32).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        #expect(random.withUnsafeBytes { pattern.origin(of: $0, below: 1 << 40) } == nil)
        let otherSeed = filled(TestPattern(seed: 43), at: 4096, count: 32)
        #expect(otherSeed.withUnsafeBytes { pattern.origin(of: $0, below: 1 << 40) } == nil)
        let short = filled(pattern, at: 4097, count: 14)  // no whole word: 7 bytes skipped, 7 left
        #expect(short.withUnsafeBytes { pattern.origin(of: $0, below: 1 << 40) } == nil)
        let late = filled(pattern, at: 8192, count: 32)
        #expect(late.withUnsafeBytes { pattern.origin(of: $0, below: 4096) } == nil)
        #expect([UInt8](repeating: 0, count: 32).withUnsafeBytes { pattern.origin(of: $0, below: 1 << 40) } == nil)
    }

    @Test("sparse content is zeros outside its extents and pattern inside")
    func sparseExtents() {
        let content = PatternContent(count: 10_000, seed: 42, dataExtents: [4096 ..< 8192, 100 ..< 200])
        var bytes = [UInt8](repeating: 0xEE, count: 10_000)
        bytes.withUnsafeMutableBytes { content.fill($0, at: 0) }
        for offset in [0, 99, 200, 4095, 8192, 9999] { #expect(bytes[offset] == 0) }
        #expect(Array(bytes[100 ..< 200]) == filled(pattern, at: 100, count: 100))
        #expect(Array(bytes[4096 ..< 8192]) == filled(pattern, at: 4096, count: 4096))
        var window = [UInt8](repeating: 0xEE, count: 50)
        window.withUnsafeMutableBytes { content.fill($0, at: 4070) }
        #expect(window.prefix(26).allSatisfy { $0 == 0 })
        #expect(Array(window.suffix(24)) == filled(pattern, at: 4096, count: 24))
    }

    @Test("PatternContent.origin is limited to the content")
    func contentOriginLimit() {
        let content = PatternContent(count: 1000, seed: 42)
        let inside = filled(pattern, at: 500, count: 24)
        let outside = filled(pattern, at: 5000, count: 24)
        #expect(inside.withUnsafeBytes { content.origin(of: $0) } == 500)
        #expect(outside.withUnsafeBytes { content.origin(of: $0) } == nil)
    }

    @Test("origin needs only the bytes it reads: 8 to 23 found bytes at any alignment", arguments: 8...23)
    func originOfShortRuns(count: Int) {
        for source in UInt64(3000)..<3008 {
            let found = filled(pattern, at: source, count: count)
            let origin = found.withUnsafeBytes { pattern.origin(of: $0, below: 1 << 20) }
            // Enough bytes for one whole word: located exactly; otherwise no answer (and no crash).
            let skip = Int((8 - source % 8) % 8)
            #expect(origin == (skip + 8 <= count ? source : nil))
        }
    }

    @Test("a second word, where found, must follow the first")
    func secondWordMustFollow() {
        var found = filled(pattern, at: 4096, count: 16)
        found[12] ^= 0xFF
        #expect(found.withUnsafeBytes { pattern.origin(of: $0, below: 1 << 20) } == nil)
    }
}
