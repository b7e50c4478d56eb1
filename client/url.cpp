// URL normalisation and password redaction. String work, plus libpq's list of the keywords it
// knows (PQconndefaults), so it is unit-testable without a server.
#include "url.hpp"

#include "errors.hpp"
#include "output.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

namespace pgmigrate {

namespace {

bool
is_space(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view
trim(std::string_view s) {
	while (!s.empty() && is_space(s.front()))
		s.remove_prefix(1);
	while (!s.empty() && is_space(s.back()))
		s.remove_suffix(1);
	return s;
}

std::string
lower(std::string_view s) {
	std::string out(s);
	std::transform(out.begin(), out.end(), out.begin(),
	               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
	return out;
}

// Length of a URL scheme followed by "://" at the start of `s`, or 0.
std::size_t
scheme_length(std::string_view s) {
	if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0])))
		return 0;
	std::size_t i = 1;
	while (i < s.size() &&
	       (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '+' || s[i] == '.' || s[i] == '-'))
		++i;
	return s.substr(i).starts_with("://") ? i : 0;
}

std::string
percent_encode(std::string_view text) {
	std::string out;
	for (unsigned char c : text) {
		if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			out += static_cast<char>(c);
		else
			out += fmt::format("%{:02X}", c);
	}
	return out;
}

// `text` as it stands inside a JSON string of pgmigrate's --json document (nlohmann's escaping,
// with the document's handling of invalid UTF-8).
std::string
json_escape(std::string_view text) {
	const std::string quoted =
	    nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
	return quoted.substr(1, quoted.size() - 2);
}

// A conninfo keyword whose value is a secret: password, sslpassword, any key ending in "password".
bool
is_password_key(std::string_view key) {
	return lower(key).ends_with("password");
}

bool
is_key_char(char c) {
	return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

void
add_secret(std::vector<std::string> &secrets, std::string secret) {
	if (!secret.empty() && std::find(secrets.begin(), secrets.end(), secret) == secrets.end())
		secrets.push_back(std::move(secret));
}

// libpq's connection keywords (PQconndefaults), read once.
bool
libpq_knows(const std::string &key) {
	static const std::set<std::string> known = [] {
		std::set<std::string> keys;
		if (PQconninfoOption *options = PQconndefaults()) {
			for (PQconninfoOption *o = options; o->keyword; ++o)
				keys.insert(o->keyword);
			PQconninfoFree(options);
		}
		return keys;
	}();
	return known.empty() || known.contains(key); // no list (out of memory): let libpq decide
}

// asyncpg spells libpq's sslmode as ssl=...
std::string
asyncpg_sslmode(std::string_view value) {
	std::string v = lower(value);
	if (v == "true" || v == "1" || v == "on")
		return "require";
	if (v == "false" || v == "0" || v == "off")
		return "disable";
	return std::string(value);
}

// A driver URL's query (SQLAlchemy's postgresql+asyncpg://...?ssl=true&prepared_statement_cache_size=0)
// as libpq's: asyncpg's ssl becomes sslmode, and what libpq does not know (the driver's own
// parameters, which would make libpq refuse the whole URL) is left out and listed in `dropped`.
std::string
libpq_query(std::string_view query, std::vector<std::string> &dropped) {
	std::string out;
	while (!query.empty()) {
		const std::size_t amp = query.find('&');
		const std::string_view param = query.substr(0, amp);
		query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
		const std::size_t eq = param.find('=');
		std::string key = percent_decode(param.substr(0, eq));
		std::string value(eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1));
		if (key == "ssl") {
			key = "sslmode";
			value = asyncpg_sslmode(percent_decode(value));
		}
		if (key.empty())
			continue;
		if (!libpq_knows(key)) {
			dropped.push_back(key);
			continue;
		}
		out += (out.empty() ? "" : "&") + percent_encode(key) + (eq == std::string_view::npos ? "" : "=" + value);
	}
	return out;
}

// The password values libpq finds in a conninfo (keyword/value or URL), for redaction. What libpq
// cannot parse is left for it to refuse when connecting.
void
add_conninfo_secrets(const std::string &conninfo, std::vector<std::string> &secrets) {
	char *error = nullptr;
	if (PQconninfoOption *options = PQconninfoParse(conninfo.c_str(), &error)) {
		for (PQconninfoOption *o = options; o->keyword; ++o)
			if (o->val && is_password_key(o->keyword))
				add_secret(secrets, o->val);
		PQconninfoFree(options);
	}
	if (error)
		PQfreemem(error);
}

