package sqlstore

import "context"

// The statements batched writes and keyed reads use; written with "?" and
// rendered per dialect (see rebind).
var (
	// Entity writes return each row's id, for the transaction's id cache
	// (Tx.ids) — or, for IDNumberer flavors, name the id the store chose.
	insertEntitySpec   = newBatchSpec("entities", entityCols, entityTypes, " RETURNING blueprint, identifier, id")
	upsertEntitySpec   = newBatchSpec("entities", entityCols, entityTypes, upsertEntityTail+" RETURNING blueprint, identifier, id")
	insertEntityIDSpec = newBatchSpec("entities", "id, "+entityCols, "bigint,"+entityTypes, "", entityShared...)
	upsertEntityIDSpec = newBatchSpec("entities", "id, "+entityCols, "bigint,"+entityTypes, upsertEntityTail, entityShared...)
	insertEdgeSpec     = newBatchSpec("edges", "from_id, relation, to_id", "bigint,text,bigint", " ON CONFLICT DO NOTHING")
	insertEventSpec    = newBatchSpec("events", "type, blueprint, entity, before_doc, after_doc, actor, origin, run_id, request_id, at, version",
		"text,text,text,json,json,text,text,text,text,timestamptz,bigint", "",
		"type", "blueprint", "before_doc", "after_doc", "actor", "origin", "run_id", "request_id", "at")
	// A new version has no document (appendVersions).
	insertVersionSpec = newBatchSpec("entity_versions", "blueprint, identifier, version, valid_from, actor, origin, run_id, request_id",
		"text,text,bigint,timestamptz,text,text,text,text", "",
		"blueprint", "valid_from", "actor", "origin", "run_id", "request_id")
	// closeVersionSpec closes open versions, giving each its document: an
	// upsert of rows that exist (their numbers were just read under the
	// write lock), so one batched statement per shape writes rows with
	// different documents on both dialects. valid_from is there only
	// because a proposed row must satisfy NOT NULL; the update leaves it.
	closeVersionSpec = newBatchSpec("entity_versions", "blueprint, identifier, version, entity, valid_from, valid_to",
		"text,text,bigint,jsonb,timestamptz,timestamptz",
		" ON CONFLICT (blueprint, identifier, version) DO UPDATE SET entity = excluded.entity, valid_to = excluded.valid_to",
		"blueprint", "valid_from", "valid_to")
	// entityShared are the entity columns one bulk write gives every row.
	entityShared = []string{"blueprint", "created_at", "created_by", "updated_at", "updated_by"}

	deleteEntitiesSpec = listSpec{head: "DELETE FROM entities WHERE blueprint = ? AND identifier IN ",
		array: "DELETE FROM entities WHERE ctid = ANY(ARRAY(SELECT x.ctid FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(id)" +
			" CROSS JOIN LATERAL (SELECT ctid FROM entities WHERE blueprint = p.bp AND identifier = k.id) x))"}
	// Edges are keyed by entity ids (migration 0007): writes and reads
	// reach them through the entities' keys.
	deleteEdgesSpec = listSpec{head: "DELETE FROM edges WHERE from_id IN ",
		array: "DELETE FROM edges WHERE from_id = ANY(?::bigint[])"}
	entityIDSpec = listSpec{head: "SELECT identifier, id FROM entities WHERE blueprint = ? AND identifier IN ",
		array: "SELECT x.identifier, x.id FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(ident)" +
			" CROSS JOIN LATERAL (SELECT identifier, id FROM entities WHERE blueprint = p.bp AND identifier = k.ident) x"}
	maxVersionSpec = listSpec{head: "SELECT identifier, MAX(version) FROM entity_versions WHERE blueprint = ? AND identifier IN ",
		tail: " GROUP BY identifier",
		array: "SELECT k.id, v.version FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(id)" +
			" CROSS JOIN LATERAL (SELECT version FROM entity_versions WHERE blueprint = p.bp AND identifier = k.id" +
			" ORDER BY version DESC LIMIT 1) v"}
	getManySpec = listSpec{head: "SELECT " + entityCols + " FROM entities WHERE blueprint = ? AND identifier IN ",
		array: "SELECT e.* FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(id)" +
			" CROSS JOIN LATERAL (SELECT " + entityCols + " FROM entities WHERE blueprint = p.bp AND identifier = k.id) e"}
	incomingSpec = listSpec{head: "SELECT f.blueprint, f.identifier, ed.relation, t.blueprint, t.identifier" +
		" FROM entities t JOIN edges ed ON ed.to_id = t.id JOIN entities f ON f.id = ed.from_id" +
		" WHERE t.blueprint = ? AND t.identifier IN ",
		array: "SELECT x.* FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(ident)" +
			" CROSS JOIN LATERAL (SELECT f.blueprint AS fb, f.identifier AS fi, ed.relation, t.blueprint AS tb, t.identifier AS ti" +
			" FROM entities t JOIN edges ed ON ed.to_id = t.id JOIN entities f ON f.id = ed.from_id" +
			" WHERE t.blueprint = p.bp AND t.identifier = k.ident) x"}

	entityGetSQL   = "SELECT " + entityCols + " FROM entities WHERE blueprint = ? AND identifier = ?"
	maxEntityIDSQL = "SELECT COALESCE(MAX(id), 0) FROM entities"
)

const (
	entityTypes      = "text,text,text,text,jsonb,jsonb,jsonb,timestamptz,text,timestamptz,text"
	upsertEntityTail = " ON CONFLICT (blueprint, identifier) DO UPDATE SET title = excluded.title, icon = excluded.icon," +
		" team = excluded.team, properties = excluded.properties, relations = excluded.relations," +
		" created_at = excluded.created_at, created_by = excluded.created_by," +
		" updated_at = excluded.updated_at, updated_by = excluded.updated_by"
)

// warmWriter prepares every statement a write transaction runs through a
// prepared statement (see stmtCache.lazy).
func (s *Store) warmWriter(ctx context.Context) error {
	c, f := s.writeStmts, s.opts.Flavor
	var qs []string
	entitySpecs := []batchSpec{insertEntitySpec, upsertEntitySpec}
	if _, ok := f.(IDNumberer); ok {
		entitySpecs = []batchSpec{insertEntityIDSpec, upsertEntityIDSpec}
	}
	for _, spec := range append(entitySpecs, insertEdgeSpec, insertEventSpec, insertVersionSpec, closeVersionSpec) {
		for _, n := range rowLadder(f, spec.cols) {
			qs = append(qs, c.batchSQL(f, spec, n))
			if spec.shared != 0 && n > 1 {
				qs = append(qs, c.sharedBatchSQL(f, spec, n))
			}
		}
	}
	lists := []listSpec{deleteEntitiesSpec, deleteEdgesSpec, entityIDSpec, maxVersionSpec, getManySpec, getSummarySpec, getKeySpec,
		incomingSpec, outgoingIDSpec, incomingIDSpec, entitySummarySpec}
	for _, spec := range lists {
		for _, n := range inListLens {
			qs = append(qs, c.listSQL(f, spec, n))
		}
	}
	qs = append(qs, c.staticSQL(f, entityGetSQL), c.staticSQL(f, blueprintGetSQL), blueprintListSQL, lastSeqSQL, maxEntityIDSQL)
	return c.warm(ctx, qs)
}
