-- Placeholder on the secgroups branch only: 0012 belongs to another branch. The lead drops this
-- file when merging (the other branch's 0012 takes its place).
SELECT 1;
