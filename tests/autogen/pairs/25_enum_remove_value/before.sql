CREATE TYPE status AS ENUM ('open', 'pending', 'closed');
CREATE TABLE t (id int PRIMARY KEY, s status NOT NULL DEFAULT 'open');
