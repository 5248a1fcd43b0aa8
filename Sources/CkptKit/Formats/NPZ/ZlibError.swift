/// A zlib failure, with zlib's own message when it gave one.
struct ZlibError: Error, Sendable, CustomStringConvertible {
    var operation: String
    var code: Int32
    var message: String?

    var description: String {
        "zlib \(operation) returned \(code)" + (message.map { " (\($0))" } ?? "")
    }
}
