// The state the engine keeps in schema `migrate` and the bookkeeping SQL it runs there. Offline
// scripts print version_sql and log_sql; the runner executes record_sql, the same rows in one
// statement with parameters (state_test.cpp checks both on the same kinds of step).
#pragma once

#include "migrate/database.hpp"
#include "migrate/error.hpp"
#include "migrate/plan.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrate::state {

// The migration lock, which every state-changing call takes first and holds to the end of its
// transaction. A table lock, so that taking it needs the right to write the state (its owner, in
// extension mode the engine running as that owner): a role that may only read it can take no mode
// that conflicts (ACCESS SHARE), and an advisory lock, which any role may take, would let anyone
// stop every migration. SHARE ROW EXCLUSIVE conflicts with itself and with every write.
inline constexpr std::string_view lock_sql = "LOCK TABLE migrate.version IN SHARE ROW EXCLUSIVE MODE";
inline constexpr std::string_view lock_nowait_sql = "LOCK TABLE migrate.version IN SHARE ROW EXCLUSIVE MODE NOWAIT";

// A table lock ends with its transaction, but a transactional: false revision runs between two
// commits. Its runner first writes itself into migrate.lock_holder under the lock (hold_lock_sql),
// and removes itself when it records the step (release_lock_sql); whoever takes the lock next
// refuses while that row names another session that is still alive (lock_holder_sql: its pid and,
// when visible, its backend_start, so that a reused pid is not mistaken for the holder).
inline constexpr std::string_view hold_lock_sql =
    "WITH stale AS (DELETE FROM migrate.lock_holder) "
    "INSERT INTO migrate.lock_holder (pid, backend_start, revision) "
    "SELECT a.pid, a.backend_start, $1 FROM pg_catalog.pg_stat_activity a "
    "WHERE a.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()";
inline constexpr std::string_view release_lock_sql =
    "DELETE FROM migrate.lock_holder WHERE pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()";
// pg_stat_activity is a snapshot kept for the whole transaction: a migrator waiting in one
// transaction would go on seeing a holder that has died. Cleared before each look.
inline constexpr std::string_view fresh_activity_sql = "SELECT pg_catalog.pg_stat_clear_snapshot()";
inline constexpr std::string_view lock_holder_sql =
    "SELECT h.pid, h.revision FROM migrate.lock_holder h JOIN pg_catalog.pg_stat_activity a "
    "ON a.pid OPERATOR(pg_catalog.=) h.pid "
    "WHERE h.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() "
    "AND (a.backend_start IS NULL OR a.backend_start OPERATOR(pg_catalog.=) h.backend_start)";

// The refusal while lock_holder_sql finds a session (55P03, as a lock that is not available).
Error lock_held_across_commits(std::string_view pid, std::string_view revision);

// `applied(revision)`: the version rows and every revision below them (parents and
// dependencies). A query that asks what is applied starts with it.
inline constexpr std::string_view applied_cte =
    "WITH RECURSIVE applied(revision) AS ("
    " SELECT revision FROM migrate.version"
    " UNION SELECT pg_catalog.unnest(r.down_revisions OPERATOR(pg_catalog.||) r.depends_on)"
    " FROM migrate.revisions r JOIN applied a ON r.revision OPERATOR(pg_catalog.=) a.revision)";

// The version rows, as Runner::version_rows and pgmigrate read them.
inline constexpr std::string_view version_rows_sql = "SELECT revision FROM migrate.version ORDER BY revision";

// What pgmigrate compares with its files to learn that the store holds exactly them: the number of
// stored revisions, and a digest of each one's checksum with the graph columns the engine reads
// (down_revisions, depends_on), which a hand edit could change without the checksum. Each revision
// reads "checksum|a,b|c"; the lines sorted bytewise, joined by newlines, SHA-256 in hex. Ids are
// [A-Za-z0-9_], so the separators cannot occur in them; a NULL element (stored by hand) reads '*',
// which no file can give. One row: (revisions, digest).
inline constexpr std::string_view store_digest_sql =
    "SELECT pg_catalog.count(*), pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(COALESCE("
    "pg_catalog.string_agg(r, E'\\n' ORDER BY r COLLATE pg_catalog.\"C\"), ''), 'UTF8')), 'hex') "
    "FROM (SELECT checksum OPERATOR(pg_catalog.||) '|' OPERATOR(pg_catalog.||) "
    "pg_catalog.array_to_string(down_revisions, ',', '*') OPERATOR(pg_catalog.||) '|' OPERATOR(pg_catalog.||) "
    "pg_catalog.array_to_string(depends_on, ',', '*') AS r FROM migrate.revisions) AS s";
// A digest line as store_digest_sql writes it, for the files' side of the comparison.
std::string store_digest_line(const Revision &revision);

