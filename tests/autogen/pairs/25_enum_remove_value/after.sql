CREATE TYPE status AS ENUM ('open', 'closed');
CREATE TABLE t (id int PRIMARY KEY, s status NOT NULL DEFAULT 'open');
