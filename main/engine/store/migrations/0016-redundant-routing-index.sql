-- resource_routings (top_id, resource_type) is served by the prefix of its UNIQUE (top_id, pod_id,
-- resource_type): a second B-tree that every routing write (two per cross-pod associate, two per
-- disassociate) paid for and no query needed.
DROP INDEX routings_top_type;
