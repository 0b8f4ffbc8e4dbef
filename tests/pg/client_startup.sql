-- Startup and catalog queries that DBeaver (PostgreSQL JDBC), SQLAlchemy (psycopg dialect)
-- and pandas send when they connect and list tables, replayed by tests/pg/clients.py: each
-- must run without an error. One statement per block, blocks separated by a line '--'.
SET extra_float_digits = 3
--
SET application_name = 'DBeaver 25.1.5 - Main <cytologia>'
--
SELECT current_schema(), session_user
--
SHOW search_path
--
SELECT version()
--
SELECT n.oid, n.*, d.description FROM pg_catalog.pg_namespace n LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid = n.oid AND d.objsubid = 0 AND d.classoid = 'pg_namespace'::regclass ORDER BY nspname
--
SELECT db.oid, db.* FROM pg_catalog.pg_database db WHERE datname = 'cytologia'
--
SELECT * FROM pg_catalog.pg_settings WHERE name = 'standard_conforming_strings'
--
SELECT * FROM pg_catalog.pg_enum WHERE 1 <> 1 LIMIT 1
--
SELECT reltype FROM pg_catalog.pg_class WHERE 1 <> 1 LIMIT 1
--
SELECT c.oid, c.relname, c.relkind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') ORDER BY c.relname
--
SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid WHERE c.relname = 'test_truth' AND a.attnum > 0 ORDER BY a.attnum
--
select pg_catalog.version()
--
select current_schema()
--
show transaction isolation level
--
show standard_conforming_strings
--
SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace WHERE pg_catalog.pg_class.relkind = ANY (ARRAY['r', 'p']) AND pg_catalog.pg_namespace.nspname = 'public'
--
SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'submission'
