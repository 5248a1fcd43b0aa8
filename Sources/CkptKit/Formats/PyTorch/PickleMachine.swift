/// Why ckpt's pickle interpreter stopped: the offset of the opcode in the pickle, and what.
struct PickleProblem: Error, Sendable {
    var kind: TorchError.Kind
    var offset: Int
    var reason: String
    /// The pickle ran out of bytes (a longer prefix of the file may hold the rest).
    var isTruncation = false
}

/// An allow-list pickle interpreter that executes nothing (protocols 2 to 5, and the protocol 0
/// and 1 opcodes those still use).
///
/// It builds plain values (``PickleValue``) and evaluates, itself, the few calls a state dict
/// needs: `OrderedDict()`, torch's `_rebuild_tensor_v2`/`v3`, `_rebuild_parameter`,
/// `_rebuild_from_type_v2`, `torch.Size`, `torch.device`, `_codecs.encode`, `set`. A `GLOBAL`
/// or `STACK_GLOBAL` naming anything else is refused where it stands, as are the opcodes that
/// build arbitrary objects (`INST`, `OBJ`, `NEWOBJ`, `NEWOBJ_EX`, `BUILD` but on an `OrderedDict`, `EXT*`, text
/// `PERSID`) and out-of-band buffers. Opcode semantics: CPython's Lib/pickletools.py and
/// Lib/pickle.py; the design follows huggingface/candle's candle-core/src/pickle.rs and torch's
/// torch/_weights_only_unpickler.py (which is a deny-by-default unpickler too, but in Python).
///
/// Every length is checked against the bytes left before anything is allocated, and the number
/// of values made is capped (``maximumValues``), so memory is bounded by the pickle's size.
struct PickleMachine {
    /// The most values (stack entries, memo entries, container elements) one pickle may make:
    /// a state dict makes about 40 per tensor, so this allows 100 000 tensors, and a hostile
    /// pickle costs at most about 200 MB (16 million took 690 MB, measured).
    static let maximumValues = 4_000_000
    /// The longest text line (a protocol 0 `GLOBAL`, `INT`, `GET`) read.
    static let maximumLine = 4096

    /// Resolves a storage persistent id: key, element type (nil: untyped bytes), element count.
    typealias StorageResolver = (_ key: String, _ dtype: DType?, _ count: Int) throws(PickleProblem) -> TorchStorage

    private let bytes: [UInt8]
    private var position: Int
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private(set) var heap = PickleHeap()
    private var made = 0
    private var opcodeOffset = 0
    /// The dicts `collections.OrderedDict()` made: the only objects a `BUILD` may set attributes on.
    private var orderedDicts = Set<Int>()
    private let resolveStorage: StorageResolver

    /// Reads the pickle that starts at `start` in `bytes`.
    init(bytes: [UInt8], start: Int = 0, resolveStorage: @escaping StorageResolver) {
        self.bytes = bytes
        self.position = start
        self.resolveStorage = resolveStorage
    }

    /// Where the pickle ended (after `STOP`), once ``run()`` returned.
    var end: Int { position }

    /// Interprets opcodes up to `STOP` and returns the value left on the stack.
    mutating func run() throws(PickleProblem) -> PickleValue {
        while true {
            opcodeOffset = position
            let opcode = try byte()
            if opcode == 0x2E {  // STOP
                guard let top = stack.popLast(), stack.isEmpty, marks.isEmpty else {
                    throw fail(.invalidPickle, "STOP with \(stack.count + 1) values on the stack (expected 1) or an open MARK")
                }
                return top
            }
            try step(opcode)
        }
    }

    // MARK: - Opcodes

