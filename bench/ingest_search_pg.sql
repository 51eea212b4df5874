-- PostgreSQL server work of an import's search data, before (generated column: computed at
-- the insert and again when publishing moves the rows) and after migration 0021 (staged with
-- an empty vector, computed once by the publishing UPDATE). Needs the documents of a run of
-- `bench/ingest.py --database URL` in public.document; works in a scratch schema "exp".
-- Then (session 11): the same rows inserted straight into the project with their vectors (no
-- staging, no publishing UPDATE), against staging and publishing again, and to_tsvector alone:
--     psql URL -f bench/ingest_search_pg.sql
\timing on
DROP SCHEMA IF EXISTS exp CASCADE; CREATE SCHEMA exp; SET search_path = exp;
CREATE TABLE src AS SELECT id, text FROM public.document;
CREATE TABLE da (id serial primary key, project_id int, text text, h text, sv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED);
CREATE INDEX ON da(project_id, h); CREATE INDEX ON da(project_id, id); CREATE INDEX ON da USING gin(sv);
\echo before: generated column, insert then publish
INSERT INTO da(project_id, text, h) SELECT 2, text, md5(text) FROM src;
UPDATE da SET project_id = 1 WHERE project_id = 2;
CREATE TABLE de (id serial primary key, project_id int, text text, h text, sv tsvector);
CREATE INDEX ON de(project_id, h); CREATE INDEX ON de(project_id, id); CREATE INDEX ON de USING gin(sv);
\echo now: empty vector at insert, computed when publishing
INSERT INTO de(project_id, text, h, sv) SELECT 2, text, md5(text), '' FROM src;
UPDATE de SET project_id = 1, sv = to_tsvector('simple'::regconfig, text) WHERE project_id = 2;
CREATE TABLE dd (id serial primary key, project_id int, text text, h text, sv tsvector);
CREATE INDEX ON dd(project_id, h); CREATE INDEX ON dd(project_id, id); CREATE INDEX ON dd USING gin(sv);
TRUNCATE de;
\echo straight into the project with the vector
INSERT INTO dd(project_id, text, h, sv) SELECT 1, text, md5(text), to_tsvector('simple'::regconfig, text) FROM src;
\echo staged with an empty vector, then published (again)
INSERT INTO de(project_id, text, h, sv) SELECT 2, text, md5(text), '' FROM src;
UPDATE de SET project_id = 1, sv = to_tsvector('simple'::regconfig, text) WHERE project_id = 2;
\echo to_tsvector alone
SELECT sum(length(to_tsvector('simple'::regconfig, text))) FROM src;
DROP SCHEMA exp CASCADE;
