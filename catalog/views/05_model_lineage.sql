-- Every registered model and where it came from: its file and hash, the training options
-- (`args`), the input tables at their Delta versions (`inputs`) and its metrics, oldest first.
CREATE OR REPLACE VIEW model_lineage AS
SELECT name, task, format, architecture, fold, input_size, preset, sha256, uri, created_at, args, inputs, metrics
FROM models;
