CREATE SCHEMA app;
CREATE TYPE app.kind AS ENUM ('a', 'b');
CREATE TABLE app.t (id int PRIMARY KEY, k app.kind);
CREATE INDEX t_k_idx ON app.t (k);
CREATE MATERIALIZED VIEW app.mv AS SELECT k, count(*) AS n FROM app.t GROUP BY k;
CREATE SEQUENCE app.s;