    private mutating func step(_ opcode: UInt8) throws(PickleProblem) {
        switch opcode {
        case 0x80:  // PROTO
            let version = try byte()
            guard version <= 5 else { throw fail(.invalidPickle, "pickle protocol \(version) is newer than 5") }
        case 0x95:  // FRAME: a length hint only
            _ = try take(8)
        case 0x28:  // MARK
            marks.append(stack.count)
        case 0x30:  // POP
            if let mark = marks.last, mark == stack.count {
                marks.removeLast()  // pickle.py: POP of a MARK drops the mark
            } else {
                _ = try pop()
            }
        case 0x31:  // POP_MARK
            _ = try popMark()
        case 0x32:  // DUP
            try push(try peek())
        case 0x4E: try push(.none)  // NONE
        case 0x88: try push(.bool(true))  // NEWTRUE
        case 0x89: try push(.bool(false))  // NEWFALSE
        case 0x4B: try push(.int(Int(try byte())))  // BININT1
        case 0x4D: try push(.int(Int(try littleEndian(2))))  // BININT2
        case 0x4A: try push(.int(Int(Int32(truncatingIfNeeded: try littleEndian(4)))))  // BININT
        case 0x8A: try push(try long(count: Int(try byte())))  // LONG1
        case 0x8B:  // LONG4
            let count = Int32(truncatingIfNeeded: try littleEndian(4))
            guard count >= 0 else { throw fail(.invalidPickle, "LONG4 with a negative length \(count)") }
            try push(try long(count: Int(count)))
        case 0x49: try push(try textInt())  // INT
        case 0x4C:  // LONG (protocol 0): digits and an L
            var text = try line()
            if text.hasSuffix("L") { text.removeLast() }
            guard let value = Int(text) else { throw fail(.unsupported, "LONG '\(text)' does not fit in 64 bits") }
            try push(.int(value))
        case 0x47:  // BINFLOAT: big-endian IEEE double (pickletools)
            let raw = try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            try push(.float(Double(bitPattern: raw)))
        case 0x46:  // FLOAT (protocol 0)
            let text = try line()
            guard let value = Double(text) else { throw fail(.invalidPickle, "FLOAT '\(text)' is not a number") }
            try push(.float(value))
        case 0x58: try push(.string(try utf8(count: try length(4))))  // BINUNICODE
        case 0x8C: try push(.string(try utf8(count: Int(try byte()))))  // SHORT_BINUNICODE
        case 0x8D: try push(.string(try utf8(count: try length(8))))  // BINUNICODE8
        case 0x55: try push(.string(latin1(try take(Int(try byte())))))  // SHORT_BINSTRING (Python 2 str)
        case 0x54: try push(.string(latin1(try take(try length(4)))))  // BINSTRING
        case 0x43: try push(.bytes(try take(Int(try byte()))))  // SHORT_BINBYTES
        case 0x42: try push(.bytes(try take(try length(4))))  // BINBYTES
        case 0x8E, 0x96: try push(.bytes(try take(try length(8))))  // BINBYTES8, BYTEARRAY8
        case 0x29: try push(.tuple([]))  // EMPTY_TUPLE
        case 0x74: try push(.tuple(try popMark()))  // TUPLE
        case 0x85: try push(.tuple([try pop()]))  // TUPLE1
        case 0x86:  // TUPLE2
            let second = try pop()
            try push(.tuple([try pop(), second]))
        case 0x87:  // TUPLE3
            let third = try pop()
            let second = try pop()
            try push(.tuple([try pop(), second, third]))
        case 0x5D, 0x8F: try push(try newList([]))  // EMPTY_LIST, EMPTY_SET
        case 0x6C, 0x91: try push(try newList(try popMark()))  // LIST, FROZENSET
        case 0x61:  // APPEND
            let item = try pop()
            try append([item])
        case 0x65, 0x90:  // APPENDS, ADDITEMS
            let items = try popMark()
            try append(items)
        case 0x7D: try push(try newDict([]))  // EMPTY_DICT
        case 0x64:  // DICT
            try push(try newDict(try pairs(try popMark())))
        case 0x73:  // SETITEM
            let value = try pop()
            let key = try pop()
            try setItems([(key, value)])
        case 0x75:  // SETITEMS
            let items = try pairs(try popMark())
            try setItems(items)
        case 0x68: try get(Int(try byte()))  // BINGET
        case 0x6A: try get(Int(try littleEndian(4)))  // LONG_BINGET
        case 0x67:  // GET
            let text = try line()
            guard let index = Int(text) else { throw fail(.invalidPickle, "GET '\(text)' is not a memo index") }
            try get(index)
        case 0x71: try put(Int(try byte()))  // BINPUT
        case 0x72: try put(Int(try littleEndian(4)))  // LONG_BINPUT
        case 0x70:  // PUT
            let text = try line()
            guard let index = Int(text) else { throw fail(.invalidPickle, "PUT '\(text)' is not a memo index") }
            try put(index)
        case 0x94: try put(memo.count)  // MEMOIZE
        case 0x63:  // GLOBAL: "module\nname\n"
            let module = try line()
            let name = try line()
            try push(.global(try allowed(module: module, name: name)))
        case 0x93:  // STACK_GLOBAL
            let name = try pop()
            let module = try pop()
            guard case .string(let moduleText) = module, case .string(let nameText) = name else {
                throw fail(.invalidPickle, "STACK_GLOBAL needs two strings, got \(module.kindName) and \(name.kindName)")
            }
            try push(.global(try allowed(module: moduleText, name: nameText)))
        case 0x52:  // REDUCE
            let arguments = try pop()
            let callable = try pop()
            guard case .tuple(let values) = arguments else {
                throw fail(.invalidPickle, "REDUCE with arguments that are \(arguments.kindName), not a tuple")
            }
            try push(try call(callable, values))
        case 0x51:  // BINPERSID
            try push(try persistentLoad(try pop()))
        case 0x69: throw fail(.refused, "opcode INST builds an arbitrary object; refused")
        case 0x6F: throw fail(.refused, "opcode OBJ builds an arbitrary object; refused")
        case 0x81: throw fail(.refused, "opcode NEWOBJ builds an arbitrary object; refused")
        case 0x92: throw fail(.refused, "opcode NEWOBJ_EX builds an arbitrary object; refused")
        case 0x62:  // BUILD
            let state = try pop()
            try build(try peek(), state: state)
        case 0x82, 0x83, 0x84: throw fail(.refused, "opcode EXT names a global through the extension registry; refused")
        case 0x50: throw fail(.refused, "opcode PERSID (a text persistent id) is not what torch.save writes; refused")
        case 0x97, 0x98: throw fail(.refused, "out-of-band buffers (NEXT_BUFFER, READONLY_BUFFER) are not supported")
        case 0x53, 0x56: throw fail(.unsupported, "protocol 0 text strings (STRING, UNICODE) are not supported")
        default:
            throw fail(.invalidPickle, "unknown opcode 0x\(String(opcode, radix: 16))")
        }
    }

