import Foundation
import Testing
@testable import Distribution

/// A fresh home directory, removed afterwards.
struct TemporaryHome: ~Copyable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("kvsh-cookie-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var cookieFile: String { path + "/.erlang.cookie" }
    /// A `$XDG_CONFIG_HOME` inside this home, so the test never reads the real environment's.
    var configHome: String { path + "/config" }

    func write(_ contents: String, to file: String? = nil, mode: Int = 0o400) throws {
        let file = file ?? cookieFile
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: file) { try FileManager.default.removeItem(atPath: file) }
        let created = FileManager.default.createFile(
            atPath: file, contents: Data(contents.utf8), attributes: [.posixPermissions: mode])
        #expect(created, "could not write \(file)")
    }

    func load(explicit: String? = nil) throws(CookieError) -> String {
        try Cookie.load(explicit: explicit, home: path, configHome: configHome)
    }

    func mode(of file: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) ?? -1
    }
}

@Suite struct CookieTests {
    static func error(_ home: borrowing TemporaryHome) -> CookieError? {
        do {
            _ = try home.load()
            return nil
        } catch {
            return error
        }
    }

    @Test func explicitCookieWins() throws {
        let home = try TemporaryHome()
        try home.write("FROMFILE", mode: 0o644)
        #expect(try home.load(explicit: "SECRET") == "SECRET")
    }

    @Test func createsACookieAsErlDoes() throws {
        let home = try TemporaryHome()
        let cookie = try home.load()
        #expect(cookie.count == 20)
        #expect(cookie.utf8.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) })
        #expect(try String(contentsOfFile: home.cookieFile, encoding: .utf8) == cookie)
        #expect(try home.mode(of: home.cookieFile) == 0o400)
        #expect(try home.load() == cookie)
        #expect(!FileManager.default.fileExists(atPath: home.configHome))
    }

    @Test func readsAnExistingCookieDroppingLineEndsOnly() throws {
        let home = try TemporaryHome()
        for (contents, cookie) in [("ABC", "ABC"), ("ABC\n", "ABC"), ("ABC\r\n\n", "ABC"), ("  A~ B  \n", "  A~ B  ")] {
            try home.write(contents)
            #expect(try home.load() == cookie)
        }
    }

    @Test func fallsBackToTheXDGConfigDirectory() throws {
        let home = try TemporaryHome()
        let xdgFile = home.configHome + "/erlang/.erlang.cookie"
        try home.write("XDGCOOKIE", to: xdgFile)
        #expect(try home.load() == "XDGCOOKIE")
        #expect(!FileManager.default.fileExists(atPath: home.cookieFile))
        try home.write("HOMECOOKIE")
        #expect(try home.load() == "HOMECOOKIE")
    }

    @Test(arguments: [0o600, 0o700, 0o400])
    func ownerOnlyModesAreAccepted(mode: Int) throws {
        let home = try TemporaryHome()
        try home.write("OK", mode: mode)
        #expect(try home.load() == "OK")
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o444])
    func modesOthersCanAccessAreRefused(mode: Int) throws {
        let home = try TemporaryHome()
        try home.write("OPEN", mode: mode)
        let error = Self.error(home)
        #expect(error == .notOwnerOnly(path: home.cookieFile, mode: UInt32(mode)))
        #expect(error?.description == "Cookie file \(home.cookieFile) must be accessible by owner only")
    }

    @Test func aDirectoryIsRefused() throws {
        let home = try TemporaryHome()
        try FileManager.default.createDirectory(atPath: home.cookieFile, withIntermediateDirectories: false)
        let error = Self.error(home)
        #expect(error == .notRegularFile(path: home.cookieFile, type: "directory"))
        #expect(error?.description == "Cookie file \(home.cookieFile) is of type directory")
    }

    @Test func contentsAreCheckedAsErlDoes() throws {
        let home = try TemporaryHome()
        for contents in ["ABC\nDEF\n", "ABC\t\n", "h\u{E9}llo", "A\u{0}B"] {
            try home.write(contents)
            #expect(Self.error(home) == .badCharacters(path: home.cookieFile), "\(contents.debugDescription)")
        }
        for contents in ["", "\n", "\r\n"] {
            try home.write(contents)
            #expect(Self.error(home) == .tooShort(path: home.cookieFile), "\(contents.debugDescription)")
        }
    }

    @Test func aMissingHomeCannotHoldANewCookie() throws {
        let home = try TemporaryHome()
        let missing = home.path + "/absent"
        let path = missing + "/.erlang.cookie"
        #expect(throws: CookieError.cannotCreate(path: path, errno: ENOENT)) {
            try Cookie.load(explicit: nil, home: missing, configHome: home.configHome)
        }
        #expect(CookieError.cannotCreate(path: path, errno: ENOENT).description
            == "Failed to create cookie file '\(path)': No such file or directory")
    }

    @Test func generatedCookiesDiffer() {
        #expect(Cookie.generate() != Cookie.generate())
    }

    /// Digests recorded from `erlang:md5(Cookie ++ integer_to_list(Challenge))`, one challenge ≥ 2^31.
    @Test func digestMatchesErl() {
        for (cookie, challenge, digest) in Recorded.digests {
            #expect(Cookie.digest(cookie: cookie, challenge: challenge) == bytes(hex: digest), "\(challenge)")
        }
    }
}
