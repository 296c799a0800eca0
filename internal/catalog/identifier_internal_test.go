package catalog

import (
	"encoding/json"
	"reflect"
	"regexp"
	"testing"

	"github.com/atrium-idp/atrium/internal/model"
)

// FuzzEntityIDChars checks entityIDChars against the expression it
// replaced, Port's entity identifier pattern (port.md §1.11).
func FuzzEntityIDChars(f *testing.F) {
	ref := regexp.MustCompile(`^[\p{L}0-9@_.+:\\/=-]+$`)
	for _, seed := range []string{"", "svc-1", "a.b+c:d\\e/f=g@h_i", "zoë", "日本", "Ⅻ", "a b", "a\x00", "\xff", "a\u00a0",
		"ǅ", "ʰ", "٣", "a#", "🙂", "..", "x\u0301"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := entityIDChars(id), ref.MatchString(id); got != want {
			t.Errorf("entityIDChars(%q) = %v, the expression says %v", id, got, want)
		}
	})
}

// FuzzDecodeValue checks decodeValue's short cut against json.Unmarshal.
func FuzzDecodeValue(f *testing.F) {
	for _, seed := range []string{`"plain"`, `""`, `"é ✓"`, `"a\"b"`, `"a\\b"`, `"\u00e9"`, "\"\xff\"", "\"a\tb\"", `"a`, `a"`,
		`" "`, `"\ufffd"`, "\"\uFFFD\"", `12`, `true`, `null`, `{"a":1}`, `["x"]`, ` "x" `, `"x"y"`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, gotErr := decodeValue(raw)
		var want any
		wantErr := json.Unmarshal(raw, &want)
		if (gotErr != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeValue(%q) = %#v, %v; json.Unmarshal gives %#v, %v", raw, got, gotErr, want, wantErr)
		}
	})
}

// FuzzParseRelValue checks that a relation value which is a JSON string —
// with or without escapes, where parseRelValue's short cut applies or not —
// is read as json.Unmarshal reads it: one identifier, "" clearing like null,
// and a bad identifier named under the relation's field.
func FuzzParseRelValue(f *testing.F) {
	for _, seed := range []string{`"svc-1"`, `""`, `null`, `"a\"b"`, `"a\u0062"`, "\"\xff\"", `"a b"`, ` "x" `, `["x","y"]`, `"x"y"`, `12`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ve := &model.ValidationError{}
		rv := parseRelValue(ve, "service", raw, false, nil)
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return // not a string: the other branches, unchanged
		}
		if s == "" {
			if !rv.null || rv.ids != nil {
				t.Errorf("parseRelValue(%q) = %+v, want a cleared value", raw, rv)
			}
			return
		}
		if !reflect.DeepEqual(rv.ids, []string{s}) || rv.null {
			t.Errorf("parseRelValue(%q) = %+v, want the identifier %q", raw, rv, s)
		}
		if bad := checkEntityID(s) != ""; bad != (ve.Err() != nil) {
			t.Errorf("parseRelValue(%q): error %v, want one only when %q is not a valid identifier", raw, ve.Err(), s)
		} else if bad && ve.Fields[0].Field != "relations.service" {
			t.Errorf("parseRelValue(%q): error on %q, want relations.service", raw, ve.Fields[0].Field)
		}
	})
}
