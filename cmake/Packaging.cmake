# Debian packages from the install rules' two components (scripts/package.sh runs cpack):
#   postgresql-<major>-migrate  component `extension`: migrate.so, control and SQL scripts at the
#                               paths pg_config reports
#   pgmigrate                   component `client`: the binary, its man page, its bash completion
# Both take the project's version (project() in CMakeLists.txt: also `pgmigrate --version` and the
# extension's default_version). dpkg-shlibdeps computes the shared libraries each one needs.
string(REGEX MATCH "^PostgreSQL ([0-9]+)" _pg_major "${PG_VERSION_STRING}")
set(PG_MAJOR_VERSION ${CMAKE_MATCH_1})
if(NOT PG_MAJOR_VERSION)
  message(FATAL_ERROR "cannot read PostgreSQL's major version from '${PG_VERSION_STRING}'")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME migrate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "migrate maintainers <migrate@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL extension client)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_EXTENSION_PACKAGE_NAME postgresql-${PG_MAJOR_VERSION}-migrate)
set(CPACK_DEBIAN_EXTENSION_PACKAGE_DEPENDS postgresql-${PG_MAJOR_VERSION})
# (one quoted string each: a list's `;` would end up in the control file)
set(CPACK_COMPONENT_EXTENSION_DESCRIPTION "schema migrations done inside PostgreSQL: the migrate extension
The extension gives a database a revision store and SQL functions (migrate_upgrade,
migrate_downgrade...) that apply revisions server-side, in one transaction, serialised
against concurrent migrators, with an audit log. For PostgreSQL ${PG_MAJOR_VERSION}.")
set(CPACK_DEBIAN_CLIENT_PACKAGE_NAME pgmigrate)
set(CPACK_DEBIAN_CLIENT_PACKAGE_SECTION database)
set(CPACK_COMPONENT_CLIENT_DESCRIPTION "schema migrations for PostgreSQL with Alembic's command set
pgmigrate reads a directory of .sql migration files and upgrades, downgrades, stamps and
inspects databases through the migrate extension, or without it (--no-extension).")

# cpack installs each component from this build; `all` was built by whoever asked for the packages
# (scripts/package.sh builds only what they hold), so cpack's install step must not build the rest.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
include(CPack)
