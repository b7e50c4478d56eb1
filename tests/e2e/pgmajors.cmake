# Other PostgreSQL majors (label `pgmajors`): for each major a throwaway cluster of that server
# (scripts/pg-majors.sh fetches it once into a cache outside the repository; 15 is the suite's own
# server, which every other label tests), and a subset of the e2e scripts in client mode
# (--no-extension: the extension is built for 15 only). The scripts are the suite's own, pointed
# at that cluster (E2E_CLUSTER); psql and pg_dump stay 15's (the packages ship none), and pg_dump
# 15 cannot dump a 16+ server, so the subset leaves out the scripts that compare pg_dump output
# (check_examples.sh skips those checks there and lists them).
# The subset, for coverage per second, where the majors' catalogs differ or the example's SQL
# meets the server. On every major: the example up and down through the engine, with its schema
# read back through the catalogs as autogenerate reads it (roundtrip), the lock trace from
# pg_locks (trace), statements run outside a transaction (nontx). On the oldest and the newest
# (PGMAJOR_ENDS) also: the example's behaviour checks (check_examples.sh: foreign key actions,
# row-level security, the backfill), lint's catalog reads (lint: it fills a table of a million
# rows), lock waits and retries that read pg_locks and pg_stat_activity (online). Left out:
# scripts whose SQL is the same on every major (sync, branches, files...), and those built on
# pg_dump. MIGRATE_PGMAJORS picks the majors (empty: none).
set(MIGRATE_PGMAJORS "14;16;17;18" CACHE STRING "PostgreSQL majors that ctest -L pgmajors tests (14 16 17 18)")
set(PGMAJOR_SCRIPTS roundtrip trace nontx)
set(PGMAJOR_ENDS 14 18)
set(PGMAJOR_END_SCRIPTS lint online)

foreach(major IN LISTS MIGRATE_PGMAJORS)
  set(cluster ${CMAKE_BINARY_DIR}/pgmajor-${major})
  add_test(NAME pgmajor_${major}_start
    COMMAND bash -c "bindir=$(\"$0/scripts/pg-majors.sh\" bindir \"$1\") && PG_SERVER_BINDIR=$bindir exec \"$0/scripts/cluster.sh\" start \"$2\""
            ${CMAKE_SOURCE_DIR} ${major} ${cluster})
  set_tests_properties(pgmajor_${major}_start PROPERTIES
    FIXTURES_SETUP pgmajor_${major} LABELS pgmajors TIMEOUT 300)
  add_test(NAME pgmajor_${major}_stop COMMAND ${CMAKE_SOURCE_DIR}/scripts/cluster.sh stop ${cluster})
  set_tests_properties(pgmajor_${major}_stop PROPERTIES
    FIXTURES_CLEANUP pgmajor_${major} LABELS pgmajors TIMEOUT 120)

  set(scripts ${PGMAJOR_SCRIPTS})
  if(major IN_LIST PGMAJOR_ENDS)
    list(APPEND scripts ${PGMAJOR_END_SCRIPTS})
    add_test(NAME pgmajor_${major}_examples COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_examples.sh)
    set_tests_properties(pgmajor_${major}_examples PROPERTIES
      FIXTURES_REQUIRED pgmajor_${major} LABELS pgmajors TIMEOUT 600
      ENVIRONMENT "E2E_CLUSTER=${cluster};PG_BINDIR=${PG_BINDIR}")
  endif()
  foreach(name IN LISTS scripts)
    add_test(NAME pgmajor_${major}_${name} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_${name}.sh)
    set_tests_properties(pgmajor_${major}_${name} PROPERTIES
      FIXTURES_REQUIRED pgmajor_${major} LABELS pgmajors TIMEOUT 600
      ENVIRONMENT "PGMIGRATE_NO_EXTENSION=1;PGMIGRATE=$<TARGET_FILE:pgmigrate>;E2E_CLUSTER=${cluster};PG_BINDIR=${PG_BINDIR};E2E_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
  endforeach()
endforeach()