    // MARK: - Calls

    /// The allow-list (``TorchGlobal``); anything else is refused with its name and offset.
    private func allowed(module: String, name: String) throws(PickleProblem) -> TorchGlobal {
        if let global = TorchGlobal(module: module, name: name) { return global }
        if module == "torch", TorchGlobal.unsupportedStorageTypes.contains(name) || TorchGlobal.unsupportedDTypes.contains(name) {
            throw fail(.unsupported, "torch.\(name): ckpt has no element type for it")
        }
        throw fail(.refused, "global '\(module).\(name)' is not in ckpt's allow-list (a state dict needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and the like); refused, nothing was run")
    }

    private mutating func call(_ callable: PickleValue, _ arguments: [PickleValue]) throws(PickleProblem) -> PickleValue {
        guard case .global(let global) = callable else {
            throw fail(.invalidPickle, "REDUCE of \(callable.kindName), which is not callable")
        }
        switch global {
        case .orderedDict:
            if arguments.isEmpty { return try newOrderedDict([]) }
            guard arguments.count == 1, case .list(let id) = arguments[0] else {
                throw fail(.unsupported, "collections.OrderedDict called with \(arguments.count) arguments (expected none or a list of pairs)")
            }
            var items: [(key: PickleValue, value: PickleValue)] = []
            for item in heap.lists[id] {
                guard case .tuple(let pair) = item, pair.count == 2 else {
                    throw fail(.invalidPickle, "collections.OrderedDict given \(item.kindName), not a (key, value) pair")
                }
                items.append((pair[0], pair[1]))
            }
            return try newOrderedDict(items)
        case .rebuildTensorV2, .rebuildTensorV3, .rebuildParameter:
            return try rebuild(global, arguments)
        case .rebuildFromTypeV2:
            // (func, new_type, args, state): the func must be a rebuild, the type a tensor type.
            guard arguments.count == 4, case .global(let function) = arguments[0], case .tuple(let inner) = arguments[2] else {
                throw fail(.invalidPickle, "torch._tensor._rebuild_from_type_v2 needs (func, type, args, state)")
            }
            guard [.rebuildTensorV2, .rebuildTensorV3, .rebuildParameter].contains(function) else {
                throw fail(.refused, "torch._tensor._rebuild_from_type_v2 asked to call \(function.qualifiedName), which is not a tensor rebuild; refused")
            }
            guard case .global(.tensorType) = arguments[1] else {
                throw fail(.refused, "torch._tensor._rebuild_from_type_v2 asked for type \(arguments[1].kindName), not torch.Tensor or torch.nn.parameter.Parameter; refused")
            }
            switch arguments[3] {
            case .none, .dict: break  // Python attributes of the tensor subclass: not ckpt's concern
            default: throw fail(.invalidPickle, "torch._tensor._rebuild_from_type_v2's state is \(arguments[3].kindName)")
            }
            return try rebuild(function, inner)
        case .size:
            guard arguments.count == 1, case .tuple(let dims) = arguments[0] else {
                throw fail(.invalidPickle, "torch.Size needs one tuple")
            }
            return .tuple(dims)
        case .device:
            guard let first = arguments.first, case .string(let name) = first, arguments.count <= 2 else {
                throw fail(.invalidPickle, "torch.device needs a device name")
            }
            return .string(name)
        case .codecsEncode:
            // Protocol 2 pickles bytes as _codecs.encode(text, "latin1").
            guard arguments.count == 2, case .string(let text) = arguments[0], case .string(let codec) = arguments[1],
                  ["latin1", "latin-1", "iso-8859-1"].contains(codec.lowercased())
            else { throw fail(.unsupported, "_codecs.encode is read only as (text, 'latin1'), as protocol 2 writes bytes") }
            var out: [UInt8] = []
            for scalar in text.unicodeScalars {
                guard scalar.value < 256 else { throw fail(.invalidPickle, "_codecs.encode: a character above U+00FF in latin1 text") }
                out.append(UInt8(scalar.value))
            }
            return .bytes(out)
        case .set:
            if arguments.isEmpty { return try newList([]) }
            guard arguments.count == 1 else { throw fail(.invalidPickle, "set called with \(arguments.count) arguments") }
            switch arguments[0] {
            case .list(let id): return try newList(heap.lists[id])
            case .tuple(let items): return try newList(items)
            default: throw fail(.invalidPickle, "set of \(arguments[0].kindName)")
            }
        case .typedStorage, .untypedStorage, .dtype, .tensorType:
            throw fail(.refused, "\(global.qualifiedName) is not called by a state dict; refused")
        }
    }

