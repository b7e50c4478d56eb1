# Everything about the PostgreSQL installation comes from pg_config: no version is hard-coded.
find_program(PG_CONFIG pg_config REQUIRED DOC "pg_config of the PostgreSQL to build against")

function(pg_config_get var flag)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env LC_MESSAGES=C ${PG_CONFIG} ${flag}
    OUTPUT_VARIABLE out OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

pg_config_get(PG_VERSION_STRING    --version)
pg_config_get(PG_INCLUDEDIR_SERVER --includedir-server)
pg_config_get(PG_PKGLIBDIR         --pkglibdir)
pg_config_get(PG_SHAREDIR          --sharedir)
pg_config_get(PG_BINDIR            --bindir)
message(STATUS "PostgreSQL: ${PG_VERSION_STRING} (${PG_CONFIG})")

find_program(PG_REGRESS pg_regress
  HINTS "${PG_PKGLIBDIR}/pgxs/src/test/regress" "${PG_BINDIR}" NO_DEFAULT_PATH REQUIRED)
find_program(PG_ISOLATION_REGRESS pg_isolation_regress
  HINTS "${PG_PKGLIBDIR}/pgxs/src/test/isolation" "${PG_BINDIR}" NO_DEFAULT_PATH REQUIRED)
