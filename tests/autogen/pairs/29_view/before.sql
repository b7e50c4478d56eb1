CREATE TABLE t (id int PRIMARY KEY, a int, b int);
CREATE VIEW v_old AS SELECT id FROM t;
