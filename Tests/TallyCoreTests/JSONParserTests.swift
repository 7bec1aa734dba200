import Testing
import TallyCore

@Suite("Strict JSON parser")
struct JSONParserTests {
    @Test("parses nested values and keeps integer literals")
    func parsesValues() throws {
        let value = try JSONParser.parse(#"{"a":[1,-0,2.5,true,null,"x\n\u00e9"],"b":{}}"#)
        guard case .object(let o) = value, case .array(let a)? = o["a"] else { Issue.record("not an object"); return }
        #expect(a.count == 6)
        #expect(a[0] == .number(JSONNumber(literal: "1", isIntegerLiteral: true)))
        if case .number(let n) = a[1] { #expect(n.int64 == 0) }
        if case .string(let s) = a[5] { #expect(s == "x\né") }
    }

    @Test("rejects a repeated key in one object", arguments: [#"{"a":1,"a":2}"#, #"{"x":{"k":1,"k":1}}"#, #"{"a":1,"\u0061":2}"#])
    func repeatedKey(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        do { _ = try JSONParser.parse(text) } catch { #expect(error.message.contains("repeated key")) }
    }

    @Test("accepts nesting of 512 and rejects 513")
    func nestingLimit() throws {
        let ok = String(repeating: "[", count: 511) + "{}" + String(repeating: "]", count: 511)
        _ = try JSONParser.parse(ok)
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        do { _ = try JSONParser.parse(deep); Issue.record("accepted 513 levels") } catch {
            #expect(error.message.contains("nesting deeper than 512"))
        }
    }

    @Test("rejects escaped unpaired surrogates", arguments: [#""\uD800""#, #""\uDC00""#, #""\uD800\u0041""#, #""\uD83Dx""#])
    func unpairedSurrogate(_ text: String) {
        do { _ = try JSONParser.parse(text); Issue.record("accepted \(text)") } catch {
            #expect(error.message.contains("unpaired surrogate"))
        }
    }

    @Test("accepts an escaped surrogate pair")
    func surrogatePair() throws {
        #expect(try JSONParser.parse(#""\uD83D\uDE00""#) == .string("😀"))
    }

    @Test("rejects bytes that are not UTF-8", arguments: [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22]] as [[UInt8]])
    func invalidUTF8(_ bytes: [UInt8]) {
        do { _ = try JSONParser.parse(bytes); Issue.record("accepted") } catch {
            #expect(error.message.contains("not UTF-8"))
        }
    }

    @Test("rejects malformed JSON", arguments: ["{", "{\"a\":}", "[1,]", "01", "1.", ".5", "+1", "{'a':1}", "\"a\tb\"", "nul", "{} {}", "\"\\x\"", "NaN"])
    func malformed(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test("names a byte-order mark that is not at the start of the input")
    func byteOrderMarkInside() {
        do { _ = try JSONParser.parse([0xEF, 0xBB, 0xBF, 0x7B, 0x7D]); Issue.record("accepted") } catch {
            #expect(error.message.contains("byte-order mark"))
        }
    }

    @Test("canonical text ignores key order and whitespace and compares numbers by value")
    func canonical() throws {
        let a = try JSONParser.parse(#"{"b": [1.50, "A"], "a": -0}"#)
        let b = try JSONParser.parse(#"{"a":0,"b":[15e-1,"\u0041"]}"#)
        #expect(CanonicalJSON.encode(a) == CanonicalJSON.encode(b))
        #expect(CanonicalJSON.encode(a) == #"{"a":0,"b":[15e-1,"A"]}"#)
        #expect(CanonicalJSON.number("100") == "100")
        #expect(CanonicalJSON.number("1E2") == "100")
        #expect(CanonicalJSON.number("0.05") == "5e-2")
        #expect(CanonicalJSON.number("1") != CanonicalJSON.number("10"))
        #expect(try JSONParser.parse("true") != JSONParser.parse("1"))
    }

    @Test("plain integers are written as they are, and every number literal as `number` writes it")
    func numberFastPath() throws {
        let literals = ["0", "-0", "7", "-5", "10", "1999", "-9223372036854775808", "9223372036854775808",
                        "123456789012345678901", "-123456789012345678901", "1234567890123456789012", "1000000000000000000000",
                        "10000000000000000000000", "0.0", "-0.0", "1.0", "1.50", "15e-1", "1E2", "0e5", "-1e-7", "2E+3"]
        for literal in literals {
            var out: [UInt8] = []
            CanonicalJSON.writeNumber(literal, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == CanonicalJSON.number(literal), "\(literal)")
            let parsed = try JSONParser.parse(literal)
            #expect(CanonicalJSON.encode(parsed) == CanonicalJSON.number(literal), "\(literal)")
        }
    }

    @Test("object members are written in code point order of their keys, however many and however given")
    func objectKeyOrder() throws {
        let keys = ["b", "a", "", "ab", "aa", "a\\u0000", "é", "e\\u0301", "😀", "Z", "z", "10", "9", "lines", "line", "sku", "price",
                    "currency", "compare_at", "ÿ", "\\u007f"]
        var generator = SystemRandomNumberGenerator()
        for count in [0, 1, 2, 3, 5, 8, 16, 17, keys.count] {
            for _ in 0..<20 {
                let chosen = Array(keys.shuffled(using: &generator).prefix(count))
                let text = "{" + chosen.enumerated().map { "\"\($1)\":\($0)" }.joined(separator: ",") + "}"
                guard case .object(let object) = try JSONParser.parse(text) else { Issue.record("not an object"); return }
                let reference = object.members.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
                let expected = "{" + reference.map { CanonicalJSON.quoted($0.key) + ":" + CanonicalJSON.encode($0.value) }.joined(separator: ",") + "}"
                #expect(CanonicalJSON.encode(.object(object)) == expected, "\(text)")
            }
        }
    }

    @Test("a repeated key is found in objects of any size, at the same place")
    func repeatedKeyInLargeObjects() throws {
        for count in [2, 15, 16, 17, 1_000] {
            for again in [0, count / 2, count - 1] {
                let members = (0..<count).map { "\"k\($0)\":1" } + ["\"k\(again)\":2"]
                let text = "{" + members.joined(separator: ",") + "}"
                let offset = text.utf8.count - "\"k\(again)\":2}".utf8.count
                do { _ = try JSONParser.parse(text); Issue.record("accepted a repeated key in \(count) members") } catch {
                    #expect(error.message == "repeated key \"k\(again)\" in one object at byte \(offset + 1)", "\(count) members")
                    #expect(error.offset == offset)
                }
            }
        }
        // Canonically equivalent keys are two keys (code points), in a large object too.
        let large = "{" + (0..<100).map { "\"k\($0)\":1" }.joined(separator: ",") + ",\"caf\\u00e9\":1,\"cafe\\u0301\":2}"
        guard case .object(let object) = try JSONParser.parse(large) else { Issue.record("not an object"); return }
        #expect(object.members.count == 102)
    }

    @Test("an object with 100,000 members is parsed and written in key order in about a second (the quadratic key check took minutes)")
    func largeObject() throws {
        let count = 100_000
        let text = "{" + (0..<count).reversed().map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        let written = CanonicalJSON.encode(try JSONParser.parse(text))
        let expected = "{" + (0..<count).map { "k\($0)" }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { "\"\($0)\":\($0.dropFirst())" }.joined(separator: ",") + "}"
        #expect(written == expected)
    }

    @Test("string literals: quote, backslash and control characters escaped (short forms, else \\u00XX), everything else copied, in runs of any length")
    func stringEscapes() throws {
        // The reference: byte by byte.
        func reference(_ text: String) -> String {
            var out: [UInt8] = [0x22]
            for byte in text.utf8 {
                switch byte {
                case 0x22: out += Array("\\\"".utf8)
                case 0x5C: out += Array("\\\\".utf8)
                case 0x0A: out += Array("\\n".utf8)
                case 0x0D: out += Array("\\r".utf8)
                case 0x09: out += Array("\\t".utf8)
                case 0x08: out += Array("\\b".utf8)
                case 0x0C: out += Array("\\f".utf8)
                case 0..<0x20: out += Array(("\\u00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)).utf8)
                default: out.append(byte)
                }
            }
            return String(decoding: out + [0x22], as: UTF8.self)
        }
        #expect(CanonicalJSON.quoted("a\"b\\c\n\u{1}\u{1f}é😀\u{7f}") == #""a\"b\\c\n\u0001\u001fé😀\#u{7f}""#)
        var samples = ["", "plain ascii of more than sixteen bytes", "\"", "\\\\", "é", "😀 then \t tab"]
        for byte in 0..<128 { samples.append(String(UnicodeScalar(UInt8(byte)))); samples.append("x\(UnicodeScalar(UInt8(byte)))yz") }
        for text in samples {
            #expect(CanonicalJSON.quoted(text) == reference(text), "\(Array(text.utf8))")
            // Round trip through the parser.
            #expect(try JSONParser.parse(CanonicalJSON.quoted(text)) == .string(text))
        }
    }
}
