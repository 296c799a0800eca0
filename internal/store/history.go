package store

import (
	"time"

	"github.com/atrium-idp/atrium/internal/model"
)

// EntityVersionAtParams selects the version of one entity that was valid at
// At: valid_from <= At < valid_to (an open version has no valid_to). When two
// versions share an instant the newer wins. The result may be a deletion
// version (Deleted true, Entity nil); no version at all is ErrNotFound.
type EntityVersionAtParams struct {
	Blueprint  string
	Identifier string
	At         time.Time
}

// EntityVersionChangesParams lists the entities with at least one version
// starting in the half-open interval (From, To], each once, ordered by the
// start of its first version in that interval, then blueprint, then
// identifier.
type EntityVersionChangesParams struct {
	// Blueprint restricts the list to one blueprint; empty means all.
	Blueprint string
	From, To  time.Time
	// After is the last item of the previous page; nil starts at the
	// beginning.
	After *EntityVersionChange
	// Limit caps the items returned; 0 means a driver default of 1000.
	Limit int
}

// EntityVersionChange is an entity changed in a diff's interval and the
// start of its first version there.
type EntityVersionChange struct {
	Key model.EntityKey
	At  time.Time
}

// EntityVersionAtManyParams selects, for each of Keys, the version valid at
// At (as EntityVersionAtParams). Keys with no version then are left out.
type EntityVersionAtManyParams struct {
	Keys []model.EntityKey
	At   time.Time
}

// EntityVersionsAtParams selects every entity that existed at At (of the
// listed blueprints, or of all when empty): for each, the version valid then
// (as EntityVersionAtParams), leaving out deletions. Ordered by blueprint,
// then identifier. It backs "as of" searches.
type EntityVersionsAtParams struct {
	Blueprints []string
	At         time.Time
}
