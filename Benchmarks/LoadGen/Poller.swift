import Glibc

/// The run's sockets under `poll(2)`, each known by its connection's index. A few dozen
/// connections cost poll nothing worth measuring, and it needs no headers Glibc's module lacks
/// (epoll's). Level-triggered: a socket with bytes unread is reported again, so none are missed.
final class Poller {
    private var watched: [pollfd]

    init(capacity: Int) {
        watched = Array(repeating: pollfd(fd: -1, events: 0, revents: 0), count: capacity)
    }

    func add(_ socket: Int32, index: Int) {
        watched[index] = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
    }

    /// Asks to be told also when the socket can take more bytes (a batch only partly written).
    func watchWrites(index: Int, _ writable: Bool) {
        watched[index].events = Int16(POLLIN) | (writable ? Int16(POLLOUT) : 0)
    }

    func remove(index: Int) {
        watched[index] = pollfd(fd: -1, events: 0, revents: 0)
    }

    /// Waits up to `milliseconds`; returns the ready connections' indices and what they are ready for.
    func wait(milliseconds: Int32) -> [(index: Int, events: Int16)] {
        let count = watched.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), milliseconds) }
        guard count > 0 else { return [] }
        var ready: [(index: Int, events: Int16)] = []
        ready.reserveCapacity(Int(count))
        for index in watched.indices where watched[index].revents != 0 {
            ready.append((index, watched[index].revents))
        }
        return ready
    }
}

extension Int16 {
    /// Whether poll reported input, an error or a hang-up: all are handled by reading.
    var isReadable: Bool { self & Int16(POLLIN | POLLERR | POLLHUP | POLLNVAL) != 0 }
    var isWritable: Bool { self & Int16(POLLOUT) != 0 }
}
