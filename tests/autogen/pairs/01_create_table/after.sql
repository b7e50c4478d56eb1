CREATE TABLE keep (id int PRIMARY KEY);
CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
