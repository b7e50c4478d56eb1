CREATE TABLE t (id int PRIMARY KEY, a int, b text, c jsonb);
CREATE INDEX t_old_idx ON t (a);
