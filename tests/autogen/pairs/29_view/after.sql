CREATE TABLE t (id int PRIMARY KEY, a int, b int);
CREATE VIEW v AS SELECT id, a + b AS total FROM t WHERE a > 0;