    /// `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`,
    /// `_rebuild_tensor_v3(storage, offset, size, stride, requires_grad, hooks, dtype[, metadata])`
    /// (torch/_utils.py), and `_rebuild_parameter(data, requires_grad, hooks)`.
    private func rebuild(_ function: TorchGlobal, _ arguments: [PickleValue]) throws(PickleProblem) -> PickleValue {
        let name = function.qualifiedName
        if function == .rebuildParameter {
            guard arguments.count == 3, case .tensor = arguments[0] else {
                throw fail(.invalidPickle, "\(name) needs (tensor, requires_grad, hooks)")
            }
            return arguments[0]
        }
        let isV3 = function == .rebuildTensorV3
        guard arguments.count >= (isV3 ? 7 : 6), arguments.count <= (isV3 ? 8 : 7) else {
            throw fail(.invalidPickle, "\(name) called with \(arguments.count) arguments")
        }
        guard case .storage(let storage) = arguments[0] else {
            throw fail(.invalidPickle, "\(name)'s first argument is \(arguments[0].kindName), not a storage")
        }
        let dtype: DType
        if isV3 {
            guard case .global(.dtype(let given)) = arguments[6] else {
                throw fail(.invalidPickle, "\(name)'s dtype argument is \(arguments[6].kindName)")
            }
            if let typed = storage.dtype, typed != given {
                throw fail(.invalidPickle, "\(name): a \(typed.rawValue) storage read as \(given.rawValue)")
            }
            dtype = given
        } else {
            guard let typed = storage.dtype else {
                throw fail(.invalidPickle, "\(name) given an untyped storage (only _rebuild_tensor_v3 takes one)")
            }
            dtype = typed
        }
        guard case .int(let offset) = arguments[1], offset >= 0 else {
            throw fail(.invalidPickle, "\(name)'s storage offset is \(arguments[1].kindName), not a non-negative int")
        }
        let shape = try integers(arguments[2], what: "size", of: name)
        let stride = try integers(arguments[3], what: "stride", of: name)
        guard shape.count == stride.count else {
            throw fail(.invalidPickle, "\(name): size \(shape) and stride \(stride) differ in length")
        }
        guard shape.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }) else {
            throw fail(.invalidPickle, "\(name): negative size \(shape) or stride \(stride)")
        }
        var elements = 1
        var extent = 1  // one past the last element addressed, relative to the offset
        for (size, step) in zip(shape, stride) {
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow else { throw fail(.invalidPickle, "\(name): size \(shape) overflows") }
            elements = product
            if size > 0 {
                let (reach, overflow2) = (size - 1).multipliedReportingOverflow(by: step)
                let (sum, overflow3) = extent.addingReportingOverflow(reach)
                guard !overflow2, !overflow3 else { throw fail(.invalidPickle, "\(name): stride \(stride) overflows") }
                extent = sum
            }
        }
        if elements == 0 { extent = 0 }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        let (endElement, overflow2) = offset.addingReportingOverflow(extent)
        let (endByte, overflow3) = endElement.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, !overflow2, !overflow3, endByte <= storage.byteCount else {
            throw fail(.invalidPickle, "\(name): a \(dtype.rawValue) tensor of size \(shape), stride \(stride) at offset \(offset) reaches past its storage '\(storage.key)' of \(storage.byteCount) bytes")
        }
        return .tensor(TorchTensor(storage: storage, dtype: dtype, storageOffset: offset, shape: shape, stride: stride, byteCount: bytes))
    }

    private func integers(_ value: PickleValue, what: String, of name: String) throws(PickleProblem) -> [Int] {
        guard case .tuple(let items) = value else { throw fail(.invalidPickle, "\(name)'s \(what) is \(value.kindName), not a tuple") }
        var out: [Int] = []
        for item in items {
            guard case .int(let number) = item else { throw fail(.invalidPickle, "\(name)'s \(what) holds \(item.kindName)") }
            out.append(number)
        }
        return out
    }

    /// `('storage', <storage class>, key, location, numel[, view_metadata])`
    /// (torch/serialization.py, `persistent_id` of `_save` and `_legacy_save`).
    private func persistentLoad(_ pid: PickleValue) throws(PickleProblem) -> PickleValue {
        guard case .tuple(let items) = pid, items.count == 5 || items.count == 6, case .string("storage") = items[0] else {
            throw fail(.refused, "a persistent id that is not ('storage', type, key, location, numel); refused")
        }
        let dtype: DType?
        switch items[1] {
        case .global(.typedStorage(let typed)): dtype = typed
        case .global(.untypedStorage): dtype = nil
        default: throw fail(.invalidPickle, "a storage persistent id whose type is \(items[1].kindName)")
        }
        guard case .string(let key) = items[2], case .string = items[3], case .int(let count) = items[4], count >= 0 else {
            throw fail(.invalidPickle, "a storage persistent id without a string key, a location and a count")
        }
        var storage: TorchStorage
        do {
            storage = try resolveStorage(key, dtype, count)
        } catch {
            throw PickleProblem(kind: error.kind, offset: opcodeOffset, reason: error.reason)
        }
        if items.count == 6, case .tuple(let view) = items[5] {
            // Legacy storage views (view_key, offset, size), in elements of the root storage.
            guard view.count == 3, case .int(let start) = view[1], case .int(let size) = view[2], start >= 0, size >= 0 else {
                throw fail(.invalidPickle, "a storage view that is not (key, offset, size)")
            }
            let element = (dtype ?? .uint8).byteSize
            let (end, overflow) = start.addingReportingOverflow(size)
            guard !overflow, end <= storage.byteCount / element else {
                throw fail(.invalidPickle, "a view of \(size) elements at \(start) of storage '\(key)', which has \(storage.byteCount / element)")
            }
            storage.recordOffset += start * element
            storage.byteCount = size * element
        } else if items.count == 6, case .none = items[5] {
        } else if items.count == 6 {
            throw fail(.invalidPickle, "a storage persistent id with view metadata \(items[5].kindName)")
        }
        return .storage(storage)
    }

    // MARK: - Stack, memo, containers

    private mutating func push(_ value: PickleValue) throws(PickleProblem) {
        try count(1)
        stack.append(value)
    }

    private mutating func pop() throws(PickleProblem) -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.popLast() else {
            throw fail(.invalidPickle, "pops from an empty stack (or past a MARK)")
        }
        return value
    }

    private func peek() throws(PickleProblem) -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.last else { throw fail(.invalidPickle, "DUP of an empty stack") }
        return value
    }

    private mutating func popMark() throws(PickleProblem) -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail(.invalidPickle, "no MARK to pop to") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func count(_ values: Int) throws(PickleProblem) {
        made += values
        guard made <= Self.maximumValues else {
            throw fail(.invalidPickle, "makes more than \(Self.maximumValues) values; ckpt reads state dicts, not this")
        }
    }

    private mutating func newList(_ items: [PickleValue]) throws(PickleProblem) -> PickleValue {
        try count(1)
        heap.lists.append(items)
        return .list(heap.lists.count - 1)
    }

    private mutating func newDict(_ items: [(key: PickleValue, value: PickleValue)]) throws(PickleProblem) -> PickleValue {
        try count(1)
        heap.dicts.append(items)
        return .dict(heap.dicts.count - 1)
    }

    private mutating func newOrderedDict(_ items: [(key: PickleValue, value: PickleValue)]) throws(PickleProblem) -> PickleValue {
        let value = try newDict(items)
        if case .dict(let id) = value { orderedDicts.insert(id) }
        return value
    }

    /// `BUILD` on an `OrderedDict`: `torch.save(module.state_dict())` pickles the state dict's
    /// `_metadata` attribute (per-module versions) as `OrderedDict.__reduce__`'s state, a dict
    /// of attribute names (Lib/collections/__init__.py, Lib/pickle.py `save_reduce`). The state
    /// is checked to hold plain values only and dropped: attributes are not items, and nothing
    /// is set or called. A `BUILD` on anything else (any object's `__setstate__`) is refused.
    private func build(_ object: PickleValue, state: PickleValue) throws(PickleProblem) {
        guard case .dict(let id) = object, orderedDicts.contains(id) else {
            throw fail(.refused, "opcode BUILD sets the state (__setstate__) of \(object.kindName), not of a collections.OrderedDict; refused")
        }
        guard case .dict(let stateID) = state else {
            throw fail(.refused, "opcode BUILD on an OrderedDict with a state that is \(state.kindName), not a dict of attributes; refused")
        }
        for (key, _) in heap.dicts[stateID] {
            guard case .string = key else {
                throw fail(.refused, "opcode BUILD on an OrderedDict with an attribute named by \(key.kindName); refused")
            }
        }
        try requirePlain(heap.dicts[stateID].map(\.value))
    }

    /// Checks that `values` are built of plain values only (no tensor, storage or global), as a
    /// state dict's `_metadata` is (`{"": {"version": 1}, "conv1": {"version": 1}, …}`). Each
    /// container is visited once, so a shared or self-containing one costs nothing more.
    private func requirePlain(_ values: [PickleValue]) throws(PickleProblem) {
        var pending = values
        var seenLists = Set<Int>(), seenDicts = Set<Int>()
        while let value = pending.popLast() {
            switch value {
            case .none, .bool, .int, .bigInt, .float, .string, .bytes: continue
            case .tuple(let items): pending.append(contentsOf: items)
            case .list(let id):
                if seenLists.insert(id).inserted { pending.append(contentsOf: heap.lists[id]) }
            case .dict(let id):
                if seenDicts.insert(id).inserted {
                    for (key, item) in heap.dicts[id] { pending.append(key); pending.append(item) }
                }
            case .global, .storage, .tensor:
                throw fail(.refused, "opcode BUILD on an OrderedDict with an attribute holding \(value.kindName), not plain values; refused")
            }
        }
    }

    private func pairs(_ items: [PickleValue]) throws(PickleProblem) -> [(key: PickleValue, value: PickleValue)] {
        guard items.count % 2 == 0 else { throw fail(.invalidPickle, "an odd number of items for a dict") }
        return stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
    }

    private mutating func append(_ items: [PickleValue]) throws(PickleProblem) {
        guard case .list(let id) = try peek() else { throw fail(.invalidPickle, "APPEND to something that is not a list") }
        try count(items.count)
        heap.lists[id].append(contentsOf: items)
    }

    private mutating func setItems(_ items: [(key: PickleValue, value: PickleValue)]) throws(PickleProblem) {
        guard case .dict(let id) = try peek() else { throw fail(.invalidPickle, "SETITEM on something that is not a dict") }
        try count(items.count)
        // A repeated key is kept twice here; the walk (TorchObjectWalk) refuses repeated names.
        heap.dicts[id].append(contentsOf: items)
    }

    private mutating func get(_ index: Int) throws(PickleProblem) {
        guard let value = memo[index] else { throw fail(.invalidPickle, "memo entry \(index) read before it was written") }
        try push(value)
    }

    private mutating func put(_ index: Int) throws(PickleProblem) {
        try count(1)
        memo[index] = try peek()
    }

    // MARK: - Bytes

    private mutating func byte() throws(PickleProblem) -> UInt8 {
        guard position < bytes.count else { throw truncated() }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func take(_ count: Int) throws(PickleProblem) -> [UInt8] {
        guard count >= 0, count <= bytes.count - position else { throw truncated(count) }
        defer { position += count }
        return Array(bytes[position ..< position + count])
    }

    private mutating func littleEndian(_ count: Int) throws(PickleProblem) -> UInt64 {
        guard count <= bytes.count - position else { throw truncated(count) }
        var value: UInt64 = 0
        for i in (0 ..< count).reversed() { value = value << 8 | UInt64(bytes[position + i]) }
        position += count
        return value
    }

    /// A length field, which must fit in the bytes left (checked before anything is allocated).
    private mutating func length(_ width: Int) throws(PickleProblem) -> Int {
        let value = try littleEndian(width)
        guard value <= UInt64(bytes.count - position) else {
            var problem = fail(.invalidPickle, "a length of \(value) bytes, but only \(bytes.count - position) are left")
            problem.isTruncation = true
            throw problem
        }
        return Int(value)
    }

    private mutating func utf8(count: Int) throws(PickleProblem) -> String {
        let raw = try take(count)
        guard let text = String(validating: raw, as: UTF8.self) else { throw fail(.invalidPickle, "a string that is not valid UTF-8") }
        return text
    }

    private func latin1(_ raw: [UInt8]) -> String {
        String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) }))
    }

    private mutating func line() throws(PickleProblem) -> String {
        let limit = min(bytes.count, position + Self.maximumLine)
        guard let newline = bytes[position ..< limit].firstIndex(of: 0x0A) else {
            var problem = fail(.invalidPickle, "a text argument with no newline in \(Self.maximumLine) bytes")
            problem.isTruncation = limit == bytes.count
            throw problem
        }
        defer { position = newline + 1 }
        var raw = Array(bytes[position ..< newline])
        if raw.last == 0x0D { raw.removeLast() }
        guard let text = String(validating: raw, as: UTF8.self) else { throw fail(.invalidPickle, "a text argument that is not UTF-8") }
        return text
    }

    private mutating func textInt() throws(PickleProblem) -> PickleValue {
        let text = try line()
        switch text {
        case "00": return .bool(false)  // pickle.py: protocol 0 booleans
        case "01": return .bool(true)
        default:
            guard let value = Int(text) else { throw fail(.unsupported, "INT '\(text)' does not fit in 64 bits") }
            return .int(value)
        }
    }

    /// LONG1/LONG4: little-endian two's complement of `count` bytes.
    private mutating func long(count: Int) throws(PickleProblem) -> PickleValue {
        guard count <= bytes.count - position else { throw truncated(count) }
        let raw = try take(count)
        guard count <= 8 else { return .bigInt(raw) }
        if count == 0 { return .int(0) }
        var value: UInt64 = 0
        for byte in raw.reversed() { value = value << 8 | UInt64(byte) }
        if raw[count - 1] & 0x80 != 0, count < 8 { value |= ~UInt64(0) << (8 * count) }  // sign-extend
        return .int(Int(Int64(bitPattern: value)))
    }

    private func truncated(_ wanted: Int = 1) -> PickleProblem {
        var problem = fail(.invalidPickle, "truncated: the opcode needs \(wanted) more bytes, \(max(0, bytes.count - position)) are left")
        problem.isTruncation = true
        return problem
    }

    private func fail(_ kind: TorchError.Kind, _ reason: String) -> PickleProblem {
        PickleProblem(kind: kind, offset: opcodeOffset, reason: reason)
    }
}
