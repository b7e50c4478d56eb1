CREATE TABLE t (id int PRIMARY KEY, n bigint);
CREATE VIEW v AS SELECT id, n FROM t;
COMMENT ON VIEW v IS 'numbers';
COMMENT ON COLUMN v.n IS 'the number';
GRANT SELECT ON v TO autogen_reader;
