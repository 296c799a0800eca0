//go:build !embedui

package web

import (
	"io/fs"
	"strings"
	"testing"
)

func TestNotBuiltPage(t *testing.T) {
	if Embedded() {
		t.Fatal("Embedded() = true without the embedui tag")
	}
	data, err := fs.ReadFile(FS(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "make web") {
		t.Errorf("index.html does not say how to build the UI:\n%s", data)
	}
	if _, err := fs.Stat(FS(), "assets"); err == nil {
		t.Error("the placeholder FS has assets/")
	}
}