// migrate.summary (extension 0.6.0): store_digest_sql's row as the engine wrote it after its last
// upload or removal, so that a fresh backend answers "does the store hold exactly these files?"
// from one small row instead of every stored revision. The extension's trigger on
// migrate.revisions deletes it on any other change; pgmigrate trusts it only for what runs nothing
// (a no-op upgrade, the read-only commands) and reads the store itself before anything runs.
// Whether this database has it, as the extension's own table (a table of that name that anyone
// else made is never written).
inline constexpr std::string_view summary_member_sql =
    "SELECT EXISTS (SELECT FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e "
    "ON e.oid OPERATOR(pg_catalog.=) d.refobjid WHERE d.classid OPERATOR(pg_catalog.=) "
    "'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) "
    "pg_catalog.to_regclass('migrate.summary') AND d.refclassid OPERATOR(pg_catalog.=) "
    "'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype OPERATOR(pg_catalog.=) 'e' "
    "AND e.extname OPERATOR(pg_catalog.=) 'migrate')";
std::string summary_refresh_sql();

// The refusal to replace an applied revision by different content, naming both checksums.
Error changed_since_applied(const Revision &revision, std::string_view applied_checksum, std::string_view filename);

// A text[] literal for a parameter ($1::text[]), sized once (an upload's is megabytes).
std::string text_array_literal(const std::vector<std::string_view> &values);

// A SQL string literal that is safe whatever standard_conforming_strings says.
std::string quote_literal(std::string_view text);

// A dollar-quote tag (`$name$`, `$name1$`, ...) such that `tag + text + tag` holds the tag only at
// its two ends: not inside `text`, and not formed across either end (text ending in `$name`).
std::string dollar_tag(std::string_view text, std::string_view name = "migrate");

// Stored or file-derived text (a file name, a message, a revision id) made safe to put in a `--`
// comment of a generated script or in a message: each ASCII control byte (below 0x20, and 0x7f)
// becomes \xNN and each C1 control (U+0080..U+009F) \u00NN, so a newline or carriage return can
// never end the comment and start a statement. Other text is unchanged. Every comment that carries
// such text goes through this one function.
std::string comment_text(std::string_view text);

// Version-row changes after `step`: a DELETE and/or an INSERT, one statement per element
// (no trailing semicolon), since libpq's extended protocol takes one statement at a time.
std::vector<std::string> version_sql(const Step &step);

// The audit row for `step`. With a duration (the runner) it is recorded; without (an offline
// script) started_at and finished_at are the insert time.
std::string log_sql(const RevisionGraph &graph, const Step &step, std::optional<double> duration_ms);

// What the runner executes after each step: the rows of version_sql and log_sql in one statement
// (the version changes in data-modifying WITH clauses) whose text never changes, with
// record_params, so a host can plan it once per call. Parsing and planning three statements per
// step was a fifth of a 1,000-revision downgrade through the extension.
// `traced`: the log has 0.5.0's columns, filled from `trace` (without, record_params leaves them out).
std::string_view record_sql(bool traced);
std::vector<std::optional<std::string>> record_params(const RevisionGraph &graph, const Step &step, double duration_ms,
                                                      const StepTrace *trace);
// The trace's three values as record_sql(true) takes them ($9 jsonb, $10 jsonb, $11 text[]; empty: NULL).
std::vector<std::optional<std::string>> trace_params(const StepTrace &trace);
// Whether migrate.log has 0.5.0's columns (a log made earlier lacks them until ALTER EXTENSION
// migrate UPDATE, while the server already loads the new module).
inline constexpr std::string_view log_traced_sql =
    "SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid OPERATOR(pg_catalog.=) "
    "pg_catalog.to_regclass('migrate.log') AND attname OPERATOR(pg_catalog.=) 'rewritten' AND NOT attisdropped)";

// A stamp from version rows `before` to `after`: row changes plus one audit row.
std::vector<std::string> stamp_sql(const std::vector<std::string> &before, const std::vector<std::string> &after);

// Parents of a revision as Alembic prints them: "a, b", or "" for a root.
std::string joined_parents(const Revision &revision);

// Stores one parsed revision (insert, or update what a re-upload changed) from 16 parameters,
// revision_params; the file's content is stored with its parsed columns, so that its checksum
// can be verified before it runs. Runner::add runs it; offline scripts in client mode print it
// with literals.
std::string revision_upsert_sql();
inline constexpr std::size_t revision_param_count = 16;
std::vector<std::optional<std::string>> revision_params(const Revision &revision, std::string_view content,
                                                        std::string_view filename);
// The same for many revisions (no id twice) in one statement of 16 text[] parameters, one per
// column, each row's revision_params an element (revision_array_params): its text and plan do not
// depend on the number of rows, so a kept plan serves every upload (Runner::add_all).
std::string_view revision_upsert_many_sql();
std::vector<std::optional<std::string>>
revision_array_params(const std::vector<std::vector<std::optional<std::string>>> &rows);
// revision_upsert_sql with the parameters as quoted literals (no trailing semicolon).
std::string revision_upsert_script(const Revision &revision, std::string_view content, std::string_view filename);
// The upload of an offline script in client mode: refuses what Runner::add refuses (an applied
// revision stored with another checksum: changed_since_applied's error), else the upsert. One
// DO block, no trailing semicolon.
std::string guarded_upsert_script(const Revision &revision, std::string_view content, std::string_view filename);

} // namespace migrate::state
