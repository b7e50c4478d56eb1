CREATE TABLE users (id int PRIMARY KEY, email text, deleted_at timestamptz, name text);
CREATE UNIQUE INDEX users_email_idx ON users (lower(email)) WHERE deleted_at IS NULL;
CREATE INDEX users_name_idx ON users USING btree (name text_pattern_ops) INCLUDE (email);
CREATE INDEX users_hash_idx ON users USING hash (email);
