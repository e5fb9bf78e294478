-- Usage is summed over live allocations only; as released ones pile up,
-- an index of all of a project's allocations made every admission slower.
DROP INDEX allocations_live;
CREATE INDEX allocations_live ON allocations (project_id, service) WHERE released_at IS NULL;
