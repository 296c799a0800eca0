// Package demo loads the demo catalog (examples/) into an empty store through
// the catalog service; `atrium serve --demo` calls it.
package demo

import (
	"context"
	"errors"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
)

// Load applies the demo blueprints and entities when the catalog holds no
// user blueprints yet, and reports whether it loaded anything.
func Load(ctx context.Context, cat *catalog.Service, actor model.Actor) (bool, error) {
	return false, errors.New("demo: not built yet")
}
