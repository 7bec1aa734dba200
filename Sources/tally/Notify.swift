#if canImport(Glibc)
import Glibc
#endif
import TallyCore

/// POSTs JSON to a webhook, with a timeout per attempt and retries with backoff. http://
/// goes through a small HTTP/1.1 client over a socket (Tally has no HTTP dependency, and
/// a webhook POST needs nothing more); https:// through the system's `curl`, for TLS
/// (linking Foundation's networking would slow every command's start).
enum Webhook {
    struct Target { let host: String; let port: String; let path: String }

    static func parse(_ url: String) throws(CLIFailure) -> Target {
        if url.hasPrefix("https://") && url.count > 8 { return Target(host: "", port: "", path: url) }
        guard url.hasPrefix("http://") else {
            throw .usage("tally: --notify \(url): the webhook must be an http:// or https:// URL")
        }
        let rest = url.dropFirst(7)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash == rest.endIndex ? "/" : String(rest[slash...])
        guard !authority.isEmpty else { throw .usage("tally: --notify \(url): no host") }
        if let colon = authority.lastIndex(of: ":"), !authority.hasPrefix("[") {
            return Target(host: String(authority[..<colon]), port: String(authority[authority.index(after: colon)...]), path: path)
        }
        return Target(host: String(authority), port: "80", path: path)
    }

    /// Sends `body`; nil on a 2xx answer, else why the last attempt failed.
    static func post(_ url: String, body: String, timeoutSeconds: Int, attempts: Int = 3) throws(CLIFailure) -> String? {
        let target = try parse(url)
        var problem: String?
        for attempt in 1...attempts {
            problem = url.hasPrefix("https://") ? viaCurl(url, body: body, timeoutSeconds: timeoutSeconds) : once(target, body: body, timeoutSeconds: timeoutSeconds)
            if problem == nil { return nil }
            if attempt < attempts { usleep(useconds_t(250_000 << (attempt - 1))) }
        }
        return "\(problem ?? "failed") (after \(attempts) attempts)"
    }

    static func once(_ t: Target, body: String, timeoutSeconds: Int) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(t.host, t.port, &hints, &list) == 0, let first = list else { return "cannot resolve \(t.host)" }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return "cannot open a socket" }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            return "cannot connect to \(t.host):\(t.port): \(String(cString: strerror(errno)))"
        }
        let request = "POST \(t.path) HTTP/1.1\r\nHost: \(t.host)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nUser-Agent: tally\r\nConnection: close\r\n\r\n" + body
        var bytes = Array(request.utf8)
        guard bytes.withUnsafeBufferPointer({ Output.writeAll(fd: fd, $0) }) else { return "cannot send: \(String(cString: strerror(errno)))" }
        bytes = [UInt8](repeating: 0, count: 512)
        let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return n == 0 ? "the server closed the connection without answering" : "no answer within \(timeoutSeconds) s" }
        let statusLine = String(decoding: bytes[0..<n], as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let code = Int(parts[1]) else { return "not an HTTP answer: \(statusLine)" }
        return (200..<300).contains(code) ? nil : "HTTP \(code)"
    }

    /// POSTs with `curl` (for TLS): the body on its standard input, --fail for HTTP errors.
    static func viaCurl(_ url: String, body: String, timeoutSeconds: Int) -> String? {
        var input: [Int32] = [0, 0]
        guard pipe(&input) == 0 else { return "cannot open a pipe" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_addclose(&actions, input[1])
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ["curl", "--silent", "--fail", "--max-time", String(timeoutSeconds), "-X", "POST",
                    "-H", "Content-Type: application/json", "-H", "User-Agent: tally", "--data-binary", "@-", url]
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "curl", &actions, nil, &cArgs, environ)
        close(input[0])
        guard rc == 0 else { close(input[1]); return "https needs the curl command, which is not installed" }
        var bytes = Array(body.utf8)
        _ = bytes.withUnsafeBufferPointer { Output.writeAll(fd: input[1], $0) }
        bytes = []
        close(input[1])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status >> 8) & 0xff
        switch code {
        case 0: return nil
        case 6: return "cannot resolve the host"
        case 7: return "cannot connect"
        case 22: return "the server answered with an HTTP error"
        case 28: return "no answer within \(timeoutSeconds) s"
        case 35, 51, 58, 60: return "the TLS handshake or certificate check failed (curl exit \(code))"
        default: return "curl failed with exit status \(code)"
        }
    }
}
