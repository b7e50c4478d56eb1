CREATE TABLE t (id int PRIMARY KEY, g text, n int);
CREATE MATERIALIZED VIEW totals AS SELECT g, sum(n) AS total FROM t GROUP BY g;
CREATE UNIQUE INDEX totals_g_idx ON totals (g);
