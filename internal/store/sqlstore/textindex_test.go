package sqlstore

import (
	"database/sql"
	"encoding/json"
	"testing"

	_ "modernc.org/sqlite" // json_tree, the reference textBody replaced
)

// FuzzTextBody checks that textBody gives SQLite's json_tree text values of
// the stored properties document, joined by spaces: what the full-text
// projector writes when it rebuilds or catches up from the catalog in SQL
// (sqlite/textproject.go), so a row reads the same whichever way it came.
func FuzzTextBody(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"a":"x"}`, `{"a":""}`, `{"a":"","b":"y"}`, `{"b":"2","a":"1","c":3,"d":true,"e":null}`,
		`{"tags":["go","<b>",1,null,["deep"]],"o":{"z":"last","a":{"k":"first"}},"é":"zoë ✓"}`,
		`{"url":"https://ci.example.com/svc-153/runs/0","at":"2026-01-01T00:00:00Z","n":1.5}`,
		`{"q":"\"quoted\" \\ back\nline","u":"\u2028"}`,
	} {
		f.Add(seed)
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = db.Close() })
	db.SetMaxOpenConns(1)
	f.Fuzz(func(t *testing.T, doc string) {
		var props map[string]any
		if json.Unmarshal([]byte(doc), &props) != nil || props == nil {
			t.Skip()
		}
		stored, err := appendJSON(nil, props)
		if err != nil {
			t.Skip()
		}
		var want string
		if err := db.QueryRow(`SELECT COALESCE(group_concat(value, ' '), '') FROM json_tree(?) WHERE type = 'text'`, string(stored)).Scan(&want); err != nil {
			t.Skip() // a document SQLite refuses (e.g. nesting too deep) was never indexed
		}
		got, err := textBody(props)
		if err != nil {
			t.Fatalf("textBody(%s): %v", stored, err)
		}
		if got != want {
			t.Errorf("textBody(%s) = %q, json_tree gives %q", stored, got, want)
		}
	})
}
