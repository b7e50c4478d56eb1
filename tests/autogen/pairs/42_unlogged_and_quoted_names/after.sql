CREATE TABLE "Mixed Case" (id int PRIMARY KEY, "Some Col" text NOT NULL, "select" int);
CREATE UNLOGGED TABLE cache (k text PRIMARY KEY);
CREATE INDEX "Mixed Case idx" ON "Mixed Case" ("Some Col");
