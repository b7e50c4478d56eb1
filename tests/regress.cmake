# pg_regress and pg_isolation_regress for the extension, each against its own temporary instance
# (--temp-instance) that loads the extension from a staged install through Debian's
# extension_destdir: no system install needed. Run them with `ctest -L regress`.
set(MIGRATE_STAGE_DIR ${CMAKE_BINARY_DIR}/stage)
set(MIGRATE_REGRESS_CONF ${CMAKE_BINARY_DIR}/regress.conf)
# migrate.lint off: lint's NOTICEs (on by default, `warn`) belong to the lint test, which turns it
# on itself; the other tests' expected output would otherwise repeat them for every int column.
file(WRITE ${MIGRATE_REGRESS_CONF} "extension_destdir = '${MIGRATE_STAGE_DIR}'\nmigrate.lint = off\n")
set(MIGRATE_RUN_PG_REGRESS ${CMAKE_CURRENT_SOURCE_DIR}/run_pg_regress.sh)

# Stage the extension (migrate.so, control and script) under <build>/stage.
add_test(NAME extension_stage
  COMMAND ${CMAKE_COMMAND} -E env DESTDIR=${MIGRATE_STAGE_DIR}
          ${CMAKE_COMMAND} --install ${CMAKE_BINARY_DIR} --component extension)
set_tests_properties(extension_stage PROPERTIES FIXTURES_SETUP migrate_stage LABELS regress)

# pg_regress: inputs in tests/regress/sql and tests/regress/expected (--inputdir: PG 15's
# pg_regress has no --expecteddir). Each test creates a database of its own and the extension in
# it, so one failure cannot spill into the next and the schedule runs in parallel groups.
add_test(NAME extension_regress
  COMMAND ${MIGRATE_RUN_PG_REGRESS} ${PG_REGRESS} ${PG_BINDIR} ${CMAKE_CURRENT_SOURCE_DIR}/regress
          ${CMAKE_BINARY_DIR}/regress --schedule=${CMAKE_CURRENT_SOURCE_DIR}/regress/schedule)

# pg_isolation_regress: concurrent migrators (tests/isolation/specs, tests/isolation/expected).
file(GLOB MIGRATE_ISOLATION_SPECS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/isolation/specs/*.spec)
set(MIGRATE_ISOLATION_TESTS)
foreach(spec IN LISTS MIGRATE_ISOLATION_SPECS)
  get_filename_component(name ${spec} NAME_WE)
  list(APPEND MIGRATE_ISOLATION_TESTS ${name})
endforeach()
add_test(NAME extension_isolation
  COMMAND ${MIGRATE_RUN_PG_REGRESS} ${PG_ISOLATION_REGRESS} ${PG_BINDIR} ${CMAKE_CURRENT_SOURCE_DIR}/isolation
          ${CMAKE_BINARY_DIR}/isolation ${MIGRATE_ISOLATION_TESTS})

set_tests_properties(extension_regress extension_isolation PROPERTIES
  FIXTURES_REQUIRED migrate_stage LABELS regress TIMEOUT 300
  ENVIRONMENT "PG_REGRESS_TEMP_CONFIG=${MIGRATE_REGRESS_CONF}")

# Every tests/regress/sql/*.sql must be listed in the schedule, or it would silently never run; and
# each must run in a database of its own.
add_test(NAME extension_regress_schedule
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/check_schedule.sh ${CMAKE_CURRENT_SOURCE_DIR}/regress/sql
          ${CMAKE_CURRENT_SOURCE_DIR}/regress/schedule)
set_tests_properties(extension_regress_schedule PROPERTIES LABELS regress)

# examples/pg_regress: how a user tests a project's migrations in their own pg_regress suite (its
# README), run here on the example project with the staged extension.
add_test(NAME example_pg_regress
  COMMAND ${MIGRATE_RUN_PG_REGRESS} ${PG_REGRESS} ${PG_BINDIR} ${CMAKE_SOURCE_DIR}/examples/pg_regress
          ${CMAKE_BINARY_DIR}/example_pg_regress --schedule=${CMAKE_SOURCE_DIR}/examples/pg_regress/schedule)
set_tests_properties(example_pg_regress PROPERTIES
  FIXTURES_REQUIRED migrate_stage LABELS regress TIMEOUT 300
  ENVIRONMENT "PG_REGRESS_TEMP_CONFIG=${MIGRATE_REGRESS_CONF}")
