import Foundation

/// Runs a program in a child process with a wall-clock limit and reports how it ended: the one
/// place ckpt starts processes (for `HDF5Sandbox`).
///
/// The child is started with `posix_spawn`: standard input from `/dev/null`, standard output into
/// a pipe the parent reads (at most `maximumOutputBytes` kept), standard error to `/dev/null`
/// unless asked for, no other descriptor inherited. SIGINT, SIGTERM, SIGHUP and SIGPIPE get their default actions and no
/// signal is blocked, whatever the parent set (`ckpt batch` ignores SIGINT and SIGTERM while
/// it runs). A child still running at the deadline is killed with SIGKILL; every child is
/// waited for, so none is left a zombie.
enum ChildProcess {
    /// Serialises pipe creation and spawning (see `run`).
    private static let spawnLock = NSLock()

    #if canImport(Glibc)
    /// Adds "close every descriptor from 3 up" to a spawn's file actions: glibc's
    /// `posix_spawn_file_actions_addclosefrom_np` (2.34+), found at run time because Swift's
    /// Glibc module does not export it; nil when the C library lacks it.
    private static let closeDescriptorsFrom3: (@Sendable (UnsafeMutablePointer<posix_spawn_file_actions_t>) -> Int32)? = {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            return nil
        }
        let function = unsafeBitCast(symbol, to: AddCloseFrom.self)
        return { function($0, 3) }
    }()
    #else
    private static let closeDescriptorsFrom3: (@Sendable (UnsafeMutablePointer<posix_spawn_file_actions_t?>) -> Int32)? = nil
    #endif

    /// How the child ended.
    enum Outcome: Equatable {
        /// It exited with this status; `output` is what it wrote to standard output.
        case exited(status: Int32, output: [UInt8])
        /// A signal ended it (a crash: SIGSEGV, SIGABRT, SIGBUS, SIGTRAP, …).
        case signaled(Int32)
        /// It was still running at the deadline and was killed.
        case timedOut
    }

    /// Why the child could not be started: the failing call and its errno.
    struct StartError: Error, CustomStringConvertible {
        var call: String
        var errno: Int32
        var description: String { "\(call): \(String(cString: strerror(errno)))" }
    }

    /// Runs `executable` with `arguments` (not including argv[0], which is `executable`) and
    /// the parent's environment with `environment` set on top, for at most `timeout` seconds.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        timeout: Double, maximumOutputBytes: Int = 1 << 20, keepStandardError: Bool = false
    ) throws(StartError) -> Outcome {
        // The pipe is made close-on-exec under a lock held until the child is started, so a
        // child spawned by another thread never inherits this one's write end (which would
        // keep the pipe open after this child exits).
        spawnLock.lock()
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            spawnLock.unlock()
            throw StartError(call: "pipe", errno: errno)
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        defer { close(readEnd) }

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        if !keepStandardError {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        // Nothing else is inherited: libhdf5 opens files without O_CLOEXEC and locks them
        // with flock, and a child holding a copy of such a descriptor would keep the lock
        // after the parent closes the file (another open then fails with EAGAIN).
        _ = closeDescriptorsFrom3?(&actions)

        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var overridden = Set(environment.keys)
        var environmentLines = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        for (key, value) in ProcessInfo.processInfo.environment where overridden.insert(key).inserted {
            environmentLines.append("\(key)=\(value)")
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environmentLines.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(writeEnd)
        spawnLock.unlock()
        guard spawned == 0 else { throw StartError(call: "posix_spawn \(executable)", errno: spawned) }

        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, timeout) * 1e9)
        func millisecondsLeft() -> Int32 {
            let now = DispatchTime.now().uptimeNanoseconds
            return now >= deadline ? 0 : Int32(clamping: (deadline - now + 999_999) / 1_000_000)
        }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var endOfOutput = false
        while !endOfOutput, millisecondsLeft() > 0 {
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, millisecondsLeft())
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            if count <= 0 {
                endOfOutput = true
            } else if output.count < maximumOutputBytes {
                output += chunk.prefix(min(count, maximumOutputBytes - output.count))
            }
        }
        // Standard output is closed (the child is exiting) or the time is up.
        var status: Int32 = 0
        while true {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { break }
            if waited < 0, errno != EINTR { return .timedOut }  // cannot happen for our own child
            if millisecondsLeft() == 0 {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                return .timedOut
            }
            usleep(1000)
        }
        // WIFEXITED / WTERMSIG are C macros Swift does not import.
        let signal = status & 0x7f
        if signal == 0 { return .exited(status: (status >> 8) & 0xff, output: output) }
        return .signaled(signal)
    }

    /// `SIGSEGV`, `SIGABRT`, …, or `signal 42`.
    static func signalName(_ number: Int32) -> String {
        let names: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
            SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGXCPU: "SIGXCPU", SIGINT: "SIGINT", SIGTERM: "SIGTERM",
            SIGHUP: "SIGHUP", SIGPIPE: "SIGPIPE", SIGSYS: "SIGSYS",
        ]
        return names[number] ?? "signal \(number)"
    }
}
