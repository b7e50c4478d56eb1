#include "errors.hpp"

namespace pgmigrate {

Failure::Failure(const migrate::Error &error) : migrate::Error(error) {
	if (const auto *failure = dynamic_cast<const Failure *>(&error)) {
		items = failure->items;
		exit_code = failure->exit_code;
	}
}

} // namespace pgmigrate
