/// The position-dependent byte pattern of zclab's test files.
///
/// The file is a sequence of little-endian 64-bit words; word `i` (bytes
/// `8i ..< 8i+8`) is `mix(i ^ key)`, where `mix` is the SplitMix64 finalizer
/// and `key` is derived from the seed. `mix` is a bijection, so any 8 bytes of
/// pattern found somewhere can be traced back to the offset they belong at:
/// a shifted, duplicated or stale byte is not only detected but located.
public struct TestPattern: Sendable, Hashable {
    public let seed: UInt64
    let key: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        self.key = TestPattern.mix(seed ^ 0x7A63_6C61_625F_7A63)  // "zclab_zc"
    }

    /// The pattern word at word index `index` (bytes `8*index ..< 8*index+8`).
    @inline(__always)
    public func word(_ index: UInt64) -> UInt64 { TestPattern.mix(index ^ key) }

    /// The pattern byte at `offset`.
    public func byte(at offset: UInt64) -> UInt8 {
        UInt8(truncatingIfNeeded: word(offset >> 3) >> ((offset & 7) * 8))
    }

    /// Fills `buffer` with the pattern bytes of `offset ..< offset + buffer.count`.
    public func fill(_ buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        var position = 0
        var current = offset
        // Unaligned head, byte by byte.
        while position < buffer.count && current & 7 != 0 {
            base.storeBytes(of: byte(at: current), toByteOffset: position, as: UInt8.self)
            position += 1
            current += 1
        }
        // Aligned body, a word at a time.
        var index = current >> 3
        while position + 8 <= buffer.count {
            base.storeBytes(of: word(index).littleEndian, toByteOffset: position, as: UInt64.self)
            position += 8
            index += 1
        }
        current = index << 3
        while position < buffer.count {
            base.storeBytes(of: byte(at: current), toByteOffset: position, as: UInt8.self)
            position += 1
            current += 1
        }
    }

    /// Where 8 bytes of found data came from: if `word` (read little-endian
    /// from found bytes) is a pattern word of this seed whose offset is below
    /// `limit`, returns that offset.
    public func origin(ofWord word: UInt64, below limit: UInt64) -> UInt64? {
        let index = TestPattern.unmix(word) ^ key
        guard index < (limit + 7) >> 3 else { return nil }
        return index << 3
    }

    /// Where a run of found bytes came from. `found` are the bytes seen at
    /// stream offset `at`; returns the file offset those bytes are the pattern
    /// of (which differs from `at` for shifted or stale data), or nil if they
    /// are not pattern bytes of this seed below `limit`. Needs one whole
    /// pattern word after the skipped bytes (8 to 15 bytes, by the offset's
    /// alignment); the word after it, where `found` holds it, must follow.
    /// A 64-bit word matches by chance once in 2^64 / (limit / 8) tries.
    public func origin(of found: UnsafeRawBufferPointer, below limit: UInt64) -> UInt64? {
        guard found.count >= 8 else { return nil }
        for skip in 0...min(7, found.count - 8) {
            let first = found.loadUnaligned(fromByteOffset: skip, as: UInt64.self).littleEndian
            guard let source = origin(ofWord: first, below: limit), source >= UInt64(skip) else { continue }
            if skip + 16 <= found.count {
                let next = found.loadUnaligned(fromByteOffset: skip + 8, as: UInt64.self).littleEndian
                guard next == word((source >> 3) + 1) else { continue }
            }
            return source - UInt64(skip)
        }
        return nil
    }

    // MARK: SplitMix64 finalizer and its inverse

    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func unmix(_ value: UInt64) -> UInt64 {
        var z = unshift(value, 31)
        z = unshift(z &* inverse(0x94D0_49BB_1331_11EB), 27)
        return unshift(z &* inverse(0xBF58_476D_1CE4_E5B9), 30)
    }

    /// Inverts `x ^ (x >> shift)`.
    private static func unshift(_ value: UInt64, _ shift: UInt64) -> UInt64 {
        var x = value
        var covered = shift
        while covered < 64 {
            x = value ^ (x >> shift)
            covered += shift
        }
        return value ^ (x >> shift)
    }

    /// The multiplicative inverse of an odd number modulo 2^64 (Newton's method).
    private static func inverse(_ odd: UInt64) -> UInt64 {
        var x = odd
        for _ in 0..<5 { x = x &* (2 &- odd &* x) }
        return x
    }
}
