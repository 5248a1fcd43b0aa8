// Generation throughput: ckpt's float32 samplers on 1 thread and on every core, next to NumPy's
// PCG64 generator measured in the same run; and the CRC-32 kernels next to zlib's crc32
// (docs/benchmarks.md).
//
//   swift build -c release --product ckpt-bench
//   .build/release/ckpt-bench [--seconds 1] [--rounds 5] [--threads 1,2] [--python .venv/bin/python]
//                             [--cases generation,crc] [--crc-bytes 65536,4194304]
//
// Each thread fills its own reused buffer of 2^20 float32 values again and again (the stream
// moves on every time), so the figures are the samplers' speed, not first-touch page faults.
// CKPT_KERNELS=portable|avx2|avx512 caps the kernel level of the samplers. The CRC case checksums
// one reused buffer of each --crc-bytes size on one thread (the npz writer's thread) with zlib
// and with every CkptKernels CRC-32 level this CPU runs, alternating within each round.
import CkptKernels
import CkptKit
import CZlib
import Foundation

struct Options {
    var seconds = 1.0
    var rounds = 5
    var threads: [Int] = Array(Set([1, ProcessInfo.processInfo.activeProcessorCount])).sorted()
    var python: String? = ".venv/bin/python"
    var elements = 1 << 20
    var cases: Set<String> = ["generation", "crc"]
    var crcBytes = [64 << 10, 4 << 20]

    init(_ arguments: [String]) {
        var it = arguments.makeIterator()
        while let flag = it.next() {
            let value = it.next() ?? ""
            switch flag {
            case "--seconds": seconds = Double(value) ?? seconds
            case "--rounds": rounds = Int(value) ?? rounds
            case "--threads": threads = value.split(separator: ",").compactMap { Int($0) }
            case "--python": python = value == "none" ? nil : value
            case "--elements": elements = Int(value) ?? elements
            case "--cases": cases = Set(value.split(separator: ",").map(String.init))
            case "--crc-bytes": crcBytes = value.split(separator: ",").compactMap { Int($0) }
            default:
                FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8))
                exit(2)
            }
        }
    }
}

/// A counter the worker threads add to (guarded by a lock).
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var elements = 0
    func add(_ n: Int) { lock.lock(); elements += n; lock.unlock() }
    var total: Int { lock.lock(); defer { lock.unlock() }; return elements }
}

/// The calling thread's CPU time in seconds.
func threadCPUTime() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Elements per second of `distribution` on `threads` threads for about `seconds`: per wall
/// second, and per CPU second of the generating threads (the per-core speed, which the other
/// processes on a shared machine disturb less).
func measure(_ distribution: Distribution, threads: Int, seconds: Double, elements: Int) -> (wall: Double, cpu: Double) {
    let tally = Tally()
    let cpu = Tally()
    let start = Date()
    DispatchQueue.concurrentPerform(iterations: threads) { thread in
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: elements)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0)
        let stream = TensorStream(seed: 1, name: "bench/\(thread)")
        var offset = 0
        var done = 0
        let cpuStart = threadCPUTime()
        defer { cpu.add(Int((threadCPUTime() - cpuStart) * 1e9)) }
        while Date().timeIntervalSince(start) < seconds {
            distribution.fill(buffer, stream: stream, elementOffset: offset)
            offset += elements
            done += elements
        }
        tally.add(done)
    }
    let wall = Date().timeIntervalSince(start)
    return (Double(tally.total) / wall, Double(tally.total) / (Double(cpu.total) * 1e-9))
}

