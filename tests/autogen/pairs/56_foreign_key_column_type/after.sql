-- Columns of foreign keys change type: on both sides to a type the old one cannot be compared
-- with (the foreign key must go first and come back after both), on the referenced side only to
-- a type that still compares, and an enum rebuilt under columns on both sides.
CREATE TYPE tier AS ENUM ('free', 'team', 'pro');
CREATE TABLE accounts (id bigint PRIMARY KEY, code text NOT NULL UNIQUE, tier tier NOT NULL,
                       UNIQUE (id, tier));
CREATE TABLE invoices (
    id           int PRIMARY KEY,
    account_id   int REFERENCES accounts (id),
    account_code text REFERENCES accounts (code),
    tier         tier,
    FOREIGN KEY (account_id, tier) REFERENCES accounts (id, tier)
);
