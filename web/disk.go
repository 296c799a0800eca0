//go:build !embedui

// Package web holds the Vite app of Atrium's UI (STYLE §8). Without the
// embedui tag (plain `go build`, `go test ./...`) no Node build is needed: FS
// serves a one-page notice instead of the app.
package web

import (
	"embed"
	"io/fs"
)

//go:embed notbuilt/index.html
var notBuilt embed.FS

// FS returns a file system with a single index.html saying the UI is not built.
func FS() fs.FS {
	sub, err := fs.Sub(notBuilt, "notbuilt")
	if err != nil {
		panic(err) // a valid path, fs.Sub cannot fail
	}
	return sub
}

// Embedded reports whether FS is the built app (true) or the placeholder page.
func Embedded() bool { return false }
