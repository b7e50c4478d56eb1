// Small facts about SQL text that both hosts need around their PostgreSQL parsers.
#pragma once

#include <cstddef>
#include <string_view>

namespace migrate {

// The first position in sql[pos, end) that is not whitespace, a `--` comment or a (nested)
// `/* */` comment: where a statement's first token is, and so the line an error should name.
std::size_t skip_blank(std::string_view sql, std::size_t pos, std::size_t end);

// Lines before byte `offset` of `text`: the line of that byte is this plus one. An offset at or
// past the end (PostgreSQL's "at end of input") counts to the text's last non-blank character.
int lines_before_byte(std::string_view text, std::size_t offset);

// Byte offset of the 0-based character `chars` of UTF-8 text (PostgreSQL positions count characters).
std::size_t utf8_offset(std::string_view text, int chars);

// lines_before_byte for a 1-based character position of UTF-8 text, as an error's position is.
int lines_before(std::string_view text, int position);

// Whether `statement`'s first word makes it a query or a change of rows: SELECT, INSERT, UPDATE,
// DELETE, MERGE, WITH, VALUES, COPY, TABLE or CALL. Such a statement changes no schema object, so
// neither the lock trace nor lint needs its parse tree (a seed of 40,000 INSERTs parses none).
bool is_row_statement(std::string_view statement);

// What neither host runs in a migration, in the same words from both (the file parser refuses
// COPY ... FROM STDIN first; the hosts' parsers find what its lexer cannot).
inline constexpr const char *copy_from_stdin_message = "COPY ... FROM STDIN is not supported in migration files";
inline constexpr const char *copy_from_stdin_hint =
    "load the data with INSERT statements, or with COPY from a server-side file";
inline constexpr const char *copy_client_message = "COPY to or from the client is not supported in a migration";
inline constexpr const char *transaction_control_message =
    "transaction control statements are not supported in a migration";
inline constexpr const char *transaction_control_hint =
    "A migration runs inside the caller's transaction; remove BEGIN, COMMIT and ROLLBACK from it.";

} // namespace migrate
