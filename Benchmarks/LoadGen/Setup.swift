import Glibc

/// Before any run, as load.py does: waits until every server answers a line, then creates the
/// shared buckets on each. The setup's connections stay open until the tool exits: the guide's
/// acceptor crashes when a client's task has already finished by the time it hands the socket
/// over, which a connect-talk-close client provokes.
struct Setup {
    let endpoints: [Endpoint]
    let buckets: [String]
    let wait: Double
    let timeout: Double

    /// Returns the sockets to keep open.
    func prepare() throws(LoadGenError) -> [Int32] {
        var kept: [Int32] = []
        for endpoint in endpoints {
            kept.append(try awaitServer(endpoint))
            let socket = try Socket.connect(to: endpoint)
            kept.append(socket)
            Socket.setTimeout(socket, seconds: timeout)
            for bucket in buckets {
                try Socket.writeAll(socket, Array("CREATE \(bucket)\r\n".utf8), to: endpoint)
                let answer = try Socket.readLine(socket, from: endpoint)
                guard answer == Array("OK\r\n".utf8) else { throw .createFailed(endpoint, bucket: bucket, answer: answer) }
            }
        }
        return kept
    }

    /// Connects until the server answers `PING` (an unknown command) with one line.
    private func awaitServer(_ endpoint: Endpoint) throws(LoadGenError) -> Int32 {
        let deadline = Clock.now() + UInt64(wait * 1e9)
        while true {
            do throws(LoadGenError) {
                let socket = try Socket.connect(to: endpoint)
                Socket.setTimeout(socket, seconds: 2)
                do throws(LoadGenError) {
                    try Socket.writeAll(socket, Array("PING\r\n".utf8), to: endpoint)
                    _ = try Socket.readLine(socket, from: endpoint)
                    return socket
                } catch {
                    close(socket)
                    throw error
                }
            } catch {
                if Clock.now() > deadline { throw .notReady(endpoint, seconds: wait, reason: error.description) }
                usleep(200_000)
            }
        }
    }
}
