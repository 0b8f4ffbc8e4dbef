-- The model registry: weights, metadata and lineage (arguments, inputs, metrics as JSON).
CREATE TABLE IF NOT EXISTS models (
  name VARCHAR, task VARCHAR, format VARCHAR, architecture VARCHAR, uri VARCHAR, sha256 VARCHAR,
  input_size BIGINT, classes VARCHAR[], fold BIGINT, preset VARCHAR, decoded BOOLEAN,
  is_default BOOLEAN, created_at TIMESTAMP WITH TIME ZONE, args VARCHAR, inputs VARCHAR, metrics VARCHAR
);
