// Online upgrade and downgrade: through the extension (one transaction, or one commit per
// revision through its procedures), or with the engine running in the client over libpq: in
// client mode (--no-extension), and when the plan holds a `transactional: false` revision.
// Progress lines appear as steps start.
#pragma once

#include "connection.hpp"
#include "sync.hpp"
#include "migrate/target.hpp"

#include <string>
#include <vector>

namespace pgmigrate {

struct AppliedStep {
	std::string direction; // upgrade / downgrade
	std::string revision;
	std::string down_revision;
	std::string message;
	double duration_ms = 0;
};

struct ApplyRequest {
	migrate::Direction direction = migrate::Direction::upgrade;
	std::string target;
	bool per_revision = false;
	// Whether the caller wants the steps back (--json). A run with a commit per revision reads them
	// from the audit log afterwards: 10,000 rows for a long history, which a printed run has already
	// shown as they ran.
	bool report_steps = true;
};

// Runs the request on a database whose revisions are already uploaded (see Context::prepare).
std::vector<AppliedStep> apply_online(Connection &conn, const Host &host, const ApplyRequest &request,
                                      double lock_wait);

} // namespace pgmigrate
