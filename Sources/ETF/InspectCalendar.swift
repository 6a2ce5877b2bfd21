/// Dates and times in their sigil form, as Elixir's calendar types print: `~D[2024-01-05]`,
/// `~T[12:34:56.120]`, `~N[…]`, `~U[…Z]` and `#DateTime<… CET Europe/Berlin>`.
///
/// Only the ISO calendar with in-range fields is recognised; anything else prints as a map
/// (Elixir prints an `#Inspect.Error<…>` for such broken values).
enum InspectCalendar {
    static func describe(_ module: String, _ map: TermMap) -> String? {
        func int(_ key: String) -> Int? {
            if case .int(let value)? = map[.atom(Atom(key))] { return value }
            return nil
        }
        func string(_ key: String) -> String? { map[.atom(Atom(key))]?.stringValue }
        guard map[.atom("calendar")] == .atom("Elixir.Calendar.ISO") else { return nil }
        let date: String? = {
            guard let year = int("year"), let month = int("month"), let day = int("day") else { return nil }
            return isoYear(year) + "-" + pad(month, 2) + "-" + pad(day, 2)
        }()
        let time: String? = {
            guard let hour = int("hour"), let minute = int("minute"), let second = int("second"),
                  case .tuple(let micro)? = map[.atom("microsecond")], micro.count == 2,
                  case .int(let microseconds) = micro[0], case .int(let precision) = micro[1],
                  (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
                  (0...999_999).contains(microseconds), (0...6).contains(precision) else { return nil }
            let fraction = precision == 0 ? "" : "." + pad(microseconds, 6).prefix(precision)
            return pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2) + fraction
        }()
        switch module {
        case "Elixir.Date": return date.map { "~D[\($0)]" }
        case "Elixir.Time": return time.map { "~T[\($0)]" }
        case "Elixir.NaiveDateTime":
            guard let date, let time else { return nil }
            return "~N[\(date) \(time)]"
        case "Elixir.DateTime":
            guard let date, let time, let zone = string("time_zone"), let abbreviation = string("zone_abbr"),
                  let utcOffset = int("utc_offset"), let stdOffset = int("std_offset") else { return nil }
            if zone == "Etc/UTC", utcOffset == 0, stdOffset == 0 { return "~U[\(date) \(time)Z]" }
            return "#DateTime<\(date) \(time)\(offset(utcOffset + stdOffset)) \(abbreviation) \(zone)>"
        default: return nil
        }
    }

    /// `2024`, `0042`, `-0001`, `12345`: at least four digits, a minus sign before them.
    static func isoYear(_ year: Int) -> String {
        year < 0 ? "-" + pad(-year, 4) : pad(year, 4)
    }

    /// `+01:00`, `-05:30`, with seconds only when there are some.
    static func offset(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let total = abs(seconds)
        let text = sign + pad(total / 3600, 2) + ":" + pad(total % 3600 / 60, 2)
        return total % 60 == 0 ? text : text + ":" + pad(total % 60, 2)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