// A URL: libpq's own as it is (postgres:// spelt postgresql://); a driver's (postgresql+asyncpg://)
// without the +driver part and with its query made libpq's. A plain URL's query is not touched: an
// unknown parameter there stays libpq's error (it may be a typo such as sslmod=).
DatabaseTarget
parse_url(std::string_view url, std::size_t scheme_len) {
	DatabaseTarget t;
	const std::string scheme = lower(url.substr(0, scheme_len));
	const std::size_t plus = scheme.find('+');
	const std::string_view database = std::string_view(scheme).substr(0, plus);
	if (database != "postgresql" && database != "postgres")
		throw Failure(fmt::format("unsupported database URL scheme '{}://'", url.substr(0, scheme_len)), {},
		              "pgmigrate speaks to PostgreSQL: use postgresql://user@host:port/dbname, or a libpq "
		              "keyword/value string such as 'host=... dbname=...'.");
	std::string rest(url.substr(scheme_len + 3));
	if (plus != std::string::npos) {
		// The query starts at the first '?' after the authority (user:password@host:port).
		const std::size_t q = rest.find('?', std::min(rest.find_first_of("/?#"), rest.size()));
		if (q != std::string::npos) {
			const std::size_t hash = rest.find('#', q);
			std::string query = libpq_query(std::string_view(rest).substr(q + 1, hash - q - 1), t.dropped);
			rest = rest.substr(0, q) + (query.empty() ? "" : "?" + query) +
			       (hash == std::string::npos ? "" : rest.substr(hash));
		}
	}
	t.conninfo = "postgresql://" + rest;
	add_conninfo_secrets(t.conninfo, t.secrets);
	// libpq keeps one password: a query's password= hides the user:password@ one, which may
	// still show in an error message. Both are secrets, as written and decoded.
	const std::string_view authority = std::string_view(rest).substr(0, rest.find_first_of("/?#"));
	if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos)
		if (const std::size_t colon = authority.substr(0, at).find(':'); colon != std::string_view::npos) {
			add_secret(t.secrets, std::string(authority.substr(colon + 1, at - colon - 1)));
			add_secret(t.secrets, percent_decode(authority.substr(colon + 1, at - colon - 1)));
		}
	t.display = redact(t.conninfo, t.secrets);
	return t;
}

// Masks the password of every "scheme://user:password@" in text.
std::string
mask_url_passwords(std::string_view text) {
	std::string out;
	std::size_t i = 0;
	while (true) {
		std::size_t sep = text.find("://", i);
		if (sep == std::string_view::npos)
			break;
		std::size_t j = sep + 3;
		std::size_t end = j;
		while (end < text.size() && !is_space(text[end]) && text[end] != '/' && text[end] != '@' && text[end] != '"' &&
		       text[end] != '\'' && text[end] != '?')
			++end;
		// user:password@ : the password runs from the first ':' to the '@'
		std::size_t at = end;
		if (at < text.size() && text[at] == '@') {
			std::size_t colon = text.find(':', j);
			if (colon != std::string_view::npos && colon < at) {
				out += text.substr(i, colon + 1 - i);
				out += "***";
				i = at;
				continue;
			}
		}
		out += text.substr(i, j - i);
		i = j;
	}
	out += text.substr(i);
	return out;
}

// Where the value of a password keyword starts: for "password" found at k (case-insensitive),
// the key (identifier characters back from k) ends there, and optional spaces and '=' follow.
// Returns the key's start and the value's start, or npos when k is no such keyword.
std::pair<std::size_t, std::size_t>
password_keyword_at(std::string_view text, std::size_t k) {
	constexpr std::size_t npos = std::string_view::npos;
	// Compared in place: this runs at every byte of every message redact() sees.
	constexpr std::string_view word = "password";
	if (k + word.size() > text.size() ||
	    !std::equal(word.begin(), word.end(), text.begin() + static_cast<std::ptrdiff_t>(k),
	                [](char w, char c) { return w == std::tolower(static_cast<unsigned char>(c)); }))
		return {npos, npos};
	std::size_t e = k + 8;
	while (e < text.size() && text[e] == ' ')
		++e;
	if (e >= text.size() || text[e] != '=')
		return {npos, npos};
	++e; // '='
	while (e < text.size() && text[e] == ' ')
		++e;
	std::size_t key_begin = k;
	while (key_begin > 0 && is_key_char(text[key_begin - 1]))
		--key_begin;
	return {key_begin, e};
}

// The end of a keyword value starting at v: a quoted value to its closing quote (inclusive), else
// up to a space, '&' (URL query), '#' or '"' (the end of a JSON string).
std::size_t
value_end(std::string_view text, std::size_t v) {
	std::size_t e = v;
	if (e < text.size() && text[e] == '\'') {
		++e;
		while (e < text.size() && text[e] != '\'') {
			if (text[e] == '\\')
				++e;
			++e;
		}
		if (e < text.size())
			++e;
		return std::min(e, text.size());
	}
	while (e < text.size() && !is_space(text[e]) && text[e] != '&' && text[e] != '"' && text[e] != '#')
		++e;
	return e;
}

