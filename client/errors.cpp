// Engine errors become client failures without losing a field.
#include "errors.hpp"

#include "migrate/error.hpp"

namespace pgmigrate {

Failure
from_engine(const migrate::Error &error) {
	Failure f(error.what(), error.detail(), error.hint());
	f.sqlstate = error.sqlstate();
	f.context = error.context;
	return f;
}

} // namespace pgmigrate