/// NumPy's elements per CPU second for `standard_normal` and `random` (float32, `out=` a reused
/// buffer), from the interpreter at `python`; nil if it cannot run.
func numpy(python: String, seconds: Double, elements: Int) -> (normal: Double, uniform: Double)? {
    let script = """
        import time, numpy as np
        rng = np.random.default_rng(); n = \(elements); out = np.empty(n, dtype=np.float32)
        def rate(f):
            f(); t0 = time.perf_counter(); c0 = time.thread_time(); k = 0
            while time.perf_counter() - t0 < \(seconds): f(); k += 1
            return k * n / (time.thread_time() - c0)
        print(rate(lambda: rng.standard_normal(n, dtype=np.float32, out=out)),
              rate(lambda: rng.random(n, dtype=np.float32, out=out)))
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", script]
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let fields = String(decoding: data, as: UTF8.self).split(separator: " ").compactMap {
        Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    guard process.terminationStatus == 0, fields.count == 2 else { return nil }
    return (fields[0], fields[1])
}

/// The CRC-32 implementations measured: zlib's crc32, then each CkptKernels level this CPU runs.
let crcKernels: [(name: String, level: Int32?)] = [("zlib crc32", nil)]
    + [("pclmul (4 × 128-bit folding)", 1), ("vpclmul (4 × 512-bit folding, AVX-512)", 2)]
        .filter { $0.1 <= ckpt_crc32_level() }
        .map { ($0.0, Int32?($0.1)) }

/// Bytes per wall second and per CPU second of CRC-32 by `level` (nil: zlib) over `buffer`, again
/// and again for about `seconds`. Every result is checked against zlib's.
func measureCRC(level: Int32?, buffer: UnsafeRawBufferPointer, seconds: Double) -> (wall: Double, cpu: Double) {
    let base = buffer.baseAddress!
    let zlibValue = crc32(0, base.assumingMemoryBound(to: Bytef.self), uInt(buffer.count))
    var checksum: UInt = 0
    var bytes = 0
    let start = Date()
    let cpuStart = threadCPUTime()
    while Date().timeIntervalSince(start) < seconds {
        for _ in 0..<8 {
            if let level {
                checksum = UInt(ckpt_crc32(level, 0, base, buffer.count))
            } else {
                checksum = crc32(0, base.assumingMemoryBound(to: Bytef.self), uInt(buffer.count))
            }
            bytes += buffer.count
        }
    }
    let cpu = threadCPUTime() - cpuStart
    let wall = Date().timeIntervalSince(start)
    if checksum != zlibValue {
        FileHandle.standardError.write(Data("CRC-32 level \(level ?? 0) gives \(checksum), zlib \(zlibValue)\n".utf8))
        exit(1)
    }
    return (Double(bytes) / wall, Double(bytes) / cpu)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let cases: [(String, Distribution)] = [
    ("uniform", .uniform(low: -1, high: 1)),
    ("normal", .normal(mean: 0, std: 1)),
    ("truncated normal ±2σ", .truncatedNormal(mean: 0, std: 1, low: -2, high: 2)),
]
print("kernel level: \(KernelLevel.detected), CRC-32 level: \(ckpt_crc32_level()), "
    + "cores: \(ProcessInfo.processInfo.activeProcessorCount), "
    + "rounds: \(options.rounds) × \(options.seconds) s, buffer: \(options.elements) float32 per thread")
let generation = options.cases.contains("generation")
let crcBuffers: [UnsafeRawBufferPointer] = options.cases.contains("crc") ? options.crcBytes.map { size in
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
    for i in 0..<size { buffer[i] = UInt8(truncatingIfNeeded: (i &* 2_654_435_761) >> 13) }
    return UnsafeRawBufferPointer(buffer)
} : []
var results: [String: [Double]] = [:]
for round in 1...options.rounds {
    for buffer in crcBuffers {
        for (name, level) in crcKernels {
            let rate = measureCRC(level: level, buffer: buffer, seconds: options.seconds)
            results["crc|\(name)|\(buffer.count)", default: []].append(rate.wall)
            results["crc|\(name)|\(buffer.count)|cpu", default: []].append(rate.cpu)
        }
    }
    for (name, distribution) in cases where generation {
        for threads in options.threads {
            let rate = measure(distribution, threads: threads, seconds: options.seconds, elements: options.elements)
            results["\(name)|\(threads)", default: []].append(rate.wall)
            results["\(name)|\(threads)|cpu", default: []].append(rate.cpu)
        }
    }
    if generation, let python = options.python,
       let np = numpy(python: python, seconds: options.seconds, elements: options.elements) {
        results["numpy normal|1", default: []].append(np.normal)
        results["numpy uniform|1", default: []].append(np.uniform)
    }
    FileHandle.standardError.write(Data("round \(round) done\n".utf8))
}

func format(_ rate: Double) -> String { String(format: "%8.1f", rate / 1e6) }
if !crcBuffers.isEmpty {
    print("")
    print("| CRC-32 (1 thread) | buffer | GB/s per CPU second | GB/s (wall) | ÷ zlib (CPU) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for buffer in crcBuffers {
        let zlibRate = median(results["crc|\(crcKernels[0].name)|\(buffer.count)|cpu"] ?? [])
        for (name, _) in crcKernels {
            let cpu = median(results["crc|\(name)|\(buffer.count)|cpu"] ?? [])
            let wall = median(results["crc|\(name)|\(buffer.count)"] ?? [])
            let size = buffer.count % (1 << 20) == 0 ? "\(buffer.count >> 20) MiB"
                : buffer.count % 1024 == 0 ? "\(buffer.count >> 10) KiB" : "\(buffer.count) B"
            print("| \(name) | \(size) | \(String(format: "%.2f", cpu / 1e9)) | \(String(format: "%.2f", wall / 1e9)) | \(String(format: "%.2f×", cpu / zlibRate)) |")
        }
    }
}
guard generation else { exit(0) }
let numpyNormal = median(results["numpy normal|1"] ?? [])
let numpyUniform = median(results["numpy uniform|1"] ?? [])
print("")
print("| distribution (float32) | threads | M values/s per core (CPU time) | ÷ NumPy per core | M values/s (wall) | GB/s (wall) | wall ÷ 1 thread |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for (name, _) in cases {
    let one = median(results["\(name)|1"] ?? [])
    for threads in options.threads {
        let rate = median(results["\(name)|\(threads)"] ?? [])
        let cpu = median(results["\(name)|\(threads)|cpu"] ?? [])
        let reference = name == "uniform" ? numpyUniform : numpyNormal
        let ratio = reference.isNaN ? "–" : String(format: "%.2f×", cpu / reference)
        let scaling = one.isNaN ? "–" : String(format: "%.2f×", rate / one)
        print("| \(name) | \(threads) | \(format(cpu)) | \(ratio) | \(format(rate)) | \(String(format: "%.2f", rate * 4 / 1e9)) | \(scaling) |")
    }
}
if !numpyNormal.isNaN {
    print("| NumPy standard_normal | 1 | \(format(numpyNormal)) | 1.00× | | | |")
    print("| NumPy random | 1 | \(format(numpyUniform)) | 1.00× | | | |")
}
