package sqlstore

import "context"

// The statements batched writes and keyed reads use; written with "?" and
// rendered per dialect (see rebind).
var (
	insertEntitySpec = newBatchSpec("entities", entityCols,
		"text,text,text,text,jsonb,jsonb,jsonb,timestamptz,text,timestamptz,text", "")
	upsertEntitySpec = newBatchSpec("entities", entityCols,
		"text,text,text,text,jsonb,jsonb,jsonb,timestamptz,text,timestamptz,text",
		" ON CONFLICT (blueprint, identifier) DO UPDATE SET title = excluded.title, icon = excluded.icon,"+
			" team = excluded.team, properties = excluded.properties, relations = excluded.relations,"+
			" created_at = excluded.created_at, created_by = excluded.created_by,"+
			" updated_at = excluded.updated_at, updated_by = excluded.updated_by")
	insertEdgeSpec = newBatchSpec("edges", "from_blueprint, from_identifier, relation, to_blueprint, to_identifier",
		"text,text,text,text,text", " ON CONFLICT DO NOTHING")
	insertEventSpec = newBatchSpec("events", "type, blueprint, entity, before_doc, after_doc, actor, origin, run_id, request_id, at",
		"text,text,text,json,json,text,text,text,text,timestamptz", "")
	insertVersionSpec = newBatchSpec("entity_versions", "blueprint, identifier, version, entity, valid_from, actor, origin, run_id, request_id",
		"text,text,bigint,jsonb,timestamptz,text,text,text,text", "")

	deleteEntitiesSpec = listSpec{head: "DELETE FROM entities WHERE blueprint = ? AND identifier IN ",
		array: "DELETE FROM entities WHERE ctid = ANY(ARRAY(SELECT x.ctid FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(id)" +
			" CROSS JOIN LATERAL (SELECT ctid FROM entities WHERE blueprint = p.bp AND identifier = k.id) x))"}
	deleteEdgesSpec = listSpec{head: "DELETE FROM edges WHERE from_blueprint = ? AND from_identifier IN ",
		array: "DELETE FROM edges WHERE ctid = ANY(ARRAY(SELECT x.ctid FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(id)" +
			" CROSS JOIN LATERAL (SELECT ctid FROM edges WHERE from_blueprint = p.bp AND from_identifier = k.id) x))"}
	maxVersionSpec = listSpec{head: "SELECT identifier, MAX(version) FROM entity_versions WHERE blueprint = ? AND identifier IN ",
		tail: " GROUP BY identifier",
		array: "SELECT k.id, v.version FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(id)" +
			" CROSS JOIN LATERAL (SELECT version FROM entity_versions WHERE blueprint = p.bp AND identifier = k.id" +
			" ORDER BY version DESC LIMIT 1) v"}
	closeVersionSpec = listSpec{head: "UPDATE entity_versions SET valid_to = ? WHERE blueprint = ? AND identifier IN ",
		tail: " AND valid_to IS NULL",
		array: "UPDATE entity_versions SET valid_to = ? WHERE ctid = ANY(ARRAY(SELECT x.ctid FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(id)" +
			" CROSS JOIN LATERAL (SELECT ctid FROM entity_versions WHERE blueprint = p.bp AND identifier = k.id AND valid_to IS NULL) x))"}
	getManySpec = listSpec{head: "SELECT " + entityCols + " FROM entities WHERE blueprint = ? AND identifier IN ",
		array: "SELECT e.* FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(id)" +
			" CROSS JOIN LATERAL (SELECT " + entityCols + " FROM entities WHERE blueprint = p.bp AND identifier = k.id) e"}
	incomingSpec = listSpec{head: "SELECT from_blueprint, from_identifier, relation, to_blueprint, to_identifier FROM edges" +
		" WHERE to_blueprint = ? AND to_identifier IN ",
		array: "SELECT x.* FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(id)" +
			" CROSS JOIN LATERAL (SELECT from_blueprint, from_identifier, relation, to_blueprint, to_identifier FROM edges" +
			" WHERE to_blueprint = p.bp AND to_identifier = k.id) x"}

	entityGetSQL = "SELECT " + entityCols + " FROM entities WHERE blueprint = ? AND identifier = ?"
)

// warmWriter prepares every statement a write transaction runs through a
// prepared statement (see stmtCache.lazy).
func (s *Store) warmWriter(ctx context.Context) error {
	c, f := s.writeStmts, s.opts.Flavor
	var qs []string
	for _, spec := range []batchSpec{insertEntitySpec, upsertEntitySpec, insertEdgeSpec, insertEventSpec, insertVersionSpec} {
		for _, n := range rowLadder(f, spec.cols) {
			qs = append(qs, c.batchSQL(f, spec, n))
		}
	}
	for _, spec := range []listSpec{deleteEntitiesSpec, deleteEdgesSpec, maxVersionSpec, closeVersionSpec, getManySpec, incomingSpec} {
		qs = append(qs, c.listSQL(f, spec, maxInList))
	}
	qs = append(qs, c.staticSQL(f, entityGetSQL))
	return c.warm(ctx, qs)
}
