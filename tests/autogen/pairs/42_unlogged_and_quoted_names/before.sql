CREATE TABLE "Mixed Case" (id int PRIMARY KEY, "Some Col" text);
CREATE TABLE cache (k text PRIMARY KEY);
