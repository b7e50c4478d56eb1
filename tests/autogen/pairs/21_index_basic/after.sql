CREATE TABLE t (id int PRIMARY KEY, a int, b text, c jsonb);
CREATE INDEX t_a_b_idx ON t (a, b DESC NULLS LAST);
CREATE UNIQUE INDEX t_b_key ON t (b);
CREATE INDEX t_c_idx ON t USING gin (c jsonb_path_ops);
