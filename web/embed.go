//go:build embedui

// Package web holds the Vite app of Atrium's UI (STYLE §8). Built with the
// embedui tag, the binary carries web/dist (run `make web` first).
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built app: index.html at the root, hashed files under assets/.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path, fs.Sub cannot fail
	}
	return sub
}

// Embedded reports whether FS is the built app (true) or the placeholder page.
func Embedded() bool { return true }
