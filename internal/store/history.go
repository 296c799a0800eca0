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

// EntityVersionChangesParams lists the keys of entities with at least one
// version starting in the half-open interval (From, To], ordered by
// blueprint then identifier.
type EntityVersionChangesParams struct {
	// Blueprint restricts the keys to one blueprint; empty means all.
	Blueprint string
	From, To  time.Time
	// After is the last key of the previous page; the zero key starts at
	// the beginning.
	After model.EntityKey
	// Limit caps the keys returned; 0 means a driver default of 1000.
	Limit int
}

// EntityVersionAtManyParams selects, for each of Keys, the version valid at
// At (as EntityVersionAtParams). Keys with no version then are left out.
type EntityVersionAtManyParams struct {
	Keys []model.EntityKey
	At   time.Time
}
