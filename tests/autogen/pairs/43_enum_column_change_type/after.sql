CREATE TYPE state AS ENUM ('open', 'closed');
CREATE TABLE t (id int PRIMARY KEY, state state NOT NULL DEFAULT 'open');
