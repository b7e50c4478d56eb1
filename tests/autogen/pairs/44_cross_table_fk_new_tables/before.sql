CREATE TABLE orgs (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