// Masks the value of every password keyword (`password=`, `sslpassword=`, any key ending in
// "password", case-insensitive) in text.
std::string
mask_password_keywords(std::string_view text) {
	std::string out;
	std::size_t i = 0;
	for (std::size_t k = 0; k + 8 <= text.size();) {
		auto [key_begin, v] = password_keyword_at(text, k);
		if (v == std::string_view::npos) {
			++k;
			continue;
		}
		key_begin = std::max(key_begin, i);
		out += text.substr(i, key_begin - i);
		out += lower(text.substr(key_begin, k + 8 - key_begin)) + "=***";
		i = value_end(text, v);
		k = std::max(i, k + 8);
	}
	out += text.substr(std::min(i, text.size()));
	return out;
}

// A libpq keyword/value string ("host=db user=app password='x y'"): passed through as it is.
// libpq's own parser (PQconninfoParse) finds the password values (for redaction); the display
// form masks them as redact does. A string libpq cannot parse is left for it to refuse.
DatabaseTarget
parse_keywords(std::string_view text) {
	DatabaseTarget t;
	t.conninfo = std::string(text);
	add_conninfo_secrets(t.conninfo, t.secrets);
	t.display = mask_password_keywords(t.conninfo);
	return t;
}

} // namespace

std::string
percent_decode(std::string_view text) {
	std::string out;
	for (std::size_t i = 0; i < text.size(); ++i) {
		if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
		    std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
			out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
			i += 2;
		} else {
			out += text[i];
		}
	}
	return out;
}

DatabaseTarget
parse_database_url(std::string_view input) {
	std::string_view text = trim(input);
	DatabaseTarget t;
	if (std::size_t n = scheme_length(text); n > 0)
		t = parse_url(text, n);
	else
		t = parse_keywords(text);
	if (const char *env = std::getenv("PGPASSWORD"); env && *env)
		add_secret(t.secrets, env);
	if (!t.dropped.empty()) {
		std::string names;
		for (const auto &key : t.dropped)
			names += (names.empty() ? "" : ", ") + key;
		out().note(fmt::format("Ignoring URL parameter{} that libpq does not know (the driver's own): {}",
		                       t.dropped.size() == 1 ? "" : "s", names));
	}
	return t;
}

std::string
blank_passwords(std::string_view text) {
	std::string blanked(text);
	auto blank = [&](std::size_t from, std::size_t to) {
		for (std::size_t i = from; i < to && i < blanked.size(); ++i)
			blanked[i] = '*';
	};
	// scheme://user:password@host: the password runs from the first ':' of the userinfo to its
	// last '@' (the authority ends at the first '/', '?' or '#', as parse_url reads it).
	for (std::size_t sep = text.find("://"); sep != std::string_view::npos; sep = text.find("://", sep + 3)) {
		std::size_t begin = sep + 3;
		std::size_t end = text.find_first_of("/?# \t\n", begin);
		std::string_view authority =
		    text.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
		std::size_t at = authority.rfind('@');
		if (at == std::string_view::npos)
			continue;
		std::size_t colon = authority.substr(0, at).find(':');
		if (colon != std::string_view::npos)
			blank(begin + colon + 1, begin + at);
	}
	// password=..., sslpassword=... (keyword/value strings and URL query parameters); quotes kept.
	for (std::size_t k = 0; k + 8 <= text.size(); ++k) {
		auto [key_begin, v] = password_keyword_at(text, k);
		if (v == std::string_view::npos)
			continue;
		std::size_t e = value_end(text, v);
		if (v < text.size() && text[v] == '\'')
			blank(v + 1, e > v + 1 && text[e - 1] == '\'' ? e - 1 : e);
		else
			blank(v, e);
	}
	return blanked;
}

std::string
scrub(std::string_view text, const std::vector<std::string> &secrets) {
	std::string out(text);
	std::vector<std::string> forms;
	for (const auto &s : secrets) {
		if (s.size() < 3) // a one- or two-letter "secret" would mask half the message
			continue;
		forms.push_back(s);
		forms.push_back(percent_encode(s));
		forms.push_back(json_escape(s));
	}
	std::sort(forms.begin(), forms.end(), [](const auto &a, const auto &b) { return a.size() > b.size(); });
	for (const auto &f : forms) {
		for (std::size_t pos = out.find(f); pos != std::string::npos; pos = out.find(f, pos + 3))
			out.replace(pos, f.size(), "***");
	}
	return out;
}

std::string
redact(std::string_view text, const std::vector<std::string> &secrets) {
	return mask_password_keywords(mask_url_passwords(scrub(text, secrets)));
}

} // namespace pgmigrate
