// Package examples embeds Atrium's ready data models so the binary carries
// them: c4 (Backstage's kinds as blueprints), sdlc (service, environment,
// running service, deployment) and demo (the generated demo catalog that
// `atrium serve --demo` loads on top of sdlc).
//
// The files are plain manifests (internal/manifest) that `atrium apply -f`
// reads from disk as well. demo/ is written by `go run ./examples/demo/gen`.
package examples

import (
	"embed"
	"io/fs"
)

//go:embed c4/*.yaml sdlc/*.yaml demo/*.yaml
var files embed.FS

// FS returns the example files: c4/, sdlc/ and demo/.
func FS() fs.FS { return files }
