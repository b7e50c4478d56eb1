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

# The code-generation options PostgreSQL's own build gives C++ extensions (PGXS's CXXFLAGS, which
# pg_config does not print: read from the Makefile.global next to pgxs.mk), e.g. -fwrapv and
# -fno-strict-aliasing, which the server's headers assume. Warnings, -g and -O stay ours.
pg_config_get(PG_PGXS --pgxs)
get_filename_component(PG_MAKEFILE_GLOBAL "${PG_PGXS}/../../Makefile.global" ABSOLUTE)
file(STRINGS "${PG_MAKEFILE_GLOBAL}" PG_CXXFLAGS_LINE REGEX "^CXXFLAGS = ")
string(REGEX REPLACE "^CXXFLAGS = " "" PG_CXXFLAGS_LINE "${PG_CXXFLAGS_LINE}")
separate_arguments(PG_CXXFLAGS_ALL UNIX_COMMAND "${PG_CXXFLAGS_LINE}")
set(PG_EXTENSION_CXXFLAGS)
foreach(flag IN LISTS PG_CXXFLAGS_ALL)
  if(flag MATCHES "^-f")
    list(APPEND PG_EXTENSION_CXXFLAGS ${flag})
  endif()
endforeach()
if(NOT PG_EXTENSION_CXXFLAGS)
  message(FATAL_ERROR "no -f options in CXXFLAGS of ${PG_MAKEFILE_GLOBAL}")
endif()
message(STATUS "PostgreSQL's C++ code-generation options: ${PG_EXTENSION_CXXFLAGS}")

find_program(PG_REGRESS pg_regress
  HINTS "${PG_PKGLIBDIR}/pgxs/src/test/regress" "${PG_BINDIR}" NO_DEFAULT_PATH REQUIRED)
find_program(PG_ISOLATION_REGRESS pg_isolation_regress
  HINTS "${PG_PKGLIBDIR}/pgxs/src/test/isolation" "${PG_BINDIR}" NO_DEFAULT_PATH REQUIRED)
